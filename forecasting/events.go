package forecasting

import (
	"math"
	"time"
)

// The calendar layer: every model forecasts a history cleaned of holiday and event effects,
// and the learned effects are multiplied back onto its forecast. Effects are multiplicative
// because a release doubles a busy hour's volume, not adds a constant to a quiet one.
//
// A holiday multiplies demand over its day by one factor f per series; a surge (release,
// campaign, outage) multiplies it by 1 + A*exp(-(t-start)/tau) from its start. f, A and tau
// are fitted by least squares against a counterfactual baseline (the median of the same step
// in the previous weeks), tau on a grid; kinds absent from the history fall back on the
// event's Lift (or the kind's default) and tau = 24h, i.e. a surge mostly gone after ~72h.

// tauGrid holds the candidate decay times of surges.
var tauGrid = []time.Duration{3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 18 * time.Hour, 24 * time.Hour,
	36 * time.Hour, 48 * time.Hour, 72 * time.Hour, 96 * time.Hour}

const defaultTau = 24 * time.Hour

// Effect is the learned (or assumed) effect of one kind of event on one series.
type Effect struct {
	Kind EventKind
	// Lift is f-1 for holidays and A for surges.
	Lift float64
	// Tau is the surge decay time (zero for holidays).
	Tau time.Duration
	// Learned is false when no event of the kind was in the history and the prior was used.
	Learned bool
}

// calendar holds, per step over history and horizon, the multiplier of the learned effects.
type calendar struct {
	mult    []float64
	effects []Effect
	// impute marks history steps replaced rather than divided when cleaning (holidays:
	// their factor is a median over holidays and wrong for some of them).
	impute []bool
}

// baseline returns the median of y at t-W, t-2W, ... (up to 4 weeks, skipping flagged steps),
// or NaN when fewer than two are available.
func baseline(y []float64, skip []bool, t, w int) float64 {
	var buf [4]float64
	k := 0
	for i := 1; k < 4 && t-i*w >= 0 && i <= 8; i++ {
		if skip != nil && skip[t-i*w] {
			continue
		}
		buf[k] = y[t-i*w]
		k++
	}
	if k < 2 {
		return math.NaN()
	}
	return median(buf[:k])
}

// buildCalendar learns the effects of events on s.Values[:hist] and returns multipliers for
// hist+h steps. It returns nil when no event touches the series.
func buildCalendar(s Series, hist, h int, events []Event) (cal *calendar) {
	n := hist + h
	y := s.Values[:hist]
	w := s.perWeek()
	idx := func(t time.Time) int { // first step at or after t
		d := t.Sub(s.Start)
		i := int(d / s.Step)
		if d > 0 && d%s.Step != 0 {
			i++
		}
		return i
	}
	byKind := map[EventKind][]Event{}
	var kinds []EventKind
	end := s.Time(n)
	for _, e := range events {
		if !e.appliesTo(s.Market) || !e.Start.Before(end) {
			continue
		}
		if e.Kind == Holiday {
			if !e.End.IsZero() && !e.End.After(s.Start) || e.End.IsZero() && !e.Start.Add(24*time.Hour).After(s.Start) {
				continue
			}
		}
		if _, ok := byKind[e.Kind]; !ok {
			kinds = append(kinds, e.Kind)
		}
		byKind[e.Kind] = append(byKind[e.Kind], e)
	}
	cal = &calendar{mult: make([]float64, n)}
	for i := range cal.mult {
		cal.mult[i] = 1
	}
	defer func() {
		// Day-of-month factors are learned last, on the steps no event or holiday touched.
		var skip []bool
		if len(kinds) > 0 {
			skip = make([]bool, hist)
			for t := range skip {
				skip[t] = math.Abs(cal.mult[t]-1) > 0.02
			}
		}
		if f := monthDayFactors(s, hist, skip); f != nil {
			loc := s.Location
			if loc == nil {
				loc = time.UTC
			}
			for i := range cal.mult {
				cal.mult[i] *= f[monthDayBucket(s.Time(i).In(loc))]
			}
			cal.effects = append(cal.effects, Effect{Kind: "day-of-month", Learned: true})
		}
		if len(cal.effects) == 0 {
			cal = nil
		}
	}()
	if len(kinds) == 0 {
		return cal
	}
	// Holidays first: their steps are left out of the baselines of the surges.
	var holiday []bool
	if hs := byKind[Holiday]; len(hs) > 0 {
		holiday = make([]bool, n)
		lift, liftN := 0.0, 0
		for _, e := range hs {
			stop := e.End
			if stop.IsZero() {
				stop = e.Start.Add(24 * time.Hour)
			}
			for i := max(idx(e.Start), 0); i < min(idx(stop), n); i++ {
				holiday[i] = true
			}
			if e.Lift != 0 {
				lift += e.Lift
				liftN++
			}
		}
		// One factor per past holiday, then their median: a holiday the centre happened to
		// open on must not halve the forecast of the ones it closes on.
		var factors []float64
		for _, e := range hs {
			stop := e.End
			if stop.IsZero() {
				stop = e.Start.Add(24 * time.Hour)
			}
			var num, den float64
			obs := 0
			for t := max(idx(e.Start), 0); t < min(idx(stop), hist); t++ {
				if b := baseline(y, holiday, t, w); !math.IsNaN(b) {
					num += y[t] * b
					den += b * b
					obs++
				}
			}
			if obs >= s.perDay()/2 && den > 0 {
				factors = append(factors, num/den)
			}
		}
		eff := Effect{Kind: Holiday, Lift: defaultLift(Holiday)}
		if liftN > 0 {
			eff.Lift = lift / float64(liftN)
		}
		if len(factors) > 0 {
			eff = Effect{Kind: Holiday, Lift: math.Min(median(factors), 3) - 1, Learned: true}
		}
		for i := range cal.mult {
			if holiday[i] {
				cal.mult[i] *= 1 + eff.Lift
			}
		}
		cal.impute = holiday[:hist]
		cal.effects = append(cal.effects, eff)
	}
	for _, k := range kinds {
		if k == Holiday {
			continue
		}
		evs := byKind[k]
		profile := func(tau time.Duration, g []float64) {
			for i := range g {
				g[i] = 0
			}
			r := float64(tau) / float64(s.Step)
			for _, e := range evs {
				first := idx(e.Start)
				last := n
				if !e.End.IsZero() {
					last = min(last, idx(e.End))
				}
				last = min(last, first+int(8*r)+1)
				for i := max(first, 0); i < last; i++ {
					g[i] += math.Exp(-float64(i-first) / r)
				}
			}
		}
		g := make([]float64, n)
		// Baselines of the steps the events touch in the history, computed once.
		profile(tauGrid[len(tauGrid)-1], g)
		base := make([]float64, hist)
		touched := 0
		for t := 0; t < hist; t++ {
			base[t] = math.NaN()
			if g[t] > 1e-3 {
				base[t] = baseline(y, holiday, t, w)
				if !math.IsNaN(base[t]) {
					touched++
				}
			}
		}
		var prior float64
		for _, e := range evs {
			prior += e.Lift
		}
		prior /= float64(len(evs))
		if prior == 0 {
			prior = defaultLift(k)
		}
		eff := Effect{Kind: k, Lift: prior, Tau: defaultTau}
		if touched >= s.perDay() {
			bestSSE := math.Inf(1)
			for _, tau := range tauGrid {
				profile(tau, g)
				var num, den float64
				for t := 0; t < hist; t++ {
					if b := base[t]; !math.IsNaN(b) {
						num += b * g[t] * (y[t] - b)
						den += b * b * g[t] * g[t]
					}
				}
				if den == 0 {
					continue
				}
				a := math.Max(-0.95, math.Min(num/den, 20))
				sse := 0.0
				for t := 0; t < hist; t++ {
					if b := base[t]; !math.IsNaN(b) {
						r := y[t] - b*(1+a*g[t])
						sse += r * r
					}
				}
				if sse < bestSSE {
					bestSSE = sse
					eff = Effect{Kind: k, Lift: a, Tau: tau, Learned: true}
				}
			}
		}
		profile(eff.Tau, g)
		for i := range cal.mult {
			cal.mult[i] *= math.Max(1+eff.Lift*g[i], 0)
		}
		cal.effects = append(cal.effects, eff)
	}
	return cal
}

// clean divides the effects out of the history. Where the multiplier is too small to divide
// by (a closed holiday), the value is replaced by its baseline.
func (c *calendar) clean(y []float64, w int) []float64 {
	out := make([]float64, len(y))
	for t, v := range y {
		m := c.mult[t]
		switch {
		case m >= 0.25 && (c.impute == nil || !c.impute[t]):
			out[t] = v / m
		default:
			b := math.NaN()
			if t >= w {
				b = out[t-w] // the cleaned value a week earlier
			}
			if math.IsNaN(b) {
				b = v
			}
			out[t] = b
		}
	}
	return out
}
