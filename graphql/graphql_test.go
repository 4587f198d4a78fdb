package graphql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/metrics/metricstest"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

var engine *metrics.Engine

func TestMain(m *testing.M) {
	metricstest.Main(m, func(e *metrics.Engine) { engine = e })
}

// recorder is an Auditor that keeps entries for inspection.
type recorder struct {
	mu      sync.Mutex
	entries []compliance.AuditEntry
}

func (r *recorder) Record(_ context.Context, e compliance.AuditEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, e)
}

func principal(role string, regions ...string) *auth.Principal {
	return &auth.Principal{Tenant: metricstest.Tenant, Role: role, Regions: regions}
}

// post sends a GraphQL request as p (nil: no principal) and returns the status and body.
func post(t *testing.T, h http.Handler, p *auth.Principal, query string, vars map[string]any) (int, string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if p != nil {
		req = req.WithContext(auth.WithPrincipal(req.Context(), *p))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, strings.TrimSpace(w.Body.String())
}

// do posts and decodes the data, failing on GraphQL errors.
func do(t *testing.T, h http.Handler, p *auth.Principal, query string, vars map[string]any, data any) {
	t.Helper()
	status, body := post(t, h, p, query, vars)
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("status %d, body %s (decode: %v)", status, body, err)
	}
	if err := json.Unmarshal(resp.Data, data); err != nil {
		t.Fatalf("decode data %s: %v", resp.Data, err)
	}
}

const contractQuery = `{ metrics(measures: ["messages"], dimensions: ["region"]) { rows { dimensions values } } }`

func TestMetricsContractQueryAnswersOneRowPerRegion(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	tests := []struct {
		name string
		p    *auth.Principal
		want string
	}{
		{"an admin key sees every region", principal(auth.RoleAdmin),
			`{"data":{"metrics":{"rows":[{"dimensions":["eu"],"values":[5]},{"dimensions":["us"],"values":[4]}]}}}`},
		{"a key limited to eu never sees us rows", principal(auth.RolePlanner, "eu"),
			`{"data":{"metrics":{"rows":[{"dimensions":["eu"],"values":[5]}]}}}`},
		{"a key limited to sea sees no rows of this tenant", principal(auth.RoleExecutive, "sea"),
			`{"data":{"metrics":{"rows":[]}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, h, tt.p, contractQuery, nil)
			if status != http.StatusOK || body != tt.want {
				t.Fatalf("status %d body\n%s\nwant\n%s", status, body, tt.want)
			}
		})
	}
}

func TestMetricsFloatsKeepTheirFraction(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	_, body := post(t, h, principal(auth.RoleAnalyst), `{ metrics(measures: ["csat_avg", "messages"], dimensions: ["channel"], filters: [{dimension: "channel", op: "eq", values: ["whatsapp"]}]) { measures dimensions rows { dimensions values } truncated } }`, nil)
	want := `{"data":{"metrics":{"measures":["csat_avg","messages"],"dimensions":["channel"],"rows":[{"dimensions":["whatsapp"],"values":[3,6]}],"truncated":false}}}`
	if body != want {
		t.Fatalf("body\n%s\nwant\n%s", body, want)
	}
	_, body = post(t, h, principal(auth.RoleAnalyst), `{ metrics(measures: ["sentiment_avg"], filters: [{dimension: "region", values: ["eu"]}]) { rows { values } } }`, nil)
	if want := `{"data":{"metrics":{"rows":[{"values":[-0.5]}]}}}`; body != want {
		t.Fatalf("body %s, want %s", body, want)
	}
}

func TestBadInputComesBackAsAClearGraphQLError(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	tests := []struct {
		name, query, want string
		p                 *auth.Principal
		status            int
	}{
		{"unknown measure", `{ metrics(measures: ["mesages"]) { rows { values } } }`, `unknown measure \"mesages\"`, principal(auth.RoleAdmin), 200},
		{"bad granularity", `{ metrics(measures: ["messages"], dimensions: ["time"], granularity: "fortnight") { rows { values } } }`, `unknown granularity \"fortnight\"`, principal(auth.RoleAdmin), 200},
		{"from after to", `{ metrics(measures: ["messages"], from: "2026-11-21T00:00:00Z", to: "2026-11-20T00:00:00Z") { rows { values } } }`, `from (2026-11-21T00:00:00Z) is after to`, principal(auth.RoleAdmin), 200},
		{"bad cursor", `{ conversations(after: "garbage") { totalCount } }`, `invalid cursor`, principal(auth.RoleAdmin), 200},
		{"ingest keys cannot read", contractQuery, `forbidden: a key with role \"ingest\" cannot read`, principal(auth.RoleIngest), 200},
		{"no principal", contractQuery, `unauthenticated`, nil, 401},
		{"too complex", `{ conversations(first: 500) { edges { node { messages(first: 500) { id text } } } } }`, `operation has complexity`, principal(auth.RoleAdmin), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, h, tt.p, tt.query, nil)
			if status != tt.status || !strings.Contains(body, `"errors"`) || !strings.Contains(body, tt.want) {
				t.Fatalf("status %d body %s, want %d and an error containing %s", status, body, tt.status, tt.want)
			}
		})
	}
}

type page struct {
	Conversations struct {
		TotalCount int `json:"totalCount"`
		PageInfo   struct {
			HasNextPage bool    `json:"hasNextPage"`
			EndCursor   *string `json:"endCursor"`
		} `json:"pageInfo"`
		Edges []struct {
			Cursor string `json:"cursor"`
			Node   struct {
				ID           string `json:"id"`
				Region       string `json:"region"`
				MessageCount int    `json:"messageCount"`
				Status       string `json:"status"`
			} `json:"node"`
		} `json:"edges"`
	} `json:"conversations"`
}

const conversationsQuery = `query($filters: [FilterInput!], $first: Int, $after: String) {
  conversations(filters: $filters, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id region messageCount status } }
  }
}`

func TestAMetricsCellDrillsDownToItsConversations(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	filters := []map[string]any{
		{"dimension": "channel", "op": "eq", "values": []string{"whatsapp"}},
		{"dimension": "language", "op": "eq", "values": []string{"de"}},
	}
	var cell struct {
		Metrics struct {
			Rows []struct{ Values []float64 } `json:"rows"`
		} `json:"metrics"`
	}
	do(t, h, principal(auth.RoleSupervisor), `query($filters: [FilterInput!]) { metrics(measures: ["conversations", "messages"], filters: $filters) { rows { values } } }`,
		map[string]any{"filters": filters}, &cell)
	var got page
	do(t, h, principal(auth.RoleSupervisor), conversationsQuery, map[string]any{"filters": filters}, &got)
	msgs := 0
	var ids []string
	for _, e := range got.Conversations.Edges {
		msgs += e.Node.MessageCount
		ids = append(ids, e.Node.Region+"/"+e.Node.ID+"/"+e.Node.Status)
	}
	v := cell.Metrics.Rows[0].Values
	if float64(got.Conversations.TotalCount) != v[0] || float64(msgs) != v[1] || v[0] != 3 || v[1] != 4 {
		t.Fatalf("drill-down: %d conversations with %d messages; the cell says %v (want [3 4])", got.Conversations.TotalCount, msgs, v)
	}
	if want := "us/c-us-3/QUEUED eu/c-eu-2/RESOLVED eu/c-eu-1/QUEUED"; strings.Join(ids, " ") != want {
		t.Fatalf("conversations %v, want %s", ids, want)
	}
}

func TestConversationPagesWalkEveryConversationOnce(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	bulk := &auth.Principal{Tenant: metricstest.BulkTenant, Role: auth.RoleAgent}
	want := 0
	for _, n := range metricstest.Bulk {
		want += n
	}
	seen := map[string]bool{}
	vars := map[string]any{"first": 5}
	for pages := 1; ; pages++ {
		if pages > want {
			t.Fatal("pagination does not end")
		}
		var got page
		do(t, h, bulk, conversationsQuery, vars, &got)
		c := got.Conversations
		if c.TotalCount != want {
			t.Fatalf("totalCount %d, want %d", c.TotalCount, want)
		}
		for _, e := range c.Edges {
			k := e.Node.Region + "/" + e.Node.ID
			if seen[k] {
				t.Fatalf("page %d repeats %s", pages, k)
			}
			seen[k] = true
		}
		if !c.PageInfo.HasNextPage {
			break
		}
		if c.PageInfo.EndCursor == nil || *c.PageInfo.EndCursor != c.Edges[len(c.Edges)-1].Cursor {
			t.Fatalf("endCursor %v is not the last edge's cursor", c.PageInfo.EndCursor)
		}
		vars["after"] = *c.PageInfo.EndCursor
	}
	if len(seen) != want {
		t.Fatalf("walked %d conversations, want %d", len(seen), want)
	}

	// A key limited to eu pages through eu only.
	var eu page
	do(t, h, &auth.Principal{Tenant: metricstest.BulkTenant, Role: auth.RoleAgent, Regions: []string{"eu"}}, conversationsQuery, map[string]any{"first": 100}, &eu)
	if eu.Conversations.TotalCount != metricstest.Bulk["eu"] || len(eu.Conversations.Edges) != metricstest.Bulk["eu"] {
		t.Fatalf("eu key: totalCount %d, %d edges, want %d", eu.Conversations.TotalCount, len(eu.Conversations.Edges), metricstest.Bulk["eu"])
	}
	for _, e := range eu.Conversations.Edges {
		if e.Node.Region != "eu" {
			t.Fatalf("eu key saw %s/%s", e.Node.Region, e.Node.ID)
		}
	}
}

const conversationQuery = `{ conversation(id: "c-eu-1") { id region channel language country customerId firstMessageAt lastMessageAt messageCount status messages(first: 1) { id direction occurredAt text language channel } } }`

// Every role that reads conversations sees a message's text as the field policy says (the
// ingest role reads none), and the read is audited with that outcome.
func TestMessageTextIsShownByRoleThroughTheGate(t *testing.T) {
	tests := []struct {
		role, text, customer, outcome string
	}{
		{auth.RoleAgent, metricstest.PhoneText, "cust-eu-1", compliance.OutcomeClear},
		{auth.RoleSupervisor, metricstest.PhoneText, "cust-eu-1", compliance.OutcomeClear},
		{auth.RoleCompliance, metricstest.PhoneText, "cust-eu-1", compliance.OutcomeClear},
		{auth.RoleAdmin, metricstest.PhoneText, "cust-eu-1", compliance.OutcomeClear},
		{auth.RoleAnalyst, "Hallo, meine Nummer ist [phone], Mail [email], Bestellung [number]", "cust-eu-1", compliance.OutcomeMasked},
		{auth.RolePlanner, compliance.Hidden, "", compliance.OutcomeHidden},
		{auth.RoleExecutive, compliance.Hidden, "", compliance.OutcomeHidden},
	}
	for _, role := range auth.Roles() {
		if role != auth.RoleIngest && !slices.ContainsFunc(tests, func(c struct{ role, text, customer, outcome string }) bool { return c.role == role }) {
			t.Errorf("role %s is not tested", role)
		}
	}
	for _, tt := range tests {
		t.Run("a "+tt.role+" sees "+tt.outcome+" text", func(t *testing.T) {
			rec := &recorder{}
			h := graphql.NewHandler(graphql.Config{Engine: engine, Gate: compliance.NewGate(rec)})
			var got struct {
				Conversation struct {
					ID, Region, Channel, Language, Country, CustomerID, Status string
					FirstMessageAt                                             string
					MessageCount                                               int
					Messages                                                   []struct{ ID, Direction, OccurredAt, Text string }
				}
			}
			do(t, h, principal(tt.role), conversationQuery, nil, &got)
			c := got.Conversation
			if c.ID != "c-eu-1" || c.Region != "eu" || c.Channel != "whatsapp" || c.Country != "DE" || c.Status != "QUEUED" || c.MessageCount != 2 || c.FirstMessageAt != "2026-11-20T10:00:00Z" {
				t.Fatalf("conversation %+v", c)
			}
			if c.CustomerID != tt.customer {
				t.Errorf("customerId %q, want %q", c.CustomerID, tt.customer)
			}
			if len(c.Messages) != 1 || c.Messages[0].ID != "e1" || c.Messages[0].Direction != "inbound" || c.Messages[0].OccurredAt != "2026-11-20T10:00:00Z" {
				t.Fatalf("messages %+v", c.Messages)
			}
			if c.Messages[0].Text != tt.text {
				t.Errorf("text %q, want %q", c.Messages[0].Text, tt.text)
			}
			var text *compliance.AuditEntry
			for i, e := range rec.entries {
				if e.Action == compliance.ActionReadText {
					text = &rec.entries[i]
				}
			}
			if text == nil || text.Tenant != metricstest.Tenant || text.Role != tt.role || text.Region != "eu" || text.Subject != "cust-eu-1" || text.Outcome != tt.outcome || text.At.IsZero() {
				t.Fatalf("audit entries %+v, want a read.text entry with outcome %s", rec.entries, tt.outcome)
			}
		})
	}
}

func TestConversationOutsideTheKeysRegionsIsNull(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	_, body := post(t, h, principal(auth.RoleAgent, "us"), `{ conversation(id: "c-eu-1") { id } }`, nil)
	if want := `{"data":{"conversation":null}}`; body != want {
		t.Fatalf("body %s, want %s", body, want)
	}
}

func TestABrowserGetsThePlayground(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	req := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<html") {
		t.Fatalf("status %d, body %.200s", w.Code, w.Body.String())
	}
}

func TestIntrospectionIsOn(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	var got struct {
		Schema struct {
			QueryType struct{ Name string } `json:"queryType"`
		} `json:"__schema"`
	}
	do(t, h, principal(auth.RoleAnalyst), `{ __schema { queryType { name } } }`, nil, &got)
	if got.Schema.QueryType.Name != "Query" {
		t.Fatalf("introspection: %+v", got)
	}
}

// The playground works without internet: its page and every file it loads come from this
// server, none of them names another origin to load from, and its policy allows 'self' only.
func TestThePlaygroundLoadsNothingFromElsewhere(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/graphql", graphql.NewHandler(graphql.Config{Engine: engine}))
	mux.Handle("GET "+graphql.PlaygroundAssetsPath, graphql.PlaygroundAssets())
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept", "text/html")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		return w
	}
	page := get("/graphql")
	body := page.Body.String()
	if page.Code != http.StatusOK || strings.Contains(body, "not-built") {
		t.Fatalf("playground page %d (assets not built? run scripts/setup.sh):\n%s", page.Code, body)
	}
	if strings.Contains(body, "http:") || strings.Contains(body, "https:") || strings.Contains(body, "//") {
		t.Fatalf("the playground page names another origin:\n%s", body)
	}
	csp := page.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "http") || strings.Contains(csp, "sha256") {
		t.Fatalf("playground CSP %q, want scripts from 'self' only", csp)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(refs) < 5 {
		t.Fatalf("the page loads %d files, want GraphiQL, React, React DOM, their styles and the start script:\n%s", len(refs), body)
	}
	types := map[string]string{".js": "text/javascript", ".css": "text/css"}
	for _, m := range refs {
		path := m[1]
		if !strings.HasPrefix(path, graphql.PlaygroundAssetsPath) {
			t.Errorf("the page loads %s, outside %s", path, graphql.PlaygroundAssetsPath)
			continue
		}
		w := get(path)
		if w.Code != http.StatusOK || w.Body.Len() == 0 || !strings.HasPrefix(w.Header().Get("Content-Type"), types[filepath.Ext(path)]) {
			t.Errorf("GET %s: %d, %d bytes, %s", path, w.Code, w.Body.Len(), w.Header().Get("Content-Type"))
		}
		if filepath.Ext(path) == ".css" && regexp.MustCompile(`url\(\s*["']?(https?:)?//|@import`).MatchString(w.Body.String()) {
			t.Errorf("%s loads from another origin", path)
		}
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

// A field policy's region override applies to a key reading a customer of that region, not
// to one of another region, and the audit trail records the outcome applied.
func TestRegionOverrideOfTheFieldPolicyAppliesToThatRegionsCustomers(t *testing.T) {
	pol, err := compliance.ParsePolicy([]byte("roles:\n  agent: {text: clear, customer_id: clear, identity: clear}\nregions:\n  eu: {agent: {text: masked, customer_id: hidden}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	h := graphql.NewHandler(graphql.Config{Engine: engine, Gate: &compliance.Gate{Auditor: rec, Policy: &pol}})
	for _, tt := range []struct{ id, customer, text, outcome string }{
		{"c-eu-1", "", "Hallo, meine Nummer ist [phone], Mail [email], Bestellung [number]", compliance.OutcomeMasked},
		{"c-us-1", "cust-us-1", "Where is my order? Call me at (555) 123-4567", compliance.OutcomeClear},
	} {
		rec.entries = nil
		var got struct {
			Conversation struct {
				CustomerID string
				Messages   []struct{ Text string }
			}
		}
		do(t, h, principal(auth.RoleAgent), `{ conversation(id: "`+tt.id+`") { customerId messages(first: 1) { text } } }`, nil, &got)
		if c := got.Conversation; c.CustomerID != tt.customer || len(c.Messages) != 1 || c.Messages[0].Text != tt.text {
			t.Errorf("%s: %+v, want customer %q and text %q", tt.id, c, tt.customer, tt.text)
		}
		var outcomes []string
		for _, e := range rec.entries {
			if e.Action == compliance.ActionReadText {
				outcomes = append(outcomes, e.Region+" "+e.Outcome)
			}
		}
		if len(outcomes) != 1 || !strings.HasSuffix(outcomes[0], " "+tt.outcome) {
			t.Errorf("%s: read.text audited as %v, want %s", tt.id, outcomes, tt.outcome)
		}
	}
}
