package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A running server applies MERIDIAN_FIELD_POLICY's region override to the customers of that
// region only: the admin key sees an eu customer's text masked and a us customer's in the
// clear.
func TestServeAppliesTheFieldPolicysRegionOverride(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "fields.yaml")
	if err := os.WriteFile(policy, []byte("roles:\n  admin: {text: clear, customer_id: clear, identity: clear}\nregions:\n  eu: {admin: {text: masked}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, t.TempDir(), "MERIDIAN_FIELD_POLICY="+policy)
	body := `[{"id":"fp1","type":"message.received","occurred_at":"2026-11-20T10:00:00Z","channel":"whatsapp","conversation_id":"fp-eu","customer":{"country":"DE","external_id":"4915112345678"},"text":"Mail an max@example.de bitte"},` +
		`{"id":"fp2","type":"message.received","occurred_at":"2026-11-20T10:00:00Z","channel":"whatsapp","conversation_id":"fp-us","customer":{"country":"US","external_id":"12025550123"},"text":"Mail me at ann@example.com please"}]`
	if code, out := s.post(t, "/v1/events", testKey, "application/json", body); code != 202 && code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	waitCounts(t, s, map[string]float64{"eu": 1, "us": 1}, 30*time.Second)
	for id, want := range map[string]string{"fp-eu": "Mail an [email] bitte", "fp-us": "Mail me at ann@example.com please"} {
		got := fmt.Sprint(s.gql(t, `{ conversation(id: "`+id+`") { messages { text } } }`, nil))
		if !strings.Contains(got, "text:"+want+"]") {
			t.Errorf("%s: %s, want text %q", id, got, want)
		}
	}
}
