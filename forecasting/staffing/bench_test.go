package staffing

import (
	"math"
	"testing"
)

// BenchmarkErlangCPlan staffs 1,000 queues x 336 half-hour intervals (a week) for 80/20 with
// Erlang C. Target: under 1 s per operation.
func BenchmarkErlangCPlan(b *testing.B) {
	const queues, intervals = 1000, 336
	demand := make([]float64, queues*intervals)
	for i := range demand {
		q, t := i/intervals, i%intervals
		// 5..500 calls per hour, shaped by time of day.
		demand[i] = (5 + float64(q%100)*5) * (1.2 + math.Sin(float64(t%48)/48*2*math.Pi))
	}
	tg := Target{ServiceLevel: 0.8, AnswerSeconds: 20, Shrinkage: 0.3}
	b.ReportAllocs()
	for b.Loop() {
		total := 0
		for _, calls := range demand {
			r, err := Required(Queue{CallsPerHour: calls, AHTSeconds: 300}, tg)
			if err != nil {
				b.Fatal(err)
			}
			total += r.ScheduledAgents
		}
		if total == 0 {
			b.Fatal("no agents")
		}
	}
}

// BenchmarkErlangAPlan is the same plan with abandonment (mean patience 120 s).
func BenchmarkErlangAPlan(b *testing.B) {
	const queues, intervals = 1000, 336
	tg := Target{ServiceLevel: 0.8, AnswerSeconds: 20, Shrinkage: 0.3}
	for b.Loop() {
		for i := 0; i < queues*intervals; i++ {
			calls := (5 + float64((i/intervals)%100)*5) * (1.2 + math.Sin(float64(i%48)/48*2*math.Pi))
			if _, err := Required(Queue{CallsPerHour: calls, AHTSeconds: 300, PatienceSeconds: 120}, tg); err != nil {
				b.Fatal(err)
			}
		}
	}
}
