package channels_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/store/postgres"
)

// windowed is a sender with WhatsApp's rule: past 24 hours after the customer's last message,
// a message is outside the conversation.
type windowed struct{ recorder }

func (w *windowed) Outside(m channels.Outgoing, now time.Time) bool {
	return now.Sub(m.LastInbound) >= 24*time.Hour
}

// A reply written inside the window but still queued when it closes is not sent without the
// customer's consent: it fails with the reason. With consent recorded, such a message goes.
func TestAQueuedReplyPastTheWindowNeedsConsentWhenItIsSent(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if err := w.pipe.Receive(ctx, "whatsapp", waMessage("wamid.K1", "oi", w.now)); err != nil {
		t.Fatal(err)
	}
	conv := w.ingest.take()[0].ConversationID
	addr, err := w.state.Address(ctx, "acme", conv)
	if err != nil {
		t.Fatal(err)
	}
	customer := addr.CustomerID
	rec := &windowed{recorder{errs: []error{&channels.SendError{Status: 503, Reason: "service unavailable", Retryable: true}}}}
	consents := &postgres.Consents{DB: w.db}
	box := &channels.Outbox{Ledger: w.state, IDs: w.keyring, Senders: map[string]channels.Outbound{"whatsapp": rec}, Ingest: w.ingest, Consents: consents,
		Regions: []string{"eu", "us"}, Now: func() time.Time { return w.now }, Log: w.pipe.Log}
	out, err := box.Send(ctx, channels.Reply{Tenant: "acme", ConversationID: conv, Text: "um momento"})
	if err != nil || out.State != channels.StatePending {
		t.Fatalf("inside the window, after a 503: %+v %v", out, err)
	}
	w.now = w.now.Add(25 * time.Hour)
	box.Tick(ctx)
	got, err := w.state.Get(ctx, out.Region, "acme", out.ID)
	if err != nil || got.State != channels.StateFailed || !strings.Contains(got.Reason, "has not consented to service messages on whatsapp") || len(rec.sent) != 0 {
		t.Fatalf("past the window without consent: %+v %v (%d sent)", got, err, len(rec.sent))
	}
	if _, err := box.Send(ctx, channels.Reply{Tenant: "acme", ConversationID: conv, Text: "ainda aí?"}); err == nil || !strings.Contains(err.Error(), "no consent") {
		t.Fatalf("a new reply past the window: %v", err)
	}
	if _, err := consents.Set(ctx, out.Region, "acme", customer, "whatsapp", channels.PurposeService, true); err != nil {
		t.Fatal(err)
	}
	sent, err := box.Send(ctx, channels.Reply{Tenant: "acme", ConversationID: conv, Text: "ainda aí?"})
	if err != nil || sent.State != channels.StateSent || len(rec.sent) != 1 {
		t.Fatalf("with consent: %+v %v (%d sent)", sent, err, len(rec.sent))
	}
}
