package oncall

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// scripted is a Notifier answering with its errors in turn, then nil.
type scripted struct {
	errs  []error
	calls int
}

func (s *scripted) Notify(ctx context.Context, _ Target, _ Page) error {
	s.calls++
	if s.calls <= len(s.errs) {
		return s.errs[s.calls-1]
	}
	return nil
}

var (
	err503 = &DeliveryError{Kind: KindWebhook, Status: 503, Retryable: true}
	err400 = &DeliveryError{Kind: KindWebhook, Status: 400}
	err429 = func(d time.Duration) error {
		return &DeliveryError{Kind: KindSlack, Status: 429, Retryable: true, RetryAfter: d}
	}
	hookURL  = Target{Kind: KindWebhook, URL: "https://pager.example.com/x"}
	halfRand = func() float64 { return 0.5 }
)

func TestDeliver(t *testing.T) {
	policy := RetryPolicy{MaxAttempts: 4, Initial: time.Second, Multiplier: 2, Max: 3 * time.Second, Jitter: 0.2, Rand: halfRand}
	tests := []struct {
		name     string
		errs     []error
		policy   RetryPolicy
		attempts int
		slept    []time.Duration
		wantErr  string // "" for success
	}{
		{"first try", nil, policy, 1, nil, ""},
		{"two failures then success, backing off with jitter", []error{err503, err503}, policy, 3, []time.Duration{900 * time.Millisecond, 1800 * time.Millisecond}, ""},
		{"a permanent error is not retried", []error{err400}, policy, 1, nil, "permanent"},
		{"a permanent error after a retryable one", []error{err503, err400}, policy, 2, []time.Duration{900 * time.Millisecond}, "permanent"},
		{"gives up at MaxAttempts, the wait capped at Max", []error{err503, err503, err503, err503, err503}, policy, 4,
			[]time.Duration{900 * time.Millisecond, 1800 * time.Millisecond, 2700 * time.Millisecond}, "gave up after 4"},
		{"Retry-After longer than the backoff wins", []error{err429(30 * time.Second)}, policy, 2, []time.Duration{30 * time.Second}, ""},
		{"Retry-After shorter than the backoff does not shorten it", []error{err429(100 * time.Millisecond)}, policy, 2, []time.Duration{900 * time.Millisecond}, ""},
		{"Retry-After beyond MaxRetryAfter ends the retries", []error{err429(time.Hour)}, policy, 1, nil, "asks to wait 1h0m0s"},
		{"a plain error is retried", []error{errors.New("flaky")}, policy, 2, []time.Duration{900 * time.Millisecond}, ""},
		{"cancellation from the notifier is not retried", []error{context.Canceled}, policy, 1, nil, "permanent"},
		{"no jitter", []error{err503}, RetryPolicy{Jitter: -1, Rand: halfRand}, 2, []time.Duration{time.Second}, ""},
		{"defaults: five attempts", []error{err503, err503, err503, err503, err503, err503}, RetryPolicy{Rand: func() float64 { return 0 }}, 5,
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}, "gave up after 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := &scripted{errs: tc.errs}
			var slept []time.Duration
			sleep := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
			attempts, err := Deliver(context.Background(), n, hookURL, testPage, tc.policy, sleep)
			if attempts != tc.attempts || n.calls != tc.attempts {
				t.Errorf("attempts %d (notifier called %d times), want %d", attempts, n.calls, tc.attempts)
			}
			if !equalDurations(slept, tc.slept) {
				t.Errorf("slept %v, want %v", slept, tc.slept)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Deliver = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Deliver = %v; want an error mentioning %q", err, tc.wantErr)
			}
			if last := tc.errs[min(tc.attempts, len(tc.errs))-1]; !errors.Is(err, last) {
				t.Errorf("the final error %v does not wrap the last attempt's %v", err, last)
			}
			if !strings.Contains(err.Error(), testPage.ID) {
				t.Errorf("the error %q does not name the page", err)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeliverDeadline(t *testing.T) {
	t.Run("a wait past the deadline is not started", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		n := &scripted{errs: []error{err503, err503}}
		sleeps := 0
		attempts, err := Deliver(ctx, n, hookURL, testPage, RetryPolicy{Initial: 10 * time.Second}, func(context.Context, time.Duration) error { sleeps++; return nil })
		if attempts != 1 || sleeps != 0 || err == nil || !strings.Contains(err.Error(), "deadline") || !errors.Is(err, err503) {
			t.Fatalf("Deliver = %d, %v after %d sleeps; want to stop after 1 attempt", attempts, err, sleeps)
		}
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n := &scripted{errs: []error{err503, err503}}
		attempts, err := Deliver(ctx, n, hookURL, testPage, RetryPolicy{}, func(ctx context.Context, _ time.Duration) error {
			cancel()
			return ctx.Err()
		})
		if attempts != 1 || !errors.Is(err, context.Canceled) || !errors.Is(err, err503) {
			t.Fatalf("Deliver = %d, %v; want 1 attempt, cancelled, with the last failure", attempts, err)
		}
	})
	t.Run("already cancelled: no attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		n := &scripted{}
		attempts, err := Deliver(ctx, n, hookURL, testPage, RetryPolicy{}, nil)
		if attempts != 0 || n.calls != 0 || !errors.Is(err, context.Canceled) {
			t.Fatalf("Deliver = %d, %v", attempts, err)
		}
	})
	t.Run("the real Sleep waits and stops on cancel", func(t *testing.T) {
		if err := Sleep(context.Background(), time.Millisecond); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Fatalf("Sleep = %v", err)
		}
	})
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{Initial: 500 * time.Millisecond, Multiplier: 3, Max: 10 * time.Second}
	want := []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond, 4500 * time.Millisecond, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := p.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := p.Backoff(1000); got != 10*time.Second {
		t.Errorf("Backoff(1000) = %v; the loop must stop at Max", got)
	}
}

func TestJitterStaysInRange(t *testing.T) {
	for _, r := range []float64{0, 0.25, 0.999} {
		n := &scripted{errs: []error{err503}}
		var slept time.Duration
		_, err := Deliver(context.Background(), n, hookURL, testPage, RetryPolicy{Initial: 10 * time.Second, Jitter: 0.5, Rand: func() float64 { return r }},
			func(_ context.Context, d time.Duration) error { slept = d; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if slept < 5*time.Second || slept > 10*time.Second {
			t.Errorf("rand %v: slept %v, outside [5s, 10s]", r, slept)
		}
	}
}

// Deliver against a real webhook receiver that fails twice: three attempts, each signed and
// carrying the same idempotency key.
func TestDeliverWebhookEndToEnd(t *testing.T) {
	recv := &flaky{fails: 2}
	srv := newServer(t, recv)
	attempts, err := Deliver(context.Background(), newTestNotifier(Config{WebhookSecret: testSecret}), Target{Kind: KindWebhook, URL: srv}, testPage,
		RetryPolicy{Rand: halfRand}, func(context.Context, time.Duration) error { return nil })
	if err != nil || attempts != 3 {
		t.Fatalf("Deliver = %d, %v; want 3 attempts and success", attempts, err)
	}
	if len(recv.keys) != 3 || recv.keys[0] != testPage.ID || recv.keys[2] != testPage.ID {
		t.Errorf("idempotency keys %v", recv.keys)
	}
}

// byKind fails the targets of the kinds it is given, permanently, and records calls.
type byKind struct {
	fail map[string]bool
	mu   sync.Mutex
	sent []string
}

func (b *byKind) Notify(_ context.Context, t Target, _ Page) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, t.Kind)
	if b.fail[t.Kind] {
		return &DeliveryError{Kind: t.Kind, Status: 404}
	}
	return nil
}

func TestPagePerson(t *testing.T) {
	person := Person{ID: "ana", Targets: []Target{{Kind: KindSlack, URL: "https://hooks.example.com/x"}, {Kind: KindEmail, Address: "ana@example.com"}}}
	tests := []struct {
		name   string
		fail   map[string]bool
		ok     bool
		failed []bool
	}{
		{"both delivered", nil, true, []bool{false, false}},
		{"one of two is enough", map[string]bool{KindSlack: true}, true, []bool{true, false}},
		{"none delivered", map[string]bool{KindSlack: true, KindEmail: true}, false, []bool{true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := &byKind{fail: tc.fail}
			results, ok := PagePerson(context.Background(), n, person, testPage, RetryPolicy{}, func(context.Context, time.Duration) error { return nil })
			if ok != tc.ok || len(results) != 2 || len(n.sent) != 2 {
				t.Fatalf("PagePerson = %+v, %v (sent %v)", results, ok, n.sent)
			}
			for i, r := range results {
				if r.Target != person.Targets[i] || r.Attempts != 1 || (r.Err != nil) != tc.failed[i] {
					t.Errorf("result %d = %+v", i, r)
				}
			}
		})
	}
	if results, ok := PagePerson(context.Background(), &byKind{}, Person{ID: "nobody"}, testPage, RetryPolicy{}, nil); ok || len(results) != 0 {
		t.Errorf("a person without targets: %v, %v", results, ok)
	}
}

func TestDue(t *testing.T) {
	at := utc("2026-03-03 09:00:00")
	chain := testRota(t).Chain(at, 15*time.Minute)
	tests := []struct {
		name    string
		paged   int
		now     time.Time
		regions string
		next    time.Time
	}{
		{"at the escalation the first step is due", 0, at, "eu", at.Add(15 * time.Minute)},
		{"first paged, before the timeout: nothing", 1, at.Add(14 * time.Minute), "", at.Add(15 * time.Minute)},
		{"first paged, at the timeout: the next region", 1, at.Add(15 * time.Minute), "americas", at.Add(30 * time.Minute)},
		{"a late tick catches up", 1, at.Add(40 * time.Minute), "americas,apac", time.Time{}},
		{"all paged", 3, at.Add(time.Hour), "", time.Time{}},
		{"paged beyond the chain", 9, at, "", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			due, next := Due(chain, tc.paged, tc.now)
			var got []string
			for _, s := range due {
				got = append(got, s.Region)
			}
			if strings.Join(got, ",") != tc.regions || !next.Equal(tc.next) {
				t.Fatalf("Due = %v, %v; want %s, %v", got, next, tc.regions, tc.next)
			}
		})
	}
}
