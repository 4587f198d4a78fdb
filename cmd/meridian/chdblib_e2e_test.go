package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Without CHDB_LIB_PATH the binary loads the libchdb.so of its own checkout (bin/meridian →
// ../.engines/chdb), not one found machine-wide; with none to find it stops with one line
// saying what to do.
func TestLibraryFoundBesideTheBinary(t *testing.T) {
	// chdblib set it in this test process too (from the environment or this checkout).
	real, err := filepath.EvalSymlinks(os.Getenv("CHDB_LIB_PATH"))
	if err != nil {
		t.Fatal(err)
	}
	// A checkout of its own: bin/meridian and .engines/chdb/libchdb.so, hard links so the
	// kernel names the library by this path (a symbolic link would resolve to the original).
	checkout := t.TempDir()
	for _, d := range []string{"bin", ".engines/chdb"} {
		if err := os.MkdirAll(filepath.Join(checkout, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	lib := filepath.Join(checkout, ".engines/chdb/libchdb.so")
	if err := os.Link(real, lib); err != nil {
		t.Skipf("cannot hard-link %s into %s (another file system?): %v", real, checkout, err)
	}
	bin := filepath.Join(checkout, "bin/meridian")
	if err := os.Link(meridianBinary(t), bin); err != nil {
		t.Fatal(err)
	}
	run := func(bin, dir string) (string, error) {
		cmd := exec.Command(bin, "version")
		cmd.Dir = dir
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "CHDB_LIB_PATH=") && !strings.HasPrefix(kv, "LD_LIBRARY_PATH=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	elsewhere := t.TempDir()
	out, err := run(bin, elsewhere)
	if err != nil || !strings.Contains(out, "libchdb.so "+lib+" (found: the executable's checkout)") {
		t.Fatalf("%s version in %s: %v\n%s\nwant it to load %s", bin, elsewhere, err, out, lib)
	}

	alone := filepath.Join(t.TempDir(), "meridian")
	if err := os.Link(bin, alone); err != nil {
		t.Fatal(err)
	}
	out, err = run(alone, elsewhere)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err == nil || len(lines) != 1 || !strings.Contains(out, "CHDB_LIB_PATH") || !strings.Contains(out, "scripts/setup.sh") {
		t.Fatalf("a binary with no library to find: %v\n%s\nwant a non-zero exit and one line naming CHDB_LIB_PATH and scripts/setup.sh", err, out)
	}
}
