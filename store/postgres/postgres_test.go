package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
)

func open(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.StartForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	n, err := db.Migrate(ctx, []string{"eu", "us"})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("migrating an empty database applied nothing")
	}
	if again, err := db.Migrate(ctx, []string{"eu", "us"}); err != nil || again != 0 {
		t.Fatalf("second migrate applied %d (err %v), want 0", again, err)
	}
	return db
}

func TestDataKeysAreCreatedOncePerCustomerAndRegion(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	keys := db.Keys()
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := keys.GetOrCreateKey(ctx, "eu", "t", "cus_1", []byte{byte(i)})
			if err != nil {
				t.Error(err)
			}
			got[i] = k
		}()
	}
	wg.Wait()
	for _, k := range got {
		if string(k) != string(got[0]) {
			t.Fatalf("concurrent callers got different keys: %v", got)
		}
	}
	if _, err := keys.GetKey(ctx, "us", "t", "cus_1"); !errors.Is(err, shred.ErrErased) {
		t.Fatalf("the eu customer's key is visible in us: %v", err)
	}
	if err := keys.DeleteKey(ctx, "eu", "t", "cus_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.GetKey(ctx, "eu", "t", "cus_1"); !errors.Is(err, shred.ErrErased) {
		t.Fatalf("after delete GetKey = %v, want ErrErased", err)
	}
}

func TestAPIKeysAreStoredHashedAndLookedUp(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if err := db.EnsureTenant(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAPIKey(ctx, "secret-key-1", auth.Principal{Tenant: "acme", Role: "agent", Regions: []string{"eu"}}, "test"); err != nil {
		t.Fatal(err)
	}
	k, err := db.LookupKey(ctx, "secret-key-1")
	if err != nil || k.Tenant != "acme" || k.Role != "agent" || len(k.Regions) != 1 {
		t.Fatalf("lookup = %+v, %v", k, err)
	}
	if err := db.CreateAPIKey(ctx, "admin-key-1", auth.Principal{Tenant: "acme", Role: "admin"}, "every region"); err != nil {
		t.Fatal(err)
	}
	if k, err := db.LookupKey(ctx, "admin-key-1"); err != nil || len(k.Regions) != 0 {
		t.Fatalf("a key for every region came back as %+v, %v", k, err)
	}
	if _, err := db.LookupKey(ctx, "secret-key-2"); !errors.Is(err, auth.ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
	if err := db.CreateAPIKey(ctx, "lena-key-1", auth.Principal{Tenant: "acme", Role: "agent", Agent: "lena"}, "Lena's"); err != nil {
		t.Fatal(err)
	}
	if k, err := db.LookupKey(ctx, "lena-key-1"); err != nil || k.Agent != "lena" {
		t.Fatalf("a key bound to an agent came back as %+v, %v", k, err)
	}
	if k, _ := db.LookupKey(ctx, "admin-key-1"); k.Agent != "" {
		t.Fatalf("a key bound to nobody came back bound to %q", k.Agent)
	}
}

func TestConversationStateConvergesWhateverTheDeliveryOrder(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	w := &postgres.StateWriter{DB: db, Region: "eu"}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ev := func(typ string, at time.Duration, agent string) models.Event {
		return models.Event{ID: typ, Type: typ, Tenant: "t", Region: "eu", OccurredAt: t0.Add(at), Channel: "whatsapp",
			Direction: models.Inbound, ConversationID: "c1", CustomerID: "cus_1", AgentID: agent, Customer: &models.Customer{Country: "DE"}}
	}
	opened, assigned, resolved := ev(models.ConversationOpened, 0, ""), ev(models.ConversationAssigned, time.Minute, "ag1"), ev(models.ConversationResolved, time.Hour, "")
	// Newest first, then a replay of everything.
	for _, batch := range [][]models.Event{{resolved}, {assigned, opened}, {opened, assigned, resolved}} {
		if _, err := w.StoreEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	s, err := db.Conversation(ctx, "eu", "t", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != "resolved" || s.AgentID != "ag1" || s.Channel != "whatsapp" {
		t.Fatalf("state = %+v, want resolved by ag1 on whatsapp", s)
	}
	if _, err := db.Conversation(ctx, "us", "t", "c1"); !errors.Is(err, postgres.ErrNotFound) {
		t.Fatalf("the eu conversation is visible in us: %v", err)
	}
}

// Concurrent requests whose new customers overlap in different orders must not deadlock: each
// batch takes its row locks in one global order.
func TestBatchDataKeysOfOverlappingRequestsDoNotDeadlock(t *testing.T) {
	ctx := context.Background()
	ks, ok := open(t).Keys().(shred.BatchKeyStore)
	if !ok {
		t.Fatal("the PostgreSQL key store does not store keys in batches")
	}
	const n, workers = 2000, 8
	for round := range 5 {
		subjects := make([]string, n)
		for i := range subjects {
			subjects[i] = fmt.Sprintf("cus_%d_%04d", round, i)
		}
		overlappingBatches(ctx, t, ks, subjects, workers)
	}
}

func overlappingBatches(ctx context.Context, t *testing.T, ks shred.BatchKeyStore, subjects []string, workers int) {
	n := len(subjects)
	got := make([][][]byte, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every worker sends the same customers, half of them in reverse order.
			subs := slices.Clone(subjects)
			if w%2 == 1 {
				slices.Reverse(subs)
			}
			cands := make([][]byte, n)
			for i := range cands {
				cands[i] = []byte(fmt.Sprintf("w%d-%s", w, subs[i]))
			}
			keys, err := ks.GetOrCreateKeys(ctx, "eu", "t", subs, cands)
			if err != nil {
				t.Error(err)
				return
			}
			byIndex := make([][]byte, n)
			for i, s := range subs {
				idx, _ := strconv.Atoi(s[strings.LastIndexByte(s, '_')+1:])
				byIndex[idx] = keys[i]
			}
			got[w] = byIndex
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for w := 1; w < workers; w++ {
		for i := range n {
			if !bytes.Equal(got[w][i], got[0][i]) {
				t.Fatalf("%s: worker %d got key %q, worker 0 got %q", subjects[i], w, got[w][i], got[0][i])
			}
		}
	}
}

// The state projection folds each batch per conversation and customer; the result must be
// the state that applying its events one at a time gives, whatever the batching and order.
func TestStateOfABatchEqualsItsEventsOneByOne(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	batched := &postgres.StateWriter{DB: db, Region: "eu"}
	single := &postgres.StateWriter{DB: db, Region: "us"}
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	types := []string{models.MessageReceived, models.MessageSent, models.ConversationOpened, models.ConversationAssigned,
		models.ConversationTransferred, models.ConversationEscalated, models.ConversationResolved, models.ConversationReopened, models.FeedbackCSAT}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var events []models.Event
	for i := range 3000 {
		conv := rng.IntN(60)
		dir := models.Inbound
		if rng.IntN(2) == 0 {
			dir = models.Outbound
		}
		events = append(events, models.Event{
			ID: fmt.Sprint("e", i), Type: types[rng.IntN(len(types))], Tenant: pick("t1", "t2"),
			// Few distinct instants, so equal times (the >= in the rules) happen often.
			OccurredAt: t0.Add(time.Duration(rng.IntN(40)) * time.Minute), Channel: pick("", "whatsapp", "email"),
			Direction: dir, ConversationID: fmt.Sprint("c", conv), CustomerID: fmt.Sprint("cus_", conv%25),
			Language: pick("", "", "de", "fr"), Queue: pick("", "", "billing", "returns"), ToQueue: pick("", "", "", "vip"),
			AgentID: pick("", "", "ag1", "ag2"), Customer: &models.Customer{Country: pick("DE", "FR"), Tier: pick("", "", "gold", "silver")},
		})
	}
	for i := 0; i < len(events); {
		n := 1 + rng.IntN(400)
		if rng.IntN(4) == 0 {
			n = 1
		}
		batch := events[i:min(i+n, len(events))]
		if _, err := batched.StoreEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
		for _, e := range batch {
			if _, err := single.StoreEvents(ctx, []models.Event{e}); err != nil {
				t.Fatal(err)
			}
		}
		i += len(batch)
	}
	for _, q := range []string{
		`SELECT tenant_id, customer_id, country, tier, preferred_channel, first_seen_at, last_seen_at FROM %s.customers ORDER BY 1, 2`,
		`SELECT tenant_id, conversation_id, customer_id, channel, status, queue, agent_id, language, opened_at, last_event_at FROM %s.conversations ORDER BY 1, 2`,
	} {
		eu, us := dump(ctx, t, db, fmt.Sprintf(q, "region_eu")), dump(ctx, t, db, fmt.Sprintf(q, "region_us"))
		if len(eu) == 0 || len(eu) != len(us) {
			t.Fatalf("%d rows batched, %d one by one", len(eu), len(us))
		}
		for i := range eu {
			if eu[i] != us[i] {
				t.Fatalf("row %d differs:\nbatched    %s\none by one %s", i, eu[i], us[i])
			}
		}
	}
}

func dump(ctx context.Context, t *testing.T, db *postgres.DB, q string) []string {
	t.Helper()
	rows, err := db.Pool.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every event moves its conversation's last_event_at. Those updates must be heap-only (no new
// index entries): with last_event_at in an index, none of them can be, and the projection
// costs PostgreSQL a third more CPU (BENCHMARKS.md).
func TestProjectingEventsOnKnownConversationsUpdatesThemHeapOnly(t *testing.T) {
	ctx := context.Background()
	// One connection: the statistics it flushes are the writer's.
	db, err := postgres.Open(ctx, pgtest.StartForTest(t)+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx, []string{"eu"}); err != nil {
		t.Fatal(err)
	}
	w := &postgres.StateWriter{DB: db, Region: "eu"}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	const conversations, rounds = 20, 3
	for r := range rounds + 1 {
		batch := make([]models.Event, conversations)
		for i := range batch {
			batch[i] = models.Event{ID: fmt.Sprintf("e%d-%d", r, i), Type: models.MessageReceived, Tenant: "t", Region: "eu",
				OccurredAt: t0.Add(time.Duration(r) * time.Minute), Channel: "whatsapp", Direction: models.Inbound,
				ConversationID: fmt.Sprintf("c%d", i), CustomerID: fmt.Sprintf("cus_%d", i), Customer: &models.Customer{Country: "DE"}}
		}
		if _, err := w.StoreEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, "SELECT pg_stat_force_next_flush()"); err != nil {
		t.Fatal(err)
	}
	const want = conversations * rounds
	var upd, hot int64
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		err := db.Pool.QueryRow(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables
			WHERE schemaname = $1 AND relname = 'conversations'`, postgres.RegionSchema("eu")).Scan(&upd, &hot)
		if err != nil {
			t.Fatal(err)
		}
		if upd >= want || time.Now().After(deadline) {
			break
		}
	}
	if upd != want || hot != upd {
		t.Fatalf("conversations: %d updates, %d of them heap-only; want %d, all heap-only", upd, hot, want)
	}
}

// A value PostgreSQL cannot hold (NUL in text, a key too long for its index) is a DataError,
// which the sink answers by finding and dead-lettering the event; a database that is not
// there is not one, and the batch is retried.
func TestValuesPostgreSQLCannotHoldAreDataErrors(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	w := &postgres.StateWriter{DB: db, Region: "eu"}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ok := models.Event{ID: "r1", Type: models.RoutingDecision, Tenant: "t", Region: "eu", OccurredAt: t0, Channel: "whatsapp",
		ConversationID: "c1", CustomerID: "cus_1", Queue: "billing", Customer: &models.Customer{Country: "DE", Tier: "vip"}}
	if _, err := w.StoreEvents(ctx, []models.Event{ok}); err != nil {
		t.Fatal(err)
	}
	for name, breakIt := range map[string]func(e *models.Event){
		"NUL in queue":           func(e *models.Event) { e.Queue = "q\x00x" },
		"NUL in conversation_id": func(e *models.Event) { e.ConversationID = "c\x002" },
		"NUL in customer.tier":   func(e *models.Event) { e.Customer = &models.Customer{Country: "DE", Tier: "v\x00ip"} },
		"an unindexable key":     func(e *models.Event) { e.ConversationID = strings.Repeat("x", 300_000) },
	} {
		e := ok
		breakIt(&e)
		_, err := w.StoreEvents(ctx, []models.Event{ok, e})
		var p interface{ Permanent() bool }
		if err == nil || !errors.As(err, &p) || !p.Permanent() {
			t.Errorf("%s: got %v, want a permanent data error", name, err)
		}
	}
	db.Close()
	_, err := w.StoreEvents(ctx, []models.Event{ok})
	var p interface{ Permanent() bool }
	if err == nil || errors.As(err, &p) {
		t.Fatalf("a closed database: got %v, want a transient error", err)
	}
}

// The first content accepted under an event id stays: a retry with the same content claims
// nothing new, a different body under that id is a conflict (in a later batch or in the same
// one), and a replayed batch conflicts with nothing. Ids are per tenant and region.
func TestClaimsKeepTheFirstVersionOfAnEventID(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	eu := &postgres.EventClaims{DB: db, Region: "eu"}
	ev := func(tenant, id string) models.Event { return models.Event{ID: id, Tenant: tenant} }
	h := func(s string) []byte { return []byte(s + "0123456789abcdef")[:16] }
	first := []models.Event{ev("t", "a"), ev("t", "b"), ev("t", "b"), ev("u", "a"), ev("t", "nohash")}
	got, err := eu.Claim(ctx, first, [][]byte{h("A"), h("B"), h("X"), h("C"), nil})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[2], `event id "b" was first accepted`) {
		t.Fatalf("first batch: conflicts %v, want the second version of b (index 2)", got)
	}
	// Replay of the first batch: the same verdict, nothing more.
	if again, err := eu.Claim(ctx, first, [][]byte{h("A"), h("B"), h("X"), h("C"), nil}); err != nil || len(again) != 1 || again[2] == "" {
		t.Fatalf("replay: %v, %v", again, err)
	}
	later := []models.Event{ev("t", "a"), ev("t", "a"), ev("u", "a"), ev("t", "nohash"), ev("t", "new")}
	got, err = eu.Claim(ctx, later, [][]byte{h("A"), h("Z"), h("Q"), h("N"), h("N")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] == "" || got[2] == "" {
		t.Fatalf("later batch: conflicts %v, want indexes 1 (t/a rewritten) and 2 (u/a rewritten)", got)
	}
	// Another region's ids are its own.
	if got, err := (&postgres.EventClaims{DB: db, Region: "us"}).Claim(ctx, later[1:2], [][]byte{h("Z")}); err != nil || len(got) != 0 {
		t.Fatalf("us: %v, %v", got, err)
	}
}

// BenchmarkClaim claims a sink batch of 20,000 new event ids (what the sink does before
// storing each batch); ns/event is what it adds to a batch's time.
func BenchmarkClaim(b *testing.B) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.StartForTest(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	if _, err := db.Migrate(ctx, []string{"eu"}); err != nil {
		b.Fatal(err)
	}
	c := &postgres.EventClaims{DB: db, Region: "eu"}
	const n = 20000
	events, hashes := make([]models.Event, n), make([][]byte, n)
	for i := range events {
		hashes[i] = bytes.Repeat([]byte{byte(i)}, 16)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for i := range events {
			events[i] = models.Event{Tenant: "default", ID: fmt.Sprintf("evt-%d-%06d-%s", it, i, "0123456789abcdef")}
		}
		if _, err := c.Claim(ctx, events, hashes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}
