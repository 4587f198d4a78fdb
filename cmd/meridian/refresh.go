package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/forecasting/refresh"
)

func init() {
	register(command{name: "forecast-refresh", summary: "forecast every busy series from ClickHouse and store forecasts and accuracy (--every to repeat)", run: runForecastRefresh})
}

// refreshConfig is the refresh job over a platform's stores.
func (p *platform) refreshConfig() refresh.Config {
	return refresh.Config{Regions: p.chReg, Events: p.pg, Holidays: true}
}

// refreshAfterBackfill refreshes the tenant's stored forecasts once the n events a backfill
// sent for [from, to) are queryable: serve's scheduled refresh ran at start, before there was
// any history, and the next one is --forecast-refresh-every away. A failure is logged only.
func (p *platform) refreshAfterBackfill(ctx context.Context, tenant string, from, to time.Time, n int) {
	if every, err := p.cfg.duration("forecast-refresh-every"); err != nil || every <= 0 {
		return // stored forecasts are switched off
	}
	stored, err := refresh.WaitStored(ctx, p.chReg, tenant, from, to, n, time.Second, time.Minute)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Error("forecast refresh after the backfill: waiting for the events", "err", err)
		}
		return
	}
	rc := p.refreshConfig()
	rc.Tenants = []string{tenant}
	rep, err := refresh.Run(ctx, rc)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Error("forecast refresh after the backfill failed", "err", err)
		}
		return
	}
	p.log.Info("forecasts refreshed after the backfill", "events", stored, "series", rep.Series, "skipped", rep.Skipped,
		"failed", rep.Failed, "took", rep.Duration.Round(time.Millisecond))
}

func runForecastRefresh(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("meridian forecast-refresh", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := bindConfig(fs)
	every := fs.Duration("every", 0, "repeat the refresh at this interval (e.g. 1h) until interrupted; 0 = once")
	interval := fs.String("interval", "1h", "forecast interval: 1h or 30m")
	horizon := fs.Int("horizon", 0, "intervals to forecast (default: two weeks)")
	history := fs.Int("history-weeks", 12, "weeks of history read per series")
	maxSeries := fs.Int("max-series", 50, "series per tenant and region at most, the busiest first")
	minContacts := fs.Float64("min-contacts", 100, "contacts a series needs over its history")
	minWeeks := fs.Int("min-weeks", 3, "weeks since its first contact a series needs (at least 2)")
	by := fs.String("by", "language,channel", "dimensions series are split by: language, channel, queue (comma-separated; every coarser split down to the region total is stored too; \"\" = one series per region)")
	tenants := fs.String("tenants", "", "comma-separated tenants (default: every tenant with contacts)")
	level := fs.Float64("level", 80, "prediction interval level in percent")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: meridian forecast-refresh [--interval 1h|30m] [--horizon N] [--every 1h] [flags]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	step, err := refresh.ParseStep(*interval)
	if err != nil {
		return fmt.Errorf("--interval: %w", err)
	}
	if *level <= 0 || *level >= 100 {
		return fmt.Errorf("--level %v must be between 0 and 100 (percent)", *level)
	}
	if *every < 0 {
		return fmt.Errorf("--every %v must not be negative", *every)
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	p, err := startPlatform(ctx, cfg, log, storesOnly)
	if err != nil {
		return err
	}
	defer p.close()
	rc := p.refreshConfig()
	rc.Step, rc.Horizon, rc.HistoryWeeks, rc.MaxSeries, rc.MinContacts, rc.MinWeeks, rc.Level = step, *horizon, *history, *maxSeries, *minContacts, *minWeeks, *level/100
	rc.By = splitList(*by)
	if rc.By == nil {
		rc.By = []string{}
	}
	rc.Tenants = splitList(*tenants)
	rc.Progress = progressLine(stderr)
	for {
		rep, err := refresh.Run(ctx, rc)
		if err != nil {
			if ctx.Err() != nil && *every > 0 {
				return nil // interrupted between or during scheduled runs
			}
			return err
		}
		fmt.Fprintf(stdout, "%s forecasts refreshed: %d series written, %d skipped (too short or too quiet), %d failed, in %v\n",
			rep.GeneratedAt.Format(time.RFC3339), rep.Series, rep.Skipped, rep.Failed, rep.Duration.Round(time.Millisecond))
		for _, e := range rep.Errors {
			fmt.Fprintf(stderr, "  %v\n", e)
		}
		if *every == 0 {
			if rep.Failed > 0 && rep.Series == 0 {
				return fmt.Errorf("every one of %d series failed", rep.Failed)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// progressLine rewrites one line on w per finished series, and ends it after the last.
func progressLine(w io.Writer) func(refresh.Progress) {
	return func(pr refresh.Progress) {
		status := ""
		if pr.Err != nil {
			status = " (failed)"
		}
		fmt.Fprintf(w, "\r\033[Kforecast-refresh: %d/%d series, %v: %s%s", pr.Done, pr.Total, pr.Elapsed.Round(100*time.Millisecond), pr.Series, status)
		if pr.Done == pr.Total {
			fmt.Fprintln(w)
		}
	}
}
