package roi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// A Scenario is everything the model needs to value a service operation, as read from a
// scenario YAML file. Rates and shares are fractions (0.35 means 35%); money is in Currency.
//
// Every numeric input is a pointer so that "not given" differs from "zero": a missing input
// the model needs is an error naming its YAML path, never a silent 0.
type Scenario struct {
	Name string `yaml:"name"`
	// Description says in a sentence what the scenario models, for a reader choosing one.
	Description string `yaml:"description"`
	Source      string `yaml:"source"`
	Currency    string `yaml:"currency"`
	// HorizonYears is the appraisal period; direct dimension values are totals over it.
	// Default 3, as in the write-up.
	HorizonYears *float64 `yaml:"horizon_years"`
	// DiscountRate is the annual rate for NPV (0.10 = 10%). It must be above −100%.
	DiscountRate *float64 `yaml:"discount_rate"`
	// CashFlows is "monthly" (default) or "yearly": the period NPV discounts over.
	CashFlows string `yaml:"cash_flows"`
	// RampMonths spreads each dimension's value with a linear ramp to full run-rate over
	// this many months. It moves value later (lowering NPV, delaying payback) without changing
	// the horizon total, because the write-up states values as horizon totals.
	RampMonths *float64 `yaml:"ramp_months"`

	Value       Value           `yaml:"value"`
	Costs       Costs           `yaml:"costs"`
	Sensitivity SensitivitySpec `yaml:"sensitivity"`
}

// Value holds the five value dimensions of the write-up's ROI table. Each may be given
// directly (a horizon total, as the write-up does) or computed from drivers.
type Value struct {
	Retention     Retention     `yaml:"retention"`
	Efficiency    Efficiency    `yaml:"efficiency"`
	MarketInsight MarketInsight `yaml:"market_insight"`
	PricePremium  PricePremium  `yaml:"price_premium"`
	FinesAvoided  FinesAvoided  `yaml:"fines_avoided"`
}

// Basis says whether a dimension's value is taken as given or computed from its drivers.
type Basis string

// Bases a dimension can use. An empty basis means direct when a direct value is given and
// drivers otherwise.
const (
	BasisDirect  Basis = "direct"
	BasisDrivers Basis = "drivers"
)

// Retention is the value of customers kept who would otherwise have churned.
type Retention struct {
	Basis  Basis    `yaml:"basis"`
	Direct *float64 `yaml:"direct"`
	Note   string   `yaml:"note"`
	// Drivers: customers × baseline_churn × churn_reduction × lifetime_value per year.
	Drivers struct {
		Customers      *float64 `yaml:"customers"`       // international customers in scope
		BaselineChurn  *float64 `yaml:"baseline_churn"`  // annual churn before, fraction
		ChurnReduction *float64 `yaml:"churn_reduction"` // relative cut in churn, fraction
		LifetimeValue  *float64 `yaml:"lifetime_value"`  // value of one retained customer
	} `yaml:"drivers"`
}

// Efficiency is the saving in service cost: cheaper contacts once AI handles routine ones.
type Efficiency struct {
	Basis  Basis    `yaml:"basis"`
	Direct *float64 `yaml:"direct"`
	Note   string   `yaml:"note"`
	// Drivers: annual_contacts × (cost_per_contact_before − cost_per_contact_after) × years.
	// When cost_per_contact_after is absent it is blended from containment:
	// ai_containment × ai_cost_per_contact + (1 − ai_containment) × human_cost_per_contact.
	Drivers struct {
		AnnualContacts       *float64 `yaml:"annual_contacts"`
		CostPerContactBefore *float64 `yaml:"cost_per_contact_before"`
		CostPerContactAfter  *float64 `yaml:"cost_per_contact_after"`
		AIContainment        *float64 `yaml:"ai_containment"`
		AICostPerContact     *float64 `yaml:"ai_cost_per_contact"`
		HumanCostPerContact  *float64 `yaml:"human_cost_per_contact"` // default: cost_per_contact_before
	} `yaml:"drivers"`
}

// MarketInsight is the margin on products that succeed because of what the conversations
// revealed (the write-up: "new product success rate +25%").
type MarketInsight struct {
	Basis  Basis    `yaml:"basis"`
	Direct *float64 `yaml:"direct"`
	Note   string   `yaml:"note"`
	// Drivers: annual_new_product_revenue × success_rate_uplift × contribution_margin × years.
	Drivers struct {
		AnnualNewProductRevenue *float64 `yaml:"annual_new_product_revenue"`
		SuccessRateUplift       *float64 `yaml:"success_rate_uplift"`
		ContributionMargin      *float64 `yaml:"contribution_margin"`
	} `yaml:"drivers"`
}

// PricePremium is the extra price customers accept for better service (the write-up:
// "price elasticity −15%").
type PricePremium struct {
	Basis  Basis    `yaml:"basis"`
	Direct *float64 `yaml:"direct"`
	Note   string   `yaml:"note"`
	// Drivers: annual_revenue × premium × years.
	Drivers struct {
		AnnualRevenue *float64 `yaml:"annual_revenue"`
		Premium       *float64 `yaml:"premium"`
	} `yaml:"drivers"`
}

// FinesAvoided is the expected compliance fines the operation no longer incurs.
type FinesAvoided struct {
	Basis  Basis    `yaml:"basis"`
	Direct *float64 `yaml:"direct"`
	Note   string   `yaml:"note"`
	// Drivers: annual_expected_fines × reduction × years.
	Drivers struct {
		AnnualExpectedFines *float64 `yaml:"annual_expected_fines"`
		Reduction           *float64 `yaml:"reduction"`
	} `yaml:"drivers"`
}

// Costs are either itemised (one-off, monthly, change management) or a single total. The
// write-up's worked example gives no cost, only ROI, so its scenario uses Total with
// Implied set; TypicalRanges then shows what the write-up's own cost ranges would give.
type Costs struct {
	Total   TotalCost `yaml:"total"`
	OneOff  OneOff    `yaml:"one_off"`
	Monthly Monthly   `yaml:"monthly"`
	// ChangeManagementShare is process redesign and change management as a share of
	// technology spend (one-off + monthly); the write-up says typically 20–30%.
	ChangeManagementShare *float64 `yaml:"change_management_share"`
	// TypicalRanges are low/high cost ranges to compare against; not used for ROI.
	TypicalRanges CostRanges `yaml:"typical_ranges"`
}

// TotalCost is a horizon cost given as one figure. When Amount is absent it is derived from
// DerivedFrom as total_value / (1 + roi_percent/100).
type TotalCost struct {
	Amount      *float64 `yaml:"amount"`
	Implied     bool     `yaml:"implied"`
	Note        string   `yaml:"note"`
	DerivedFrom struct {
		TotalValue *float64 `yaml:"total_value"`
		ROIPercent *float64 `yaml:"roi_percent"`
	} `yaml:"derived_from"`
	// UpfrontShare is the part spent at month 0; the rest is spread evenly. Default 0.
	UpfrontShare *float64 `yaml:"upfront_share"`
}

func (t TotalCost) given() bool {
	return t.Amount != nil || t.DerivedFrom.TotalValue != nil || t.DerivedFrom.ROIPercent != nil
}

// OneOff costs are paid at month 0.
type OneOff struct {
	Licence     *float64 `yaml:"licence"`
	Integration *float64 `yaml:"integration"`
	Training    *float64 `yaml:"training"`
}

// Monthly costs recur every month of the horizon.
type Monthly struct {
	Cloud        *float64 `yaml:"cloud"`
	Content      *float64 `yaml:"content"`
	Optimisation *float64 `yaml:"optimisation"`
}

func (c Costs) itemised() bool {
	return c.OneOff.Licence != nil || c.OneOff.Integration != nil || c.OneOff.Training != nil ||
		c.Monthly.Cloud != nil || c.Monthly.Content != nil || c.Monthly.Optimisation != nil ||
		c.ChangeManagementShare != nil
}

// A Range is a low/high pair.
type Range struct {
	Low  *float64 `yaml:"low"`
	High *float64 `yaml:"high"`
}

// CostRanges are the write-up's typical implementation cost ranges (see WriteupRanges).
type CostRanges struct {
	Licence               Range `yaml:"licence"`
	Integration           Range `yaml:"integration"`
	Training              Range `yaml:"training"`
	CloudMonthly          Range `yaml:"cloud_monthly"`
	ContentMonthly        Range `yaml:"content_monthly"`
	OptimisationMonthly   Range `yaml:"optimisation_monthly"`
	ChangeManagementShare Range `yaml:"change_management_share"`
}

func (r CostRanges) given() bool { return r.Licence.Low != nil || r.Licence.High != nil }

// SensitivitySpec configures the tornado table.
type SensitivitySpec struct {
	// Delta is the relative change applied to each input, both ways (0.10 = ±10%). Default 0.10.
	Delta *float64 `yaml:"delta"`
}

// An input is one numeric field of a Scenario, addressed by its YAML path, with the range
// that makes sense for it. Validation, sensitivity analysis and Actuals all work from this
// one list, so a new field needs adding in exactly one place.
type input struct {
	path   string
	p      **float64
	lo, hi float64
	loOpen bool   // lo itself is not allowed
	hint   string // added to range errors, e.g. "write 0.70 for 70%"
	// structural inputs (horizon, sensitivity delta) are not perturbed by the sensitivity
	// analysis: they change the question, not the answer.
	structural bool
}

const (
	maxMoney = 1e13 // ten trillion: above this a figure is a typo, and sums stay finite
	maxCount = 1e11
	fracHint = "rates are fractions: write 0.70 for 70%"
)

func (s *Scenario) inputs() []input {
	money := func(path string, p **float64) input { return input{path: path, p: p, hi: maxMoney} }
	count := func(path string, p **float64) input { return input{path: path, p: p, hi: maxCount} }
	frac := func(path string, p **float64) input { return input{path: path, p: p, hi: 1, hint: fracHint} }
	signed := func(path string, p **float64) input {
		return input{path: path, p: p, lo: -maxMoney, hi: maxMoney}
	}
	r, e, m, pp, f := &s.Value.Retention, &s.Value.Efficiency, &s.Value.MarketInsight, &s.Value.PricePremium, &s.Value.FinesAvoided
	c, tr := &s.Costs, &s.Costs.TypicalRanges
	in := []input{
		{path: "horizon_years", p: &s.HorizonYears, lo: 1, hi: 10, structural: true},
		{path: "discount_rate", p: &s.DiscountRate, lo: -1, loOpen: true, hi: 10, hint: "rates are fractions: write 0.08 for 8%"},
		{path: "ramp_months", p: &s.RampMonths, hi: 120},
		{path: "sensitivity.delta", p: &s.Sensitivity.Delta, lo: 0, loOpen: true, hi: 0.99, hint: "write 0.10 for ±10%", structural: true},

		signed("value.retention.direct", &r.Direct),
		count("value.retention.drivers.customers", &r.Drivers.Customers),
		frac("value.retention.drivers.baseline_churn", &r.Drivers.BaselineChurn),
		frac("value.retention.drivers.churn_reduction", &r.Drivers.ChurnReduction),
		money("value.retention.drivers.lifetime_value", &r.Drivers.LifetimeValue),

		signed("value.efficiency.direct", &e.Direct),
		count("value.efficiency.drivers.annual_contacts", &e.Drivers.AnnualContacts),
		money("value.efficiency.drivers.cost_per_contact_before", &e.Drivers.CostPerContactBefore),
		money("value.efficiency.drivers.cost_per_contact_after", &e.Drivers.CostPerContactAfter),
		frac("value.efficiency.drivers.ai_containment", &e.Drivers.AIContainment),
		money("value.efficiency.drivers.ai_cost_per_contact", &e.Drivers.AICostPerContact),
		money("value.efficiency.drivers.human_cost_per_contact", &e.Drivers.HumanCostPerContact),

		signed("value.market_insight.direct", &m.Direct),
		money("value.market_insight.drivers.annual_new_product_revenue", &m.Drivers.AnnualNewProductRevenue),
		frac("value.market_insight.drivers.success_rate_uplift", &m.Drivers.SuccessRateUplift),
		frac("value.market_insight.drivers.contribution_margin", &m.Drivers.ContributionMargin),

		signed("value.price_premium.direct", &pp.Direct),
		money("value.price_premium.drivers.annual_revenue", &pp.Drivers.AnnualRevenue),
		{path: "value.price_premium.drivers.premium", p: &pp.Drivers.Premium, lo: -1, hi: 1, hint: fracHint},

		signed("value.fines_avoided.direct", &f.Direct),
		money("value.fines_avoided.drivers.annual_expected_fines", &f.Drivers.AnnualExpectedFines),
		frac("value.fines_avoided.drivers.reduction", &f.Drivers.Reduction),

		money("costs.total.amount", &c.Total.Amount),
		money("costs.total.derived_from.total_value", &c.Total.DerivedFrom.TotalValue),
		{path: "costs.total.derived_from.roi_percent", p: &c.Total.DerivedFrom.ROIPercent, lo: -100, loOpen: true, hi: 1e6, hint: "a percentage: write 487 for 487%"},
		frac("costs.total.upfront_share", &c.Total.UpfrontShare),
		money("costs.one_off.licence", &c.OneOff.Licence),
		money("costs.one_off.integration", &c.OneOff.Integration),
		money("costs.one_off.training", &c.OneOff.Training),
		money("costs.monthly.cloud", &c.Monthly.Cloud),
		money("costs.monthly.content", &c.Monthly.Content),
		money("costs.monthly.optimisation", &c.Monthly.Optimisation),
		{path: "costs.change_management_share", p: &c.ChangeManagementShare, hi: 5, hint: fracHint},
	}
	for _, rg := range []struct {
		name string
		r    *Range
		hi   float64
	}{
		{"licence", &tr.Licence, maxMoney}, {"integration", &tr.Integration, maxMoney},
		{"training", &tr.Training, maxMoney}, {"cloud_monthly", &tr.CloudMonthly, maxMoney},
		{"content_monthly", &tr.ContentMonthly, maxMoney}, {"optimisation_monthly", &tr.OptimisationMonthly, maxMoney},
		{"change_management_share", &tr.ChangeManagementShare, 5},
	} {
		// Ranges are for comparison only, so the sensitivity analysis leaves them alone.
		in = append(in,
			input{path: "costs.typical_ranges." + rg.name + ".low", p: &rg.r.Low, hi: rg.hi, structural: true},
			input{path: "costs.typical_ranges." + rg.name + ".high", p: &rg.r.High, hi: rg.hi, structural: true})
	}
	return in
}

// HorizonMonths is the appraisal period in months, the default applied.
func (s *Scenario) HorizonMonths() int { return int(val(s.HorizonYears, DefaultHorizonYears)) * 12 }

// AnnualDiscountRate is the rate NPV discounts at, the default applied.
func (s *Scenario) AnnualDiscountRate() float64 { return val(s.DiscountRate, DefaultDiscountRate) }

// PeriodBasis is "monthly" or "yearly": the period NPV discounts over, the default applied.
func (s *Scenario) PeriodBasis() string { return firstNonEmpty(s.CashFlows, "monthly") }

// CurrencyCode is the ISO 4217 code money is in, the default (USD) applied.
func (s *Scenario) CurrencyCode() string { return firstNonEmpty(s.Currency, "USD") }

// InputSource says where the value of an input in a Result comes from.
type InputSource string

// Sources of an input's value.
const (
	SourceScenario InputSource = "scenario" // the scenario file's assumption
	SourceActual   InputSource = "actual"   // measured, through Actuals
	SourceOption   InputSource = "option"   // this evaluation's Options (discount rate, sensitivity delta)
)

// An InputValue is one scenario input as the model read it.
type InputValue struct {
	Path   string      `json:"path"`
	Value  float64     `json:"value"`
	Source InputSource `json:"source"`
	// ScenarioValue is the scenario file's value when an actual or option replaced it.
	ScenarioValue *float64 `json:"scenario_value,omitempty"`
}

// inputValues lists the inputs given in the evaluated scenario e, in the order of inputs(),
// with where each comes from: orig is the scenario as read, before options and actuals.
// Typical cost ranges are left out: they feed only CostComparisons, never ROI.
func inputValues(orig, e *Scenario, overrides []Override) []InputValue {
	actual := map[string]bool{}
	for _, o := range overrides {
		actual[o.Path] = true
	}
	was := map[string]*float64{}
	for _, in := range orig.inputs() {
		was[in.path] = *in.p
	}
	out := []InputValue{}
	for _, in := range e.inputs() {
		if *in.p == nil || strings.HasPrefix(in.path, "costs.typical_ranges.") {
			continue
		}
		iv := InputValue{Path: in.path, Value: **in.p, Source: SourceScenario}
		old := was[in.path]
		switch {
		case actual[in.path]:
			iv.Source = SourceActual
		case old == nil || *old != iv.Value:
			iv.Source = SourceOption
		}
		if iv.Source != SourceScenario && old != nil {
			iv.ScenarioValue = ptr(*old)
		}
		out = append(out, iv)
	}
	return out
}

// Clone returns a deep copy: changing the copy's inputs never changes s.
func (s *Scenario) Clone() Scenario {
	c := *s
	for _, in := range c.inputs() {
		if *in.p != nil {
			v := **in.p
			*in.p = &v
		}
	}
	return c
}

// A FieldError is a problem with one scenario field, named by its YAML path.
type FieldError struct {
	Path    string
	Problem string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Problem }

// Parse reads a scenario from YAML. Unknown fields are errors (a misspelt field would
// otherwise silently fall back to a default), as are out-of-range values; see Validate.
func Parse(data []byte) (Scenario, error) {
	var s Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return Scenario{}, errors.New("roi: scenario is empty")
		}
		return Scenario{}, fmt.Errorf("roi: parse scenario: %w", explainYAML(err))
	}
	// A second document would be silently ignored; refuse it instead.
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return Scenario{}, errors.New("roi: scenario file holds more than one YAML document")
	}
	if err := s.Validate(); err != nil {
		return Scenario{}, err
	}
	return s, nil
}

// explainYAML rewrites yaml.v3's "field x not found in type roi.Retention" into wording a
// scenario author can act on.
func explainYAML(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		if j := strings.Index(m, " not found in type "); j >= 0 && strings.Contains(m, "field ") {
			m = strings.Replace(m[:j], "field ", "unknown field ", 1)
		}
		msgs[i] = m
	}
	return &rewordedError{msg: strings.Join(msgs, "; "), err: err}
}

// rewordedError keeps the original error for errors.As while printing one clear line.
type rewordedError struct {
	msg string
	err error
}

func (e *rewordedError) Error() string { return e.msg }
func (e *rewordedError) Unwrap() error { return e.err }

// fieldErrors is several problems reported together on one line, so that the CLI's
// one-line error contract holds while every problem is still named.
type fieldErrors []error

func (fe fieldErrors) Error() string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (fe fieldErrors) Unwrap() []error { return fe }

// join returns nil for no errors, the error itself for one, and fieldErrors otherwise.
func join(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return fieldErrors(errs)
}

// Load reads and parses a scenario file.
func Load(path string) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("roi: read scenario: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Validate checks every given input against its range and the choices (basis, cash_flows)
// against their allowed values. Inputs the model needs but are missing are reported by
// Evaluate, which knows which ones the chosen bases need.
func (s *Scenario) Validate() error {
	var errs []error
	for _, in := range s.inputs() {
		if *in.p == nil {
			continue
		}
		if err := in.check(**in.p); err != nil {
			errs = append(errs, err)
		}
	}
	if hy := s.HorizonYears; hy != nil && *hy != math.Trunc(*hy) {
		errs = append(errs, &FieldError{"horizon_years", fmt.Sprintf("must be a whole number of years, got %g", *hy)})
	}
	switch s.CashFlows {
	case "", "monthly", "yearly":
	default:
		errs = append(errs, &FieldError{"cash_flows", fmt.Sprintf("must be monthly or yearly, got %q", s.CashFlows)})
	}
	for _, d := range s.dimensions() {
		switch d.basis {
		case "", BasisDirect, BasisDrivers:
		default:
			errs = append(errs, &FieldError{d.path + ".basis", fmt.Sprintf("must be direct or drivers, got %q", d.basis)})
		}
		if d.basis == BasisDirect && d.direct == nil {
			errs = append(errs, &FieldError{d.path + ".direct", "missing (basis is direct)"})
		}
	}
	if s.Costs.Total.given() && s.Costs.itemised() {
		errs = append(errs, &FieldError{"costs", "give either costs.total or itemised costs (one_off, monthly, change_management_share), not both"})
	}
	tr := s.Costs.TypicalRanges
	for _, rg := range []struct {
		name string
		r    Range
	}{
		{"licence", tr.Licence}, {"integration", tr.Integration}, {"training", tr.Training},
		{"cloud_monthly", tr.CloudMonthly}, {"content_monthly", tr.ContentMonthly},
		{"optimisation_monthly", tr.OptimisationMonthly}, {"change_management_share", tr.ChangeManagementShare},
	} {
		if rg.r.Low != nil && rg.r.High != nil && *rg.r.Low > *rg.r.High {
			errs = append(errs, &FieldError{"costs.typical_ranges." + rg.name, fmt.Sprintf("low %g is above high %g", *rg.r.Low, *rg.r.High)})
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("roi: invalid scenario: %w", join(errs))
	}
	return nil
}

func (in input) check(v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &FieldError{in.path, "must be a finite number"}
	}
	bad := v < in.lo || v > in.hi || (in.loOpen && v == in.lo)
	if !bad {
		return nil
	}
	var want string
	switch {
	case in.loOpen:
		want = fmt.Sprintf("above %g and at most %g", in.lo, in.hi)
	case in.lo == 0:
		want = fmt.Sprintf("between 0 and %g", in.hi)
	default:
		want = fmt.Sprintf("between %g and %g", in.lo, in.hi)
	}
	msg := fmt.Sprintf("%g is out of range: must be %s", v, want)
	if v < 0 && in.lo == 0 {
		msg = fmt.Sprintf("%g is negative: must be %s", v, want)
	}
	if in.hint != "" {
		msg += " (" + in.hint + ")"
	}
	return &FieldError{in.path, msg}
}

func ptr(v float64) *float64 { return &v }

func val(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}
