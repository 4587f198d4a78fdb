package forecasting

import (
	"math"
	"sort"
)

// A model forecasts h steps after the end of y, a history already cleaned of event and
// holiday effects, with perDay steps per day. Models return raw means (possibly negative);
// the caller clips and applies calendar effects.
type model interface {
	name() string
	// minWeeks is the shortest history, in weeks, the model needs.
	minWeeks() int
	predict(y []float64, perDay, h int) []float64
}

// ModelNames lists the models Forecast can be asked for by name, besides "auto".
func ModelNames() []string {
	var n []string
	for _, m := range allModels() {
		n = append(n, m.name())
	}
	return n
}

func allModels() []model {
	shape := &weekShape{shapeWeeks: 6, trim: 1, levelWeeks: 4, halfLife: 2}
	reg := &calendarRegression{weeks: 8, halfLife: 3}
	return []model{
		seasonalNaive{days: 1}, seasonalNaive{days: 7},
		weekMedian{k: 4}, weekMedian{k: 8}, weekTrimmed{k: 6, trim: 1},
		reg, shape,
		&dayProfile{levelWeeks: 8, halfLife: 2, shapeWeeks: 8, own: 0.5},
		&dshw{weeks: 10},
		combo{parts: []model{weekMedian{k: 4}, shape, reg}},
	}
}

func modelByName(name string) model {
	for _, m := range allModels() {
		if m.name() == name {
			return m
		}
	}
	return nil
}

// seasonalNaive repeats the last day (days=1) or week (days=7): the baseline every accuracy
// figure is reported against.
type seasonalNaive struct{ days int }

func (m seasonalNaive) name() string {
	if m.days == 1 {
		return "snaive-day"
	}
	return "snaive-week"
}
func (m seasonalNaive) minWeeks() int { return 1 }
func (m seasonalNaive) predict(y []float64, perDay, h int) []float64 {
	p := perDay * m.days
	out := make([]float64, h)
	n := len(y)
	for k := range out {
		out[k] = y[n-p+k%p]
	}
	return out
}

// weekMedian takes, for each step of the week, the median of the same step in the last k
// weeks: robust to one odd week (a holiday, an outage) where the mean is not.
type weekMedian struct{ k int }

func (m weekMedian) name() string  { return "median-" + itoa(m.k) }
func (m weekMedian) minWeeks() int { return min(m.k, 2) }
func (m weekMedian) predict(y []float64, perDay, h int) []float64 {
	w := 7 * perDay
	n := len(y)
	k := min(m.k, n/w)
	buf := make([]float64, k)
	week := make([]float64, w)
	for j := range week { // week[j] has the phase of y[n-w+j], and so of forecast step j
		for i := range k {
			buf[i] = y[n-(i+1)*w+j]
		}
		week[j] = median(buf)
	}
	out := make([]float64, h)
	for i := range out {
		out[i] = week[i%w]
	}
	return out
}

// combo averages its parts' forecasts; combinations are hard to beat when no single model
// dominates.
type combo struct{ parts []model }

func (m combo) name() string { return "combo" }
func (m combo) minWeeks() int {
	w := 0
	for _, p := range m.parts {
		w = max(w, p.minWeeks())
	}
	return w
}
func (m combo) predict(y []float64, perDay, h int) []float64 {
	out := make([]float64, h)
	for _, p := range m.parts {
		f := p.predict(y, perDay, h)
		for i := range out {
			out[i] += math.Max(f[i], 0) / float64(len(m.parts))
		}
	}
	return out
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// median of xs (which it reorders).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// quantile returns the q-quantile of sorted xs by linear interpolation.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}

// weekTrimmed takes, for each step of the week, the mean of the same step in the last k weeks
// after dropping the trim largest and trim smallest: nearly as robust as the median, and
// less noisy because it averages more values.
type weekTrimmed struct{ k, trim int }

func (m weekTrimmed) name() string  { return "trimmed-" + itoa(m.k) }
func (m weekTrimmed) minWeeks() int { return 2 }
func (m weekTrimmed) predict(y []float64, perDay, h int) []float64 {
	w := 7 * perDay
	n := len(y)
	k := min(m.k, n/w)
	trim := m.trim
	for k-2*trim < 1 {
		trim--
	}
	buf := make([]float64, k)
	week := make([]float64, w)
	for j := range week {
		for i := range k {
			buf[i] = y[n-(i+1)*w+j]
		}
		sort.Float64s(buf)
		var s float64
		for _, v := range buf[trim : k-trim] {
			s += v
		}
		week[j] = s / float64(k-2*trim)
	}
	out := make([]float64, h)
	for i := range out {
		out[i] = week[i%w]
	}
	return out
}
