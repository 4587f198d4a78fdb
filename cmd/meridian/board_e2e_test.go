package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A supervisor's board adds up what the engine holds: with Lena (German, one seat) online,
// three German messages leave one assigned to her and two waiting, the longest since the
// first; Jun (Japanese, offline) shows in an empty Japanese line.
func TestTheBoardShowsWhoWaitsAndWhoCanTakeThem(t *testing.T) {
	s := startServer(t, t.TempDir(), "MERIDIAN_ROUTING=on")
	for _, q := range []string{
		`mutation { upsertAgent(input: {id: "lena", name: "Lena Vogel", region: "eu", languages: ["de", "en:4"], skills: [], tiers: [], maxConcurrent: 1, timezone: "Europe/Berlin", shifts: []}) { id } }`,
		`mutation { setAgentPresence(agentId: "lena", status: ONLINE) { id } }`,
		`mutation { upsertAgent(input: {id: "jun", name: "Jun Sato", region: "eu", languages: ["ja"], skills: [], tiers: [], maxConcurrent: 3, timezone: "Asia/Tokyo", shifts: []}) { id } }`,
	} {
		s.gql(t, q, nil)
	}
	at := time.Now().UTC().Add(-time.Minute)
	var body string
	for i := 1; i <= 3; i++ {
		if i > 1 {
			body += ","
		}
		body += fmt.Sprintf(`{"id":"b%d","type":"message.received","occurred_at":%q,"channel":"whatsapp","direction":"inbound","conversation_id":"b-%d","customer":{"country":"DE","phone":"+4915200%d"},"text":"Wo bleibt meine Bestellung?","language":"de"}`,
			i, at.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i, i)
	}
	if code, out := s.post(t, "/v1/events", testKey, "application/json", "["+body+"]"); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	const q = `{ board(region: "eu") { region waiting longestWaitSeconds available freeSeats
		queues { name waiting urgent assigned agents online available freeSeats longestWaitSeconds }
		agents { agent { id } load seats onShift full } } }`
	var board map[string]any
	waitFor(t, 30*time.Second, func() bool {
		board = s.gql(t, q, nil)["board"].(map[string]any)
		return board["waiting"] == float64(2)
	})
	if board["region"] != "eu" || board["available"] != float64(1) || board["freeSeats"] != float64(0) {
		t.Errorf("board totals: %v", board)
	}
	if w, _ := board["longestWaitSeconds"].(float64); w < 55 || w > 120 {
		t.Errorf("longest wait %v s, want about a minute", board["longestWaitSeconds"])
	}
	queues := board["queues"].([]any)
	de := queues[0].(map[string]any)
	if de["name"] != "eu/de" || de["waiting"] != float64(2) || de["assigned"] != float64(1) || de["agents"] != float64(1) ||
		de["online"] != float64(1) || de["available"] != float64(1) || de["freeSeats"] != float64(0) || de["urgent"] != float64(0) {
		t.Errorf("German line: %v", de)
	}
	lines := map[string]string{}
	for _, l := range queues {
		m := l.(map[string]any)
		lines[m["name"].(string)] = fmt.Sprint(m["waiting"], m["agents"], m["online"], m["longestWaitSeconds"])
	}
	if lines["eu/ja"] != "0 1 0 <nil>" || lines["eu/en"] != "0 1 1 <nil>" {
		t.Errorf("queue lines: %v", lines)
	}
	if got := fmt.Sprint(board["agents"]); got != "[map[agent:map[id:jun] full:false load:0 onShift:true seats:3] map[agent:map[id:lena] full:true load:1 onShift:true seats:1]]" {
		t.Errorf("agents: %s", got)
	}
	if _, out := s.post(t, "/graphql", testKey, "application/json", `{"query":"{ board(region: \"mars\") { waiting } }"}`); !strings.Contains(fmt.Sprint(out["errors"]), `board(region): \"mars\" is not a region`) &&
		!strings.Contains(fmt.Sprint(out["errors"]), `board(region): "mars" is not a region`) {
		t.Errorf("unknown region: %v", out["errors"])
	}
}
