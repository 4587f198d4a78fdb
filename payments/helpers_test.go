package payments

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// sleeps records the waits an adapter asked for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func wantKind(t *testing.T, err error, kind error) *provider.Error {
	t.Helper()
	var pe *provider.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *provider.Error", err, err)
	}
	if pe.Service != "payments" || !errors.Is(err, kind) {
		t.Fatalf("error %v: service %q, want payments and kind %v", err, pe.Service, kind)
	}
	return pe
}

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var ie *InvalidError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) || ie.Field != field {
		t.Errorf("error %v, want an InvalidError naming %s", err, field)
	}
}
