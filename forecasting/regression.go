package forecasting

import "math"

// calendarRegression fits y_t = beta[hour of week] * (1 + gamma*weeksAgo) by weighted least
// squares on the last weeks of history, recent weeks weighing more (halfLife in weeks). Hour-
// of-week dummies carry the intraday and intraweek shapes; gamma is a growth rate per week,
// damped in the forecast because extrapolated trends are the classic way to ruin a forecast.
// Holidays and events are regressors too, handled by the shared calendar layer (events.go).
type calendarRegression struct {
	weeks    int
	halfLife float64
}

func (m *calendarRegression) name() string  { return "regression" }
func (m *calendarRegression) minWeeks() int { return 2 }

func (m *calendarRegression) predict(y []float64, perDay, h int) []float64 {
	w := 7 * perDay
	n := len(y)
	nw := min(m.weeks, n/w)
	start := n - nw*w
	tau := func(t int) float64 { return float64(t-n) / float64(w) } // weeks before the end, < 0
	weight := make([]float64, n-start)
	for t := start; t < n; t++ {
		weight[t-start] = math.Exp2(tau(t) / m.halfLife)
	}
	beta := make([]float64, w)
	gamma := 0.0
	for iter := 0; iter < 3; iter++ {
		for j := range beta {
			var num, den float64
			for t := start + j; t < n; t += w {
				g := 1 + gamma*tau(t)
				num += weight[t-start] * y[t] * g
				den += weight[t-start] * g * g
			}
			beta[j] = num / den
		}
		if nw < 3 {
			break // two weeks cannot tell growth from noise
		}
		var num, den float64
		for t := start; t < n; t++ {
			b := beta[(t-start)%w]
			num += weight[t-start] * b * tau(t) * (y[t] - b)
			den += weight[t-start] * b * b * tau(t) * tau(t)
		}
		if den > 0 {
			gamma = math.Max(-0.05, math.Min(0.05, num/den))
		}
	}
	out := make([]float64, h)
	for i := range out {
		ahead := math.Min(float64(i+1)/float64(w), 2) // damped: at most two weeks of growth
		out[i] = beta[(n+i-start)%w] * (1 + gamma*ahead)
	}
	return out
}
