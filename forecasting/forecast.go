package forecasting

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"
)

// Options configure Forecast.
type Options struct {
	// Horizon is the number of steps to forecast (required).
	Horizon int
	// Level is the central prediction-interval level in (0,1); zero means 0.8.
	Level float64
	// Model is "auto" (or empty) for per-series selection by backtest, or one of ModelNames.
	Model string
	// Events are the holidays, releases, campaigns and outages, past and planned.
	Events []Event
	// Holidays adds the built-in public holidays of each series' Market to Events.
	Holidays bool
	// Origins is the number of weekly rolling origins of the selection backtest (default 4),
	// which also supplies the residuals the intervals are made of.
	Origins int
	// Plain turns off the calendar layer (events, holidays, day-of-month) and the repair of
	// closed days, to measure the bare models as baselines.
	Plain bool
	// Workers bounds the series forecast in parallel; zero means GOMAXPROCS.
	Workers int
}

// Prediction is the forecast of one series.
type Prediction struct {
	Key   string
	Start time.Time // time of Mean[0], the step after the history
	Step  time.Duration
	// Model is the model that produced the forecast.
	Model string
	// Mean, Lo and Hi are the forecast and its interval bounds, all non-negative.
	Mean, Lo, Hi []float64
	// Scores are the backtest accuracies of the candidates, best first (empty when the
	// history was too short to backtest).
	Scores []Score
	// Effects are the calendar effects applied.
	Effects []Effect
}

// Score is the accuracy of one model over a rolling-origin backtest.
type Score struct {
	Model string
	// MAE is the mean absolute error; MASE divides it by the in-sample MAE of the weekly
	// seasonal naive (averaged over origins); SMAPE is the symmetric MAPE in percent over
	// steps where forecast or actual is non-zero.
	MAE, MASE, SMAPE float64
	// Coverage is the share of open steps (actual or forecast non-zero) inside the interval;
	// NaN when the backtest computed no intervals.
	Coverage float64
}

// minHistoryWeeks is the shortest history accepted: two weeks give a weekly naive forecast
// and its in-sample scale.
const minHistoryWeeks = 2

// closedWeeks is how many recent weeks a step of the week must have been zero in to be
// forecast as closed.
const closedWeeks = 6

// Forecast predicts every series Horizon steps ahead. Series are forecast in parallel and
// independently; the first error (a series invalid or too short) cancels the rest.
func Forecast(ctx context.Context, series []Series, opt Options) ([]Prediction, error) {
	if opt.Horizon <= 0 {
		return nil, fmt.Errorf("%w: horizon %d is not positive", ErrInvalid, opt.Horizon)
	}
	if opt.Level == 0 {
		opt.Level = 0.8
	}
	if opt.Level <= 0 || opt.Level >= 1 {
		return nil, fmt.Errorf("%w: interval level %v is not in (0,1)", ErrInvalid, opt.Level)
	}
	if opt.Model == "" {
		opt.Model = "auto"
	}
	if opt.Model != "auto" && modelByName(opt.Model) == nil {
		return nil, fmt.Errorf("%w: unknown model %q (want auto or one of %v)", ErrInvalid, opt.Model, ModelNames())
	}
	if opt.Origins == 0 {
		opt.Origins = 4
	}
	seen := map[string]bool{}
	for _, s := range series {
		if seen[s.Key] {
			return nil, fmt.Errorf("%w: series %q given twice", ErrInvalid, s.Key)
		}
		seen[s.Key] = true
		if err := s.Validate(); err != nil {
			return nil, err
		}
		if len(s.Values) < minHistoryWeeks*s.perWeek() {
			return nil, fmt.Errorf("%w: series %q: history of %d intervals (%.1f days) is too short: need at least %d days", ErrInvalid,
				s.Key, len(s.Values), float64(len(s.Values))/float64(s.perDay()), 7*minHistoryWeeks)
		}
	}
	out := make([]Prediction, len(series))
	err := parallel(ctx, len(series), opt.Workers, func(i int) error {
		ps, err := forecastSeries(series[i], opt, false)
		if err != nil {
			return err
		}
		out[i] = ps[opt.Model]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parallel runs f(0..n-1) on up to workers goroutines, stopping at the first error or when
// ctx is done.
func parallel(ctx context.Context, n, workers int, f func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once  sync.Once
		first error
		wg    sync.WaitGroup
	)
	next := make(chan int)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					cancel()
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-inner.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// seriesEvents returns the events that concern s: opt.Events plus, if asked, the built-in
// holidays of its market.
func seriesEvents(s Series, events []Event, builtin bool, horizon int) []Event {
	if !builtin || s.Market == "" {
		return events
	}
	end := s.Time(len(s.Values) + horizon)
	hs := Holidays(s.Market, s.Start.Year(), end.Year(), s.Location)
	return append(append([]Event(nil), events...), hs...)
}

// run is one forecast of one model from one origin.
type run struct {
	mean   []float64
	closed []bool
}

// predictAt forecasts h steps from origin (a history length) with each model, sharing the
// calendar layer and the closed-hours rule. Combination models reuse their parts' forecasts.
func predictAt(s Series, origin, h int, models []model, events []Event, plain bool) (map[string]run, *calendar) {
	y := s.Values[:origin]
	w, perDay := s.perWeek(), s.perDay()
	var cal *calendar
	clean := y
	if !plain {
		cal = buildCalendar(s, origin, h, events)
		if cal != nil {
			clean = cal.clean(y, w)
		}
		clean = fillClosedDays(clean, y, perDay)
	}
	// A step of the week that was zero in every one of the recent weeks is closed.
	closed := make([]bool, h)
	k := min(closedWeeks, origin/w)
	for i := range closed {
		closed[i] = true
		for r := 1; r <= k; r++ {
			if y[origin-r*w+i%w] != 0 {
				closed[i] = false
				break
			}
		}
	}
	raw := map[string][]float64{}
	var get func(m model) []float64
	get = func(m model) []float64 {
		if f, ok := raw[m.name()]; ok {
			return f
		}
		var f []float64
		if c, ok := m.(combo); ok {
			f = make([]float64, h)
			for _, p := range c.parts {
				g := get(p)
				for i := range f {
					f[i] += math.Max(g[i], 0) / float64(len(c.parts))
				}
			}
		} else {
			if _, ok := m.(seasonalNaive); ok {
				f = m.predict(y, perDay, h) // the baseline stays naive
			} else {
				f = m.predict(clean, perDay, h)
			}
		}
		raw[m.name()] = f
		return f
	}
	out := map[string]run{}
	for _, m := range models {
		if origin < m.minWeeks()*w {
			continue
		}
		f := get(m)
		mean := make([]float64, h)
		_, naive := m.(seasonalNaive)
		for i := range mean {
			v := math.Max(f[i], 0)
			if cal != nil && !naive {
				v *= cal.mult[origin+i]
			}
			if closed[i] && !plain {
				v = 0
			}
			mean[i] = v
		}
		out[m.name()] = run{mean: mean, closed: closed}
	}
	return out, cal
}

// fillClosedDays replaces whole days of zeros on a weekday that is normally open (an
// unlisted closure, a broken feed) by the same day a week earlier (or later, at the start), so
// that one closed day does not drag every model down for weeks. y is the raw history; clean
// is modified in place only if needed (it is copied first).
func fillClosedDays(clean, y []float64, perDay int) []float64 {
	w := 7 * perDay
	days := len(y) / perDay
	copied := false
	daySum := func(d int) float64 {
		var s float64
		for _, v := range y[d*perDay : (d+1)*perDay] {
			s += v
		}
		return s
	}
	for d := range days {
		if daySum(d) != 0 {
			continue
		}
		var around []float64
		for _, k := range []int{-2, -1, 1, 2} {
			if e := d + 7*k; e >= 0 && e < days {
				around = append(around, daySum(e))
			}
		}
		if len(around) < 2 || median(around) == 0 {
			continue // closed on this weekday as a rule
		}
		src := d*perDay - w
		if src < 0 {
			src = d*perDay + w
		}
		if src+perDay > len(y) {
			continue
		}
		if !copied {
			clean = append([]float64(nil), clean...)
			copied = true
		}
		copy(clean[d*perDay:(d+1)*perDay], clean[src:src+perDay])
	}
	return clean
}

func isBaseline(m model) bool {
	_, ok := m.(seasonalNaive)
	return ok
}

// naiveScale is the in-sample MAE of the weekly seasonal naive on y, the MASE denominator.
func naiveScale(y []float64, w int) float64 {
	var sum float64
	for t := w; t < len(y); t++ {
		sum += math.Abs(y[t] - y[t-w])
	}
	if len(y) <= w {
		return math.NaN()
	}
	return sum / float64(len(y)-w)
}

// intervalModel turns a mean into interval bounds with quantiles of backtest errors divided
// by (mean+1)^power, per horizon day (pooled when a day has too few errors).
type intervalModel struct {
	power  float64
	lo, hi []float64 // per horizon day; index len-1 is the pooled fallback
	perDay int
}

func (im *intervalModel) bounds(mean float64, step int, closed bool) (float64, float64) {
	if closed || im == nil {
		return mean, mean
	}
	d := min(step/im.perDay, len(im.lo)-1)
	sc := math.Pow(mean+1, im.power)
	lo := math.Max(0, math.Min(mean+im.lo[d]*sc, mean))
	hi := math.Max(mean+im.hi[d]*sc, mean)
	return lo, hi
}

type residual struct {
	step       int
	mean, diff float64
}

// fitIntervals chooses the power (0.5: Poisson-like, 1: relative errors) that gives the
// narrowest intervals for the level on the backtest residuals.
func fitIntervals(res []residual, level float64, perDay, h int) *intervalModel {
	if len(res) < 20 {
		return nil
	}
	days := (h + perDay - 1) / perDay
	qlo, qhi := (1-level)/2, (1+level)/2
	var best *intervalModel
	bestWidth := math.Inf(1)
	for _, p := range []float64{0.5, 0.75, 1} {
		im := &intervalModel{power: p, perDay: perDay, lo: make([]float64, days+1), hi: make([]float64, days+1)}
		byDay := make([][]float64, days+1)
		for _, r := range res {
			z := r.diff / math.Pow(r.mean+1, p)
			d := min(r.step/perDay, days-1)
			byDay[d] = append(byDay[d], z)
			byDay[days] = append(byDay[days], z)
		}
		for d, zs := range byDay {
			if len(zs) < 30 {
				zs = byDay[days]
			}
			zs = append([]float64(nil), zs...)
			sort.Float64s(zs)
			im.lo[d], im.hi[d] = quantile(zs, qlo), quantile(zs, qhi)
		}
		width := 0.0
		for _, r := range res {
			lo, hi := im.bounds(r.mean, r.step, false)
			width += hi - lo
		}
		if width < bestWidth {
			best, bestWidth = im, width
		}
	}
	return best
}

// origins returns the backtest origins: every week back from n-h, as long as at least
// minWeeks+1 weeks of history remain.
func backtestOrigins(n, h, w, count int) []int {
	var out []int
	for i := 0; i < count; i++ {
		o := n - h - i*w
		if o < (minHistoryWeeks+1)*w {
			break
		}
		out = append(out, o)
	}
	return out
}

// forecastSeries forecasts s with the model opt.Model, or with every candidate and "auto"
// when all is set (for backtests), keyed by model name.
func forecastSeries(s Series, opt Options, all bool) (map[string]Prediction, error) {
	n, w := len(s.Values), s.perWeek()
	events := seriesEvents(s, opt.Events, opt.Holidays, opt.Horizon)
	cands := allModels()
	if opt.Model != "auto" {
		cands = []model{modelByName(opt.Model)}
	}
	// The backtest horizon is the forecast's, capped at two weeks (errors further out are
	// assumed to look like those at two weeks).
	bh := min(opt.Horizon, 2*w)
	origins := backtestOrigins(n, bh, w, opt.Origins)
	if len(origins) == 0 && bh > w {
		// Four weeks of history (a fresh demo's) leave no origin two weeks back: a week ahead
		// still measures the models, so the choice and its accuracy are not guessed.
		bh = w
		origins = backtestOrigins(n, bh, w, opt.Origins)
	}
	scores, res := backtest(s, origins, bh, cands, events, opt.Plain)
	choice := cands[0]
	if opt.Model == "auto" {
		choice = weekMedian{k: 4} // when the history is too short to backtest
		// The seasonal naives are baselines: scored and reported, never chosen, because
		// they repeat the history as it was and so ignore planned events and holidays.
		for _, sc := range scores {
			if m := modelByName(sc.Model); !isBaseline(m) {
				choice = m
				break
			}
		}
	}
	final := []model{choice}
	if all {
		final = cands
	}
	runs, cal := predictAt(s, n, opt.Horizon, final, events, opt.Plain)
	if _, ok := runs[choice.name()]; !ok {
		return nil, fmt.Errorf("%w: series %q: model %s needs %d weeks of history, got %.1f", ErrInvalid, s.Key, choice.name(), choice.minWeeks(), float64(n)/float64(w))
	}
	out := map[string]Prediction{}
	for name, r := range runs {
		p := Prediction{Key: s.Key, Start: s.End(), Step: s.Step, Model: name, Mean: r.mean, Scores: scores}
		if cal != nil {
			p.Effects = cal.effects
		}
		im := fitIntervals(res[name], opt.Level, s.perDay(), bh)
		if im == nil {
			// No backtest: weekly-naive in-sample errors at the same level are the fallback.
			var rs []residual
			for t := max(w, n-4*w); t < n; t++ {
				if s.Values[t] > 0 || s.Values[t-w] > 0 {
					rs = append(rs, residual{step: 0, mean: s.Values[t-w], diff: s.Values[t] - s.Values[t-w]})
				}
			}
			im = fitIntervals(rs, opt.Level, s.perDay(), 1)
		}
		p.Lo, p.Hi = make([]float64, len(p.Mean)), make([]float64, len(p.Mean))
		for i, m := range p.Mean {
			p.Lo[i], p.Hi[i] = im.bounds(m, i, r.closed[i])
		}
		out[name] = p
	}
	if opt.Model == "auto" {
		out["auto"] = out[choice.name()]
	}
	return out, nil
}

// backtest forecasts from each origin with each model and scores them; it also returns each
// model's residuals at open steps for the intervals.
func backtest(s Series, origins []int, h int, models []model, events []Event, plain bool) ([]Score, map[string][]residual) {
	if len(origins) == 0 {
		return nil, nil
	}
	w := s.perWeek()
	type acc struct {
		mae, mase, smape float64
		nSmape           int
	}
	accs := map[string]*acc{}
	res := map[string][]residual{}
	for _, o := range origins {
		runs, _ := predictAt(s, o, h, models, events, plain)
		scale := naiveScale(s.Values[:o], w)
		for name, r := range runs {
			a := accs[name]
			if a == nil {
				a = &acc{}
				accs[name] = a
			}
			var sum float64
			for i, f := range r.mean {
				y := s.Values[o+i]
				sum += math.Abs(y - f)
				if y+f > 0 {
					a.smape += 200 * math.Abs(y-f) / (y + f)
					a.nSmape++
				}
				if !r.closed[i] && (y > 0 || f > 0) {
					res[name] = append(res[name], residual{step: i, mean: f, diff: y - f})
				}
			}
			a.mae += sum / float64(h)
			if scale > 0 {
				a.mase += sum / float64(h) / scale
			}
		}
	}
	var scores []Score
	for _, m := range models {
		a, ok := accs[m.name()]
		if !ok {
			continue
		}
		k := float64(len(origins))
		sc := Score{Model: m.name(), MAE: a.mae / k, MASE: a.mase / k, Coverage: math.NaN()}
		if a.nSmape > 0 {
			sc.SMAPE = a.smape / float64(a.nSmape)
		}
		scores = append(scores, sc)
	}
	sort.SliceStable(scores, func(i, j int) bool { return scores[i].MAE < scores[j].MAE })
	return scores, res
}
