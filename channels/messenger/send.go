package messenger

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/meta"
)

// Messaging windows of the Messenger Platform: standard replies within 24 hours of the
// customer's last message, replies tagged HUMAN_AGENT within 7 days.
const (
	Window           = 24 * time.Hour
	HumanAgentWindow = 7 * 24 * time.Hour
)

// HumanAgent is the message tag a person's reply carries after the 24-hour window.
const HumanAgent = "HUMAN_AGENT"

type sendRequest struct {
	Recipient     id     `json:"recipient"`
	MessagingType string `json:"messaging_type"`
	Tag           string `json:"tag,omitempty"`
	Message       struct {
		Text string `json:"text"`
	} `json:"message"`
}

type sendResponse struct {
	RecipientID string `json:"recipient_id"`
	MessageID   string `json:"message_id"`
}

// Send answers m.To (a page- or Instagram-scoped id) through the Send API: messaging_type
// RESPONSE inside 24 hours of m.LastInbound, then MESSAGE_TAG with m.Template as the tag
// (HUMAN_AGENT when empty), which Meta allows for 7 days. A HUMAN_AGENT reply later than that,
// or with no inbound message known (zero LastInbound), is refused without calling Meta.
func (c *Channel) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	if c.cfg.AccessToken == "" {
		return channels.Receipt{}, meta.Permanent("%s: %s is not set: cannot send", c.name, c.tokenVar)
	}
	if m.To == "" {
		return channels.Receipt{}, meta.Permanent("%s: a send needs the recipient's id (To)", c.name)
	}
	if m.Text == "" {
		return channels.Receipt{}, meta.Permanent("%s: empty text", c.name)
	}
	if c.textBytes && len(m.Text) > c.maxText {
		return channels.Receipt{}, meta.Permanent("%s: text is %d bytes; Instagram takes at most %d", c.name, len(m.Text), c.maxText)
	}
	if n := utf8.RuneCountInString(m.Text); !c.textBytes && n > c.maxText {
		return channels.Receipt{}, meta.Permanent("%s: text is %d characters; Messenger takes at most %d", c.name, n, c.maxText)
	}
	req := sendRequest{Recipient: id{ID: m.To}, MessagingType: "RESPONSE"}
	req.Message.Text = m.Text
	if age := c.cfg.Now().Sub(m.LastInbound); m.LastInbound.IsZero() || age >= Window {
		tag := m.Template
		if tag == "" {
			tag = HumanAgent
		}
		if tag == HumanAgent && (m.LastInbound.IsZero() || age >= HumanAgentWindow) {
			last := "no customer message is known"
			if !m.LastInbound.IsZero() {
				last = "the customer last wrote " + m.LastInbound.UTC().Format(time.RFC3339)
			}
			return channels.Receipt{}, meta.Permanent("%s: the 7-day human agent window has closed (%s)", c.name, last)
		}
		req.MessagingType = "MESSAGE_TAG"
		req.Tag = tag
	}
	u := c.cfg.APIBase + "/" + c.cfg.APIVersion + "/me/messages"
	var resp sendResponse
	if err := meta.Post(ctx, c.cfg.HTTPClient, u, c.cfg.AccessToken, req, &resp); err != nil {
		var se *channels.SendError
		if errors.As(err, &se) {
			return channels.Receipt{}, err
		}
		return channels.Receipt{}, fmt.Errorf("%s send: %w", c.name, err)
	}
	if resp.MessageID == "" {
		return channels.Receipt{}, meta.Permanent("%s accepted the message but named no message id", c.name)
	}
	return channels.Receipt{MessageID: resp.MessageID}, nil
}
