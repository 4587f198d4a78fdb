package translation

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// Config is what every adapter takes.
type Config struct {
	// BaseURL is the provider's endpoint without the API path; empty means the
	// documented public endpoint (none for LibreTranslate).
	BaseURL string
	// APIKey authenticates the calls.
	APIKey string
	// Model is the chat model (OpenAI-compatible adapter only).
	Model string
	// HTTPClient, when nil, is a client without its own timeout (Timeout bounds calls).
	HTTPClient *http.Client
	// Timeout bounds one call, answer body included; 0 means DefaultTimeout.
	Timeout time.Duration
	// Glossaries, when nil, are the built-in ones (BuiltinGlossaries).
	Glossaries *Glossaries
}

// DefaultTimeout bounds a provider call when Config.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// maxAnswer caps how much of an answer is read.
const maxAnswer = 16 << 20

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c Config) glossaries() *Glossaries {
	if c.Glossaries != nil {
		return c.Glossaries
	}
	return BuiltinGlossaries()
}

func (c Config) base(def string) string {
	b := strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if b == "" {
		b = def
	}
	return b
}

// answer is a provider's HTTP answer, read whole.
type answer = provider.Answer

// postJSON posts the JSON raw to url within the configured timeout and reads the answer;
// h adds headers or replaces the Content-Type. A deadline (ours or the caller's) becomes a
// *ProviderError of kind ErrTimeout; the caller's cancellation is returned as is.
func (c Config) postJSON(ctx context.Context, name, url string, raw []byte, h http.Header) (answer, error) {
	x := provider.Exchange{Service: "translation", Provider: name, Client: c.HTTPClient, Timeout: c.timeout(), Limit: maxAnswer}
	return x.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/json")
		for k, v := range h {
			r.Header[k] = v
		}
		return r, nil
	})
}

// byStatus classifies an HTTP error status the way most providers use it.
func byStatus(status int) (kind error, retryable bool) {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrAuth, false
	case status == http.StatusTooManyRequests:
		return ErrRateLimited, true
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return ErrTimeout, true
	case status >= 500:
		return ErrProvider, true
	default:
		return ErrProvider, false
	}
}

// snippet is a short, printable excerpt of a body for an error message.
func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.ToValidUTF8(string(b), "?")
}

func badResponse(provider string, status int, why string) error {
	return &ProviderError{Service: "translation", Provider: provider, Status: status, Kind: ErrBadResponse, Message: why}
}

// countMismatch reports an answer with a different number of texts than asked for.
func countMismatch(provider string, status, got, want int) error {
	return badResponse(provider, status, "answered "+strconv.Itoa(got)+" texts for "+strconv.Itoa(want))
}
