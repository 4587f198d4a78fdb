package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/stream/kafkatest"
)

// These tests run the real binary the way an operator does: `meridian serve` on a data
// directory, with the embedded broker, chDB and a local PostgreSQL, and talk to it over HTTP.

const testKey = "e2e-test-key-0123"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// TestMain removes the binary the end-to-end tests built (about 50 MB a test run).
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func meridianBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "meridian-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "meridian")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type server struct {
	t       *testing.T
	addr    string
	dataDir string
	cmd     *exec.Cmd
	logs    *bytes.Buffer
	done    chan struct{}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer runs meridian serve and waits for /readyz.
func startServer(t *testing.T, dataDir string, env ...string) *server {
	t.Helper()
	return startMeridian(t, []string{"serve"}, dataDir, env...)
}

// startMeridian runs a serving command (serve, or demo with its flags) and waits for /readyz.
// The analysis of messages and the routing engine are off unless a test turns them on
// (MERIDIAN_ANALYSIS=on, MERIDIAN_ROUTING=on): the language models cost each server seconds
// of CPU and ~350 MB that tests of other things need not pay on a 2-core machine, and routing
// adds decisions to the events other tests count.
func startMeridian(t *testing.T, args []string, dataDir string, env ...string) *server {
	t.Helper()
	s := &server{t: t, addr: freeAddr(t), dataDir: dataDir, logs: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(meridianBinary(t), append(args, "--addr", s.addr, "--data-dir", dataDir)...)
	// exec takes the last of repeated variables, so a test's env overrides these.
	s.cmd.Env = append(os.Environ(), append([]string{"MERIDIAN_API_KEYS=" + testKey, "MERIDIAN_LOG_LEVEL=warn", "MERIDIAN_ANALYSIS=off", "MERIDIAN_ROUTING=off"}, env...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	deadline := time.Now().Add(120 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("server exited before it was ready:\n%s", s.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 120 s:\n%s", s.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) stop(sig syscall.Signal) {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) post(t *testing.T, path, key, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+s.addr+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s answered %d with a non-JSON body: %q", path, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// regionCounts runs the public contract query and returns messages per region.
func (s *server) regionCounts(t *testing.T) map[string]float64 {
	t.Helper()
	q := `{"query":"{ metrics(measures: [\"messages\"], dimensions: [\"region\"]) { rows { dimensions values } } }"}`
	code, out := s.post(t, "/graphql", testKey, "application/json", q)
	if code != 200 || out["errors"] != nil {
		t.Fatalf("graphql answered %d: %v", code, out)
	}
	counts := map[string]float64{}
	rows := out["data"].(map[string]any)["metrics"].(map[string]any)["rows"].([]any)
	for _, r := range rows {
		row := r.(map[string]any)
		counts[row["dimensions"].([]any)[0].(string)] = row["values"].([]any)[0].(float64)
	}
	return counts
}

func waitCounts(t *testing.T, s *server, want map[string]float64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := s.regionCounts(t)
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("messages per region = %v, want %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const contractBody = `[{"id":"a1","type":"message.received","occurred_at":"2026-11-20T10:00:00Z","channel":"whatsapp","conversation_id":"c1","customer":{"country":"DE","external_id":"4915112345678"},"text":"Wo ist meine Bestellung?"}]`

func TestServeAcceptsTheContractEventOnceAndCountsItPerRegion(t *testing.T) {
	s := startServer(t, t.TempDir())
	if got := s.regionCounts(t); len(got) != 0 {
		t.Fatalf("a new data directory starts with data: %v", got)
	}
	for i := 0; i < 2; i++ { // the second post is a client retry
		code, out := s.post(t, "/v1/events", testKey, "application/json", contractBody)
		if code != 200 && code != 202 {
			t.Fatalf("post %d: %d %v", i, code, out)
		}
	}
	sg := strings.NewReplacer(`"a1"`, `"s1"`, `"DE"`, `"SG"`, `"c1"`, `"c2"`).Replace(contractBody)
	if code, out := s.post(t, "/v1/events", testKey, "application/x-ndjson", strings.Trim(sg, "[]")); code != 202 {
		t.Fatalf("ndjson post: %d %v", code, out)
	}
	waitCounts(t, s, map[string]float64{"eu": 1, "sea": 1}, 10*time.Second)

	// Bad input: 4xx with a JSON error, and nothing stored.
	for name, c := range map[string]struct {
		key, body string
		want      int
	}{
		"wrong key":      {"wrong-key-123456", contractBody, 401},
		"no key":         {"", contractBody, 401},
		"malformed JSON": {testKey, `[{"id":`, 400},
		"unknown type":   {testKey, strings.Replace(contractBody, "message.received", "message.lost", 1), 400},
		"missing field":  {testKey, strings.Replace(contractBody, `"conversation_id":"c1",`, "", 1), 400},
		"too large":      {testKey, "[" + strings.Repeat(" ", 9<<20) + "]", 413},
	} {
		code, out := s.post(t, "/v1/events", c.key, "application/json", c.body)
		if code != c.want || out["error"] == nil {
			t.Errorf("%s: %d %v, want %d with an error", name, code, out, c.want)
		}
	}
	waitCounts(t, s, map[string]float64{"eu": 1, "sea": 1}, time.Second)
}

func TestKillDashNineLosesNoAcknowledgedEventAndCountsNoneTwice(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	// Post batches from several clients while the server is killed mid-stream. Only the
	// batches acknowledged with 202 are owed; others may or may not have landed.
	var mu sync.Mutex
	acked := 0
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				var evs []string
				for j := 0; j < 20; j++ {
					id := fmt.Sprintf("w%d-%d-%d", w, i, j)
					evs = append(evs, strings.NewReplacer(`"a1"`, `"`+id+`"`, `"c1"`, `"c-`+id+`"`).Replace(strings.Trim(contractBody, "[]")))
				}
				req, _ := http.NewRequest("POST", "http://"+s.addr+"/v1/events", strings.NewReader("["+strings.Join(evs, ",")+"]"))
				req.Header.Set("Authorization", "Bearer "+testKey)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode == 202 {
					mu.Lock()
					acked += 20
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	s.stop(syscall.SIGKILL)
	cancel()
	wg.Wait()
	if acked == 0 {
		t.Fatal("no batch was acknowledged before the kill")
	}
	// Whatever was acknowledged must be there after a restart; unacknowledged batches may
	// have landed too, so count the ids that exist rather than trusting the total.
	s2 := startServer(t, dir)
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := s2.regionCounts(t)["eu"]
		if got >= float64(acked) {
			// Let the sink settle, then check no id counts twice: the count equals the number
			// of distinct ids stored.
			time.Sleep(time.Second)
			q := `{"query":"{ metrics(measures: [\"messages\", \"conversations\"], dimensions: [\"region\"]) { rows { dimensions values } } }"}`
			_, out := s2.post(t, "/graphql", testKey, "application/json", q)
			vals := out["data"].(map[string]any)["metrics"].(map[string]any)["rows"].([]any)[0].(map[string]any)["values"].([]any)
			if vals[0].(float64) != vals[1].(float64) {
				t.Fatalf("messages %v != distinct conversations %v: an event counted twice", vals[0], vals[1])
			}
			t.Logf("acknowledged %d, stored %v", acked, vals[0])
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart eu holds %v messages, %d were acknowledged", got, acked)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestServeWithoutConfiguredKeysMakesAndPrintsADevelopmentKey(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, "MERIDIAN_API_KEYS=")
	b, err := os.ReadFile(filepath.Join(dir, "secrets", "dev-api-key"))
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(b))
	if !strings.Contains(s.logs.String(), key) {
		t.Fatalf("the development key was not printed at start:\n%s", s.logs.String())
	}
	if code, out := s.post(t, "/v1/events", key, "application/json", contractBody); code != 202 {
		t.Fatalf("post with the development key: %d %v", code, out)
	}
	if code, _ := s.post(t, "/v1/events", testKey, "application/json", contractBody); code != 401 {
		t.Fatalf("a key that is not configured was accepted: %d", code)
	}
}

func TestServeOnApacheKafkaCountsEachAcknowledgedEventOnce(t *testing.T) {
	broker := kafkatest.Start(t)
	s := startServer(t, t.TempDir(), "MERIDIAN_KAFKA_BROKERS="+broker.Addr(), "MERIDIAN_KAFKA_PARTITIONS=2")
	for i := 0; i < 2; i++ {
		if code, out := s.post(t, "/v1/events", testKey, "application/json", contractBody); code != 202 {
			t.Fatalf("post %d: %d %v", i, code, out)
		}
	}
	us := strings.NewReplacer(`"a1"`, `"u1"`, `"DE"`, `"US"`, `"c1"`, `"c9"`).Replace(contractBody)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", us); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	waitCounts(t, s, map[string]float64{"eu": 1, "us": 1}, 30*time.Second)
}

// A log written with JSON values (as before protobuf became the default, or with
// MERIDIAN_KAFKA_VALUE_FORMAT=json) stays readable after switching: the JSON events a killed
// server acknowledged but may not have stored are stored by its protobuf successor, beside
// the protobuf ones, each once, with their text intact.
func TestALogOfJSONValuesIsStillReadAfterSwitchingToProtobuf(t *testing.T) {
	dir := t.TempDir()
	body := func(prefix string, n int) string {
		var evs []string
		for i := range n {
			id := fmt.Sprintf("%s%d", prefix, i)
			evs = append(evs, strings.NewReplacer(`"a1"`, `"`+id+`"`, `"c1"`, `"c-`+id+`"`).Replace(strings.Trim(contractBody, "[]")))
		}
		return "[" + strings.Join(evs, ",") + "]"
	}
	s := startServer(t, dir, "MERIDIAN_KAFKA_VALUE_FORMAT=json")
	if code, out := s.post(t, "/v1/events", testKey, "application/json", body("j", 30)); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	s.stop(syscall.SIGKILL)
	s2 := startServer(t, dir)
	if code, out := s2.post(t, "/v1/events", testKey, "application/json", body("p", 20)); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	waitCounts(t, s2, map[string]float64{"eu": 50}, 30*time.Second)
	q := `{"query":"{ conversation(id: \"c-j7\") { id messages { text } } }"}`
	if code, out := s2.post(t, "/graphql", testKey, "application/json", q); code != 200 || !strings.Contains(fmt.Sprint(out), "Wo ist meine Bestellung?") {
		t.Fatalf("the JSON event's text did not survive: %d %v", code, out)
	}
}

// A value format Meridian does not write is refused before any engine starts, in one line.
func TestServeRefusesAnUnknownKafkaValueFormat(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"serve", "--addr", freeAddr(t), "--data-dir", dir, "--kafka-value-format", "avro"}, &stdout, &stderr)
	if code == 0 || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 || !strings.Contains(stderr.String(), `"avro" is not protobuf or json`) {
		t.Fatalf("exit %d, stderr %q: want a non-zero exit and one line naming the value", code, stderr.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("engines started before the setting was checked: %v", entries)
	}
}
