// Command benchwebhook measures channel webhooks end to end on the embedded default: a real
// `meridian serve` takes signed platform deliveries at a sustained rate, and the driver reports
// how many it acknowledged per second, the acknowledgement latency, the CPU the server and its
// PostgreSQL spent per delivery, and how long after its acknowledgement each message was
// queryable in ClickHouse (make bench-webhooks; figures in BENCHMARKS.md). With --routed it
// also describes agents who take every conversation and reports how long after its
// acknowledgement each new conversation showed in its assignee's inboxChanged subscription
// (analysed, routed, published and delivered: make bench-routed).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
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

	"github.com/meridian-cs/meridian/channels/line"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/channels/telegram"
	"github.com/meridian-cs/meridian/channels/whatsapp"
	"github.com/meridian-cs/meridian/cmd/internal/proc"
)

const key = "bench-webhook-key-0123"

func main() {
	bin := flag.String("bin", "bin/meridian", "the meridian binary")
	channel := flag.String("channel", "whatsapp", "whatsapp, line or telegram")
	rate := flag.Int("rate", 300, "deliveries per second")
	duration := flag.Duration("duration", 20*time.Second, "how long the load runs")
	customers := flag.Int("customers", 5000, "distinct customers writing (repeat customers continue their conversation)")
	workers := flag.Int("workers", 32, "concurrent HTTP clients")
	routed := flag.Bool("routed", false, "every delivery a new customer's conversation, routed to agents whose subscriptions are timed")
	flag.Parse()
	if err := run(*bin, *channel, *rate, *duration, *customers, *workers, *routed); err != nil {
		fmt.Fprintln(os.Stderr, "benchwebhook:", err)
		os.Exit(1)
	}
}

// delivery builds the i-th delivery of a channel, signed as its platform signs.
func delivery(channel string, i, customers int, at time.Time) ([]byte, http.Header, error) {
	c := i % customers
	text := fmt.Sprintf("Olá, meu pedido %d ainda não chegou. Podem verificar?", 100000+i)
	h := http.Header{}
	switch channel {
	case "whatsapp":
		b := whatsapp.TextDelivery("1029384756", fmt.Sprintf("55119%08d", c), "Cliente", fmt.Sprintf("wamid.bench%d", i), text, at)
		h.Set("X-Hub-Signature-256", meta.Sign("bench-secret", b))
		return b, h, nil
	case "line":
		b := line.TextDelivery("Ubenchbot", fmt.Sprintf("U%032d", c), fmt.Sprintf("01BENCH%019d", i), text, at)
		h.Set("X-Line-Signature", line.Sign("bench-secret", b))
		return b, h, nil
	case "telegram":
		b := telegram.TextDelivery(int64(i), int64(1_000_000+c), int64(i), "Cliente", "pt-br", text, at)
		telegram.Sign(h, "bench-secret")
		return b, h, nil
	}
	return nil, nil, fmt.Errorf("channel %q: want whatsapp, line or telegram", channel)
}

type server struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

func start(bin, dir string, keys []string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{addr: addr, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", dir)
	s.cmd.Env = append(os.Environ(), "MERIDIAN_API_KEYS="+strings.Join(append([]string{key}, keys...), ","), "MERIDIAN_LOG_LEVEL=warn",
		"MERIDIAN_WHATSAPP_APP_SECRET=bench-secret", "MERIDIAN_LINE_CHANNEL_SECRET=bench-secret", "MERIDIAN_LINE_ACCESS_TOKEN=t",
		"MERIDIAN_TELEGRAM_SECRET_TOKEN=bench-secret", "MERIDIAN_TELEGRAM_BOT_TOKEN=1:t", "MERIDIAN_CHANNEL_MARKETS=line=JP,telegram=BR")
	log, err := os.Create(filepath.Join(dir, "..", "server.log"))
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited; see %s", log.Name())
		default:
		}
	}
	return nil, fmt.Errorf("server not ready in 2 minutes; see %s", log.Name())
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
	}
}

// queryable counts the channel's messages in ClickHouse.
func (s *server) queryable(channel string) (int, error) {
	q, _ := json.Marshal(map[string]any{"query": `query($c: [String!]!) { metrics(measures: ["inbound_messages"], filters: [{dimension: "channel", values: $c}]) { rows { values } } }`,
		"variables": map[string]any{"c": []string{channel}}})
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/graphql", bytes.NewReader(q))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Metrics struct {
				Rows []struct{ Values []float64 }
			}
		}
		Errors []any
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		return 0, fmt.Errorf("metrics query: %v %v", err, out.Errors)
	}
	if len(out.Data.Metrics.Rows) == 0 {
		return 0, nil
	}
	return int(out.Data.Metrics.Rows[0].Values[0]), nil
}

type sample struct {
	at time.Time
	n  int
}

func run(bin, channel string, rate int, duration time.Duration, customers, workers int, routedMode bool) error {
	if _, _, err := delivery(channel, 0, 1, time.Now()); err != nil {
		return err
	}
	total := int(float64(rate) * duration.Seconds())
	var keys []string
	if routedMode {
		if total+1 > routedAgents*routedSeats {
			return fmt.Errorf("--routed: %d conversations exceed the agents' %d seats; lower --rate or --duration", total, routedAgents*routedSeats)
		}
		customers, keys = total, agentKeys()
	}
	tmp, err := os.MkdirTemp("", "benchwebhook-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	s, err := start(bin, filepath.Join(tmp, "data"), keys)
	if err != nil {
		return err
	}
	defer s.stop()
	var inboxes *routed
	if routedMode {
		subs, cancel := context.WithCancel(context.Background())
		defer cancel()
		if inboxes, err = s.route(subs); err != nil {
			return err
		}
		time.Sleep(time.Second) // a subscribe message has no acknowledgement
		if err := inboxes.warm(s, channel, total); err != nil {
			return err
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}

	// Freshness: the count of queryable messages, sampled every 50 ms from the start.
	var mu sync.Mutex
	var samples []sample
	ctx, stopPolling := context.WithCancel(context.Background())
	defer stopPolling()
	go func() {
		for ctx.Err() == nil {
			if n, err := s.queryable(channel); err == nil {
				mu.Lock()
				samples = append(samples, sample{time.Now(), n})
				mu.Unlock()
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()

	jobs := make(chan int, workers)
	acks := make([]time.Time, total)
	lat := make([]time.Duration, total)
	failed := make([]string, total)
	cpu0, _ := proc.CPUSeconds(s.cmd.Process.Pid)
	pg0, _ := proc.ChildrenCPUSeconds(s.cmd.Process.Pid)
	began := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				body, h, _ := delivery(channel, i, customers, time.Now().Add(-time.Second))
				req, _ := http.NewRequest("POST", "http://"+s.addr+"/webhooks/"+channel, bytes.NewReader(body))
				req.Header = h
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed[i] = err.Error()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed[i] = strconv.Itoa(resp.StatusCode) + " " + string(b)
					continue
				}
				acks[i], lat[i] = time.Now(), time.Since(t0)
			}
		}()
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for i := range total {
		<-tick.C
		jobs <- i
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	loadSecs := time.Since(began).Seconds()
	cpu1, _ := proc.CPUSeconds(s.cmd.Process.Pid)
	pg1, _ := proc.ChildrenCPUSeconds(s.cmd.Process.Pid)

	var okAcks []time.Time
	var okLat []time.Duration
	nFailed := 0
	for i := range total {
		if failed[i] != "" {
			if nFailed == 0 {
				fmt.Fprintln(os.Stderr, "first failure:", failed[i])
			}
			nFailed++
			continue
		}
		okAcks, okLat = append(okAcks, acks[i]), append(okLat, lat[i])
	}
	for deadline := time.Now().Add(time.Minute); inboxes != nil && time.Now().Before(deadline) && len(inboxes.times()) < len(okAcks); {
		time.Sleep(100 * time.Millisecond)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		last := 0
		if len(samples) > 0 {
			last = samples[len(samples)-1].n
		}
		mu.Unlock()
		if last >= len(okAcks) {
			break
		}
	}
	stopPolling()
	mu.Lock()
	defer mu.Unlock()
	// The k-th acknowledged message is taken as queryable when the count first reaches k:
	// exact when messages become queryable in acknowledgement order, the sinks' order within
	// a partition.
	slices.SortFunc(okAcks, func(a, b time.Time) int { return a.Compare(b) })
	var fresh []time.Duration
	j := 0
	for k, at := range okAcks {
		for j < len(samples) && samples[j].n < k+1 {
			j++
		}
		if j == len(samples) {
			break
		}
		fresh = append(fresh, max(0, samples[j].at.Sub(at)))
	}
	q := func(d []time.Duration, p float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		slices.Sort(d)
		return d[min(len(d)-1, int(p*float64(len(d))))]
	}
	cores := (cpu1 - cpu0 + pg1 - pg0) / loadSecs
	fmt.Printf("channel %s: %d deliveries at %d/s for %s (%d customers), %d failed\n", channel, total, rate, duration, customers, nFailed)
	fmt.Printf("acknowledged %.0f/s; ack p50 %s p99 %s\n", float64(len(okAcks))/loadSecs, q(okLat, 0.5).Round(100*time.Microsecond), q(okLat, 0.99).Round(100*time.Microsecond))
	fmt.Printf("server CPU %.2f cores (of which PostgreSQL %.2f): %.0f deliveries per second per core, %.0f µs of CPU each\n",
		cores, (pg1-pg0)/loadSecs, float64(len(okAcks))/loadSecs/cores, 1e6*cores*loadSecs/float64(len(okAcks)))
	fmt.Printf("webhook -> queryable (%d of %d measured): p50 %s p99 %s max %s\n", len(fresh), len(okAcks),
		q(fresh, 0.5).Round(time.Millisecond), q(fresh, 0.99).Round(time.Millisecond), q(fresh, 1).Round(time.Millisecond))
	if inboxes != nil {
		// The k-th acknowledged delivery against the k-th conversation to enter an inbox, as
		// for freshness above: exact when they are routed in acknowledgement order.
		seen := inboxes.times()
		slices.SortFunc(seen, func(a, b time.Time) int { return a.Compare(b) })
		var live []time.Duration
		for k := range min(len(seen), len(okAcks)) {
			live = append(live, max(0, seen[k].Sub(okAcks[k])))
		}
		fmt.Printf("webhook -> assignee's subscription (%d of %d conversations): p50 %s p99 %s max %s\n", len(live), len(okAcks),
			q(live, 0.5).Round(time.Millisecond), q(live, 0.99).Round(time.Millisecond), q(live, 1).Round(time.Millisecond))
	}
	return nil
}
