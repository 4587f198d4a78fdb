package retention_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/compliance/retention"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chtest"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
)

var (
	ch      clickhouse.DB
	regions = []string{"eu", "us"}
)

func TestMain(m *testing.M) {
	chtest.Main(m, regions, func(_ context.Context, db clickhouse.DB) error { ch = db; return nil })
}

// now is the run's time: German conversation records older than 2026-06-07 12:00 go.
var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func monthsAgo(n int) time.Time { return now.AddDate(0, -n, 0) }

type holds map[string][]string

func (h holds) Held(_ context.Context, region string) ([]string, error) { return h[region], nil }

// event rows of the events table, as JSONEachRow.
func insertEvents(t *testing.T, region string, rows []map[string]any) {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		r["tenant"] = "t1"
		r["occurred_at"] = r["occurred_at"].(time.Time).Format("2006-01-02 15:04:05.000")
		r["received_at"] = r["occurred_at"]
		j, _ := json.Marshal(r)
		b.Write(j)
		b.WriteByte('\n')
	}
	if err := ch.Insert(context.Background(), clickhouse.Database(region)+".events", "JSONEachRow", []byte(b.String())); err != nil {
		t.Fatal(err)
	}
}

func eventIDs(t *testing.T, region string) []string {
	t.Helper()
	res, err := ch.Query(context.Background(), "SELECT id FROM "+clickhouse.Database(region)+".events WHERE tenant = 't1' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, clickhouse.String(r[0]))
	}
	return out
}

func pgIDs(t *testing.T, db *postgres.DB, sql string) string {
	t.Helper()
	var ids []string
	rows, err := db.Pool.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return strings.Join(ids, " ")
}

// Retention on events dated months back, on chDB and PostgreSQL: German conversation records
// older than 6 months are gone, newer ones, other countries' and a held customer's are kept.
func TestApplyCutsGermanRecordsOlderThanSixMonths(t *testing.T) {
	ctx := context.Background()
	insertEvents(t, "eu", []map[string]any{
		{"id": "de-old-msg", "type": "message.received", "country": "DE", "customer_id": "cu-de", "conversation_id": "c-de-old", "text": "Wo ist meine Bestellung?", "occurred_at": monthsAgo(8)},
		{"id": "de-old-note", "type": "note.added", "country": "DE", "customer_id": "cu-de", "conversation_id": "c-de-old", "text": "called back", "occurred_at": monthsAgo(7)},
		{"id": "de-edge-kept", "type": "message.received", "country": "DE", "customer_id": "cu-de", "conversation_id": "c-de-new", "occurred_at": monthsAgo(6).Add(time.Minute)},
		{"id": "de-new-msg", "type": "message.received", "country": "DE", "customer_id": "cu-de", "conversation_id": "c-de-new", "occurred_at": monthsAgo(2)},
		{"id": "de-held-msg", "type": "message.received", "country": "DE", "customer_id": "cu-held", "conversation_id": "c-held", "occurred_at": monthsAgo(9)},
		{"id": "fr-old-msg", "type": "message.received", "country": "FR", "customer_id": "cu-fr", "conversation_id": "c-fr-old", "occurred_at": monthsAgo(8)},
		{"id": "fr-ancient-msg", "type": "message.received", "country": "FR", "customer_id": "cu-fr", "conversation_id": "c-fr-anc", "occurred_at": monthsAgo(40)},
	})
	insertEvents(t, "us", []map[string]any{
		{"id": "us-old-msg", "type": "message.received", "country": "US", "customer_id": "cu-us", "conversation_id": "c-us", "occurred_at": monthsAgo(8)},
	})

	pg, err := postgres.Open(ctx, pgtest.StartForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, err := pg.Migrate(ctx, regions); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pg.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	for _, c := range []struct{ id, country string }{{"cu-de", "DE"}, {"cu-held", "DE"}, {"cu-fr", "FR"}} {
		exec(`INSERT INTO region_eu.customers (tenant_id, customer_id, country, first_seen_at, last_seen_at) VALUES ('t1', $1, $2, $3, $3)`, c.id, c.country, monthsAgo(40))
	}
	for _, c := range []struct {
		id, customer string
		last         time.Time
	}{{"c-de-old", "cu-de", monthsAgo(8)}, {"c-de-new", "cu-de", monthsAgo(2)}, {"c-held", "cu-held", monthsAgo(9)}, {"c-fr-old", "cu-fr", monthsAgo(8)}, {"c-fr-anc", "cu-fr", monthsAgo(40)}} {
		exec(`INSERT INTO region_eu.conversations (tenant_id, conversation_id, customer_id, status, opened_at, last_event_at) VALUES ('t1', $1, $2, 'resolved', $3, $3)`, c.id, c.customer, c.last)
		exec(`INSERT INTO region_eu.work (tenant_id, conversation_id, customer_id, status, waiting_since) VALUES ('t1', $1, $2, 'resolved', $3)`, c.id, c.customer, c.last)
		exec(`INSERT INTO region_eu.conversation_addresses (tenant_id, conversation_id, customer_id, channel, account, recipient, last_inbound_at, opened_at) VALUES ('t1', $1, $2, 'whatsapp', 'acc', 'sealed', $3, $3)`, c.id, c.customer, c.last)
		exec(`INSERT INTO region_eu.outbound_messages (tenant_id, message_id, conversation_id, customer_id, channel, account, recipient, text, state, created_at) VALUES ('t1', $1, $1, $2, 'whatsapp', 'acc', 'sealed', 'sealed', 'sent', $3)`, "out-"+c.id, c.customer, c.last)
		exec(`INSERT INTO region_eu.translations (key_hash, tenant_id, customer_id, sealed, created_at) VALUES (sha256($1::bytea), 't1', $2, 'sealed', $3)`, []byte(c.id), c.customer, c.last)
	}
	// A German reply still on its way is not cut, however old.
	exec(`INSERT INTO region_eu.outbound_messages (tenant_id, message_id, conversation_id, customer_id, channel, account, recipient, text, state, created_at) VALUES ('t1', 'out-pending', 'c-de-old', 'cu-de', 'whatsapp', 'acc', 'sealed', 'sealed', 'pending', $1)`, monthsAgo(8))

	r := &retention.Runner{Policy: models.DefaultRetention(), Regions: regions, ClickHouse: clickhouse.OneDB(ch, regions),
		Postgres: &postgres.Retention{DB: pg}, Holds: holds{"eu": {"cu-held"}}, Now: func() time.Time { return now }}
	rep, err := r.Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if got, want := strings.Join(eventIDs(t, "eu"), " "), "de-edge-kept de-held-msg de-new-msg fr-old-msg"; got != want {
		t.Errorf("eu events after retention: %s, want %s", got, want)
	}
	if got := strings.Join(eventIDs(t, "us"), " "); got != "us-old-msg" {
		t.Errorf("us events after retention: %s", got)
	}
	for table, want := range map[string]string{
		"SELECT conversation_id AS id FROM region_eu.conversations":          "c-de-new c-fr-old c-held",
		"SELECT conversation_id AS id FROM region_eu.work":                   "c-de-new c-fr-old c-held",
		"SELECT conversation_id AS id FROM region_eu.conversation_addresses": "c-de-new c-fr-old c-held",
		"SELECT message_id AS id FROM region_eu.outbound_messages":           "out-c-de-new out-c-fr-old out-c-held out-pending",
		// Translations: German 30 days, default 90 days: only the held customer's is left.
		"SELECT customer_id AS id FROM region_eu.translations": "cu-held",
	} {
		if got := pgIDs(t, pg, table+" ORDER BY 1"); got != want {
			t.Errorf("%s: %s, want %s", table, got, want)
		}
	}

	// The report says what went where, and adds up.
	byLine := map[string]int64{}
	var sum int64
	for _, l := range rep.Removals {
		if l.Rows > 0 {
			byLine[fmt.Sprintf("%s %s %s %s %s", l.Store, l.Region, l.Kind, l.Country, l.Table)] += l.Rows
		}
		sum += l.Rows
		if cut, _ := l.Period.Cutoff(now); !cut.Equal(l.Cutoff) {
			t.Errorf("%+v: cutoff is not the period's", l)
		}
	}
	want := map[string]int64{
		"clickhouse eu conversations DE meridian_eu.events":             1,
		"clickhouse eu notes DE meridian_eu.events":                     1,
		"clickhouse eu conversations  meridian_eu.events":               1,
		"postgres eu conversations DE region_eu.conversations":          1,
		"postgres eu conversations DE region_eu.work":                   1,
		"postgres eu conversations DE region_eu.conversation_addresses": 1,
		"postgres eu conversations  region_eu.conversations":            1,
		"postgres eu conversations  region_eu.work":                     1,
		"postgres eu conversations  region_eu.conversation_addresses":   1,
		"postgres eu send_ledger DE region_eu.outbound_messages":        1,
		"postgres eu send_ledger  region_eu.outbound_messages":          1,
		"postgres eu translations DE region_eu.translations":            2,
		"postgres eu translations  region_eu.translations":              2,
	}
	if fmt.Sprint(byLine) != fmt.Sprint(want) {
		t.Errorf("report\n got %v\nwant %v", byLine, want)
	}
	if sum != rep.Rows || rep.Held != 1 {
		t.Errorf("report total %d (lines %d), held %d", rep.Rows, sum, rep.Held)
	}

	// A second run finds nothing more.
	again, err := r.Apply(ctx)
	if err != nil || again.Rows != 0 {
		t.Fatalf("second run removed %d rows (%v)", again.Rows, err)
	}
}

// Start runs the policy on its ticker and tells OnRun what each run removed; stop ends it.
func TestStartRunsOnItsTicker(t *testing.T) {
	row := fmt.Sprintf(`{"tenant":"t2","id":"tick-1","type":"message.received","country":"DE","occurred_at":%q,"received_at":%q}`,
		time.Now().AddDate(0, -7, 0).UTC().Format("2006-01-02 15:04:05.000"), time.Now().UTC().Format("2006-01-02 15:04:05.000"))
	if err := ch.Insert(context.Background(), "meridian_us.events", "JSONEachRow", []byte(row)); err != nil {
		t.Fatal(err)
	}
	runs := make(chan retention.Report, 10)
	r := &retention.Runner{Policy: models.DefaultRetention(), Regions: []string{"us"}, ClickHouse: clickhouse.OneDB(ch, regions),
		OnRun: func(_ context.Context, rep retention.Report, err error) {
			if err != nil {
				t.Error(err)
			}
			runs <- rep
		}}
	start := time.Now()
	stop := r.Start(context.Background(), 100*time.Millisecond)
	first := <-runs
	second := <-runs
	stop()
	if first.Rows != 1 || second.Rows != 0 || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("runs removed %d then %d rows after %v", first.Rows, second.Rows, time.Since(start))
	}
	res, err := ch.Query(context.Background(), "SELECT count() FROM meridian_us.events WHERE tenant = 't2'")
	if err != nil || clickhouse.Float(res.Rows[0][0]) != 0 {
		t.Fatalf("the ticker's cut left %v rows (%v)", res.Rows, err)
	}
}
