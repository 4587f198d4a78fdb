package models

import (
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
