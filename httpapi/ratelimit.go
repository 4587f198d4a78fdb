package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate is a token bucket: PerSecond requests a second on average, Burst at once.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Off reports whether r limits nothing.
func (r Rate) Off() bool { return r.PerSecond <= 0 }

// String says the rate as operators configure it.
func (r Rate) String() string {
	if r.Off() {
		return "unlimited"
	}
	return fmt.Sprintf("%g requests/s, bursts of %d", r.PerSecond, r.Burst)
}

// RateLimiter keeps one token bucket per key, so one API key that floods an endpoint is
// answered 429 while the others' requests go on. Keys idle for longer than it takes to
// refill their bucket are forgotten, which bounds the memory to the keys recently active.
type RateLimiter struct {
	rate Rate
	now  func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter returns a limiter of r per key; a rate that is Off limits nothing.
func NewRateLimiter(r Rate) *RateLimiter {
	if r.Burst < 1 {
		r.Burst = max(1, int(math.Ceil(r.PerSecond)))
	}
	return &RateLimiter{rate: r, now: time.Now, buckets: map[string]*bucket{}}
}

// Reserve takes one token from key's bucket. It returns 0 when the request may go on, or how
// long the caller should wait before trying again.
func (l *RateLimiter) Reserve(key string) time.Duration {
	if l == nil || l.rate.Off() {
		return 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.rate.PerSecond), l.rate.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		// Refused requests take no token: a client that keeps retrying too early is not
		// pushed further back than its own rate.
		res.CancelAt(now)
		return d
	}
	return 0
}

// sweep forgets buckets that are full again, at most once a minute.
func (l *RateLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	full := time.Duration(float64(l.rate.Burst)/l.rate.PerSecond*float64(time.Second)) + time.Minute
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
}

// Middleware answers 429 with Retry-After (whole seconds) to requests whose key (keyOf, e.g.
// the hash of the API key the auth middleware accepted) has no token left.
func (l *RateLimiter) Middleware(keyOf func(*http.Request) string, onError ErrorWriter, next http.Handler) http.Handler {
	if l == nil || l.rate.Off() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := l.Reserve(keyOf(r)); d > 0 {
			secs := max(1, int(math.Ceil(d.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			onError(w, http.StatusTooManyRequests, fmt.Sprintf("rate limit of this API key exceeded (%s); retry after %d s", l.rate, secs))
			return
		}
		next.ServeHTTP(w, r)
	})
}
