package planning_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/planning"
)

// daily is weeks of hourly contacts with a daily rhythm and a deterministic wobble.
func daily(weeks int) forecasting.Series {
	s := forecasting.Series{Key: "q", Start: time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC), Step: time.Hour}
	for i := range weeks * 7 * 24 {
		h := float64(i % 24)
		s.Values = append(s.Values, math.Round(20+15*math.Sin(2*math.Pi*(h-6)/24)+3*math.Sin(float64(i)*1.7)))
	}
	return s
}

func TestForecastOneMeasuresCoverageOnlyWhenAskedAndMeasurable(t *testing.T) {
	ctx := context.Background()
	opt := forecasting.Options{Horizon: 24, Holidays: false}
	f, err := planning.ForecastOne(ctx, daily(4), opt, true)
	if err != nil {
		t.Fatal(err)
	}
	if f.Level != planning.DefaultLevel || len(f.Mean) != 24 || f.Coverage == nil || *f.Coverage < 0 || *f.Coverage > 1 {
		t.Fatalf("forecast level %v, %d steps, coverage %v", f.Level, len(f.Mean), f.Coverage)
	}
	c, ok := planning.HoldoutCoverage(ctx, daily(4), f.Model, forecasting.Options{Level: planning.DefaultLevel})
	if !ok || c != *f.Coverage {
		t.Fatalf("HoldoutCoverage = %v, %v; ForecastOne said %v", c, ok, *f.Coverage)
	}
	if f, err := planning.ForecastOne(ctx, daily(4), opt, false); err != nil || f.Coverage != nil {
		t.Fatalf("coverage not asked for: %v, %v", f.Coverage, err)
	}
	if f, err := planning.ForecastOne(ctx, daily(2), opt, true); err != nil || f.Coverage != nil {
		t.Fatalf("two weeks leave no hold-out week after the two a model needs: %v, %v", f.Coverage, err)
	}
}
