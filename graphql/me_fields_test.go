package graphql_test

import (
	"slices"
	"testing"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/graphql"
)

const meFieldsQuery = `{ me { role regions fields { field outcome regions { region outcome } } } }`

type meFields struct {
	Me struct {
		Role    string
		Regions []string
		Fields  []struct {
			Field, Outcome string
			Regions        []struct{ Region, Outcome string }
		}
	}
}

// outcomes maps field to outcome, and field/region to the region's.
func (m meFields) outcomes() map[string]string {
	out := map[string]string{}
	for _, f := range m.Me.Fields {
		out[f.Field] = f.Outcome
		for _, r := range f.Regions {
			out[f.Field+"/"+r.Region] = r.Outcome
		}
	}
	return out
}

// me tells each role what the shipped field policy (compliance/fields.default.yaml) lets it
// see, in every region of its key.
func TestMeFieldsFollowTheFieldPolicyForEveryRole(t *testing.T) {
	const c, m, x = compliance.OutcomeClear, compliance.OutcomeMasked, compliance.OutcomeHidden
	// text, customer_id, identity, order, phrase, example
	want := map[string][6]string{
		auth.RoleAdmin:      {c, c, c, c, c, m},
		auth.RoleAgent:      {c, c, c, c, x, x},
		auth.RoleSupervisor: {c, c, c, c, c, m},
		auth.RolePlanner:    {x, x, x, x, x, x},
		auth.RoleAnalyst:    {m, c, x, x, c, m},
		auth.RoleExecutive:  {x, x, x, x, c, x},
		auth.RoleCompliance: {c, c, c, c, x, x},
		auth.RoleIngest:     {x, x, x, x, x, x},
	}
	h := graphql.NewHandler(graphql.Config{Engine: engine, Gate: compliance.NewGate(&recorder{})})
	for _, role := range auth.Roles() {
		w, ok := want[role]
		if !ok {
			t.Errorf("role %s: no expected field access in this test", role)
			continue
		}
		var got meFields
		do(t, h, &auth.Principal{Tenant: "me", Role: role}, meFieldsQuery, nil, &got)
		if len(got.Me.Regions) == 0 || len(got.Me.Fields) != len(compliance.Fields) {
			t.Fatalf("%s: me %+v", role, got.Me)
		}
		o := got.outcomes()
		for i, f := range compliance.Fields {
			if o[string(f)] != w[i] {
				t.Errorf("%s sees %s %q, want %q", role, f, o[string(f)], w[i])
			}
			for _, r := range got.Me.Regions {
				if o[string(f)+"/"+r] != w[i] {
					t.Errorf("%s sees %s in %s %q, want %q", role, f, r, o[string(f)+"/"+r], w[i])
				}
			}
		}
	}
}

// A region's override shows in that region and makes the strictest outcome; a key of other
// regions does not see it.
func TestMeFieldsNameRegionOverrides(t *testing.T) {
	pol, err := compliance.ParsePolicy([]byte("roles:\n  analyst: {text: masked, phrase: clear}\nregions:\n  eu: {analyst: {text: hidden}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := graphql.NewHandler(graphql.Config{Engine: engine, Gate: &compliance.Gate{Policy: &pol, Auditor: &recorder{}}})
	var all, us meFields
	do(t, h, &auth.Principal{Tenant: "me", Role: auth.RoleAnalyst}, meFieldsQuery, nil, &all)
	if !slices.Contains(all.Me.Regions, "eu") || !slices.Contains(all.Me.Regions, "us") {
		t.Fatalf("regions %v", all.Me.Regions)
	}
	if o := all.outcomes(); o["text"] != "hidden" || o["text/eu"] != "hidden" || o["text/us"] != "masked" || o["phrase"] != "clear" || o["identity/us"] != "hidden" {
		t.Errorf("analyst of every region: %v", o)
	}
	do(t, h, &auth.Principal{Tenant: "me", Role: auth.RoleAnalyst, Regions: []string{"us"}}, meFieldsQuery, nil, &us)
	if o := us.outcomes(); o["text"] != "masked" || o["text/us"] != "masked" || o["text/eu"] != "" {
		t.Errorf("analyst of region us: %v", o)
	}
}
