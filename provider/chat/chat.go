// Package chat is an OpenAI-compatible chat-completions client, the one transport behind
// every caller of a chat model (the refiner, the answer generator, the OpenAI translation
// adapter): POST {base}/v1/chat/completions with a Bearer key, the wire types, and how a
// failed or malformed answer reads as a *provider.Error. Prompts and what the model's
// content means stay with the callers.
package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/provider"
)

// DefaultTimeout bounds one call when Config.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// maxAnswer caps how much of an answer is read; a completion of one message is far less.
const maxAnswer = 4 << 20

// Config configures a Client.
type Config struct {
	// BaseURL is the server, with or without its "/v1" ("https://api.openai.com",
	// "http://localhost:11434/v1").
	BaseURL string
	// APIKey is sent as a Bearer token when set (local servers often need none).
	APIKey string
	// Model is the chat model; required.
	Model string
	// Timeout bounds one call, answer body included; 0 means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient, when nil, is http.DefaultClient (Timeout bounds calls).
	HTTPClient *http.Client
	// Service and Provider name the caller and the service in errors ("refine", "";
	// "translation", "openai").
	Service, Provider string
}

// Client calls one model on one endpoint. It is safe for concurrent use and never
// retries: whether a failure may wait is the caller's call.
type Client struct {
	endpoint, key, model string
	timeout              time.Duration
	http                 *http.Client
	service, provider    string
}

// New returns a Client for c. A base URL that is not http(s) with a host, or that holds
// credentials, no model or a negative timeout is an error.
func New(c Config) (*Client, error) {
	base := strings.TrimSpace(c.BaseURL)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q is not an http(s) URL", base)
	}
	if u.User != nil {
		return nil, errors.New("the base URL must not hold credentials; set the API key instead")
	}
	if strings.TrimSpace(c.Model) == "" {
		return nil, errors.New("no model")
	}
	if c.Timeout < 0 {
		return nil, errors.New("the timeout must be a positive duration such as 10s")
	}
	cl := &Client{
		endpoint: strings.TrimSuffix(strings.TrimRight(base, "/"), "/v1") + "/v1/chat/completions",
		key:      strings.TrimSpace(c.APIKey),
		model:    strings.TrimSpace(c.Model),
		timeout:  c.Timeout,
		http:     c.HTTPClient,
		service:  c.Service,
		provider: c.Provider,
	}
	if cl.timeout == 0 {
		cl.timeout = DefaultTimeout
	}
	if cl.http == nil {
		cl.http = http.DefaultClient
	}
	return cl, nil
}

// Model is the configured model.
func (c *Client) Model() string { return c.model }

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Options shape one request.
type Options struct {
	// Temperature is always sent (0 asks for the most likely answer).
	Temperature float64
	// MaxTokens bounds the answer; 0 sends none.
	MaxTokens int
	// JSON asks for one JSON object (response_format json_object).
	JSON bool
}

// Completion is the first choice of an answer.
type Completion struct {
	// Text is choices[0].message.content as sent.
	Text string
	// Model is the model the endpoint names (printable, at most 100 bytes), or the
	// configured one when it names none.
	Model string
	// FinishReason is choices[0].finish_reason ("stop").
	FinishReason string
}

// Request is the body sent, as the chat-completions API documents it.
type Request struct {
	Model          string          `json:"model"`
	Messages       []Message       `json:"messages"`
	Temperature    float64         `json:"temperature"`
	MaxTokens      int             `json:"max_tokens,omitempty"`
	ResponseFormat *ResponseFormat `json:"response_format,omitempty"`
}

// ResponseFormat asks for a kind of content ("json_object").
type ResponseFormat struct {
	Type string `json:"type"`
}

type response struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content *string `json:"content"`
			Refusal *string `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
}

// apiError is the error body of OpenAI and compatible servers.
type apiError struct {
	Error struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"` // a string, a number or null
	} `json:"error"`
}

// Complete sends msgs in one request within the timeout and returns the first choice.
// Errors are *provider.Error (the service's failure, or ErrBadResponse for an answer that
// is not a completion with content, a refusal, or one cut off or withheld), or the
// caller's cancellation wrapped; none holds the messages or the model's content.
func (c *Client) Complete(ctx context.Context, msgs []Message, o Options) (Completion, error) {
	req := Request{Model: c.model, Messages: msgs, Temperature: o.Temperature, MaxTokens: o.MaxTokens}
	if o.JSON {
		req.ResponseFormat = &ResponseFormat{Type: "json_object"}
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return Completion{}, fmt.Errorf("%s: encode request: %w", c.service, err)
	}
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(tctx, http.MethodPost, c.endpoint, bytes.NewReader(raw))
	if err != nil {
		return Completion{}, c.fail(0, provider.ErrProvider, "", "build request: "+err.Error())
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	if c.key != "" {
		hr.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return Completion{}, c.transport(ctx, tctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return Completion{}, c.transport(ctx, tctx, err)
	}
	return c.parse(resp.StatusCode, resp.Header, body, time.Now())
}

// transport classifies an exchange that brought no answer; the caller's cancellation is
// wrapped, not an Error.
func (c *Client) transport(ctx, tctx context.Context, err error) error {
	err = provider.TransportError(ctx, tctx, c.service, c.provider, c.timeout, err)
	var pe *provider.Error
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", c.service, err)
	}
	return err
}

// parse reads an answer of the endpoint (status, header h, body) as seen at now: an error
// status is mapped (failure), a 200 must be a completion with content.
func (c *Client) parse(status int, h http.Header, body []byte, now time.Time) (Completion, error) {
	if status != http.StatusOK {
		return Completion{}, c.failure(status, h, body, now)
	}
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return Completion{}, c.fail(status, provider.ErrBadResponse, "", "answer is not a chat completion (not JSON)")
	}
	if len(r.Choices) == 0 {
		return Completion{}, c.fail(status, provider.ErrBadResponse, "", "no choices")
	}
	ch := r.Choices[0]
	switch {
	case ch.Message.Content == nil && ch.Message.Refusal != nil:
		return Completion{}, c.fail(status, provider.ErrBadResponse, "refusal", "the model refused")
	case ch.Message.Content == nil:
		return Completion{}, c.fail(status, provider.ErrBadResponse, "", "no choices[0].message.content")
	case ch.FinishReason == "length":
		return Completion{}, c.fail(status, provider.ErrBadResponse, "length", "answer cut off (finish_reason length)")
	case ch.FinishReason == "content_filter":
		return Completion{}, c.fail(status, provider.ErrBadResponse, "content_filter", "answer withheld by the endpoint's content filter")
	}
	model := printable(r.Model, 100)
	if model == "" {
		model = c.model
	}
	return Completion{Text: *ch.Message.Content, Model: model, FinishReason: printable(ch.FinishReason, 60)}, nil
}

// failure maps an error answer ({"error":{"message","type","code"}}): 401, 403 and the
// code invalid_api_key are ErrAuth; the code or type insufficient_quota (or
// billing_hard_limit_reached) ErrQuota; 429 otherwise ErrRateLimited; 408 and 504
// ErrTimeout; other 5xx retryable ErrProvider; anything else ErrProvider. The body itself
// is never quoted, only the documented message field.
func (c *Client) failure(status int, h http.Header, body []byte, now time.Time) *provider.Error {
	var e apiError
	_ = json.Unmarshal(body, &e)
	var code string
	if json.Unmarshal(e.Error.Code, &code) != nil || code == "" {
		code = e.Error.Type
	}
	pe := provider.StatusError(c.service, c.provider, status, h, now, printable(code, 60), printable(e.Error.Message, 300))
	if pe.Message == "" {
		ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
		pe.Message = "answer without an OpenAI error body"
		if ct != "" {
			pe.Message += " (" + printable(ct, 60) + ")"
		}
	}
	switch {
	case pe.Kind == provider.ErrAuth || code == "invalid_api_key":
		pe.Kind, pe.Retryable, pe.RetryAfter = provider.ErrAuth, false, 0
	case code == "insufficient_quota" || e.Error.Type == "insufficient_quota" || code == "billing_hard_limit_reached":
		pe.Kind, pe.Retryable = provider.ErrQuota, false
	}
	return pe
}

func (c *Client) fail(status int, kind error, code, msg string) *provider.Error {
	return &provider.Error{Service: c.service, Provider: c.provider, Status: status, Kind: kind, Code: code, Message: msg}
}

// printable trims s, keeps it to n bytes of valid UTF-8 and drops control characters, so
// that what an endpoint says cannot forge log lines.
func printable(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(strings.TrimSpace(s), ""))
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}
