package provider_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// Retry waits what the service asks, backs off doubling when it asks nothing, stops at the
// attempts, at a wait beyond MaxWait and at a refusal, and retries only rate limits for a
// call that is not idempotent.
func TestRetryWaitsWhatTheServiceAsks(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	limited := provider.StatusError("shop", "x", 429, http.Header{"Retry-After": {"7"}}, now, "", "slow down")
	failing := provider.StatusError("shop", "x", 503, http.Header{}, now, "", "down")
	refused := provider.StatusError("shop", "x", 401, http.Header{"Retry-After": {"7"}}, now, "", "no")
	run := func(r provider.Retry, errs ...error) ([]time.Duration, int, error) {
		var waits []time.Duration
		r.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
		calls := 0
		err := r.Do(context.Background(), func(context.Context) error {
			calls++
			if calls <= len(errs) {
				return errs[calls-1]
			}
			return nil
		})
		return waits, calls, err
	}
	if w, n, err := run(provider.Retry{}, limited, failing); err != nil || n != 3 || len(w) != 2 || w[0] != 7*time.Second || w[1] != 250*time.Millisecond {
		t.Errorf("429 then 503 then success: waits %v, %d calls, %v", w, n, err)
	}
	if w, n, err := run(provider.Retry{Backoff: time.Second}, failing, failing, failing); !errors.Is(err, provider.ErrProvider) || n != 3 || len(w) != 2 || w[1] != 2*time.Second {
		t.Errorf("three failures: waits %v, %d calls, %v", w, n, err)
	}
	if _, n, err := run(provider.Retry{}, refused); !errors.Is(err, provider.ErrAuth) || n != 1 {
		t.Errorf("401: %d calls, %v", n, err)
	}
	if _, n, err := run(provider.Retry{MaxWait: 5 * time.Second}, limited); !errors.Is(err, provider.ErrRateLimited) || n != 1 {
		t.Errorf("a wait beyond MaxWait: %d calls, %v", n, err)
	}
	if _, n, err := run(provider.Retry{RateLimitedOnly: true}, failing); err == nil || n != 1 {
		t.Errorf("not idempotent, 503: %d calls, %v", n, err)
	}
	if _, n, err := run(provider.Retry{RateLimitedOnly: true}, limited); err != nil || n != 2 {
		t.Errorf("not idempotent, 429: %d calls, %v", n, err)
	}
}

func TestStatusAndTransportErrors(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for status, want := range map[int]error{401: provider.ErrAuth, 403: provider.ErrAuth, 429: provider.ErrRateLimited,
		408: provider.ErrTimeout, 504: provider.ErrTimeout, 500: provider.ErrProvider, 400: provider.ErrProvider} {
		e := provider.StatusError("crm", "zendesk", status, http.Header{"Retry-After": {"3"}}, now, "C", "m")
		if !errors.Is(e, want) || e.Retryable != (status != 400 && status != 401 && status != 403) {
			t.Errorf("%d: %v retryable %v", status, e, e.Retryable)
		}
		if e.Retryable && e.RetryAfter != 3*time.Second {
			t.Errorf("%d: Retry-After %v", status, e.RetryAfter)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := provider.TransportError(ctx, ctx, "crm", "z", time.Second, errors.New("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	attempt, stop := context.WithTimeout(context.Background(), 0)
	defer stop()
	if err := provider.TransportError(context.Background(), attempt, "crm", "z", time.Second, errors.New("x")); !errors.Is(err, provider.ErrTimeout) {
		t.Errorf("deadline: %v", err)
	}
	if err := provider.TransportError(context.Background(), context.Background(), "crm", "z", time.Second, errors.New("connection refused")); !errors.Is(err, provider.ErrProvider) {
		t.Errorf("refused: %v", err)
	} else if ok, _ := provider.Retryable(err); !ok {
		t.Errorf("refused is not retryable")
	}
}

// Exchange reads any status's answer up to Limit, sends what build made, and classifies a
// request it cannot build, a deadline and a refused connection.
func TestExchange(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		w.Header().Set("X-Seen", r.Header.Get("X-Key"))
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("0123456789"))
	}))
	defer srv.Close()
	x := provider.Exchange{Service: "crm", Provider: "z", Timeout: time.Second, Limit: 4}
	get := func(path string) func(ctx context.Context) (*http.Request, error) {
		return func(ctx context.Context) (*http.Request, error) {
			r, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
			if err == nil {
				r.Header.Set("X-Key", "k1")
			}
			return r, err
		}
	}
	a, err := x.Do(context.Background(), get("/"))
	if err != nil || a.Status != http.StatusTeapot || string(a.Body) != "0123" || a.Header.Get("X-Seen") != "k1" {
		t.Fatalf("answer %d %q %v, %v", a.Status, a.Body, a.Header, err)
	}
	_, err = x.Do(context.Background(), func(context.Context) (*http.Request, error) { return nil, errors.New("bad url") })
	var pe *provider.Error
	if !errors.As(err, &pe) || !errors.Is(err, provider.ErrProvider) || pe.Retryable || pe.Message != "bad url" {
		t.Errorf("unbuildable: %v", err)
	}
	x.Timeout = 50 * time.Millisecond
	if _, err := x.Do(context.Background(), get("/slow")); !errors.Is(err, provider.ErrTimeout) {
		t.Errorf("slow: %v", err)
	}
	srv.Close()
	if _, err := x.Do(context.Background(), get("/")); !errors.Is(err, provider.ErrProvider) {
		t.Errorf("refused: %v", err)
	} else if ok, _ := provider.Retryable(err); !ok {
		t.Errorf("refused is not retryable")
	}
}
