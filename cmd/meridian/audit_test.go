package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
)

// auditFixture migrates the database at dsn for the shipped regions and appends n entries to
// eu's trail, anchored at the end.
func auditFixture(t *testing.T, dsn string, n int) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx, []string{"eu", "us", "sea"}); err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(db.Pool, audit.Options{Regions: []string{"eu", "us", "sea"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := l.Append(ctx, audit.Entry{Tenant: "default", Role: "admin", Action: audit.ActionUpsertAgent, Region: "eu", Subject: fmt.Sprintf("agent_%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// verify and export use a DATABASE_URL; verify exits 1 naming the first bad entry once the
// log is tampered with, export records itself in the trail and writes every entry with its
// hashes (--unrecorded leaves the trail alone).
func TestAuditVerifyFailsOnATamperedLogAndExportHasTheHashes(t *testing.T) {
	dsn := pgtest.StartForTest(t)
	db := auditFixture(t, dsn, 6)
	code, out, errOut := runCLI(t, "audit", "verify", "--database-url", dsn)
	if code != 0 || !strings.Contains(out, "eu: valid, 6 entries") || !strings.Contains(out, "us: valid, 0 entries") || strings.Count(out, "\n") != 3 {
		t.Fatalf("intact: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "audit", "export", "--region", "eu", "--database-url", dsn)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last audit.Entry
	if code != 0 || len(lines) != 7 || json.Unmarshal([]byte(lines[6]), &last) != nil || last.Seq != 7 || len(last.Hash) != 64 || len(last.PrevHash) != 64 ||
		last.Action != audit.ActionExport || last.Role != "operator" || !strings.HasPrefix(last.From, "cli:") {
		t.Fatalf("export: exit %d\n%s", code, out)
	}
	if code, out, _ = runCLI(t, "audit", "export", "--unrecorded", "--region", "eu", "--database-url", dsn); code != 0 || strings.Count(out, "\n") != 7 {
		t.Fatalf("export --unrecorded: exit %d\n%s", code, out)
	}
	if code, out, _ = runCLI(t, "audit", "verify", "--region", "eu", "--database-url", dsn); code != 0 || !strings.Contains(out, "eu: valid, 7 entries") {
		t.Fatalf("after the exports: exit %d\n%s", code, out)
	}
	if _, err := db.Pool.Exec(context.Background(), `DELETE FROM region_eu.audit_log WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "audit", "verify", "--database-url", dsn)
	if code == 0 || !strings.Contains(out, "eu: INVALID from entry 3") || !strings.Contains(out, "sea: valid") || !strings.Contains(errOut, "not intact in eu") {
		t.Fatalf("tampered: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "audit", "export", "--database-url", dsn); code == 0 || !strings.Contains(errOut, "give --region") {
		t.Errorf("export without a region: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "audit", "verify", "--region", "mars", "--database-url", dsn); code == 0 || !strings.Contains(errOut, `unknown region "mars"`) {
		t.Errorf("unknown region: exit %d %s", code, errOut)
	}
}

// On the embedded default the command starts the data directory's own cluster; a tail cut
// off (with the head moved back, as an attacker would) is caught by the anchor.
func TestAuditVerifyOnADataDirectoryCatchesATruncatedTail(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, err := pglocal.Start(ctx, filepath.Join(dir, "postgres"), nil, pglocal.WithStopOnParentExit())
	if err != nil {
		t.Fatal(err)
	}
	db := auditFixture(t, c.DSN(), 5)
	if _, err := db.Pool.Exec(ctx, `DELETE FROM region_eu.audit_log WHERE seq > 3;
		UPDATE region_eu.audit_head SET seq = 3, hash = (SELECT hash FROM region_eu.audit_log WHERE seq = 3)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "audit", "verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "eu: INVALID from entry 4, 3 entries") || !strings.Contains(out, "anchor") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}
