package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels/whatsapp"
	"github.com/meridian-cs/meridian/models"
)

// Traffic from every country of every region (and one the policy does not list, which goes to
// the fallback region) lands only in its region's stores, as residencyReport shows; German
// messages dated 8 months back are cut by applyRetention, recent ones, other countries' and
// those of a customer under a legal hold stay; the run is in the audit trail.
func TestResidencyAcrossRegionsAndRetentionThroughTheAPI(t *testing.T) {
	s := startServer(t, t.TempDir())
	policy := models.DefaultPolicy()
	now := time.Now().UTC().Truncate(time.Second)
	old, recent := now.AddDate(0, -8, 0), now.AddDate(0, -2, 0)
	want := map[string][]string{} // region -> countries expected there
	var events []map[string]any
	add := func(country string, at time.Time, n int) {
		events = append(events, map[string]any{"id": fmt.Sprintf("r-%s-%d", country, n), "type": "message.received", "occurred_at": at.Format(time.RFC3339),
			"channel": "webchat", "conversation_id": fmt.Sprintf("c-%s-%d", country, n), "text": "hello",
			"customer": map[string]any{"country": country, "external_id": fmt.Sprintf("cust-%s-%d", country, n)}})
	}
	counts := map[string]float64{}
	for _, r := range policy.Regions {
		for _, c := range append(policy.CountriesOf(r), map[models.Region]string{policy.Fallback: "BR"}[r]) {
			if c == "" {
				continue
			}
			add(c, recent, 0)
			want[string(r)] = append(want[string(r)], c)
			counts[string(r)]++
		}
	}
	add("DE", old, 1) // the one retention cuts
	add("FR", old, 1) // older than 6 months too, but France keeps the default 3 years
	add("DE", old, 2) // as old as the first, but its customer is under a legal hold
	counts["eu"] += 3
	body, _ := json.Marshal(events)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", string(body)); code != 202 {
		t.Fatalf("ingest: %d %v", code, out)
	}
	waitCounts(t, s, counts, 60*time.Second)

	q := `{ residencyReport { region countries fallback misplacedRows stores { store location kinds tables { name rows } countries { country rows } } } }`
	var pgCustomers map[string]int
	waitFor(t, 30*time.Second, func() bool { // PostgreSQL's projection is written with the same batch
		pgCustomers = map[string]int{}
		for _, reg := range s.gql(t, q, nil)["residencyReport"].([]any) {
			for _, st := range reg.(map[string]any)["stores"].([]any) {
				if st.(map[string]any)["store"] == "postgres" {
					for _, c := range st.(map[string]any)["countries"].([]any) {
						pgCustomers[reg.(map[string]any)["region"].(string)] += int(c.(map[string]any)["rows"].(float64))
					}
				}
			}
		}
		return pgCustomers["eu"] == len(want["eu"])+3 && pgCustomers["us"] == len(want["us"]) && pgCustomers["sea"] == len(want["sea"])
	})
	report := s.gql(t, q, nil)["residencyReport"].([]any)
	if len(report) != len(policy.Regions) {
		t.Fatalf("%d regions reported", len(report))
	}
	for _, x := range report {
		reg := x.(map[string]any)
		name := reg["region"].(string)
		if reg["misplacedRows"].(float64) != 0 {
			t.Errorf("%s: %v misplaced rows", name, reg["misplacedRows"])
		}
		expect := slices.Clone(want[name])
		sort.Strings(expect)
		stores := map[string]bool{}
		for _, y := range reg["stores"].([]any) {
			st := y.(map[string]any)
			stores[st["store"].(string)] = true
			var seen []string
			for _, c := range st["countries"].([]any) {
				seen = append(seen, c.(map[string]any)["country"].(string))
			}
			switch st["store"] {
			case "clickhouse", "postgres":
				// Exactly this region's countries, in this region's database or schema only.
				if fmt.Sprint(seen) != fmt.Sprint(expect) {
					t.Errorf("%s %s (%s) holds countries %v, want %v", name, st["store"], st["location"], seen, expect)
				}
				if !strings.HasSuffix(st["location"].(string), "_"+name) {
					t.Errorf("%s %s is at %v", name, st["store"], st["location"])
				}
			case "kafka":
				if st["location"] != "meridian."+name+".events" {
					t.Errorf("%s topics: %v", name, st["tables"])
				}
			}
		}
		if len(stores) != 3 {
			t.Errorf("%s stores: %v", name, stores)
		}
	}

	// A legal hold on the customer of the other old German conversation overrides retention.
	held := s.gql(t, `{ conversation(id: "c-DE-2") { customerId } }`, nil)["conversation"].(map[string]any)["customerId"].(string)
	if h := s.gql(t, `mutation($c: ID!) { placeLegalHold(customerId: $c, reason: "litigation 2026-12") { active } }`, map[string]any{"c": held}); fmt.Sprint(h) != "map[placeLegalHold:map[active:true]]" {
		t.Fatalf("placeLegalHold: %v", h)
	}

	// Retention now: the German message of 8 months ago and its conversation go, nothing else.
	rep := s.gql(t, `mutation { applyRetention { rowsRemoved heldCustomers removals { store region kind country table rows cutoff period } } }`, nil)["applyRetention"].(map[string]any)
	removed := map[string]float64{}
	for _, x := range rep["removals"].([]any) {
		l := x.(map[string]any)
		if l["rows"].(float64) > 0 {
			removed[fmt.Sprintf("%s %s %s %v %s %s", l["store"], l["region"], l["kind"], l["country"], l["table"], l["period"])] = l["rows"].(float64)
		}
	}
	wantRemoved := map[string]float64{
		"clickhouse eu conversations DE meridian_eu.events 6 months":    1,
		"postgres eu conversations DE region_eu.conversations 6 months": 1,
	}
	if fmt.Sprint(removed) != fmt.Sprint(wantRemoved) || rep["rowsRemoved"].(float64) != 2 || rep["heldCustomers"].(float64) != 1 {
		t.Fatalf("applyRetention removed %v (%v rows, %v held), want %v and 1 held", removed, rep["rowsRemoved"], rep["heldCustomers"], wantRemoved)
	}
	counts["eu"]--
	waitCounts(t, s, counts, 10*time.Second)
	conv := s.gql(t, `{ a: conversation(id: "c-DE-1") { id } b: conversation(id: "c-DE-0") { id } c: conversation(id: "c-FR-1") { id } d: conversation(id: "c-DE-2") { id } }`, nil)
	if conv["a"] != nil || conv["b"] == nil || conv["c"] == nil || conv["d"] == nil {
		t.Fatalf("after retention: %v", conv)
	}
	audit := s.gql(t, `{ auditLog(region: "eu", action: "compliance.apply_retention") { edges { node { action outcome role } } } }`, nil)
	if edges := audit["auditLog"].(map[string]any)["edges"].([]any); len(edges) != 1 || !strings.Contains(fmt.Sprint(edges[0]), "removed 2 rows") {
		t.Fatalf("audit of the run: %v", edges)
	}
}

// A WhatsApp message outside the 24-hour window (a template the business starts) is refused
// until the customer's consent is recorded, and then sent; each answer and the read of them
// are audited; bad consent input names the field.
func TestConsentGatesWhatsAppMessagesOutsideTheConversation(t *testing.T) {
	api := &graphAPI{}
	fake := httptest.NewServer(api)
	defer fake.Close()
	s := startServer(t, t.TempDir(), "MERIDIAN_WHATSAPP_APP_SECRET=app-secret", "MERIDIAN_WHATSAPP_VERIFY_TOKEN=verify-me",
		"MERIDIAN_WHATSAPP_ACCESS_TOKEN=wa-token", "MERIDIAN_WHATSAPP_API_BASE="+fake.URL, "MERIDIAN_WHATSAPP_TEMPLATE=order_update:pt_BR")
	at := time.Now().Add(-26 * time.Hour).Truncate(time.Second)
	body := whatsapp.TextDelivery("1029384756", "5511987654321", "Ana Souza", "wamid.OLD1", "Meu pedido não chegou", at)
	s.deliverWhatsApp(t, body)
	var c map[string]any
	waitFor(t, 30*time.Second, func() bool {
		b, _ := json.Marshal(map[string]any{"query": `query($id: String!) { customerByIdentity(channel: "whatsapp", externalId: $id) { id conversations { id } } }`, "variables": map[string]any{"id": "5511987654321"}})
		_, out := s.post(t, "/graphql", testKey, "application/json", string(b))
		d, _ := out["data"].(map[string]any)
		c, _ = d["customerByIdentity"].(map[string]any)
		return c != nil && len(c["conversations"].([]any)) == 1
	})
	customer, conv := c["id"].(string), c["conversations"].([]any)[0].(map[string]any)["id"].(string)
	send := `mutation($c: ID!, $m: ID!) { sendMessage(input: {conversationId: $c, text: "Seu pedido chegou?", clientMessageId: $m}) { state reason } }`
	sendErr := func(m string) string {
		b, _ := json.Marshal(map[string]any{"query": send, "variables": map[string]any{"c": conv, "m": m}})
		_, out := s.post(t, "/graphql", testKey, "application/json", string(b))
		return fmt.Sprint(out["errors"])
	}
	if e := sendErr("m1"); !strings.Contains(e, "has not consented to service messages on whatsapp") || api.count() != 0 {
		t.Fatalf("without consent: errors %s, %d sent", e, api.count())
	}
	// Marketing consent is not service consent.
	s.gql(t, `mutation($id: ID!) { setConsent(customerId: $id, channel: "whatsapp", purpose: "marketing", granted: true) { granted } }`, map[string]any{"id": customer})
	if e := sendErr("m2"); !strings.Contains(e, "has not consented") || api.count() != 0 {
		t.Fatalf("with marketing consent only: %s, %d sent", e, api.count())
	}
	got := s.gql(t, `mutation($id: ID!) { setConsent(customerId: $id, channel: "whatsapp", purpose: "service", granted: true) { customerId channel purpose granted } }`, map[string]any{"id": customer})
	if fmt.Sprint(got["setConsent"]) != fmt.Sprintf("map[channel:whatsapp customerId:%s granted:true purpose:service]", customer) {
		t.Fatalf("setConsent: %v", got)
	}
	sent := s.gql(t, send, map[string]any{"c": conv, "m": "m3"})["sendMessage"].(map[string]any)
	if sent["state"] != "sent" || api.count() != 1 || api.sends[0]["type"] != "template" {
		t.Fatalf("with consent: %v, %d sends %v", sent, api.count(), api.sends)
	}
	// Withdrawn: refused again.
	s.gql(t, `mutation($id: ID!) { setConsent(customerId: $id, channel: "whatsapp", purpose: "service", granted: false) { granted } }`, map[string]any{"id": customer})
	if e := sendErr("m4"); !strings.Contains(e, "has not consented") || api.count() != 1 {
		t.Fatalf("after withdrawal: %s, %d sent", e, api.count())
	}
	list := s.gql(t, `query($id: ID!) { consents(customerId: $id) { channel purpose granted } }`, map[string]any{"id": customer})
	if fmt.Sprint(list["consents"]) != "[map[channel:whatsapp granted:true purpose:marketing] map[channel:whatsapp granted:false purpose:service]]" {
		t.Fatalf("consents: %v", list)
	}
	// Each answer and the read are in the customer's region's audit trail (us: a Brazilian number).
	var trail []string
	for _, e := range s.gql(t, `query($id: String) { auditLog(region: "us", first: 100, subject: $id) { edges { node { action outcome } } } }`, map[string]any{"id": customer})["auditLog"].(map[string]any)["edges"].([]any) {
		n := e.(map[string]any)["node"].(map[string]any)
		if a := n["action"].(string); a == "admin.set_consent" || a == "read.consents" {
			trail = append(trail, a+": "+n["outcome"].(string))
		}
	}
	if got, want := strings.Join(trail, " | "), "admin.set_consent: granted whatsapp marketing | admin.set_consent: granted whatsapp service | admin.set_consent: revoked whatsapp service | read.consents: clear"; got != want {
		t.Errorf("audit trail of the consents: %s, want %s", got, want)
	}
	for q, field := range map[string]string{
		`mutation($id: ID!) { setConsent(customerId: $id, channel: "whatsapp", purpose: "spam", granted: true) { granted } }`:  "setConsent(purpose)",
		`mutation($id: ID!) { setConsent(customerId: $id, channel: "pigeon", purpose: "service", granted: true) { granted } }`: "setConsent(channel)",
		`mutation { setConsent(customerId: "nobody", channel: "whatsapp", purpose: "service", granted: true) { granted } }`:    "setConsent(customerId)",
	} {
		b, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": customer}})
		_, out := s.post(t, "/graphql", testKey, "application/json", string(b))
		if errs, _ := out["errors"].([]any); len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), field) {
			t.Errorf("%s: %v, want one error naming %s", q, out["errors"], field)
		}
	}
}
