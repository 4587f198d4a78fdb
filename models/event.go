package models

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// SchemaVersion is the event contract version this build writes; schemas/events holds it.
const SchemaVersion = 1

// Event types. The set is closed: an unknown type is rejected at ingest so that a typo never
// becomes a silent new series on a dashboard.
const (
	MessageReceived         = "message.received"
	MessageSent             = "message.sent"
	ConversationOpened      = "conversation.opened"
	ConversationAssigned    = "conversation.assigned"
	ConversationTransferred = "conversation.transferred"
	ConversationEscalated   = "conversation.escalated"
	ConversationHandedOff   = "conversation.handed_off"
	ConversationResolved    = "conversation.resolved"
	ConversationReopened    = "conversation.reopened"
	FeedbackCSAT            = "feedback.csat"
	FeedbackNPS             = "feedback.nps"
	AIAction                = "ai.action"
	RoutingDecision         = "routing.decision"
	// The identity graph merged two customers into one, or undid it (Reason says why;
	// CustomerID is the customer that remains, attributes name the other).
	CustomerMerged   = "customer.merged"
	CustomerUnmerged = "customer.unmerged"
	// A person corrected what Meridian knows of a customer (their country: attribute
	// previous_country). It applies to the customer's later events, never to earlier ones.
	CustomerUpdated = "customer.updated"
	// A platform event that is not a message (a LINE follow, a reaction, an edit, a WeChat
	// menu click) or that this version does not understand (attributes: raw_type and, for the
	// latter, unsupported with the reason). Kept, never counted as a message.
	ChannelEvent = "channel.event"
	// What Meridian understood of an inbound message (understanding/enrich writes one per
	// message.received, id "analysis:" + the message's id, attribute message_id): language is
	// the detected language (the message keeps the one its sender stated), sentiment,
	// intent and confidence (the intent's) are set, the rest is in attributes. No text.
	MessageAnalyzed = "message.analyzed"
	// The conversation engine's routing decision for an inbound message (conversation/engine):
	// the queue, the agent when one was assigned (agent_id), and why (reason; attributes
	// candidates "agent:score,..." best first, priority, relaxed, message_id). Integrators'
	// own routers write routing.decision.
	RoutingDecided = "routing.decided"
	// The conversation waits in its queue for a human (conversation/engine).
	ConversationQueued = "conversation.queued"
	// An internal note on a conversation (agent_id wrote text); never sent to the customer,
	// never counted as a message; its text is sealed like a message's.
	NoteAdded = "note.added"
	// A conversation missed an SLA target (reason: first_response, next_response or
	// resolution; attributes due_at, priority), recorded once by the conversation engine.
	SLABreached = "sla.breached"
	// A conversation's SLA target is about to be missed (reason: the target; attributes
	// due_at, priority): recorded once per target and clock by the conversation engine, a
	// lead before the breach (MERIDIAN_SLA_WARN_BEFORE), so that a supervisor sees it coming.
	SLAWarning = "sla.warning"
	// Its agent put the conversation aside until a time (attribute until, RFC 3339): status
	// snoozed; the customer writing, or until passing, gives it back (conversation/engine).
	ConversationSnoozed = "conversation.snoozed"
	// Its agent waits on the customer (status pending, Zendesk's Pending): the resolution
	// clock pauses; the customer's next message gives it back to the agent.
	ConversationPending = "conversation.pending"
	// A conversation offered to an agent of a team that works by offer-and-accept
	// (conversation/engine): agent_id may accept it until attributes expires_at; declined or
	// expired, it is offered to the next agent. It waits in its queue meanwhile.
	ConversationOffered = "conversation.offered"
	// The AI answered the customer from the knowledge base and keeps the conversation (status
	// bot, conversation/engine): no person is asked until the customer writes something the AI
	// hands over, or it is resolved. The ai.action "answered" beside it says with what.
	ConversationAutomated = "conversation.automated"
)

// EventTypes lists every event type with the fields it requires beyond the envelope
// (id, type, occurred_at). schemas/events/v1/event.schema.json says the same; a test keeps
// the two in step.
var EventTypes = map[string][]string{
	MessageReceived:         {"channel", "conversation_id", "customer", "text"},
	MessageSent:             {"channel", "conversation_id", "customer", "text"},
	ConversationOpened:      {"channel", "conversation_id", "customer"},
	ConversationAssigned:    {"conversation_id", "customer", "agent_id"},
	ConversationTransferred: {"conversation_id", "customer", "to_queue"},
	ConversationEscalated:   {"conversation_id", "customer", "reason"},
	ConversationHandedOff:   {"conversation_id", "customer", "from_region", "to_region"},
	ConversationResolved:    {"conversation_id", "customer"},
	ConversationReopened:    {"conversation_id", "customer"},
	FeedbackCSAT:            {"conversation_id", "customer", "score"},
	FeedbackNPS:             {"conversation_id", "customer", "score"},
	AIAction:                {"conversation_id", "customer", "action"},
	RoutingDecision:         {"conversation_id", "customer", "queue"},
	CustomerMerged:          {"customer", "reason"},
	CustomerUnmerged:        {"customer", "reason"},
	CustomerUpdated:         {"customer", "reason"},
	ChannelEvent:            {"channel", "customer"},
	MessageAnalyzed:         {"channel", "conversation_id", "customer", "language"},
	RoutingDecided:          {"conversation_id", "customer", "queue", "reason"},
	ConversationQueued:      {"conversation_id", "customer", "queue"},
	NoteAdded:               {"conversation_id", "customer", "text"},
	SLABreached:             {"conversation_id", "customer", "reason"},
	SLAWarning:              {"conversation_id", "customer", "reason"},
	ConversationSnoozed:     {"conversation_id", "customer", "agent_id"},
	ConversationPending:     {"conversation_id", "customer", "agent_id"},
	ConversationOffered:     {"conversation_id", "customer", "agent_id"},
	ConversationAutomated:   {"conversation_id", "customer"},
}

// Channels Meridian knows. "api" is the generic event API.
var Channels = []string{"whatsapp", "messenger", "instagram", "line", "kakaotalk", "telegram", "wechat", "email", "webchat", "voice", "api"}

// Directions of a message.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
)

// Event is one thing that happened in a conversation. ID is the idempotency key: the same
// (tenant, ID) counts once downstream however often it is delivered.
//
// Personal fields (Customer.ExternalID, Phone, Email, Name, and Text) travel through Kafka
// encrypted with the customer's data key; CustomerID is the pseudonymous id analytics use.
type Event struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Version    int       `json:"version,omitempty"`
	Tenant     string    `json:"tenant,omitempty"`
	Region     string    `json:"region,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
	ReceivedAt time.Time `json:"received_at,omitzero"`

	Channel           string       `json:"channel,omitempty"`
	Direction         string       `json:"direction,omitempty"`
	ConversationID    string       `json:"conversation_id,omitempty"`
	Customer          *Customer    `json:"customer,omitempty"`
	CustomerID        string       `json:"customer_id,omitempty"`
	Text              string       `json:"text,omitempty"`
	Language          string       `json:"language,omitempty"`
	PlatformMessageID string       `json:"platform_message_id,omitempty"`
	SentAt            *time.Time   `json:"sent_at,omitempty"`
	Attachments       []Attachment `json:"attachments,omitempty"`

	AgentID    string   `json:"agent_id,omitempty"`
	Team       string   `json:"team,omitempty"`
	Queue      string   `json:"queue,omitempty"`
	ToQueue    string   `json:"to_queue,omitempty"`
	FromRegion string   `json:"from_region,omitempty"`
	ToRegion   string   `json:"to_region,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	Summary    string   `json:"summary,omitempty"`
	Score      *float64 `json:"score,omitempty"`
	Action     string   `json:"action,omitempty"`
	Intent     string   `json:"intent,omitempty"`
	Confidence *float64 `json:"confidence,omitempty"`
	Sentiment  *float64 `json:"sentiment,omitempty"`
	Product    string   `json:"product,omitempty"`
	Skills     []string `json:"skills,omitempty"`

	Attributes map[string]string `json:"attributes,omitempty"`
}

// Customer carries the identity keys a channel knows about the customer. Country decides the
// residency region; everything else is personal data.
type Customer struct {
	Country    string `json:"country"`
	ExternalID string `json:"external_id,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	Name       string `json:"name,omitempty"`
	CRMID      string `json:"crm_id,omitempty"`
	Tier       string `json:"tier,omitempty"`
	Locale     string `json:"locale,omitempty"`
}

// Attachment is metadata only; the content stays with the channel or the object store.
type Attachment struct {
	Kind      string `json:"kind"`
	MIMEType  string `json:"mime_type,omitempty"`
	SizeBytes int64  `json:"size_bytes,omitempty"`
	URL       string `json:"url,omitempty"`
}

// IsMessage reports whether the event is a message (counted by the "messages" measure).
func (e *Event) IsMessage() bool { return e.Type == MessageReceived || e.Type == MessageSent }

// FieldError says which field of an event is wrong and why.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// AttrRetention is the attribute of a message.analyzed whose message compares us with a
// competitor or raises price ("true", understanding/enrich): routing prefers agents with the
// skill "retention" for it.
const AttrRetention = "retention"

// Limits on field sizes keep one event from dominating a batch or a ClickHouse granule, and
// keep keys within what a PostgreSQL index can hold. MaxTextLen applies to the text as
// received, before it is sealed.
const (
	MaxIDLen   = 200
	MaxTextLen = 64 << 10
)

// The times the events table stores faithfully. ClickHouse's DateTime64 holds 1900–2299, but
// the sort key's toDate() and the dashboards' buckets (toStartOfMonth, toStartOfHour) wrap
// around outside 1970–2106: a 1900 event showed up in a 2079 bucket.
var (
	MinTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Validate checks the event against its contract. It does not look at tenant, region or
// received_at, which ingest assigns.
func (e *Event) Validate() error {
	if e.ID == "" {
		return &FieldError{"id", "is required"}
	}
	if len(e.ID) > MaxIDLen {
		return &FieldError{"id", fmt.Sprintf("is longer than %d bytes", MaxIDLen)}
	}
	if e.Type == "" {
		return &FieldError{"type", "is required"}
	}
	required, ok := EventTypes[e.Type]
	if !ok {
		return &FieldError{"type", fmt.Sprintf("unknown event type %q", e.Type)}
	}
	if e.Version != 0 && e.Version != SchemaVersion {
		return &FieldError{"version", fmt.Sprintf("unsupported version %d (this server reads version %d)", e.Version, SchemaVersion)}
	}
	if e.OccurredAt.IsZero() {
		return &FieldError{"occurred_at", "is required (RFC 3339 timestamp)"}
	}
	if err := checkTime("occurred_at", e.OccurredAt); err != nil {
		return err
	}
	if e.SentAt != nil {
		if err := checkTime("sent_at", *e.SentAt); err != nil {
			return err
		}
	}
	if err := e.checkStrings(); err != nil {
		return err
	}
	for _, f := range required {
		if !e.has(f) {
			return &FieldError{f, "is required for " + e.Type}
		}
	}
	if e.Channel != "" && !ValidChannel(e.Channel) {
		if c := CanonicalChannel(e.Channel); ValidChannel(c) {
			// The contract's channels are lower case; one spelling keeps reports to one row.
			return &FieldError{"channel", fmt.Sprintf("unknown channel %q (channels are lower case: %q)", e.Channel, c)}
		}
		return &FieldError{"channel", fmt.Sprintf("unknown channel %q (one of %s)", e.Channel, strings.Join(Channels, ", "))}
	}
	if e.Direction != "" && e.Direction != Inbound && e.Direction != Outbound {
		return &FieldError{"direction", `must be "inbound" or "outbound"`}
	}
	if e.Customer != nil {
		if _, ok := CanonicalCountry(e.Customer.Country); !ok {
			return &FieldError{"customer.country", fmt.Sprintf("%q is not an assigned ISO 3166-1 alpha-2 country code (such as DE or GB)", e.Customer.Country)}
		}
	}
	if e.Type == FeedbackCSAT && (*e.Score < 1 || *e.Score > 5) {
		return &FieldError{"score", "CSAT score must be between 1 and 5"}
	}
	if e.Type == FeedbackNPS && (*e.Score < 0 || *e.Score > 10) {
		return &FieldError{"score", "NPS score must be between 0 and 10"}
	}
	return nil
}

func (e *Event) has(field string) bool {
	switch field {
	case "channel":
		return e.Channel != ""
	case "conversation_id":
		return e.ConversationID != ""
	case "customer":
		return e.Customer != nil && e.Customer.Country != ""
	case "text":
		return e.Text != ""
	case "agent_id":
		return e.AgentID != ""
	case "to_queue":
		return e.ToQueue != ""
	case "reason":
		return e.Reason != ""
	case "from_region":
		return e.FromRegion != ""
	case "to_region":
		return e.ToRegion != ""
	case "score":
		return e.Score != nil
	case "action":
		return e.Action != ""
	case "queue":
		return e.Queue != ""
	case "language":
		return e.Language != ""
	}
	panic("models: no presence check for field " + field)
}

// Normalize fills defaults that the contract allows callers to leave out.
func (e *Event) Normalize() {
	if e.Version == 0 {
		e.Version = SchemaVersion
	}
	if e.Customer != nil {
		if c, ok := CanonicalCountry(e.Customer.Country); ok {
			e.Customer.Country = c
		}
	}
	// Stored as filters read it (metrics, insights, planning): "DE-de" and "de-DE" are one.
	e.Language = CanonicalLanguage(e.Language)
	if e.Direction == "" {
		switch e.Type {
		case MessageReceived:
			e.Direction = Inbound
		case MessageSent:
			e.Direction = Outbound
		}
	}
	e.OccurredAt = e.OccurredAt.UTC()
}

// ValidChannel reports whether c is one of Channels, spelled as the contract spells it.
func ValidChannel(c string) bool {
	for _, k := range Channels {
		if k == c {
			return true
		}
	}
	return false
}

func checkTime(field string, t time.Time) error {
	if t.Before(MinTime) || !t.Before(MaxTime) {
		return &FieldError{field, fmt.Sprintf("%s is outside the range Meridian stores (%s to %s)",
			t.UTC().Format(time.RFC3339), MinTime.Format("2006-01-02"), MaxTime.Format("2006-01-02"))}
	}
	return nil
}

// checkStrings refuses what a store cannot hold or index: invalid UTF-8 and NUL anywhere
// (PostgreSQL's text cannot hold NUL), control characters in identifiers and labels, and
// identifiers longer than MaxIDLen. Free text may hold tabs and line breaks.
func (e *Event) checkStrings() error {
	labels := [...]struct{ name, v string }{
		{"id", e.ID}, {"conversation_id", e.ConversationID}, {"language", e.Language},
		{"platform_message_id", e.PlatformMessageID}, {"agent_id", e.AgentID}, {"team", e.Team},
		{"queue", e.Queue}, {"to_queue", e.ToQueue}, {"from_region", e.FromRegion}, {"to_region", e.ToRegion},
		{"action", e.Action}, {"intent", e.Intent}, {"product", e.Product}, {"customer_id", e.CustomerID},
		{"tenant", e.Tenant}, {"region", e.Region},
	}
	for _, f := range labels {
		if err := checkLabel(f.name, f.v); err != nil {
			return err
		}
	}
	for _, f := range [...]struct{ name, v string }{{"text", e.Text}, {"summary", e.Summary}, {"reason", e.Reason}} {
		if err := checkText(f.name, f.v); err != nil {
			return err
		}
	}
	if c := e.Customer; c != nil {
		for _, f := range [...]struct{ name, v string }{{"customer.tier", c.Tier}, {"customer.locale", c.Locale}} {
			if err := checkLabel(f.name, f.v); err != nil {
				return err
			}
		}
		for _, f := range [...]struct{ name, v string }{{"customer.external_id", c.ExternalID}, {"customer.phone", c.Phone},
			{"customer.email", c.Email}, {"customer.name", c.Name}, {"customer.crm_id", c.CRMID}} {
			if err := checkText(f.name, f.v); err != nil {
				return err
			}
		}
	}
	for _, s := range e.Skills {
		if err := checkLabel("skills", s); err != nil {
			return err
		}
	}
	for _, a := range e.Attachments {
		for _, v := range [...]string{a.Kind, a.MIMEType, a.URL} {
			if err := checkText("attachments", v); err != nil {
				return err
			}
		}
	}
	for k, v := range e.Attributes {
		if err := checkLabel("attributes", k); err != nil {
			return err
		}
		if err := checkText("attributes."+k, v); err != nil {
			return err
		}
	}
	return nil
}

func checkLabel(field, s string) error {
	if len(s) > MaxIDLen {
		return &FieldError{field, fmt.Sprintf("is longer than %d bytes", MaxIDLen)}
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r < 0x20 || r >= 0x7f && r < 0xa0 {
			return &FieldError{field, "must be valid UTF-8 without control characters"}
		}
		i += n
	}
	return nil
}

func checkText(field, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return &FieldError{field, "must not contain NUL characters"}
	}
	if !utf8.ValidString(s) {
		return &FieldError{field, "must be valid UTF-8"}
	}
	return nil
}
