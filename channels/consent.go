package channels

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Purposes of consent to messages outside a conversation.
const (
	// PurposeService: follow-ups about the customer's own requests (WhatsApp utility templates).
	PurposeService = "service"
	// PurposeMarketing: campaigns and offers.
	PurposeMarketing = "marketing"
)

// Purposes lists the purposes consent is recorded for.
var Purposes = []string{PurposeService, PurposeMarketing}

// Consent is a customer's latest answer for a channel and purpose.
type Consent struct {
	CustomerID, Channel, Purpose string
	Granted                      bool
	UpdatedAt                    time.Time
}

// Consents says whether a customer agreed to messages outside a conversation on a channel
// (store/postgres.Consents). Consent is per customer, channel and purpose; none recorded is no.
type Consents interface {
	Consented(ctx context.Context, region, tenant, customerID, channel, purpose string) (bool, error)
}

// OutsideConversation is implemented by senders some of whose messages are not replies inside
// an open conversation: WhatsApp's, whose messages after the 24-hour customer-service window
// are templates the business starts. The outbox sends those only with the customer's consent.
type OutsideConversation interface {
	Outside(m Outgoing, now time.Time) bool
}

// ErrNoConsent is what a message outside a conversation without the customer's consent wraps.
var ErrNoConsent = errors.New("no consent")

// checkConsent refuses a message outside its conversation when the customer has not consented
// to service messages on its channel; nil when it is a reply inside the conversation.
func (o *Outbox) checkConsent(ctx context.Context, sender Outbound, a Address, m Outgoing) error {
	out, ok := sender.(OutsideConversation)
	if !ok || !out.Outside(m, o.Now()) {
		return nil
	}
	if o.Consents == nil {
		return fmt.Errorf("%w: the customer's conversation on %s is closed to replies (outside the channel's window) and no consent store is configured", ErrNoConsent, a.Channel)
	}
	yes, err := o.Consents.Consented(ctx, a.Region, a.Tenant, a.CustomerID, a.Channel, PurposeService)
	if err != nil {
		return err
	}
	if !yes {
		return fmt.Errorf("%w: the message falls outside the conversation on %s (the customer's last message is past the channel's window) and the customer has not consented to %s messages on %s (setConsent)", ErrNoConsent, a.Channel, PurposeService, a.Channel)
	}
	return nil
}
