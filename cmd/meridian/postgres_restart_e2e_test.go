package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// localPostgres reads the server's local PostgreSQL from its postmaster.pid: the postmaster's
// pid and a DSN over its socket.
func localPostgres(t *testing.T, dataDir string) (pid int, dsn string) {
	t.Helper()
	pgdata := filepath.Join(dataDir, "postgres")
	if b, err := os.ReadFile(filepath.Join(pgdata, "PGLOCAL_DATA_DIR")); err == nil {
		pgdata = strings.TrimSpace(string(b)) // relocated (run as root)
	}
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	// Lines: pid, data directory, start time, port, socket directory, ...
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 {
		t.Fatalf("postmaster.pid: %q", b)
	}
	pid, err = strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil {
		t.Fatal(err)
	}
	return pid, fmt.Sprintf("host=%s port=%s user=postgres dbname=meridian sslmode=disable", strings.TrimSpace(lines[4]), strings.TrimSpace(lines[3]))
}

func (s *server) readyz(t *testing.T) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get("http://" + s.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// When the local PostgreSQL that serve started dies (kill -9 of the postmaster), serve brings
// it back by itself: meanwhile /readyz says PostgreSQL is not ready, with a reason that names
// no socket path; ingest keeps acknowledging (Kafka holds the events); and once it is back the
// events acknowledged during the outage are in PostgreSQL and ClickHouse, none lost.
func TestServeRestartsItsKilledPostgresAndLosesNothing(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", contractBody); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	waitCounts(t, s, map[string]float64{"eu": 1}, 30*time.Second)
	pid, dsn := localPostgres(t, dir)
	conversations := func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return 0, err
		}
		defer conn.Close(ctx)
		var n int
		err = conn.QueryRow(ctx, "SELECT count(*) FROM region_eu.conversations").Scan(&n)
		return n, err
	}

	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, checks := s.readyz(t)
		if checks["postgres"] != "ok" {
			if code != 503 || strings.Contains(checks["postgres"], "/") || strings.Contains(checks["postgres"], "user=") {
				t.Fatalf("/readyz while PostgreSQL is down: %d %v; want 503 and a reason without paths or users", code, checks)
			}
			t.Logf("/readyz while down: %v", checks)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz never reported PostgreSQL down after its postmaster was killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The same customer (its data key is cached), new conversations: acknowledged by Kafka.
	var evs []string
	for i := range 5 {
		id := fmt.Sprintf("down%d", i)
		evs = append(evs, strings.NewReplacer(`"a1"`, `"`+id+`"`, `"c1"`, `"c-`+id+`"`).Replace(strings.Trim(contractBody, "[]")))
	}
	if code, out := s.post(t, "/v1/events", testKey, "application/json", "["+strings.Join(evs, ",")+"]"); code != 202 {
		t.Fatalf("post while PostgreSQL is down: %d %v", code, out)
	}
	_, after := s.readyz(t)
	t.Logf("acknowledged %s after the kill; /readyz then: postgres %q", time.Since(killed).Round(time.Millisecond), after["postgres"])

	deadline = time.Now().Add(60 * time.Second)
	for {
		code, checks := s.readyz(t)
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL not back 60 s after the kill: /readyz %d %v", code, checks)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if newPID, _ := localPostgres(t, dir); newPID == pid {
		t.Fatalf("postmaster pid %d still in postmaster.pid", pid)
	}
	deadline = time.Now().Add(60 * time.Second)
	for {
		n, err := conversations()
		if err == nil && n == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL holds %d conversations (err %v), want the 6 acknowledged", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitCounts(t, s, map[string]float64{"eu": 6}, 30*time.Second)
	if !strings.Contains(s.logs.String(), "postgres exited unexpectedly; restarting") {
		t.Error("the restart was not logged")
	}
}
