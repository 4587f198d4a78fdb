package graphql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// fragmentBomb is a document of levels fragments, each spreading the next one twice: 2^levels
// fields once expanded, in ~40 bytes a level.
func fragmentBomb(levels int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", levels)
	return b.String()
}

// postWithin is post, failing the test if the handler has not answered before the deadline.
func postWithin(t *testing.T, d time.Duration, h http.Handler, p *auth.Principal, query string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	type answer struct {
		status int
		body   string
	}
	done := make(chan answer, 1)
	go func() {
		// post's t.Fatal would run on this goroutine; the request is built to succeed.
		status, body := post(t, h, p, query, nil)
		done <- answer{status, body}
	}()
	select {
	case a := <-done:
		return a.status, a.body
	case <-ctx.Done():
		t.Fatalf("no answer within %s", d)
		return 0, ""
	}
}

func TestNestedFragmentSpreadsAreRefusedWithoutExpandingThem(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	// 40 levels stand for 2^40 fields: walking them (as gqlgen's complexity check did) never
	// ends; weighing each fragment once answers at once. Any key gets this far, even ingest.
	doc := fragmentBomb(40)
	status, body := postWithin(t, time.Second, h, principal(auth.RoleIngest), doc)
	if status != http.StatusOK || !strings.Contains(body, "operation has 1099511627776 fields once its fragments are expanded, which exceeds the limit of 5000") {
		t.Fatalf("status %d body %s", status, body)
	}
	// Past 2^63 the count saturates instead of wrapping round to a small number.
	_, body = postWithin(t, time.Second, h, principal(auth.RoleAdmin), fragmentBomb(70))
	if !strings.Contains(body, "operation has more than 2^63 fields") {
		t.Fatalf("body %s", body)
	}
	// 13 levels: 8,192 fields, just over the limit, counted exactly.
	_, body = postWithin(t, time.Second, h, principal(auth.RoleAdmin), fragmentBomb(13))
	if !strings.Contains(body, "operation has 8192 fields once its fragments are expanded") {
		t.Fatalf("body %s", body)
	}
}

func TestFragmentsAndIntrospectionWithinTheLimitsStillAnswer(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	var got struct {
		Typename string `json:"__typename"`
	}
	do(t, h, principal(auth.RoleAnalyst), fragmentBomb(12), nil, &got) // 4,096 fields, one answer
	if got.Typename != "Query" {
		t.Fatalf("__typename %q", got.Typename)
	}
	var schema struct {
		Schema struct {
			Types []struct{ Name string } `json:"types"`
		} `json:"__schema"`
	}
	do(t, h, principal(auth.RoleAnalyst), introspectionQuery, nil, &schema)
	if len(schema.Schema.Types) < 20 {
		t.Fatalf("introspection listed %d types", len(schema.Schema.Types))
	}
}

func TestRootFieldsAndCostAreCapped(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	aliases := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: %s", i, field)
		}
		return b.String() + " }"
	}
	const metricsField = `metrics(measures: ["messages"]) { truncated }`
	tests := []struct {
		name, query, want string
	}{
		{"2,000 metrics aliases", aliases(2000, metricsField), "operation has 2000 root fields (each alias counts), which exceeds the limit of 32"},
		{"33 aliases of anything", aliases(33, "__typename"), "operation has 33 root fields"},
		// A conversation's messages are a query each: 500 conversations' messages are 500
		// queries: 1 + 3 queries × 3 regions × 100 + 500 × (edges 1 + node 1 + messages 1 + 100 + id 1).
		{"messages of 500 conversations", `{ conversations(first: 500) { edges { node { messages(first: 1) { id } } } } }`, "operation has complexity 52901, which exceeds the limit of 25000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, h, principal(auth.RoleAdmin), tt.query, nil)
			if status != http.StatusOK || !strings.Contains(body, tt.want) || !strings.Contains(body, "COMPLEXITY_LIMIT_EXCEEDED") {
				t.Fatalf("status %d body %s, want an error containing %q", status, body, tt.want)
			}
		})
	}
	// 32 metrics fields are allowed, and all of them answer.
	var got map[string]struct{ Truncated bool }
	do(t, h, principal(auth.RoleAdmin), aliases(32, metricsField), nil, &got)
	if len(got) != 32 {
		t.Fatalf("%d answers, want 32", len(got))
	}
}

// heldDB is a ClickHouse whose queries run one at a time, like chDB's, and cannot be
// interrupted once started (they end when release is closed); like chDB it checks the context
// only before waiting for its turn.
type heldDB struct {
	clickhouse.DB
	mu       sync.Mutex
	arrived  chan struct{}
	started  chan struct{}
	release  chan struct{}
	ran      atomic.Int32
	deadline atomic.Bool
}

func newHeldDB() *heldDB {
	return &heldDB{arrived: make(chan struct{}, 1000), started: make(chan struct{}, 1000), release: make(chan struct{})}
}

func (d *heldDB) QueryParams(ctx context.Context, _ string, _ clickhouse.Params) (*clickhouse.Result, error) {
	if _, ok := ctx.Deadline(); ok {
		d.deadline.Store(true)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.arrived <- struct{}{}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ran.Add(1)
	d.started <- struct{}{}
	<-d.release
	return &clickhouse.Result{}, nil
}

func TestAClientThatLeavesStartsNoMoreQueries(t *testing.T) {
	db := newHeldDB()
	h := graphql.NewHandler(graphql.Config{Engine: metrics.NewEngine(db, []string{"eu"})})
	reqCtx := make(chan context.Context, 1)
	served := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(served)
		reqCtx <- r.Context()
		h.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), *principal(auth.RoleAdmin))))
	}))
	defer srv.Close()

	var q strings.Builder
	q.WriteString("{")
	for i := range 24 {
		fmt.Fprintf(&q, ` m%d: metrics(measures: ["messages"]) { truncated }`, i)
	}
	q.WriteString(" }")
	body, _ := json.Marshal(map[string]string{"query": q.String()})
	clientCtx, leave := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(clientCtx, http.MethodPost, srv.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	clientDone := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		clientDone <- err
	}()

	timeout := time.After(10 * time.Second)
	select {
	case <-db.started: // the first query runs; the others wait for their turn
	case <-timeout:
		t.Fatal("no query started")
	}
	for range 4 {
		select {
		case <-db.arrived:
		case <-timeout:
			t.Fatal("fewer than 4 queries are waiting")
		}
	}
	// Time for the other fields to reach the database too, as all 24 did before they were
	// admitted 4 at a time (not needed for the assertion below to hold).
	time.Sleep(100 * time.Millisecond)
	ctx := <-reqCtx
	leave()
	select {
	case <-ctx.Done(): // the server saw the client leave
	case <-timeout:
		t.Fatal("the request's context did not end when the client left")
	}
	close(db.release)
	select {
	case <-served:
	case <-timeout:
		t.Fatal("the handler did not return after the client left")
	}
	if err := <-clientDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v", err)
	}
	// Of the 24 queries, only those already admitted (at most 4 at a time) ran.
	if n := db.ran.Load(); n > 4 {
		t.Fatalf("%d of 24 queries ran after the client left; want at most the 4 admitted", n)
	}
}

func TestEveryResolverHasTheQueryTimeoutAsDeadline(t *testing.T) {
	blocked := &blockingDB{}
	h := graphql.NewHandler(graphql.Config{
		Engine:       metrics.NewEngine(blocked, []string{"eu"}),
		QueryTimeout: 50 * time.Millisecond,
	})
	status, body := postWithin(t, 10*time.Second, h, principal(auth.RoleAdmin), contractQuery)
	if status != http.StatusOK || !strings.Contains(body, "request cancelled or timed out") {
		t.Fatalf("status %d body %s", status, body)
	}
	if err := blocked.err.Load(); err == nil || !errors.Is(*err, context.DeadlineExceeded) {
		t.Fatalf("the query ended with %v, want the deadline", err)
	}
}

// blockingDB answers no query; each waits for its context to end and records why it ended.
type blockingDB struct {
	clickhouse.DB
	err atomic.Pointer[error]
}

func (d *blockingDB) QueryParams(ctx context.Context, _ string, _ clickhouse.Params) (*clickhouse.Result, error) {
	<-ctx.Done()
	err := ctx.Err()
	d.err.Store(&err)
	return nil, err
}

// introspectionQuery is GraphiQL's (graphql-js getIntrospectionQuery with descriptions).
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

func TestStaffingRefusesWhatNoQueueHas(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	huge := strings.TrimSuffix(strings.Repeat("1e9, ", 2000), ", ")
	ftsRegions := strings.TrimSuffix(strings.Repeat(`{name: "r", timeZone: "UTC", startHour: 0, endHour: 24, costPerHour: 1, languages: ["en"]}, `, 33), ", ")
	tests := []struct{ name, query, want string }{
		// Each interval took 0.59 s, 2,000 of them over 300 s: refused before any is computed.
		{"a billion contacts an hour", `{ staffing(input: {ahtSeconds: 300, contacts: [` + huge + `]}) { peakAgents } }`,
			`contacts[0]: calls per hour 1e+09 must be between 0 and 1e+06`},
		{"per interval of 30 minutes", `{ staffing(input: {ahtSeconds: 300, interval: "30m", contacts: [10, 600000]}) { peakAgents } }`,
			`contacts[1]: calls per hour 1.2e+06 must be between 0 and 1e+06`},
		{"handling time of months", `{ staffing(input: {ahtSeconds: 1e7, contacts: [10]}) { peakAgents } }`,
			`ahtSeconds: average handling time 1e+07 s must be positive and at most 86400 (a day)`},
		{"patience of two hours", `{ staffing(input: {ahtSeconds: 300, patienceSeconds: 7200, contacts: [10]}) { peakAgents } }`,
			`patienceSeconds: patience 7200 s must be between 0 (no abandonment) and 3600 (an hour)`},
		{"more traffic than agents exist", `{ staffing(input: {ahtSeconds: 3600, contacts: [1, 900000]}) { peakAgents } }`,
			`contacts[1] with ahtSeconds: traffic 900000 Erlangs (calls per hour x handling time) is more than 100000 agents could carry in one queue`},
		{"follow-the-sun: too many regions", `{ followTheSun(input: {regions: [` + ftsRegions + `], demand: [{market: "GB", language: "en", contacts: [1]}], start: "2026-11-02T00:00:00Z", ahtSeconds: 300}) { cost } }`,
			`regions has 33 entries and demand 1; at most 32 and 64`},
		{"follow-the-sun: a billion contacts", `{ followTheSun(input: {regions: [{name: "r", timeZone: "UTC", startHour: 0, endHour: 24, costPerHour: 1, languages: ["en"]}], demand: [{market: "GB", language: "en", contacts: [` + huge + `]}], start: "2026-11-02T00:00:00Z", ahtSeconds: 300}) { cost } }`,
			`demand[0].contacts[0]: calls per hour 1e+09 must be between 0 and 1e+06`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := postWithin(t, 5*time.Second, h, planner(auth.RolePlanner), tt.query)
			if !strings.Contains(body, `"errors"`) || !strings.Contains(body, tt.want) {
				t.Fatalf("body %.300s, want an error containing %s", body, tt.want)
			}
		})
	}
}
