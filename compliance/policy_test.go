package compliance

import (
	"context"
	"slices"
	"testing"

	"github.com/meridian-cs/meridian/auth"
)

func TestDefaultPolicyByRoleAndField(t *testing.T) {
	g := NewGate(SlogAuditor{})
	for _, c := range []struct {
		role    string
		f       Field
		outcome string
		k       int
	}{
		{auth.RoleAgent, FieldText, OutcomeClear, 0},
		{auth.RoleAnalyst, FieldText, OutcomeMasked, 0},
		{auth.RoleExecutive, FieldText, OutcomeHidden, 0},
		{auth.RolePlanner, FieldCustomerID, OutcomeHidden, 0},
		{auth.RoleAnalyst, FieldPhrase, OutcomeClear, DefaultMinCustomers},
		{auth.RoleExecutive, FieldPhrase, OutcomeClear, DefaultMinCustomers},
		{auth.RoleExecutive, FieldExample, OutcomeHidden, DefaultMinCustomers},
		{auth.RoleAdmin, FieldExample, OutcomeMasked, DefaultMinCustomers},
		{auth.RoleAgent, FieldPhrase, OutcomeHidden, DefaultMinCustomers},
		{auth.RoleAgent, FieldOrder, OutcomeClear, 0},
		{auth.RoleAnalyst, FieldOrder, OutcomeHidden, 0},
		{auth.RoleExecutive, FieldOrder, OutcomeHidden, 0},
		{"a-role-added-later", FieldPhrase, OutcomeHidden, DefaultMinCustomers},
	} {
		a := g.Access(auth.Principal{Role: c.role}, "eu", c.f)
		if a.Outcome != c.outcome || a.MinCustomers != c.k {
			t.Errorf("%s %s: %+v, want %s with k %d", c.role, c.f, a, c.outcome, c.k)
		}
	}
	if got := g.Roles(FieldPhrase); !slices.Equal(got, []string{auth.RoleAdmin, auth.RoleAnalyst, auth.RoleExecutive, auth.RoleSupervisor}) {
		t.Errorf("roles reading phrases: %v", got)
	}
}

func TestConfiguredK(t *testing.T) {
	pol, err := DefaultPolicy().WithMinCustomers(10)
	if err != nil {
		t.Fatal(err)
	}
	g := &Gate{Policy: &pol}
	if k := g.MinCustomers(auth.Principal{Role: auth.RoleExecutive}, nil, FieldPhrase); k != 10 {
		t.Errorf("k = %d, want 10", k)
	}
	if _, err := DefaultPolicy().WithMinCustomers(1); err == nil {
		t.Error("k = 1 was accepted")
	}
	// A table that sets k below 2 for an aggregated field still gets 2.
	low := Policy{Rules: map[string]map[Field]Access{auth.RoleAnalyst: {FieldPhrase: {Outcome: OutcomeClear, MinCustomers: 1}}}}
	if k := low.Access(auth.RoleAnalyst, "", FieldPhrase).MinCustomers; k != 2 {
		t.Errorf("k = %d, want the floor 2", k)
	}
}

func TestExampleIsMaskedOrHidden(t *testing.T) {
	g := NewGate(SlogAuditor{})
	text := "Mon IBAN est FR76 3000 6000 0112 3456 7890 189, mot de passe : zorglub"
	ctx := context.Background()
	if got := g.Example(ctx, auth.Principal{Role: auth.RoleAdmin}, "eu", "c1", text); got != "Mon IBAN est [iban], mot de passe : [secret]" {
		t.Errorf("admin example %q", got)
	}
	if got := g.Example(ctx, auth.Principal{Role: auth.RoleExecutive}, "eu", "c1", text); got != Hidden {
		t.Errorf("executive example %q", got)
	}
	if got := g.Text(ctx, auth.Principal{Role: auth.RoleAdmin}, "eu", "c1", text); got != text {
		t.Errorf("admin reading a conversation gets %q", got)
	}
}

// Who may call a report (auth.Policy) and how its fields are shown (this policy) agree: every
// role that may read insights sees mined phrases, every role that may read conversations sees
// their text in some form or hidden by design, and no role that may not read insights is
// given phrases.
func TestFieldPolicyAgreesWithWhoMayAct(t *testing.T) {
	insights := slices.Clone(auth.Policy[auth.ActionReadInsights])
	slices.Sort(insights)
	if got := DefaultPolicy().Roles(FieldPhrase); !slices.Equal(got, insights) {
		t.Fatalf("roles shown phrases %v, roles that may read insights %v", got, insights)
	}
	for _, role := range auth.Roles() {
		if !slices.Contains(auth.Policy[auth.ActionReadMetrics], role) && DefaultPolicy().Access(role, "", FieldText).Outcome != OutcomeHidden {
			t.Errorf("role %s may not read conversations but would see their text", role)
		}
	}
}

// Orders are shown to the roles that read customers, hidden from a region outside the key's
// scope, and every read is audited with its outcome.
func TestOrderReadsAreAudited(t *testing.T) {
	var got []AuditEntry
	g := NewGate(auditFunc(func(_ context.Context, e AuditEntry) { got = append(got, e) }))
	ctx := context.Background()
	agent := auth.Principal{Role: auth.RoleAgent, Regions: []string{"eu"}}
	if o := g.Order(ctx, agent, "eu", "c1"); o != OutcomeClear {
		t.Errorf("agent in eu: %s", o)
	}
	if o := g.Order(ctx, agent, "us", "c2"); o != OutcomeHidden {
		t.Errorf("agent in us: %s", o)
	}
	if o := g.Order(ctx, auth.Principal{Role: auth.RoleAnalyst}, "eu", "c1"); o != OutcomeHidden {
		t.Errorf("analyst: %s", o)
	}
	if len(got) != 3 || got[0].Action != ActionReadOrder || got[0].Subject != "c1" || got[1].Outcome != OutcomeHidden || got[2].Role != auth.RoleAnalyst {
		t.Fatalf("audit %+v", got)
	}
	for _, role := range auth.Roles() {
		if DefaultPolicy().Access(role, "", FieldOrder).Outcome != OutcomeHidden && !slices.Contains(auth.Policy[auth.ActionReadCustomers], role) {
			t.Errorf("role %s may not read customers but would see their orders", role)
		}
	}
}

// Selecting conversations by what their texts say is for roles that read the texts, in their
// regions; each conversation listed is audited with the outcome its texts read with.
func TestSearchFollowsTheTextRule(t *testing.T) {
	var got []AuditEntry
	g := NewGate(auditFunc(func(_ context.Context, e AuditEntry) { got = append(got, e) }))
	analyst := auth.Principal{Role: auth.RoleAnalyst, Regions: []string{"eu"}}
	for _, c := range []struct {
		p      auth.Principal
		region string
		want   bool
	}{
		{analyst, "eu", true}, {analyst, "us", false},
		{auth.Principal{Role: auth.RoleExecutive}, "eu", false},
		{auth.Principal{Role: auth.RoleSupervisor}, "us", true},
	} {
		if g.MaySearch(c.p, c.region) != c.want {
			t.Errorf("%s in %s: MaySearch = %v", c.p.Role, c.region, !c.want)
		}
	}
	g.Matched(context.Background(), analyst, "eu", "conv-1")
	g.Matched(context.Background(), analyst, "us", "conv-2")
	if len(got) != 2 || got[0].Action != ActionSearchText || got[0].Subject != "conv-1" || got[0].Outcome != OutcomeMasked || got[1].Outcome != OutcomeHidden {
		t.Fatalf("audit %+v", got)
	}
}

type auditFunc func(context.Context, AuditEntry)

func (f auditFunc) Record(ctx context.Context, e AuditEntry) { f(ctx, e) }
