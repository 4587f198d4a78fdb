package main

import (
	"bufio"
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
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("90 s into the demo: %v events, %v requests answered 202, %v timed", events, accepted, m["meridian_ingest_ack_seconds_count"])
		}
		time.Sleep(500 * time.Millisecond)
	}
}
