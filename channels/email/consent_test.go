package email

import (
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

// Mail answering the customer's own mail of the last 30 days is a reply; mail to a customer who
// never wrote, or wrote longer ago, needs their consent.
func TestMailOutsideAConversation(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var c Channel
	for _, tc := range []struct {
		name    string
		last    time.Time
		outside bool
	}{
		{"an hour after their mail", now.Add(-time.Hour), false},
		{"29 days after their mail", now.Add(-29 * 24 * time.Hour), false},
		{"30 days after their mail", now.Add(-FollowUpWindow), true},
		{"to a customer who never wrote", time.Time{}, true},
	} {
		if got := c.Outside(channels.Outgoing{LastInbound: tc.last}, now); got != tc.outside {
			t.Errorf("%s: outside = %v, want %v", tc.name, got, tc.outside)
		}
	}
}
