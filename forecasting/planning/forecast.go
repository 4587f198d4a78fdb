package planning

import (
	"context"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
)

// DefaultLevel is the prediction-interval level when a caller gives none.
const DefaultLevel = 0.8

// Forecast is one series' forecast.
type Forecast struct {
	forecasting.Prediction
	// Level is the level of the prediction interval [Lo, Hi].
	Level float64
	// Coverage is the share of the last week's open intervals inside the selected model's
	// interval when refitted without that week; nil when not asked for or not measurable.
	Coverage *float64
}

// ForecastSeries forecasts each series with automatic model selection (or opt.Model), the
// series in parallel as opt.Workers allows; a zero opt.Level means DefaultLevel. With
// coverage it also measures each selected model's interval coverage (see HoldoutCoverage),
// which refits the model once more per series.
func ForecastSeries(ctx context.Context, series []forecasting.Series, opt forecasting.Options, coverage bool) ([]Forecast, error) {
	if opt.Level == 0 {
		opt.Level = DefaultLevel
	}
	preds, err := forecasting.Forecast(ctx, series, opt)
	if err != nil {
		return nil, err
	}
	out := make([]Forecast, len(preds))
	for i, p := range preds {
		out[i] = Forecast{Prediction: p, Level: opt.Level}
		if !coverage {
			continue
		}
		if c, ok := HoldoutCoverage(ctx, series[i], p.Model, opt); ok {
			out[i].Coverage = &c
		}
	}
	return out, nil
}

// ForecastOne forecasts one series as ForecastSeries does.
func ForecastOne(ctx context.Context, s forecasting.Series, opt forecasting.Options, coverage bool) (Forecast, error) {
	fs, err := ForecastSeries(ctx, []forecasting.Series{s}, opt, coverage)
	if err != nil {
		return Forecast{}, err
	}
	return fs[0], nil
}

// HoldoutCoverage refits model on the series without its last week and returns the share of
// that week's open steps (actual or forecast non-zero) inside the interval; false when the
// series is shorter than three weeks, the refit fails or no step is open.
func HoldoutCoverage(ctx context.Context, s forecasting.Series, model string, opt forecasting.Options) (float64, bool) {
	w := int(7 * 24 * time.Hour / s.Step)
	if len(s.Values) < 3*w {
		return 0, false
	}
	head := s
	head.Values = s.Values[:len(s.Values)-w]
	o := opt
	o.Model, o.Horizon = model, w
	ps, err := forecasting.Forecast(ctx, []forecasting.Series{head}, o)
	if err != nil {
		return 0, false
	}
	p := ps[0]
	in, open := 0, 0
	for i, y := range s.Values[len(head.Values):] {
		if y == 0 && p.Mean[i] == 0 {
			continue
		}
		open++
		if p.Lo[i] <= y && y <= p.Hi[i] {
			in++
		}
	}
	if open == 0 {
		return 0, false
	}
	return float64(in) / float64(open), true
}
