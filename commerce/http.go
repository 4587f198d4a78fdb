package commerce

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
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

func (o Options) client() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return http.DefaultClient
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) attempts() int {
	if o.Attempts > 0 {
		return o.Attempts
	}
	return 3
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

func (o Options) sleep(ctx context.Context, d time.Duration) error {
	if o.Sleep != nil {
		return o.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// answer is a platform's HTTP answer, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// request is one HTTP call, rebuilt for each attempt.
type request struct {
	method, url string
	header      http.Header
	body        []byte
}

// retry runs call until it succeeds, fails for good, or the attempts are used up. A
// retryable failure waits what the platform asked (Retry-After, Shopify's bucket) or a
// doubling backoff; a wait beyond MaxWait is not waited for. A call that is not idempotent
// (one creating a return) is retried only when rate limited — the platform did not run it —
// since after a timeout or a 5xx it may have.
func (o Options) retry(ctx context.Context, idempotent bool, call func(ctx context.Context) error) error {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		retryable, wait := provider.Retryable(err)
		if !idempotent && !errors.Is(err, provider.ErrRateLimited) {
			retryable = false
		}
		if !retryable || attempt >= o.attempts() || ctx.Err() != nil {
			return err
		}
		if wait <= 0 {
			wait, backoff = backoff, backoff*2
		}
		if wait > o.maxWait() {
			return err
		}
		if serr := o.sleep(ctx, wait); serr != nil {
			return err
		}
	}
}

// do sends one request within the timeout and reads the answer. A deadline becomes a
// provider.Error of kind ErrTimeout; the caller's cancellation is returned as is.
func (o Options) do(ctx context.Context, platform string, r request) (answer, error) {
	tctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(tctx, r.method, r.url, body)
	if err != nil {
		return answer{}, &provider.Error{Service: "commerce", Provider: platform, Kind: provider.ErrProvider, Message: err.Error()}
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	resp, err := o.client().Do(req)
	if err != nil {
		return answer{}, o.failed(ctx, tctx, platform, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, o.failed(ctx, tctx, platform, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func (o Options) failed(ctx, tctx context.Context, platform string, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	var ne net.Error
	if tctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &provider.Error{Service: "commerce", Provider: platform, Kind: provider.ErrTimeout, Retryable: true,
			Message: "no answer within " + o.timeout().String()}
	}
	// A refused or reset connection: the platform may be back soon.
	return &provider.Error{Service: "commerce", Provider: platform, Kind: provider.ErrProvider, Retryable: true, Message: err.Error()}
}

// statusError classifies an HTTP error status; code and msg are what the platform said.
func (o Options) statusError(platform string, a answer, code, msg string) error {
	e := &provider.Error{Service: "commerce", Provider: platform, Status: a.status, Code: code, Message: msg}
	switch {
	case a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
		e.Kind = provider.ErrAuth
	case a.status == http.StatusTooManyRequests:
		e.Kind, e.Retryable = provider.ErrRateLimited, true
		e.RetryAfter = provider.RetryAfter(a.header, o.now())
	case a.status == http.StatusRequestTimeout || a.status == http.StatusGatewayTimeout:
		e.Kind, e.Retryable = provider.ErrTimeout, true
	case a.status >= 500:
		e.Kind, e.Retryable = provider.ErrProvider, true
		e.RetryAfter = provider.RetryAfter(a.header, o.now())
	default:
		e.Kind = provider.ErrProvider
	}
	return e
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
