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

// BenchmarkErlangAAtTheBounds staffs the largest queue Validate takes with Erlang A: 10^6
// calls an hour, 10^5 Erlangs, callers waiting an hour on average (each evaluation sums the
// queue weights up to their peak, ~2 x 10^5 terms at the lower bound of the bisection).
func BenchmarkErlangAAtTheBounds(b *testing.B) {
	q := Queue{CallsPerHour: MaxCallsPerHour, AHTSeconds: 360, PatienceSeconds: MaxPatienceSeconds}
	for b.Loop() {
		if _, err := Required(q, Target{ServiceLevel: 0.8, AnswerSeconds: 20}); err != nil {
			b.Fatal(err)
		}
	}
}
