package identity_test

import (
	"testing"

	"github.com/meridian-cs/meridian/identity"
)

func TestKeysAreNormalisedAsTheGraphStoresThem(t *testing.T) {
	cases := []struct {
		kind, value string
		want        string
		fails       bool
	}{
		{"phone", "+55 11 98765-4321", "phone:+5511987654321", false},
		{"phone", "+81 3-1234-5678", "phone:+81312345678", false},
		{"phone", "12", "", true},
		{"email", " Ana.Souza@Example.COM ", "email:ana.souza@example.com", false},
		{"email", "not an address", "", true},
		{"whatsapp", "+55 11 98765-4321", "whatsapp:5511987654321", false},
		{"line", "U4af4980629", "line:U4af4980629", false},
		{"crm", "  CRM-7 ", "crm:CRM-7", false},
		{"myspace", "x", "", true},
		{"order", "", "", true},
	}
	for _, c := range cases {
		k, err := identity.Parse(c.kind, c.value)
		if c.fails {
			if err == nil {
				t.Errorf("Parse(%q, %q) = %v, want an error", c.kind, c.value, k)
			}
			continue
		}
		if err != nil || k.String() != c.want {
			t.Errorf("Parse(%q, %q) = %v, %v; want %s", c.kind, c.value, k, err, c.want)
		}
	}
}

func TestAPhoneNumberWithoutCountryCodeIsReadInTheMarketsCountry(t *testing.T) {
	k, country, ok := identity.Phone("090-1234-5678", "JP")
	if !ok || k.Value != "+819012345678" || country != "JP" {
		t.Fatalf("got %v %s %v", k, country, ok)
	}
	if k, country, ok := identity.Phone("5511987654321", ""); !ok || country != "BR" || k.Value != "+5511987654321" {
		t.Fatalf("a wa_id (E.164 without '+'): %v %s %v", k, country, ok)
	}
}
