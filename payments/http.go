package payments

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// Config is what both adapters take besides their credentials.
type Config struct {
	// BaseURL is the API's root (the bank's XS2A root, https://partner-api.grab.com).
	BaseURL string
	// MinAmount and MaxAmount bound one refund or link, in minor units (0: 1 and 1,000,000,
	// i.e. 10,000.00 in a currency with cents).
	MinAmount, MaxAmount int64
	// Ledger remembers what each idempotency key produced (nil: in memory).
	Ledger Ledger

	// HTTPClient, when nil, is http.DefaultClient; Timeout bounds each request (0: 15s).
	HTTPClient *http.Client
	Timeout    time.Duration
	// MaxAttempts bounds the tries of one request (0: 3): retrying a payment is safe because
	// every try carries the same provider ids. MaxRetryWait is the longest Retry-After
	// honoured (0: 30s).
	MaxAttempts  int
	MaxRetryWait time.Duration
	// Sleep waits between tries (nil: a timer that stops with ctx); tests inject theirs.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock of Date headers and HTTP-date Retry-After values (nil: time.Now).
	Now func() time.Time
}

const maxAnswer = 1 << 20

func (c Config) limits() (lo, hi int64) {
	lo, hi = c.MinAmount, c.MaxAmount
	if lo <= 0 {
		lo = 1
	}
	if hi <= 0 {
		hi = 1_000_000
	}
	return lo, hi
}

func (c Config) checkAmount(field string, amount int64) error {
	lo, hi := c.limits()
	if amount < lo || amount > hi {
		return invalid(field, "%d is outside %d..%d (minor units)", amount, lo, hi)
	}
	return nil
}

// caller sends one adapter's requests with timeouts, classification and bounded retries.
type caller struct {
	cfg      Config
	provider string
	base     *url.URL
	// sign sets credentials (and signature headers) on each try's request.
	sign func(r *http.Request, body []byte)
	// classify turns a non-2xx answer into an error.
	classify func(a answer) *provider.Error
}

type answer = provider.Answer

func (c *caller) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}

// post sends body to path with header, retrying what may succeed later; every try is the
// same request, so the provider sees one payment.
func (c *caller) post(ctx context.Context, path string, header http.Header, body []byte) (answer, error) {
	var out answer
	err := provider.Retry{Attempts: c.cfg.MaxAttempts, MaxWait: c.cfg.MaxRetryWait, Sleep: c.cfg.Sleep}.Do(ctx, func(ctx context.Context) error {
		a, err := c.once(ctx, path, header, body)
		if err == nil && (a.Status < 200 || a.Status > 299) {
			err = c.classify(a)
		}
		out = a
		return err
	})
	if err != nil {
		return answer{}, err
	}
	return out, nil
}

func (c *caller) once(ctx context.Context, path string, header http.Header, body []byte) (answer, error) {
	timeout := c.cfg.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	x := provider.Exchange{Service: "payments", Provider: c.provider, Client: c.cfg.HTTPClient, Timeout: timeout, Limit: maxAnswer}
	return x.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		c.sign(req, body)
		return req, nil
	})
}

// byStatus is the common reading of an HTTP error status.
func (c *caller) byStatus(a answer, code, msg string) *provider.Error {
	return provider.StatusError("payments", c.provider, a.Status, a.Header, c.now(), code, msg)
}

func (c *caller) bad(status int, why string) error {
	return &provider.Error{Service: "payments", Provider: c.provider, Status: status, Kind: provider.ErrBadResponse, Message: why}
}

// clip keeps a provider's message short and printable.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.ToValidUTF8(s, "?")
}

// notJSON says what was not the documented JSON and how long it was; never its content, which may be a
// customer's data.
func notJSON(what string, b []byte) error {
	return fmt.Errorf("%s is not the JSON the API documents (%d bytes)", what, len(b))
}
