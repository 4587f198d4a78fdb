package compliance

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/meridian-cs/meridian/auth"
)

// The shipped file is the table Meridian applied when the policy was Go code: every role ×
// field × region gives the same outcome and k.
func TestShippedFieldPolicyIsTheBuiltInTable(t *testing.T) {
	clear, masked, hidden := Access{Outcome: OutcomeClear}, Access{Outcome: OutcomeMasked}, Access{Outcome: OutcomeHidden}
	agg := func(a Access) Access { a.MinCustomers = DefaultMinCustomers; return a }
	conv := []Access{clear, clear, clear, clear}
	none := []Access{hidden, hidden, hidden, hidden}
	want := map[string][]Access{ // text, customer_id, identity, order, phrase, example
		auth.RoleAdmin:      append(conv, agg(clear), agg(masked)),
		auth.RoleIngest:     append(none, agg(hidden), agg(hidden)),
		auth.RoleAgent:      append(conv, agg(hidden), agg(hidden)),
		auth.RoleSupervisor: append(conv, agg(clear), agg(masked)),
		auth.RolePlanner:    append(none, agg(hidden), agg(hidden)),
		auth.RoleAnalyst:    {masked, clear, hidden, hidden, agg(clear), agg(masked)},
		auth.RoleExecutive:  append(none, agg(clear), agg(hidden)),
		auth.RoleCompliance: append(conv, agg(hidden), agg(hidden)),
	}
	pol := DefaultPolicy()
	if len(pol.OverriddenRegions()) != 0 {
		t.Errorf("shipped policy overrides regions %v", pol.OverriddenRegions())
	}
	for _, role := range auth.Roles() {
		for i, f := range Fields {
			for _, region := range []string{"", "eu", "us", "sea"} {
				if got := pol.Access(role, region, f); got != want[role][i] {
					t.Errorf("%s %s in %q: %+v, want %+v", role, f, region, got, want[role][i])
				}
			}
		}
	}
}

const regionalPolicy = `
roles:
  agent: {text: clear, customer_id: clear, identity: clear}
  analyst:
    text: masked
    phrase: {outcome: clear, k: 8}
    example: masked
regions:
  eu:
    agent: {identity: masked}
    analyst: {phrase: {outcome: clear, k: 20}, example: hidden}
  sea:
    analyst: {text: hidden}
`

func writePolicy(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fields.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPolicyWithRegionOverrides(t *testing.T) {
	pol, err := LoadPolicy(writePolicy(t, regionalPolicy))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		role, region string
		f            Field
		want         Access
	}{
		{auth.RoleAgent, "eu", FieldIdentity, Access{Outcome: OutcomeMasked}},
		{auth.RoleAgent, "us", FieldIdentity, Access{Outcome: OutcomeClear}},
		{auth.RoleAgent, "", FieldIdentity, Access{Outcome: OutcomeClear}},
		{auth.RoleAgent, "eu", FieldText, Access{Outcome: OutcomeClear}},
		{auth.RoleAnalyst, "us", FieldPhrase, Access{Outcome: OutcomeClear, MinCustomers: 8}},
		{auth.RoleAnalyst, "eu", FieldPhrase, Access{Outcome: OutcomeClear, MinCustomers: 20}},
		// An override without k keeps the rule's; a rule without k gets the policy's.
		{auth.RoleAnalyst, "eu", FieldExample, Access{Outcome: OutcomeHidden, MinCustomers: DefaultMinCustomers}},
		{auth.RoleAnalyst, "sea", FieldPhrase, Access{Outcome: OutcomeClear, MinCustomers: 8}},
		{auth.RoleAnalyst, "sea", FieldText, Access{Outcome: OutcomeHidden}},
		{auth.RoleAnalyst, "us", FieldCustomerID, Access{Outcome: OutcomeHidden}},
		{auth.RoleAdmin, "eu", FieldText, Access{Outcome: OutcomeHidden}},
	} {
		if got := pol.Access(c.role, c.region, c.f); got != c.want {
			t.Errorf("%s %s in %q: %+v, want %+v", c.role, c.f, c.region, got, c.want)
		}
	}
	// Across regions: the strictest outcome and the largest k.
	if got := pol.Strictest(auth.RoleAnalyst, []string{"us", "eu", "sea"}, FieldPhrase); got != (Access{Outcome: OutcomeClear, MinCustomers: 20}) {
		t.Errorf("phrase across us, eu, sea: %+v", got)
	}
	if got := pol.Strictest(auth.RoleAnalyst, []string{"us", "sea"}, FieldText); got.Outcome != OutcomeHidden {
		t.Errorf("text across us, sea: %+v", got)
	}
	if got := pol.Strictest(auth.RoleAnalyst, []string{"us"}, FieldExample); got.Outcome != OutcomeMasked {
		t.Errorf("example in us: %+v", got)
	}
	// The configured k fills the rules without one, never the rules with one.
	k9, err := pol.WithMinCustomers(9)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := k9.Access(auth.RoleAnalyst, "eu", FieldExample), k9.Access(auth.RoleAnalyst, "eu", FieldPhrase); a.MinCustomers != 9 || b.MinCustomers != 20 {
		t.Errorf("with k 9: example %+v, phrase %+v", a, b)
	}
	if err := pol.CheckRegions([]string{"eu", "us", "sea"}); err != nil {
		t.Error(err)
	}
	if err := pol.CheckRegions([]string{"eu", "us"}); err == nil || !strings.Contains(err.Error(), "line 12: regions.sea: not a region of the residency policy (eu, us)") {
		t.Errorf("sea unknown: %v", err)
	}
}

func TestLoadPolicyRefusesBadFilesWithOneLine(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"unknown role", "roles:\n  agnet: {text: clear}\n", `line 2: roles: unknown role "agnet" (admin, ingest, agent,`},
		{"unknown field", "roles:\n  agent: {txt: clear}\n", `line 2: roles.agent: unknown field "txt" (text, customer_id, identity, order, phrase, example)`},
		{"unknown outcome", "roles:\n  agent:\n    text: maskd\n", `line 3: roles.agent.text: "maskd" is not an outcome (clear, masked or hidden)`},
		{"unknown outcome in a region", "roles: {agent: {}}\nregions:\n  eu:\n    agent: {identity: {outcome: visible}}\n", `line 4: regions.eu.agent.identity: "visible" is not an outcome`},
		{"unknown role in a region", "roles: {}\nregions:\n  eu:\n    boss: {text: clear}\n", `line 4: regions.eu: unknown role "boss"`},
		{"bad region name", "roles: {}\nregions:\n  EU-West: {}\n", `line 3: regions: "EU-West" is not a region name`},
		{"k below 2", "roles:\n  analyst: {phrase: {outcome: clear, k: 1}}\n", `line 2: roles.analyst.phrase.k: "1": want a whole number from 2`},
		{"k not a number", "roles:\n  analyst: {example: {outcome: masked, k: many}}\n", `roles.analyst.example.k: "many": want a whole number`},
		{"k on a field of one customer", "roles:\n  agent: {text: {outcome: clear, k: 5}}\n", `roles.agent.text: k applies to phrase and example only`},
		{"masked phrase", "roles:\n  analyst: {phrase: masked}\n", `roles.analyst.phrase: masked: personal data is always cut out of phrases`},
		{"masked customer id", "roles:\n  analyst: {customer_id: masked}\n", `roles.analyst.customer_id: masked: a customer id is a pseudonym`},
		{"no outcome", "roles:\n  analyst: {phrase: {k: 7}}\n", `roles.analyst.phrase: outcome missing`},
		{"role twice", "roles:\n  agent: {}\n  agent: {text: clear}\n", `line 3: roles: "agent" given twice`},
		{"unknown key", "roles: {}\nregion: {}\n", `line 2: unknown key "region" (roles or regions)`},
		{"no roles", "regions: {}\n", `roles: missing`},
		{"empty", "", `empty: a field policy lists roles`},
		{"not a mapping", "- agent\n", `line 1: a field policy is a mapping`},
		{"not YAML", "roles: [\n", `yaml: line 1:`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writePolicy(t, c.text)
			_, err := LoadPolicy(path)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "field policy "+path+": ") || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q, want one line naming %s and %q", msg, path, c.want)
			}
		})
	}
	if _, err := LoadPolicy(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// The gate applies a region's override to a principal reading a customer of that region,
// and audits the outcome it applied; customers of other regions keep the rules.
func TestGateAppliesTheCustomersRegionOverride(t *testing.T) {
	pol, err := ParsePolicy([]byte(regionalPolicy))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	g := &Gate{Auditor: rec, Policy: &pol}
	ctx := context.Background()
	agent := auth.Principal{Tenant: "t", Role: auth.RoleAgent}
	const phone = "+49 170 1234567"
	if got := g.Identity(ctx, agent, "eu", "c-eu", phone); got != Mask(phone) || got == phone {
		t.Errorf("agent reading an eu identity: %q", got)
	}
	if got := g.Identity(ctx, agent, "us", "c-us", phone); got != phone {
		t.Errorf("agent reading a us identity: %q", got)
	}
	if got := g.Text(ctx, agent, "eu", "c-eu", "call me on "+phone); got != "call me on "+phone {
		t.Errorf("agent reading eu text: %q", got)
	}
	analyst := auth.Principal{Tenant: "t", Role: auth.RoleAnalyst}
	if got := g.Text(ctx, analyst, "sea", "c-sea", "hello"); got != Hidden {
		t.Errorf("analyst reading sea text: %q", got)
	}
	if got := g.Example(ctx, analyst, "eu", "c-eu", "hello"); got != Hidden {
		t.Errorf("analyst reading an eu example: %q", got)
	}
	if k := g.MinCustomers(analyst, []string{"us", "eu"}, FieldPhrase); k != 20 {
		t.Errorf("k across us and eu: %d", k)
	}
	if k := g.MinCustomers(analyst, []string{"us"}, FieldPhrase); k != 8 {
		t.Errorf("k in us: %d", k)
	}
	want := []string{"eu " + OutcomeMasked, "us " + OutcomeClear, "eu " + OutcomeClear, "sea " + OutcomeHidden, "eu " + OutcomeHidden}
	if len(rec.entries) != len(want) {
		t.Fatalf("audit entries %+v", rec.entries)
	}
	for i, e := range rec.entries {
		if got := e.Region + " " + e.Outcome; got != want[i] {
			t.Errorf("audit entry %d: %s, want %s", i, got, want[i])
		}
	}
}

func TestRegionTable(t *testing.T) {
	var none strings.Builder
	DefaultPolicy().WriteRegionTable(&none)
	if none.Len() != 0 {
		t.Errorf("default policy's region table: %q", none.String())
	}
	pol, err := ParsePolicy([]byte(regionalPolicy))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	pol.WriteRegionTable(&b)
	want := "| region | role | text | customer_id | identity | order | phrase | example |\n|---|---|---|---|---|---|---|---|\n" +
		"| `eu` | `agent` | clear | clear | **masked** | hidden | hidden | hidden |\n" +
		"| `eu` | `analyst` | masked | hidden | hidden | hidden | **clear (k ≥ 20)** | **hidden** |\n" +
		"| `sea` | `analyst` | **hidden** | hidden | hidden | hidden | clear (k ≥ 8) | masked (k ≥ 5) |\n"
	if b.String() != want {
		t.Errorf("region table\n%s\nwant\n%s", b.String(), want)
	}
}

// A policy file is outside input: any bytes give a policy or an error, never a panic, and
// what is accepted only holds known roles, fields and outcomes and k ≥ 2.
func FuzzParsePolicy(f *testing.F) {
	f.Add(string(defaultFields))
	f.Add(regionalPolicy)
	f.Add("roles: &r {agent: {text: clear}}\nregions: {eu: *r}\n")
	f.Add("roles:\n  analyst: {phrase: {outcome: clear, k: 2}}\n")
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParsePolicy([]byte(in))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of several lines: %q", err)
			}
			return
		}
		check := func(where string, rules map[string]map[Field]Access) {
			for role, fields := range rules {
				if !strings.Contains(","+strings.Join(auth.Roles(), ",")+",", ","+role+",") {
					t.Fatalf("%s: role %q accepted", where, role)
				}
				for f, a := range fields {
					if !aggregated(f) && a.MinCustomers != 0 || aggregated(f) && a.MinCustomers != 0 && a.MinCustomers < 2 {
						t.Fatalf("%s: %s %s: k %d accepted", where, role, f, a.MinCustomers)
					}
					if strictness(a.Outcome) == 2 && a.Outcome != OutcomeHidden {
						t.Fatalf("%s: %s %s: outcome %q accepted", where, role, f, a.Outcome)
					}
				}
			}
		}
		check("roles", p.Rules)
		for r, rules := range p.Regions {
			check(r, rules)
		}
		regions := append([]string{""}, p.OverriddenRegions()...)
		for _, role := range auth.Roles() {
			for _, f := range Fields {
				all := p.Strictest(role, regions, f)
				for _, r := range regions {
					a := p.Access(role, r, f)
					if strictness(a.Outcome) > strictness(all.Outcome) || a.MinCustomers > all.MinCustomers || aggregated(f) && a.MinCustomers < 2 {
						t.Fatalf("%s %s: %+v in %q, strictest %+v", role, f, a, r, all)
					}
				}
			}
		}
		var b strings.Builder
		p.WriteTable(&b)
		p.WriteRegionTable(&b)
	})
}

// recorder is an Auditor that keeps entries for inspection.
type recorder struct {
	mu      sync.Mutex
	entries []AuditEntry
}

func (r *recorder) Record(_ context.Context, e AuditEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, e)
}

// A region named with no overrides is still checked: a misspelt region is an error even
// before rules are written under it.
func TestCheckRegionsOfAnEmptyOverride(t *testing.T) {
	pol, err := ParsePolicy([]byte("roles: {agent: {text: clear}}\nregions:\n  apac: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pol.CheckRegions([]string{"eu", "us"}); err == nil || !strings.Contains(err.Error(), "line 3: regions.apac: not a region") {
		t.Errorf("apac: %v", err)
	}
}
