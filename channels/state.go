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
	ID                string
	ClientMessageID   string
	Tenant            string
	Region            string
	ConversationID    string
	CustomerID        string
	Channel           string
	Account           string
	Recipient         string
	Text              string
	AgentID           string
	State             string
	PlatformMessageID string
	Reason            string
	Attempts          int
	Published         bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
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
