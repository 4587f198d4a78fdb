package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFile, in the data directory, is held (flock) by the one process that owns it.
const lockFile = "meridian.lock"

// errDataDirInUse is what a command gets when another meridian owns its data directory.
var errDataDirInUse = errors.New("data directory in use")

// dataDirInUseError names the directory as the user gave it and the owner's pid.
type dataDirInUseError struct {
	dir string
	pid int
}

func (e *dataDirInUseError) Error() string {
	owner := "a running meridian"
	if e.pid > 0 {
		owner = fmt.Sprintf("a running meridian (pid %d)", e.pid)
	}
	return fmt.Sprintf("data directory %s is in use by %s; run this against that server or stop it first", e.dir, owner)
}

func (e *dataDirInUseError) Unwrap() error { return errDataDirInUse }

// lockDataDir makes this process the only one using dir: the embedded broker, chDB and the
// local PostgreSQL each assume a single owner, and a second process opening them would fail
// half-way or stop the first one's server. The lock is an flock, so the kernel drops it when
// the process dies however it ends, and a crashed owner never leaves a stale lock. shown is
// how the error names the directory (the user's spelling, e.g. ./var).
func lockDataDir(dir, shown string) (release func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b, _ := os.ReadFile(f.Name())
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return nil, &dataDirInUseError{dir: shown, pid: pid}
		}
		return nil, fmt.Errorf("data directory lock %s: %w", f.Name(), err)
	}
	// The pid is only for the message above; the lock itself is what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { _ = f.Close() }, nil // closing the last descriptor releases the flock
}
