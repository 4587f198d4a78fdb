package translation

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
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

func (c Config) client() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}

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
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request built by mk within the configured timeout and reads the answer.
// A deadline (ours or the caller's) becomes a *ProviderError of kind ErrTimeout; the
// caller's cancellation is returned as is.
func (c Config) do(ctx context.Context, provider string, mk func(ctx context.Context) (*http.Request, error)) (answer, error) {
	tctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req, err := mk(tctx)
	if err != nil {
		return answer{}, &ProviderError{Service: "translation", Provider: provider, Kind: ErrProvider, Message: err.Error()}
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return answer{}, c.failed(ctx, tctx, provider, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, c.failed(ctx, tctx, provider, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// postJSON posts the JSON raw to url; h adds headers or replaces the Content-Type.
func (c Config) postJSON(ctx context.Context, provider, url string, raw []byte, h http.Header) (answer, error) {
	return c.do(ctx, provider, func(ctx context.Context) (*http.Request, error) {
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

func (c Config) failed(ctx, tctx context.Context, provider string, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	var ne net.Error
	if tctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &ProviderError{Service: "translation", Provider: provider, Kind: ErrTimeout, Retryable: true,
			Message: "no answer within " + c.timeout().String()}
	}
	// A refused or reset connection: the provider may be back soon.
	return &ProviderError{Service: "translation", Provider: provider, Kind: ErrProvider, Retryable: true, Message: err.Error()}
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
