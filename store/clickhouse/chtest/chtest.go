// Package chtest runs a package's tests against ClickHouse in-process (chDB). chDB allows one
// data path per process, so a test binary opens it once, in TestMain, through Main.
package chtest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Main opens chDB in a temporary directory, migrates the regions' databases, calls setup
// (which keeps the DB and stores fixtures), runs the tests, cleans up and exits.
func Main(m *testing.M, regions []string, setup func(ctx context.Context, db clickhouse.DB) error) {
	os.Exit(run(m, regions, setup))
}

func run(m *testing.M, regions []string, setup func(ctx context.Context, db clickhouse.DB) error) int {
	dir, err := os.MkdirTemp("", "chtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	db, err := clickhouse.OpenChDB(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	ctx := context.Background()
	for _, r := range regions {
		if _, err := clickhouse.Migrate(ctx, db, clickhouse.Layout{DB: clickhouse.Database(r)}); err != nil {
			fmt.Fprintf(os.Stderr, "chtest: migrate %s: %v\n", r, err)
			return 1
		}
	}
	if err := setup(ctx, db); err != nil {
		fmt.Fprintf(os.Stderr, "chtest: set-up: %v\n", err)
		return 1
	}
	return m.Run()
}
