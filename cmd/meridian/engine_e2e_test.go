package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The engine routes what the platform receives: with one German agent who takes one
// conversation at a time, the first German message is assigned to her, the second waits in
// the German queue, and resolving the first gives her the second at once; the decisions are
// events the metrics count, with the candidates' scores.
func TestTheEngineRoutesQueuesAndFreesAgents(t *testing.T) {
	s := startServer(t, t.TempDir(), "MERIDIAN_ROUTING=on")
	s.gql(t, `mutation { upsertAgent(input: {id: "lena", name: "Lena Vogel", region: "eu", languages: ["de", "en:4"], skills: [], tiers: [],
		maxConcurrent: 1, timezone: "Europe/Berlin", shifts: []}) { id } }`, nil)
	s.gql(t, `mutation { setAgentPresence(agentId: "lena", status: ONLINE) { id } }`, nil)
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	post := func(body string) {
		t.Helper()
		if code, out := s.post(t, "/v1/events", testKey, "application/json", body); code != 202 {
			t.Fatalf("post: %d %v", code, out)
		}
	}
	msg := func(id string) string {
		return fmt.Sprintf(`{"id":%q,"type":"message.received","occurred_at":%q,"channel":"whatsapp","direction":"inbound","conversation_id":"c-%s","customer":{"country":"DE","phone":"+4915100%s"},"text":"Wo bleibt meine Bestellung?","language":"de"}`, id, at, id, id)
	}
	post("[" + msg("1") + "," + msg("2") + "]")
	status := func(id string) string {
		q := `{ conversations(first: 50) { edges { node { id status } } } }`
		for _, e := range s.gql(t, q, nil)["conversations"].(map[string]any)["edges"].([]any) {
			n := e.(map[string]any)["node"].(map[string]any)
			if n["id"] == id {
				return n["status"].(string)
			}
		}
		return ""
	}
	waitFor(t, 30*time.Second, func() bool { return status("c-1") == "assigned" && status("c-2") == "queued" })
	post(fmt.Sprintf(`[{"id":"r1","type":"conversation.resolved","occurred_at":%q,"conversation_id":"c-1","customer":{"country":"DE","phone":"+49151001"}}]`, time.Now().UTC().Format(time.RFC3339)))
	waitFor(t, 30*time.Second, func() bool { return status("c-2") == "assigned" })
	q := `{ metrics(measures: ["events"], dimensions: ["type"], filters: [{dimension: "type", values: ["routing.decided", "conversation.assigned", "conversation.queued"]}]) { rows { dimensions values } } }`
	if got := fmt.Sprint(s.gql(t, q, nil)["metrics"].(map[string]any)["rows"]); !strings.Contains(got, "[routing.decided] values:[3]") ||
		!strings.Contains(got, "[conversation.assigned] values:[2]") || !strings.Contains(got, "[conversation.queued] values:[1]") {
		t.Errorf("decision events: %s", got)
	}
	if m := s.metrics(t); m[`meridian_routing_decisions_total{reason="assigned",region="eu"}`] != 1 || m[`meridian_routing_decisions_total{reason="freed capacity",region="eu"}`] != 1 {
		t.Errorf("decision metrics: assigned %v, freed %v", m[`meridian_routing_decisions_total{reason="assigned",region="eu"}`], m[`meridian_routing_decisions_total{reason="freed capacity",region="eu"}`])
	}
}
