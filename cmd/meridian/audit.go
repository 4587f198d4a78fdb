package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal"
)

func init() {
	register(command{
		name:    "audit",
		summary: "audit verify | export --region R | anchor: prove, export or anchor the audit trail of a data directory or DATABASE_URL",
		run:     runAudit,
	})
}

const auditUsage = "usage: meridian audit verify|export|anchor [--region R] [--data-dir DIR | --database-url URL] [--residency-policy FILE] [--unrecorded]"

// errAuditInvalid is what verify returns when a chain does not hold: the exit code is 1.
var errAuditInvalid = errors.New("the audit trail is not intact")

// runAudit is `meridian audit verify` (one line per region; fails when a chain is broken),
// `meridian audit export --region R` (the region's entries as JSON lines with their hashes)
// and `meridian audit anchor` (records each region's head now). It uses PostgreSQL only: a
// database URL, or the local cluster of a data directory no server is using. verify changes
// nothing; export first appends its own entry to the region's trail (who exported it is a
// compliance fact), unless --unrecorded, for a read-only copy.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"verify", "export", "anchor"}, args[0]) {
		fmt.Fprintln(stderr, auditUsage)
		return errUsage
	}
	sub := args[0]
	fs := flag.NewFlagSet("meridian audit "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", envOr("MERIDIAN_DATA_DIR", "./var"), "the data directory of the embedded default (MERIDIAN_DATA_DIR); not while a server uses it")
	dsn := fs.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL (DATABASE_URL); empty = the data directory's local cluster")
	policy := fs.String("residency-policy", os.Getenv("MERIDIAN_RESIDENCY_POLICY"), "residency policy YAML naming the regions (MERIDIAN_RESIDENCY_POLICY; empty = the shipped default)")
	region := fs.String("region", "", "the region (export: required; verify, anchor: empty = every region)")
	unrecorded := fs.Bool("unrecorded", false, "export: do not append the export to the trail (a read-only copy of the database)")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (%s)", fs.Arg(0), auditUsage)
	}
	pol, err := models.LoadPolicy(*policy)
	if err != nil {
		return err
	}
	var regions []string
	for _, r := range pol.Regions {
		regions = append(regions, string(r))
	}
	if *region != "" {
		if !slices.Contains(regions, *region) {
			return fmt.Errorf("--region: unknown region %q (regions: %s)", *region, strings.Join(regions, ", "))
		}
		regions = []string{*region}
	} else if sub == "export" {
		return fmt.Errorf("export: give --region (one of %s)", strings.Join(regions, ", "))
	}
	db, closeDB, err := openAuditDB(ctx, *dsn, *dataDir)
	if err != nil {
		return err
	}
	defer closeDB()
	switch sub {
	case "export":
		if !*unrecorded {
			if err := recordExport(ctx, db, regions[0]); err != nil {
				return fmt.Errorf("export not recorded in %s's trail (--unrecorded for a read-only copy): %w", regions[0], err)
			}
		}
		_, err := audit.Export(ctx, db.Pool, regions[0], stdout)
		return err
	case "anchor":
		for _, r := range regions {
			a, err := audit.Anchor(ctx, db.Pool, r)
			if err != nil {
				return err
			}
			if a.Seq == 0 {
				fmt.Fprintf(stdout, "%s: empty, nothing to anchor\n", r)
				continue
			}
			fmt.Fprintf(stdout, "%s: anchored entry %d %s at %s\n", r, a.Seq, a.Hash, a.At.Format(time.RFC3339))
		}
		return nil
	}
	var invalid []string
	for _, r := range regions {
		v, err := audit.Verify(ctx, db.Pool, r)
		if err != nil {
			return err
		}
		if v.Valid {
			fmt.Fprintf(stdout, "%s: valid, %d entries\n", r, v.Entries)
			continue
		}
		invalid = append(invalid, r)
		fmt.Fprintf(stdout, "%s: INVALID from entry %d, %d entries: %s\n", r, *v.FirstInvalidEntry, v.Entries, v.Reason)
	}
	if len(invalid) > 0 {
		return fmt.Errorf("%w in %s", errAuditInvalid, strings.Join(invalid, ", "))
	}
	return nil
}

// recordExport appends the export to region's trail, naming the operating-system user and
// host the command ran as: a command line has no API key.
func recordExport(ctx context.Context, db *postgres.DB, region string) error {
	l, err := audit.New(db.Pool, audit.Options{Regions: []string{region}})
	if err != nil {
		return err
	}
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	host, _ := os.Hostname()
	_, err = l.Append(ctx, audit.Entry{Action: audit.ActionExport, Region: region, Role: "operator", From: "cli:" + who + "@" + host})
	return errors.Join(err, l.Close(ctx))
}

// openAuditDB connects to dsn, or starts the local cluster of dataDir, which it locks like a
// server would, so it never runs beside the server that owns it.
func openAuditDB(ctx context.Context, dsn, dataDir string) (*postgres.DB, func(), error) {
	if dsn != "" {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	}
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres")); err != nil {
		return nil, nil, fmt.Errorf("no local PostgreSQL in %s (give --data-dir or --database-url): %w", dataDir, err)
	}
	unlock, err := lockDataDir(dir, dataDir)
	if err != nil {
		return nil, nil, err
	}
	c, err := pglocal.Start(ctx, filepath.Join(dir, "postgres"), slog.New(slog.DiscardHandler), pglocal.WithStopOnParentExit())
	if err != nil {
		unlock()
		return nil, nil, fmt.Errorf("local PostgreSQL: %w", err)
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Stop(sctx)
		unlock()
	}
	db, err := postgres.Open(ctx, c.DSN())
	if err != nil {
		stop()
		return nil, nil, err
	}
	return db, func() { db.Close(); stop() }, nil
}
