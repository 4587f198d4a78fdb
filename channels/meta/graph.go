package meta

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/provider"
)

// GraphError is the Graph API's error body: {"error": {...}}.
type GraphError struct {
	Message      string `json:"message"`
	Type         string `json:"type"`
	Code         int    `json:"code"`
	Subcode      int    `json:"error_subcode"`
	FBTraceID    string `json:"fbtrace_id"`
	IsTransient  bool   `json:"is_transient"`
	UserTitle    string `json:"error_user_title"`
	UserMessage  string `json:"error_user_msg"`
	ErrorDetails struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

// retryableCodes are the Graph API codes Meta documents as temporary: service errors,
// throttling and rate limits at app, user, page, business and pair level.
var retryableCodes = map[int]bool{
	1:      true, // API unknown: possibly a temporary issue
	2:      true, // API service: temporary downtime
	4:      true, // application request limit reached
	17:     true, // user request limit reached
	32:     true, // page-level throttling
	341:    true, // application limit reached
	613:    true, // calls within one hour exceed the rate limit
	1200:   true, // Messenger: temporary send message failure
	80007:  true, // WhatsApp Business Account rate limit
	130429: true, // Cloud API throughput reached
	131000: true, // WhatsApp: something went wrong (unknown; Meta says try again)
	131016: true, // WhatsApp: service unavailable
	131048: true, // WhatsApp: spam rate limit hit
	131056: true, // WhatsApp: (business, consumer) pair rate limit hit
	131057: true, // WhatsApp: business account in maintenance mode
	133004: true, // WhatsApp: server temporarily unavailable
	133016: true, // WhatsApp: register/deregister rate limit
}

// RetryableCode reports whether Meta documents code as temporary. Anything else (131047
// outside the 24-hour window, 131026 undeliverable, 100 invalid parameter, 190 expired
// token, 10/2018278 outside Messenger's window, 551 person unavailable) fails for good.
func RetryableCode(code int) bool { return retryableCodes[code] }

// ReadError turns a failed Graph API answer into a SendError: the error body's message and
// code, Retryable for 429, 5xx, Meta's temporary codes and is_transient, and RetryAfter from
// Retry-After or, for throttling, the business use case header's estimated time to regain
// access.
func ReadError(status int, h http.Header, body []byte) *channels.SendError {
	se := &channels.SendError{
		Status:    status,
		Retryable: status == http.StatusTooManyRequests || status >= 500,
	}
	var eb struct {
		Error *GraphError `json:"error"`
	}
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error == nil {
		se.Reason = fmt.Sprintf("graph api answered %d %s", status, http.StatusText(status))
		if s := snippet(body); s != "" {
			se.Reason += ": " + s
		}
		se.RetryAfter = retryAfter(h)
		return se
	}
	ge := eb.Error
	se.Code = strconv.Itoa(ge.Code)
	if ge.Subcode != 0 {
		se.Code += "/" + strconv.Itoa(ge.Subcode)
	}
	se.Reason = ge.Message
	if d := ge.ErrorDetails.Details; d != "" && d != ge.Message {
		se.Reason += ": " + d
	} else if ge.UserMessage != "" && ge.UserMessage != ge.Message {
		se.Reason += ": " + ge.UserMessage
	}
	if se.Reason == "" {
		se.Reason = fmt.Sprintf("graph api answered %d", status)
	}
	if RetryableCode(ge.Code) || ge.IsTransient {
		se.Retryable = true
	}
	se.RetryAfter = retryAfter(h)
	return se
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

// retryAfter reads Retry-After (seconds or an HTTP date), else the largest
// estimated_time_to_regain_access (minutes) of X-Business-Use-Case-Usage.
func retryAfter(h http.Header) time.Duration {
	if d := provider.RetryAfter(h, time.Now()); d > 0 {
		return d
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var usage map[string][]struct {
			Minutes int `json:"estimated_time_to_regain_access"`
		}
		if json.Unmarshal([]byte(v), &usage) == nil {
			longest := 0
			for _, us := range usage {
				for _, u := range us {
					longest = max(longest, u.Minutes)
				}
			}
			return time.Duration(longest) * time.Minute
		}
	}
	return 0
}

// Post sends payload as JSON to url with a bearer token and decodes a 2xx answer into out.
// A refusal is a *channels.SendError; a request that got no answer is the transport's error
// (retryable by channels.Retryable).
func Post(ctx context.Context, client *http.Client, url, token string, payload, out any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encoding graph api request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("graph api request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	// The token goes in a header rather than ?access_token= so it stays out of access logs.
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("graph api: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading graph api answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return ReadError(resp.StatusCode, resp.Header, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		// Sent, but the answer is unreadable: retrying would send it twice.
		return &channels.SendError{Status: resp.StatusCode, Reason: "unreadable graph api answer: " + snippet(body)}
	}
	return nil
}

// Permanent is a send refused before reaching Meta (window closed, text too long).
func Permanent(format string, args ...any) error {
	return &channels.SendError{Reason: fmt.Sprintf(format, args...)}
}

// EventID names an event that carries no id of its own by its kind and a hash of its raw
// JSON, which stays the same when Meta redelivers the body.
func EventID(kind string, raw []byte) string {
	sum := sha256.Sum256(raw)
	return kind + ":" + hex.EncodeToString(sum[:12])
}

// HTTPClient is the client used when a Config gives none: Meta answers sends within
// seconds, and a hung request must not hold the send ledger's worker.
var HTTPClient = &http.Client{Timeout: 20 * time.Second}
