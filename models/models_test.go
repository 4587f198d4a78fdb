package models

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultPolicyPlacesCountriesInTheirRegion(t *testing.T) {
	p := DefaultPolicy()
	for country, want := range map[string]Region{
		"DE": "eu", "fr": "eu", "NO": "eu", "SG": "sea", "MY": "sea", "TH": "sea", "ID": "sea",
		"PH": "sea", "VN": "sea", "US": "us", "BR": "us", "": "us",
	} {
		if got := p.RegionFor(country); got != want {
			t.Errorf("RegionFor(%q) = %q, want %q", country, got, want)
		}
	}
}

func TestParsePolicyRejectsInconsistentPolicies(t *testing.T) {
	for name, doc := range map[string]string{
		"no regions":          "fallback: eu\n",
		"unknown fallback":    "regions: [eu]\nfallback: us\n",
		"country twice":       "regions: [eu, us]\nfallback: eu\ncountries: {eu: [DE], us: [de]}\n",
		"bad region name":     "regions: [EU-1]\nfallback: EU-1\n",
		"unknown field":       "regions: [eu]\nfallback: eu\nregoins: []\n",
		"country not a code":  "regions: [eu]\nfallback: eu\ncountries: {eu: [Germany]}\n",
		"unknown region used": "regions: [eu]\nfallback: eu\ncountries: {us: [US]}\n",
	} {
		if _, err := ParsePolicy([]byte(doc)); err == nil {
			t.Errorf("%s: ParsePolicy accepted %q", name, doc)
		}
	}
}

func TestValidateNamesTheMissingField(t *testing.T) {
	ok := Event{ID: "a1", Type: MessageReceived, OccurredAt: time.Now(), Channel: "whatsapp",
		ConversationID: "c1", Customer: &Customer{Country: "DE", ExternalID: "49151"}, Text: "hi"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid event rejected: %v", err)
	}
	cases := map[string]func(e *Event){
		"id":               func(e *Event) { e.ID = "" },
		"type":             func(e *Event) { e.Type = "message.recieved" },
		"occurred_at":      func(e *Event) { e.OccurredAt = time.Time{} },
		"channel":          func(e *Event) { e.Channel = "" },
		"conversation_id":  func(e *Event) { e.ConversationID = "" },
		"customer":         func(e *Event) { e.Customer = nil },
		"text":             func(e *Event) { e.Text = "" },
		"customer.country": func(e *Event) { e.Customer = &Customer{Country: "Deutschland"} },
		"version":          func(e *Event) { e.Version = 7 },
		"direction":        func(e *Event) { e.Direction = "sideways" },
	}
	for field, breakIt := range cases {
		e := ok
		c := *ok.Customer
		e.Customer = &c
		breakIt(&e)
		err := e.Validate()
		fe, isField := err.(*FieldError)
		if !isField || fe.Field != field {
			t.Errorf("breaking %s: got %v, want a FieldError on %s", field, err, field)
		}
	}
}

// What no store can hold is refused at the door, naming the field: NUL where PostgreSQL
// stores the value, control characters in labels, keys too long for an index, and times the
// events table cannot bucket faithfully (a 1900 event showed up in a 2079 month).
func TestValidateRefusesWhatNoStoreCanHold(t *testing.T) {
	base := Event{ID: "r1", Type: RoutingDecision, OccurredAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		ConversationID: "c1", Customer: &Customer{Country: "DE", Tier: "vip"}, Queue: "billing"}
	if err := base.Validate(); err != nil {
		t.Fatalf("valid event rejected: %v", err)
	}
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	cases := []struct {
		field   string
		breakIt func(e *Event)
	}{
		{"queue", func(e *Event) { e.Queue = "q\x00x" }},
		{"conversation_id", func(e *Event) { e.ConversationID = "c\x001" }},
		{"customer.tier", func(e *Event) { e.Customer.Tier = "v\x00ip" }},
		{"queue", func(e *Event) { e.Queue = "q\x1bx" }},
		{"agent_id", func(e *Event) { e.AgentID = "a\u0085b" }},
		{"conversation_id", func(e *Event) { e.ConversationID = strings.Repeat("c", MaxIDLen+1) }},
		{"queue", func(e *Event) { e.Queue = "q\xffx" }},
		{"text", func(e *Event) { e.Text = "hallo\x00" }},
		{"customer.name", func(e *Event) { e.Customer.Name = "An\x00na" }},
		{"attributes.k", func(e *Event) { e.Attributes = map[string]string{"k": "v\x00"} }},
		{"attributes", func(e *Event) { e.Attributes = map[string]string{"k\x01": "v"} }},
		{"occurred_at", func(e *Event) { e.OccurredAt = at("0001-01-01T00:00:01Z") }},
		{"occurred_at", func(e *Event) { e.OccurredAt = at("1900-01-01T00:00:00Z") }},
		{"occurred_at", func(e *Event) { e.OccurredAt = at("1969-12-31T23:59:59Z") }},
		{"occurred_at", func(e *Event) { e.OccurredAt = at("2299-12-31T00:00:00Z") }},
		{"occurred_at", func(e *Event) { e.OccurredAt = at("9999-12-31T00:00:00Z") }},
		{"sent_at", func(e *Event) { s := at("2150-01-01T00:00:00Z"); e.SentAt = &s }},
		{"customer.country", func(e *Event) { e.Customer.Country = "EU" }},
		{"customer.country", func(e *Event) { e.Customer.Country = "XX" }},
		{"customer.country", func(e *Event) { e.Customer.Country = "ZZ" }},
		{"customer.country", func(e *Event) { e.Customer.Country = "AA" }},
		{"customer.country", func(e *Event) { e.Customer.Country = "YU" }},
	}
	for _, c := range cases {
		e := base
		cu := *base.Customer
		e.Customer = &cu
		c.breakIt(&e)
		err := e.Validate()
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != c.field {
			t.Errorf("%s: got %v, want a FieldError on %s", c.field, err, c.field)
		}
	}
	// Free text keeps its tabs, line breaks and any printable script; labels any script.
	e := base
	e.Text, e.Queue, e.AgentID = "Zeile 1\n\tZeile 2 \u00e9\u4e2d\ufffd", "коммерция", "agent-\u00e9"
	if err := e.Validate(); err != nil {
		t.Errorf("valid text or labels refused: %v", err)
	}
}

// UK is the United Kingdom's exceptional reservation and a common mistake for GB: it is taken
// as GB, so British customers' data stays in GB's region.
func TestUKIsGreatBritain(t *testing.T) {
	e := Event{ID: "a", Type: ConversationResolved, OccurredAt: time.Now(), ConversationID: "c", Customer: &Customer{Country: "uk"}}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	e.Normalize()
	if e.Customer.Country != "GB" {
		t.Fatalf("country %q, want GB", e.Customer.Country)
	}
	if r := DefaultPolicy().RegionFor(e.Customer.Country); r != "eu" {
		t.Fatalf("UK customer placed in %q, want eu", r)
	}
}

// Ingest and every filter (metrics, insights, planning) write labels the same way.
func TestCanonicalLabels(t *testing.T) {
	for in, want := range map[string]string{"de": "de", "DE": "de", "pt_br": "pt-BR", "ZH-hant": "zh-Hant", "es-419": "es-419",
		"EN-gb": "en-GB", "sr-latn-rs": "sr-Latn-RS", "en-US-x-TWAIN": "en-US-x-twain", " fr ": "fr", "": "", "*": "*"} {
		if got := CanonicalLanguage(in); got != want {
			t.Errorf("CanonicalLanguage(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"WhatsApp": "whatsapp", " EMAIL": "email", "line": "line"} {
		if got := CanonicalChannel(in); got != want {
			t.Errorf("CanonicalChannel(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"de": "DE", "uk": "GB", "UK": "GB", "zz": "ZZ", " vn ": "VN"} {
		if got := CanonicalCountryOrSelf(in); got != want {
			t.Errorf("CanonicalCountryOrSelf(%q) = %q, want %q", in, got, want)
		}
	}
	e := Event{ID: "a", Type: MessageReceived, OccurredAt: time.Now(), Channel: "whatsapp", ConversationID: "c", Text: "hi",
		Language: "PT-br", Customer: &Customer{Country: "br"}}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	e.Normalize()
	if e.Language != "pt-BR" || e.Customer.Country != "BR" {
		t.Errorf("normalised language %q, country %q; want pt-BR, BR", e.Language, e.Customer.Country)
	}
	e.Channel = "WhatsApp"
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), `"whatsapp"`) {
		t.Errorf("channel WhatsApp: %v, want a refusal naming whatsapp", err)
	}
}

func TestBaseLanguage(t *testing.T) {
	for tag, want := range map[string]string{"pt-BR": "pt", " zh_Hant ": "zh", "DE": "de", "": "", "und": "und", "es-419": "es"} {
		if got := BaseLanguage(tag); got != want {
			t.Errorf("BaseLanguage(%q) = %q, want %q", tag, got, want)
		}
	}
}
