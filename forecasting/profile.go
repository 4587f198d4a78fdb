package forecasting

import "math"

// dayProfile splits demand into a daily volume per day of week and an intraday shape: the
// volume is a weighted mean of the same weekday's totals in recent weeks, the shape a blend
// of that weekday's own shape and the shape pooled over all days. Pooling borrows strength
// across days, so one noisy hour in one week moves the forecast much less than in an
// hour-of-week model, which estimates every hour of the week from a handful of values.
type dayProfile struct {
	levelWeeks int     // weeks for the daily volumes
	halfLife   float64 // weeks; recent weeks weigh more in the volumes
	shapeWeeks int     // weeks for the shapes
	own        float64 // weight of the weekday's own shape against the pooled one
}

func (m *dayProfile) name() string  { return "profile" }
func (m *dayProfile) minWeeks() int { return 2 }

func (m *dayProfile) predict(y []float64, perDay, h int) []float64 {
	w := 7 * perDay
	n := len(y)
	nw := min(max(m.levelWeeks, m.shapeWeeks), n/w)
	// Days are counted back from the end: day j of the last week has the phase of forecast
	// day j.
	dayTotal := func(weeksBack, j int) float64 {
		start := n - weeksBack*w + j*perDay
		var s float64
		for _, v := range y[start : start+perDay] {
			s += v
		}
		return s
	}
	level := make([]float64, 7)
	for j := range 7 {
		var num, den float64
		for r := 1; r <= min(m.levelWeeks, nw); r++ {
			wt := math.Exp2(-float64(r-1) / m.halfLife)
			num += wt * dayTotal(r, j)
			den += wt
		}
		level[j] = num / den
	}
	own := make([][]float64, 7)
	pooled := make([]float64, perDay)
	var pooledTot float64
	for j := range 7 {
		own[j] = make([]float64, perDay)
		var tot float64
		for r := 1; r <= min(m.shapeWeeks, nw); r++ {
			start := n - r*w + j*perDay
			for k := range perDay {
				own[j][k] += y[start+k]
				pooled[k] += y[start+k]
			}
			tot += dayTotal(r, j)
		}
		pooledTot += tot
		for k := range own[j] {
			if tot > 0 {
				own[j][k] /= tot
			}
		}
	}
	for k := range pooled {
		if pooledTot > 0 {
			pooled[k] /= pooledTot
		}
	}
	out := make([]float64, h)
	for i := range out {
		j, k := (i%w)/perDay, i%perDay
		out[i] = level[j] * (m.own*own[j][k] + (1-m.own)*pooled[k])
	}
	return out
}
