package graphql_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/meridian-cs/meridian/arrowipc"
	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/metrics"
)

// postMetrics sends body to POST /v1/metrics as p (nil: no principal) and returns the answer.
func postMetrics(t testing.TB, h http.Handler, p *auth.Principal, accept, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/metrics", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if p != nil {
		req = req.WithContext(auth.WithPrincipal(req.Context(), *p))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// metricsResult is the JSON of a GraphQL MetricsResult.
type metricsResult struct {
	Measures   []string `json:"measures"`
	Dimensions []string `json:"dimensions"`
	Rows       []struct {
		Dimensions []string  `json:"dimensions"`
		Values     []float64 `json:"values"`
	} `json:"rows"`
	Truncated bool `json:"truncated"`
}

// graphqlMetrics runs the metrics query with args as its variables on /graphql.
func graphqlMetrics(t *testing.T, h http.Handler, p *auth.Principal, args map[string]any) metricsResult {
	t.Helper()
	const q = `query($measures: [String!]!, $dimensions: [String!], $filters: [FilterInput!], $from: Time, $to: Time, $granularity: String, $limit: Int, $orderBy: [OrderInput!]) {
  metrics(measures: $measures, dimensions: $dimensions, filters: $filters, from: $from, to: $to, granularity: $granularity, limit: $limit, orderBy: $orderBy) { measures dimensions rows { dimensions values } truncated }
}`
	var data struct{ Metrics metricsResult }
	do(t, h, p, q, args, &data)
	return data.Metrics
}

// readArrow decodes an Arrow IPC stream into the rows of a MetricsResult, checking each
// column's type: utf8 dimensions, int64 counts, float64 for the rest.
func readArrow(t *testing.T, body []byte, ints map[string]bool) metricsResult {
	t.Helper()
	res, schema, err := arrowipc.ReadMetrics(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range schema.Fields() {
		if id := f.Type.ID(); id != arrow.STRING && !(ints[f.Name] && id == arrow.INT64) && !(!ints[f.Name] && id == arrow.FLOAT64) {
			t.Fatalf("column %s has type %s", f.Name, f.Type)
		}
	}
	if _, ok := schema.Metadata().GetValue(arrowipc.TruncatedKey); !ok {
		t.Fatalf("schema metadata %v has no %s", schema.Metadata(), arrowipc.TruncatedKey)
	}
	return asMetricsResult(t, res)
}

// asMetricsResult is res in the JSON shape GraphQL gives it.
func asMetricsResult(t *testing.T, res *metrics.Result) metricsResult {
	t.Helper()
	b, err := json.Marshal(map[string]any{"measures": res.Measures, "dimensions": res.Dimensions, "rows": res.Rows, "truncated": res.Truncated})
	if err != nil {
		t.Fatal(err)
	}
	var out metricsResult
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPostMetricsAnswersTheGraphQLRowsAsArrowAndAsJSON(t *testing.T) {
	cfg := graphql.Config{Engine: engine}
	gq, rest := graphql.NewHandler(cfg), graphql.NewMetricsHandler(cfg)
	ints := map[string]bool{"messages": true, "conversations": true}
	for _, tt := range []struct {
		name string
		p    *auth.Principal
		body string
	}{
		{"two dimensions, a count and an average", principal(auth.RoleAnalyst),
			`{"measures":["messages","csat_avg","conversations"],"dimensions":["region","channel"]}`},
		{"time buckets, filters, a range, order and a limit", principal(auth.RoleAdmin),
			`{"measures":["messages","sentiment_avg"],"dimensions":["time","language"],"granularity":"hour","filters":[{"dimension":"channel","op":"neq","values":["email"]}],"from":"2026-11-20T00:00:00Z","to":"2026-11-23T00:00:00Z","orderBy":[{"field":"messages","desc":true}],"limit":3}`},
		{"no dimensions: one row", principal(auth.RoleExecutive), `{"measures":["messages"]}`},
		{"a key limited to eu", principal(auth.RolePlanner, "eu"), `{"measures":["messages"],"dimensions":["region"]}`},
		{"a key limited to sea: no rows of this tenant", principal(auth.RoleExecutive, "sea"), `{"measures":["messages"],"dimensions":["region"]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var args map[string]any
			if err := json.Unmarshal([]byte(tt.body), &args); err != nil {
				t.Fatal(err)
			}
			want := graphqlMetrics(t, gq, tt.p, args)
			if len(want.Rows) == 0 && !strings.Contains(tt.name, "no rows") {
				t.Fatal("the GraphQL query answered no rows; the comparison would prove nothing")
			}

			w := postMetrics(t, rest, tt.p, "application/vnd.apache.arrow.stream", tt.body)
			if w.Code != http.StatusOK || w.Header().Get("Content-Type") != arrowipc.MediaType {
				t.Fatalf("arrow: %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body.Bytes())
			}
			if got := readArrow(t, w.Body.Bytes(), ints); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("arrow answer\n%v\nGraphQL answer\n%v", got, want)
			}

			w = postMetrics(t, rest, tt.p, "", tt.body)
			var got metricsResult
			if err := json.Unmarshal(w.Body.Bytes(), &got); w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" || err != nil {
				t.Fatalf("json: %d %s %s (%v)", w.Code, w.Header().Get("Content-Type"), w.Body.Bytes(), err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("JSON answer\n%v\nGraphQL answer\n%v", got, want)
			}
		})
	}
}

func TestPostMetricsJSONIsTheGraphQLResultItself(t *testing.T) {
	rest := graphql.NewMetricsHandler(graphql.Config{Engine: engine})
	w := postMetrics(t, rest, principal(auth.RoleAnalyst), "application/json", `{"measures":["csat_avg","messages"],"dimensions":["channel"],"filters":[{"dimension":"channel","op":"eq","values":["whatsapp"]}]}`)
	// The same bytes as data.metrics of TestMetricsFloatsKeepTheirFraction.
	want := `{"measures":["csat_avg","messages"],"dimensions":["channel"],"rows":[{"dimensions":["whatsapp"],"values":[3,6]}],"truncated":false}`
	if got := strings.TrimSpace(w.Body.String()); w.Code != http.StatusOK || got != want {
		t.Fatalf("%d %s, want %s", w.Code, got, want)
	}
}

func TestPostMetricsRefusesWhatGraphQLRefuses(t *testing.T) {
	rest := graphql.NewMetricsHandler(graphql.Config{Engine: engine})
	admin := principal(auth.RoleAdmin)
	for _, tt := range []struct {
		name   string
		p      *auth.Principal
		body   string
		status int
		want   string // in the error message
	}{
		{"unknown measure", admin, `{"measures":["mesages"]}`, 400, `unknown measure "mesages" (known: `},
		{"unknown dimension", admin, `{"measures":["messages"],"dimensions":["planet"]}`, 400, `unknown dimension "planet"`},
		{"unknown field", admin, `{"measures":["messages"],"dimension":["country"]}`, 400, `unknown field "dimension"`},
		{"unknown field of a filter", admin, `{"measures":["messages"],"filters":[{"dimension":"country","value":["DE"]}]}`, 400, `filters[0].value: unknown field`},
		{"measures missing", admin, `{"dimensions":["country"]}`, 400, `measures: must be defined`},
		// gqlgen reads a number given for a String as its digits, here as in GraphQL.
		{"a number for a measure", admin, `{"measures":[3]}`, 400, `unknown measure "3"`},
		{"a null measure", admin, `{"measures":[null]}`, 400, `measures[0]: cannot be null`},
		{"measures of the wrong type", admin, `{"measures":{"a":1}}`, 400, `measures[0]: cannot use map as String`},
		{"two unknown fields", admin, `{"measures":["messages"],"foo":1,"bar":2}`, 400, `unknown fields "bar", "foo": the metrics query's arguments are measures, dimensions, filters, from, to, granularity, limit, orderBy`},
		{"limit of the wrong type", admin, `{"measures":["messages"],"limit":"ten"}`, 400, `limit: cannot use string as Int`},
		{"limit over the maximum", admin, `{"measures":["messages"],"limit":100001}`, 400, `limit 100001 is above the maximum 100000`},
		{"a time that is not RFC 3339", admin, `{"measures":["messages"],"from":"yesterday"}`, 400, `from: time should be RFC3339Nano formatted string`},
		{"bad granularity", admin, `{"measures":["messages"],"dimensions":["time"],"granularity":"fortnight"}`, 400, `unknown granularity "fortnight"`},
		{"not an object", admin, `["messages"]`, 400, `JSON object`},
		{"empty body", admin, ``, 400, `JSON object`},
		{"two objects", admin, `{"measures":["messages"]}{}`, 400, `one JSON object`},
		{"an ingest key cannot read", principal(auth.RoleIngest), `{"measures":["messages"]}`, 403, `forbidden: a key with role "ingest" cannot read`},
		{"no principal", nil, `{"measures":["messages"]}`, 401, `unauthenticated`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, accept := range []string{"", arrowipc.MediaType} {
				w := postMetrics(t, rest, tt.p, accept, tt.body)
				var out struct{ Error string }
				if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != tt.status || w.Header().Get("Content-Type") != "application/json" || !strings.Contains(out.Error, tt.want) {
					t.Fatalf("Accept %q: %d %s %s, want %d with an error containing %s", accept, w.Code, w.Header().Get("Content-Type"), w.Body.Bytes(), tt.status, tt.want)
				}
			}
		})
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/metrics", nil).WithContext(auth.WithPrincipal(t.Context(), *admin))
	w := httptest.NewRecorder()
	rest.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
		t.Fatalf("GET: %d %v", w.Code, w.Header())
	}
}

func TestPostMetricsNegotiatesArrowByAccept(t *testing.T) {
	rest := graphql.NewMetricsHandler(graphql.Config{Engine: engine})
	for accept, arrow := range map[string]bool{
		"":                 false,
		"application/json": false,
		"*/*":              false,
		arrowipc.MediaType: true,
		"application/json, " + arrowipc.MediaType + ";q=0.9": true,
		arrowipc.MediaType + ";q=0":                          false,
	} {
		w := postMetrics(t, rest, principal(auth.RoleAdmin), accept, `{"measures":["messages"]}`)
		want := "application/json"
		if arrow {
			want = arrowipc.MediaType
		}
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != want {
			t.Errorf("Accept %q: %d %s, want %s", accept, w.Code, w.Header().Get("Content-Type"), want)
		}
	}
}
