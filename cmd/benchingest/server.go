package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/meridian-cs/meridian/cmd/internal/proc"
)

const (
	benchKey  = "bench-key-0123456789"    // admin, every region
	markerKey = "bench-eu-key-0123456789" // admin, eu only: freshness polls touch one region
)

// server is a `meridian serve` child process on 127.0.0.1 with a fresh data directory.
type server struct {
	addr    string
	dataDir string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	client  *http.Client

	mu  sync.Mutex
	rss []rssSample
}

type rssSample struct {
	t  time.Time
	mb float64
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func startServer(ctx context.Context, bin, dir string, env []string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{addr: addr, dataDir: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "server.log"), done: make(chan struct{})}
	logf, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", s.dataDir)
	s.cmd.Env = append(os.Environ(), append([]string{
		"MERIDIAN_API_KEYS=" + benchKey + "," + markerKey + ":admin:eu",
		"MERIDIAN_LOG_LEVEL=warn",
	}, env...)...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Own process group (a terminal's Ctrl-C reaches us first and we stop it in order) and
	// Pdeathsig, so the server dies with us even if we are killed.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); logf.Close(); close(s.done) }()
	s.client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
	go s.sampleRSS()
	deadline := time.Now().Add(180 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/readyz", nil)
		if resp, err := s.client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited before it was ready; log:\n%s", s.logTail(30))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server not ready after 180 s; log:\n%s", s.logTail(30))
		}
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// sampleRSS reads VmRSS from /proc every second until the process exits.
func (s *server) sampleRSS() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if mb, err := vmRSS(s.pid()); err == nil {
			s.mu.Lock()
			s.rss = append(s.rss, rssSample{time.Now(), mb})
			s.mu.Unlock()
		}
		select {
		case <-s.done:
			return
		case <-t.C:
		}
	}
}

func vmRSS(pid int) (float64, error) {
	st, err := procStatus(pid, "VmRSS")
	return st["VmRSS"], err
}

// procStatus reads the named kB fields of /proc/<pid>/status, in MB.
func procStatus(pid int, fields ...string) (map[string]float64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := make(map[string]float64, len(fields))
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || !slices.Contains(fields, name) {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return nil, fmt.Errorf("/proc status %s: %w", name, err)
		}
		out[name] = kb / 1024
	}
	if len(out) < len(fields) {
		return out, fmt.Errorf("/proc status: %d of %d fields", len(out), len(fields))
	}
	return out, sc.Err()
}

// gauges sums, for each name, the samples of that metric family on /metrics: all its series,
// or those whose labels begin as the name says (`family{label="value"`; labels come sorted).
func (s *server) gauges(ctx context.Context, names ...string) (map[string]float64, error) {
	out := map[string]float64{}
	err := s.scrape(ctx, func(line string) {
		for _, n := range names {
			rest, ok := strings.CutPrefix(line, n)
			if !ok || rest == "" || !strings.Contains(n, "{") && rest[0] != '{' && rest[0] != ' ' {
				continue
			}
			if v, err := strconv.ParseFloat(rest[strings.LastIndexByte(rest, ' ')+1:], 64); err == nil {
				out[n] += v
			}
		}
	})
	return out, err
}

// scrape calls line for each line of the server's /metrics.
func (s *server) scrape(ctx context.Context, line func(string)) error {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+s.addr+"/metrics", nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line(sc.Text())
	}
	return sc.Err()
}

// rssBetween returns the samples in [from, to].
func (s *server) rssBetween(from, to time.Time) []rssSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []rssSample
	for _, r := range s.rss {
		if !r.t.Before(from) && !r.t.After(to) && r.mb > 0 { // 0 until the process has mapped its memory
			out = append(out, r)
		}
	}
	return out
}

func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		_ = syscall.Kill(-s.pid(), syscall.SIGKILL)
		<-s.done
	}
}

func (s *server) logTail(n int) string {
	b, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// postEvents posts one batch; it returns the HTTP status (0 on a transport error).
func (s *server) postEvents(ctx context.Context, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+s.addr+"/v1/events", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusAccepted {
		return resp.StatusCode, fmt.Errorf("POST /v1/events: %d %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return resp.StatusCode, nil
}

type gqlRows struct {
	Data struct {
		Metrics struct {
			Rows []struct {
				Dimensions []string  `json:"dimensions"`
				Values     []float64 `json:"values"`
			} `json:"rows"`
		} `json:"metrics"`
	} `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// metrics runs a metrics query and returns its rows as dimension-key -> first value.
func (s *server) metrics(ctx context.Context, key, query string) (map[string]float64, error) {
	b, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+s.addr+"/graphql", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("graphql: %d %.300s", resp.StatusCode, raw)
	}
	var out gqlRows
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("graphql: %w: %.300s", err, raw)
	}
	if len(out.Errors) > 0 {
		return nil, fmt.Errorf("graphql: %s", out.Errors[0].Message)
	}
	m := map[string]float64{}
	for _, r := range out.Data.Metrics.Rows {
		if len(r.Values) > 0 {
			m[strings.Join(r.Dimensions, "/")] = r.Values[0]
		}
	}
	return m, nil
}

// totalEvents is every event the load sent that ClickHouse holds, over all regions: the
// server's own analyses of inbound messages (message.analyzed) are not the load's.
func (s *server) totalEvents(ctx context.Context) (int64, error) {
	m, err := s.metrics(ctx, benchKey, `{ metrics(measures: ["events"], dimensions: ["region"], filters: [{dimension: "type", op: "neq", values: ["message.analyzed"]}]) { rows { dimensions values } } }`)
	if err != nil {
		return 0, err
	}
	var n float64
	for _, v := range m {
		n += v
	}
	return int64(n), nil
}

// graphqlMounted reports whether /graphql answers the metrics query.
func (s *server) graphqlMounted(ctx context.Context) error {
	_, err := s.totalEvents(ctx)
	return err
}

// settle waits until the server is quiet (under a fifth of a core for a second: its sinks
// drained, chDB's merges of the last phase done), at most limit, so that one phase's
// aftermath is not measured as part of the next. It returns how long it waited.
func (s *server) settle(ctx context.Context, limit time.Duration) time.Duration {
	start := time.Now()
	prev, err := proc.CPUSeconds(s.pid())
	for err == nil && time.Since(start) < limit && ctx.Err() == nil {
		time.Sleep(time.Second)
		var now float64
		if now, err = proc.CPUSeconds(s.pid()); err == nil {
			if now-prev < 0.2 {
				break
			}
			prev = now
		}
	}
	return time.Since(start)
}

// histogram is a histogram's cumulative bucket counts (upper bound → count) and its sum; for
// a counter, its value is the sum.
type histogram struct {
	buckets map[float64]float64
	sum     float64
}

// histograms reads the named histograms from one scrape of /metrics.
func (s *server) histograms(ctx context.Context, names ...string) (map[string]histogram, error) {
	out := map[string]histogram{}
	for _, n := range names {
		out[n] = histogram{buckets: map[float64]float64{}}
	}
	err := s.scrape(ctx, func(line string) {
		name, rest, ok := strings.Cut(line, "_bucket{le=\"")
		if h, known := out[name]; ok && known {
			le, count, ok := strings.Cut(rest, `"} `)
			if !ok {
				return
			}
			bound, err1 := strconv.ParseFloat(le, 64) // "+Inf" parses as +Inf
			n, err2 := strconv.ParseFloat(count, 64)
			if err1 == nil && err2 == nil {
				h.buckets[bound] = n
			}
			return
		}
		name, v, ok := strings.Cut(line, "_sum ")
		if !ok {
			name, v, ok = strings.Cut(line, " ")
		}
		if ok {
			if h, known := out[name]; known {
				h.sum, _ = strconv.ParseFloat(v, 64)
				out[name] = h
			}
		}
	})
	return out, err
}

// bucketQuantile is the upper bound of the bucket holding quantile q of the observations made
// between two scrapes of one histogram: a resolution of the bucket widths, no better.
func bucketQuantile(before, after map[float64]float64, q float64) float64 {
	bounds := make([]float64, 0, len(after))
	for b := range after {
		bounds = append(bounds, b)
	}
	slices.Sort(bounds)
	if len(bounds) == 0 {
		return math.NaN()
	}
	total := after[bounds[len(bounds)-1]] - before[bounds[len(bounds)-1]]
	if total <= 0 {
		return math.NaN()
	}
	for _, b := range bounds {
		if after[b]-before[b] >= q*total {
			return b
		}
	}
	return math.Inf(1)
}

// analysisCatchUp follows the server's analysis of inbound messages after a load: how many of
// the inbound messages ClickHouse holds were analysed when the load ended, and how long the
// analysis took to catch up (at most limit).
func (s *server) analysisCatchUp(ctx context.Context, limit time.Duration) string {
	count := func() (analysed, inbound float64, err error) {
		m, err := s.metrics(ctx, benchKey, `{ metrics(measures: ["analyzed_messages"], dimensions: ["region"]) { rows { dimensions values } } }`)
		if err != nil {
			return 0, 0, err
		}
		for _, v := range m {
			analysed += v
		}
		m, err = s.metrics(ctx, benchKey, `{ metrics(measures: ["messages"], dimensions: ["region"], filters: [{dimension: "direction", values: ["inbound"]}]) { rows { dimensions values } } }`)
		for _, v := range m {
			inbound += v
		}
		return analysed, inbound, err
	}
	start := time.Now()
	a0, in, err := count()
	if err != nil {
		return "analysis: " + err.Error()
	}
	a := a0
	for time.Since(start) < limit && a < in && ctx.Err() == nil {
		time.Sleep(time.Second)
		if a, in, err = count(); err != nil {
			return "analysis: " + err.Error()
		}
	}
	took := time.Since(start)
	return fmt.Sprintf("analysis: %.0f of %.0f inbound messages analysed when the load was queryable; %.0f after %s more (%.0f analyses/s while catching up)",
		a0, in, a, took.Round(time.Second), (a-a0)/took.Seconds())
}
