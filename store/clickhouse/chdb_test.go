package clickhouse

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
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
	// 0003: the events table merges with base 20 (the sinks' frequent small inserts).
	ddl, err := db.Query(ctx, "SELECT create_table_query FROM system.tables WHERE database = "+Quote(l.DB)+" AND name = 'events'")
	if err != nil {
		t.Fatal(err)
	}
	if len(ddl.Rows) != 1 || !strings.Contains(fmt.Sprint(ddl.Rows[0][0]), "merge_selector_base = 20") {
		t.Fatalf("events table after the migrations: %v, want merge_selector_base = 20 among its settings", ddl.Rows)
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
	db := migratedChDB(t, "sea")
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

var float32Column = map[string]bool{"score": true, "confidence": true, "sentiment": true}

// tabSeparatedOnly hides chDB's InsertNative, so EventWriter takes the TabSeparated path
// the server driver takes.
type tabSeparatedOnly struct{ DB }

// The comparison below means something only while chDB itself takes the Native path.
var _ nativeInserter = (*ChDB)(nil)

// The chDB path writes Native blocks, the server path TabSeparated rows: both must store the
// same values for every column, including the tricky ones.
func TestNativeAndTabSeparatedStoreTheSameRows(t *testing.T) {
	ctx := context.Background()
	db := migratedChDB(t, "eu", "us")
	rng := rand.New(rand.NewPCG(3, 5))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	num := func() *float64 {
		if rng.IntN(3) == 0 {
			return nil
		}
		f := rng.Float64()*10 - 5
		return &f
	}
	tricky := "tab\there\nnew line \\ back'slash \r\x00 null, ราคา 价格 😀 {'x':1}"
	var events []models.Event
	for i := range 300 {
		var attrs map[string]string
		for range rng.IntN(4) {
			if attrs == nil {
				attrs = map[string]string{}
			}
			attrs[pick("k", "k'1", "order", tricky)] = pick("", "v", tricky)
		}
		var customer *models.Customer
		if rng.IntN(5) > 0 {
			customer = &models.Customer{Country: pick("DE", "TH", ""), Tier: pick("", "gold")}
		}
		var atts []models.Attachment
		for range rng.IntN(3) {
			atts = append(atts, models.Attachment{Kind: "image"})
		}
		events = append(events, models.Event{ID: fmt.Sprintf("e%03d", i), Type: pick(models.MessageReceived, models.FeedbackCSAT, models.AIAction),
			Tenant: pick("t1", "t2"), Version: rng.IntN(3),
			OccurredAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour)))),
			ReceivedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(time.Hour)))),
			Channel:    pick("whatsapp", "email", ""), Direction: pick(models.Inbound, models.Outbound, ""), ConversationID: pick("c1", "c2", tricky),
			CustomerID: "cus_" + pick("1", "2"), Language: pick("", "de", "th"), Customer: customer, Text: pick("", "hello", tricky),
			PlatformMessageID: pick("", "wamid.1"), AgentID: pick("", "ag1"), Team: pick("", "t"), Queue: pick("", "billing"), ToQueue: pick("", "vip"),
			FromRegion: pick("", "eu"), ToRegion: pick("", "us"), Reason: pick("", tricky), Summary: pick("", "sum", tricky),
			Score: num(), Action: pick("", "reply"), Intent: pick("", "where_is_my_order"), Confidence: num(), Sentiment: num(),
			Product: pick("", "AirWash 3"), Attachments: atts, Attributes: attrs})
	}
	if _, err := (&EventWriter{DB: db, Region: "eu"}).StoreEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if _, err := (&EventWriter{DB: tabSeparatedOnly{db}, Region: "us"}).StoreEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	dump := func(region string) [][]any {
		res, err := db.Query(ctx, "SELECT "+eventColumns+" FROM "+Database(region)+".events ORDER BY tenant, id")
		if err != nil {
			t.Fatal(err)
		}
		return res.Rows
	}
	native, tsv := dump("eu"), dump("us")
	if len(native) != len(events) || len(tsv) != len(events) {
		t.Fatalf("stored %d rows as Native and %d as TabSeparated, want %d", len(native), len(tsv), len(events))
	}
	cols := strings.Split(eventColumns, ", ")
	for i := range native {
		for c := range native[i] {
			a, b := fmt.Sprintf("%#v", native[i][c]), fmt.Sprintf("%#v", tsv[i][c])
			if float32Column[cols[c]] && native[i][c] != nil && tsv[i][c] != nil {
				// ClickHouse parses Float32 text with its fast parser, which may be one unit in
				// the last place off; Native carries float32(x) exactly.
				if x, y := Float(native[i][c]), Float(tsv[i][c]); math.Abs(x-y) <= 1e-6*math.Abs(x) {
					continue
				}
			}
			if a != b {
				t.Fatalf("row %d, %s: Native %s, TabSeparated %s", i, cols[c], a, b)
			}
		}
	}
}

// migratedChDB opens chDB in a temporary directory with the events schema of each region.
func migratedChDB(tb testing.TB, regions ...string) *ChDB {
	tb.Helper()
	db, err := OpenChDB(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	for _, r := range regions {
		if _, err := Migrate(context.Background(), db, Layout{DB: Database(r)}); err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

func TestChDBThreadPoolsAreSizedForTheMachine(t *testing.T) {
	db := migratedChDB(t)
	res, err := db.Query(context.Background(), "SELECT name, value FROM system.server_settings WHERE name IN ('max_thread_pool_free_size', 'max_parts_cleaning_thread_pool_size', 'os_threads_nice_value_merge_mutate') ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[[max_parts_cleaning_thread_pool_size %d] [max_thread_pool_free_size %d] [os_threads_nice_value_merge_mutate %d]]",
		max(2, runtime.NumCPU()), max(16, 4*runtime.NumCPU()), backgroundNice)
	if got := fmt.Sprint(res.Rows); got != want {
		t.Fatalf("engine settings %s, want %s (ClickHouse's defaults are 128 and 1000)", got, want)
	}
}

// A batch may hold one id twice (a client retry that landed in the same batch). The writer
// skips ReplacingMergeTree's collapsing at insert time, so both copies are stored, and FINAL —
// which every reader uses — still counts the id once.
func TestEventWriterStoresInBatchDuplicatesAndFinalCountsThemOnce(t *testing.T) {
	ctx := context.Background()
	db := migratedChDB(t, "eu")
	// A background merge would collapse the copies too; stopped, only the insert could have.
	if err := db.Exec(ctx, "SYSTEM STOP MERGES meridian_eu.events"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Exec(ctx, "SYSTEM START MERGES meridian_eu.events") })
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	e := models.Event{ID: "dup", Type: models.MessageReceived, Tenant: "t", Region: "eu", Version: 1, OccurredAt: t0, ReceivedAt: t0,
		Channel: "whatsapp", Direction: models.Inbound, ConversationID: "c1", Customer: &models.Customer{Country: "DE"}}
	other := e
	other.ID = "other"
	if _, err := (&EventWriter{DB: db, Region: "eu"}).StoreEvents(ctx, []models.Event{e, e, other}); err != nil {
		t.Fatal(err)
	}
	// The TabSeparated path takes the same setting through Insert (FROM INFILE on chDB).
	row := "t\tdup2\tmessage.received\t1\t2026-11-20 10:00:00\t2026-11-20 10:00:00\twhatsapp\n"
	if err := db.Insert(ctx, Database("eu")+".events (tenant, id, type, version, occurred_at, received_at, channel)", "TabSeparated",
		[]byte(row+row), "optimize_on_insert = 0"); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"SELECT count() FROM meridian_eu.events WHERE id IN ('dup', 'other', 'dup2')":       "5",
		"SELECT count() FROM meridian_eu.events FINAL WHERE id IN ('dup', 'other', 'dup2')": "3",
	} {
		res, err := db.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := String(res.Rows[0][0]); got != want {
			t.Fatalf("%s = %s, want %s", q, got, want)
		}
	}
}

// A conversation is looked up by its id, which is not in the sort key: the bloom filter of
// migration 0004 must let the lookup skip the granules without it instead of reading them all.
func TestConversationLookupSkipsGranulesByBloomFilter(t *testing.T) {
	ctx := context.Background()
	db := migratedChDB(t, "eu")
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	events := make([]models.Event, 200_000)
	for i := range events {
		events[i] = models.Event{ID: fmt.Sprintf("e%d", i), Type: models.MessageReceived, Tenant: "t", Region: "eu", Version: 1,
			OccurredAt: t0.Add(time.Duration(i) * time.Millisecond), ReceivedAt: t0, Channel: "whatsapp", Direction: models.Inbound,
			ConversationID: fmt.Sprintf("c%d", i/5), Customer: &models.Customer{Country: "DE"}, Text: "x"}
	}
	if _, err := (&EventWriter{DB: db, Region: "eu"}).StoreEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, "EXPLAIN indexes = 1 SELECT count() FROM meridian_eu.events FINAL WHERE tenant = 't' AND conversation_id = 'c777'")
	if err != nil {
		t.Fatal(err)
	}
	plan := fmt.Sprint(res.Rows)
	i := strings.Index(plan, "Name: conversation")
	if i < 0 {
		t.Fatalf("the lookup does not use the conversation index:\n%s", plan)
	}
	// After the index: "Granules: kept/total"; kept must be a fraction of the total.
	var kept, total int
	if _, err := fmt.Sscanf(plan[i+strings.Index(plan[i:], "Granules: "):], "Granules: %d/%d", &kept, &total); err != nil || kept*4 > total {
		t.Fatalf("the conversation index kept %d of %d granules (%v):\n%s", kept, total, err, plan)
	}
	t.Logf("the conversation index kept %d of %d granules", kept, total)
	res, err = db.Query(ctx, "SELECT count() FROM meridian_eu.events FINAL WHERE tenant = 't' AND conversation_id = 'c777'")
	if err != nil {
		t.Fatal(err)
	}
	if got := String(res.Rows[0][0]); got != "5" {
		t.Fatalf("conversation c777 has %s events, want 5", got)
	}
}
