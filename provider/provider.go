// Package provider says how the outside services Meridian calls (translation, speech to
// text, language models, messaging platforms, paging webhooks) fail, once for all of them:
// the kinds of failure callers test with errors.Is, the Error that carries what the service
// reported (never the customer's text), whether a retry may succeed, and the Retry-After
// the service asked for; for HTTP clients, the base URL they are configured with
// (ParseBase), one attempt with its deadline and size limit (Exchange), how a status or a failed exchange reads as an Error (StatusError,
// TransportError) and the common retry loop (Retry). Adapters classify; callers decide
// whether to retry.
package provider

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The kinds of failure shared by every service; a package adds its own (an unsupported
// language pair, audio too large) and wraps them in an Error the same way.
var (
	// ErrAuth: the key is missing, wrong or not allowed to do this.
	ErrAuth = errors.New("not authorised")
	// ErrRateLimited: too many requests for now; retry after Error.RetryAfter.
	ErrRateLimited = errors.New("rate limited")
	// ErrQuota: the account's quota or credit is used up; retrying soon will not help.
	ErrQuota = errors.New("quota exceeded")
	// ErrTimeout: no complete answer within the timeout.
	ErrTimeout = errors.New("timed out")
	// ErrBadResponse: an answer that is not what the service's API documents.
	ErrBadResponse = errors.New("malformed response")
	// ErrProvider: any other refusal or failure of the service.
	ErrProvider = errors.New("provider error")
)

// MaxRetryAfter caps what a service may ask Meridian to wait.
const MaxRetryAfter = 24 * time.Hour

// Error is a service's failure, as it reported it. It never holds the request's or the
// answer's content, so it is safe to log.
type Error struct {
	// Service is the Meridian package that called ("translation", "refine"); Provider the
	// service called ("deepl"), empty when there is only one.
	Service, Provider string
	// Status is the HTTP status, 0 when there was no answer (a timeout).
	Status int
	// Code is the service's own error code or reason, when it gives one
	// ("dailyLimitExceeded", "insufficient_quota", ...).
	Code    string
	Message string
	// Retryable says whether the same request may succeed later (429 other than an
	// exhausted quota, 5xx, timeouts, refused connections).
	Retryable bool
	// RetryAfter is how long the service asked to wait, 0 when it did not say.
	RetryAfter time.Duration
	// Kind is one of this package's kinds or the calling package's own.
	Kind error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Service)
	if e.Provider != "" {
		b.WriteString(": " + e.Provider)
	}
	fmt.Fprintf(&b, ": %v", e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, ", %s", e.Code)
		}
		b.WriteString(")")
	} else if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the kind, so that errors.Is(err, ErrQuota) and the like work.
func (e *Error) Unwrap() error { return e.Kind }

// Retryable says whether err is worth retrying later and after how long the service asked
// to wait (0: unspecified). An error that is not an *Error is retryable when it is a
// timeout or a rate limit.
func Retryable(err error) (bool, time.Duration) {
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable, e.RetryAfter
	}
	return errors.Is(err, ErrTimeout) || errors.Is(err, ErrRateLimited), 0
}

// RetryAfter reads a Retry-After header, seconds or an HTTP date (RFC 9110 §10.2.3), as
// seen at now; 0 when absent, unreadable or past, at most MaxRetryAfter.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, int(MaxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now).Round(time.Second), MaxRetryAfter)
	}
	return 0
}
