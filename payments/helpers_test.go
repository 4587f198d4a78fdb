package payments

import (
	"errors"
	"testing"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/providertest"
)

// wantKind checks err is a *provider.Error of service payments and the kind.
func wantKind(t *testing.T, err error, kind error) *provider.Error {
	t.Helper()
	return providertest.WantKind(t, err, "payments", kind)
}

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var ie *InvalidError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) || ie.Field != field {
		t.Errorf("error %v, want an InvalidError naming %s", err, field)
	}
}
