package refine

import (
	"errors"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// The kinds of failure; an *Error wraps one of them, so callers test with errors.Is. Those
// every outside service shares are the provider package's.
var (
	// ErrNotConfigured: Refine was called on a nil *Refiner (no endpoint configured).
	ErrNotConfigured = errors.New("no language model configured")
	ErrAuth          = provider.ErrAuth
	ErrRateLimited   = provider.ErrRateLimited
	ErrQuota         = provider.ErrQuota
	ErrTimeout       = provider.ErrTimeout
	// ErrBadResponse also covers an answer whose content is not the JSON object asked for.
	ErrBadResponse = provider.ErrBadResponse
	ErrProvider    = provider.ErrProvider
)

// Error is a failed refinement (Service "refine"). It never holds the customer's text nor
// the model's content, so it is safe to log.
type Error = provider.Error

// Retryable says whether err is worth retrying later and after how long the endpoint
// asked to wait (0: unspecified). Refine never retries by itself: a refinement is
// optional, and the caller knows whether the message can wait.
func Retryable(err error) (bool, time.Duration) { return provider.Retryable(err) }
