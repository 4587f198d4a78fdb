package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/forecasting/refresh"
	"github.com/meridian-cs/meridian/httpapi"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/webconsole"
)

func init() {
	register(command{name: "serve", summary: "run Meridian (embedded engines unless configured otherwise)", run: runServe})
	register(command{name: "migrate", summary: "apply ClickHouse and PostgreSQL migrations, then exit", run: runMigrate})
	register(command{name: "config", summary: "print the configuration table (flags and environment variables), what each role may do and how it sees personal data (--field-policy FILE: that file's tables)", run: runConfig})
}

// runConfig prints the configuration tables README.md shows; --field-policy FILE prints that
// policy's tables in place of the shipped one's (a bad file: exit ≠ 0 with one line; its
// regions are checked by serve, which knows the residency policy).
func runConfig(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("meridian config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("field-policy", "", "field policy YAML to show (empty = the shipped default)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	pol, err := compliance.LoadPolicy(*path)
	if err != nil {
		return err
	}
	writeConfigTable(stdout)
	fmt.Fprintln(stdout, "\nWhat each role may do (auth.Policy):")
	fmt.Fprintln(stdout)
	auth.WritePolicyTable(stdout)
	fmt.Fprintln(stdout, "\nHow each role sees personal data (--field-policy; k is --insights-min-customers where a rule gives none):")
	fmt.Fprintln(stdout)
	pol.WriteTable(stdout)
	if len(pol.OverriddenRegions()) > 0 {
		fmt.Fprintln(stdout, "\nFor customers of these regions (overrides in bold):")
		fmt.Fprintln(stdout)
		pol.WriteRegionTable(stdout)
	}
	return nil
}

func newLogger(cfg config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.str("log-level"))); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	// Personal data a log line quotes (an address in an error, a number in a message) is
	// masked on the way out, whatever logs it.
	switch cfg.str("log-format") {
	case "json":
		return slog.New(compliance.MaskingHandler(slog.NewJSONHandler(w, opts))), nil
	case "text":
		return slog.New(compliance.MaskingHandler(slog.NewTextHandler(w, opts))), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", cfg.str("log-format"))
}

func parseConfig(name string, args []string, stderr io.Writer) (config, *slog.Logger, error) {
	fs := flag.NewFlagSet("meridian "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := bindConfig(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, errUsage
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return nil, nil, err
	}
	slog.SetDefault(log)
	return cfg, log, nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, log, err := parseConfig("migrate", args, stderr)
	if err != nil {
		return err
	}
	p, err := startPlatform(ctx, cfg, log, withoutSinks)
	if err != nil {
		return err
	}
	p.close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, log, err := parseConfig("serve", args, stderr)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, log, stdout, nil)
}

// serve runs the HTTP API until ctx ends; extra, if set, runs beside it (the demo traffic) and
// gets the API's base URL.
func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer, extra func(context.Context, *platform, string) error) error {
	hc, err := parseHTTPConfig(cfg)
	if err != nil {
		return err
	}
	// A bad policy file stops serve here, before engines start, with one line naming it.
	residency, err := models.LoadPolicy(cfg.str("residency-policy"))
	if err != nil {
		return err
	}
	if _, err := fieldPolicy(cfg, residency); err != nil {
		return err
	}
	if _, err := models.LoadRetention(cfg.str("retention-policy")); err != nil {
		return err
	}
	if every, err := cfg.duration("retention-every"); err != nil {
		return err
	} else if every < 0 {
		return errors.New("--retention-every must not be negative")
	}
	// Listen first so a port conflict fails fast, before engines start.
	ln, err := net.Listen("tcp", cfg.str("addr"))
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.str("addr"), err)
	}
	if os.Getenv("GOGC") == "" {
		// Every event allocates on its way through ingest and the sinks while little of it
		// stays live, so four times the default headroom saves ~7% CPU per event at full load
		// for a higher peak RSS (+350 MB there; BENCHMARKS.md, GOGC 200 → 400).
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft cap on Go's own memory (chDB's is apart): with the language models' ~350 MB
		// live, GOGC 400 alone let the heap grow past 2 GB before collecting (BENCHMARKS.md,
		// "Understanding on the stream"); under the cap the collector runs earlier instead.
		debug.SetMemoryLimit(1280 << 20)
	}
	p, err := startPlatform(ctx, cfg, log, everything)
	if err != nil {
		ln.Close()
		return err
	}
	defer p.close()
	every, err := cfg.duration("forecast-refresh-every")
	if err != nil {
		return err
	}
	if every > 0 {
		// Deferred after close, so it stops before the stores do.
		defer refresh.Start(ctx, every, p.refreshConfig(), log)()
	}

	if every, _ := cfg.duration("retention-every"); every > 0 {
		defer p.retainer.Start(ctx, every)()
	}

	if addr := cfg.str("pprof-addr"); addr != "" {
		// Profiles only on their own listener, never on the API's.
		pp := http.NewServeMux()
		pp.HandleFunc("/debug/pprof/", pprof.Index)
		pp.HandleFunc("/debug/pprof/profile", pprof.Profile)
		go func() { log.Warn("pprof server stopped", "err", http.ListenAndServe(addr, pp)) }()
	}
	srv := httpapi.NewServer(p.routes(hc), hc.timeouts)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("meridian serving", "addr", ln.Addr().String(), "regions", p.regions, "data_dir", p.dataDir)
	if p.devKey != "" {
		fmt.Fprintf(stdout, "Development API key (no MERIDIAN_API_KEYS set): %s\n", p.devKey)
	}
	fmt.Fprintf(stdout, "Meridian is up: http://%s/graphql (playground), POST http://%s/v1/events\n", ln.Addr(), ln.Addr())
	if extra != nil {
		go func() { errc <- extra(ctx, p, "http://"+ln.Addr().String()) }()
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		log.Warn("http shutdown", "err", serr)
	}
	return err
}

// httpConfig is how the API's endpoints protect the server: timeouts, rate limits.
type httpConfig struct {
	timeouts     httpapi.Timeouts
	queryTimeout time.Duration
	graphqlRate  httpapi.Rate
	ingestRate   httpapi.Rate
}

func parseHTTPConfig(cfg config) (httpConfig, error) {
	var hc httpConfig
	var err error
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{"query-timeout", &hc.queryTimeout}, {"read-timeout", &hc.timeouts.Read}, {"idle-timeout", &hc.timeouts.Idle}} {
		if *d.to, err = cfg.duration(d.name); err != nil {
			return hc, err
		}
		if *d.to <= 0 {
			return hc, fmt.Errorf("--%s: %s must be positive", d.name, *d.to)
		}
	}
	for _, r := range []struct {
		rate, burst string
		to          *httpapi.Rate
	}{{"graphql-rate", "graphql-burst", &hc.graphqlRate}, {"ingest-rate", "ingest-burst", &hc.ingestRate}} {
		perSecond, err := cfg.int(r.rate)
		if err != nil {
			return hc, err
		}
		burst, err := cfg.int(r.burst)
		if err != nil {
			return hc, err
		}
		if perSecond < 0 || burst < 1 {
			return hc, fmt.Errorf("--%s %d and --%s %d: want a rate of 0 (unlimited) or more and a burst of 1 or more", r.rate, perSecond, r.burst, burst)
		}
		*r.to = httpapi.Rate{PerSecond: float64(perSecond), Burst: burst}
	}
	return hc, nil
}

// apiPath reports whether path is under one of the API's prefixes, where an unknown path is
// an API client's mistake rather than a page of the console.
func apiPath(path string) bool {
	for _, prefix := range []string{"/v1/", "/graphql/", "/webhooks/", "/webchat/", "/playground/", "/debug/"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}

// routes serves every endpoint with the security headers; the API endpoints take a bearer
// key and a rate limit per key.
func (p *platform) routes(hc httpConfig) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		checks := p.ready(ctx)
		status := http.StatusOK
		for _, v := range checks {
			if v != "ok" {
				status = http.StatusServiceUnavailable
			}
		}
		httpapi.WriteJSON(w, status, checks)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(prometheus.Gatherers{prometheus.DefaultGatherer, p.metrics}, promhttp.HandlerOpts{}))
	ingestLimit := httpapi.NewRateLimiter(hc.ingestRate)
	// Counted outside auth and the rate limit, so their 401s and 429s are counted too.
	mux.Handle("/v1/events", ingest.Instrument(p.auth.Middleware(ingestLimit.Middleware(auth.KeyID, httpapi.WriteError, p.ingest), httpapi.WriteError)))
	p.mountGraphQL(mux, hc)
	if p.channels != nil {
		// Platforms sign their deliveries; no API key. Counted by meridian_webhook_requests_total.
		mux.Handle("/webhooks/", p.channels.mount)
		// The web chat widget and its WebSocket; visitors carry no API key.
		mux.Handle("/webchat/", p.channels.webchat)
	}
	// A browser's GET of any other path is the web console's (its pages route in the
	// browser); other methods, and paths under the API's prefixes, answer the API's JSON 404.
	console := webconsole.Handler()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || apiPath(r.URL.Path) {
			httpapi.WriteError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
			return
		}
		console.ServeHTTP(w, r)
	})
	return httpapi.SecureHeaders(mux)
}
