package forecasting

import (
	"math"
	"time"
)

// Day-of-month effects: banks, utilities and subscription businesses see more contacts
// around paydays, statements and renewals (the bank-calls data: +10% on the 1st-3rd, -4% on
// the 7th-12th). They are learned per series as a factor per three-day bucket of the month,
// from each day's total against the median of the same weekday two weeks either side; the
// factors are shrunk towards 1 by their sample size and dropped altogether when the buckets
// do not differ more than noise would make them (an F ratio below monthDayMinF).

const (
	monthDayBuckets = 10  // 1-3, 4-6, ..., 25-27, 28-31
	monthDayShrink  = 4.0 // pseudo-observations at factor 1
	monthDayMinF    = 2.5
	monthDayMinDays = 30
)

func monthDayBucket(t time.Time) int { return min((t.Day()-1)/3, monthDayBuckets-1) }

// monthDayFactors returns a factor per bucket, or nil when there is no effect to speak of.
// skip marks steps (holidays) to leave out.
func monthDayFactors(s Series, hist int, skip []bool) []float64 {
	perDay := s.perDay()
	days := hist / perDay
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	total := make([]float64, days)
	for d := range total {
		for t := d * perDay; t < (d+1)*perDay; t++ {
			if skip != nil && skip[t] {
				total[d] = 0
				break
			}
			total[d] += s.Values[t]
		}
	}
	logs := make([][]float64, monthDayBuckets)
	count := 0
	var buf []float64
	for d, v := range total {
		if v <= 0 {
			continue
		}
		buf = buf[:0]
		for _, k := range []int{-14, -7, 7, 14} {
			if e := d + k; e >= 0 && e < days && total[e] > 0 {
				buf = append(buf, total[e])
			}
		}
		if len(buf) < 2 {
			continue
		}
		mid := s.Time(d*perDay + perDay/2).In(loc)
		b := monthDayBucket(mid)
		logs[b] = append(logs[b], math.Log(v/median(buf)))
		count++
	}
	if count < monthDayMinDays {
		return nil
	}
	// One-way analysis of variance of the log ratios by bucket.
	var grand float64
	for _, l := range logs {
		for _, x := range l {
			grand += x
		}
	}
	grand /= float64(count)
	var between, within float64
	groups := 0
	means := make([]float64, monthDayBuckets)
	for b, l := range logs {
		if len(l) == 0 {
			continue
		}
		groups++
		means[b] = meanOf(l)
		between += float64(len(l)) * (means[b] - grand) * (means[b] - grand)
		for _, x := range l {
			within += (x - means[b]) * (x - means[b])
		}
	}
	if groups < 2 || within == 0 {
		return nil
	}
	f := (between / float64(groups-1)) / (within / float64(count-groups))
	if f < monthDayMinF {
		return nil
	}
	out := make([]float64, monthDayBuckets)
	for b, l := range logs {
		n := float64(len(l))
		out[b] = math.Exp(n / (n + monthDayShrink) * (means[b] - grand))
	}
	return out
}
