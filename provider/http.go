package provider

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Retry is how a client retries a service's retryable failures. The zero value makes 3
// attempts, waits what the service asks up to 30 s, and backs off from 250 ms, doubling,
// when it asks nothing.
type Retry struct {
	Attempts int
	// MaxWait: a failure asking a longer wait is returned at once.
	MaxWait time.Duration
	// Backoff is the first wait when the service names none.
	Backoff time.Duration
	// RateLimitedOnly retries only rate limits, for a call that is not idempotent: after a
	// timeout or a server error the service may have run it, after a 429 it did not.
	RateLimitedOnly bool
	// Sleep waits between attempts (tests inject one); nil means Sleep.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Do runs call until it succeeds, fails with an error Retryable refuses, the attempts are
// used up, or the service asks a wait beyond MaxWait; it returns call's last error, or the
// context's when ctx ends while waiting.
func (r Retry) Do(ctx context.Context, call func(ctx context.Context) error) error {
	attempts, maxWait, backoff, sleep := r.Attempts, r.MaxWait, r.Backoff, r.Sleep
	if attempts <= 0 {
		attempts = 3
	}
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	if backoff <= 0 {
		backoff = 250 * time.Millisecond
	}
	if sleep == nil {
		sleep = Sleep
	}
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		retry, wait := Retryable(err)
		if r.RateLimitedOnly && !errors.Is(err, ErrRateLimited) {
			retry = false
		}
		if !retry || attempt >= attempts || wait > maxWait || ctx.Err() != nil {
			return err
		}
		if wait <= 0 {
			wait, backoff = backoff, backoff*2
		}
		if serr := sleep(ctx, wait); serr != nil {
			return serr
		}
	}
}

// Sleep waits d, or until ctx ends (its error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StatusError classifies an HTTP error status of service's provider, with what the service
// said (code, msg) and the Retry-After of h as seen at now: 401 and 403 are ErrAuth, 429
// ErrRateLimited, 408 and 504 ErrTimeout, other 5xx ErrProvider, all three retryable;
// anything else ErrProvider, not retryable.
func StatusError(service, prov string, status int, h http.Header, now time.Time, code, msg string) *Error {
	e := &Error{Service: service, Provider: prov, Status: status, Code: code, Message: msg, Kind: ErrProvider}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = ErrAuth
	case status == http.StatusTooManyRequests:
		e.Kind, e.Retryable = ErrRateLimited, true
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		e.Kind, e.Retryable = ErrTimeout, true
	case status >= 500:
		e.Retryable = true
	}
	if e.Retryable {
		e.RetryAfter = RetryAfter(h, now)
	}
	return e
}

// TransportError classifies an exchange that brought no answer: the caller's cancellation
// (of ctx) is returned as it is; the attempt's deadline (attempt, which timeout bounded) or a
// network timeout is a retryable ErrTimeout; a refused or reset connection a retryable
// ErrProvider, since the service may be back soon.
func TransportError(ctx, attempt context.Context, service, prov string, timeout time.Duration, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	var ne net.Error
	if attempt.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &Error{Service: service, Provider: prov, Kind: ErrTimeout, Retryable: true, Message: "no answer within " + timeout.String()}
	}
	return &Error{Service: service, Provider: prov, Kind: ErrProvider, Retryable: true, Message: err.Error()}
}

// ParseBase reads a service's configured base URL: http(s)://host with an optional path,
// without a trailing slash.
func ParseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("base URL must be http(s)://host")
	}
	return u, nil
}

// Answer is a service's HTTP answer, read whole (up to Exchange.Limit).
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Exchange is one attempt at an HTTP service, done the same way by every client: a deadline
// of Timeout, answer body included, and at most Limit bytes of the answer read.
type Exchange struct {
	Service, Provider string
	// Client, when nil, is http.DefaultClient.
	Client  *http.Client
	Timeout time.Duration
	Limit   int64
}

// Do sends the request build makes for the attempt's context and reads the answer, whatever
// its status. A request build cannot make is an ErrProvider that is not retryable; an
// exchange that brings no answer is what TransportError makes of it.
func (x Exchange) Do(ctx context.Context, build func(ctx context.Context) (*http.Request, error)) (Answer, error) {
	tctx, cancel := context.WithTimeout(ctx, x.Timeout)
	defer cancel()
	req, err := build(tctx)
	if err != nil {
		return Answer{}, &Error{Service: x.Service, Provider: x.Provider, Kind: ErrProvider, Message: err.Error()}
	}
	hc := x.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Answer{}, TransportError(ctx, tctx, x.Service, x.Provider, x.Timeout, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, x.Limit))
	if err != nil {
		return Answer{}, TransportError(ctx, tctx, x.Service, x.Provider, x.Timeout, err)
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}
