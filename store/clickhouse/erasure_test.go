package clickhouse

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// filesWith lists the files under dir that contain s.
func filesWith(t *testing.T, dir, s string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(s)) {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// An erased customer's events keep their counts but lose their text and id, and the parts
// that held the text are gone from disk when EraseCustomer returns; another customer's events
// are untouched.
func TestEraseCustomerRewritesTheEventsAndRemovesTheReplacedParts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := OpenChDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := Layout{DB: Database("eu")}
	if _, err := Migrate(ctx, db, l); err != nil {
		t.Fatal(err)
	}
	// Two inserts, two parts, as two sink batches make.
	for _, rows := range []string{
		`{"tenant":"t","id":"a1","type":"message.received","occurred_at":"2026-11-20 10:00:00","received_at":"2026-11-20 10:00:01","channel":"whatsapp","customer_id":"cus_ana","text":"mein Konto ist ana.weber@example.de","attributes":{"subject":"Konto 5512"}}
{"tenant":"t","id":"b1","type":"message.received","occurred_at":"2026-11-20 10:00:00","received_at":"2026-11-20 10:00:01","channel":"whatsapp","customer_id":"cus_bo","text":"Rechnung 7781 fehlt"}
`,
		`{"tenant":"t","id":"a2","type":"message.received","occurred_at":"2026-11-20 11:00:00","received_at":"2026-11-20 11:00:01","channel":"email","customer_id":"cus_ana_old","text":"Telefon +49 151 23456789"}
`} {
		if err := db.Insert(ctx, l.DB+".events", "JSONEachRow", []byte(rows)); err != nil {
			t.Fatal(err)
		}
	}
	if len(filesWith(t, dir, "ana.weber@example.de")) == 0 {
		t.Fatal("the text is not readable in the parts before the erasure: the scan proves nothing")
	}
	start := time.Now()
	n, err := EraseCustomer(ctx, db, "", "eu", "t", []string{"cus_ana", "cus_ana_old"}, "erased_1")
	if err != nil || n != 2 {
		t.Fatalf("EraseCustomer = %d, %v; want 2 events", n, err)
	}
	t.Logf("erased in %s", time.Since(start).Round(time.Millisecond))
	if left, err := CustomerResidue(ctx, db, "eu", "t", []string{"cus_ana", "cus_ana_old"}); err != nil || left != 0 {
		t.Fatalf("residue %d, %v", left, err)
	}
	for _, s := range []string{"ana.weber@example.de", "151 23456789", "Konto 5512"} {
		if fs := filesWith(t, dir, s); len(fs) > 0 {
			t.Errorf("%q still readable in %v", s, fs)
		}
	}
	if len(filesWith(t, dir, "Rechnung 7781 fehlt")) == 0 {
		t.Error("the other customer's text is gone")
	}
	res, err := db.Query(ctx, "SELECT id, customer_id, text, length(attributes) FROM "+l.DB+".events FINAL ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	want := "[[a1 erased_1  0] [a2 erased_1  0] [b1 cus_bo Rechnung 7781 fehlt 0]]"
	if got := fmtRows(res.Rows); got != want {
		t.Fatalf("events after the erasure: %s, want %s", got, want)
	}
	// The table's parts are kept the usual time again.
	set, err := db.Query(ctx, "SELECT create_table_query FROM system.tables WHERE database = "+Quote(l.DB)+" AND name = 'events'")
	if err != nil || bytes.Contains([]byte(String(set.Rows[0][0])), []byte("old_parts_lifetime")) {
		t.Fatalf("old_parts_lifetime left set: %v %v", set, err)
	}
}

func fmtRows(rows [][]any) string {
	var b bytes.Buffer
	b.WriteString("[")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("[")
		for j, c := range r {
			if j > 0 {
				b.WriteString(" ")
			}
			b.WriteString(String(c))
		}
		b.WriteString("]")
	}
	b.WriteString("]")
	return b.String()
}

// Migration 0006 re-attaches the events table on one node only: on a cluster other servers
// may be writing to it.
func TestTheCleanupMigrationReattachesOnlyOnOneNode(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var m *Migration
	for i := range ms {
		if ms[i].Version == 6 {
			m = &ms[i]
		}
	}
	if m == nil {
		t.Fatal("no migration 0006")
	}
	for _, c := range []struct {
		l      Layout
		want   string
		detach bool
	}{
		{Layout{DB: "meridian_eu"}, "ALTER TABLE meridian_eu.events  MODIFY SETTING cleanup_delay_period = 1", true},
		{Layout{DB: "meridian_eu", Cluster: "meridian"}, "ALTER TABLE meridian_eu.events_local ON CLUSTER meridian MODIFY SETTING cleanup_delay_period = 1", false},
	} {
		stmts, err := m.Statements(c.l)
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(stmts, "\n")
		if !strings.Contains(all, c.want) || strings.Contains(all, "DETACH TABLE meridian_eu.events") != c.detach {
			t.Errorf("%+v:\n%s", c.l, all)
		}
	}
}
