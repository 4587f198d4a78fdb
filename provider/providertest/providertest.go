// Package providertest helps test the clients of outside services: a Sleep for Retry that
// records the waits instead of waiting, and a check that an error is the *provider.Error of
// a service and kind.
package providertest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// Sleeps records the waits a client asked for; its Sleep returns at once.
type Sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

// Sleep records d.
func (s *Sleeps) Sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

// Got is the waits recorded so far.
func (s *Sleeps) Got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// WantKind stops the test unless err is a *provider.Error of service and of kind.
func WantKind(t testing.TB, err error, service string, kind error) *provider.Error {
	t.Helper()
	var pe *provider.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *provider.Error", err, err)
	}
	if pe.Service != service || !errors.Is(err, kind) {
		t.Fatalf("error %v: service %q, want %s and kind %v", err, pe.Service, service, kind)
	}
	return pe
}
