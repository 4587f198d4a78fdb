package clickhouse

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/models"
)

func TestMigrateFromEmptyThenInsertCountsEachIDOnce(t *testing.T) {
	ctx := context.Background()
	db, err := OpenChDB(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := Layout{DB: Database("eu")}
	n, err := Migrate(ctx, db, l)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := Migrations()
	if n != len(ms) {
		t.Fatalf("applied %d migrations on an empty database, want %d", n, len(ms))
	}
	if again, err := Migrate(ctx, db, l); err != nil || again != 0 {
		t.Fatalf("second migrate applied %d (err %v), want 0", again, err)
	}
	rows := `{"tenant":"t","id":"a","type":"message.received","occurred_at":"2026-11-20 10:00:00","received_at":"2026-11-20 10:00:01","channel":"whatsapp","text":"it's"}
{"tenant":"t","id":"b","type":"message.received","occurred_at":"2026-11-20 10:00:00","received_at":"2026-11-20 10:00:01","channel":"whatsapp"}
`
	// The second insert replays the first, as a sink does after a crash before its commit.
	for i := 0; i < 2; i++ {
		if err := db.Insert(ctx, l.DB+".events", "JSONEachRow", []byte(rows)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := db.Query(ctx, "SELECT count(), any(text) FROM "+l.DB+".events FINAL WHERE id = 'a' OR id = 'b'")
	if err != nil {
		t.Fatal(err)
	}
	if got := Float(res.Rows[0][0]); got != 2 {
		t.Fatalf("count after a replayed insert = %v, want 2", got)
	}
	if err := db.Exec(ctx, "SELECT no_such_column FROM "+l.DB+".events"); err == nil || !strings.Contains(err.Error(), "no_such_column") {
		t.Fatalf("a bad query gave %v, want an error naming the column", err)
	}
}

func TestLayoutRendersClusterDDL(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := ms[0].Statements(Layout{DB: "meridian_eu", Cluster: "meridian"})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(stmts, "\n")
	for _, want := range []string{
		"meridian_eu.events_local ON CLUSTER meridian",
		"ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meridian_eu/events', '{replica}', inserted_at)",
		"ENGINE = Distributed('meridian', 'meridian_eu', 'events_local'",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("cluster DDL lacks %q:\n%s", want, all)
		}
	}
	single, _ := ms[0].Statements(Layout{DB: "meridian_eu"})
	if s := strings.Join(single, "\n"); strings.Contains(s, "Replicated") || strings.Contains(s, "Distributed") {
		t.Errorf("single-node DDL mentions replication:\n%s", s)
	}
}

func TestQuoteEscapesQuotesAndBackslashes(t *testing.T) {
	if got := Quote(`it's a \ test`); got != `'it\'s a \\ test'` {
		t.Fatalf("Quote = %s", got)
	}
}

func TestEventWriterKeepsEveryCharacterOfTextAndAttributes(t *testing.T) {
	ctx := context.Background()
	db, err := OpenChDB(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Migrate(ctx, db, Layout{DB: Database("sea")}); err != nil {
		t.Fatal(err)
	}
	tricky := "tab\there\nnew line \\ back'slash \r\x00 null, ราคา 价格 😀 {'x':1}"
	score := 4.5
	e := models.Event{ID: "x1", Type: models.FeedbackCSAT, Tenant: "t", Region: "sea", Version: 1,
		OccurredAt: time.Date(2026, 11, 20, 10, 0, 0, 123e6, time.UTC), ReceivedAt: time.Now(), ConversationID: "c1",
		Customer: &models.Customer{Country: "TH"}, Score: &score, Text: tricky,
		Attributes: map[string]string{"k'1": tricky, "plain": "v"}}
	w := &EventWriter{DB: db, Region: "sea"}
	if _, err := w.StoreEvents(ctx, []models.Event{e}); err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, "SELECT text, attributes['k\\'1'], attributes['plain'], score, sentiment IS NULL, toUnixTimestamp64Milli(occurred_at) FROM meridian_sea.events")
	if err != nil {
		t.Fatal(err)
	}
	row := res.Rows[0]
	if String(row[0]) != tricky || String(row[1]) != tricky || String(row[2]) != "v" {
		t.Fatalf("text or attributes changed on the way in:\n%q\n%q\n%q", row[0], row[1], row[2])
	}
	if Float(row[3]) != 4.5 || Float(row[4]) != 1 || Float(row[5]) != float64(e.OccurredAt.UnixMilli()) {
		t.Fatalf("score, null sentiment or time changed: %v", row[3:])
	}
}
