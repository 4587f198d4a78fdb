package forecasting

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// BacktestOptions configure Backtest.
type BacktestOptions struct {
	// Forecast holds the horizon, level, events and selection settings used at each origin.
	Forecast Options
	// Origins are the history lengths (indexes into Values) to forecast from; each needs
	// Forecast.Horizon actual values after it.
	Origins []int
}

// BacktestResult is the out-of-sample accuracy of every model, "auto" (per-origin selection)
// included, on one series.
type BacktestResult struct {
	Key    string
	Scores []Score // best MASE first
	// MASE per model and origin, in the order of the options' origins.
	PerOrigin map[string][]float64
	// Chosen counts how often each model won the selection.
	Chosen map[string]int
}

// Backtest replays Forecast from each origin with only the history before it and scores
// every model against what happened. It is how models and the selection are evaluated; it
// is slow (every model, at every origin, with a nested selection backtest).
func Backtest(ctx context.Context, s Series, opt BacktestOptions) (BacktestResult, error) {
	fo := opt.Forecast
	fo.Model = "auto"
	if fo.Level == 0 {
		fo.Level = 0.8
	}
	if fo.Origins == 0 {
		fo.Origins = 4
	}
	if err := s.Validate(); err != nil {
		return BacktestResult{}, err
	}
	h, w := fo.Horizon, s.perWeek()
	if h <= 0 {
		return BacktestResult{}, fmt.Errorf("%w: horizon %d is not positive", ErrInvalid, h)
	}
	for _, o := range opt.Origins {
		if o < minHistoryWeeks*w || o+h > len(s.Values) {
			return BacktestResult{}, fmt.Errorf("%w: series %q: origin %d leaves no room for %d weeks of history and %d steps ahead", ErrInvalid, s.Key, o, minHistoryWeeks, h)
		}
	}
	type acc struct {
		ae, smape, in    float64
		n, nSmape, nOpen int
		mase             []float64
	}
	accs := map[string]*acc{}
	out := BacktestResult{Key: s.Key, PerOrigin: map[string][]float64{}, Chosen: map[string]int{}}
	sub := s
	for _, o := range opt.Origins {
		if err := ctx.Err(); err != nil {
			return BacktestResult{}, err
		}
		sub.Values = s.Values[:o]
		preds, err := forecastSeries(sub, fo, true)
		if err != nil {
			return BacktestResult{}, fmt.Errorf("backtest origin %d: %w", o, err)
		}
		out.Chosen[preds["auto"].Model]++
		scale := naiveScale(sub.Values, w)
		for name, p := range preds {
			a := accs[name]
			if a == nil {
				a = &acc{}
				accs[name] = a
			}
			var sae float64
			for i, f := range p.Mean {
				y := s.Values[o+i]
				sae += math.Abs(y - f)
				if y+f > 0 {
					a.smape += 200 * math.Abs(y-f) / (y + f)
					a.nSmape++
					a.nOpen++
					if p.Lo[i] <= y && y <= p.Hi[i] {
						a.in++
					}
				}
			}
			a.ae += sae
			a.n += h
			a.mase = append(a.mase, sae/float64(h)/scale)
		}
	}
	for name, a := range accs {
		sc := Score{Model: name, MAE: a.ae / float64(a.n), MASE: meanOf(a.mase), Coverage: math.NaN()}
		if a.nSmape > 0 {
			sc.SMAPE = a.smape / float64(a.nSmape)
		}
		if a.nOpen > 0 {
			sc.Coverage = a.in / float64(a.nOpen)
		}
		out.Scores = append(out.Scores, sc)
		out.PerOrigin[name] = a.mase
	}
	sort.Slice(out.Scores, func(i, j int) bool {
		if out.Scores[i].MASE != out.Scores[j].MASE {
			return out.Scores[i].MASE < out.Scores[j].MASE
		}
		return out.Scores[i].Model < out.Scores[j].Model
	})
	return out, nil
}

func meanOf(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
