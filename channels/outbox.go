package channels

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// Ledger is the send ledger (store/postgres.ChannelState).
type Ledger interface {
	Address(ctx context.Context, tenant, conversationID string) (Address, error)
	Enqueue(ctx context.Context, m OutboundMessage) (OutboundMessage, bool, error)
	Get(ctx context.Context, region, tenant, id string) (OutboundMessage, error)
	Claim(ctx context.Context, region, tenant, id string) (bool, error)
	Finish(ctx context.Context, region, tenant, id, state, platformID, reason string, retryAt time.Time) error
	MarkPublished(ctx context.Context, region, tenant, id string) error
	Due(ctx context.Context, region string, now time.Time, limit int) ([]OutboundMessage, error)
	FailInterrupted(ctx context.Context, region string, after time.Duration) (int64, error)
}

// Outbox sends replies through their conversation's channel, once: each reply is written to the
// ledger before the platform is called, marked sending while it is called, and its outcome
// recorded; retryable errors are tried again with backoff by Run, and a reply interrupted by a
// crash mid-call is failed rather than sent twice. Every sent reply becomes a message.sent
// event.
type Outbox struct {
	Ledger Ledger
	// IDs hashes the platform ids of sent replies (MessageRef), as receipts are matched.
	IDs IDHasher
	// Senders are the environment's channels, the default tenant's.
	Senders map[string]Outbound
	// Tenants, when set, sends for tenants with their own accounts (TenantSenders).
	Tenants       TenantSenders
	DefaultTenant string
	Ingest        Acceptor
	// Consents is asked before a message outside a conversation (OutsideConversation) is
	// sent; nil refuses every such message.
	Consents Consents
	Regions  []string
	Now      func() time.Time
	Log      *slog.Logger
	// MaxAttempts is how often a retryable error is tried before the reply fails (0 = 8).
	MaxAttempts int
	// SendTimeout bounds one platform call (0 = 20 s).
	SendTimeout time.Duration
	// InterruptedAfter is how long a reply may stay sending before it counts as interrupted
	// (its process stopped mid-call): longer than any call, so that another instance's send
	// in progress is never taken for one (0 = SendTimeout + 1 minute).
	InterruptedAfter time.Duration
}

// Errors of Send that are the caller's.
var (
	ErrEmptyText     = errors.New("text is empty")
	ErrNoSender      = errors.New("the conversation's channel cannot send replies here")
	ErrTextTooLong   = fmt.Errorf("text is longer than %d bytes", models.MaxTextLen)
	errNotClaimable  = errors.New("reply is not pending")
	defaultAttempts  = 8
	defaultSendLimit = 20 * time.Second
)

// Reply is one request to answer a conversation.
type Reply struct {
	Tenant          string
	ConversationID  string
	Text            string
	ClientMessageID string
	AgentID         string
	// Localisation says how Text was put into the customer's language and culture.
	Localisation *Localisation
	// Allowed reports whether the caller may write to the conversation's region.
	Allowed func(region string) bool
}

// ErrForbidden is returned when the caller may not act on the conversation's region.
var ErrForbidden = errors.New("this key may not act on the conversation's region")

// Send writes a reply to the ledger and tries it at once; the returned message carries its
// delivery state (sent, failed, or pending when a retryable error left it to Run). The same
// ClientMessageID in the same conversation returns the first reply and sends nothing.
func (o *Outbox) Send(ctx context.Context, r Reply) (OutboundMessage, error) {
	if r.Text == "" {
		return OutboundMessage{}, ErrEmptyText
	}
	if len(r.Text) > models.MaxTextLen {
		return OutboundMessage{}, ErrTextTooLong
	}
	a, err := o.Ledger.Address(ctx, r.Tenant, r.ConversationID)
	if err != nil {
		return OutboundMessage{}, err
	}
	if r.Allowed != nil && !r.Allowed(a.Region) {
		return OutboundMessage{}, ErrForbidden
	}
	sender, err := o.sender(ctx, r.Tenant, a.Channel)
	if err != nil {
		return OutboundMessage{}, err
	} else if sender == nil {
		return OutboundMessage{}, fmt.Errorf("%w (%s is not configured for sending)", ErrNoSender, a.Channel)
	}
	if a.Tenant == "" {
		a.Tenant = r.Tenant
	}
	if err := o.checkConsent(ctx, sender, a, Outgoing{LastInbound: a.LastInbound}); err != nil {
		return OutboundMessage{}, err
	}
	m := OutboundMessage{
		ID: ledgerID(r), ClientMessageID: r.ClientMessageID, Tenant: r.Tenant, Region: a.Region,
		ConversationID: r.ConversationID, CustomerID: a.CustomerID, Channel: a.Channel, Account: a.Account,
		Recipient: a.Recipient, Text: r.Text, AgentID: r.AgentID, Localisation: r.Localisation,
	}
	m, created, err := o.Ledger.Enqueue(ctx, m)
	if err != nil || !created {
		return m, err
	}
	if err := o.attempt(ctx, m.Region, m.Tenant, m.ID); err != nil && !errors.Is(err, errNotClaimable) {
		return m, err
	}
	return o.Ledger.Get(ctx, m.Region, m.Tenant, m.ID)
}

// Address is where replies of a conversation go (its region, customer, country, channel).
func (o *Outbox) Address(ctx context.Context, tenant, conversationID string) (Address, error) {
	return o.Ledger.Address(ctx, tenant, conversationID)
}

// TenantSenders are the senders of tenants' own accounts.
type TenantSenders interface {
	// Sender returns a tenant's sender of a channel, nil when the tenant has not configured
	// the channel.
	Sender(ctx context.Context, tenant, channel string) (Outbound, error)
}

// sender is the tenant's own account of the channel when it has one, else (for the default
// tenant) the environment's.
func (o *Outbox) sender(ctx context.Context, tenant, channel string) (Outbound, error) {
	if o.Tenants != nil {
		s, err := o.Tenants.Sender(ctx, tenant, channel)
		if err != nil || s != nil {
			return s, err
		}
	}
	if tenant == o.DefaultTenant || o.DefaultTenant == "" {
		return o.Senders[channel], nil
	}
	return nil, nil
}

// ledgerID names a reply: after its client's id when there is one (a retried request finds
// the same row), else at random.
func ledgerID(r Reply) string {
	if r.ClientMessageID != "" {
		sum := sha256.Sum256([]byte(r.Tenant + "\x00" + r.ConversationID + "\x00" + r.ClientMessageID))
		return "out-" + hex.EncodeToString(sum[:12])
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "out-" + hex.EncodeToString(b[:])
}

// attempt sends one pending reply if this process wins its claim.
func (o *Outbox) attempt(ctx context.Context, region, tenant, id string) error {
	ok, err := o.Ledger.Claim(ctx, region, tenant, id)
	if err != nil {
		return err
	}
	if !ok {
		return errNotClaimable
	}
	m, err := o.Ledger.Get(ctx, region, tenant, id)
	if err != nil {
		return err
	}
	a, err := o.Ledger.Address(ctx, tenant, m.ConversationID)
	if err != nil {
		return o.Ledger.Finish(ctx, region, tenant, id, StateFailed, "", err.Error(), o.Now())
	}
	sender, err := o.sender(ctx, tenant, m.Channel)
	if err != nil {
		// Settings unreadable for now: the reply stays pending and is tried again.
		return o.Ledger.Finish(context.WithoutCancel(ctx), region, tenant, id, StatePending, "", err.Error(), o.Now().Add(backoff(m.Attempts)))
	}
	if sender == nil {
		return o.Ledger.Finish(ctx, region, tenant, id, StateFailed, "", m.Channel+" is no longer configured for sending", o.Now())
	}
	// Consent is asked again when the message goes: the window may have closed, or the
	// customer withdrawn it, since the reply was written.
	if a.Tenant == "" {
		a.Tenant = tenant
	}
	if err := o.checkConsent(ctx, sender, a, Outgoing{LastInbound: a.LastInbound}); err != nil {
		if !errors.Is(err, ErrNoConsent) {
			return o.Ledger.Finish(context.WithoutCancel(ctx), region, tenant, id, StatePending, "", err.Error(), o.Now().Add(backoff(m.Attempts)))
		}
		return o.Ledger.Finish(ctx, region, tenant, id, StateFailed, "", err.Error(), o.Now())
	}
	limit := o.SendTimeout
	if limit == 0 {
		limit = defaultSendLimit
	}
	// The platform call survives the caller leaving: its outcome must reach the ledger.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	rec, sendErr := sender.Send(sctx, Outgoing{
		Account: m.Account, To: m.Recipient, Text: m.Text, ReplyToken: a.ReplyToken,
		LastInbound: a.LastInbound, Thread: a.Thread, Subject: a.Subject, Key: m.ID,
	})
	cancel()
	fctx := context.WithoutCancel(ctx)
	if sendErr != nil {
		retry, after := Retryable(sendErr)
		maxAttempts := o.MaxAttempts
		if maxAttempts == 0 {
			maxAttempts = defaultAttempts
		}
		if !retry || m.Attempts >= maxAttempts {
			reason := sendErr.Error()
			if retry {
				reason = fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, reason)
			}
			o.Log.Warn("reply failed", "channel", m.Channel, "message", id, "reason", reason)
			return o.Ledger.Finish(fctx, region, tenant, id, StateFailed, "", reason, o.Now())
		}
		if after == 0 {
			after = backoff(m.Attempts)
		}
		return o.Ledger.Finish(fctx, region, tenant, id, StatePending, "", sendErr.Error(), o.Now().Add(after))
	}
	ref := MessageRef(o.IDs, tenant, m.Channel, rec.MessageID)
	if err := o.Ledger.Finish(fctx, region, tenant, id, StateSent, ref, "", o.Now()); err != nil {
		return err
	}
	m.State, m.PlatformMessageID = StateSent, ref
	return o.publish(fctx, m, a.Country)
}

func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 9)
	return min(d, 5*time.Minute)
}

// publish writes a sent reply's message.sent event; its id and content derive from the ledger
// row, so a republish after a crash is the same event and counts once.
func (o *Outbox) publish(ctx context.Context, m OutboundMessage, country string) error {
	// When the agent sent it (response times count from there), and the same on a republish.
	at := m.CreatedAt.UTC()
	e := models.Event{
		ID: "sent:" + m.ID, Type: models.MessageSent, OccurredAt: at,
		Channel: m.Channel, Direction: models.Outbound, ConversationID: m.ConversationID,
		Customer: &models.Customer{Country: country}, CustomerID: m.CustomerID,
		Text: m.Text, PlatformMessageID: m.PlatformMessageID, AgentID: m.AgentID,
		Attributes: map[string]string{"channel_account": m.Account, "outbound_message_id": m.ID},
	}
	if l := m.Localisation; l != nil {
		e.Language = l.Language
		for k, v := range map[string]string{"original_language": l.OriginalLanguage, "translated_by": l.TranslatedBy,
			"template": l.Template, "culture_rules": strings.Join(l.Adapted, ","), "culture_issues": strings.Join(l.CultureIssues, ",")} {
			if v != "" {
				e.Attributes[k] = v
			}
		}
		if l.CulturalFit != nil {
			e.Attributes["cultural_fit"] = strconv.FormatFloat(*l.CulturalFit, 'f', 2, 64)
		}
	}
	if err := o.Ingest.Accept(ctx, m.Tenant, []models.Event{e}); err != nil {
		return fmt.Errorf("message.sent event: %w", err)
	}
	return o.Ledger.MarkPublished(ctx, m.Region, m.Tenant, m.ID)
}

// Run retries due replies, publishes sent replies' events and fails replies a stopped process
// left mid-send, until ctx ends.
func (o *Outbox) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		o.Tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick works once through every region's due replies.
func (o *Outbox) Tick(ctx context.Context) {
	after := o.InterruptedAfter
	if after == 0 {
		after = cmp.Or(o.SendTimeout, defaultSendLimit) + time.Minute
	}
	for _, r := range o.Regions {
		if n, err := o.Ledger.FailInterrupted(ctx, r, after); err != nil {
			o.Log.Error("send ledger", "region", r, "err", err)
		} else if n > 0 {
			o.Log.Warn("replies interrupted mid-send marked failed", "region", r, "count", n)
		}
		due, err := o.Ledger.Due(ctx, r, o.Now(), 100)
		if err != nil {
			o.Log.Error("send ledger", "region", r, "err", err)
			continue
		}
		for _, m := range due {
			var err error
			if m.State == StatePending {
				err = o.attempt(ctx, r, m.Tenant, m.ID)
			} else {
				var a Address
				a, err = o.Ledger.Address(ctx, m.Tenant, m.ConversationID)
				if err == nil {
					err = o.publish(ctx, m, a.Country)
				}
			}
			if err != nil && !errors.Is(err, errNotClaimable) {
				o.Log.Error("send ledger", "region", r, "message", m.ID, "err", err)
			}
		}
	}
}

// Message reads a reply from the ledger of whichever region holds it.
func (o *Outbox) Message(ctx context.Context, tenant, id string) (OutboundMessage, error) {
	for _, r := range o.Regions {
		m, err := o.Ledger.Get(ctx, r, tenant, id)
		if errors.Is(err, ErrNoMessage) {
			continue
		}
		return m, err
	}
	return OutboundMessage{}, ErrNoMessage
}
