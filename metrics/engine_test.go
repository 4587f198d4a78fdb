package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/metrics/metricstest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

var engine *metrics.Engine

func TestMain(m *testing.M) {
	metricstest.Main(m, func(e *metrics.Engine) { engine = e })
}

var admin = auth.Principal{Tenant: metricstest.Tenant, Role: auth.RoleAdmin}

func rows(r *metrics.Result) string {
	var b strings.Builder
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "%s=%v;", strings.Join(row.Dimensions, "/"), row.Values)
	}
	return b.String()
}

func ptr(t time.Time) *time.Time { return &t }

func TestRun(t *testing.T) {
	day := metricstest.Day
	tests := []struct {
		name string
		p    auth.Principal
		q    metrics.Query
		want string
	}{
		{"messages by region count each replayed event once and ignore other tenants", admin,
			metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"region"}}, "eu=[5];us=[4];"},
		{"a key limited to eu never sees us rows", auth.Principal{Tenant: metricstest.Tenant, Role: auth.RoleAnalyst, Regions: []string{"eu"}},
			metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"region"}}, "eu=[5];"},
		{"a region filter outside the key's scope reads nothing", auth.Principal{Tenant: metricstest.Tenant, Role: auth.RolePlanner, Regions: []string{"eu"}},
			metrics.Query{Measures: []string{"messages"}, Filters: []metrics.Filter{{Dimension: "region", Op: "eq", Values: []string{"us"}}}}, "=[0];"},
		{"no dimensions gives one total row", admin,
			metrics.Query{Measures: []string{"messages", "conversations", "customers", "events"}}, "=[9 6 5 14];"},
		{"a customer who wrote on WhatsApp and web chat is one cross-channel customer", admin,
			metrics.Query{Measures: []string{"cross_channel_customers", "writing_customers"}, Dimensions: []string{"region"}}, "eu=[0 3];us=[1 2];"},
		{"channel_count breaks per-customer measures down", admin,
			metrics.Query{Measures: []string{"writing_customers", "cross_channel_customers"}, Dimensions: []string{"channel_count"}}, "1=[4 0];2=[1 1];"},
		{"channel_count with the customer's other dimensions", admin,
			metrics.Query{Measures: []string{"writing_customers"}, Dimensions: []string{"channel_count", "country"}}, "1/AT=[1];1/DE=[1];1/FR=[1];1/US=[1];2/US=[1];"},
		{"conversations and customers add up across regions", admin,
			metrics.Query{Measures: []string{"conversations", "customers"}, Dimensions: []string{"channel"}}, "email=[1 1];webchat=[1 1];whatsapp=[4 4];"},
		{"direction splits inbound and outbound", admin,
			metrics.Query{Measures: []string{"messages", "inbound_messages", "outbound_messages"}, Dimensions: []string{"direction"}, Filters: []metrics.Filter{{Dimension: "type", Op: "in", Values: []string{"message.received", "message.sent"}}}},
			"inbound=[6 6 0];outbound=[3 0 3];"},
		{"averages merge sums and counts across regions", admin,
			metrics.Query{Measures: []string{"csat_avg", "sentiment_avg", "nps"}}, "=[3 0 100];"},
		{"averages per region", admin,
			metrics.Query{Measures: []string{"csat_avg"}, Dimensions: []string{"region"}, Filters: []metrics.Filter{{Dimension: "type", Op: "eq", Values: []string{"feedback.csat"}}}}, "eu=[4];us=[2];"},
		{"lifecycle measures", admin,
			metrics.Query{Measures: []string{"escalations", "resolutions", "handoffs", "ai_actions"}}, "=[1 1 0 0];"},
		{"filters combine with AND and neq excludes", admin,
			metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"language"}, Filters: []metrics.Filter{{Dimension: "channel", Op: "eq", Values: []string{"whatsapp"}}, {Dimension: "language", Op: "neq", Values: []string{"en"}}}}, "de=[4];"},
		{"time range is from inclusive, to exclusive", admin,
			metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"day"}, From: ptr(day.Add(10 * time.Hour)), To: ptr(day.Add(24*time.Hour + 9*time.Hour))}, "2026-11-20=[6];"},
		{"hourly buckets are RFC 3339", admin,
			metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"hour"}, Filters: []metrics.Filter{{Dimension: "day", Values: []string{"2026-11-20"}}}},
			"2026-11-20T10:00:00Z=[2];2026-11-20T11:00:00Z=[1];2026-11-20T15:00:00Z=[2];2026-11-20T17:00:00Z=[1];"},
		{"time dimension follows the granularity", admin,
			metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"time"}, Granularity: "week"}, "2026-11-16=[9];"},
		{"hour of day and weekday", admin,
			metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"weekday", "hour_of_day"}, Filters: []metrics.Filter{{Dimension: "country", Values: []string{"FR", "ES"}}}}, "6/09=[2];"},
		{"order by a measure descending, ties by dimensions", admin,
			metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"region", "channel"}, OrderBy: []metrics.Order{{Field: "messages", Desc: true}}, Limit: 3},
			"eu/whatsapp=[3];us/whatsapp=[3];eu/email=[2];"},
		{"tier, product and queue dimensions", admin,
			metrics.Query{Measures: []string{"customers"}, Dimensions: []string{"tier", "product"}}, "new/bottle=[2];new/sterilizer=[1];returning/bottle=[1];vip/sterilizer=[2];"},
		{"filter values are quoted, never SQL", admin,
			metrics.Query{Measures: []string{"messages"}, Filters: []metrics.Filter{{Dimension: "channel", Values: []string{"x' OR 1=1 --", `\'`}}}}, "=[0];"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := engine.Run(context.Background(), tt.p, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := rows(r); got != tt.want {
				t.Errorf("rows = %s\nwant   %s", got, tt.want)
			}
		})
	}
}

func TestRunLimitTruncates(t *testing.T) {
	r, err := engine.Run(context.Background(), admin, metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"channel"}, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(r); got != "email=[2];webchat=[1];" || !r.Truncated {
		t.Fatalf("rows = %s truncated=%v, want the first two channels and truncated", got, r.Truncated)
	}
}

func TestChannelCountIsOnlyForPerCustomerMeasures(t *testing.T) {
	_, err := engine.Run(context.Background(), admin, metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"channel_count"}})
	if err == nil || !strings.Contains(err.Error(), "channel_count") || !strings.Contains(err.Error(), "messages") {
		t.Fatalf("messages by channel_count: %v", err)
	}
}

func TestRunRejectsBadQueriesNamingTheInput(t *testing.T) {
	from, to := metricstest.Day.Add(time.Hour), metricstest.Day
	tests := []struct {
		name string
		q    metrics.Query
		want string
	}{
		{"unknown measure", metrics.Query{Measures: []string{"mesages"}}, `unknown measure "mesages"`},
		{"no measure", metrics.Query{}, "at least one measure"},
		{"unknown dimension", metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"colour"}}, `unknown dimension "colour"`},
		{"too many dimensions", metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"region", "channel", "language", "direction", "country", "type", "queue"}}, "too many dimensions: 7"},
		{"bad granularity", metrics.Query{Measures: []string{"messages"}, Dimensions: []string{"time"}, Granularity: "fortnight"}, `unknown granularity "fortnight"`},
		{"from after to", metrics.Query{Measures: []string{"messages"}, From: &from, To: &to}, "from (2026-11-20T01:00:00Z) is after to (2026-11-20T00:00:00Z)"},
		{"filter on unknown dimension", metrics.Query{Measures: []string{"messages"}, Filters: []metrics.Filter{{Dimension: "text", Values: []string{"x"}}}}, `filter on unknown dimension "text"`},
		{"bad op", metrics.Query{Measures: []string{"messages"}, Filters: []metrics.Filter{{Dimension: "channel", Op: "like", Values: []string{"x"}}}}, `unknown op "like"`},
		{"eq with two values", metrics.Query{Measures: []string{"messages"}, Filters: []metrics.Filter{{Dimension: "channel", Op: "eq", Values: []string{"a", "b"}}}}, "op eq takes exactly one value"},
		{"unknown region", metrics.Query{Measures: []string{"messages"}, Filters: []metrics.Filter{{Dimension: "region", Values: []string{"mars"}}}}, `unknown region "mars"`},
		{"order by a field not in the query", metrics.Query{Measures: []string{"messages"}, OrderBy: []metrics.Order{{Field: "customers"}}}, `orderBy "customers"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := engine.Run(context.Background(), admin, tt.q)
			var ve *metrics.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a ValidationError containing %q", err, tt.want)
			}
		})
	}
}

func TestIngestKeysCannotRead(t *testing.T) {
	_, err := engine.Run(context.Background(), auth.Principal{Tenant: metricstest.Tenant, Role: auth.RoleIngest}, metrics.Query{Measures: []string{"messages"}})
	if !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("err = %v, want ErrForbidden", err)
	}
}

func TestDrillDownReconcilesWithTheCell(t *testing.T) {
	ctx := context.Background()
	filters := []metrics.Filter{{Dimension: "channel", Op: "eq", Values: []string{"whatsapp"}}, {Dimension: "language", Op: "eq", Values: []string{"de"}}}
	cell, err := engine.Run(ctx, admin, metrics.Query{Measures: []string{"conversations", "messages"}, Filters: filters})
	if err != nil {
		t.Fatal(err)
	}
	page, err := engine.Conversations(ctx, admin, metrics.ConversationQuery{Filters: filters})
	if err != nil {
		t.Fatal(err)
	}
	msgs := 0
	var ids []string
	for _, e := range page.Edges {
		msgs += e.Conversation.Messages
		ids = append(ids, e.Conversation.Region+"/"+e.Conversation.ID+"/"+e.Conversation.Status)
	}
	if float64(page.TotalCount) != cell.Rows[0].Values[0] || float64(msgs) != cell.Rows[0].Values[1] {
		t.Fatalf("drill-down: %d conversations with %d messages, cell says %v", page.TotalCount, msgs, cell.Rows[0].Values)
	}
	want := []string{"us/c-us-3/queued", "eu/c-eu-2/resolved", "eu/c-eu-1/queued"} // opened and escalated conversations wait for a person
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("conversations = %v, want %v (newest activity first)", ids, want)
	}
}

func TestConversationPagesWalkEveryConversationOnce(t *testing.T) {
	ctx := context.Background()
	p := auth.Principal{Tenant: metricstest.BulkTenant, Role: auth.RoleAgent}
	seen := map[string]bool{}
	var order []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("pagination does not end")
		}
		page, err := engine.Conversations(ctx, p, metrics.ConversationQuery{First: 4, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalCount != 29 {
			t.Fatalf("totalCount = %d, want 29", page.TotalCount)
		}
		for _, e := range page.Edges {
			k := e.Conversation.Region + "/" + e.Conversation.ID
			if seen[k] {
				t.Fatalf("%s seen twice", k)
			}
			seen[k] = true
			order = append(order, k)
		}
		if !page.HasNextPage {
			break
		}
		after = page.EndCursor
	}
	if len(seen) != 29 {
		t.Fatalf("walked %d conversations, want 29", len(seen))
	}
	// The first page starts with the newest timestamp, regions in order, ids ascending.
	if order[0] != "eu/b-eu-02" || order[1] != "eu/b-eu-05" {
		t.Fatalf("order starts %v, want eu/b-eu-02, eu/b-eu-05", order[:2])
	}
	if _, err := engine.Conversations(ctx, p, metrics.ConversationQuery{After: "not-a-cursor"}); err == nil {
		t.Fatal("a garbage cursor was accepted")
	}
}

func TestConversationAndMessagesStayInScope(t *testing.T) {
	ctx := context.Background()
	euOnly := auth.Principal{Tenant: metricstest.Tenant, Role: auth.RoleAgent, Regions: []string{"eu"}}
	if c, err := engine.Conversation(ctx, euOnly, "c-us-1"); err != nil || c != nil {
		t.Fatalf("eu key read us conversation: %+v, %v", c, err)
	}
	c, err := engine.Conversation(ctx, admin, "c-us-1")
	if err != nil || c == nil {
		t.Fatalf("conversation c-us-1: %+v, %v", c, err)
	}
	if c.Region != "us" || c.Messages != 2 || c.Channel != "whatsapp" || c.CustomerID != "cust-us-1" || c.FirstMessageAt == nil || !c.FirstMessageAt.Equal(metricstest.Day.Add(15*time.Hour)) {
		t.Fatalf("conversation c-us-1 = %+v", c)
	}
	if _, err := engine.Messages(ctx, euOnly, "us", "c-us-1", 10); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("eu key listing us messages: err = %v, want ErrForbidden", err)
	}
	ms, err := engine.Messages(ctx, euOnly, "eu", "c-eu-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].ID != "e1" || ms[0].Text != metricstest.PhoneText || ms[0].Direction != "inbound" || ms[1].Direction != "outbound" {
		t.Fatalf("messages = %+v", ms)
	}
	// Another tenant's conversation with the same id stays invisible.
	other, err := engine.Messages(ctx, auth.Principal{Tenant: metricstest.Other, Role: auth.RoleAgent}, "eu", "c-eu-1", 10)
	if err != nil || len(other) != 1 || other[0].ID != "o1" {
		t.Fatalf("other tenant's messages = %+v, %v", other, err)
	}
}

var _ clickhouse.DB = (*clickhouse.ChDB)(nil)

// countingDB counts the queries that reach the store.
type countingDB struct {
	*clickhouse.ChDB
	queries atomic.Int64
}

func (c *countingDB) QueryParams(ctx context.Context, q string, params clickhouse.Params) (*clickhouse.Result, error) {
	c.queries.Add(1)
	return c.ChDB.QueryParams(ctx, q, params)
}

// A dashboard asking the same again is answered without a query until the region's database
// in the embedded store is written to; the next answer then includes what was written. A store that does not count its
// writes (a ClickHouse server, which other processes write to) is asked every time.
func TestRepeatedQueriesReuseResultsUntilTheStoreIsWritten(t *testing.T) {
	ctx := context.Background()
	ch := regionDB(t, "eu").(*clickhouse.ChDB)
	counted := &countingDB{ChDB: ch}
	e := metrics.NewEngine(counted, []string{"eu"})
	p := auth.Principal{Tenant: "t-cache", Role: auth.RoleAdmin}
	q := metrics.Query{Measures: []string{"events"}, Dimensions: []string{"channel"}}
	run := func(e *metrics.Engine) string {
		t.Helper()
		r, err := e.Run(ctx, p, q)
		if err != nil {
			t.Fatal(err)
		}
		return rows(r)
	}
	store := func(region, id string) {
		t.Helper()
		at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		ev := models.Event{ID: id, Type: models.MessageReceived, Tenant: p.Tenant, Region: region, Version: 1, OccurredAt: at, ReceivedAt: at,
			Channel: "email", Direction: models.Inbound, ConversationID: "c-" + id, CustomerID: "cus-" + id, Customer: &models.Customer{Country: "DE"}}
		if _, err := (&clickhouse.EventWriter{DB: ch, Region: region}).StoreEvents(ctx, []models.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	store("eu", "cache-1")
	first := run(e)
	asked := counted.queries.Load()
	if again := run(e); again != first || counted.queries.Load() != asked {
		t.Fatalf("the same query again: %q after %q, %d queries after %d; want the same answer without a query", again, first, counted.queries.Load(), asked)
	}
	// Another region's batch does not change this region's answer.
	store("us", "cache-us")
	if again := run(e); again != first || counted.queries.Load() != asked {
		t.Fatalf("after a write to another region: %q with %d queries after %d; want %q without a query", again, counted.queries.Load(), asked, first)
	}
	store("eu", "cache-2")
	if after := run(e); after != "email=[2];" || counted.queries.Load() != asked+1 {
		t.Fatalf("after a write: %q with %d queries (first answer %q, %d queries); want email=[2] read again", after, counted.queries.Load(), first, asked)
	}
	// A statement whose target is not tracked (here a mutation erasing data) counts for every
	// database.
	if err := ch.Exec(ctx, "ALTER TABLE "+clickhouse.Database("eu")+".events DELETE WHERE tenant = 't-cache' AND id = 'cache-2' SETTINGS mutations_sync = 1"); err != nil {
		t.Fatal(err)
	}
	if after := run(e); after != "email=[1];" || counted.queries.Load() != asked+2 {
		t.Fatalf("after an erasure: %q with %d queries (%d before); want email=[1] read again", after, counted.queries.Load(), asked+1)
	}

	server := metrics.NewEngine(struct{ clickhouse.DB }{counted}, []string{"eu"})
	before := counted.queries.Load()
	run(server)
	run(server)
	if n := counted.queries.Load() - before; n != 2 {
		t.Fatalf("a store without a write count was asked %d times for two runs, want 2", n)
	}
}

// Ingest stores countries upper case (UK as GB), channels lower case and languages in BCP 47
// case; a filter written any other way finds the same events.
func TestFiltersNormaliseValuesAsIngestDoes(t *testing.T) {
	ctx := context.Background()
	given := []metrics.Filter{
		{Dimension: "country", Values: []string{"de", "Us"}},
		{Dimension: "channel", Op: "eq", Values: []string{"WhatsApp"}},
		{Dimension: "language", Op: "neq", Values: []string{"EN"}},
	}
	stored := []metrics.Filter{
		{Dimension: "country", Values: []string{"DE", "US"}},
		{Dimension: "channel", Op: "eq", Values: []string{"whatsapp"}},
		{Dimension: "language", Op: "neq", Values: []string{"en"}},
	}
	run := func(fs []metrics.Filter) (string, int) {
		t.Helper()
		r, err := engine.Run(ctx, admin, metrics.Query{Measures: []string{"messages", "conversations"}, Dimensions: []string{"country", "language"}, Filters: fs})
		if err != nil {
			t.Fatal(err)
		}
		page, err := engine.Conversations(ctx, admin, metrics.ConversationQuery{Filters: fs})
		if err != nil {
			t.Fatal(err)
		}
		return rows(r), page.TotalCount
	}
	want, wantConvs := run(stored)
	if want == "" || wantConvs == 0 {
		t.Fatalf("the stored spellings match nothing: %q, %d conversations", want, wantConvs)
	}
	if got, convs := run(given); got != want || convs != wantConvs {
		t.Errorf("filters %+v: rows %s and %d conversations, want %s and %d", given, got, convs, want, wantConvs)
	}
	// UK is ingest's GB: no GB customer in the fixtures, so no row, and no error either.
	r, err := engine.Run(ctx, admin, metrics.Query{Measures: []string{"messages"}, Filters: []metrics.Filter{{Dimension: "country", Values: []string{"uk", "ZZ"}}}})
	if err != nil || rows(r) != "=[0];" {
		t.Errorf("uk: %v, %v", r, err)
	}
}

// regionDB is the fixtures' database of region.
func regionDB(t testing.TB, region string) clickhouse.DB {
	t.Helper()
	db, err := engine.Regions.DB(region)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// sqlDB keeps the statements that reach the store.
type sqlDB struct {
	*clickhouse.ChDB
	mu  sync.Mutex
	sql []string
}

func (s *sqlDB) QueryParams(ctx context.Context, q string, params clickhouse.Params) (*clickhouse.Result, error) {
	s.mu.Lock()
	s.sql = append(s.sql, q)
	s.mu.Unlock()
	return s.ChDB.QueryParams(ctx, q, params)
}

// Distinct conversations and customers by time and region read the table without FINAL,
// and copies of an event not yet collapsed (a replayed batch, a client's retry) change
// nothing; every other query keeps FINAL, and counts each copy once.
func TestDistinctCountsByTimeNeedNoFinal(t *testing.T) {
	ctx := context.Background()
	ch := regionDB(t, "eu").(*clickhouse.ChDB)
	db := clickhouse.Database("eu")
	// Merges would collapse the copies before the queries see them.
	if err := ch.Exec(ctx, "SYSTEM STOP MERGES "+db+".events"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ch.Exec(ctx, "SYSTEM START MERGES "+db+".events"); err != nil {
			t.Error(err)
		}
	}()
	p := auth.Principal{Tenant: "t-copies", Role: auth.RoleAdmin}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var batch []models.Event
	for i, c := range []string{"c1", "c1", "c2", "c3"} {
		id := fmt.Sprintf("copy-%d", i)
		batch = append(batch, models.Event{ID: id, Type: models.MessageReceived, Tenant: p.Tenant, Region: "eu", Version: 1,
			OccurredAt: at.Add(time.Duration(i) * 25 * time.Hour), ReceivedAt: at, Channel: "email", Direction: models.Inbound,
			ConversationID: c, CustomerID: "cus-" + c, Customer: &models.Customer{Country: "DE"}})
	}
	w := &clickhouse.EventWriter{DB: ch, Region: "eu"}
	for range 3 { // the batch and two replays of it
		if _, err := w.StoreEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	res, err := ch.Query(ctx, "SELECT count() FROM "+db+".events WHERE tenant = 't-copies'")
	if err != nil || clickhouse.Float(res.Rows[0][0]) != 12 {
		t.Fatalf("want 12 stored copies of 4 events: %v %v", res, err)
	}
	s := &sqlDB{ChDB: ch}
	e := metrics.NewEngine(s, []string{"eu"})
	for _, c := range []struct {
		q         metrics.Query
		want      string
		withFinal bool
	}{
		{metrics.Query{Measures: []string{"conversations", "customers"}, Dimensions: []string{"time", "region"}, Granularity: "day"},
			"2026-11-20/eu=[1 1];2026-11-21/eu=[1 1];2026-11-22/eu=[1 1];2026-11-23/eu=[1 1];", false},
		{metrics.Query{Measures: []string{"conversations"}}, "=[3];", false},
		{metrics.Query{Measures: []string{"conversations", "messages"}}, "=[3 4];", true},
		{metrics.Query{Measures: []string{"conversations"}, Dimensions: []string{"channel"}}, "email=[3];", true},
		{metrics.Query{Measures: []string{"conversations"}, Filters: []metrics.Filter{{Dimension: "country", Values: []string{"DE"}}}}, "=[3];", true},
	} {
		s.sql = nil
		r, err := e.Run(ctx, p, c.q)
		if err != nil || rows(r) != c.want {
			t.Errorf("%+v: %v %v, want %s", c.q, rows(r), err, c.want)
		}
		if final := strings.Contains(strings.Join(s.sql, "\n"), " FINAL "); final != c.withFinal {
			t.Errorf("%+v: FINAL %v, want %v: %s", c.q, final, c.withFinal, s.sql)
		}
	}
}
