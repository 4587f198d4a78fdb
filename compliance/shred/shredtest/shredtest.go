// Package shredtest provides an in-memory shred.KeyStore, for tests and benchmarks that seal
// fields exactly as ingest does without a PostgreSQL.
package shredtest

import (
	"context"
	"sync"

	"github.com/meridian-cs/meridian/compliance/shred"
)

// Keys is an in-memory shred.KeyStore; its zero value is ready to use.
type Keys struct {
	mu sync.Mutex
	m  map[string][]byte
}

func key(region, tenant, subject string) string { return region + "\x00" + tenant + "\x00" + subject }

// GetOrCreateKey implements shred.KeyStore.
func (k *Keys) GetOrCreateKey(_ context.Context, region, tenant, subject string, candidate []byte) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if v, ok := k.m[key(region, tenant, subject)]; ok {
		return v, nil
	}
	if k.m == nil {
		k.m = map[string][]byte{}
	}
	k.m[key(region, tenant, subject)] = candidate
	return candidate, nil
}

// GetKey implements shred.KeyStore.
func (k *Keys) GetKey(_ context.Context, region, tenant, subject string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if v, ok := k.m[key(region, tenant, subject)]; ok {
		return v, nil
	}
	return nil, shred.ErrErased
}

// DeleteKey implements shred.KeyStore.
func (k *Keys) DeleteKey(_ context.Context, region, tenant, subject string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, key(region, tenant, subject))
	return nil
}
