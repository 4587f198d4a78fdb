package channels

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/transcription"
)

// Acceptor is ingest's entry for events produced inside Meridian (ingest.Service.Accept).
type Acceptor interface {
	Accept(ctx context.Context, tenant string, events []models.Event) error
}

// Threads records inbound messages' places in conversations (store/postgres.ChannelState).
type Threads interface {
	Thread(ctx context.Context, region string, in Inbound) (conversationID string, opened bool, err error)
}

// Receipts applies platforms' status updates to the send ledger.
type Receipts interface {
	Receipt(ctx context.Context, tenant, channel string, st Status) (bool, error)
}

// IDHasher hashes ids that may name a person with the tenant's key (shred.Keyring.IDHash).
type IDHasher interface {
	IDHash(tenant, id string) string
}

// Pipeline is Meridian's Intake. Each message is resolved to a customer in the identity graph,
// placed in a conversation, and turned into canonical events that ingest validates, places in
// the customer's residency region, seals and writes to Kafka.
type Pipeline struct {
	Tenant string
	// IDs hashes platforms' message ids: no store holds one in readable form.
	IDs        IDHasher
	Identities identity.Store
	Threads    Threads
	Receipts   Receipts
	Ingest     Acceptor
	Markets    Markets
	// DefaultCountry places a customer that neither a phone number nor the channel's market
	// places.
	DefaultCountry string
	// OrderNumbers finds a tenant's order numbers in a message (MERIDIAN_ORDER_NUMBER_PATTERN,
	// the first group or the whole match): each is a deterministic key, so two identities that
	// quote the same order are one customer. Nil: none are looked for (a loose pattern would
	// link strangers).
	OrderNumbers *regexp.Regexp
	// RegionOf is the residency region of a country (the policy ingest applies). A customer
	// whose country was corrected into another region is threaded there from then on, where
	// their new events are stored; nil keeps the identity graph's region.
	RegionOf func(country string) string
	// Transcriber turns voice notes (an audio attachment without text) into their transcript,
	// downloaded through Delivery.Media; nil: a voice note reaches agents with
	// transcription.Note. A failure gives transcription.FailedNote. Either way it flows on.
	Transcriber transcription.Transcriber
	// VoiceTimeout bounds the download and transcription of a delivery's voice notes
	// (MERIDIAN_STT_TIMEOUT); 0 is DefaultVoiceTimeout.
	VoiceTimeout time.Duration
	Now          func() time.Time
	Log          *slog.Logger
}

// Receive implements Intake.
func (p *Pipeline) Receive(ctx context.Context, channel string, d *Delivery) error {
	p.voice(ctx, channel, d)
	events := make([]models.Event, 0, len(d.Messages)+1)
	for i := range d.Messages {
		evs, err := p.message(ctx, channel, &d.Messages[i])
		if err != nil {
			return err
		}
		events = append(events, evs...)
	}
	if len(events) > 0 {
		if err := p.Ingest.Accept(ctx, p.Tenant, events); err != nil {
			return err
		}
	}
	for _, st := range d.Statuses {
		// The ledger holds sent replies' platform ids as MessageRefs.
		st.MessageID = MessageRef(p.IDs, p.Tenant, channel, st.MessageID)
		found, err := p.Receipts.Receipt(ctx, p.Tenant, channel, st)
		if err != nil {
			return err
		}
		if !found {
			// Receipts of messages sent outside Meridian (the platform's own app) are normal.
			p.Log.Debug("receipt of a message Meridian did not send", "channel", channel, "state", st.State)
		}
	}
	return nil
}

// EventID is the id of the event a platform message becomes: the channel, then a keyed hash of
// the account and the platform's own id (a wamid encodes the customer's number, a Message-ID
// their domain: neither is stored). The same message always gives the same id, so a
// platform's retry or redelivery is the same event, also after a restart.
func EventID(ids IDHasher, tenant, channel, account, platformID string) string {
	return channel + ":" + ids.IDHash(tenant, channel+"\x00"+account+"\x00"+platformID)
}

// MessageRef is how a platform's message id is stored wherever Meridian keeps one to match
// it later: an event's platform_message_id, the send ledger (a delivery receipt names the
// sent reply by its platform id) and the attributes naming another message (what a reply
// quotes, an edit changes, an e-mail's References). A keyed hash without the account, which
// receipts do not name; the same id on the same channel is always the same ref.
func MessageRef(ids IDHasher, tenant, channel, platformID string) string {
	if platformID == "" {
		return ""
	}
	return ids.IDHash(tenant, "ref\x00"+channel+"\x00"+platformID)
}

func (p *Pipeline) message(ctx context.Context, channel string, m *Message) ([]models.Event, error) {
	now := p.Now().UTC()
	at := m.Timestamp.UTC()
	if at.IsZero() {
		at = now
	}
	id := EventID(p.IDs, p.Tenant, channel, m.Account, m.ID)
	ref := MessageRef(p.IDs, p.Tenant, channel, m.ID)
	// The account's market, else the tenant's default: where a customer without a phone
	// number is placed (the one rule, ARCHITECTURE.md), and how a number without a country
	// code is read.
	market, ok := p.Markets.Country(channel, m.Account)
	if !ok {
		market = p.DefaultCountry
	}
	var address identity.Key
	var also, mentioned, verified []identity.Key
	cust := models.Customer{ExternalID: m.From.ID, Name: m.From.Name, Locale: m.From.Locale}
	if channel == "email" {
		k, ok := identity.Email(m.From.ID)
		if !ok {
			return nil, &models.FieldError{Field: "from", Reason: "is not an e-mail address"}
		}
		address = k
		cust.Email = k.Value
	} else {
		address = identity.ChannelUser(channel, m.From.ID)
		if k, ok := identity.Email(m.From.Email); ok {
			also = append(also, k)
			cust.Email = k.Value
		}
	}
	if address.Value == "" {
		if m.Unknown != "" || !isMessage(m.Kind) {
			// Nobody to place it with (a platform error report, an account-level event):
			// nothing to store, and refusing it would make the platform retry it forever.
			unplaced.WithLabelValues(channel).Inc()
			p.Log.Info("platform event without a sender skipped", "channel", channel, "kind", m.Kind)
			return nil, nil
		}
		return nil, &models.FieldError{Field: "from", Reason: "the platform named no sender"}
	}
	phoneCountry := ""
	if k, c, ok := identity.Phone(m.From.Phone, ""); ok {
		also = append(also, k)
		cust.Phone, phoneCountry = k.Value, c
	}
	// Numbers in an e-mail signature are read as numbers of the channel's market.
	for _, raw := range strings.Split(m.Attributes["signature_phones"], ",") {
		if k, c, ok := identity.Phone(raw, market); ok {
			mentioned = append(mentioned, k)
			if cust.Phone == "" {
				cust.Phone, phoneCountry = k.Value, c
			}
		}
	}
	for _, o := range p.orders(m.Subject + "\n" + m.Text) {
		mentioned = append(mentioned, identity.Key{Kind: identity.KindOrder, Value: o})
	}
	if m.From.Verified != "" {
		verified = append(verified, identity.Key{Kind: identity.KindWebchat, Value: m.From.Verified})
		cust.CRMID = m.From.Verified
	}
	cust.Country = cmp.Or(phoneCountry, market)
	res, err := p.Identities.Observe(ctx, identity.Observation{
		Tenant: p.Tenant, Address: address, Also: also, Mentioned: mentioned, Verified: verified, Country: cust.Country,
		Seed: ingest.Identity(&cust), At: at,
	})
	if err != nil {
		return nil, err
	}
	// A customer's known country (set when first seen, or by a person since) keeps their
	// events in one region.
	if res.Country != "" {
		cust.Country = res.Country
	}
	attrs, personal := splitAttributes(m.Attributes, func(v string) string { return p.refs(channel, v) })
	// A redelivery must be the same event as the first delivery, byte for byte, or the
	// claims would take it for a conflicting body under an accepted id.
	delete(attrs, "redelivery")
	attrs["raw_type"] = m.Kind
	attrs["channel_account"] = m.Account
	var out []models.Event
	for _, m := range res.Merged {
		out = append(out, mergeEvent(models.CustomerMerged, res.CustomerID, cust.Country, "shared key", "merged_customer_id", m, now))
	}
	if m.Unknown != "" || !isMessage(m.Kind) {
		// Kept as what it is, never as a message nor in a conversation.
		if m.Unknown != "" {
			attrs["unsupported"] = m.Unknown
		}
		text := strings.TrimSpace(m.Text + "\n" + personal)
		return append(out, models.Event{
			ID: id, Type: models.ChannelEvent, OccurredAt: at, Channel: channel, Direction: models.Inbound,
			Customer: &cust, CustomerID: res.CustomerID, Text: text, PlatformMessageID: ref, Attributes: attrs,
		}), nil
	}
	region := res.Region
	if p.RegionOf != nil {
		region = p.RegionOf(cust.Country)
	}
	conv, opened, err := p.Threads.Thread(ctx, region, Inbound{
		Tenant: p.Tenant, CustomerID: res.CustomerID, EventID: id, Channel: channel, Account: m.Account,
		Recipient: address.Value, ReplyToken: m.ReplyToken, Thread: append(append([]string(nil), m.Thread...), m.ID),
		Subject: m.Subject, At: at, NewConversationID: ConversationID(id),
	})
	if err != nil {
		return nil, err
	}
	text := m.Text
	if strings.TrimSpace(text) == "" {
		text = "[" + m.Kind + "]"
	}
	// What names or locates a person (a shared location or contact card) travels in the
	// text, which is sealed; attributes are stored in the clear.
	if personal != "" {
		text += "\n" + personal
	}
	if opened {
		out = append(out, models.Event{
			ID: id + "#opened", Type: models.ConversationOpened, OccurredAt: at,
			Channel: channel, Direction: models.Inbound, ConversationID: conv,
			Customer: &models.Customer{Country: cust.Country}, CustomerID: res.CustomerID,
		})
	}
	sent := at
	out = append(out, models.Event{
		ID: id, Type: models.MessageReceived, OccurredAt: at,
		Channel: channel, Direction: models.Inbound, ConversationID: conv,
		Customer: &cust, CustomerID: res.CustomerID, Text: text,
		PlatformMessageID: ref, SentAt: &sent, Attachments: m.Attachments, Attributes: attrs,
	})
	return out, nil
}

// refs stores the platform message ids of an attribute (space-separated, as an e-mail's
// References) as MessageRefs.
func (p *Pipeline) refs(channel, v string) string {
	ids := strings.Fields(v)
	for i, id := range ids {
		ids[i] = MessageRef(p.IDs, p.Tenant, channel, id)
	}
	return strings.Join(ids, " ")
}

// orders are the distinct order numbers a text quotes, at most 5 (a pasted list is not five
// people's orders to link).
func (p *Pipeline) orders(text string) []string {
	if p.OrderNumbers == nil {
		return nil
	}
	var out []string
	for _, m := range p.OrderNumbers.FindAllStringSubmatch(text, 6) {
		v := m[0]
		if len(m) > 1 && m[1] != "" {
			v = m[1]
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) > 5 {
		return nil
	}
	return out
}

// nonMessages are platform kinds that are not something a customer said: they become
// channel.event, so the message measures count only messages.
var nonMessages = map[string]bool{
	"follow": true, "unfollow": true, "join": true, "leave": true, "memberJoined": true, "memberLeft": true,
	"unsend": true, "videoPlayComplete": true, "beacon": true, "accountLink": true, "things": true, "membership": true,
	"reaction": true, "message_reaction": true, "message_deleted": true, "message_edit": true, "edited_message": true,
	"referral": true, "optin": true, "standby": true, "system": true,
}

func isMessage(kind string) bool { return !nonMessages[kind] && !strings.HasPrefix(kind, "event:") }

var unplaced = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_webhook_unplaced_total",
	Help: "Platform events without a sender (nobody to place them with), acknowledged and not stored, by channel.",
}, []string{"channel"})

// ConversationID names a conversation after the message that opened it, so a retried first
// delivery that lost its receipt still opens the same conversation.
func ConversationID(eventID string) string {
	sum := sha256.Sum256([]byte(eventID))
	return "c-" + hex.EncodeToString(sum[:12])
}

// personalAttributes are platform attributes that name, reach or locate a person. They never
// become event attributes (stored in the clear): the ones worth reading go into the sealed
// text, the identity keys into the identity graph, the rest are dropped (chat_id: a Telegram
// private chat's id is the user's).
var personalAttributes = map[string]bool{
	"signature": false, "signature_phones": false, "envelope_from": false, "recipients": false, "chat_id": false,
	"username": false, "user_id": false, "contact_user_id": false, "member_user_ids": false, "reply_to_from": false,
	"contact_name": true, "contact_names": true, "contact_phone": true, "contact_phones": true,
	"location_name": true, "location_address": true, "latitude": true, "longitude": true, "location_url": true,
	"recognition": true,
}

// refAttributes name platform messages: what a reply quotes or answers, what an edit, an
// unsend or a deletion changes, an e-mail's thread. They are kept as MessageRefs, so they
// still match the platform_message_id of the message they name.
var refAttributes = map[string]bool{
	"platform_message_id": true, "reply_to_message_id": true, "reply_to": true, "quoted_message_id": true,
	"quote_token": true, "unsent_message_id": true, "edited_message_id": true, "edit_of": true,
	"deleted_message_id": true, "callback_message_id": true, "in_reply_to": true, "references": true,
	"thread_key": true, "image_set_id": true,
}

// splitAttributes keeps the attributes that may be stored in the clear (refAttributes as
// what ref makes of them) and returns the personal ones worth keeping as text lines, in a
// stable order. A value the compliance detector finds personal data in (an e-mail address or
// a phone number in a postback) is dropped whatever its key.
func splitAttributes(in map[string]string, ref func(string) string) (map[string]string, string) {
	out := make(map[string]string, len(in)+3)
	var lines []string
	for k, v := range in {
		keep, personal := personalAttributes[k]
		switch {
		case refAttributes[k]:
			out[k] = ref(v)
		case personal && keep && v != "":
			lines = append(lines, k+": "+v)
		case personal:
		case len(compliance.Detect(v)) > 0:
		default:
			out[k] = v
		}
	}
	slices.Sort(lines)
	return out, strings.Join(lines, "\n")
}
