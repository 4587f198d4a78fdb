package pglocal_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-cs/meridian/store/postgres/pglocal"
)

// start starts a cluster with the test's options; only TestRestartKeepsData keeps the
// durable defaults (initdb's sync alone can take seconds on a busy disk).
func start(t *testing.T, dir string, opts ...pglocal.Option) *pglocal.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pglocal.Start(ctx, dir, slog.New(slog.NewTextHandler(t.Output(), nil)), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	if c.DataDir() != dir {
		t.Cleanup(func() { _ = os.RemoveAll(c.DataDir()) }) // relocated (root, unreachable dir)
	}
	return c
}

func stop(t *testing.T, c *pglocal.Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func exec1(t *testing.T, dsn string, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func names(t *testing.T, dsn string) []string {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	rows, err := pool.Query(ctx, "SELECT name FROM agents ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRestartKeepsData: data written before Stop is there after Start on the same directory.
// Run as root with a t.TempDir() (0700 parents), it also covers the relocated data directory.
func TestRestartKeepsData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pg")
	c := start(t, dir)
	exec1(t, c.DSN(), "CREATE TABLE agents (id int PRIMARY KEY, name text NOT NULL)")
	exec1(t, c.DSN(), "INSERT INTO agents VALUES (1, 'Aiko'), (2, 'Björn')")
	if got := names(t, c.DSN()); strings.Join(got, ",") != "Aiko,Björn" {
		t.Fatalf("before restart: %v", got)
	}
	stop(t, c)

	c = start(t, dir)
	if c.Reused() {
		t.Fatal("Start reused a server that was stopped")
	}
	if got := names(t, c.DSN()); strings.Join(got, ",") != "Aiko,Björn" {
		t.Fatalf("after restart: %v", got)
	}
	stop(t, c)
}

// TestRootRunsAsServiceUser: as root, the server runs as an unprivileged user that owns the
// data directory, here kept in dir itself because its parents are reachable.
func TestRootRunsAsServiceUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only meaningful as root")
	}
	parent, err := os.MkdirTemp("", "pglocal-root-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "pg")
	c := start(t, dir, pglocal.WithoutDurability())
	if c.DataDir() != dir {
		t.Fatalf("data relocated to %s although %s is reachable", c.DataDir(), dir)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Sys().(*syscall.Stat_t).Uid == 0 {
		t.Fatal("data directory still owned by root")
	}
	pid := postmasterPID(t, dir)
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Uid:") && strings.Fields(line)[1] == "0" {
			t.Fatal("postgres runs as root")
		}
	}
	exec1(t, c.DSN(), "CREATE TABLE t (x int)")
}

// TestSurvivesKills: a server whose starter was SIGKILLed is reused; a server itself killed
// with SIGKILL (stale postmaster.pid, children holding shared memory) is recovered.
func TestSurvivesKills(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pg")

	// A helper process (this test binary) starts the cluster and is then killed.
	helper := exec.Command(os.Args[0])
	helper.Env = append(os.Environ(), "PGLOCAL_HELPER_DIR="+dir)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	helper.Stderr = os.Stderr
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	ready := false
	for sc.Scan() {
		if sc.Text() == "READY" {
			ready = true
			break
		}
	}
	if !ready {
		_ = helper.Process.Kill()
		_ = helper.Wait()
		t.Fatal("helper did not start the cluster")
	}
	_ = helper.Process.Kill()
	_ = helper.Wait()

	c := start(t, dir, pglocal.WithoutDurability())
	if !c.Reused() {
		t.Fatal("Start did not reuse the server left running by its killed starter")
	}
	exec1(t, c.DSN(), "CREATE TABLE agents (id int PRIMARY KEY, name text NOT NULL)")
	exec1(t, c.DSN(), "INSERT INTO agents VALUES (1, 'Chidi')")
	stop(t, c)
	if _, err := os.Stat(filepath.Join(c.DataDir(), "postmaster.pid")); err == nil {
		t.Fatal("reused server still running after Stop")
	}

	// Now kill the server itself, with a client connected so a backend outlives it.
	c = start(t, dir, pglocal.WithoutDurability())
	pool, err := pgxpool.New(context.Background(), c.DSN())
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(postmasterPID(t, c.DataDir()), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	c = start(t, dir, pglocal.WithoutDurability())
	if got := names(t, c.DSN()); strings.Join(got, ",") != "Chidi" {
		t.Fatalf("after kill -9: %v", got)
	}
	stop(t, c)
}

// TestMain doubles as TestSurvivesKills's helper process: with PGLOCAL_HELPER_DIR set, it
// starts a cluster there, says READY and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PGLOCAL_HELPER_DIR"); dir != "" {
		logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
		if _, err := pglocal.Start(context.Background(), dir, logger, pglocal.WithoutDurability()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("READY")
		time.Sleep(time.Minute) // killed by the parent test
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func postmasterPID(t *testing.T, dataDir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}
