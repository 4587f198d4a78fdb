package refresh_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/chstore"
	"github.com/meridian-cs/meridian/forecasting/chstore/chstoretest"
	"github.com/meridian-cs/meridian/forecasting/refresh"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chtest"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
)

var db clickhouse.DB

// start is the first day of the history (a Monday); end is four weeks later.
var (
	start = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	end   = start.AddDate(0, 0, 28)
)

func TestMain(m *testing.M) {
	chtest.Main(m, []string{"eu", "us"}, func(ctx context.Context, c clickhouse.DB) error {
		db = c
		evs := chstoretest.Contacts("acme", start, 4, []chstoretest.Series{
			{Channel: "whatsapp", Language: "de", Country: "DE", Level: 8},
			{Channel: "email", Language: "fr", Country: "FR", Level: 3},
		})
		// A series that began a week ago: too short to forecast.
		evs = append(evs, chstoretest.Contacts("acme", end.AddDate(0, 0, -7), 1, []chstoretest.Series{{Channel: "webchat", Language: "it", Country: "IT", Level: 5}})...)
		_, err := (&clickhouse.EventWriter{DB: c, Region: "eu"}).StoreEvents(ctx, evs)
		return err
	})
}

func openPG(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	pg, err := postgres.Open(ctx, pgtest.StartForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.Close)
	if _, err := pg.Migrate(ctx, []string{"eu", "us"}); err != nil {
		t.Fatal(err)
	}
	return pg
}

func config(pg *postgres.DB, now time.Time) refresh.Config {
	return refresh.Config{Regions: clickhouse.OneDB(db, []string{"eu", "us"}), Events: pg,
		Horizon: 7 * 24, Holidays: true, Now: func() time.Time { return now }}
}

func sum(ps []chstore.Point, from, to time.Time) float64 {
	var s float64
	for _, p := range ps {
		if !p.T.Before(from) && p.T.Before(to) {
			s += p.Mean
		}
	}
	return s
}

func TestRefreshWritesForecastsThatAPlanningEventChanges(t *testing.T) {
	ctx := context.Background()
	pg := openPG(t)
	var progress []refresh.Progress
	cfg := config(pg, end.Add(20*time.Minute))
	cfg.Progress = func(p refresh.Progress) { progress = append(progress, p) }
	began := time.Now()
	rep, err := refresh.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first refresh: %+v in %v", rep, time.Since(began))
	// Two language × channel series, their two languages, their two channels and the region's
	// total; the new series is skipped at the three levels it has.
	if rep.Series != 7 || rep.Skipped != 3 || rep.Failed != 0 {
		t.Fatalf("report %+v, want 7 series written and the new one skipped", rep)
	}
	if len(progress) != 7 || progress[6].Done != 7 || progress[6].Total != 7 {
		t.Fatalf("progress %+v", progress)
	}
	read := func() chstore.Stored {
		t.Helper()
		fs, err := chstore.Read(ctx, db, "eu", "acme", chstore.ReadFilter{Series: "eu/de/whatsapp/*", Step: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 {
			t.Fatalf("%d stored forecasts of eu/de/whatsapp/*, want 1", len(fs))
		}
		return fs[0]
	}
	before := read()
	if len(before.Points) != 7*24 || !before.Points[0].T.Equal(end) || before.Market != "DE" || before.Level != 0.8 {
		t.Fatalf("stored forecast: %d points from %v, market %q, level %v", len(before.Points), before.Points[0].T, before.Market, before.Level)
	}
	a := before.Accuracy
	if a == nil || a.Model != before.Model || a.MASE <= 0 || a.BaselineWeek == nil || a.Coverage == nil || *a.Coverage <= 0.3 || a.Contacts == 0 {
		t.Fatalf("accuracy %+v", a)
	}
	// Tuesday noon is busy, Sunday closed.
	tue, sun := before.Points[24+12], before.Points[6*24+12]
	if tue.Mean < 4 || tue.Lo > tue.Mean || tue.Hi < tue.Mean || sun.Mean != 0 {
		t.Fatalf("Tuesday noon %+v, Sunday noon %+v", tue, sun)
	}

	// A release planned for Wednesday 09:00 in Germany raises the next refresh's forecast.
	release := end.AddDate(0, 0, 2).Add(9 * time.Hour)
	if _, err := pg.CreatePlanningEvent(ctx, "eu", forecasting.PlanningEvent{Tenant: "acme", Name: "app 5.0", Kind: "release", Markets: []string{"DE"}, StartsAt: release}); err != nil {
		t.Fatal(err)
	}
	cfg = config(pg, end.Add(40*time.Minute))
	if rep, err = refresh.Run(ctx, cfg); err != nil || rep.Series != 7 {
		t.Fatalf("second refresh: %+v, %v", rep, err)
	}
	after := read()
	if !after.GeneratedAt.After(before.GeneratedAt) {
		t.Fatalf("generated at %v, not after the first run's %v", after.GeneratedAt, before.GeneratedAt)
	}
	b, f := sum(before.Points, release, release.Add(10*time.Hour)), sum(after.Points, release, release.Add(10*time.Hour))
	if f < 1.2*b {
		t.Fatalf("contacts in the 10 hours after the release: %.1f, before the event was planned %.1f; want a surge", f, b)
	}
	if b0, f0 := sum(before.Points, end, release), sum(after.Points, end, release); f0 > 1.02*b0 || f0 < 0.98*b0 {
		t.Fatalf("before the release the forecast moved from %.1f to %.1f", b0, f0)
	}
	// The French series is not in Germany: unchanged.
	fr, err := chstore.Read(ctx, db, "eu", "acme", chstore.ReadFilter{Series: "eu/fr/email/*"})
	if err != nil || len(fr) != 1 || fr[0].Market != "FR" {
		t.Fatalf("fr series: %+v, %v", fr, err)
	}
}

// Four weeks of history, a fresh demo's, forecast two weeks ahead (the default horizon): every
// series a caller can name, down to the region's total, is stored with its backtest accuracy.
func TestRefreshOfFourWeeksStoresEverySplitWithItsAccuracy(t *testing.T) {
	ctx := context.Background()
	cfg := config(nil, end.Add(50*time.Minute))
	cfg.Events, cfg.Horizon = nil, 0
	rep, err := refresh.Run(ctx, cfg)
	if err != nil || rep.Series != 7 || rep.Failed != 0 {
		t.Fatalf("refresh: %+v, %v", rep, err)
	}
	fs, err := chstore.Read(ctx, db, "eu", "acme", chstore.ReadFilter{Step: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Spec.Key())
		a := f.Accuracy
		if len(f.Points) != 14*24 || a == nil || math.IsNaN(a.MAE) || math.IsNaN(a.MASE) || a.MASE <= 0 || a.Coverage == nil {
			t.Errorf("%s: %d points, accuracy %+v; want two weeks and a measured error", f.Spec.Key(), len(f.Points), a)
		}
	}
	want := []string{"eu/*/*/*", "eu/*/email/*", "eu/*/whatsapp/*", "eu/de/*/*", "eu/de/whatsapp/*", "eu/fr/*/*", "eu/fr/email/*"}
	if !slices.Equal(got, want) {
		t.Errorf("series %v, want %v", got, want)
	}
}

func TestRefreshStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config(nil, end)
	cfg.Events = nil
	cfg.Workers = 1
	cfg.Progress = func(refresh.Progress) { cancel() }
	if _, err := refresh.Run(ctx, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled refresh returned %v", err)
	}
}

func TestParseStep(t *testing.T) {
	for in, want := range map[string]time.Duration{"": time.Hour, "1h": time.Hour, "30m": 30 * time.Minute, "15m": 15 * time.Minute} {
		if got, err := refresh.ParseStep(in); err != nil || got != want {
			t.Errorf("ParseStep(%q) = %v, %v", in, got, err)
		}
		if want != 0 && in != "" && refresh.FormatStep(want) != in {
			t.Errorf("FormatStep(%v) = %s", want, refresh.FormatStep(want))
		}
	}
	for _, bad := range []string{"7m", "25h", "x", "90s"} {
		if _, err := refresh.ParseStep(bad); err == nil {
			t.Errorf("ParseStep(%q) accepted", bad)
		}
	}
}

func TestPlanningEventsAreListedByOverlapAndBecomeForecastEvents(t *testing.T) {
	ctx := context.Background()
	pg := openPG(t)
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	add := func(e forecasting.PlanningEvent) forecasting.PlanningEvent {
		t.Helper()
		e.Tenant = "acme"
		saved, err := pg.CreatePlanningEvent(ctx, "eu", e)
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}
	holiday := add(forecasting.PlanningEvent{Name: "Buß- und Bettag", Kind: "holiday", Markets: []string{"DE"}, StartsAt: day.AddDate(0, 0, 16)})
	campaign := add(forecasting.PlanningEvent{Name: "Black Friday", Kind: "campaign", StartsAt: day.AddDate(0, 0, 25), EndsAt: day.AddDate(0, 0, 29), Lift: 0.6})
	if _, err := pg.CreatePlanningEvent(ctx, "us", forecasting.PlanningEvent{Tenant: "acme", Name: "us only", Kind: "outage", StartsAt: day}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []forecasting.PlanningEvent{
		{Tenant: "acme", Name: "x", Kind: "party", StartsAt: day},
		{Tenant: "acme", Name: "x", Kind: "release", StartsAt: day, EndsAt: day},
		{Tenant: "acme", Name: "x", Kind: "release", StartsAt: day, Markets: []string{"Germany"}},
		{Tenant: "acme", Name: " ", Kind: "release", StartsAt: day},
	} {
		if _, err := pg.CreatePlanningEvent(ctx, "eu", bad); err == nil {
			t.Errorf("%+v was stored", bad)
		}
	}
	list := func(from, to time.Time) []string {
		t.Helper()
		es, err := pg.PlanningEvents(ctx, "eu", "acme", from, to)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range es {
			names = append(names, e.Name)
		}
		return names
	}
	if got := list(time.Time{}, time.Time{}); len(got) != 2 || got[0] != holiday.Name || got[1] != campaign.Name {
		t.Fatalf("all events %v", got)
	}
	// A holiday without an end covers its day; a campaign its span.
	if got := list(day.AddDate(0, 0, 16).Add(23*time.Hour), day.AddDate(0, 0, 17)); len(got) != 1 || got[0] != holiday.Name {
		t.Fatalf("events on the holiday's last hour %v", got)
	}
	if got := list(day.AddDate(0, 0, 17), day.AddDate(0, 0, 25)); len(got) != 0 {
		t.Fatalf("events between the two %v", got)
	}
	if got := list(day.AddDate(0, 0, 28), time.Time{}); len(got) != 1 || got[0] != campaign.Name {
		t.Fatalf("events from the campaign's last day %v", got)
	}
	if es, err := pg.PlanningEvents(ctx, "eu", "other", time.Time{}, time.Time{}); err != nil || len(es) != 0 {
		t.Fatalf("another tenant sees %v (%v)", es, err)
	}
	es, _ := pg.PlanningEvents(ctx, "eu", "acme", time.Time{}, time.Time{})
	fe := forecasting.EventsOf(es)
	if len(fe) != 2 || fe[0].Kind != "holiday" || !fe[0].End.IsZero() || fe[0].Markets[0] != "DE" || fe[1].Kind != "campaign" || fe[1].Lift != 0.6 || !fe[1].End.Equal(day.AddDate(0, 0, 29)) {
		t.Fatalf("forecast events %+v", fe)
	}
	if err := pg.DeletePlanningEvent(ctx, "eu", "acme", holiday.ID); err != nil {
		t.Fatal(err)
	}
	if err := pg.DeletePlanningEvent(ctx, "eu", "acme", holiday.ID); !errors.Is(err, postgres.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
}

func TestStartRefreshesInTheBackgroundUntilStopped(t *testing.T) {
	cfg := config(nil, end)
	cfg.Events = nil
	ran := make(chan refresh.Progress, 10)
	cfg.Progress = func(p refresh.Progress) { ran <- p }
	stop := refresh.Start(context.Background(), time.Hour, cfg, nil)
	select {
	case p := <-ran:
		if p.Total != 7 {
			t.Errorf("progress %+v", p)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no refresh ran")
	}
	began := time.Now()
	stop()
	if d := time.Since(began); d > 10*time.Second {
		t.Fatalf("stop took %v", d)
	}
}

// A backfill sent through Kafka becomes queryable a while after it was sent: WaitStored
// returns once the sinks hold all of it, or stops waiting once the count no longer grows.
func TestWaitStoredWaitsForTheBackfill(t *testing.T) {
	ctx := context.Background()
	from := start.AddDate(-1, 0, 0) // outside the other tests' history
	evs := chstoretest.Contacts("late", from, 1, []chstoretest.Series{{Channel: "email", Language: "ja", Country: "JP", Level: 2}})
	to := from.AddDate(0, 0, 7)
	dbs := clickhouse.OneDB(db, []string{"eu", "us"})
	stored := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond) // the sink's batch arrives later
		_, err := (&clickhouse.EventWriter{DB: db, Region: "us"}).StoreEvents(ctx, evs)
		stored <- err
	}()
	n, err := refresh.WaitStored(ctx, dbs, "late", from, to, len(evs), 20*time.Millisecond, time.Minute)
	if err != nil || n != len(evs) {
		t.Fatalf("WaitStored: %d, %v; want %d", n, err, len(evs))
	}
	if err := <-stored; err != nil {
		t.Fatal(err)
	}
	// Five events that never arrive (dead-lettered): it stops waiting once nothing grows.
	n, err = refresh.WaitStored(ctx, dbs, "late", from, to, len(evs)+5, 20*time.Millisecond, 200*time.Millisecond)
	if err != nil || n != len(evs) {
		t.Fatalf("WaitStored of more than was stored: %d, %v; want %d", n, err, len(evs))
	}
}
