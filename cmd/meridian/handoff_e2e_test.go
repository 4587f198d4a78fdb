package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// taggingTranslate implements LibreTranslate's POST /translate (q as an array) from English
// into German by marking each text "[de] ": enough to see which texts went through it.
func taggingTranslate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Q              []string `json:"q"`
		Source, Target string
	}
	if r.URL.Path != "/translate" || json.NewDecoder(r.Body).Decode(&req) != nil || req.Source != "en" || req.Target != "de" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"Invalid request"}`)
		return
	}
	out := make([]string, len(req.Q))
	for i, q := range req.Q {
		out[i] = "[de] " + q
	}
	json.NewEncoder(w).Encode(map[string]any{"translatedText": out})
}

// Keys of agents scoped to one region, acting for an agent there.
const (
	usAgentKey  = "e2e-us-agent-key-1"
	euAgentKey  = "e2e-eu-agent-key-1"
	seaAgentKey = "e2e-sea-agent-key-1"
)

// transferConversation to a team and to another region, through the API: the errors name
// the argument at fault and change nothing; a conversation handed to the us is the us agent's
// to work on and to read (its history stays in eu, read through the compliance gate under
// the hand-off's grant, as an eu agent reads it), while another region's key still does not
// find it; its summary is built from the analysis, and the hand-off is a measure by from and
// to region.
func TestTransferToATeamAndARegionAndReadUnderTheGrant(t *testing.T) {
	provider := httptest.NewServer(http.HandlerFunc(taggingTranslate))
	t.Cleanup(provider.Close)
	s := startServer(t, t.TempDir(), "MERIDIAN_ROUTING=on", "MERIDIAN_FOLLOW_THE_SUN=sea,eu,us",
		"MERIDIAN_TRANSLATE_PROVIDER=libretranslate", "MERIDIAN_TRANSLATE_URL="+provider.URL,
		"MERIDIAN_API_KEYS="+testKey+","+usAgentKey+":agent:us::mike,"+euAgentKey+":agent:eu::lena,"+seaAgentKey+":agent:sea::yuki")
	for _, a := range []string{
		`{id: "lena", name: "Lena Vogel", region: "eu", languages: ["de"], skills: [], tiers: [], maxConcurrent: 1, timezone: "Europe/Berlin", shifts: []}`,
		`{id: "anna", name: "Anna Weiß", region: "eu", team: "retention", languages: ["de"], skills: [], tiers: [], maxConcurrent: 2, timezone: "Europe/Berlin", shifts: []}`,
		`{id: "mike", name: "Mike Reed", region: "us", languages: ["en", "de:4"], skills: [], tiers: [], maxConcurrent: 3, timezone: "America/New_York", shifts: []}`,
		`{id: "yuki", name: "Yuki Sato", region: "sea", languages: ["ja"], skills: [], tiers: [], maxConcurrent: 3, timezone: "Asia/Tokyo", shifts: []}`,
	} {
		s.gql(t, `mutation { upsertAgent(input: `+a+`) { id } }`, nil)
	}
	s.gql(t, `mutation { setAgentPresence(agentId: "lena", status: ONLINE) { id } }`, nil)
	s.gql(t, `mutation { setAgentPresence(agentId: "mike", status: ONLINE) { id } }`, nil)
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	msg := func(id, lang string) string {
		return fmt.Sprintf(`{"id":%q,"type":"message.received","occurred_at":%q,"channel":"whatsapp","direction":"inbound","conversation_id":"c-%s","customer":{"country":"DE","phone":"+4915100%s"},"text":"Wo bleibt meine Bestellung?","language":%q}`, id, at, id, id, lang)
	}
	if code, out := s.post(t, "/v1/events", testKey, "application/json", "["+msg("1", "de")+","+msg("2", "de")+","+msg("3", "ja")+"]"); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	conv := func(key, id, fields string) map[string]any {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"query": `{ conversation(id: "` + id + `") { ` + fields + ` } }`})
		code, out := s.post(t, "/graphql", key, "application/json", string(b))
		if code != 200 || out["errors"] != nil {
			t.Fatalf("conversation %s: %d %v", id, code, out)
		}
		c, _ := out["data"].(map[string]any)["conversation"].(map[string]any)
		return c
	}
	waitFor(t, 30*time.Second, func() bool {
		c1, c2, c3 := conv(testKey, "c-1", "status"), conv(testKey, "c-2", "status"), conv(testKey, "c-3", "status")
		return c1 != nil && c2 != nil && c3 != nil && c1["status"] == "ASSIGNED" && c2["status"] == "QUEUED" && c3["status"] == "QUEUED"
	})

	// Bad targets: the field named, nothing changed.
	before := fmt.Sprint(conv(testKey, "c-3", "status queue assignee { id }"))
	for q, want := range map[string]string{
		`mutation { transferConversation(conversationId: "c-3", region: "mars") { id } }`:                `transferConversation.region: "mars" is not a region`,
		`mutation { transferConversation(conversationId: "c-3", region: "us") { id } }`:                  "transferConversation.region: no agent of the region writes the conversation's language",
		`mutation { transferConversation(conversationId: "c-3", team: "ghosts") { id } }`:                "transferConversation.team: no agent of the conversation's region is in the team",
		`mutation { transferConversation(conversationId: "c-3", team: " ") { id } }`:                     "transferConversation.team: is empty",
		`mutation { transferConversation(conversationId: "c-3", agentId: "lena", region: "us") { id } }`: "transferConversation.region: give at most one of agentId, team and region",
		`mutation { transferConversation(conversationId: "c-nobody", region: "us") { id } }`:             "transferConversation.conversationId: no conversation",
		`mutation { transferConversation(conversationId: "c-3", region: "us", language: "x y") { id } }`: "transferConversation.language",
	} {
		b, _ := json.Marshal(map[string]any{"query": q})
		if _, out := s.post(t, "/graphql", testKey, "application/json", string(b)); !strings.Contains(fmt.Sprint(out["errors"]), want) {
			t.Errorf("%s: %v, want an error containing %q", q, out["errors"], want)
		}
	}
	if after := fmt.Sprint(conv(testKey, "c-3", "status queue assignee { id }")); after != before {
		t.Errorf("c-3 changed by refused transfers: %s → %s", before, after)
	}

	// Anna comes online and takes c-2, which waited; Lena's c-1 goes to the retention team:
	// Anna, who has room for a second one.
	s.gql(t, `mutation { setAgentPresence(agentId: "anna", status: ONLINE) { id } }`, nil)
	waitFor(t, 30*time.Second, func() bool { return fmt.Sprint(conv(testKey, "c-2", "assignee { id }")["assignee"]) == "map[id:anna]" })
	s.gql(t, `mutation { transferConversation(conversationId: "c-1", team: "retention") { id } }`, nil)
	if c := conv(testKey, "c-1", "assignee { id name }"); fmt.Sprint(c["assignee"]) != "map[id:anna name:Anna Weiß]" {
		t.Errorf("c-1 after the transfer to the retention team: %v", c)
	}
	// The status the history projects follows.
	waitFor(t, 30*time.Second, func() bool { return conv(testKey, "c-1", "status")["status"] == "ASSIGNED" })

	// The sea agent cannot see c-2 before or after it goes to the us.
	if c := conv(seaAgentKey, "c-2", "id"); c != nil {
		t.Errorf("the sea agent reads c-2: %v", c)
	}
	if c := conv(usAgentKey, "c-2", "id"); c != nil {
		t.Errorf("the us agent reads c-2 before the hand-off: %v", c)
	}
	// Mike's subscriptions, opened before: his inbox and the conversation's messages.
	mike := s.live(t, usAgentKey)
	mike.subscribe("inbox", `subscription { inboxChanged(filters: {mine: true}) { change cause conversation { id region assignee { id } queue } } }`)
	mike.subscribe("msgs", `subscription { messageAdded(conversationId: "c-2") { direction text } }`)
	s.waitSubscribed(t, 2)
	s.gql(t, `mutation { transferConversation(conversationId: "c-2", region: "us") { id } }`, nil)
	if got := fmt.Sprint(mike.data("inbox", 30*time.Second)); got != "map[inboxChanged:map[cause:conversation.handed_off change:ENTERED conversation:map[assignee:map[id:mike] id:c-2 queue:us/de region:us]]]" {
		t.Errorf("Mike's inbox subscription after the hand-off: %s", got)
	}
	// The customer writes again: Mike hears it, the text through the gate under the grant.
	later := time.Now().UTC().Format(time.RFC3339)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", fmt.Sprintf(`[{"id":"2b","type":"message.received","occurred_at":%q,"channel":"whatsapp","direction":"inbound","conversation_id":"c-2","customer":{"country":"DE","phone":"+49151002"},"text":"Hallo?","language":"de"}]`, later)); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	if got := fmt.Sprint(mike.data("msgs", 30*time.Second)); got != "map[messageAdded:map[direction:inbound text:Hallo?]]" {
		t.Errorf("Mike's messageAdded: %s", got)
	}
	c := conv(testKey, "c-2", "status queue assignee { id name } summary")
	if fmt.Sprint(c["assignee"]) != "map[id:mike name:Mike Reed]" || c["queue"] != "us/de" {
		t.Errorf("c-2 after the hand-off to the us: %v", c)
	}
	// A key bound to no agent reads the summary in the conversation's language (German).
	if sum, _ := c["summary"].(string); !strings.HasPrefix(sum, "[de] language: de") || !strings.Contains(sum, "Next step:") || strings.Contains(sum, "Bestellung") {
		t.Errorf("c-2's summary: %q", sum)
	}
	fields := "id region messages { text } summary"
	var mine, lenas map[string]any
	waitFor(t, 30*time.Second, func() bool {
		mine, lenas = conv(usAgentKey, "c-2", fields), conv(euAgentKey, "c-2", fields)
		// Both read once the history has the customer's second message.
		return mine != nil && lenas != nil && strings.Contains(fmt.Sprint(mine["messages"]), "Hallo?") && strings.Contains(fmt.Sprint(lenas["messages"]), "Hallo?")
	})
	if mine["region"] != "eu" || fmt.Sprint(mine["messages"]) != fmt.Sprint(lenas["messages"]) || !strings.Contains(fmt.Sprint(mine["messages"]), "text:") {
		t.Errorf("the us agent reads c-2 as %v; the eu agent as %v", mine, lenas)
	}
	// Each reads the summary in the language they write best: Mike in English, Lena in German.
	if m, l := fmt.Sprint(mine["summary"]), fmt.Sprint(lenas["summary"]); !strings.HasPrefix(m, "language: de") || !strings.HasPrefix(l, "[de] language: de") {
		t.Errorf("summaries: Mike's %q, Lena's %q", m, l)
	}
	if c := conv(seaAgentKey, "c-2", "id"); c != nil {
		t.Errorf("the sea agent reads c-2 after the hand-off to the us: %v", c)
	}
	// In Mike's inbox, c-2 is the us's work item, its messages read at home.
	b, _ := json.Marshal(map[string]any{"query": `{ inbox(filters: {mine: true}) { edges { node { id region messages { text } } } } }`})
	code, out := s.post(t, "/graphql", usAgentKey, "application/json", string(b))
	if got := fmt.Sprint(out["data"]); code != 200 || out["errors"] != nil || got != fmt.Sprintf("map[inbox:map[edges:[map[node:map[id:c-2 messages:%v region:us]]]]]", lenas["messages"]) {
		t.Errorf("Mike's inbox: %d %v, want c-2 with %v", code, out, lenas["messages"])
	}
	// Mike resolves it from the us: resolved at home too.
	b, _ = json.Marshal(map[string]any{"query": `mutation { resolveConversation(conversationId: "c-2") { id } }`})
	if code, out = s.post(t, "/graphql", usAgentKey, "application/json", string(b)); code != 200 || out["errors"] != nil {
		t.Fatalf("Mike resolves c-2: %d %v", code, out)
	}
	waitFor(t, 30*time.Second, func() bool { return conv(testKey, "c-2", "status")["status"] == "RESOLVED" })
	// His inbox heard the assignment that followed the hand-off, then sees c-2 leave.
	for {
		d := mike.data("inbox", 30*time.Second)["inboxChanged"].(map[string]any)
		if d["change"] == "LEFT" {
			if d["cause"] != "conversation.resolved" {
				t.Errorf("c-2 left Mike's inbox on %v", d)
			}
			break
		}
		if d["change"] != "CHANGED" {
			t.Fatalf("Mike's inbox: %v before c-2 left", d)
		}
	}

	q := `{ metrics(measures: ["handoffs"], dimensions: ["from_region", "to_region", "reason"], filters: [{dimension: "type", values: ["conversation.handed_off"]}]) { rows { dimensions values } } }`
	waitFor(t, 30*time.Second, func() bool {
		return fmt.Sprint(s.gql(t, q, nil)["metrics"].(map[string]any)["rows"]) == "[map[dimensions:[eu us transfer] values:[1]]]"
	})
}
