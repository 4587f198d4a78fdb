package pglocal_test

import (
	"bufio"
	"context"
	"errors"
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
	"github.com/prometheus/client_golang/prometheus"

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
	// The server runs below the HTTP path's priority; its backends inherit it.
	pool, err := pgxpool.New(context.Background(), c.DSN())
	if err != nil {
		t.Fatal(err)
	}
	var backend int
	err = pool.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&backend)
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{postmasterPID(t, c.DataDir()), backend} {
		// getpriority(2) answers 20 - nice.
		if p, err := syscall.Getpriority(syscall.PRIO_PROCESS, pid); err != nil || 20-p != pglocal.BackgroundNice {
			t.Errorf("process %d: nice %d (%v), want %d", pid, 20-p, err, pglocal.BackgroundNice)
		}
	}
	pool.Close()
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

// TestSurvivesKills: a server whose starter was SIGKILLed is reused, and left running by Stop
// (it is not ours to stop); a server itself killed with SIGKILL (stale postmaster.pid,
// children holding shared memory) is recovered.
func TestSurvivesKills(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pg")

	// A helper process (this test binary) starts the cluster and is then killed.
	helper := startHelper(t, dir)
	_ = helper.Process.Kill()
	_ = helper.Wait()

	c := start(t, dir, pglocal.WithoutDurability())
	if !c.Reused() {
		t.Fatal("Start did not reuse the server left running by its killed starter")
	}
	exec1(t, c.DSN(), "CREATE TABLE agents (id int PRIMARY KEY, name text NOT NULL)")
	exec1(t, c.DSN(), "INSERT INTO agents VALUES (1, 'Chidi')")
	reusedPID := postmasterPID(t, c.DataDir())
	stop(t, c)
	if !alive(reusedPID) {
		t.Fatal("Stop stopped a server it did not start")
	}
	exec1(t, c.DSN(), "SELECT 1") // and it still answers
	stopByHand(t, reusedPID, c.DataDir())

	// Now kill the server itself and its starter (so no supervisor brings it back), with a
	// client connected so a backend outlives the postmaster.
	helper = startHelper(t, dir)
	pool, err := pgxpool.New(context.Background(), c.DSN()) // the stopped cluster's DSN: same directory, same socket
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = helper.Process.Kill()
	_ = helper.Wait()
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

// A server killed under a running Cluster (kill -9 of the postmaster, with clients connected)
// is started again by the cluster's supervisor: Health reports it down with a reason naming
// no path meanwhile, the restart is counted, and a pool opened before the kill works again
// afterwards with the data intact. This holds for a server the cluster started and for one it
// reused from a killed starter.
func TestSupervisorRestartsAKilledServer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pg")
	c := start(t, dir, pglocal.WithoutDurability())
	if c.Reused() {
		t.Fatal("a new cluster was reused")
	}
	exec1(t, c.DSN(), "CREATE TABLE agents (id int PRIMARY KEY, name text NOT NULL)")
	exec1(t, c.DSN(), "INSERT INTO agents VALUES (1, 'Dilnoza')")
	// Without durability a commit is acknowledged before its WAL is written: write it now.
	exec1(t, c.DSN(), "CHECKPOINT")
	pool, err := pgxpool.New(context.Background(), c.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	killAndWaitForRestart(t, c, pool, 1)

	// A second kill is handled the same way (the supervisor keeps watching the new server).
	killAndWaitForRestart(t, c, pool, 2)
	stop(t, c)
	if _, err := os.Stat(filepath.Join(c.DataDir(), "postmaster.pid")); err == nil {
		t.Fatal("the server runs after Stop: the supervisor started it again")
	}

	// A server reused from a killed starter is supervised too.
	helper := startHelper(t, dir)
	_ = helper.Process.Kill()
	_ = helper.Wait()
	c = start(t, dir, pglocal.WithoutDurability())
	if !c.Reused() {
		t.Fatal("Start did not reuse the server left running by its killed starter")
	}
	killAndWaitForRestart(t, c, pool, 3)
	stop(t, c)
}

// killAndWaitForRestart kills the cluster's postmaster with SIGKILL and waits for the
// supervisor to bring it back, checking what Health says meanwhile and the restart counter.
func killAndWaitForRestart(t *testing.T, c *pglocal.Cluster, pool *pgxpool.Pool, restartsBefore int) {
	t.Helper()
	before := restarts(t)
	pid := postmasterPID(t, c.DataDir())
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	sawDown := false
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := c.Health()
		if err != nil {
			sawDown = true
			if !errors.Is(err, pglocal.ErrDown) || strings.Contains(err.Error(), "/") {
				t.Fatalf("Health while down: %q, want ErrDown with no path", err)
			}
		} else if sawDown {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kill %d: not back after 90 s (down reported: %v, health: %v)", restartsBefore, sawDown, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := postmasterPID(t, c.DataDir()); got == pid {
		t.Fatalf("the postmaster is still pid %d", pid)
	}
	if got := restarts(t) - before; got < 1 {
		t.Fatalf("meridian_postgres_restarts_total grew by %v, want at least 1", got)
	}
	// The pool's connections died with the server; it must open new ones by itself.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var name string
	for {
		err := pool.QueryRow(ctx, "SELECT name FROM agents WHERE id = 1").Scan(&name)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the pool does not work after the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if name != "Dilnoza" {
		t.Fatalf("after the restart agent 1 is %q", name)
	}
}

func restarts(t *testing.T) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "meridian_postgres_restarts_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no meridian_postgres_restarts_total")
	return 0
}

// startHelper runs this test binary as TestMain's helper: it starts the cluster in dir, says
// READY and waits to be killed.
func startHelper(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
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
	for sc.Scan() {
		if sc.Text() == "READY" {
			return helper
		}
	}
	_ = helper.Process.Kill()
	_ = helper.Wait()
	t.Fatal("helper did not start the cluster")
	return nil
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

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// stopByHand asks a server no Cluster owns for a fast shutdown and waits until it is gone.
func stopByHand(t *testing.T, pid int, dataDir string) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dataDir, "postmaster.pid")); errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres %d still running 30 s after SIGINT", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
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
