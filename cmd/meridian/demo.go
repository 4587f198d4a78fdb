package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
)

func init() {
	register(command{name: "demo", summary: "serve with generated demo traffic: a backfill of past weeks, then live traffic", run: runDemo})
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("meridian demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := bindConfig(fs)
	days := fs.Int("days", 28, "days of history to backfill before live traffic starts")
	rate := fs.Float64("rate", 600, "messages per hour at the busiest hour")
	speedup := fs.Float64("speedup", 1, "live traffic speed-up factor (10 = ten times the hourly rate)")
	seed := fs.Int64("seed", 1, "random seed; the same seed backfills the same events, so a re-run adds nothing")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *days < 0 || *rate <= 0 || *speedup <= 0 {
		return fmt.Errorf("--days must be ≥ 0, --rate and --speedup > 0")
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, log, stdout, func(ctx context.Context, p *platform) error {
		principal := auth.Principal{Tenant: cfg.str("tenant"), Role: auth.RoleAdmin}
		now := time.Now().UTC().Truncate(time.Hour)
		gen := demo.New(demo.Config{Seed: *seed, Tenant: principal.Tenant, Start: now.AddDate(0, 0, -*days), End: now,
			MessagesPerHour: *rate, Policy: p.policy})
		send := batcher(ctx, p, principal)
		start := time.Now()
		n := 0
		if err := gen.Each(ctx, func(e models.Event) error { n++; return send(&e, false) }); err != nil {
			return fmt.Errorf("demo backfill: %w", err)
		}
		if err := send(nil, true); err != nil {
			return err
		}
		log.Info("demo backfill done", "events", n, "days", *days, "took", time.Since(start).Round(time.Millisecond))
		live := demo.New(demo.Config{Seed: *seed + 1, Tenant: principal.Tenant, Start: now, End: now.AddDate(10, 0, 0),
			MessagesPerHour: *rate, Policy: p.policy})
		return live.Live(ctx, *speedup, func(e models.Event) error { return send(&e, true) })
	})
}

// batcher sends events through the same path as POST /v1/events, in batches of up to 500.
func batcher(ctx context.Context, p *platform, principal auth.Principal) func(e *models.Event, flush bool) error {
	var batch []models.Event
	return func(e *models.Event, flush bool) error {
		if e != nil {
			batch = append(batch, *e)
		}
		if len(batch) == 0 || (!flush && len(batch) < 500) {
			return nil
		}
		msgs, err := p.ingest.Prepare(ctx, principal, batch)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := p.producer.Publish(ctx, msgs...); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		batch = batch[:0]
		return nil
	}
}
