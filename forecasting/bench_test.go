package forecasting_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/synth"
)

// BenchmarkForecast1000Series fits and forecasts 1,000 hourly series of two years each, two
// weeks ahead, with automatic model selection (4-origin backtest of every model), built-in
// holidays and release events. Target: under 60 s per operation on 2 cores.
func BenchmarkForecast1000Series(b *testing.B) {
	d := synth.Generate(synth.Config{Seed: 1, Start: time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC), Weeks: 104, Copies: 250,
		GrowthPerWeek: 0.002, ReleaseEvery: 5 * 7 * 24 * time.Hour, ReleaseTau: 24 * time.Hour, HolidayFactor: 0.2})
	if len(d.Series) != 1000 {
		b.Fatalf("%d series", len(d.Series))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := forecasting.Forecast(context.Background(), d.Series, forecasting.Options{Horizon: 336, Events: d.Events, Holidays: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.Sys)/(1<<20), "MiB-sys")
}

// BenchmarkForecastOneSeries is the per-series cost of the benchmark above.
func BenchmarkForecastOneSeries(b *testing.B) {
	d := synth.Generate(synth.Config{Seed: 1, Start: time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC), Weeks: 104, Markets: synth.DefaultMarkets[1:2],
		GrowthPerWeek: 0.002, ReleaseEvery: 5 * 7 * 24 * time.Hour, ReleaseTau: 24 * time.Hour, HolidayFactor: 0.2})
	opt := forecasting.Options{Horizon: 336, Events: d.Events, Holidays: true, Workers: 1}
	for b.Loop() {
		if _, err := forecasting.Forecast(context.Background(), d.Series, opt); err != nil {
			b.Fatal(err)
		}
	}
}
