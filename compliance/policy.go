package compliance

import (
	"fmt"
	"io"
	"sort"

	"github.com/meridian-cs/meridian/auth"
)

// Field is a kind of personal data the API shows.
type Field string

// Fields the policy rules on.
const (
	// FieldText is a message's text, read in a conversation.
	FieldText Field = "text"
	// FieldCustomerID is the pseudonymous customer id.
	FieldCustomerID Field = "customer_id"
	// FieldIdentity is a value a customer is known by: a phone number, an e-mail address, a
	// platform user id.
	FieldIdentity Field = "identity"
	// FieldPhrase is a phrase or theme mined from message texts (opportunity mining).
	FieldPhrase Field = "phrase"
	// FieldExample is an example message of an insight report (a theme's examples).
	FieldExample Field = "example"
	// FieldOrder is a customer's order as the shop has it (number, status, total, delivery,
	// tracking link).
	FieldOrder Field = "order"
)

// DefaultMinCustomers is k of the default policy: a phrase, theme or example is shown only
// when messages of at least this many distinct customers contain it.
const DefaultMinCustomers = 5

// Access is how one role sees one field.
type Access struct {
	// Outcome is OutcomeClear, OutcomeMasked or OutcomeHidden.
	Outcome string
	// MinCustomers is k for fields aggregated from many messages (FieldPhrase,
	// FieldExample): shown only when at least k distinct customers' messages have it. A
	// caller may ask for more, never for less.
	MinCustomers int
}

// Policy is the role × field table the gate applies. A role or field it does not list is
// hidden, so a role added later sees nothing until the policy names it.
type Policy struct {
	Rules map[string]map[Field]Access
}

// DefaultPolicy is Meridian's policy. Agents, supervisors, admins and compliance officers
// read conversations in the clear; analysts read them masked; planners and executives
// read aggregates only. Phrases are shown to every insight role when k =
// DefaultMinCustomers customers share them; examples need the same k and are masked even
// for roles that read conversations in the clear (they illustrate a theme, they are not a
// case), and hidden for executives.
func DefaultPolicy() Policy {
	k := DefaultMinCustomers
	conv := map[Field]Access{FieldText: {Outcome: OutcomeClear}, FieldCustomerID: {Outcome: OutcomeClear}, FieldIdentity: {Outcome: OutcomeClear},
		FieldOrder: {Outcome: OutcomeClear}}
	insight := map[Field]Access{FieldPhrase: {Outcome: OutcomeClear, MinCustomers: k}, FieldExample: {Outcome: OutcomeMasked, MinCustomers: k}}
	merge := func(ms ...map[Field]Access) map[Field]Access {
		out := map[Field]Access{}
		for _, m := range ms {
			for f, a := range m {
				out[f] = a
			}
		}
		return out
	}
	return Policy{Rules: map[string]map[Field]Access{
		auth.RoleAgent:      merge(conv),
		auth.RoleCompliance: merge(conv),
		auth.RoleSupervisor: merge(conv, insight),
		auth.RoleAdmin:      merge(conv, insight),
		auth.RoleAnalyst: merge(insight, map[Field]Access{
			FieldText: {Outcome: OutcomeMasked}, FieldCustomerID: {Outcome: OutcomeClear},
		}),
		auth.RoleExecutive: {
			FieldPhrase:  {Outcome: OutcomeClear, MinCustomers: k},
			FieldExample: {Outcome: OutcomeHidden, MinCustomers: k},
		},
		auth.RolePlanner: {},
		auth.RoleIngest:  {},
	}}
}

// WithMinCustomers returns a copy of the policy where every rule with a k has k (at least
// 2: one customer alone is no crowd).
func (p Policy) WithMinCustomers(k int) (Policy, error) {
	if k < 2 {
		return Policy{}, fmt.Errorf("compliance: k = %d: a phrase must be shared by at least 2 customers", k)
	}
	out := Policy{Rules: make(map[string]map[Field]Access, len(p.Rules))}
	for role, fields := range p.Rules {
		m := make(map[Field]Access, len(fields))
		for f, a := range fields {
			if a.MinCustomers > 0 {
				a.MinCustomers = k
			}
			m[f] = a
		}
		out.Rules[role] = m
	}
	return out, nil
}

// Access returns how role sees field f. Aggregated fields never get a k below 2, whatever
// the table says, and hidden is the answer for anything not listed.
func (p Policy) Access(role string, f Field) Access {
	a, ok := p.Rules[role][f]
	if !ok || a.Outcome == "" {
		return Access{Outcome: OutcomeHidden, MinCustomers: minK(f, 0)}
	}
	a.MinCustomers = minK(f, a.MinCustomers)
	return a
}

// minK is the k of field f: aggregated fields always have one (the default when unset).
func minK(f Field, k int) int {
	if f != FieldPhrase && f != FieldExample {
		return k
	}
	if k <= 0 {
		return DefaultMinCustomers
	}
	return max(k, 2)
}

// Roles returns the roles that see field f at all (not hidden), sorted.
func (p Policy) Roles(f Field) []string {
	var out []string
	for role := range p.Rules {
		if p.Access(role, f).Outcome != OutcomeHidden {
			out = append(out, role)
		}
	}
	sort.Strings(out)
	return out
}

// Fields lists the fields the policy rules on, in the order the documentation shows them.
var Fields = []Field{FieldText, FieldCustomerID, FieldIdentity, FieldOrder, FieldPhrase, FieldExample}

// WriteTable writes the role × field table as Markdown (README.md and `meridian config` show
// it): each role's outcome per field, with k for fields aggregated from many customers.
func (p Policy) WriteTable(w io.Writer) {
	fmt.Fprint(w, "| role |")
	for _, f := range Fields {
		fmt.Fprintf(w, " %s |", f)
	}
	fmt.Fprint(w, "\n|---|")
	for range Fields {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for _, r := range auth.Roles() {
		fmt.Fprintf(w, "| `%s` |", r)
		for _, f := range Fields {
			a := p.Access(r, f)
			cell := a.Outcome
			if a.Outcome != OutcomeHidden && a.MinCustomers > 0 {
				cell += fmt.Sprintf(" (k ≥ %d)", a.MinCustomers)
			}
			fmt.Fprintf(w, " %s |", cell)
		}
		fmt.Fprintln(w)
	}
}
