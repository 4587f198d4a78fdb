package erasure_test

import (
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/compliance/erasure"
)

// A reason naming the customer is refused, with what was found; case numbers, dates and
// articles are kept as typed.
func TestAReasonWithACustomerIdentifierIsRefused(t *testing.T) {
	for reason, found := range map[string]string{
		"asked by ana.souza@example.com":         "email",
		"refund to DE89 3704 0044 0532 0130 00":  "iban",
		"card 4111 1111 1111 1111 disputed":      "card",
		"customer called from +49 151 23456789":  "phone",
		"Art. 17 request, SSN 078-05-1120 given": "national id",
	} {
		err := erasure.CheckReason(reason)
		if err == nil || !strings.Contains(err.Error(), "found: "+found) {
			t.Errorf("%q: %v, want refused for %s", reason, err, found)
		}
	}
	for _, reason := range []string{"Art. 17 request 2026-77", "litigation case DE-2026-0042 filed 2026-11-30", "subpoena 12", "court order 12 O 345/26", "ticket #48213"} {
		if err := erasure.CheckReason(reason); err != nil {
			t.Errorf("%q refused: %v", reason, err)
		}
	}
}
