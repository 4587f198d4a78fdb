package chdblib

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindSearchOrder(t *testing.T) {
	root := t.TempDir()
	touch := func(p string) string {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	beside := touch("a/bin/libchdb.so")
	checkout := touch("b/.engines/chdb/libchdb.so")
	touch("b/bin/meridian")
	work := touch("c/.engines/chdb/libchdb.so")
	env := touch("d/libchdb.so")
	if err := os.MkdirAll(filepath.Join(root, "c/cmd/meridian"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ env, exe, cwd, want string }{
		{env, filepath.Join(root, "a/bin/meridian"), filepath.Join(root, "c"), env},
		{"", filepath.Join(root, "a/bin/meridian"), filepath.Join(root, "c"), beside},
		{"", filepath.Join(root, "b/bin/meridian"), filepath.Join(root, "c"), checkout},
		{"", filepath.Join(root, "tmp/go-build/meridian.test"), filepath.Join(root, "c/cmd/meridian"), work},
	} {
		got, source, err := find(c.env, c.exe, c.cwd)
		if err != nil || got != c.want {
			t.Errorf("find(%q, %q, %q) = %q, %v; want %q", c.env, c.exe, c.cwd, got, err, c.want)
		}
		t.Logf("%s: %s", source, got)
	}
	for _, c := range []struct{ env, exe, cwd string }{
		{"", filepath.Join(root, "tmp/meridian"), root},
		{filepath.Join(root, "nowhere/libchdb.so"), filepath.Join(root, "a/bin/meridian"), root},
	} {
		_, _, err := find(c.env, c.exe, c.cwd)
		if err == nil || !strings.Contains(err.Error(), "CHDB_LIB_PATH") || !strings.Contains(err.Error(), "scripts/setup.sh") || strings.Contains(err.Error(), "\n") {
			t.Errorf("find(%q, %q, %q): %v; want one line naming CHDB_LIB_PATH and scripts/setup.sh", c.env, c.exe, c.cwd, err)
		}
	}
}
