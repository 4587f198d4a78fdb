package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metrics reads the server's /metrics into a map from "name{labels}" to value.
func (s *server) metrics(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// Every answer of /v1/events is counted by its status, the 401s of the auth middleware and
// the 429s of the rate limiter included; only acknowledged requests are timed.
func TestIngestRequestsAreCountedWhoeverAnswersThem(t *testing.T) {
	s := startServer(t, t.TempDir(), "MERIDIAN_INGEST_RATE=1", "MERIDIAN_INGEST_BURST=1")
	codes := map[int]int{}
	post := func(key, body string) {
		code, _ := s.post(t, "/v1/events", key, "application/json", body)
		codes[code]++
	}
	post("", contractBody)
	post("not-a-key", contractBody)
	post(testKey, contractBody)
	for range 5 { // within the second the first one emptied the bucket
		post(testKey, `[{"id":""}]`)
	}
	if codes[401] != 2 || codes[202] != 1 || codes[429] == 0 {
		t.Fatalf("answers by status: %v, want two 401, one 202 and some 429", codes)
	}
	m := s.metrics(t)
	for code, n := range codes {
		if got := m[`meridian_ingest_requests_total{code="`+strconv.Itoa(code)+`"}`]; got != float64(n) {
			t.Errorf("meridian_ingest_requests_total{code=%q} = %v, want %d", strconv.Itoa(code), got, n)
		}
	}
	if got := m["meridian_ingest_ack_seconds_count"]; got != 1 {
		t.Errorf("meridian_ingest_ack_seconds_count = %v, want 1 (the acknowledged request)", got)
	}
	if got := m[`meridian_ingest_events_total{region="eu"}`]; got != 1 {
		t.Errorf(`meridian_ingest_events_total{region="eu"} = %v, want 1`, got)
	}
}

// The demo's traffic is a client of POST /v1/events like any other, so the ingest metrics
// count it.
func TestDemoTrafficIsCountedByTheIngestMetrics(t *testing.T) {
	s := startMeridian(t, []string{"demo", "--days", "1", "--rate", "60"}, t.TempDir())
	deadline := time.Now().Add(90 * time.Second)
	for {
		m := s.metrics(t)
		var events float64
		for k, v := range m {
			if strings.HasPrefix(k, "meridian_ingest_events_total{") {
				events += v
			}
		}
		accepted := m[`meridian_ingest_requests_total{code="202"}`]
		if events > 0 && accepted > 0 && m["meridian_ingest_ack_seconds_count"] == accepted {
			t.Logf("demo: %v events in %v acknowledged requests", events, accepted)
			// Every region has people in it, online.
			for _, r := range []string{"eu", "us", "sea"} {
				q := fmt.Sprintf(`{ agents(region: %q) { presence } }`, r)
				as := s.gql(t, q, nil)["agents"].([]any)
				if len(as) < 5 || fmt.Sprint(as[0]) != "map[presence:ONLINE]" {
					t.Errorf("demo agents of %s: %v", r, as)
				}
			}
			// And its knowledge base answers in the customers' languages.
			if all := s.gql(t, `{ articles { id } }`, nil)["articles"].([]any); len(all) != 45 {
				t.Errorf("demo knowledge base: %d articles, want 45", len(all))
			}
			if hits := s.gql(t, `{ articles(language: "zh", query: "我想退货", limit: 1) { id } }`, nil)["articles"].([]any); fmt.Sprint(hits) != "[map[id:returns-zh]]" {
				t.Errorf("demo knowledge base, 我想退货: %v", hits)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("90 s into the demo: %v events, %v requests answered 202, %v timed", events, accepted, m["meridian_ingest_ack_seconds_count"])
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// The demo's live customer messages on the messaging platforms enter through the platforms'
// webhooks, signed as each platform signs, and are counted there (e-mail through the SMTP
// listener); the generator's agent
// replies, posted to /v1/events, land in the conversations the intake opened for those
// messages. A channel the user configured is theirs: the demo forges no deliveries on it.
func TestDemoLiveMessagesEnterThroughThePlatformWebhooks(t *testing.T) {
	s := startMeridian(t, []string{"demo", "--days", "0", "--rate", "600", "--speedup", "600"}, t.TempDir(),
		"MERIDIAN_INSTAGRAM_APP_SECRET=the-users-own")
	const convs = `query($ch: [String!]!) { conversations(filters: [{dimension: "channel", values: $ch}], first: 100) {
		edges { node { id channel messages(first: 20) { id direction } } } } }`
	deadline := time.Now().Add(120 * time.Second)
	for {
		m := s.metrics(t)
		var hooked []string
		for _, ch := range demoWebhookChannels {
			for k := range m {
				if strings.HasPrefix(k, `meridian_webhook_requests_total{channel="`+ch+`"`) && !strings.HasSuffix(k, `code="200"}`) {
					t.Fatalf("%s = %v: every demo delivery should be acknowledged", k, m[k])
				}
			}
			if m[`meridian_webhook_requests_total{channel="`+ch+`",code="200"}`] > 0 {
				if ch == "instagram" {
					t.Fatal("the demo posted deliveries on the user's Instagram channel")
				}
				hooked = append(hooked, ch)
			}
		}
		// Conversations the intake opened (named after their first webhook message) that
		// hold that message and an agent's reply from /v1/events, by channel.
		answered := map[string]int{}
		inbound := map[string]float64{}
		if len(hooked) >= 3 {
			edges := s.gql(t, convs, map[string]any{"ch": append(hooked, "email")})["conversations"].(map[string]any)["edges"].([]any)
			for _, e := range edges {
				n := e.(map[string]any)["node"].(map[string]any)
				var in, out bool
				for _, msg := range n["messages"].([]any) {
					msg := msg.(map[string]any)
					in = in || msg["direction"] == "inbound" && strings.HasPrefix(msg["id"].(string), n["channel"].(string)+":")
					out = out || msg["direction"] == "outbound"
				}
				if strings.HasPrefix(n["id"].(string), "c-") && in && out {
					answered[n["channel"].(string)]++
				}
			}
			rows := s.gql(t, `{ metrics(measures: ["messages"], dimensions: ["channel", "direction"]) { rows { dimensions values } } }`, nil)["metrics"].(map[string]any)["rows"].([]any)
			for _, r := range rows {
				r := r.(map[string]any)
				if d := r["dimensions"].([]any); d[1] == "inbound" {
					inbound[d[0].(string)] = r["values"].([]any)[0].(float64)
				}
			}
		}
		// E-mail arrives through the SMTP listener: its conversations are the intake's too.
		ok := len(hooked) >= 3 && len(answered) >= 2 && answered["email"] > 0
		for _, ch := range hooked {
			ok = ok && inbound[ch] > 0
		}
		if ok {
			t.Logf("webhook channels %v; intake-opened conversations with an agent reply: %v; inbound messages: %v", hooked, answered, inbound)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("120 s into the demo: webhooks acknowledged on %v; answered conversations %v; inbound messages %v", hooked, answered, inbound)
		}
		time.Sleep(time.Second)
	}
}
