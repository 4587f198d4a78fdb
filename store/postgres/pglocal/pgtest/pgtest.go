// Package pgtest gives each test its own PostgreSQL database on a real server: one local
// cluster (pglocal) per test binary, started on first use and shared, with a fresh database per
// call, so tests are isolated without paying for an initdb each.
//
// When PostgreSQL is not installed the test fails, and says to run scripts/install-postgres.sh:
// a skipped database test would hide the very problems it exists to catch.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-cs/meridian/store/postgres/pglocal"
)

// dirPrefix names the per-test-binary cluster directories under os.TempDir().
const dirPrefix = "meridian-pgtest-"

var (
	once     sync.Once
	cluster  *pglocal.Cluster
	admin    *pgxpool.Pool
	startErr error
	counter  atomic.Int64
)

// StartForTest returns the DSN of a new, empty database on the test binary's shared cluster,
// dropped when the test ends. The cluster runs without fsync (a throwaway) and shuts down when
// the test binary exits; directories left by earlier test binaries are removed.
func StartForTest(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if startErr != nil {
		t.Fatalf("pgtest: %v", startErr)
	}
	name := databaseName(t.Name(), counter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: a test that forgot to close its pool must not make the drop fail.
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: dropping database %s: %v", name, err)
		}
	})
	return cluster.DSNFor(name)
}

func start() {
	removeStale()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		startErr = err
		return
	}
	// The cluster's service user (when running as root) must be able to enter dir.
	_ = os.Chmod(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		startErr = err
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cluster, startErr = pglocal.Start(ctx, filepath.Join(dir, "data"), nil,
		pglocal.WithoutDurability(), pglocal.WithStopOnParentExit())
	if startErr != nil {
		return
	}
	admin, startErr = pgxpool.New(ctx, cluster.DSNFor("postgres"))
}

// removeStale deletes cluster directories whose test binary has exited (its server stopped
// with it, through WithStopOnParentExit).
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			// Being created by another test binary right now, or broken: leave recent ones.
			if st, err := os.Stat(dir); err == nil && time.Since(st.ModTime()) > time.Hour {
				_ = os.RemoveAll(dir)
			}
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if pid > 0 && syscall.Kill(pid, 0) == nil {
			continue
		}
		if pm, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			line, _, _ := strings.Cut(string(pm), "\n")
			if p, _ := strconv.Atoi(strings.TrimSpace(line)); p > 0 && syscall.Kill(p, 0) == nil {
				continue // its server is still shutting down; next run removes it
			}
		}
		_ = os.RemoveAll(dir)
	}
}

// databaseName makes a valid, unique, recognisable database name from a test name.
func databaseName(test string, n int64) string {
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return fmt.Sprintf("t_%s_%d", b.String(), n)
}
