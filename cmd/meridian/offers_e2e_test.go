package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A team working by offer-and-accept through the API: bad team descriptions are refused
// naming the field, with nothing stored; a German message is offered to an agent of the
// team (Conversation.offer), who declines it with her own key; it is offered to her
// colleague, whom nobody else may answer for (not the admin's key, bound to no agent, nor
// the first agent's); the colleague accepts it and has it.
func TestOffersThroughGraphQL(t *testing.T) {
	const lenaKey, miaKey = "lena-key-0123456", "mia-key-01234567"
	s := startServer(t, t.TempDir(), "MERIDIAN_ROUTING=on", "MERIDIAN_API_KEYS="+testKey+","+lenaKey+":agent:eu::lena,"+miaKey+":agent:eu::mia")
	ask := func(key, q string) (map[string]any, string) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"query": q})
		_, out := s.post(t, "/graphql", key, "application/json", string(b))
		data, _ := out["data"].(map[string]any)
		if out["errors"] == nil {
			return data, ""
		}
		return data, fmt.Sprint(out["errors"])
	}
	for q, want := range map[string]string{
		`mutation { upsertTeam(input: {id: "desk", region: "eu", assignment: SOMETIMES}) { id } }`:     `"TeamAssignment"`,
		`mutation { upsertTeam(input: {id: "desk", region: "eu", offerTimeoutSeconds: 2}) { id } }`:    "upsertTeam.input.offerTimeoutSeconds",
		`mutation { upsertTeam(input: {id: "desk", region: "eu", offerTimeoutSeconds: 7200}) { id } }`: "upsertTeam.input.offerTimeoutSeconds",
		`mutation { upsertTeam(input: {id: "desk", region: "mars"}) { id } }`:                          "upsertTeam.input.region",
		`mutation { upsertTeam(input: {id: "a desk", region: "eu"}) { id } }`:                          "upsertTeam.input.id",
		`{ teams(region: "mars") { id } }`:                                                             "teams(region)",
	} {
		if _, errs := ask(testKey, q); !strings.Contains(errs, want) {
			t.Errorf("%s: %s, want an error naming %q", q, errs, want)
		}
	}
	// Through variables, the path names the field.
	b, _ := json.Marshal(map[string]any{"query": `mutation($in: TeamInput!) { upsertTeam(input: $in) { id } }`,
		"variables": map[string]any{"in": map[string]any{"id": "desk", "region": "eu", "assignment": "SOMETIMES"}}})
	if _, out := s.post(t, "/graphql", testKey, "application/json", string(b)); !strings.Contains(fmt.Sprint(out["errors"]), "assignment") {
		t.Errorf("a bad assignment in variables: %v", out["errors"])
	}
	if _, errs := ask(lenaKey, `mutation { upsertTeam(input: {id: "desk", region: "eu"}) { id } }`); !strings.Contains(errs, "forbidden") {
		t.Errorf("an agent's key describing a team: %s", errs)
	}
	if got := fmt.Sprint(s.gql(t, `{ teams(region: "eu") { id } }`, nil)["teams"]); got != "[]" {
		t.Fatalf("teams after refused descriptions: %s", got)
	}
	team := s.gql(t, `mutation { upsertTeam(input: {id: "desk", name: "Service desk", region: "eu", assignment: OFFER, offerTimeoutSeconds: 600}) {
		id name region assignment offerTimeoutSeconds } }`, nil)["upsertTeam"]
	if got := fmt.Sprint(team); got != "map[assignment:OFFER id:desk name:Service desk offerTimeoutSeconds:600 region:eu]" {
		t.Errorf("upsertTeam: %s", got)
	}
	if got := fmt.Sprint(s.gql(t, `{ teams(region: "eu") { id assignment } }`, nil)["teams"]); got != "[map[assignment:OFFER id:desk]]" {
		t.Errorf("teams: %s", got)
	}
	for _, id := range []string{"lena", "mia"} {
		s.gql(t, `mutation { upsertAgent(input: {id: "`+id+`", name: "`+strings.ToUpper(id[:1])+id[1:]+`", region: "eu", team: "desk", languages: ["de"],
			skills: [], tiers: [], maxConcurrent: 2, timezone: "Europe/Berlin", shifts: []}) { id } }`, nil)
		s.gql(t, `mutation { setAgentPresence(agentId: "`+id+`", status: ONLINE) { id } }`, nil)
	}

	at := time.Now().UTC().Format(time.RFC3339Nano)
	body := fmt.Sprintf(`[{"id":"offer-1","type":"message.received","occurred_at":%q,"channel":"whatsapp","direction":"inbound","conversation_id":"c-offer","customer":{"country":"DE","phone":"+4915100888"},"text":"Wo bleibt meine Bestellung?","language":"de"}]`, at)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", body); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	offer := func() map[string]any {
		data, _ := ask(testKey, `{ conversation(id: "c-offer") { status assignee { id } offer { agent { id name } expiresAt declined } } }`)
		c, _ := data["conversation"].(map[string]any)
		return c
	}
	offeredTo := func() string {
		c := offer()
		if o, ok := c["offer"].(map[string]any); ok {
			return fmt.Sprint(o["agent"].(map[string]any)["id"])
		}
		return ""
	}
	waitFor(t, 30*time.Second, func() bool { return offeredTo() != "" })
	c := offer()
	first := offeredTo()
	if c["status"] != "QUEUED" || c["assignee"] != nil {
		t.Errorf("an offered conversation: %v, want QUEUED and nobody's", c)
	}
	keys := map[string]string{"lena": lenaKey, "mia": miaKey}
	second := map[string]string{"lena": "mia", "mia": "lena"}[first]

	// Nobody answers for her: the admin's key is bound to no agent, her colleague's offer it is not.
	if _, errs := ask(testKey, `mutation { acceptOffer(conversationId: "c-offer") { id } }`); !strings.Contains(errs, "acceptOffer.conversationId") || !strings.Contains(errs, "bound to no agent") {
		t.Errorf("accepting with a key bound to nobody: %s", errs)
	}
	if _, errs := ask(keys[second], `mutation { acceptOffer(conversationId: "c-offer") { id } }`); !strings.Contains(errs, "acceptOffer.conversationId: the conversation is offered to another agent") {
		t.Errorf("accepting someone else's offer: %s", errs)
	}
	if _, errs := ask(keys[first], `mutation { acceptOffer(conversationId: "c-nobody") { id } }`); !strings.Contains(errs, "acceptOffer.conversationId: no conversation") {
		t.Errorf("accepting an unknown conversation: %s", errs)
	}
	if got := offeredTo(); got != first {
		t.Fatalf("refused answers changed the offer: offered to %q", got)
	}

	// Her offers are in her inbox, not in her colleague's; offered to whom must be said.
	offers := func(key string) string {
		t.Helper()
		data, errs := ask(key, `{ inbox(filters: {mine: true, offered: true}) { edges { node { id status assignee { id } } } } }`)
		if errs != "" {
			t.Fatalf("offers inbox: %s", errs)
		}
		return fmt.Sprint(data["inbox"])
	}
	if got := offers(keys[first]); got != "map[edges:[map[node:map[assignee:<nil> id:c-offer status:QUEUED]]]]" {
		t.Errorf("%s's offers: %s", first, got)
	}
	if got := offers(keys[second]); got != "map[edges:[]]" {
		t.Errorf("%s's offers before: %s", second, got)
	}
	if _, errs := ask(testKey, `{ inbox(filters: {offered: true}) { edges { cursor } } }`); !strings.Contains(errs, "inbox(filters.offered)") {
		t.Errorf("offered to nobody named: %s", errs)
	}
	// Her colleague watches his offers: the declined conversation enters them.
	live := s.live(t, keys[second])
	live.subscribe("offers", `subscription { inboxChanged(filters: {mine: true, offered: true}) { change cause conversation { id offer { agent { id } } } } }`)
	s.waitSubscribed(t, 1)

	if data, errs := ask(keys[first], `mutation { declineOffer(conversationId: "c-offer") { id status } }`); errs != "" || fmt.Sprint(data["declineOffer"]) != "map[id:c-offer status:QUEUED]" {
		t.Fatalf("decline: %v %s", data, errs)
	}
	c = offer()
	if o := c["offer"].(map[string]any); fmt.Sprint(o["agent"].(map[string]any)["id"]) != second || fmt.Sprint(o["declined"]) != "["+first+"]" {
		t.Fatalf("after %s declined: %v", first, o)
	}
	// The decision's first event (conversation.queued, then conversation.offered) finds the
	// offer made: the conversation enters with it.
	if got := fmt.Sprint(live.data("offers", 30*time.Second)); got != "map[inboxChanged:map[cause:conversation.queued change:ENTERED conversation:map[id:c-offer offer:map[agent:map[id:"+second+"]]]]]" {
		t.Errorf("%s's offers, live: %s", second, got)
	}
	if got := offers(keys[first]); got != "map[edges:[]]" {
		t.Errorf("%s's offers after declining: %s", first, got)
	}
	if _, errs := ask(keys[first], `mutation { declineOffer(conversationId: "c-offer") { id } }`); !strings.Contains(errs, "declineOffer.conversationId") {
		t.Errorf("declining again: %s", errs)
	}
	data, errs := ask(keys[second], `mutation { acceptOffer(conversationId: "c-offer") { id status } }`)
	if errs != "" || fmt.Sprint(data["acceptOffer"]) != "map[id:c-offer status:ASSIGNED]" {
		t.Fatalf("accept: %v %s", data, errs)
	}
	if c := offer(); c["offer"] != nil || fmt.Sprint(c["assignee"]) != "map[id:"+second+"]" {
		t.Errorf("after %s accepted: %v", second, c)
	}
	if _, errs := ask(keys[second], `mutation { acceptOffer(conversationId: "c-offer") { id } }`); !strings.Contains(errs, "acceptOffer.conversationId: the conversation is offered to nobody") {
		t.Errorf("accepting twice: %s", errs)
	}
}
