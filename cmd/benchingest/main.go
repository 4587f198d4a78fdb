// Command benchingest measures Meridian's ingest path end to end on this machine (make
// bench-ingest): the raw ceilings of its parts (kafka-go produce, kafka-go consumer-group
// consume, chDB insert), then a real `meridian serve` process under load — sustained
// throughput until ClickHouse holds every acknowledged event, acknowledgement latency under
// an open-loop request rate, freshness (acknowledged → queryable) and resident memory —
// against the embedded broker and against Apache Kafka, printed as one markdown table.
//
// Everything runs on 127.0.0.1; every process and temporary directory it starts is removed on
// exit, and every loop is bounded in count and time.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/meridian-cs/meridian/cmd/internal/proc"
	"github.com/meridian-cs/meridian/stream"
	"github.com/meridian-cs/meridian/stream/kafkatest"
)

type options struct {
	bin        string
	duration   time.Duration
	soak       time.Duration
	kafka      string
	out        string
	clients    int
	batch      int
	rate       int
	soakRate   int
	cpuprofile string
	pool       int
	skipRaw    bool
}

func main() {
	var o options
	fs := flag.NewFlagSet("benchingest", flag.ExitOnError)
	fs.StringVar(&o.bin, "bin", "bin/meridian", "the meridian binary to benchmark (make build)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "length of each measured phase")
	fs.DurationVar(&o.soak, "soak", 0, "memory soak at a steady load after the other phases (e.g. 10m); 0 = none")
	fs.StringVar(&o.kafka, "kafka", "both", "embedded, apache or both")
	fs.StringVar(&o.out, "out", "", "also write the markdown report to this file")
	fs.IntVar(&o.clients, "clients", 8, "concurrent HTTP clients in the sustained phase")
	fs.IntVar(&o.batch, "batch", 500, "events per request in the sustained phase")
	fs.IntVar(&o.rate, "rate", 2000, "requests/s (of 10 events) in the latency phase")
	fs.IntVar(&o.soakRate, "soak-rate", 5000, "events/s offered during the soak")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write CPU profiles of the server during the sustained and latency phases to FILE.<kafka>.pprof and FILE.<kafka>.latency.pprof, and a 5 s execution trace of the latency phase to FILE.<kafka>.latency.trace (go tool trace -pprof=sched shows waits for a CPU) (builds a private, pprof-enabled server with go build -overlay)")
	fs.IntVar(&o.pool, "pool", 50000, "distinct demo events in the pool the load cycles through")
	fs.BoolVar(&o.skipRaw, "skip-raw", false, "skip the raw ceilings (quicker runs while tuning; the report then has no ratios)")
	_ = fs.Parse(os.Args[1:])
	if o.kafka != "embedded" && o.kafka != "apache" && o.kafka != "both" {
		fmt.Fprintln(os.Stderr, "--kafka must be embedded, apache or both")
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, os.Stdout)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchingest:", err)
		os.Exit(1)
	}
}

type modeResult struct {
	name       string
	raw        rawKafkaResult
	cold       sustainedResult
	sust       sustainedResult
	sustCPU    float64 // server CPU seconds from the sustained phase's start until it was quiet again
	sustPGCPU  float64 // the same for its PostgreSQL's processes
	lat        latencyResult
	soak       *soakResult
	rssStart   float64
	rssPeak    float64
	rssEnd     float64
	err        string
	profile    string
	latProfile string
	graphqlErr string
	load       []string // the machine's 1-minute load average after each phase
}

// cpuPerEvent is the server's CPU time per event of the sustained phase, in µs (0 if unknown).
func (r *modeResult) cpuPerEvent() float64 {
	if r.sustCPU == 0 || r.sust.Acked == 0 {
		return 0
	}
	return r.sustCPU / float64(r.sust.Acked) * 1e6
}

// cpuSample is the CPU time used so far by the server, its PostgreSQL, this process and the
// machine.
type cpuSample struct {
	at                        time.Time
	server, pg, self, machine float64 // seconds
}

func cpuNow(server int) cpuSample {
	c := cpuSample{at: time.Now()}
	c.server, _ = proc.CPUSeconds(server)
	c.pg, _ = proc.ChildrenCPUSeconds(server)
	c.self, _ = proc.CPUSeconds(os.Getpid())
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		// cpu  user nice system idle iowait irq softirq steal guest guest_nice: busy is user
		// to steal less idle and iowait (guest time is already counted in user and nice).
		f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
		for i := 1; i < len(f) && i <= 8; i++ {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil && i != 4 && i != 5 {
				c.machine += v / 100 // USER_HZ
			}
		}
	}
	return c
}

// coresUntil is the cores each used on average between two samples.
func (c cpuSample) coresUntil(d cpuSample) (server, pg, self, machine float64) {
	el := d.at.Sub(c.at).Seconds()
	if el <= 0 {
		return 0, 0, 0, 0
	}
	return (d.server - c.server) / el, (d.pg - c.pg) / el, (d.self - c.self) / el, (d.machine - c.machine) / el
}

// dropRawData deletes what a raw ceiling wrote (dir, if any) and has the kernel write out
// the rest now. The raw phases left ~1.8 GB of dirty pages (chDB parts, broker logs), and the
// kernel wrote ~1.5 GB of it back in the first 10 s of the measured phase after them; deleted
// files' dirty pages are dropped unwritten. In two alternating pairs the rates did not move
// beyond the noise (BENCHMARKS.md), but the measured pipeline no longer shares the disk with it.
func dropRawData(dir string) {
	if dir != "" {
		if err := os.RemoveAll(dir); err != nil {
			logf("removing %s: %v", dir, err)
		}
	}
	start := time.Now()
	syscall.Sync()
	logf("raw data dropped, page cache written out in %s", time.Since(start).Round(time.Millisecond))
}

// loadAvg is /proc/loadavg's 1-minute figure: other work on the machine shows up here.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(ctx context.Context, o options, stdout io.Writer) error {
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s: %w (build it with: go build -o bin/meridian ./cmd/meridian)", o.bin, err)
	}
	tmp, err := os.MkdirTemp("", "benchingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	nonceB := make([]byte, 4)
	_, _ = rand.Read(nonceB)
	nonce := hex.EncodeToString(nonceB)

	if o.cpuprofile != "" {
		logf("building a pprof-enabled server (go build -overlay)")
		if bin, err = buildProfiled(ctx, tmp); err != nil {
			return err
		}
	}

	logf("generating %d demo events", o.pool)
	c, err := buildCorpus(ctx, o.pool)
	if err != nil {
		return err
	}
	logf("pool: %d events, %d customers, mean request JSON %.0f B, mean Kafka message %.0f B (sealed, as ingest writes it)", len(c.events), c.customers, c.meanJSON, c.meanMsg)

	var ch rawChDBResult
	if !o.skipRaw {
		logf("raw ceiling: chDB insert alone for %s", o.duration)
		ch = rawChDB(ctx, filepath.Join(tmp, "chdb-raw"), c, o.duration)
		logf("chDB: %.0f rows/s (%s per 20k insert) %s", ch.Rate, ch.MeanBatch.Round(time.Millisecond), ch.Error)
		dropRawData(filepath.Join(tmp, "chdb-raw"))
	}

	var modes []string
	switch o.kafka {
	case "both":
		modes = []string{"embedded", "apache"}
	default:
		modes = []string{o.kafka}
	}
	var results []*modeResult
	for _, m := range modes {
		if ctx.Err() != nil {
			break
		}
		r := runMode(ctx, o, m, bin, filepath.Join(tmp, m), c, nonce)
		results = append(results, r)
	}
	report := renderReport(o, c, ch, results)
	fmt.Fprint(stdout, report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func runMode(ctx context.Context, o options, mode, bin, dir string, c *corpus, nonce string) *modeResult {
	res := &modeResult{name: mode}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		res.err = err.Error()
		return res
	}
	var env []string
	switch mode {
	case "embedded":
		if o.skipRaw {
			break
		}
		// The raw ceilings run against a broker of the same kind in this process (no fsync per
		// produce, as the server's default); it is closed before the server starts.
		b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: filepath.Join(dir, "kfake-raw")})
		if err != nil {
			res.err = err.Error()
			return res
		}
		logf("[%s] raw ceilings: kafka-go produce alone for %s, then consume alone", mode, o.duration)
		res.raw = rawKafka(ctx, b.Addrs(), b.Auth(), c, o.duration, nonce)
		b.Close()
		dropRawData(filepath.Join(dir, "kfake-raw"))
	case "apache":
		logf("[%s] starting Apache Kafka (KRaft, one node)", mode)
		p, err := kafkatest.StartProcess(ctx, filepath.Join(dir, "kafka"), kafkatest.WithPartitions(4), kafkatest.WithHeap("1g"))
		if err != nil {
			res.err = err.Error()
			return res
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			_ = p.Stop(sctx)
		}()
		if !o.skipRaw {
			logf("[%s] raw ceilings: kafka-go produce alone for %s, then consume alone", mode, o.duration)
			res.raw = rawKafka(ctx, []string{p.Addr()}, stream.Auth{}, c, o.duration, nonce)
			dropRawData("") // the raw topic stays in the broker's log: written out now instead
		}
		env = append(env, "MERIDIAN_KAFKA_BROKERS="+p.Addr())
	}
	res.load = append(res.load, "raw "+loadAvg())
	logf("[%s] produce %.0f msg/s (%.1f MB/s) %s; consume %.0f msg/s (group join %s) %s", mode,
		res.raw.ProduceRate, res.raw.ProduceMBs, res.raw.ProduceError, res.raw.ConsumeRate, res.raw.ConsumeJoin.Round(time.Millisecond), res.raw.ConsumeError)
	if ctx.Err() != nil {
		return res
	}

	pprofAddr := ""
	if o.cpuprofile != "" {
		a, err := freeAddr()
		if err == nil {
			pprofAddr = a
			env = append(env, "MERIDIAN_BENCH_PPROF="+a)
		}
	}
	logf("[%s] starting meridian serve", mode)
	s, err := startServer(ctx, bin, dir, env)
	if err != nil {
		res.err = err.Error()
		return res
	}
	defer s.stop()
	ready := time.Now()
	// Read now: the server is up in about a second, and the sampler's next reading may fall in
	// the warm-up that follows (its first one, before exec, read 0 MB).
	res.rssStart, _ = vmRSS(s.pid())
	if err := s.graphqlMounted(ctx); err != nil {
		res.graphqlErr = err.Error()
		logf("[%s] GraphQL metrics query fails (%v): queryable times will be missing", mode, err)
	}
	b := &batcher{c: c, prefix: "ev-" + nonce + "-" + mode + "-"}

	// Warm-up: every pool event once, so every customer of the pool has its data key (made in
	// PostgreSQL on first contact) before the measured phases, which cycle the same customers.
	logf("[%s] warm-up: posting the pool once (%d events, %d customers seen for the first time)", mode, len(c.events), c.customers)
	res.cold = sustained(ctx, s, b, o.clients, o.batch, 5*time.Minute, uint64(len(c.events)))
	res.load = append(res.load, "warm-up "+loadAvg())
	logf("[%s] warm-up acked %d (%.0f ev/s), all queryable after %s %s %s", mode, res.cold.Acked, res.cold.AckRate, res.cold.Queryable.Round(time.Millisecond), res.cold.FirstErr, res.cold.QueryErr)

	logf("[%s] phase 2: %d clients × %d-event batches for %s", mode, o.clients, o.batch, o.duration)
	var profDone chan string
	if pprofAddr != "" {
		profDone = make(chan string, 1)
		secs := max(1, int(o.duration.Seconds())-1)
		go func() {
			profDone <- fetchProfile(ctx, pprofAddr, "profile", secs, fmt.Sprintf("%s.%s.pprof", o.cpuprofile, mode))
		}()
	}
	cpuStart, cpuErr := proc.CPUSeconds(s.pid())
	pgStart, pgErr := proc.ChildrenCPUSeconds(s.pid())
	res.sust = sustained(ctx, s, b, o.clients, o.batch, o.duration, 0)
	if profDone != nil {
		res.profile = <-profDone
	}
	res.load = append(res.load, "sustained "+loadAvg())
	logf("[%s] acked %d (%.0f ev/s), queryable after %s (%.0f ev/s, drain %s) %s %s", mode, res.sust.Acked, res.sust.AckRate,
		res.sust.Queryable.Round(time.Millisecond), res.sust.E2ERate, res.sust.Drain.Round(time.Millisecond), res.sust.FirstErr, res.sust.QueryErr)

	if ctx.Err() == nil && os.Getenv("MERIDIAN_ANALYSIS") != "off" {
		logf("[%s] %s", mode, s.analysisCatchUp(ctx, 10*time.Minute))
	}
	if ctx.Err() == nil {
		logf("[%s] server quiet after %s", mode, s.settle(ctx, time.Minute).Round(time.Second))
		if cpuEnd, err := proc.CPUSeconds(s.pid()); err == nil && cpuErr == nil {
			res.sustCPU = cpuEnd - cpuStart
			logf("[%s] server CPU for the sustained phase until quiet: %.1f s, %.1f µs per event", mode, res.sustCPU, res.cpuPerEvent())
		}
		if pgEnd, err := proc.ChildrenCPUSeconds(s.pid()); err == nil && pgErr == nil {
			res.sustPGCPU = pgEnd - pgStart
		}
		logf("[%s] phases 3+4: %d req/s × %d events, open loop, for %s; freshness markers every 100 ms", mode, o.rate, 10, o.duration)
		var latProf, latTrace chan string
		if pprofAddr != "" {
			latProf = make(chan string, 1)
			secs := max(1, int(o.duration.Seconds())-1)
			go func() {
				latProf <- fetchProfile(ctx, pprofAddr, "profile", secs, fmt.Sprintf("%s.%s.latency.pprof", o.cpuprofile, mode))
			}()
			// An execution trace shows where an acknowledgement waits (for a P, the network,
			// a lock) which a CPU profile cannot; 5 s from the phase's middle keeps it small.
			latTrace = make(chan string, 1)
			go func() {
				select {
				case <-time.After(o.duration / 2):
				case <-ctx.Done():
				}
				latTrace <- fetchProfile(ctx, pprofAddr, "trace", 5, fmt.Sprintf("%s.%s.latency.trace", o.cpuprofile, mode))
			}()
		}
		const ack, produce, write = "meridian_ingest_ack_seconds", "meridian_produce_seconds", "meridian_produce_write_seconds"
		const hits = "meridian_query_cache_hits_total"
		before, _ := s.histograms(ctx, ack, produce, write, hits)
		cpu0 := cpuNow(s.pid())
		t0 := time.Now()
		res.lat = latency(ctx, s, b, o.rate, 10, o.duration, nonce+mode)
		res.lat.ServerCores, res.lat.PGCores, res.lat.LoadCores, res.lat.MachineCores = cpu0.coresUntil(cpuNow(s.pid()))
		if after, err := s.histograms(ctx, ack, produce, write, hits); err == nil {
			res.lat.CacheHits = int(after[hits].sum - before[hits].sum)
			q := func(name string, q float64) float64 {
				return bucketQuantile(before[name].buckets, after[name].buckets, q)
			}
			res.lat.ServerAckP50, res.lat.ServerAckP99 = q(ack, .5), q(ack, .99)
			res.lat.ProduceP50, res.lat.ProduceP99 = q(produce, .5), q(produce, .99)
			res.lat.WriteP50, res.lat.WriteP99 = q(write, .5), q(write, .99)
			res.lat.WriteBusy = (after[write].sum - before[write].sum) / time.Since(t0).Seconds()
		}
		if latProf != nil {
			res.latProfile = <-latProf
			logf("[%s] execution trace of the latency phase: %s", mode, <-latTrace)
		}
		res.load = append(res.load, "latency "+loadAvg())
		logf("[%s] achieved %.0f req/s, ack p50 %s p99 %s max %s; freshness p50 %s p99 %s (%d/%d markers) %s %s", mode, res.lat.Achieved,
			res.lat.P50.Round(time.Microsecond*100), res.lat.P99.Round(time.Microsecond*100), res.lat.Max.Round(time.Millisecond),
			res.lat.FreshP50.Round(time.Millisecond), res.lat.FreshP99.Round(time.Millisecond), res.lat.Seen, res.lat.Markers, res.lat.FirstErr, res.lat.PollErr)
	}
	if o.soak > 0 && ctx.Err() == nil {
		logf("[%s] soak: %d events/s for %s", mode, o.soakRate, o.soak)
		sr := soak(ctx, s, b, o.soakRate, o.soak)
		res.soak = &sr
		res.load = append(res.load, "soak "+loadAvg())
		logf("[%s] soak RSS %.0f → %.0f MB (peak %.0f), slope %.2f MB/min (second half %.2f), by minute %.0f MB %s", mode, sr.Start, sr.End, sr.Peak, sr.Slope, sr.SlopeLate, sr.Minutes, sr.FirstErr)
	}
	samples := s.rssBetween(ready, time.Now())
	if len(samples) > 0 {
		res.rssEnd = samples[len(samples)-1].mb
		for _, x := range samples {
			res.rssPeak = max(res.rssPeak, x.mb)
		}
	}
	logf("[%s] stopping the server", mode)
	return res
}

// buildProfiled builds cmd/meridian with one extra file (testdata/pprof_overlay.go.txt) laid
// over it, which serves net/http/pprof on $MERIDIAN_BENCH_PPROF. The repository is untouched.
func buildProfiled(ctx context.Context, tmp string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", "./cmd/meridian", "./cmd/benchingest").Output()
	if err != nil {
		return "", fmt.Errorf("go list (run from the repository root): %w", err)
	}
	dirs := strings.Fields(string(out))
	if len(dirs) != 2 {
		return "", errors.New("go list: unexpected output")
	}
	overlay := map[string]map[string]string{"Replace": {
		filepath.Join(dirs[0], "zz_benchingest_pprof.go"): filepath.Join(dirs[1], "testdata", "pprof_overlay.go.txt"),
	}}
	ob, _ := json.Marshal(overlay)
	op := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(op, ob, 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(tmp, "meridian-pprof")
	cmd := exec.CommandContext(ctx, "go", "build", "-overlay", op, "-o", bin, "./cmd/meridian")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build -overlay: %w\n%s", err, b)
	}
	return bin, nil
}

// fetchProfile saves the server's pprof endpoint kind ("profile" or "trace") over secs to path.
func fetchProfile(ctx context.Context, addr, kind string, secs int, path string) string {
	cctx, cancel := context.WithTimeout(ctx, time.Duration(secs+30)*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(cctx, "GET", fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", addr, kind, secs), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "profile: " + err.Error()
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return "profile: " + err.Error()
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return "profile: " + err.Error()
	}
	return path
}

func machineNotes() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
	}
	return fmt.Sprintf("%d logical CPUs (%s)%s, %s/%s, %s", runtime.NumCPU(), cpu, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
