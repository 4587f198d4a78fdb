package forecasting

import (
	"math"

	"gonum.org/v1/gonum/optimize"
)

// dshw is Taylor's double-seasonal Holt-Winters (J. W. Taylor, "Short-term electricity demand
// forecasting using double seasonal exponential smoothing", JORS 54, 2003; applied to call
// centres in Taylor, "A comparison of univariate time series methods for forecasting intraday
// arrivals at a call center", Management Science 54, 2008): a level, an intraday and an
// intraweek additive seasonal index, and an AR(1) adjustment of the one-step error. The four
// smoothing parameters minimise the in-sample sum of squared one-step errors (Nelder-Mead on
// logit-transformed parameters) over the last weeks of history.
type dshw struct {
	weeks int
	// warm holds the last fit's solution: the origins of a backtest are a week apart, so the
	// previous optimum is a good start and a short search suffices. A dshw value is used by
	// one goroutine at a time (allModels makes fresh ones per series).
	warm []float64
}

func (m *dshw) name() string  { return "dshw" }
func (m *dshw) minWeeks() int { return 3 }

type dshwState struct {
	level, lastErr float64
	day, week      []float64
}

// init sets the state from the first two weeks: the level is their mean, the indexes the
// mean deviations per hour of day, then per hour of week.
func dshwInit(y []float64, s1, s2 int) dshwState {
	st := dshwState{day: make([]float64, s1), week: make([]float64, s2)}
	n0 := min(2*s2, len(y))
	for _, v := range y[:n0] {
		st.level += v
	}
	st.level /= float64(n0)
	cnt := make([]float64, s1)
	for t := 0; t < n0; t++ {
		st.day[t%s1] += y[t] - st.level
		cnt[t%s1]++
	}
	for j := range st.day {
		st.day[j] /= cnt[j]
	}
	wc := make([]float64, s2)
	for t := 0; t < n0; t++ {
		st.week[t%s2] += y[t] - st.level - st.day[t%s1]
		wc[t%s2]++
	}
	for j := range st.week {
		st.week[j] /= wc[j]
	}
	return st
}

// run filters y with parameters p = (alpha, delta, omega, phi) and returns the sum of squared
// one-step errors after a one-week burn-in.
func (st *dshwState) run(y []float64, s1, s2 int, p [4]float64) float64 {
	a, d, o, phi := p[0], p[1], p[2], p[3]
	sse := 0.0
	for t, v := range y {
		i1, i2 := t%s1, t%s2
		e := v - (st.level + st.day[i1] + st.week[i2] + phi*st.lastErr)
		st.level += a * e
		st.day[i1] += d * e
		st.week[i2] += o * e
		st.lastErr = e
		if t >= s2 {
			sse += e * e
		}
	}
	return sse
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func (m *dshw) predict(y []float64, perDay, h int) []float64 {
	s1, s2 := perDay, 7*perDay
	if nw := len(y) / s2; nw > m.weeks {
		y = y[len(y)-m.weeks*s2:] // whole weeks, so that t%s2 keeps its phase
	} else {
		y = y[len(y)-nw*s2:]
	}
	init := dshwInit(y, s1, s2)
	params := func(x []float64) [4]float64 {
		// Smoothing parameters above ~0.5 only chase noise in hourly data.
		return [4]float64{0.5 * logistic(x[0]), 0.5 * logistic(x[1]), 0.5 * logistic(x[2]), logistic(x[3])}
	}
	work := dshwState{day: make([]float64, s1), week: make([]float64, s2)}
	f := func(x []float64) float64 {
		work.level, work.lastErr = init.level, 0
		copy(work.day, init.day)
		copy(work.week, init.week)
		return work.run(y, s1, s2, params(x))
	}
	x0, evals := []float64{-1.5, -2.5, -2.5, 0}, 200
	if m.warm != nil {
		x0, evals = m.warm, 60
	}
	best := x0
	// Minimize's errors only say that the evaluation budget ran out; the best point so far
	// is still the best we have.
	res, _ := optimize.Minimize(optimize.Problem{Func: f}, x0, &optimize.Settings{FuncEvaluations: evals, Concurrent: 0,
		Converger: &optimize.FunctionConverge{Absolute: 1e-6, Relative: 1e-4, Iterations: 30}}, &optimize.NelderMead{})
	if res != nil && res.X != nil && !math.IsNaN(res.F) {
		best = res.X
	}
	m.warm = append(m.warm[:0], best...)
	st := dshwState{level: init.level, day: append([]float64(nil), init.day...), week: append([]float64(nil), init.week...)}
	p := params(best)
	st.run(y, s1, s2, p)
	n := len(y)
	out := make([]float64, h)
	ar := st.lastErr
	for i := range out {
		ar *= p[3]
		out[i] = st.level + st.day[(n+i)%s1] + st.week[(n+i)%s2] + ar
	}
	return out
}
