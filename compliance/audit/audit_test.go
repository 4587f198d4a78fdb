package audit_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
)

var regions = []string{"eu", "us"}

// open returns a migrated database.
func open(t testing.TB) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.StartForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx, regions); err != nil {
		t.Fatal(err)
	}
	return db
}

func newLog(t testing.TB, pool *pgxpool.Pool) *audit.Log {
	t.Helper()
	l, err := audit.New(pool, audit.Options{Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	return l
}

func principalCtx() context.Context {
	p := auth.Principal{Tenant: "acme", Role: auth.RoleAdmin, KeyID: "k1"}
	return audit.WithRemoteAddr(auth.WithPrincipal(context.Background(), p), "192.0.2.7")
}

// fill appends n entries to eu through the gate (reads) and Append (actions), anchors the head
// and checks the log verifies.
func fill(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	ctx := principalCtx()
	l := newLog(t, pool)
	gate := compliance.NewGate(l)
	p, _ := auth.FromContext(ctx)
	for i := 1; i <= n; i++ {
		if i%2 == 0 {
			gate.Text(ctx, p, "eu", fmt.Sprintf("cus_%d", i), "hello")
			continue
		}
		if _, err := l.Append(ctx, audit.Entry{Action: audit.ActionUpsertAgent, Region: "eu", Subject: fmt.Sprintf("agent_%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(context.Background()); err != nil { // flushes the reads, anchors
		t.Fatal(err)
	}
	v, err := audit.Verify(context.Background(), pool, "eu")
	if err != nil || !v.Valid || v.Entries != n || v.FirstInvalidEntry != nil {
		t.Fatalf("untampered log: %+v, %v", v, err)
	}
}

func TestEntriesAreChainedAndRecordWhoWhatAndFromWhere(t *testing.T) {
	ctx := principalCtx()
	db := open(t)
	l := newLog(t, db.Pool)
	gate := compliance.NewGate(l)
	p, _ := auth.FromContext(ctx)
	gate.Identity(ctx, p, "us", "cus_9", "+15550100")
	got, err := l.Append(ctx, audit.Entry{Action: audit.ActionSetPresence, Region: "us", Subject: "agent_1"})
	if err != nil {
		t.Fatal(err)
	}
	// The read was queued first, so it is entry 1 and the action chains onto it.
	if got.Seq != 2 || got.Tenant != "acme" || got.KeyID != "k1" || got.Role != "admin" || got.From != "192.0.2.7" || got.Outcome != audit.OutcomeDone {
		t.Fatalf("appended %+v", got)
	}
	entries, more, err := l.List(context.Background(), "us", audit.Query{})
	if err != nil || more || len(entries) != 2 {
		t.Fatalf("list: %d entries, more %v, %v", len(entries), more, err)
	}
	read := entries[0]
	if read.Seq != 1 || read.Action != compliance.ActionReadIdentity || read.Subject != "cus_9" || read.KeyID != "k1" || read.From != "192.0.2.7" || read.Outcome != compliance.OutcomeClear {
		t.Fatalf("gate read recorded as %+v", read)
	}
	if read.PrevHash != strings.Repeat("0", 64) || entries[1].PrevHash != read.Hash || entries[1].Hash != got.Hash {
		t.Fatalf("chain: %s → %s → %s (appended %s)", read.PrevHash, read.Hash, entries[1].PrevHash, got.Hash)
	}
	prev, _ := hex.DecodeString(read.Hash)
	if want := hex.EncodeToString(audit.Hash(entries[1], prev)); want != got.Hash {
		t.Fatalf("hash %s, recomputed %s", got.Hash, want)
	}
	for _, s := range []struct{ subject, action string }{{"agent_1", ""}, {"", compliance.ActionReadIdentity}} {
		sel, _, err := l.List(context.Background(), "us", audit.Query{Subject: s.subject, Action: s.action})
		if err != nil || len(sel) != 1 {
			t.Errorf("list %+v: %d entries, %v", s, len(sel), err)
		}
	}
	page, more, err := l.List(context.Background(), "us", audit.Query{First: 1})
	if err != nil || !more || len(page) != 1 || page[0].Seq != 1 {
		t.Errorf("first page: %+v more %v %v", page, more, err)
	}
	if eu, _ := l.Verify(context.Background(), "eu"); !eu.Valid || eu.Entries != 0 {
		t.Errorf("eu got us's entries: %+v", eu)
	}
}

// Each way of tampering with a log of ten entries, anchored at its end, makes Verify fail and
// name the first bad entry; the other region's log stays valid.
func TestTamperingIsDetected(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		sql   []string
		first int64
	}{
		{"update an entry", []string{`UPDATE region_eu.audit_log SET subject = 'cus_other' WHERE seq = 4`}, 4},
		{"update its time", []string{`UPDATE region_eu.audit_log SET at = at - interval '1 day' WHERE seq = 6`}, 6},
		{"delete an entry", []string{`DELETE FROM region_eu.audit_log WHERE seq = 4`}, 4},
		{"delete the first", []string{`DELETE FROM region_eu.audit_log WHERE seq = 1`}, 1},
		{"reorder two entries", []string{
			`UPDATE region_eu.audit_log SET seq = 1000 WHERE seq = 4`,
			`UPDATE region_eu.audit_log SET seq = 4 WHERE seq = 5`,
			`UPDATE region_eu.audit_log SET seq = 5 WHERE seq = 1000`}, 4},
		{"truncate the tail and move the head back", []string{
			`DELETE FROM region_eu.audit_log WHERE seq > 7`,
			`UPDATE region_eu.audit_head SET seq = 7, hash = (SELECT hash FROM region_eu.audit_log WHERE seq = 7)`}, 8},
		{"truncate the tail", []string{`DELETE FROM region_eu.audit_log WHERE seq > 7`}, 8},
		{"append a forged entry", []string{`INSERT INTO region_eu.audit_log SELECT 11, at, tenant_id, key_id, role, action, subject, region, remote_addr, outcome, hash, hash FROM region_eu.audit_log WHERE seq = 10`}, 11},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := open(t)
			fill(t, db.Pool, 10)
			for _, s := range c.sql {
				if _, err := db.Pool.Exec(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			v, err := audit.Verify(ctx, db.Pool, "eu")
			if err != nil {
				t.Fatal(err)
			}
			if v.Valid || v.FirstInvalidEntry == nil || *v.FirstInvalidEntry != c.first || v.Reason == "" {
				t.Fatalf("tampered log: %+v (first %v), want invalid at %d", v, deref(v.FirstInvalidEntry), c.first)
			}
			if us, err := audit.Verify(ctx, db.Pool, "us"); err != nil || !us.Valid {
				t.Errorf("us: %+v, %v", us, err)
			}
		})
	}
}

// An attacker who rewrites an entry and its hash breaks the link to the next entry; one who
// rewrites the whole tail after it still differs from the anchor.
func TestRewritingHashesIsDetectedByTheNextEntryOrTheAnchor(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	fill(t, db.Pool, 10)
	rewrite := func(from, to int64) {
		t.Helper()
		entries, _, err := audit.List(ctx, db.Pool, "eu", audit.Query{})
		if err != nil {
			t.Fatal(err)
		}
		prev, _ := hex.DecodeString(entries[from-1].PrevHash)
		for _, e := range entries[from-1 : to] {
			if e.Seq == from {
				e.Subject = "cus_forged"
			}
			h := audit.Hash(e, prev)
			if _, err := db.Pool.Exec(ctx, `UPDATE region_eu.audit_log SET subject = $2, prev_hash = $3, hash = $4 WHERE seq = $1`, e.Seq, e.Subject, prev, h); err != nil {
				t.Fatal(err)
			}
			prev = h
		}
	}
	rewrite(3, 3)
	if v, _ := audit.Verify(ctx, db.Pool, "eu"); v.Valid || deref(v.FirstInvalidEntry) != 4 {
		t.Fatalf("entry 3 rewritten with its hash: %+v, want invalid at 4", v)
	}
	rewrite(3, 10)
	if v, _ := audit.Verify(ctx, db.Pool, "eu"); v.Valid || deref(v.FirstInvalidEntry) != 10 || !strings.Contains(v.Reason, "anchor") {
		t.Fatalf("whole tail rewritten: %+v, want invalid at the anchored 10", v)
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

// Two logs on their own pools (two processes) appending at once build one gapless, valid
// chain, with every entry once.
func TestConcurrentAppendersKeepOneLinearChain(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	second, err := pgxpool.New(ctx, db.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	logs := []*audit.Log{newLog(t, db.Pool), newLog(t, second)}
	const writers, each = 4, 40
	var wg sync.WaitGroup
	for li, l := range logs {
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pctx := principalCtx()
				for i := range each {
					subject := fmt.Sprintf("p%d-w%d-%d", li, w, i)
					if i%2 == 0 {
						l.Record(pctx, compliance.AuditEntry{At: time.Now(), Tenant: "acme", Role: "agent", Action: compliance.ActionReadText, Region: "eu", Subject: subject, Outcome: compliance.OutcomeMasked})
					} else if _, err := l.Append(pctx, audit.Entry{Action: audit.ActionSetPresence, Region: "eu", Subject: subject}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
	}
	wg.Wait()
	for _, l := range logs {
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	v, err := audit.Verify(ctx, db.Pool, "eu")
	if err != nil || !v.Valid || v.Entries != 2*writers*each {
		t.Fatalf("%+v, %v; want valid with %d entries", v, err, 2*writers*each)
	}
	entries, _, err := audit.List(ctx, db.Pool, "eu", audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, e := range entries {
		if e.Seq != int64(i+1) || seen[e.Subject] {
			t.Fatalf("entry %d: seq %d, subject %s seen before: %v", i, e.Seq, e.Subject, seen[e.Subject])
		}
		seen[e.Subject] = true
	}
}

// Entries naming no region or an unknown one go to the fallback region's log, and the export
// writes every entry with its hashes as JSON lines.
func TestUnknownRegionsGoToTheFallbackAndExportHasTheHashes(t *testing.T) {
	ctx := principalCtx()
	db := open(t)
	l := newLog(t, db.Pool)
	for _, r := range []string{"", "mars", "eu"} {
		if _, err := l.Append(ctx, audit.Entry{Action: audit.ActionVerify, Region: r}); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	n, err := audit.Export(context.Background(), db.Pool, "eu", &b)
	if err != nil || n != 3 {
		t.Fatalf("export: %d, %v", n, err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], `"region":"mars"`) || !strings.Contains(lines[2], `"prev_hash":"`) || !strings.Contains(lines[2], `"hash":"`) {
		t.Fatalf("export:\n%s", b.String())
	}
	if _, err := l.Verify(context.Background(), "mars"); err == nil {
		t.Error("verify of an unknown region answered")
	}
}

// The middleware records the connection's peer, never a header the client sets.
func TestMiddlewareKeepsThePeersAddress(t *testing.T) {
	var got string
	h := audit.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = audit.RemoteAddr(r.Context()) }))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "[2001:db8::1]:51234"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "2001:db8::1" {
		t.Errorf("from %q", got)
	}
	if audit.RemoteAddr(context.Background()) != "" {
		t.Error("an address from nowhere")
	}
}

// What a request puts in a subject is stored as PostgreSQL text can hold it, and an entry
// PostgreSQL refuses anyway (here: the head moved back, so its seq is taken) is dropped with
// an error rather than holding up the trail.
func TestEntriesPostgreSQLCannotTakeDoNotStallTheTrail(t *testing.T) {
	ctx := principalCtx()
	db := open(t)
	l := newLog(t, db.Pool)
	got, err := l.Append(ctx, audit.Entry{Action: audit.ActionReadLog, Region: "eu", Subject: "a\x00b\xff" + strings.Repeat("x", 600)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Subject, "a\uFFFDb\uFFFDx") || len(got.Subject) > 512 {
		t.Errorf("subject stored as %q", got.Subject)
	}
	if _, err := db.Pool.Exec(context.Background(), `UPDATE region_eu.audit_head SET seq = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, audit.Entry{Action: audit.ActionReadLog, Region: "eu"}); err == nil {
		t.Error("an entry whose seq is taken was acknowledged")
	}
	if e, err := l.Append(ctx, audit.Entry{Action: audit.ActionReadLog, Region: "us"}); err != nil || e.Seq != 1 {
		t.Errorf("the trail stalled: %+v %v", e, err)
	}
	if v, _ := l.Verify(context.Background(), "eu"); v.Valid {
		t.Errorf("a head moved back verifies: %+v", v)
	}
}

// With PostgreSQL out of reach the writer retries until Close gives up: Close says entries
// were not recorded, and an Append waiting for its commit learns it was not.
func TestCloseGivesUpOnAnUnreachableDatabase(t *testing.T) {
	db := open(t)
	pool, err := pgxpool.New(context.Background(), db.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(pool, audit.Options{Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	pool.Close()
	l.Record(principalCtx(), read)
	errc := make(chan error, 1)
	go func() {
		_, err := l.Append(principalCtx(), audit.Entry{Action: audit.ActionVerify, Region: "eu"})
		errc <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := l.Close(ctx); err == nil {
		t.Error("Close reported success with nothing written")
	}
	if err := <-errc; !errors.Is(err, audit.ErrClosed) {
		t.Errorf("Append: %v, want ErrClosed", err)
	}
	if v, err := audit.Verify(context.Background(), db.Pool, "eu"); err != nil || v.Entries != 0 {
		t.Errorf("%+v %v", v, err)
	}
}
