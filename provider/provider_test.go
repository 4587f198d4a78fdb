package provider

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		" 0 ":                           0,
		"-5":                            0,
		"soon":                          0,
		"Mon, 07 Dec 2026 08:01:30 GMT": 90 * time.Second,
		"Mon, 07 Dec 2026 07:59:00 GMT": 0, // past
		"999999999":                     MaxRetryAfter,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := RetryAfter(h, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", v, got, want)
		}
	}
}

func TestErrorKindsAndRetry(t *testing.T) {
	e := &Error{Service: "translation", Provider: "deepl", Status: 456, Code: "quota", Kind: ErrQuota, Message: "limit"}
	wrapped := fmt.Errorf("reply: %w", e)
	if !errors.Is(wrapped, ErrQuota) || errors.Is(wrapped, ErrAuth) {
		t.Fatal("the kind is not what errors.Is finds")
	}
	if got, want := e.Error(), "translation: deepl: quota exceeded (HTTP 456, quota): limit"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if ok, _ := Retryable(wrapped); ok {
		t.Error("an exhausted quota is not retryable")
	}
	e = &Error{Service: "refine", Kind: ErrRateLimited, Status: 429, Retryable: true, RetryAfter: time.Second}
	if ok, after := Retryable(e); !ok || after != time.Second {
		t.Errorf("Retryable = %v %v", ok, after)
	}
	if got, want := e.Error(), "refine: rate limited (HTTP 429); retry after 1s"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if ok, _ := Retryable(fmt.Errorf("x: %w", ErrTimeout)); !ok {
		t.Error("a bare timeout is retryable")
	}
	if ok, _ := Retryable(errors.New("other")); ok {
		t.Error("an unknown error is not retryable")
	}
}
