// Package chdblib finds libchdb.so for chdb-go before chdb-go loads it.
//
// chdb-go loads the library in its package initialiser, from $CHDB_LIB_PATH or else from
// machine-wide places (the dynamic loader's path, /usr/local/lib); a machine-wide link would
// tie every checkout's binary to the library of whichever checkout made it. This package sets
// CHDB_LIB_PATH first, to the first of:
//
//  1. $CHDB_LIB_PATH, if set;
//  2. libchdb.so next to the executable;
//  3. .engines/chdb/libchdb.so in the executable's checkout (bin/meridian → ../.engines);
//  4. .engines/chdb/libchdb.so in the working directory or the nearest parent that has one
//     (go test and go run build their binaries in a temporary directory).
//
// If none exists the process stops with one line naming CHDB_LIB_PATH and scripts/setup.sh.
//
// It runs before chdb-go's initialiser by Go's package initialisation order (the spec, since
// Go 1.21: packages sorted by import path, each initialised once its imports are): it imports
// only packages that os/exec imports, so it is ready no later than os/exec, which chdb-go
// needs, and its path sorts before "os/exec". Hence no fmt here. TestLibraryFoundBesideTheBinary
// (cmd/meridian) checks the library actually loaded.
package chdblib

import (
	"os"
	"path/filepath"
	"strings"
)

// Env is the variable chdb-go reads the library's path from.
const Env = "CHDB_LIB_PATH"

const (
	libName   = "libchdb.so"
	engineDir = ".engines/chdb"
	setupHint = "scripts/setup.sh"
)

var path, source string

func init() {
	exe, _ := os.Executable()
	cwd, _ := os.Getwd()
	var err error
	path, source, err = find(os.Getenv(Env), exe, cwd)
	if err != nil {
		os.Stderr.WriteString(filepath.Base(os.Args[0]) + ": " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Setenv(Env, path)
}

// Path is the library chdb-go was pointed at; source says how it was found.
func Path() (string, string) { return path, source }

type notFound string

func (e notFound) Error() string { return string(e) }

// find applies the search order of the package comment.
func find(env, exe, cwd string) (path, source string, err error) {
	if env != "" {
		if !isFile(env) {
			return "", "", notFound(Env + "=" + env + " is not a file; point it at libchdb.so or unset it to use the checkout's (" + setupHint + " fetches it into " + engineDir + ")")
		}
		return env, Env, nil
	}
	var looked []string
	if exe != "" {
		dir := filepath.Dir(exe)
		for _, c := range []struct{ path, source string }{
			{filepath.Join(dir, libName), "next to the executable"},
			{filepath.Join(filepath.Dir(dir), engineDir, libName), "the executable's checkout"},
		} {
			if isFile(c.path) {
				return c.path, c.source, nil
			}
			looked = append(looked, c.path)
		}
	}
	if cwd != "" {
		for dir := cwd; ; dir = filepath.Dir(dir) {
			if p := filepath.Join(dir, engineDir, libName); isFile(p) {
				return p, "the working directory's checkout", nil
			}
			if dir == filepath.Dir(dir) {
				break
			}
		}
		looked = append(looked, engineDir+" in "+cwd+" and its parents")
	}
	return "", "", notFound("libchdb.so (chDB) not found: set " + Env + " to its path, or run " + setupHint +
		" in the Meridian checkout (it fetches " + engineDir + "/" + libName + "); looked at " + strings.Join(looked, ", "))
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// Loaded returns the path of the libchdb.so this process has mapped ("" if none), as the
// kernel names it (symbolic links resolved): what was loaded, whatever was asked for.
func Loaded() string {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(line, '/'); i >= 0 && filepath.Base(line[i:]) == libName {
			return line[i:]
		}
	}
	return ""
}
