package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The engine routes what the platform receives: with one German agent who takes one
// conversation at a time, the first German message is assigned to her, the second waits in
// the German queue, and resolving the first gives her the second at once; the decisions are
// events the metrics count, with the candidates' scores.
func TestTheEngineRoutesQueuesAndFreesAgents(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "sla.yaml")
	// A first response is due within 2 seconds, so the test sees breaches.
	os.WriteFile(policy, []byte("rules:\n  - first_response: 2s\n    resolution: 1h\n"), 0o644)
	s := startServer(t, t.TempDir(), "MERIDIAN_ROUTING=on", "MERIDIAN_SLA_POLICY="+policy)
	me := s.gql(t, `{ me { tenant role regions can } }`, nil)["me"].(map[string]any)
	if me["role"] != "admin" || fmt.Sprint(me["regions"]) != "[eu us sea]" || !strings.Contains(fmt.Sprint(me["can"]), "work_conversations") {
		t.Errorf("me: %v", me)
	}
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
	waitFor(t, 30*time.Second, func() bool { return status("c-1") == "ASSIGNED" && status("c-2") == "QUEUED" })
	inbox := func(filters string) string {
		t.Helper()
		q := `{ inbox(` + filters + `) { edges { node { id status assignee { id } } } pageInfo { hasNextPage } } }`
		return fmt.Sprint(s.gql(t, q, nil)["inbox"])
	}
	if got := inbox(`first: 1`); got != "map[edges:[map[node:map[assignee:map[id:lena] id:c-1 status:ASSIGNED]]] pageInfo:map[hasNextPage:true]]" {
		t.Errorf("inbox, first page of one: %s", got)
	}
	if got := inbox(`filters: {unassigned: true}`); got != "map[edges:[map[node:map[assignee:<nil> id:c-2 status:QUEUED]]] pageInfo:map[hasNextPage:false]]" {
		t.Errorf("unassigned inbox: %s", got)
	}
	if got := inbox(`filters: {agentId: "lena", language: ["de-DE"]}`); !strings.Contains(got, "id:c-1") || strings.Contains(got, "c-2") {
		t.Errorf("Lena's inbox: %s", got)
	}
	post(fmt.Sprintf(`[{"id":"r1","type":"conversation.resolved","occurred_at":%q,"conversation_id":"c-1","customer":{"country":"DE","phone":"+49151001"}}]`, time.Now().UTC().Format(time.RFC3339)))
	waitFor(t, 30*time.Second, func() bool { return status("c-2") == "ASSIGNED" })
	// Nobody replied to c-2 within 2 s of its first message: its first response breaches,
	// recorded once (c-1 may have been resolved before the watcher looked).
	slaOf := func() map[string]any {
		return s.gql(t, `{ conversation(id: "c-2") { sla { firstResponseDueAt firstResponseAt breached } } }`, nil)["conversation"].(map[string]any)["sla"].(map[string]any)
	}
	waitFor(t, 30*time.Second, func() bool { return fmt.Sprint(slaOf()["breached"]) == "[first_response]" })
	if slaOf()["firstResponseDueAt"] == nil || slaOf()["firstResponseAt"] != nil {
		t.Errorf("c-2's SLA: %v", slaOf())
	}
	breaches := `{ metrics(measures: ["sla_breaches"], dimensions: ["reason"], filters: [{dimension: "type", values: ["sla.breached"]}]) { rows { dimensions values } } }`
	waitFor(t, 30*time.Second, func() bool {
		rows := fmt.Sprint(s.gql(t, breaches, nil)["metrics"].(map[string]any)["rows"])
		n := s.metrics(t)[`meridian_sla_breaches_total{region="eu",target="first_response"}`]
		return n >= 1 && rows == fmt.Sprintf("[map[dimensions:[first_response] values:[%v]]]", n)
	})
	q := `{ metrics(measures: ["events"], dimensions: ["type"], filters: [{dimension: "type", values: ["routing.decided", "conversation.assigned", "conversation.queued"]}]) { rows { dimensions values } } }`
	if got := fmt.Sprint(s.gql(t, q, nil)["metrics"].(map[string]any)["rows"]); !strings.Contains(got, "[routing.decided] values:[3]") ||
		!strings.Contains(got, "[conversation.assigned] values:[2]") || !strings.Contains(got, "[conversation.queued] values:[1]") {
		t.Errorf("decision events: %s", got)
	}
	if m := s.metrics(t); m[`meridian_routing_decisions_total{reason="assigned",region="eu"}`] != 1 || m[`meridian_routing_decisions_total{reason="freed capacity",region="eu"}`] != 1 {
		t.Errorf("decision metrics: assigned %v, freed %v", m[`meridian_routing_decisions_total{reason="assigned",region="eu"}`], m[`meridian_routing_decisions_total{reason="freed capacity",region="eu"}`])
	}

	// The workspace: a supervisor moves c-2 to Max, adds a note, escalates and resolves it;
	// each action answers the conversation as it now stands and is an event.
	s.gql(t, `mutation { upsertAgent(input: {id: "max", name: "Max Roth", region: "eu", languages: ["de"], skills: [], tiers: [],
		maxConcurrent: 2, timezone: "Europe/Berlin", shifts: []}) { id } }`, nil)
	act := func(q string) map[string]any {
		t.Helper()
		data := s.gql(t, q, nil)
		for _, v := range data {
			return v.(map[string]any)
		}
		return nil
	}
	if c := act(`mutation { assignConversation(conversationId: "c-2", agentId: "max") { id status assignee { id name } priority queue } }`); c["status"] != "ASSIGNED" ||
		fmt.Sprint(c["assignee"]) != "map[id:max name:Max Roth]" || c["queue"] != "eu/de" || c["priority"] != "NORMAL" {
		t.Errorf("assignConversation: %v", c)
	}
	act(`mutation { addNote(conversationId: "c-2", text: "Kunde möchte Rückruf nach 18 Uhr.") { id } }`)
	if c := act(`mutation { escalateConversation(conversationId: "c-2", reason: "third contact about it") { priority } }`); c["priority"] != "URGENT" {
		t.Errorf("escalateConversation: %v", c)
	}
	if c := act(`mutation { resolveConversation(conversationId: "c-2") { status assignee { id } } }`); c["status"] != "RESOLVED" || c["assignee"] != nil {
		t.Errorf("resolveConversation: %v", c)
	}
	s.gql(t, `mutation { setAgentPresence(agentId: "max", status: ONLINE) { id } }`, nil)
	if c := act(`mutation { reopenConversation(conversationId: "c-2") { status assignee { id } } }`); c["status"] != "ASSIGNED" || fmt.Sprint(c["assignee"]) != "map[id:max]" {
		t.Errorf("reopenConversation (offered first to Max): %v", c)
	}
	// Max goes offline: his conversation is routed again without him, to Lena.
	s.gql(t, `mutation { setAgentPresence(agentId: "max", status: OFFLINE) { id } }`, nil)
	if c := s.gql(t, `{ conversation(id: "c-2") { assignee { id } } }`, nil)["conversation"].(map[string]any); fmt.Sprint(c["assignee"]) != "map[id:lena]" {
		t.Errorf("after Max went offline: %v", c)
	}
	for q, want := range map[string]string{
		`mutation { resolveConversation(conversationId: "c-nobody") { id } }`:                "resolveConversation.conversationId: no conversation",
		`mutation { assignConversation(conversationId: "c-2", agentId: "ghost") { id } }`:    "assignConversation.agentId",
		`mutation { transferConversation(conversationId: "c-2", language: "xx yy") { id } }`: "transferConversation.language",
		`mutation { addNote(conversationId: "c-2", text: " ") { id } }`:                      "addNote.text",
		`mutation { reopenConversation(conversationId: "c-2") { id } }`:                      "not resolved",
	} {
		b, _ := json.Marshal(map[string]any{"query": q})
		if _, out := s.post(t, "/graphql", testKey, "application/json", string(b)); !strings.Contains(fmt.Sprint(out["errors"]), want) {
			t.Errorf("%s: %v, want an error containing %q", q, out["errors"], want)
		}
	}
	notes := `{ metrics(measures: ["events"], dimensions: ["type"], filters: [{dimension: "type", values: ["note.added", "conversation.escalated", "conversation.reopened"]}]) { rows { dimensions values } } }`
	waitFor(t, 30*time.Second, func() bool {
		got := fmt.Sprint(s.gql(t, notes, nil)["metrics"].(map[string]any)["rows"])
		return strings.Contains(got, "[note.added] values:[1]") && strings.Contains(got, "[conversation.escalated] values:[1]") && strings.Contains(got, "[conversation.reopened] values:[1]")
	})
}
