// Package notebooks holds Meridian's Jupyter notebooks (demand exploration, opportunity
// mining, ROI). They read Meridian through its GraphQL API and POST /v1/metrics as an Arrow
// stream (MERIDIAN_URL, MERIDIAN_API_KEY), and this test runs each of them top to bottom against a real server loaded with demo
// traffic, so that they never rot. Python needs notebooks/requirements.txt
// (scripts/setup.sh --test installs it).
package notebooks

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
)

const apiKey = "notebook-test-key-0123456789"

func TestNotebooksRunTopToBottomOnDemoData(t *testing.T) {
	if out, err := exec.Command("python3", "-c", "import nbclient, nbformat, ipykernel").CombinedOutput(); err != nil {
		t.Fatalf("the notebooks need Python with notebooks/requirements.txt (bash scripts/setup.sh --test, or pip install -r notebooks/requirements.txt): %v\n%s", err, out)
	}
	bin := os.Getenv("MERIDIAN_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "meridian")
		if out, err := exec.Command("go", "build", "-o", bin, "../cmd/meridian").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	addr := freeAddr(t)
	base := "http://" + addr
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", t.TempDir())
	cmd.Env = append(os.Environ(), "MERIDIAN_API_KEYS="+apiKey, "MERIDIAN_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	waitReady(t, base, done)

	// Two days of demo traffic, posted as a client would, 500 events a request.
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var batch []models.Event
	received := 0
	flush := func() {
		if len(batch) == 0 {
			return
		}
		body, err := json.Marshal(batch)
		if err != nil {
			t.Fatal(err)
		}
		if status, resp := call(t, base+"/v1/events", body); status != http.StatusAccepted {
			t.Fatalf("POST /v1/events: %d %s", status, resp)
		}
		batch = batch[:0]
	}
	err := demo.New(demo.Config{Seed: 11, Start: start, End: start.Add(48 * time.Hour), MessagesPerHour: 400}).Each(context.Background(), func(e models.Event) error {
		e.Tenant, e.Region, e.CustomerID = "", "", ""
		if e.Type == models.MessageReceived {
			received++
		}
		batch = append(batch, e)
		if len(batch) == 500 {
			flush()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	flush()
	waitQueryable(t, base, received)

	paths, err := filepath.Glob("*.ipynb")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no notebooks (%v)", err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(p, ".ipynb"), func(t *testing.T) {
			t0 := time.Now()
			run := exec.Command("python3", "-c", `import sys, nbformat, nbclient
nb = nbformat.read(sys.argv[1], as_version=4)
nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
`, p)
			run.Env = append(os.Environ(), "MERIDIAN_URL="+base, "MERIDIAN_API_KEY="+apiKey)
			if out, err := run.CombinedOutput(); err != nil {
				t.Fatalf("%s failed: %v\n%s", p, err, out)
			}
			t.Logf("%s ran in %v", p, time.Since(t0).Round(time.Millisecond))
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitReady(t *testing.T, base string, done chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-done:
			t.Fatal("server exited before it was ready")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("server not ready after 120 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func call(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func gql(t *testing.T, base, query string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	status, resp := call(t, base+"/graphql", body)
	var out map[string]any
	if err := json.Unmarshal([]byte(resp), &out); err != nil {
		t.Fatalf("graphql %d: %s", status, resp)
	}
	return out
}

// waitQueryable waits until ClickHouse holds every posted customer message.
func waitQueryable(t *testing.T, base string, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	got := 0.0
	for time.Now().Before(deadline) {
		out := gql(t, base, `{ metrics(measures: ["inbound_messages"]) { rows { values } } }`)
		if data, ok := out["data"].(map[string]any); ok {
			rows := data["metrics"].(map[string]any)["rows"].([]any)
			if len(rows) == 1 {
				got = rows[0].(map[string]any)["values"].([]any)[0].(float64)
				if int(got) == want {
					return
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("ClickHouse holds %v customer messages after 60 s, want %d", got, want)
}
