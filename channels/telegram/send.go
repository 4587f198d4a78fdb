package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/provider"
)

// MaxTextLength is sendMessage's limit, in UTF-16 code units.
const MaxTextLength = 4096

type sendAnswer struct {
	OK     bool `json:"ok"`
	Result struct {
		MessageID int64 `json:"message_id"`
		Chat      struct {
			ID int64 `json:"id"`
		} `json:"chat"`
	} `json:"result"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// Send posts m.Text to the chat m.To (a user id is its private chat's id) with sendMessage.
// The receipt is "<chat_id>:<message_id>", the form inbound message ids take. A text over
// 4096 characters fails rather than going out in pieces a retry could repeat.
func (c *Channel) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	if strings.TrimSpace(m.Text) == "" {
		return channels.Receipt{}, &channels.SendError{Reason: "telegram: empty text"}
	}
	if n := len(utf16.Encode([]rune(m.Text))); n > MaxTextLength {
		return channels.Receipt{}, &channels.SendError{Reason: fmt.Sprintf("telegram: text of %d characters is longer than sendMessage's %d", n, MaxTextLength)}
	}
	chatID, err := strconv.ParseInt(m.To, 10, 64)
	if err != nil {
		return channels.Receipt{}, &channels.SendError{Reason: fmt.Sprintf("telegram: chat id %q is not a number", m.To)}
	}
	b, err := json.Marshal(map[string]any{"chat_id": chatID, "text": m.Text})
	if err != nil {
		return channels.Receipt{}, fmt.Errorf("telegram: encoding request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/bot"+c.token+"/sendMessage", bytes.NewReader(b))
	if err != nil {
		return channels.Receipt{}, fmt.Errorf("telegram: %s", redact(err.Error(), c.token))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return channels.Receipt{}, transportError(err, c.token)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return channels.Receipt{}, fmt.Errorf("telegram sendMessage: reading answer: %w", err)
	}
	var a sendAnswer
	_ = json.Unmarshal(raw, &a) // a proxy's HTML error page is judged by its status
	if resp.StatusCode == http.StatusOK && a.OK {
		return channels.Receipt{MessageID: msgID(a.Result.Chat.ID, a.Result.MessageID)}, nil
	}
	se := &channels.SendError{Status: resp.StatusCode, Reason: a.Description}
	code := a.ErrorCode
	if code == 0 {
		code = resp.StatusCode
	}
	se.Code = strconv.Itoa(code)
	if se.Reason == "" {
		se.Reason = "Telegram answered " + resp.Status
	}
	switch {
	case code == http.StatusTooManyRequests:
		se.Retryable = true
		se.RetryAfter = time.Duration(a.Parameters.RetryAfter) * time.Second
		if se.RetryAfter == 0 {
			se.RetryAfter = provider.RetryAfter(resp.Header, time.Now())
		}
	case code >= 500 || resp.StatusCode >= 500:
		se.Retryable = true
	case a.Parameters.MigrateToChatID != 0:
		se.Reason += fmt.Sprintf(" (the group is now supergroup %d)", a.Parameters.MigrateToChatID)
	}
	return channels.Receipt{}, se
}

// transportError drops the request URL from a client error: it holds the bot token.
func transportError(err error, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("telegram sendMessage: %w", ue.Err)
	}
	return errors.New("telegram sendMessage: " + redact(err.Error(), token))
}

func redact(s, token string) string { return strings.ReplaceAll(s, token, "<bot token>") }
