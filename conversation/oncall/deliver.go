package oncall

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// RetryPolicy is how [Deliver] retries one target. Zero values take the defaults.
type RetryPolicy struct {
	// MaxAttempts caps the attempts, the first included. Default 5.
	MaxAttempts int
	// Initial is the wait after the first failure; each later wait is Multiplier times the
	// one before, up to Max. Defaults 1 s, 2, 1 min.
	Initial    time.Duration
	Multiplier float64
	Max        time.Duration
	// Jitter takes up to this fraction off each wait at random, so that many pages failing
	// together do not retry together. Default 0.2; negative means none.
	Jitter float64
	// MaxRetryAfter caps a receiver's Retry-After; a longer wish ends the retries (the next
	// region will be paged before then anyway). Default 5 min.
	MaxRetryAfter time.Duration
	// Rand returns a number in [0, 1) for the jitter; default math/rand/v2.
	Rand func() float64
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.Initial <= 0 {
		p.Initial = time.Second
	}
	if p.Multiplier < 1 {
		p.Multiplier = 2
	}
	if p.Max <= 0 {
		p.Max = time.Minute
	}
	if p.Jitter == 0 {
		p.Jitter = 0.2
	}
	if p.Jitter < 0 {
		p.Jitter = 0
	}
	if p.Jitter > 1 {
		p.Jitter = 1
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 5 * time.Minute
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return p
}

// Backoff is the wait before attempt number attempt+1 (attempt counts from 1), before
// jitter.
func (p RetryPolicy) Backoff(attempt int) time.Duration {
	p = p.withDefaults()
	d := float64(p.Initial)
	for i := 1; i < attempt && d < float64(p.Max); i++ {
		d *= p.Multiplier
	}
	return min(time.Duration(d), p.Max)
}

// Sleep waits d or until ctx is done; it is Deliver's default sleep.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Deliver sends p to t through n, retrying retryable failures with exponential backoff and
// jitter (or the receiver's Retry-After, when longer) until an attempt succeeds, an error is
// permanent, MaxAttempts is reached, or the next wait would outlast ctx's deadline. sleep
// waits between attempts (nil means [Sleep]); tests pass one that only records. It returns
// the attempts made and, on failure, the last error wrapped with the count: the caller
// records it (a failed page is an event and a metric, never silence) and moves on to the
// chain's next target or step.
func Deliver(ctx context.Context, n Notifier, t Target, p Page, policy RetryPolicy, sleep func(context.Context, time.Duration) error) (attempts int, err error) {
	policy = policy.withDefaults()
	if sleep == nil {
		sleep = Sleep
	}
	for {
		if cerr := ctx.Err(); cerr != nil {
			if err == nil {
				err = cerr
			}
			return attempts, fmt.Errorf("oncall: page %s to %s: stopped after %d attempts: %w", p.ID, t.Kind, attempts, err)
		}
		attempts++
		err = n.Notify(ctx, t, p)
		if err == nil {
			return attempts, nil
		}
		retry, after := Retryable(err)
		if !retry {
			return attempts, fmt.Errorf("oncall: page %s to %s: permanent failure after %d attempts: %w", p.ID, t.Kind, attempts, err)
		}
		if attempts >= policy.MaxAttempts {
			return attempts, fmt.Errorf("oncall: page %s to %s: gave up after %d attempts: %w", p.ID, t.Kind, attempts, err)
		}
		if after > policy.MaxRetryAfter {
			return attempts, fmt.Errorf("oncall: page %s to %s: receiver asks to wait %s, gave up after %d attempts: %w", p.ID, t.Kind, after, attempts, err)
		}
		wait := policy.Backoff(attempts)
		wait -= time.Duration(float64(wait) * policy.Jitter * policy.Rand())
		wait = max(wait, after)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return attempts, fmt.Errorf("oncall: page %s to %s: deadline before the next attempt, gave up after %d attempts: %w", p.ID, t.Kind, attempts, err)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return attempts, fmt.Errorf("oncall: page %s to %s: stopped after %d attempts (%w): %w", p.ID, t.Kind, attempts, serr, err)
		}
	}
}

// Result is the outcome of paging one target.
type Result struct {
	Target   Target
	Attempts int
	Err      error // nil when delivered
}

// PagePerson delivers p to every target of the person at once (a slow e-mail relay must
// not hold up the chat message) and waits for all. ok is true when at least one target got
// the page. sleep must be safe for concurrent use; nil means [Sleep].
func PagePerson(ctx context.Context, n Notifier, person Person, p Page, policy RetryPolicy, sleep func(context.Context, time.Duration) error) (results []Result, ok bool) {
	results = make([]Result, len(person.Targets))
	var wg sync.WaitGroup
	for i, t := range person.Targets {
		wg.Go(func() {
			attempts, err := Deliver(ctx, n, t, p, policy, sleep)
			results[i] = Result{Target: t, Attempts: attempts, Err: err}
		})
	}
	wg.Wait()
	for _, r := range results {
		ok = ok || r.Err == nil
	}
	return results, ok
}

// Due is the engine's clock over a chain: given that the first paged steps were paged and
// nobody has acknowledged, it returns the steps due at now (At not after now) and when the
// next one falls due (zero when none is left).
func Due(chain []Step, paged int, now time.Time) (due []Step, next time.Time) {
	for _, s := range chain[min(max(paged, 0), len(chain)):] {
		if s.At.After(now) {
			return due, s.At
		}
		due = append(due, s)
	}
	return due, time.Time{}
}
