package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/meridian-cs/meridian/store/clickhouse/chdblib"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func init() {
	register(command{name: "version", summary: "print the version", run: func(_ context.Context, _ []string, stdout, _ io.Writer) error {
		rev := ""
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					rev = " " + s.Value
				}
			}
		}
		fmt.Fprintf(stdout, "meridian %s%s\n", version, rev)
		// What was loaded, as the kernel names it: which checkout's library this binary uses.
		_, source := chdblib.Path()
		fmt.Fprintf(stdout, "libchdb.so %s (found: %s)\n", chdblib.Loaded(), source)
		return nil
	}})
}
