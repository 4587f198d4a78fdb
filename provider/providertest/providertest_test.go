package providertest_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/providertest"
)

func TestSleepsRecordAndWantKindAccepts(t *testing.T) {
	var s providertest.Sleeps
	r := provider.Retry{Attempts: 3, Sleep: s.Sleep, Backoff: time.Second}
	_ = r.Do(context.Background(), func(context.Context) error {
		return &provider.Error{Service: "crm", Kind: provider.ErrProvider, Retryable: true}
	})
	if got := s.Got(); !slices.Equal(got, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("waits %v", got)
	}
	err := provider.StatusError("crm", "z", 429, nil, time.Now(), "", "slow")
	if pe := providertest.WantKind(t, err, "crm", provider.ErrRateLimited); pe.Status != 429 {
		t.Errorf("status %d", pe.Status)
	}
}

// fatal records a Fatalf and ends the goroutine, as testing.T does.
type fatal struct {
	testing.TB
	failed bool
}

func (f *fatal) Helper() {}
func (f *fatal) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}

func TestWantKindRefuses(t *testing.T) {
	for name, err := range map[string]error{
		"not a provider error": errors.New("plain"),
		"other service":        &provider.Error{Service: "payments", Kind: provider.ErrAuth},
		"other kind":           &provider.Error{Service: "crm", Kind: provider.ErrTimeout},
	} {
		f := &fatal{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			providertest.WantKind(f, err, "crm", provider.ErrAuth)
		}()
		<-done
		if !f.failed {
			t.Errorf("%s: accepted", name)
		}
	}
}
