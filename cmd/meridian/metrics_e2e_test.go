package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/arrowipc"
)

const arrowStream = "application/vnd.apache.arrow.stream"

// metricsAnswer is a MetricsResult as GraphQL gives it, and as POST /v1/metrics is compared.
type metricsAnswer struct {
	Measures   []string `json:"measures"`
	Dimensions []string `json:"dimensions"`
	Rows       []struct {
		Dimensions []string  `json:"dimensions"`
		Values     []float64 `json:"values"`
	} `json:"rows"`
	Truncated bool `json:"truncated"`
}

// request sends a JSON body to path with key and Accept ("" leaves either out).
func (s *server) request(t *testing.T, method, path, key, accept, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// postRaw posts body to path with key and Accept, and returns the status, content type and body.
func (s *server) postRaw(t *testing.T, path, key, accept, body string) (int, string, []byte) {
	t.Helper()
	resp := s.request(t, http.MethodPost, path, key, accept, body)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// graphqlMetrics runs the GraphQL metrics query with args (a /v1/metrics body) as variables.
func (s *server) graphqlMetrics(t *testing.T, key, args string) metricsAnswer {
	t.Helper()
	const q = `query($measures: [String!]!, $dimensions: [String!], $filters: [FilterInput!], $from: Time, $to: Time, $granularity: String, $limit: Int, $orderBy: [OrderInput!]) {
  metrics(measures: $measures, dimensions: $dimensions, filters: $filters, from: $from, to: $to, granularity: $granularity, limit: $limit, orderBy: $orderBy) { measures dimensions rows { dimensions values } truncated } }`
	body, _ := json.Marshal(map[string]any{"query": q, "variables": json.RawMessage(args)})
	code, _, b := s.postRaw(t, "/graphql", key, "", string(body))
	var out struct {
		Data   struct{ Metrics metricsAnswer }
		Errors []any
	}
	if err := json.Unmarshal(b, &out); err != nil || code != 200 || out.Errors != nil {
		t.Fatalf("graphql answered %d: %s", code, b)
	}
	return out.Data.Metrics
}

// readArrowStream decodes an Arrow IPC stream into the shape of a MetricsResult, with each
// column's type.
func readArrowStream(t *testing.T, body []byte) (metricsAnswer, map[string]string) {
	t.Helper()
	res, schema, err := arrowipc.ReadMetrics(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, f := range schema.Fields() {
		types[f.Name] = f.Type.String()
	}
	out := metricsAnswer{Measures: res.Measures, Dimensions: res.Dimensions, Truncated: res.Truncated}
	for _, r := range res.Rows {
		out.Rows = append(out.Rows, struct {
			Dimensions []string  `json:"dimensions"`
			Values     []float64 `json:"values"`
		}{r.Dimensions, r.Values})
	}
	return out, types
}

// TestPostMetricsAnswersArrowAndJSONLikeGraphQL runs the binary, posts events, and reads them
// back through POST /v1/metrics as an Arrow stream (decoded with arrow-go) and as JSON, both
// compared with the GraphQL metrics query for the same arguments and key; then the errors,
// the scopes, the body limit and the rate limit GraphQL shares with it.
func TestPostMetricsAnswersArrowAndJSONLikeGraphQL(t *testing.T) {
	const (
		euKey        = "eu-planner-key-0123"
		ingestKey    = "ingest-only-key-0123"
		throttledKey = "throttled-key-0123"
	)
	s := startServer(t, t.TempDir(),
		"MERIDIAN_API_KEYS="+testKey+","+euKey+":planner:eu,"+ingestKey+":ingest,"+throttledKey,
		// Enough for the test's own requests; throttledKey spends its burst at the end.
		"MERIDIAN_GRAPHQL_RATE=1", "MERIDIAN_GRAPHQL_BURST=100",
	)

	// Conversations in eu (DE, FR) and sea (SG) over two days, each a customer message and
	// some with a reply.
	var events []string
	start := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	countries := []string{"DE", "FR", "SG"}
	channels := []string{"whatsapp", "email", "line"}
	received := 0
	for i := range 24 {
		at := start.Add(time.Duration(i) * 97 * time.Minute)
		c := fmt.Sprintf(`"channel":%q,"conversation_id":"conv-%d","customer":{"country":%q,"external_id":"cust-%d"}`, channels[i%3], i, countries[i%len(countries)], i%7)
		events = append(events, fmt.Sprintf(`{"id":"in-%d","type":"message.received","occurred_at":%q,%s,"text":"Wo ist meine Bestellung %d?"}`, i, at.Format(time.RFC3339), c, i))
		received++
		if i%2 == 0 {
			events = append(events, fmt.Sprintf(`{"id":"out-%d","type":"message.sent","occurred_at":%q,%s,"text":"Sie ist unterwegs."}`, i, at.Add(time.Duration(30+i)*time.Second).Format(time.RFC3339), c))
		}
	}
	if code, out := s.post(t, "/v1/events", testKey, "application/json", "["+strings.Join(events, ",")+"]"); code != 202 {
		t.Fatalf("POST /v1/events: %d %v", code, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := s.graphqlMetrics(t, testKey, `{"measures":["inbound_messages"]}`)
		if len(got.Rows) == 1 && got.Rows[0].Values[0] == float64(received) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ClickHouse holds %v customer messages after 30 s, want %d", got.Rows, received)
		}
		time.Sleep(250 * time.Millisecond)
	}

	bodies := []string{
		`{"measures":["messages","customers","first_response_seconds"],"dimensions":["region","country","channel"]}`,
		`{"measures":["messages","conversations"],"dimensions":["time","channel"],"granularity":"hour","filters":[{"dimension":"channel","op":"neq","values":["email"]}],"from":"2026-11-20T00:00:00Z","to":"2026-11-22T00:00:00Z","orderBy":[{"field":"messages","desc":true}],"limit":5}`,
		`{"measures":["inbound_messages","ai_containment"]}`,
	}
	for _, key := range []string{testKey, euKey} {
		for _, body := range bodies {
			want := s.graphqlMetrics(t, key, body)
			if len(want.Rows) == 0 {
				t.Fatalf("GraphQL answered no rows for %s; the comparison would prove nothing", body)
			}
			code, ctype, b := s.postRaw(t, "/v1/metrics", key, arrowStream, body)
			if code != 200 || ctype != arrowStream {
				t.Fatalf("arrow %s: %d %s %s", body, code, ctype, b)
			}
			got, types := readArrowStream(t, b)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("key %s, %s:\narrow   %v\ngraphql %v", key, body, got, want)
			}
			for name, typ := range types {
				wantType := map[string]string{"messages": "int64", "customers": "int64", "conversations": "int64", "inbound_messages": "int64", "first_response_seconds": "float64", "ai_containment": "float64"}[name]
				if wantType == "" {
					wantType = "utf8"
				}
				if typ != wantType {
					t.Errorf("column %s is %s, want %s", name, typ, wantType)
				}
			}

			code, ctype, b = s.postRaw(t, "/v1/metrics", key, "", body)
			var js metricsAnswer
			if err := json.Unmarshal(b, &js); err != nil || code != 200 || ctype != "application/json" {
				t.Fatalf("json %s: %d %s %s", body, code, ctype, b)
			}
			if fmt.Sprint(js) != fmt.Sprint(want) {
				t.Errorf("key %s, %s:\njson    %v\ngraphql %v", key, body, js, want)
			}
		}
	}
	// The eu key's scope: no sea row, while the admin key sees one.
	byRegion := `{"measures":["messages"],"dimensions":["region"]}`
	for key, want := range map[string]string{testKey: "eu sea", euKey: "eu"} {
		_, _, b := s.postRaw(t, "/v1/metrics", key, arrowStream, byRegion)
		got, _ := readArrowStream(t, b)
		var regions []string
		for _, r := range got.Rows {
			regions = append(regions, r.Dimensions[0])
		}
		if strings.Join(regions, " ") != want {
			t.Errorf("key %s reads regions %v, want %s", key, regions, want)
		}
	}

	for name, c := range map[string]struct {
		key, body string
		status    int
		want      string
	}{
		"bad measure":    {testKey, `{"measures":["mesages"],"dimensions":["country"]}`, 400, `unknown measure "mesages"`},
		"unknown field":  {testKey, `{"measures":["messages"],"dimensionz":["country"]}`, 400, `unknown field "dimensionz"`},
		"wrong type":     {testKey, `{"measures":["messages"],"limit":"all"}`, 400, `limit: cannot use string as Int`},
		"wrong key":      {"wrong-key-0123456", byRegion, 401, ``},
		"no key":         {"", byRegion, 401, ``},
		"ingest key":     {ingestKey, byRegion, 403, `forbidden: a key with role "ingest" cannot read`},
		"region scope":   {euKey, `{"measures":["messages"],"filters":[{"dimension":"region","values":["atlantis"]}]}`, 400, `unknown region "atlantis"`},
		"body too large": {testKey, `{"measures":["messages"],"dimensions":["` + strings.Repeat("x", 9<<20) + `"]}`, 413, `body is larger than 8388608 bytes`},
	} {
		for _, accept := range []string{arrowStream, ""} {
			code, ctype, b := s.postRaw(t, "/v1/metrics", c.key, accept, c.body)
			var out struct{ Error string }
			if err := json.Unmarshal(b, &out); err != nil || code != c.status || ctype != "application/json" || out.Error == "" || !strings.Contains(out.Error, c.want) {
				t.Errorf("%s (Accept %q): %d %s %.300s, want %d with an error containing %q", name, accept, code, ctype, b, c.status, c.want)
			}
		}
	}
	// A key limited to eu that filters on sea reads nothing of it.
	if got := s.graphqlMetrics(t, euKey, `{"measures":["messages"],"dimensions":["region"],"filters":[{"dimension":"region","values":["sea"]}]}`); len(got.Rows) != 0 {
		t.Errorf("the eu key reads sea through GraphQL: %v", got.Rows)
	}
	code, _, b := s.postRaw(t, "/v1/metrics", euKey, arrowStream, `{"measures":["messages"],"dimensions":["region"],"filters":[{"dimension":"region","values":["sea"]}]}`)
	if got, _ := readArrowStream(t, b); code != 200 || len(got.Rows) != 0 {
		t.Errorf("the eu key reads sea through /v1/metrics: %d %v", code, got.Rows)
	}

	// One budget per key for /graphql and /v1/metrics: once GraphQL has spent the burst,
	// /v1/metrics answers 429 too.
	for i := 0; ; i++ {
		code, _, _ := s.postRaw(t, "/graphql", throttledKey, "", `{"query":"{ __typename }"}`)
		if code == http.StatusTooManyRequests {
			break
		}
		if code != 200 || i > 200 {
			t.Fatalf("request %d on /graphql: %d, want 200 until 429", i, code)
		}
	}
	code, ctype, b := s.postRaw(t, "/v1/metrics", throttledKey, arrowStream, byRegion)
	if code != http.StatusTooManyRequests || ctype != "application/json" || !strings.Contains(string(b), `"error":"rate limit of this API key exceeded`) {
		t.Errorf("after the burst: %d %s %s, want 429 with a JSON error", code, ctype, b)
	}
}
