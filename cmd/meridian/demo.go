package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/store/postgres"
)

func init() {
	register(command{name: "demo", summary: "serve with generated demo traffic: a backfill of past weeks, then live traffic", run: runDemo})
}

// demoSunOrder is the default residency policy's regions in the order the sun passes them.
const demoSunOrder = "sea,eu,us"

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
	// Customers' live messages on the platforms enter through the platforms' webhooks: the
	// demo turns on, with secrets of its own, the channels the user did not configure.
	sandboxed := demoSandboxable(cfg)
	demoOn, err := enableDemoChannels(cfg)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if len(demoOn) > 0 {
		log.Info("demo channels on with generated secrets", "channels", demoOn)
	}
	// The default policy's regions hand conversations on with the sun, unless the user chose.
	if cfg.str("follow-the-sun") == "" && cfg.str("residency-policy") == "" {
		*cfg["follow-the-sun"] = demoSunOrder
	}
	// Their customers' phones and mailboxes: the replies to them go to the sandbox.
	if len(sandboxed) > 0 {
		sb, err := startDemoSandbox(cfg, sandboxed, log)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer sb.close()
		defer sb.logStats(slog.LevelInfo)
		log.Info("demo channels send to the local platform sandbox", "channels", sandboxed, "url", sb.url)
	}
	return serve(ctx, cfg, log, stdout, func(ctx context.Context, p *platform, base string) error {
		// The demo is a client like any integration: the backfill (history imported through the
		// API, as from another help desk) and the live traffic that no platform webhook carries
		// go through POST /v1/events with a key of its own, so auth, rate limits and the ingest
		// metrics all see it.
		key, err := p.storedKey(ctx, "demo-api-key", "demo traffic")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		c := &eventClient{url: base + "/v1/events", key: key, http: &http.Client{Timeout: time.Minute}}
		tenant := cfg.str("tenant")
		if err := p.demoAgents(ctx, tenant, *rate); err != nil {
			return fmt.Errorf("demo agents: %w", err)
		}
		if err := p.demoKnowledge(ctx, tenant); err != nil {
			return fmt.Errorf("demo knowledge base: %w", err)
		}
		now := time.Now().UTC().Truncate(time.Hour)
		engineFrom := p.engineFrom(time.Now())
		gen := demo.New(demo.Config{Seed: *seed, Tenant: tenant, Start: now.AddDate(0, 0, -*days), End: now,
			MessagesPerHour: *rate, Policy: p.policy, EngineFrom: engineFrom, EngineAnswers: p.aiAnswers})
		start := time.Now()
		n := 0
		err = sendConcurrently(ctx, c, 4, func(send func(models.Event) error) error {
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
			p.refreshAfterBackfill(ctx, tenant, now.AddDate(0, 0, -*days), now, n)
		}()
		defer func() { <-refreshed }()
		live := demo.New(demo.Config{Seed: *seed + 1, Tenant: tenant, Start: now, End: now.AddDate(10, 0, 0),
			MessagesPerHour: *rate, Policy: p.policy, EngineFrom: engineFrom, EngineAnswers: p.aiAnswers})
		// Live customer messages on the platforms go to their webhooks, everything else to
		// /v1/events (demoHooks).
		hooks, err := newDemoHooks(cfg, p, base, demoOn, *speedup, log)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer hooks.logStats(slog.LevelInfo)
		return sendConcurrently(ctx, c, 1, func(send func(models.Event) error) error {
			return live.Live(ctx, *speedup, func(e models.Event) error { return hooks.route(ctx, e, send) })
		})
	})
}

// engineFrom is when the conversation engine decides who handles the demo's conversations
// (demo.Config.EngineFrom): with routing on, every message it will route, those of the last
// engine.DefaultMaxAge of the backfill and all live ones; zero with routing off, when the
// demo's own assignments are the only ones.
func (p *platform) engineFrom(now time.Time) time.Time {
	if p.workspace == nil {
		return time.Time{}
	}
	return now.Add(-engine.DefaultMaxAge)
}

// eventClient posts batches of events to /v1/events.
type eventClient struct {
	url, key string
	http     *http.Client
}

// post sends one batch, waiting out rate limits and retrying while the server cannot
// acknowledge (a retried batch is not counted twice: events are deduplicated by id).
func (c *eventClient) post(ctx context.Context, batch []models.Event) error {
	body, err := json.Marshal(batch)
	if err != nil {
		return err
	}
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("POST /v1/events: %w", err)
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 2:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			if d := provider.RetryAfter(resp.Header, time.Now()); d > 0 {
				wait = d
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		default:
			return fmt.Errorf("POST /v1/events answered %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
		}
	}
}

// sendConcurrently posts the events produce emits to /v1/events in batches of up to 500 (or
// whatever has gathered within 100 ms), by several workers: order across batches does not
// matter, since every store is idempotent and converges by event time.
func sendConcurrently(ctx context.Context, c *eventClient, workers int, produce func(send func(models.Event) error) error) error {
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan []models.Event, workers)
	for range workers {
		g.Go(func() error {
			for batch := range batches {
				if err := c.post(gctx, batch); err != nil {
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

// demoAgents describes the demo's agents (every region, shifts from the follow-the-sun plan
// of the traffic at rate messages per busiest hour) and sets them online, so that every
// screen of the workspace has people in it.
func (p *platform) demoAgents(ctx context.Context, tenant string, rate float64) error {
	store := &postgres.Agents{DB: p.pg, Regions: p.regions}
	agents, err := demo.Agents(p.policy, rate)
	if err != nil {
		return err
	}
	for _, a := range agents {
		a.Normalize()
		if _, err := store.Upsert(ctx, tenant, a); err != nil {
			return err
		}
		if _, err := store.SetPresence(ctx, tenant, a.ID, conversation.Online, nil); err != nil {
			return err
		}
	}
	p.log.Info("demo agents online", "agents", len(agents), "regions", len(p.regions))
	return nil
}
