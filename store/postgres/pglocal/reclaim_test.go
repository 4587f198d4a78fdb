package pglocal

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// A relocated cluster goes once its directory is deleted, unless its server still runs; one
// whose directory is still there stays.
func TestRelocatedClustersOfDeletedDirectoriesAreReclaimed(t *testing.T) {
	root, dirs := t.TempDir(), t.TempDir()
	relocate := func(name string) (dir, data string) {
		dir, data = filepath.Join(dirs, name), filepath.Join(root, name)
		for _, d := range []string{dir, data} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		must(t, os.WriteFile(filepath.Join(data, "PG_VERSION"), []byte("17\n"), 0o644))
		must(t, os.WriteFile(data+originSuffix, []byte(dir+"\n"), 0o644))
		must(t, os.WriteFile(filepath.Join(dir, pointerFile), []byte(data+"\n"), 0o644))
		return dir, data
	}
	_, kept := relocate("kept")
	gone, orphan := relocate("deleted")
	running, live := relocate("running")
	must(t, os.RemoveAll(gone))
	must(t, os.RemoveAll(running))
	// This test's own process stands in for a live postmaster.
	must(t, os.WriteFile(filepath.Join(live, "postmaster.pid"), []byte(strconv.Itoa(os.Getpid())+"\n"+live+"\n"), 0o600))

	if n := reclaimOrphans(root); n != 1 {
		t.Fatalf("reclaimed %d clusters, want 1", n)
	}
	for _, c := range []struct {
		data string
		want bool
	}{{kept, true}, {live, true}, {orphan, false}} {
		if got := fileExists(filepath.Join(c.data, "PG_VERSION")); got != c.want {
			t.Errorf("%s still there: %v, want %v", c.data, got, c.want)
		}
		if got := fileExists(c.data + originSuffix); got != c.want {
			t.Errorf("%s%s still there: %v, want %v", c.data, originSuffix, got, c.want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
