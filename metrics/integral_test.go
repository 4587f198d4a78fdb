package metrics

import (
	"strings"
	"testing"
)

func TestIntegralMeasuresAreCounts(t *testing.T) {
	for name, m := range measures {
		if !Integral(name) {
			continue
		}
		if len(m.partials) != 1 || !(strings.HasPrefix(m.partials[0], "count") || strings.HasPrefix(m.partials[0], "uniqExact")) {
			t.Errorf("measure %q is reported integral but its partials %q are not one count", name, m.partials)
		}
	}
	for name, want := range map[string]bool{"messages": true, "customers": true, "contacts": true, "csat_avg": false, "ai_containment": false, "first_response_seconds": false, "no_such_measure": false} {
		if got := Integral(name); got != want {
			t.Errorf("Integral(%q) = %v, want %v", name, got, want)
		}
	}
}
