package auth

import (
	"errors"
	"strings"
	"testing"
)

// Every role × action answer comes from Policy, region scopes apply on top, and a refusal
// says which roles can and wraps ErrForbidden.
func TestCanAsksThePolicyAndTheKeysRegions(t *testing.T) {
	euAgent := Principal{Tenant: "t", Role: RoleAgent, Regions: []string{"eu"}}
	for _, c := range []struct {
		p      Principal
		a      Action
		region string
		can    bool
		msg    string
	}{
		{euAgent, ActionReadMetrics, "", true, ""},
		{euAgent, ActionReadMetrics, "eu", true, ""},
		{euAgent, ActionReadMetrics, "us", false, `may not access region "us"`},
		{euAgent, ActionPlan, "eu", false, `role "agent" cannot use workforce planning (roles that can: admin, supervisor, planner)`},
		{Principal{Role: RoleIngest}, ActionWriteEvents, "sea", true, ""},
		{Principal{Role: RoleIngest}, ActionReadMetrics, "", false, "cannot read metrics"},
		{Principal{Role: RoleExecutive}, ActionReadInsights, "", true, ""},
		{Principal{Role: RolePlanner}, ActionReadInsights, "", false, "cannot read insights"},
		{Principal{Role: "a-role-added-later"}, ActionReadMetrics, "", false, "cannot read metrics"},
	} {
		err := c.p.Check(c.a, c.region)
		if c.p.Can(c.a, c.region) != c.can || (err == nil) != c.can {
			t.Errorf("%s %s in %q: can %v (%v), want %v", c.p.Role, c.a, c.region, c.p.Can(c.a, c.region), err, c.can)
			continue
		}
		if err != nil && (!errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), c.msg)) {
			t.Errorf("%s %s in %q: %v, want ErrForbidden saying %q", c.p.Role, c.a, c.region, err, c.msg)
		}
	}
	for _, a := range Actions {
		for _, r := range Policy[a] {
			if !strings.Contains(strings.Join(roles, ","), r) {
				t.Errorf("policy of %s names unknown role %s", a, r)
			}
		}
	}
}
