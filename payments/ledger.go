package payments

import (
	"context"
	"sync"
)

// Record is what a ledger keeps per idempotency key.
type Record struct {
	// Fingerprint digests the request the key was first used for.
	Fingerprint string
	Refund      Refund
	Link        Link
}

// Ledger remembers, per idempotency key, the refund or link a key produced. The adapters
// use MemoryLedger unless given another; a durable one (PostgreSQL) keeps the promise
// across restarts.
type Ledger interface {
	Load(ctx context.Context, key string) (Record, bool, error)
	Store(ctx context.Context, key string, r Record) error
}

// MemoryLedger is a Ledger in memory.
type MemoryLedger struct {
	mu sync.Mutex
	m  map[string]Record
}

// NewMemoryLedger returns an empty MemoryLedger.
func NewMemoryLedger() *MemoryLedger { return &MemoryLedger{m: map[string]Record{}} }

// Load implements Ledger.
func (l *MemoryLedger) Load(_ context.Context, key string) (Record, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.m[key]
	return r, ok, nil
}

// Store implements Ledger.
func (l *MemoryLedger) Store(_ context.Context, key string, r Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[key] = r
	return nil
}

// once runs a request at most once per key to success: a stored record for the key is
// returned (or refused when its fingerprint differs), calls with the same key wait for
// each other, and only a successful result is stored, so a failed call may be asked again
// (with the same provider ids, which the provider deduplicates).
type once struct {
	ledger Ledger
	mu     sync.Mutex
	locks  map[string]*keyLock
}

type keyLock struct {
	ch   chan struct{} // a one-slot semaphore, so waiting can stop with ctx
	refs int
}

func newOnce(l Ledger) *once {
	if l == nil {
		l = NewMemoryLedger()
	}
	return &once{ledger: l, locks: map[string]*keyLock{}}
}

func (o *once) do(ctx context.Context, key, fingerprint string, run func() (Record, error)) (Record, error) {
	o.mu.Lock()
	kl := o.locks[key]
	if kl == nil {
		kl = &keyLock{ch: make(chan struct{}, 1)}
		o.locks[key] = kl
	}
	kl.refs++
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		if kl.refs--; kl.refs == 0 {
			delete(o.locks, key)
		}
		o.mu.Unlock()
	}()
	select {
	case kl.ch <- struct{}{}:
	case <-ctx.Done():
		return Record{}, ctx.Err()
	}
	defer func() { <-kl.ch }()

	if r, ok, err := o.ledger.Load(ctx, key); err != nil {
		return Record{}, err
	} else if ok {
		if r.Fingerprint != fingerprint {
			return Record{}, ErrKeyReused
		}
		return r, nil
	}
	r, err := run()
	if err != nil {
		return Record{}, err
	}
	r.Fingerprint = fingerprint
	if err := o.ledger.Store(ctx, key, r); err != nil {
		return Record{}, err
	}
	return r, nil
}
