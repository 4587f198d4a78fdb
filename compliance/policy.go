package compliance

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

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
	// caller may ask for more, never for less. 0 in a rule means the policy's MinCustomers.
	MinCustomers int
}

// Policy is the role × field table the gate applies, with overrides per region. A role or
// field it does not list is hidden, so a role added later sees nothing until the policy
// names it. It is data: DefaultPolicy is fields.default.yaml, LoadPolicy reads another file.
// A Policy is not changed after it is made; the gate reads it concurrently.
type Policy struct {
	// Rules is role → field → access, for data of customers in any region.
	Rules map[string]map[Field]Access
	// Regions is region → role → field → access: for data of customers in that region these
	// replace Rules (an override without k keeps the rule's k).
	Regions map[string]map[string]map[Field]Access
	// MinCustomers is k of the aggregated rules that give none; 0 means DefaultMinCustomers.
	MinCustomers int

	regionLines map[string]int // where each region's overrides start, for CheckRegions
}

// DefaultPolicy is Meridian's policy (fields.default.yaml). Agents, supervisors, admins and
// compliance officers read conversations in the clear; analysts read them masked; planners
// and executives read aggregates only. Phrases are shown to every insight role when k =
// DefaultMinCustomers customers share them; examples need the same k and are masked even
// for roles that read conversations in the clear (they illustrate a theme, they are not a
// case), and hidden for executives. It has no region overrides.
func DefaultPolicy() Policy {
	p, err := ParsePolicy(defaultFields)
	if err != nil {
		panic("compliance: shipped field policy is invalid: " + err.Error()) // a build mistake; tests catch it
	}
	return p
}

// WithMinCustomers returns the policy with k for every aggregated rule that gives none (at
// least 2: one customer alone is no crowd). Rules with their own k keep it.
func (p Policy) WithMinCustomers(k int) (Policy, error) {
	if k < 2 {
		return Policy{}, fmt.Errorf("compliance: k = %d: a phrase must be shared by at least 2 customers", k)
	}
	p.MinCustomers = k
	return p, nil
}

// Access returns how role sees field f of a customer in region ("" = the rules without
// region overrides). Aggregated fields never get a k below 2, whatever the table says, and
// hidden is the answer for anything not listed.
func (p Policy) Access(role, region string, f Field) Access {
	a, ok := p.Rules[role][f]
	if o, over := p.Regions[region][role][f]; over && region != "" {
		if o.MinCustomers <= 0 {
			o.MinCustomers = a.MinCustomers
		}
		a, ok = o, true
	}
	if !ok || a.Outcome == "" {
		return Access{Outcome: OutcomeHidden, MinCustomers: p.minK(f, 0)}
	}
	a.MinCustomers = p.minK(f, a.MinCustomers)
	return a
}

// Strictest returns how role sees field f in a read that spans regions: the strictest
// outcome (hidden over masked over clear) and the largest k of the regions' rules. No
// regions means the rules without region overrides.
func (p Policy) Strictest(role string, regions []string, f Field) Access {
	if len(regions) == 0 {
		return p.Access(role, "", f)
	}
	out := p.Access(role, regions[0], f)
	for _, r := range regions[1:] {
		a := p.Access(role, r, f)
		if strictness(a.Outcome) > strictness(out.Outcome) {
			out.Outcome = a.Outcome
		}
		out.MinCustomers = max(out.MinCustomers, a.MinCustomers)
	}
	return out
}

func strictness(outcome string) int {
	switch outcome {
	case OutcomeClear:
		return 0
	case OutcomeMasked:
		return 1
	}
	return 2
}

// aggregated reports whether f is drawn from many customers' messages, so has a k.
func aggregated(f Field) bool { return f == FieldPhrase || f == FieldExample }

// minK is the k of field f: aggregated fields always have one (the policy's when unset),
// others none.
func (p Policy) minK(f Field, k int) int {
	if !aggregated(f) {
		return 0
	}
	if k <= 0 {
		k = p.MinCustomers
	}
	if k <= 0 {
		return DefaultMinCustomers
	}
	return max(k, 2)
}

// Roles returns the roles that see field f at all (not hidden) by the rules without region
// overrides, sorted.
func (p Policy) Roles(f Field) []string {
	var out []string
	for role := range p.Rules {
		if p.Access(role, "", f).Outcome != OutcomeHidden {
			out = append(out, role)
		}
	}
	sort.Strings(out)
	return out
}

// OverriddenRegions lists the regions with overrides, sorted.
func (p Policy) OverriddenRegions() []string {
	out := make([]string, 0, len(p.Regions))
	for r, roles := range p.Regions {
		if len(roles) > 0 {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// CheckRegions reports a region override naming a region not in known (the residency
// policy's regions): its rules would never apply.
func (p Policy) CheckRegions(known []string) error {
	// Every region named, also one without rules (OverriddenRegions leaves those out).
	for _, r := range slices.Sorted(maps.Keys(p.Regions)) {
		if !slices.Contains(known, r) {
			err := fmt.Errorf("regions.%s: not a region of the residency policy (%s)", r, strings.Join(known, ", "))
			if line := p.regionLines[r]; line > 0 {
				err = fmt.Errorf("line %d: %w", line, err)
			}
			return err
		}
	}
	return nil
}

// Fields lists the fields the policy rules on, in the order the documentation shows them.
var Fields = []Field{FieldText, FieldCustomerID, FieldIdentity, FieldOrder, FieldPhrase, FieldExample}

// WriteTable writes the role × field table without region overrides as Markdown (README.md
// and `meridian config` show it): each role's outcome per field, with k for fields
// aggregated from many customers.
func (p Policy) WriteTable(w io.Writer) {
	writeHeader(w, "role")
	for _, r := range auth.Roles() {
		fmt.Fprintf(w, "| `%s` |", r)
		for _, f := range Fields {
			fmt.Fprintf(w, " %s |", cell(p.Access(r, "", f)))
		}
		fmt.Fprintln(w)
	}
}

// writeHeader writes a Markdown table's header: the leading columns, then one per field.
func writeHeader(w io.Writer, lead ...string) {
	fmt.Fprint(w, "|")
	for _, l := range lead {
		fmt.Fprintf(w, " %s |", l)
	}
	for _, f := range Fields {
		fmt.Fprintf(w, " %s |", f)
	}
	fmt.Fprint(w, "\n|")
	for range len(lead) + len(Fields) {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
}

// WriteRegionTable writes, as Markdown, one row per region and role with overrides: how the
// role sees each field of that region's customers, overridden cells in bold. It writes
// nothing for a policy without overrides.
func (p Policy) WriteRegionTable(w io.Writer) {
	regions := p.OverriddenRegions()
	if len(regions) == 0 {
		return
	}
	writeHeader(w, "region", "role")
	for _, region := range regions {
		for _, r := range auth.Roles() {
			over := p.Regions[region][r]
			if len(over) == 0 {
				continue
			}
			fmt.Fprintf(w, "| `%s` | `%s` |", region, r)
			for _, f := range Fields {
				c := cell(p.Access(r, region, f))
				if _, ok := over[f]; ok {
					c = "**" + c + "**"
				}
				fmt.Fprintf(w, " %s |", c)
			}
			fmt.Fprintln(w)
		}
	}
}

func cell(a Access) string {
	if a.Outcome != OutcomeHidden && a.MinCustomers > 0 {
		return fmt.Sprintf("%s (k ≥ %d)", a.Outcome, a.MinCustomers)
	}
	return a.Outcome
}
