package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// One request must never stop a region. What no store can hold is refused at the door with a
// 400 naming the field (NUL in what PostgreSQL stores, times the events table cannot bucket,
// countries that are not countries); a backfill of years in one request is stored; and an
// event sent afterwards is still stored, with /readyz ready and the lag visible in /metrics.
func TestOneRequestNeverStopsARegion(t *testing.T) {
	s := startServer(t, t.TempDir())
	ev := func(id, typ, occurred, extra string) string {
		return fmt.Sprintf(`{"id":%q,"type":%q,"occurred_at":%q,"channel":"whatsapp","conversation_id":"c-%s","customer":{"country":"DE"}%s}`,
			id, typ, occurred, id, extra)
	}
	const at = "2026-11-20T10:00:00Z"
	for _, c := range []struct{ body, field string }{
		{ev("n1", "routing.decision", at, `,"queue":"q\u0000x"`), "queue"},
		{strings.Replace(ev("n2", "routing.decision", at, `,"queue":"billing"`), `"c-n2"`, `"c\u0000n2"`, 1), "conversation_id"},
		{strings.Replace(ev("n3", "routing.decision", at, `,"queue":"billing"`), `"country":"DE"`, `"country":"DE","tier":"v\u0000ip"`, 1), "customer.tier"},
		{ev("t1", "message.received", "0001-01-01T00:00:00Z", `,"text":"hallo"`), "occurred_at"},
		{ev("t2", "message.received", "1900-01-01T00:00:00Z", `,"text":"hallo"`), "occurred_at"},
		{ev("t3", "message.received", "2299-12-31T00:00:00Z", `,"text":"hallo"`), "occurred_at"},
		{ev("t4", "message.received", "9999-12-31T00:00:00Z", `,"text":"hallo"`), "occurred_at"},
		{ev("t5", "message.received", "2036-01-01T00:00:00Z", `,"text":"hallo"`), "occurred_at"},
		{strings.Replace(ev("k1", "message.received", at, `,"text":"hi"`), `"DE"`, `"EU"`, 1), "customer.country"},
		{strings.Replace(ev("k2", "message.received", at, `,"text":"hi"`), `"DE"`, `"XX"`, 1), "customer.country"},
		{strings.Replace(ev("k3", "message.received", at, `,"text":"hi"`), `"DE"`, `"ZZ"`, 1), "customer.country"},
		{strings.Replace(ev("k4", "message.received", at, `,"text":"hi"`), `"DE"`, `"AA"`, 1), "customer.country"},
	} {
		code, out := s.post(t, "/v1/events", testKey, "application/json", "["+c.body+"]")
		if code != 400 || out["field"] != c.field {
			t.Errorf("%s: %d %v, want 400 naming %s", c.body, code, out, c.field)
		}
	}

	// British customers' data stays in the EU region, whichever code the client uses.
	uk := strings.Replace(ev("uk1", "message.received", at, `,"text":"Where is my order?"`), `"DE"`, `"UK"`, 1)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", "["+uk+"]"); code != 202 {
		t.Fatalf("UK customer: %d %v", code, out)
	}
	// 150 events a month apart, 2014 to 2026, in one request.
	var backfill []string
	for i := range 150 {
		when := time.Date(2014, 1, 10, 9, 0, 0, 0, time.UTC).AddDate(0, i, 0).Format(time.RFC3339)
		backfill = append(backfill, ev(fmt.Sprintf("b%d", i), "message.received", when, `,"text":"Wo ist meine Bestellung?"`))
	}
	if code, out := s.post(t, "/v1/events", testKey, "application/json", "["+strings.Join(backfill, ",")+"]"); code != 202 {
		t.Fatalf("backfill: %d %v", code, out)
	}
	canary := ev("canary", "message.received", at, `,"text":"still there?"`)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", "["+canary+"]"); code != 202 {
		t.Fatalf("canary: %d %v", code, out)
	}
	waitCounts(t, s, map[string]float64{"eu": 152}, 30*time.Second)

	resp, err := http.Get("http://" + s.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"sink.eu":"ok"`) {
		t.Fatalf("/readyz: %d %s, want ready with the eu sink ok", resp.StatusCode, body)
	}
	// The batch is committed just after it is stored: the lag reaches 0 right after.
	want := []string{`meridian_consumer_lag{group="meridian.stores.eu",partition="0",topic="meridian.eu.events"} 0`, "meridian_sink_batch_splits_total 0"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err = http.Get("http://" + s.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		missing := ""
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				missing = w
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %s", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Any ingest key could rewrite a stored message by sending another body under its id. The
// first accepted version stays: an identical retry is answered as before, a different body
// is dead-lettered as a conflict and never replaces it.
func TestADifferentBodyUnderAnAcceptedIDNeverReplacesIt(t *testing.T) {
	s := startServer(t, t.TempDir())
	msg := func(id, text string) string {
		return fmt.Sprintf(`[{"id":%q,"type":"message.received","occurred_at":"2026-11-20T10:00:00Z","channel":"whatsapp","conversation_id":"c-o","customer":{"country":"DE"},"text":%q}]`, id, text)
	}
	for i, body := range []string{msg("o1", "original text"), msg("o1", "original text"), msg("o1", "rewritten text"), msg("o2", "after")} {
		if code, out := s.post(t, "/v1/events", testKey, "application/json", body); code != 202 {
			t.Fatalf("post %d: %d %v", i, code, out)
		}
	}
	waitCounts(t, s, map[string]float64{"eu": 2}, 30*time.Second)
	q := `{"query":"{ conversation(id: \"c-o\") { messages { id text } } }"}`
	code, out := s.post(t, "/graphql", testKey, "application/json", q)
	if code != 200 || out["errors"] != nil {
		t.Fatalf("graphql: %d %v", code, out)
	}
	got := fmt.Sprint(out["data"].(map[string]any)["conversation"].(map[string]any)["messages"])
	if got != "[map[id:o1 text:original text] map[id:o2 text:after]]" {
		t.Fatalf("messages %s, want o1's original text and o2", got)
	}
	resp, err := http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `meridian_dead_letters_total{sink="stores",topic="meridian.eu.events"} 1`) {
		t.Fatal("the conflicting version was not dead-lettered once")
	}
}
