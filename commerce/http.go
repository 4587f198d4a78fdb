package commerce

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// Options tune an adapter; the zero value is usable.
type Options struct {
	// HTTPClient, when nil, is http.DefaultClient (Timeout bounds each attempt).
	HTTPClient *http.Client
	// Timeout bounds one attempt, answer included; 0 means DefaultTimeout.
	Timeout time.Duration
	// Attempts is how many times a retryable failure is tried in all; 0 means 3.
	Attempts int
	// MaxWait is the longest wait between attempts this package accepts; a platform asking
	// for longer gets its error returned at once. 0 means 10s.
	MaxWait time.Duration
	// Sleep waits d or until ctx is done; nil sleeps on a timer (tests inject their own).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for HTTP-date Retry-After headers; nil is time.Now.
	Now func() time.Time
	// PageSize is how many orders one page asks for when listing; 0 means 10.
	PageSize int
}

// DefaultTimeout bounds one call to a platform when Options.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// maxAnswer caps how much of an answer is read.
const maxAnswer = 8 << 20

// firstBackoff is the wait before the second attempt when the platform did not say.
const firstBackoff = 500 * time.Millisecond

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) maxWait() time.Duration {
	if o.MaxWait > 0 {
		return o.MaxWait
	}
	return 10 * time.Second
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o Options) pageSize() int {
	if o.PageSize > 0 {
		return min(o.PageSize, 250)
	}
	return 10
}

// answer is a platform's HTTP answer, read whole.
type answer = provider.Answer

// request is one HTTP call, rebuilt for each attempt.
type request struct {
	method, url string
	header      http.Header
	body        []byte
}

// retry runs call with provider.Retry: a call that is not idempotent (one creating a
// return) is retried only when rate limited, since after a timeout or a 5xx it may have run.
func (o Options) retry(ctx context.Context, idempotent bool, call func(ctx context.Context) error) error {
	return provider.Retry{Attempts: o.Attempts, MaxWait: o.maxWait(), Backoff: firstBackoff, RateLimitedOnly: !idempotent, Sleep: o.Sleep}.Do(ctx, call)
}

// do sends one request within the timeout and reads the answer. A deadline becomes a
// provider.Error of kind ErrTimeout; the caller's cancellation is returned as is.
func (o Options) do(ctx context.Context, platform string, r request) (answer, error) {
	x := provider.Exchange{Service: "commerce", Provider: platform, Client: o.HTTPClient, Timeout: o.timeout(), Limit: maxAnswer}
	return x.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		var body io.Reader
		if r.body != nil {
			body = bytes.NewReader(r.body)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
		if err != nil {
			return nil, err
		}
		for k, v := range r.header {
			req.Header[k] = v
		}
		return req, nil
	})
}

// statusError classifies an HTTP error status; code and msg are what the platform said.
func (o Options) statusError(platform string, a answer, code, msg string) error {
	return provider.StatusError("commerce", platform, a.Status, a.Header, o.now(), code, msg)
}

func badResponse(platform string, status int, why string) error {
	return &provider.Error{Service: "commerce", Provider: platform, Status: status, Kind: provider.ErrBadResponse, Message: why}
}

// snippet is a short, printable excerpt of an error body (never an order's content: only
// error answers are quoted).
func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.ToValidUTF8(string(b), "?")
}
