package forecasting

import (
	"math"
	"sort"
)

// weekShape forecasts volume x shape: the weekly volume is a weighted mean of recent weekly
// totals, the shape (each step's share of its week) a trimmed mean over more weeks. Dividing
// each week by its total before averaging removes level drift from the shape, so the shape can
// use many weeks (less noise) while the volume follows recent weeks (less bias).
type weekShape struct {
	shapeWeeks, trim int
	levelWeeks       int
	halfLife         float64
}

func (m *weekShape) name() string  { return "shape" }
func (m *weekShape) minWeeks() int { return 2 }

func (m *weekShape) predict(y []float64, perDay, h int) []float64 {
	w := 7 * perDay
	n := len(y)
	nw := n / w
	ks := min(m.shapeWeeks, nw)
	total := func(r int) float64 { // r = 1: the last week
		var s float64
		for _, v := range y[n-r*w : n-(r-1)*w] {
			s += v
		}
		return s
	}
	var num, den float64
	for r := 1; r <= min(m.levelWeeks, nw); r++ {
		wt := math.Exp2(-float64(r-1) / m.halfLife)
		num += wt * total(r)
		den += wt
	}
	level := num / den
	tots := make([]float64, ks)
	for r := range tots {
		tots[r] = total(r + 1)
	}
	trim := m.trim
	for ks-2*trim < 1 {
		trim--
	}
	buf := make([]float64, 0, ks)
	shape := make([]float64, w)
	var sum float64
	for j := range shape {
		buf = buf[:0]
		for r := range ks {
			if tots[r] > 0 {
				buf = append(buf, y[n-(r+1)*w+j]/tots[r])
			}
		}
		if len(buf) == 0 {
			continue
		}
		sort.Float64s(buf)
		t := min(trim, (len(buf)-1)/2)
		var s float64
		for _, v := range buf[t : len(buf)-t] {
			s += v
		}
		shape[j] = s / float64(len(buf)-2*t)
		sum += shape[j]
	}
	out := make([]float64, h)
	if sum == 0 {
		return out
	}
	for i := range out {
		out[i] = level * shape[i%w] / sum
	}
	return out
}
