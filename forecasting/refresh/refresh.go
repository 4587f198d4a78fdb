// Package refresh is the forecast refresh job: for every tenant and region it finds the
// contact series with enough history (region × language × channel by default, and the
// coarser language, channel and region totals; the busiest first, capped), reads their history from ClickHouse, forecasts them with automatic model
// selection and the region's planning events, and writes the forecasts and their accuracy back
// to ClickHouse, where dashboards, GraphQL and staffing read them.
package refresh

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/chstore"
	"github.com/meridian-cs/meridian/forecasting/planning"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// EventSource lists a region's planning events; the PostgreSQL store is one.
type EventSource interface {
	PlanningEvents(ctx context.Context, region, tenant string, from, to time.Time) ([]forecasting.PlanningEvent, error)
}

// Config configures a refresh.
type Config struct {
	// Regions is the registry of region databases; regions are refreshed in its order.
	Regions *clickhouse.Regions
	// Events supplies planning events (releases, campaigns, outages, holidays); nil: none.
	Events EventSource
	// Tenants to refresh; empty means every tenant with contacts in the history window.
	Tenants []string
	// By are the dimensions series are split by; nil means language and channel. Every
	// coarser split is stored too (for language and channel: per language, per channel and
	// the region's total), so each series a caller can name within By has a forecast.
	By []string
	// Step is the interval (default time.Hour; 30*time.Minute for half-hours).
	Step time.Duration
	// Horizon is the number of steps forecast (default two weeks).
	Horizon int
	// HistoryWeeks is how much history is read (default 12).
	HistoryWeeks int
	// MinContacts is the fewest contacts over the history a series needs (default 100), and
	// MinWeeks the fewest weeks since its first contact (default 3, at least 2).
	MinContacts float64
	MinWeeks    int
	// MaxSeries caps the series per tenant, region and split, the busiest kept (default 50).
	MaxSeries int
	// Level is the prediction-interval level (default 0.8).
	Level float64
	// Holidays adds the built-in public holidays of each series' main market.
	Holidays bool
	// Workers bounds the series forecast in parallel (default GOMAXPROCS).
	Workers int
	// Now is the clock (default time.Now); the history ends at the start of its interval.
	Now func() time.Time
	// Progress, if set, is called after each series (from one goroutine at a time).
	Progress func(Progress)
}

// Progress reports how far a refresh is.
type Progress struct {
	Done, Total int
	// Series is the key of the series just finished, Err its failure (the run goes on).
	Series  string
	Err     error
	Elapsed time.Duration
}

// Report summarises a refresh.
type Report struct {
	GeneratedAt time.Time
	// Series counts the series forecast and written; Skipped the ones found but too short
	// or too quiet; Failed the ones whose forecast failed (their errors in Errors).
	Series, Skipped, Failed int
	Errors                  []error
	Duration                time.Duration
}

func (c *Config) defaults() error {
	if c.Step == 0 {
		c.Step = time.Hour
	}
	if c.Step <= 0 || (24*time.Hour)%c.Step != 0 {
		return fmt.Errorf("%w: interval %v does not divide a day", forecasting.ErrInvalid, c.Step)
	}
	if c.Horizon == 0 {
		c.Horizon = int(14 * 24 * time.Hour / c.Step)
	}
	if c.Horizon < 0 {
		return fmt.Errorf("%w: horizon %d", forecasting.ErrInvalid, c.Horizon)
	}
	if c.HistoryWeeks == 0 {
		c.HistoryWeeks = 12
	}
	if c.MinWeeks == 0 {
		c.MinWeeks = 3
	}
	c.MinWeeks = max(c.MinWeeks, 2)
	if c.HistoryWeeks < c.MinWeeks {
		return fmt.Errorf("%w: %d weeks of history is less than the %d a series needs", forecasting.ErrInvalid, c.HistoryWeeks, c.MinWeeks)
	}
	if c.MinContacts == 0 {
		c.MinContacts = 100
	}
	if c.MaxSeries == 0 {
		c.MaxSeries = 50
	}
	if c.Level == 0 {
		c.Level = 0.8
	}
	if c.By == nil {
		c.By = []string{"language", "channel"}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// job is one series to forecast.
type job struct {
	tenant string
	loaded chstore.Loaded
	events []forecasting.Event
	out    chstore.Stored
	err    error
}

// Run refreshes the forecasts once. A series that fails is reported and skipped; Run fails
// only when it cannot read or write a store, or when ctx ends.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.defaults(); err != nil {
		return Report{}, err
	}
	began := time.Now()
	now := cfg.Now()
	rep := Report{GeneratedAt: now.UTC().Truncate(time.Millisecond)}
	to := now.UTC().Truncate(cfg.Step)
	from := to.Add(-time.Duration(cfg.HistoryWeeks) * 7 * 24 * time.Hour)
	horizonEnd := to.Add(time.Duration(cfg.Horizon) * cfg.Step)

	// Collect the series of every region first, so that progress has a total.
	var jobs []*job
	for _, region := range cfg.Regions.Names() {
		db, err := cfg.Regions.DB(region)
		if err != nil {
			return rep, fmt.Errorf("refresh: %w", err)
		}
		tenants := cfg.Tenants
		if len(tenants) == 0 {
			var err error
			if tenants, err = Tenants(ctx, db, region, from, to); err != nil {
				return rep, err
			}
		}
		for _, tenant := range tenants {
			var ls []chstore.Loaded
			for _, by := range splits(cfg.By) {
				l, err := chstore.Load(ctx, db, chstore.Request{Tenant: tenant, Filter: chstore.Spec{Region: region}, By: by, Step: cfg.Step, From: from, To: to})
				if err != nil {
					return rep, err
				}
				if len(by) == 0 && len(l) == 1 && l[0].Contacts == 0 {
					l = nil // a region without contacts: no total either
				}
				for _, x := range l {
					// Contacts without a language (or channel) would take the key of the
					// coarser series that counts them already.
					if splitOf(x.Spec) != splitOf(specBy(by)) {
						rep.Skipped++
						continue
					}
					ls = append(ls, x)
				}
			}
			var evs []forecasting.Event
			if cfg.Events != nil {
				pes, err := cfg.Events.PlanningEvents(ctx, region, tenant, from, horizonEnd)
				if err != nil {
					return rep, fmt.Errorf("refresh %s: %w", region, err)
				}
				evs = forecasting.EventsOf(pes)
			}
			kept := map[string]int{} // by split
			for _, l := range ls {
				long := !l.First.IsZero() && !l.First.After(to.Add(-time.Duration(cfg.MinWeeks)*7*24*time.Hour))
				split := splitOf(l.Spec)
				if l.Contacts < cfg.MinContacts || !long || kept[split] >= cfg.MaxSeries {
					rep.Skipped++
					continue
				}
				kept[split]++
				jobs = append(jobs, &job{tenant: tenant, loaded: chstore.Trim(l, cfg.MinWeeks*7), events: evs})
			}
		}
	}

	opt := forecasting.Options{Horizon: cfg.Horizon, Level: cfg.Level, Holidays: cfg.Holidays, Workers: 1}
	var mu sync.Mutex
	done := 0
	err := forEach(ctx, len(jobs), cfg.Workers, func(i int) {
		j := jobs[i]
		o := opt
		o.Events = j.events
		st, err := Forecast(ctx, j.tenant, j.loaded, o, rep.GeneratedAt)
		j.out, j.err = st, err
		mu.Lock()
		defer mu.Unlock()
		done++
		if cfg.Progress != nil {
			cfg.Progress(Progress{Done: done, Total: len(jobs), Series: j.tenant + ":" + j.loaded.Series.Key, Err: err, Elapsed: time.Since(began)})
		}
	})
	if err != nil {
		return rep, err
	}
	byRegion := map[string][]chstore.Stored{}
	for _, j := range jobs {
		if j.err != nil {
			rep.Failed++
			rep.Errors = append(rep.Errors, fmt.Errorf("%s %s: %w", j.tenant, j.loaded.Series.Key, j.err))
			continue
		}
		byRegion[j.loaded.Spec.Region] = append(byRegion[j.loaded.Spec.Region], j.out)
	}
	for _, region := range cfg.Regions.Names() {
		if fs := byRegion[region]; len(fs) > 0 {
			db, err := cfg.Regions.DB(region)
			if err != nil {
				return rep, fmt.Errorf("refresh: %w", err)
			}
			if err := chstore.Write(ctx, db, region, fs); err != nil {
				return rep, err
			}
			rep.Series += len(fs)
		}
	}
	rep.Duration = time.Since(began)
	return rep, nil
}

// splits returns by and every subset of it, finest first: the series a caller can name.
func splits(by []string) [][]string {
	var out [][]string
	for mask := 1<<len(by) - 1; mask >= 0; mask-- {
		sub := []string{}
		for i, d := range by {
			if mask&(1<<i) != 0 {
				sub = append(sub, d)
			}
		}
		out = append(out, sub)
	}
	return out
}

// specBy is a spec with a value in each dimension of by.
func specBy(by []string) chstore.Spec {
	s := chstore.Spec{Language: chstore.All, Channel: chstore.All, Queue: chstore.All}
	for _, d := range by {
		switch d {
		case "language":
			s.Language = "-"
		case "channel":
			s.Channel = "-"
		case "queue":
			s.Queue = "-"
		}
	}
	return s
}

// splitOf names the dimensions a series is split by, e.g. "language,channel".
func splitOf(s chstore.Spec) string {
	var dims []string
	for _, d := range chstore.Dimensions {
		if v := map[string]string{"language": s.Language, "channel": s.Channel, "queue": s.Queue}[d]; v != chstore.All {
			dims = append(dims, d)
		}
	}
	return strings.Join(dims, ",")
}

// Forecast forecasts one loaded series through the planning service, with automatic model
// selection, and returns it ready to store: the selected model's backtest accuracy beside the
// seasonal-naive baselines, and the interval coverage on a hold-out of the last week.
func Forecast(ctx context.Context, tenant string, l chstore.Loaded, opt forecasting.Options, at time.Time) (chstore.Stored, error) {
	f, err := planning.ForecastOne(ctx, l.Series, opt, true)
	if err != nil {
		return chstore.Stored{}, err
	}
	acc := chstore.AccuracyOf(f.Prediction)
	acc.HistoryFrom, acc.HistoryTo, acc.Contacts = l.Series.Start, l.Series.End(), l.Contacts
	acc.Coverage = f.Coverage
	return chstore.FromPrediction(tenant, l.Spec, l.Series.Market, f.Prediction, f.Level, at, &acc), nil
}

// forEach runs f(0..n-1) on up to workers goroutines until done or ctx ends.
func forEach(ctx context.Context, n, workers int, f func(i int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// Tenants lists the tenants with contacts in region between from and to.
func Tenants(ctx context.Context, db clickhouse.DB, region string, from, to time.Time) ([]string, error) {
	var b clickhouse.Binder
	res, err := db.QueryParams(ctx, fmt.Sprintf(`SELECT DISTINCT tenant FROM %s.events
		WHERE occurred_at >= toDateTime64(%s, 3, 'UTC') AND occurred_at < toDateTime64(%s, 3, 'UTC') ORDER BY tenant`,
		clickhouse.Database(region), b.Int64(from.Unix()), b.Int64(to.Unix())), b.Params())
	if err != nil {
		return nil, fmt.Errorf("refresh %s: tenants: %w", region, err)
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, clickhouse.String(r[0]))
	}
	return out, nil
}

// WaitStored waits until the regions hold want events of tenant in [from, to), as after a
// backfill sent through Kafka, and returns how many they hold. It polls every poll and gives
// up waiting when the count has not grown for quiet (events refused by a store never arrive).
func WaitStored(ctx context.Context, regions *clickhouse.Regions, tenant string, from, to time.Time, want int, poll, quiet time.Duration) (int, error) {
	last, grew := -1, time.Now()
	for {
		n := 0
		for _, r := range regions.Names() {
			db, err := regions.DB(r)
			if err != nil {
				return n, fmt.Errorf("refresh: %w", err)
			}
			var b clickhouse.Binder
			res, err := db.QueryParams(ctx, fmt.Sprintf(`SELECT uniqExact(id) FROM %s.events
				WHERE tenant = %s AND occurred_at >= toDateTime64(%s, 3, 'UTC') AND occurred_at < toDateTime64(%s, 3, 'UTC')`,
				clickhouse.Database(r), b.String(tenant), b.Int64(from.Unix()), b.Int64(to.Unix())), b.Params())
			if err != nil {
				return n, fmt.Errorf("refresh %s: count stored events: %w", r, err)
			}
			if len(res.Rows) == 1 {
				n += int(clickhouse.Float(res.Rows[0][0]))
			}
		}
		if n >= want {
			return n, nil
		}
		if n > last {
			last, grew = n, time.Now()
		} else if time.Since(grew) >= quiet {
			return n, nil
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return n, ctx.Err()
		case <-t.C:
		}
	}
}

// Schedule runs Run now and then every interval until ctx ends, logging each run's outcome. It
// is what `meridian serve` can start in a goroutine; runs never overlap.
func Schedule(ctx context.Context, every time.Duration, cfg Config, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	for {
		rep, err := Run(ctx, cfg)
		switch {
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			return
		case err != nil:
			log.Error("forecast refresh failed", "err", err)
		default:
			log.Info("forecasts refreshed", "series", rep.Series, "skipped", rep.Skipped, "failed", rep.Failed, "took", rep.Duration.Round(time.Millisecond))
			for _, e := range rep.Errors {
				log.Warn("forecast refresh: series failed", "err", e)
			}
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Start runs Schedule in the background and returns a function that stops it and waits for
// the run in progress to end, so the stores can be closed after it returns.
func Start(ctx context.Context, every time.Duration, cfg Config, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Schedule(ctx, every, cfg, log)
	}()
	return func() {
		cancel()
		<-done
	}
}

// ParseStep reads an interval such as "1h", "30m" or "15m"; "" means one hour.
func ParseStep(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute || (24*time.Hour)%d != 0 || d%time.Minute != 0 {
		return 0, fmt.Errorf("%w: interval %q: want a duration that divides a day, such as 1h or 30m", forecasting.ErrInvalid, s)
	}
	return d, nil
}

// FormatStep writes an interval as ParseStep reads it ("1h", "30m").
func FormatStep(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}
