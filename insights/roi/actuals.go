package roi

import (
	"fmt"
	"strings"
)

// Actuals are measured figures, typically aggregated from ClickHouse by the caller, that
// replace the scenario's assumptions. A nil field keeps the scenario's value. Setting a
// driver of a dimension whose basis is direct switches that dimension to drivers, since a
// measured driver is better evidence than an assumed total; setting an itemised cost
// replaces an implied costs.total. Every replacement is reported as an Override.
type Actuals struct {
	// Source says where the figures come from (e.g. "clickhouse tenant=acme 2025-01..06").
	Source string

	AnnualContacts       *float64 // value.efficiency.drivers.annual_contacts
	CostPerContactBefore *float64 // value.efficiency.drivers.cost_per_contact_before
	CostPerContactAfter  *float64 // value.efficiency.drivers.cost_per_contact_after
	AIContainment        *float64 // value.efficiency.drivers.ai_containment
	AICostPerContact     *float64 // value.efficiency.drivers.ai_cost_per_contact
	HumanCostPerContact  *float64 // value.efficiency.drivers.human_cost_per_contact

	Customers      *float64 // value.retention.drivers.customers
	BaselineChurn  *float64 // value.retention.drivers.baseline_churn
	ChurnReduction *float64 // value.retention.drivers.churn_reduction
	LifetimeValue  *float64 // value.retention.drivers.lifetime_value

	Licence             *float64 // costs.one_off.licence
	Integration         *float64 // costs.one_off.integration
	Training            *float64 // costs.one_off.training
	CloudMonthly        *float64 // costs.monthly.cloud
	ContentMonthly      *float64 // costs.monthly.content
	OptimisationMonthly *float64 // costs.monthly.optimisation
}

// An Override records one scenario input replaced by an actual.
type Override struct {
	Path   string   `json:"path"`
	Old    *float64 `json:"old"`
	New    float64  `json:"new"`
	Source string   `json:"source,omitempty"`
	Note   string   `json:"note,omitempty"`
}

func (o Override) describe() string {
	old := "not given"
	if o.Old != nil {
		old = num(*o.Old)
	}
	s := fmt.Sprintf("actual replaces scenario value %s", old)
	if o.Source != "" {
		s += " (" + o.Source + ")"
	}
	if o.Note != "" {
		s += "; " + o.Note
	}
	return s
}

func (a *Actuals) fields() []struct {
	path string
	v    *float64
} {
	e, r := "value.efficiency.drivers.", "value.retention.drivers."
	return []struct {
		path string
		v    *float64
	}{
		{e + "annual_contacts", a.AnnualContacts},
		{e + "cost_per_contact_before", a.CostPerContactBefore},
		{e + "cost_per_contact_after", a.CostPerContactAfter},
		{e + "ai_containment", a.AIContainment},
		{e + "ai_cost_per_contact", a.AICostPerContact},
		{e + "human_cost_per_contact", a.HumanCostPerContact},
		{r + "customers", a.Customers},
		{r + "baseline_churn", a.BaselineChurn},
		{r + "churn_reduction", a.ChurnReduction},
		{r + "lifetime_value", a.LifetimeValue},
		{"costs.one_off.licence", a.Licence},
		{"costs.one_off.integration", a.Integration},
		{"costs.one_off.training", a.Training},
		{"costs.monthly.cloud", a.CloudMonthly},
		{"costs.monthly.content", a.ContentMonthly},
		{"costs.monthly.optimisation", a.OptimisationMonthly},
	}
}

// apply returns a copy of s with the actuals in place.
func (a *Actuals) apply(s Scenario) (Scenario, []Override, error) {
	c := s.Clone()
	byPath := map[string]input{}
	for _, in := range c.inputs() {
		byPath[in.path] = in
	}
	var overrides []Override
	var errs []error
	for _, f := range a.fields() {
		if f.v == nil {
			continue
		}
		in := byPath[f.path]
		if err := in.check(*f.v); err != nil {
			errs = append(errs, fmt.Errorf("actuals: %w", err))
			continue
		}
		o := Override{Path: f.path, New: *f.v, Source: a.Source}
		if *in.p != nil {
			o.Old = ptr(**in.p)
		}
		*in.p = ptr(*f.v)
		switch {
		case strings.HasPrefix(f.path, "value.efficiency.") && c.Value.Efficiency.Basis != BasisDrivers:
			c.Value.Efficiency.Basis = BasisDrivers
			o.Note = "value.efficiency.basis switched to drivers"
		case strings.HasPrefix(f.path, "value.retention.") && c.Value.Retention.Basis != BasisDrivers:
			c.Value.Retention.Basis = BasisDrivers
			o.Note = "value.retention.basis switched to drivers"
		case strings.HasPrefix(f.path, "costs.") && c.Costs.Total.given():
			c.Costs.Total = TotalCost{}
			o.Note = "costs.total replaced by itemised actuals; items not measured count as 0"
		}
		overrides = append(overrides, o)
	}
	if err := join(errs); err != nil {
		return Scenario{}, nil, fmt.Errorf("roi: %w", err)
	}
	return c, overrides, nil
}
