package line

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/provider"
)

const (
	// MaxTextLength is LINE's limit of one text message, in UTF-16 code units.
	MaxTextLength = 5000
	// maxMessages is how many message objects one reply or push may carry.
	maxMessages = 5
	// ReplyTokenLifetime is how long after the customer's message Meridian still tries the
	// free reply API; LINE invalidates tokens about a minute after the webhook.
	ReplyTokenLifetime = time.Minute
	// RetryKeyHeader makes a push idempotent: LINE answers 409 to an accepted key.
	RetryKeyHeader = "X-Line-Retry-Key"
)

type textMessage struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type sendAnswer struct {
	SentMessages []struct {
		ID         string `json:"id"`
		QuoteToken string `json:"quoteToken"`
	} `json:"sentMessages"`
	Message string `json:"message"`
	Details []struct {
		Message  string `json:"message"`
		Property string `json:"property"`
	} `json:"details"`
}

// Send answers with the reply API while the reply token is fresh, and with the push API (to
// m.To, idempotent through X-Line-Retry-Key derived from m.Key) when there is no token, it is
// too old, or LINE says it is invalid. A text longer than one message is split into up to
// five messages of one request.
func (c *Channel) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	msgs, err := textMessages(m.Text)
	if err != nil {
		return channels.Receipt{}, err
	}
	fresh := m.LastInbound.IsZero() || c.now().Sub(m.LastInbound) < ReplyTokenLifetime
	if m.ReplyToken != "" && fresh {
		rec, err := c.post(ctx, "/v2/bot/message/reply", map[string]any{"replyToken": m.ReplyToken, "messages": msgs}, "")
		if err == nil || !invalidReplyToken(err) {
			return rec, err
		}
	}
	if m.To == "" {
		return channels.Receipt{}, &channels.SendError{Reason: "line: no usable reply token and no user id to push to"}
	}
	return c.post(ctx, "/v2/bot/message/push", map[string]any{"to": m.To, "messages": msgs}, RetryKey(m.Key))
}

func textMessages(text string) ([]textMessage, error) {
	if strings.TrimSpace(text) == "" {
		return nil, &channels.SendError{Reason: "line: empty text"}
	}
	var out []textMessage
	units := utf16.Encode([]rune(text))
	for len(units) > 0 {
		n := min(len(units), MaxTextLength)
		if n < len(units) && utf16.IsSurrogate(rune(units[n-1])) {
			n-- // keep a surrogate pair (emoji) whole
		}
		out = append(out, textMessage{Type: "text", Text: string(utf16.Decode(units[:n]))})
		units = units[n:]
	}
	if len(out) > maxMessages {
		return nil, &channels.SendError{Reason: fmt.Sprintf("line: text of %d characters is longer than %d messages of %d", len(utf16.Encode([]rune(text))), maxMessages, MaxTextLength)}
	}
	return out, nil
}

func invalidReplyToken(err error) bool {
	var se *channels.SendError
	return errors.As(err, &se) && se.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(se.Reason), "reply token")
}

func (c *Channel) post(ctx context.Context, path string, body any, retryKey string) (channels.Receipt, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return channels.Receipt{}, fmt.Errorf("line: encoding request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return channels.Receipt{}, fmt.Errorf("line: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	if retryKey != "" {
		req.Header.Set(RetryKeyHeader, retryKey)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return channels.Receipt{}, fmt.Errorf("line %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return channels.Receipt{}, fmt.Errorf("line %s: reading answer: %w", path, err)
	}
	var a sendAnswer
	_ = json.Unmarshal(raw, &a) // error bodies may be anything; the status decides
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if len(a.SentMessages) == 0 {
			return channels.Receipt{}, nil
		}
		return channels.Receipt{MessageID: a.SentMessages[0].ID}, nil
	case resp.StatusCode == http.StatusConflict && retryKey != "":
		// This retry key was accepted before: the push went out once already.
		if len(a.SentMessages) > 0 {
			return channels.Receipt{MessageID: a.SentMessages[0].ID}, nil
		}
		return channels.Receipt{MessageID: "request:" + resp.Header.Get("X-Line-Accepted-Request-Id")}, nil
	}
	se := &channels.SendError{Status: resp.StatusCode, Reason: reason(a, resp.Status)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		// The monthly message quota does not come back by retrying within the backoff.
		se.Retryable = !strings.Contains(strings.ToLower(a.Message), "monthly limit")
		se.RetryAfter = provider.RetryAfter(resp.Header, time.Now())
	case resp.StatusCode >= 500:
		se.Retryable = true
		se.RetryAfter = provider.RetryAfter(resp.Header, time.Now())
	}
	return channels.Receipt{}, se
}

func reason(a sendAnswer, status string) string {
	r := a.Message
	if r == "" {
		r = "LINE answered " + status
	}
	for _, d := range a.Details {
		if d.Property != "" {
			r += "; " + d.Property + ": " + d.Message
		} else {
			r += "; " + d.Message
		}
	}
	return r
}

// retryKeySpace namespaces the retry keys Meridian derives (a fixed random UUID).
var retryKeySpace = [16]byte{0x6b, 0x1e, 0x3f, 0x52, 0x9a, 0x0c, 0x4d, 0x7e, 0x8f, 0x21, 0x5b, 0x66, 0xc4, 0x13, 0xe7, 0x90}

// RetryKey is the X-Line-Retry-Key of a send: a name-based (version 5) UUID of the send
// ledger's key, so every retry of one reply carries the same key; a random UUID when there is
// no key.
func RetryKey(key string) string {
	var u [16]byte
	if key == "" {
		_, _ = rand.Read(u[:])
		u[6] = u[6]&0x0f | 0x40
	} else {
		h := sha1.New()
		h.Write(retryKeySpace[:])
		h.Write([]byte(key))
		copy(u[:], h.Sum(nil))
		u[6] = u[6]&0x0f | 0x50
	}
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}
