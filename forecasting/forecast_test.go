package forecasting_test

import (
	"context"
	"math"
	"testing"
	"time"

	. "github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/synth"
)

var monday = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// officeHours is a series open 9-17 on weekdays with a fixed pattern plus a deterministic
// wobble, closed otherwise.
func officeHours(weeks int) Series {
	s := Series{Key: "office", Start: monday, Step: time.Hour, Values: make([]float64, weeks*168)}
	for i := range s.Values {
		t := s.Time(i)
		if t.Weekday() >= time.Monday && t.Weekday() <= time.Friday && t.Hour() >= 9 && t.Hour() < 17 {
			s.Values[i] = 40 + 10*math.Sin(float64(t.Hour())) + float64((i*7919)%11)
		}
	}
	return s
}

func TestClosedHoursForecastExactlyZero(t *testing.T) {
	s := officeHours(8)
	preds, err := Forecast(context.Background(), []Series{s}, Options{Horizon: 336})
	if err != nil {
		t.Fatal(err)
	}
	p := preds[0]
	for i, m := range p.Mean {
		ts := p.Start.Add(time.Duration(i) * p.Step)
		open := ts.Weekday() >= time.Monday && ts.Weekday() <= time.Friday && ts.Hour() >= 9 && ts.Hour() < 17
		if !open && (m != 0 || p.Lo[i] != 0 || p.Hi[i] != 0) {
			t.Fatalf("closed %v: %v [%v, %v], want 0 [0, 0]", ts, m, p.Lo[i], p.Hi[i])
		}
		if open && !(p.Lo[i] < m && m < p.Hi[i] && m > 20) {
			t.Fatalf("open %v: %v [%v, %v], want a positive mean inside a proper interval", ts, m, p.Lo[i], p.Hi[i])
		}
	}
}

func TestEveryModelRecoversAStablePattern(t *testing.T) {
	s := officeHours(10)
	for _, name := range ModelNames() {
		if name == "snaive-day" {
			continue // weekends differ from Fridays
		}
		preds, err := Forecast(context.Background(), []Series{s}, Options{Horizon: 168, Model: name})
		if err != nil {
			t.Fatal(err)
		}
		var mae, level float64
		for i, m := range preds[0].Mean {
			mae += math.Abs(m - s.Values[len(s.Values)-168+i])
			level += s.Values[len(s.Values)-168+i]
		}
		if mae/level > 0.1 {
			t.Errorf("%s: relative MAE %.3f on a series that repeats every week", name, mae/level)
		}
	}
}

func generated(t *testing.T) synth.Data {
	t.Helper()
	return synth.Generate(synth.Config{Seed: 3, Start: monday, Weeks: 20, Markets: synth.DefaultMarkets[1:2],
		ReleaseEvery: 4 * 7 * 24 * time.Hour, ReleaseTau: 24 * time.Hour, HolidayFactor: 0.2})
}

func TestReleaseDecayIsLearned(t *testing.T) {
	d := generated(t)
	preds, err := Forecast(context.Background(), d.Series, Options{Horizon: 168, Events: d.Events, Holidays: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range preds[0].Effects {
		if e.Kind == Release {
			found = true
			// Generated: +90% at the start, tau 24 h.
			if !e.Learned || e.Lift < 0.5 || e.Lift > 1.4 || e.Tau < 12*time.Hour || e.Tau > 48*time.Hour {
				t.Errorf("learned %+v, want lift near 0.9 and tau near 24h", e)
			}
		}
	}
	if !found {
		t.Errorf("no release effect in %+v", preds[0].Effects)
	}
}

func TestForecastRisesWhenAReleaseIsPlanned(t *testing.T) {
	d := generated(t)
	var past []Event
	for _, e := range d.Events {
		if e.Start.Before(d.Series[0].End()) {
			past = append(past, e)
		}
	}
	release := d.Series[0].End().Add(2*24*time.Hour + 8*time.Hour)
	planned := append(append([]Event(nil), past...), Event{Name: "v9", Kind: Release, Start: release})
	total := func(evs []Event) (float64, []float64) {
		p, err := Forecast(context.Background(), d.Series, Options{Horizon: 168, Events: evs, Holidays: true})
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for _, v := range p[0].Mean {
			s += v
		}
		return s, p[0].Mean
	}
	without, a := total(past)
	with, b := total(planned)
	if with < without*1.05 {
		t.Errorf("week total %.0f with a planned release, %.0f without", with, without)
	}
	for i := range a {
		if d.Series[0].Time(len(d.Series[0].Values)+i).Before(release) && math.Abs(a[i]-b[i]) > 1e-9 {
			t.Fatalf("step %d before the release changed: %v -> %v", i, a[i], b[i])
		}
	}
}

func TestHolidaysLowerTheForecast(t *testing.T) {
	// 2024-05-01 (a Wednesday) is Tag der Arbeit; history until Monday 2024-04-29.
	d := synth.Generate(synth.Config{Seed: 5, Start: monday, Weeks: 17, Markets: synth.DefaultMarkets[1:2], HolidayFactor: 0.2})
	p, err := Forecast(context.Background(), d.Series, Options{Horizon: 168, Holidays: true})
	if err != nil {
		t.Fatal(err)
	}
	q, err := Forecast(context.Background(), d.Series, Options{Horizon: 168})
	if err != nil {
		t.Fatal(err)
	}
	var with, without float64
	for i := range p[0].Mean {
		if lt := p[0].Start.Add(time.Duration(i) * time.Hour).In(d.Series[0].Location); lt.Month() == time.May && lt.Day() == 1 {
			with += p[0].Mean[i]
			without += q[0].Mean[i]
		}
	}
	if !(with < 0.5*without) {
		t.Errorf("1 May forecast %.0f with holidays, %.0f without", with, without)
	}
}

func TestForecastRefusesBadSeries(t *testing.T) {
	short := officeHours(1)
	neg := officeHours(3)
	neg.Values[5] = -1
	for _, c := range []struct {
		s   Series
		opt Options
	}{
		{short, Options{Horizon: 24}},
		{neg, Options{Horizon: 24}},
		{officeHours(3), Options{Horizon: 0}},
		{officeHours(3), Options{Horizon: 24, Level: 1.5}},
		{officeHours(3), Options{Horizon: 24, Model: "nope"}},
	} {
		if _, err := Forecast(context.Background(), []Series{c.s}, c.opt); err == nil {
			t.Errorf("%+v accepted", c.opt)
		}
	}
}

func TestBacktestIsDeterministic(t *testing.T) {
	s := generated(t).Series[0]
	opt := BacktestOptions{Forecast: Options{Horizon: 168}, Origins: []int{16 * 168, 17 * 168}}
	a, err := Backtest(context.Background(), s, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Backtest(context.Background(), s, opt)
	for i := range a.Scores {
		if a.Scores[i] != b.Scores[i] && !math.IsNaN(a.Scores[i].Coverage) {
			t.Fatalf("%+v != %+v", a.Scores[i], b.Scores[i])
		}
	}
}

func TestHolidayTable(t *testing.T) {
	want := map[string]string{"US": "2024-11-28", "GB": "2024-03-29", "DE": "2024-05-09", "BR": "2024-02-12"}
	for cc, day := range want {
		found := false
		for _, h := range Holidays(cc, 2024, 2024, nil) {
			if h.Start.Format(time.DateOnly) == day {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no holiday on %s", cc, day)
		}
	}
}
