// Package channels connects Meridian to the messaging platforms customers write on. Each
// platform has its own package (channels/whatsapp, channels/line, ...) holding both directions:
// a Webhook that verifies and reads the platform's deliveries, and a Sender that answers through
// the platform's API. This package holds what they share: the platform-neutral message, the one
// HTTP mount /webhooks/{channel}, and the errors that mount maps to HTTP statuses. Deliveries go
// through the ingest path like every other event; no channel writes to a store.
package channels

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// Webhook is the inbound half of a platform.
type Webhook interface {
	// Verify checks that a request comes from the platform (its signature over the raw body,
	// its secret token). An error answers 401 and nothing of the body is read.
	Verify(r *http.Request, body []byte) error
	// Parse reads a verified body. A body that is not the platform's format is an error
	// wrapping ErrFormat (400). An event kind the package does not know is not an error: it
	// comes back as a Message with Unknown set.
	Parse(r *http.Request, body []byte) (*Delivery, error)
}

// Handshaker answers a platform's GET verification of the webhook URL (Meta's hub.challenge,
// WeChat's echostr).
type Handshaker interface {
	Handshake(w http.ResponseWriter, r *http.Request)
}

// Delivery is what one webhook request carried.
type Delivery struct {
	Messages []Message
	Statuses []Status
	// Respond writes the answer the platform expects once the messages are acknowledged
	// (Kakao's skill response, WeChat's "success"); nil answers 200 {"ok":true}.
	Respond func(w http.ResponseWriter)
	// Media downloads the delivery's attachments: the platform that parsed it, set by the
	// mount when the platform is a MediaFetcher (nil: attachments stay metadata).
	Media MediaFetcher
}

// Message is one thing a customer did on a platform, in the platform's own terms.
type Message struct {
	// ID is the platform's id of the message or event (wamid, LINE webhookEventId, Telegram
	// update_id, Message-ID). Meridian's event id derives from it, so a redelivery counts once.
	ID string
	// Account is the channel address it reached: the WhatsApp phone-number id, the Facebook
	// page or Instagram account id, the LINE bot's user id, the Telegram bot, the mailbox.
	Account   string
	Timestamp time.Time
	// Kind is the platform's raw type (text, image, sticker, location, reaction, postback,
	// follow, edited_message, callback_query, ...), kept in the event.
	Kind string
	From Sender
	Text string
	// Attachments are metadata; the platform's media id goes in Attachment.URL as
	// "<channel>-media:<id>" for a later download.
	Attachments []models.Attachment
	// Thread names what the message continues (e-mail: In-Reply-To and References).
	Thread []string
	// Subject is an e-mail's subject.
	Subject string
	// ReplyToken is a short-lived token some platforms answer with (LINE's reply token,
	// Kakao's callback URL).
	ReplyToken string
	// Attributes are platform specifics worth keeping (reaction emoji, postback data,
	// coordinates, the id a reaction or reply refers to). Keys are snake_case.
	Attributes map[string]string
	// Unknown, when set, says why this is a kind the package does not understand: it is
	// stored as a raw event with this reason instead of being dropped.
	Unknown string
}

// AttributeKey turns a platform's camelCase key (plusfriendUserKey, newRichMenuAliasId)
// into the snake_case of Message.Attributes.
func AttributeKey(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Sender is who wrote a message, as the platform identifies them.
type Sender struct {
	// ID is the platform's user id: wa_id, page-scoped id, LINE userId, Telegram user id,
	// WeChat openid, Kakao user key, e-mail address, web-chat visitor id.
	ID string
	// Phone as the platform gives it (WhatsApp's wa_id is an E.164 number without '+').
	Phone  string
	Email  string
	Name   string
	Locale string
	// Verified is a user id a shop vouched for (web chat identity verification).
	Verified string
}

// Delivery states of an outbound message, in order.
const (
	StatePending   = "pending"
	StateSent      = "sent"
	StateDelivered = "delivered"
	StateRead      = "read"
	StateFailed    = "failed"
)

// Status is a platform's receipt for a message Meridian sent.
type Status struct {
	// MessageID is the platform's id of the outbound message (what Send returned).
	MessageID string
	State     string
	Timestamp time.Time
	// Reason is the platform's error when State is failed.
	Reason string
}

// Outgoing is one reply to send.
type Outgoing struct {
	// Account is the channel address to send from: the one the customer wrote to.
	Account string
	// To is the platform user id to send to: the exact identity the customer wrote from.
	To   string
	Text string
	// ReplyToken is the last inbound message's token, when the platform has one.
	ReplyToken string
	// LastInbound is when the customer last wrote; platforms with a customer-service window
	// (WhatsApp, Messenger: 24 h) need another kind of message after it.
	LastInbound time.Time
	// Thread and Subject thread an e-mail reply (Message-IDs of the conversation, newest last).
	Thread  []string
	Subject string
	// Key is the send ledger's id for this reply; platforms that take an idempotency key
	// (LINE's X-Line-Retry-Key) get it.
	Key string
	// Template names a pre-approved template to send outside the customer-service window
	// (WhatsApp) or the message tag (Messenger); empty = the channel's configured default.
	Template string
}

// Receipt is what a platform answered to a send.
type Receipt struct {
	// MessageID is the platform's id of the sent message, which its status updates name.
	MessageID string
}

// Outbound is the sending half of a platform.
type Outbound interface {
	Send(ctx context.Context, m Outgoing) (Receipt, error)
}

// Errors the mount maps to statuses.
var (
	// ErrSignature: the request is not from the platform (401).
	ErrSignature = errors.New("signature does not verify")
	// ErrFormat: the body is not the platform's format (400).
	ErrFormat = errors.New("not a delivery of this platform")
)

// SendError is a platform's refusal of a send. Retryable errors are tried again with backoff
// (after RetryAfter when the platform said so); the rest fail the message with Reason.
type SendError struct {
	Status     int    // HTTP status, 0 when the request never got an answer
	Code       string // the platform's error code
	Reason     string // the platform's message, shown as the message's failure reason
	Retryable  bool
	RetryAfter time.Duration
}

func (e *SendError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s (code %s)", e.Reason, e.Code)
	}
	return e.Reason
}

// Retryable reports whether err is worth trying again: a SendError or MediaError that says
// so, or an error that never reached the platform's answer (network, timeout).
func Retryable(err error) (bool, time.Duration) {
	var se *SendError
	if errors.As(err, &se) {
		return se.Retryable, se.RetryAfter
	}
	var me *MediaError
	if errors.As(err, &me) {
		return me.Retryable, me.RetryAfter
	}
	return !errors.Is(err, context.Canceled), 0
}
