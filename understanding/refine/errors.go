package refine

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The kinds of failure; an *Error wraps one of them, so callers test with errors.Is.
var (
	// ErrNotConfigured: Refine was called on a nil *Refiner (no endpoint configured).
	ErrNotConfigured = errors.New("no language model configured")
	// ErrAuth: the endpoint refused the key (401 or 403).
	ErrAuth = errors.New("not authorised")
	// ErrRateLimited: too many requests for now; retry after Error.RetryAfter.
	ErrRateLimited = errors.New("rate limited")
	// ErrQuota: the account's quota or credit is used up; retrying soon will not help.
	ErrQuota = errors.New("quota exceeded")
	// ErrTimeout: no complete answer within Settings.Timeout (or the caller's deadline).
	ErrTimeout = errors.New("timed out")
	// ErrBadResponse: an answer that is not a chat completion, or whose content is not
	// the JSON object asked for.
	ErrBadResponse = errors.New("malformed response")
	// ErrProvider: any other refusal or failure of the endpoint.
	ErrProvider = errors.New("provider error")
)

// Error is a failed refinement. It never holds the customer's text nor the model's
// content, so it is safe to log.
type Error struct {
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// Code is the endpoint's error code or type ("invalid_api_key", "server_error").
	Code string
	// Message is the endpoint's own error message, or why the answer was refused.
	Message string
	// Retryable says whether the same request may succeed later (429 other than an
	// exhausted quota, 5xx, timeouts, refused connections).
	Retryable bool
	// RetryAfter is how long the endpoint asked to wait, 0 when it did not say.
	RetryAfter time.Duration
	// Kind is ErrAuth, ErrRateLimited, ErrQuota, ErrTimeout, ErrBadResponse or
	// ErrProvider.
	Kind error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refine: %v", e.Kind)
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

// Unwrap returns the kind, so that errors.Is(err, ErrTimeout) and the like work.
func (e *Error) Unwrap() error { return e.Kind }

// Retryable says whether err is worth retrying later and after how long the endpoint
// asked to wait (0: unspecified). Refine never retries by itself: a refinement is
// optional, and the caller knows whether the message can wait.
func Retryable(err error) (bool, time.Duration) {
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable, e.RetryAfter
	}
	return false, 0
}
