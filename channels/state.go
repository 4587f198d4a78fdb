package channels

import (
	"errors"
	"time"
)

// StateSending is the ledger's mark on a reply whose platform call is under way. A reply found
// sending after a crash is never sent again: it fails with ReasonInterrupted for a person to
// check, because the platform may have delivered it.
const StateSending = "sending"

// ReasonInterrupted is the failure reason of a reply interrupted mid-send.
const ReasonInterrupted = "interrupted while sending: Meridian stopped before the platform answered; it may or may not have been delivered, so it is not sent again automatically"

// Address is where a conversation's replies go: the channel account and the exact identity its
// last inbound message came from.
type Address struct {
	Region         string
	Tenant         string
	ConversationID string
	CustomerID     string
	Country        string
	Channel        string
	Account        string
	Recipient      string
	ReplyToken     string
	Thread         []string
	Subject        string
	LastInbound    time.Time
}

// Inbound is an inbound message's place in a conversation, as intake records it.
type Inbound struct {
	Tenant     string
	CustomerID string
	EventID    string
	Channel    string
	Account    string
	Recipient  string
	ReplyToken string
	Thread     []string
	Subject    string
	At         time.Time
	// NewConversationID names the conversation when the customer has none open.
	NewConversationID string
}

// OutboundMessage is one reply in the send ledger.
type OutboundMessage struct {
	ID              string
	ClientMessageID string
	Tenant          string
	Region          string
	ConversationID  string
	CustomerID      string
	Channel         string
	Account         string
	Recipient       string
	Text            string
	AgentID         string
	State           string
	// PlatformMessageID is the MessageRef of the platform's id of the sent reply.
	PlatformMessageID string
	Reason            string
	Attempts          int
	Published         bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
	// Localisation is how the reply was put into the customer's language and culture; nil
	// when nobody asked (replies sent through the API without language, template or adapt).
	Localisation *Localisation
}

// Localisation is how a reply was put into the customer's language and culture, kept in the
// ledger with it and recorded on its message.sent event (without the original text).
type Localisation struct {
	// Language is the language the reply is in: the customer's.
	Language string `json:"language,omitempty"`
	// OriginalText and OriginalLanguage are what the agent wrote, when it was translated.
	OriginalText     string `json:"original_text,omitempty"`
	OriginalLanguage string `json:"original_language,omitempty"`
	// TranslatedBy names the provider (or "cache").
	TranslatedBy string `json:"translated_by,omitempty"`
	// Template is the localised template the reply came from.
	Template string `json:"template,omitempty"`
	// Adapted are the culture rules applied to the reply (understanding/culture).
	Adapted []string `json:"adapted,omitempty"`
	// CulturalFit is the sent text's fit to the customer's culture, 0..1, and CultureIssues
	// what lowers it; nil when the customer's language is unknown.
	CulturalFit   *float64 `json:"cultural_fit,omitempty"`
	CultureIssues []string `json:"culture_issues,omitempty"`
}

// stateRank orders delivery states: a receipt never moves a message back (a late "delivered"
// after "read" changes nothing); failed ends a message whatever came before.
func stateRank(s string) int {
	switch s {
	case StatePending, StateSending:
		return 0
	case StateSent:
		return 1
	case StateDelivered:
		return 2
	case StateRead:
		return 3
	case StateFailed:
		return 4
	}
	return -1
}

// Later reports whether state next may follow cur.
func Later(cur, next string) bool { return stateRank(next) > stateRank(cur) }

// Errors of the channel state.
var (
	ErrNoAddress = errors.New("the conversation has no inbound message to answer: no channel address is known")
	ErrNoMessage = errors.New("no such outbound message")
)

// Configured is a tenant's own configuration of a channel, without the values.
type Configured struct {
	Channel string
	// WebhookPath is where the tenant points the platform: /webhooks/{channel}/{tenant}.
	WebhookPath string
	// Settings are the names of the settings given (MERIDIAN_LINE_CHANNEL_SECRET, ...).
	Settings  []string
	UpdatedAt time.Time
}

// SettingError is a channel setting that cannot be used, named.
type SettingError struct {
	Setting string
	Reason  string
}

func (e *SettingError) Error() string { return e.Setting + ": " + e.Reason }
