package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A command started beside a running server on the same data directory refuses with one line
// naming the server's pid, and touches none of its engines: the server stays ready, its
// PostgreSQL is the same process, and its data is all there.
func TestASecondCommandOnAServedDataDirectoryRefusesAndLeavesTheServerAlone(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", contractBody); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	waitCounts(t, s, map[string]float64{"eu": 1}, 30*time.Second)
	pgPID, _ := localPostgres(t, dir)

	for _, args := range [][]string{
		{"forecast-refresh", "--data-dir", dir},
		{"migrate", "--data-dir", dir},
		{"serve", "--data-dir", dir, "--addr", freeAddr(t)},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, meridianBinary(t), args...)
		cmd.Env = append(os.Environ(), "MERIDIAN_API_KEYS="+testKey)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("meridian %s beside a running server: %v, want a non-zero exit\nstderr: %s", args[0], err, stderr.String())
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		want := "is in use by a running meridian (pid " + strconv.Itoa(s.cmd.Process.Pid) + ")"
		if len(lines) != 1 || !strings.Contains(lines[0], want) || !strings.Contains(lines[0], dir) {
			t.Fatalf("meridian %s wrote to stderr:\n%s\nwant one line naming %s and saying %q", args[0], stderr.String(), dir, want)
		}
		t.Logf("meridian %s: %s", args[0], lines[0])
	}

	if code, checks := s.readyz(t); code != 200 {
		t.Fatalf("/readyz after the refused commands: %d %v", code, checks)
	}
	if now, _ := localPostgres(t, dir); now != pgPID {
		t.Fatalf("the server's PostgreSQL was pid %d and is now %d", pgPID, now)
	}
	if !alive(pgPID) {
		t.Fatalf("the server's PostgreSQL (pid %d) is gone", pgPID)
	}
	waitCounts(t, s, map[string]float64{"eu": 1}, 10*time.Second)
	if strings.Contains(s.logs.String(), "postgres exited unexpectedly") {
		t.Fatalf("the server's PostgreSQL was stopped:\n%s", s.logs.String())
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }
