package email

import (
	"time"

	"github.com/meridian-cs/meridian/channels"
)

// FollowUpWindow is how long after a customer's last e-mail Meridian's mail to them is still a
// reply in their conversation. Later, or to a customer who never wrote by e-mail, it is a
// message outside a conversation, which the outbox sends only with their consent: help desks
// take mail about a ticket closed for a month as a new contact, and so does the law on
// unsolicited mail.
const FollowUpWindow = 30 * 24 * time.Hour

var _ channels.OutsideConversation = (*Channel)(nil)

// Outside reports whether m is not a reply to the customer's own recent mail
// (channels.OutsideConversation).
func (c *Channel) Outside(m channels.Outgoing, now time.Time) bool {
	return m.LastInbound.IsZero() || now.Sub(m.LastInbound) >= FollowUpWindow
}
