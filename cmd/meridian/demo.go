package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"golang.org/x/sync/errgroup"

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
		start := time.Now()
		n := 0
		err := sendConcurrently(ctx, p, principal, 4, func(send func(models.Event) error) error {
			return gen.Each(ctx, func(e models.Event) error { n++; return send(e) })
		})
		if err != nil {
			return fmt.Errorf("demo backfill: %w", err)
		}
		log.Info("demo backfill done", "events", n, "days", *days, "took", time.Since(start).Round(time.Millisecond))
		// The planner's first screen needs forecasts of the backfilled history: refresh once it
		// is queryable, beside the live traffic.
		refreshed := make(chan struct{})
		go func() {
			defer close(refreshed)
			p.refreshAfterBackfill(ctx, principal.Tenant, now.AddDate(0, 0, -*days), now, n)
		}()
		defer func() { <-refreshed }()
		live := demo.New(demo.Config{Seed: *seed + 1, Tenant: principal.Tenant, Start: now, End: now.AddDate(10, 0, 0),
			MessagesPerHour: *rate, Policy: p.policy})
		return sendConcurrently(ctx, p, principal, 1, func(send func(models.Event) error) error {
			return live.Live(ctx, *speedup, send)
		})
	})
}

// sendConcurrently sends the events produce emits through the same path as POST /v1/events,
// in batches of up to 500 (or whatever has gathered within 100 ms), by several workers: order
// across batches does not matter, since every store is idempotent and converges by event time.
func sendConcurrently(ctx context.Context, p *platform, principal auth.Principal, workers int, produce func(send func(models.Event) error) error) error {
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan []models.Event, workers)
	for range workers {
		g.Go(func() error {
			for batch := range batches {
				msgs, err := p.ingest.Prepare(gctx, principal, batch)
				if err != nil {
					return fmt.Errorf("demo: %w", err)
				}
				if err := p.producer.Publish(gctx, msgs...); err != nil {
					return fmt.Errorf("demo: %w", err)
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(batches)
		var batch []models.Event
		last := time.Now()
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			select {
			case batches <- batch:
			case <-gctx.Done():
				return gctx.Err()
			}
			batch, last = nil, time.Now()
			return nil
		}
		err := produce(func(e models.Event) error {
			batch = append(batch, e)
			if len(batch) >= 500 || time.Since(last) > 100*time.Millisecond {
				return flush()
			}
			return nil
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return flush()
	})
	return g.Wait()
}
