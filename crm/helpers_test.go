package crm

import (
	"testing"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/providertest"
)

// wantKind checks err is a *provider.Error of service crm and the kind.
func wantKind(t *testing.T, err error, kind error) *provider.Error {
	t.Helper()
	return providertest.WantKind(t, err, "crm", kind)
}

func caseIDs(cs []Case) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}
