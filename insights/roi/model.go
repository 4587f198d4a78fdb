package roi

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// A Step is one named line of the arithmetic, so that every figure in a Result can be traced
// back to the inputs by a reader with a calculator.
type Step struct {
	Name    string  `json:"name"`
	Formula string  `json:"formula"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit,omitempty"`
}

// DimensionValue is one value dimension's horizon value and how it was obtained. When both a
// direct figure and drivers are given, both are reported and Basis says which one counts.
type DimensionValue struct {
	Key    string   `json:"key"`
	Label  string   `json:"label"`
	Basis  Basis    `json:"basis"`
	Value  float64  `json:"value"`
	Direct *float64 `json:"direct,omitempty"`
	// FromDrivers is the value the drivers give, when they are complete.
	FromDrivers *float64 `json:"from_drivers,omitempty"`
}

// CostItem is one line of cost over the horizon.
type CostItem struct {
	Key     string  `json:"key"`
	Label   string  `json:"label"`
	Amount  float64 `json:"amount"`
	Implied bool    `json:"implied,omitempty"`
	Note    string  `json:"note,omitempty"`
}

// CostComparison is the ROI the same value would give at another cost, such as the low and
// high ends of the write-up's typical cost ranges.
type CostComparison struct {
	Name       string  `json:"name"`
	TotalCost  float64 `json:"total_cost"`
	ROIPercent float64 `json:"roi_percent"`
}

// YearFlow summarises cash flows per year; year 0 is the upfront spend at month 0.
type YearFlow struct {
	Year       int     `json:"year"`
	Value      float64 `json:"value"`
	Cost       float64 `json:"cost"`
	Net        float64 `json:"net"`
	Cumulative float64 `json:"cumulative"`
}

// Result is the model's answer for one scenario.
type Result struct {
	Scenario      string  `json:"scenario"`
	Currency      string  `json:"currency"`
	HorizonMonths int     `json:"horizon_months"`
	DiscountRate  float64 `json:"discount_rate"`
	CashFlows     string  `json:"cash_flows"`

	ValueByDimension map[string]float64 `json:"value_by_dimension"`
	Dimensions       []DimensionValue   `json:"dimensions"`
	CostItems        []CostItem         `json:"cost_items"`
	TotalValue       float64            `json:"total_value"`
	TotalCost        float64            `json:"total_cost"`
	NetValue         float64            `json:"net_value"`
	// ROIPercent is (total value − total cost) / total cost × 100, rounded to 0.01 points
	// (money fields are rounded to cents; Steps keep full precision).
	ROIPercent float64 `json:"roi_percent"`
	NPV        float64 `json:"npv"`
	// PaybackMonth is the first month whose cumulative net cash flow is ≥ 0; nil when that
	// does not happen within the horizon.
	PaybackMonth           *int             `json:"payback_month"`
	DiscountedPaybackMonth *int             `json:"discounted_payback_month"`
	Yearly                 []YearFlow       `json:"yearly"`
	CostComparisons        []CostComparison `json:"cost_comparisons,omitempty"`
	Overrides              []Override       `json:"overrides,omitempty"`
	// Inputs are the scenario's inputs as the model read them, each with its source.
	Inputs           []InputValue     `json:"inputs"`
	Steps            []Step           `json:"steps"`
	SensitivityDelta float64          `json:"sensitivity_delta"`
	Sensitivity      []SensitivityRow `json:"sensitivity"`
	Warnings         []string         `json:"warnings"`
}

// Options adjust one evaluation without editing the scenario.
type Options struct {
	// DiscountRate overrides the scenario's annual discount rate when not nil.
	DiscountRate *float64
	// CashFlows overrides the scenario's "monthly"/"yearly" choice when not empty.
	CashFlows string
	// Actuals, when not nil, override scenario inputs with measured figures.
	Actuals *Actuals
	// SensitivityDelta overrides the scenario's sensitivity.delta when not nil.
	SensitivityDelta *float64
	// NoSensitivity skips the tornado table (it re-evaluates the model twice per input).
	NoSensitivity bool
}

// Defaults used when the scenario leaves a field out.
const (
	DefaultHorizonYears     = 3
	DefaultDiscountRate     = 0.10
	DefaultSensitivityDelta = 0.10
)

// Evaluate runs the model on a scenario. It returns an error, naming the YAML path, when an
// input the chosen bases need is missing or out of range, or when ROI would be undefined
// (total cost 0). Every number in the Result is finite.
func Evaluate(s Scenario, opt Options) (Result, error) {
	orig := s.Clone()
	s = s.Clone()
	if opt.DiscountRate != nil {
		s.DiscountRate = ptr(*opt.DiscountRate)
	}
	if opt.CashFlows != "" {
		s.CashFlows = opt.CashFlows
	}
	if opt.SensitivityDelta != nil {
		s.Sensitivity.Delta = ptr(*opt.SensitivityDelta)
	}
	var overrides []Override
	if opt.Actuals != nil {
		var err error
		if s, overrides, err = opt.Actuals.apply(s); err != nil {
			return Result{}, err
		}
	}
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	c, err := compute(&s)
	if err != nil {
		return Result{}, err
	}
	r := c.result(&s)
	r.Overrides = overrides
	r.Inputs = inputValues(&orig, &s, overrides)
	for _, o := range overrides {
		r.Steps = append([]Step{{Name: "override " + o.Path, Formula: o.describe(), Value: o.New}}, r.Steps...)
	}
	if !opt.NoSensitivity {
		r.SensitivityDelta = val(s.Sensitivity.Delta, DefaultSensitivityDelta)
		rows, warns := sensitivity(&s, c, r.SensitivityDelta)
		r.Sensitivity = rows
		r.Warnings = append(r.Warnings, warns...)
	}
	if r.Sensitivity == nil {
		r.Sensitivity = []SensitivityRow{}
	}
	if err := r.checkFinite(); err != nil {
		return Result{}, err
	}
	return r, nil
}

// core is the model's arithmetic for one scenario, without presentation or sensitivity.
type core struct {
	months      int
	rate        float64
	cashFlows   string
	dims        []DimensionValue
	costs       []CostItem
	totalValue  float64
	totalCost   float64
	roi         float64 // fraction
	valueFlows  []float64
	costFlows   []float64 // index 0 is month 0 (upfront)
	npv         float64
	payback     int // -1: not within horizon
	discPayback int
	comparisons []CostComparison
	steps       []Step
	warnings    []string
}

type missing struct{ paths []string }

func (m *missing) need(path string, p *float64) float64 {
	if p == nil {
		m.paths = append(m.paths, path)
		return 0
	}
	return *p
}

func (m *missing) err(why string) error {
	if len(m.paths) == 0 {
		return nil
	}
	errs := make([]error, len(m.paths))
	for i, p := range m.paths {
		errs[i] = &FieldError{p, "missing (" + why + ")"}
	}
	return join(errs)
}

// dimension is the model's view of one value dimension: its given value and a function
// computing it from drivers.
type dimension struct {
	key, label, path string
	basis            Basis
	direct           *float64
	anyDriver        bool
	// drivers computes the horizon value; m collects missing driver paths.
	drivers func(years float64, m *missing) (float64, []Step, []string)
}

func (s *Scenario) dimensions() []dimension {
	r, e, mi, pp, f := &s.Value.Retention, &s.Value.Efficiency, &s.Value.MarketInsight, &s.Value.PricePremium, &s.Value.FinesAvoided
	return []dimension{
		{
			key: "retention", label: "Customer retention", path: "value.retention", basis: r.Basis, direct: r.Direct,
			anyDriver: r.Drivers.Customers != nil || r.Drivers.BaselineChurn != nil || r.Drivers.ChurnReduction != nil || r.Drivers.LifetimeValue != nil,
			drivers: func(years float64, m *missing) (float64, []Step, []string) {
				p := "value.retention.drivers."
				n := m.need(p+"customers", r.Drivers.Customers)
				ch := m.need(p+"baseline_churn", r.Drivers.BaselineChurn)
				red := m.need(p+"churn_reduction", r.Drivers.ChurnReduction)
				ltv := m.need(p+"lifetime_value", r.Drivers.LifetimeValue)
				saved := n * ch * red
				v := saved * ltv * years
				return v, []Step{
					{p + "customers_retained_per_year", fmt.Sprintf("customers × baseline_churn × churn_reduction = %s × %s × %s", num(n), num(ch), num(red)), saved, "customers"},
					{p + "value", fmt.Sprintf("customers_retained_per_year × lifetime_value × years = %s × %s × %s", num(saved), num(ltv), num(years)), v, "money"},
				}, nil
			},
		},
		{
			key: "efficiency", label: "Service efficiency", path: "value.efficiency", basis: e.Basis, direct: e.Direct,
			anyDriver: e.Drivers.AnnualContacts != nil || e.Drivers.CostPerContactBefore != nil || e.Drivers.CostPerContactAfter != nil || e.Drivers.AIContainment != nil,
			drivers: func(years float64, m *missing) (float64, []Step, []string) {
				p := "value.efficiency.drivers."
				d := e.Drivers
				n := m.need(p+"annual_contacts", d.AnnualContacts)
				before := m.need(p+"cost_per_contact_before", d.CostPerContactBefore)
				var steps []Step
				var warns []string
				var after float64
				if d.CostPerContactAfter != nil || d.AIContainment == nil {
					after = m.need(p+"cost_per_contact_after", d.CostPerContactAfter)
				} else {
					c := *d.AIContainment
					ai := m.need(p+"ai_cost_per_contact", d.AICostPerContact)
					human := val(d.HumanCostPerContact, before)
					after = c*ai + (1-c)*human
					steps = append(steps, Step{p + "cost_per_contact_after", fmt.Sprintf("ai_containment × ai_cost_per_contact + (1 − ai_containment) × human_cost_per_contact = %s × %s + (1 − %s) × %s", num(c), num(ai), num(c), num(human)), after, "money/contact"})
				}
				if after > before && len(m.paths) == 0 {
					warns = append(warns, fmt.Sprintf("%scost_per_contact_after (%s) is above cost_per_contact_before (%s): efficiency value is negative", p, num(after), num(before)))
				}
				delta := before - after
				v := n * delta * years
				steps = append(steps,
					Step{p + "saving_per_contact", fmt.Sprintf("cost_per_contact_before − cost_per_contact_after = %s − %s", num(before), num(after)), delta, "money/contact"},
					Step{p + "value", fmt.Sprintf("annual_contacts × saving_per_contact × years = %s × %s × %s", num(n), num(delta), num(years)), v, "money"})
				return v, steps, warns
			},
		},
		{
			key: "market_insight", label: "Market insight", path: "value.market_insight", basis: mi.Basis, direct: mi.Direct,
			anyDriver: mi.Drivers.AnnualNewProductRevenue != nil || mi.Drivers.SuccessRateUplift != nil || mi.Drivers.ContributionMargin != nil,
			drivers: func(years float64, m *missing) (float64, []Step, []string) {
				p := "value.market_insight.drivers."
				rev := m.need(p+"annual_new_product_revenue", mi.Drivers.AnnualNewProductRevenue)
				up := m.need(p+"success_rate_uplift", mi.Drivers.SuccessRateUplift)
				mar := m.need(p+"contribution_margin", mi.Drivers.ContributionMargin)
				v := rev * up * mar * years
				return v, []Step{{p + "value", fmt.Sprintf("annual_new_product_revenue × success_rate_uplift × contribution_margin × years = %s × %s × %s × %s", num(rev), num(up), num(mar), num(years)), v, "money"}}, nil
			},
		},
		{
			key: "price_premium", label: "Price premium", path: "value.price_premium", basis: pp.Basis, direct: pp.Direct,
			anyDriver: pp.Drivers.AnnualRevenue != nil || pp.Drivers.Premium != nil,
			drivers: func(years float64, m *missing) (float64, []Step, []string) {
				p := "value.price_premium.drivers."
				rev := m.need(p+"annual_revenue", pp.Drivers.AnnualRevenue)
				pr := m.need(p+"premium", pp.Drivers.Premium)
				v := rev * pr * years
				return v, []Step{{p + "value", fmt.Sprintf("annual_revenue × premium × years = %s × %s × %s", num(rev), num(pr), num(years)), v, "money"}}, nil
			},
		},
		{
			key: "fines_avoided", label: "Avoided compliance fines", path: "value.fines_avoided", basis: f.Basis, direct: f.Direct,
			anyDriver: f.Drivers.AnnualExpectedFines != nil || f.Drivers.Reduction != nil,
			drivers: func(years float64, m *missing) (float64, []Step, []string) {
				p := "value.fines_avoided.drivers."
				fines := m.need(p+"annual_expected_fines", f.Drivers.AnnualExpectedFines)
				red := m.need(p+"reduction", f.Drivers.Reduction)
				v := fines * red * years
				return v, []Step{{p + "value", fmt.Sprintf("annual_expected_fines × reduction × years = %s × %s × %s", num(fines), num(red), num(years)), v, "money"}}, nil
			},
		},
	}
}

// compute runs the arithmetic. It is called once per evaluation and twice per input by the
// sensitivity analysis, so it does no formatting beyond the steps.
func compute(s *Scenario) (*core, error) {
	years := val(s.HorizonYears, DefaultHorizonYears)
	c := &core{months: s.HorizonMonths(), rate: s.AnnualDiscountRate(), cashFlows: s.PeriodBasis()}
	c.step("horizon_years", "given", years, "years")

	// Value.
	var errs []error
	for _, d := range s.dimensions() {
		dv := DimensionValue{Key: d.key, Label: d.label, Direct: d.direct}
		basis := d.basis
		if basis == "" {
			switch {
			case d.direct != nil:
				basis = BasisDirect
			case d.anyDriver:
				basis = BasisDrivers
			}
		}
		dv.Basis = basis
		if basis == "" {
			dv.Basis = "none"
		}
		if d.direct != nil {
			c.step(d.path+".direct", "given (horizon total)", *d.direct, "money")
		}
		if basis == BasisDrivers || d.anyDriver {
			var m missing
			v, steps, warns := d.drivers(years, &m)
			switch {
			case len(m.paths) == 0:
				dv.FromDrivers = ptr(v)
				c.steps = append(c.steps, steps...)
				c.warnings = append(c.warnings, warns...)
			case basis == BasisDrivers:
				errs = append(errs, m.err("needed: "+d.path+".basis is drivers"))
			default:
				c.warnings = append(c.warnings, fmt.Sprintf("%s.drivers incomplete (missing %s): only the direct value is shown", d.path, strings.Join(m.paths, ", ")))
			}
		}
		switch {
		case basis == BasisDirect:
			dv.Value = *d.direct
		case dv.FromDrivers != nil:
			dv.Value = *dv.FromDrivers
		}
		if basis == "" {
			c.warnings = append(c.warnings, d.path+": not given, counted as 0")
		}
		if dv.Direct != nil && dv.FromDrivers != nil {
			diff := *dv.FromDrivers - *dv.Direct
			rel := 0.0
			if *dv.Direct != 0 {
				rel = diff / math.Abs(*dv.Direct)
			}
			c.step(d.path+".drivers_vs_direct", fmt.Sprintf("from_drivers − direct = %s − %s (%+.2f%%); %s is used", num(*dv.FromDrivers), num(*dv.Direct), rel*100, basis), diff, "money")
			if math.Abs(rel) > 0.05 {
				c.warnings = append(c.warnings, fmt.Sprintf("%s: drivers give %s but direct is %s (%+.1f%%); %s is used", d.path, money(*dv.FromDrivers), money(*dv.Direct), rel*100, basis))
			}
		}
		if dv.Value < 0 {
			c.warnings = append(c.warnings, fmt.Sprintf("%s is negative (%s)", d.path, money(dv.Value)))
		}
		c.step(d.path, "used: "+string(dv.Basis), dv.Value, "money")
		c.dims = append(c.dims, dv)
	}
	if err := join(errs); err != nil {
		return nil, fmt.Errorf("roi: %w", err)
	}
	names := make([]string, len(c.dims))
	vals := make([]string, len(c.dims))
	for i, d := range c.dims {
		c.totalValue += d.Value
		names[i], vals[i] = d.Key, num(d.Value)
	}
	c.step("total_value", strings.Join(names, " + ")+" = "+strings.Join(vals, " + "), c.totalValue, "money")

	// Cost and cash flows.
	c.valueFlows = make([]float64, c.months+1)
	c.costFlows = make([]float64, c.months+1)
	weights, sumW := rampWeights(c.months, val(s.RampMonths, 0))
	for m := 1; m <= c.months; m++ {
		c.valueFlows[m] = c.totalValue * weights[m] / sumW
	}
	if r := val(s.RampMonths, 0); r > 0 {
		c.step("ramp_months", fmt.Sprintf("value ramps linearly to full run-rate over %s months; horizon total unchanged", num(r)), r, "months")
	}
	if err := c.costsFrom(s); err != nil {
		return nil, err
	}
	if c.totalCost <= 0 {
		return nil, errors.New("roi: costs: total cost is 0, so ROI = (value − cost) / cost is undefined; give costs.total.amount or itemised costs")
	}
	c.roi = (c.totalValue - c.totalCost) / c.totalCost
	c.step("net_value", fmt.Sprintf("total_value − total_cost = %s − %s", num(c.totalValue), num(c.totalCost)), c.totalValue-c.totalCost, "money")
	c.step("roi_percent", fmt.Sprintf("(total_value − total_cost) / total_cost × 100 = (%s − %s) / %s × 100", num(c.totalValue), num(c.totalCost), num(c.totalCost)), c.roi*100, "%")

	c.discount()
	c.rangeComparisons(s)
	return c, nil
}

// rampWeights returns per-month weights (index 0 unused) for a linear ramp to full
// run-rate over ramp months.
func rampWeights(months int, ramp float64) ([]float64, float64) {
	w := make([]float64, months+1)
	sum := 0.0
	for m := 1; m <= months; m++ {
		w[m] = 1
		if ramp > 0 {
			w[m] = math.Min(1, float64(m)/ramp)
		}
		sum += w[m]
	}
	return w, sum
}

func (c *core) costsFrom(s *Scenario) error {
	cs := s.Costs
	months := float64(c.months)
	switch {
	case cs.Total.given():
		t := cs.Total
		var amount float64
		var derived *float64
		if t.DerivedFrom.TotalValue != nil || t.DerivedFrom.ROIPercent != nil {
			var m missing
			tv := m.need("costs.total.derived_from.total_value", t.DerivedFrom.TotalValue)
			rp := m.need("costs.total.derived_from.roi_percent", t.DerivedFrom.ROIPercent)
			if err := m.err("costs.total.derived_from needs both"); err != nil {
				return fmt.Errorf("roi: %w", err)
			}
			d := tv / (1 + rp/100)
			derived = &d
			c.step("costs.total.derived", fmt.Sprintf("total_value / (1 + roi_percent / 100) = %s / (1 + %s / 100)", num(tv), num(rp)), d, "money")
		}
		switch {
		case t.Amount != nil:
			amount = *t.Amount
			c.step("costs.total.amount", "given", amount, "money")
			if derived != nil && math.Abs(*derived-amount) > 1e-3*math.Max(1, amount) {
				c.warnings = append(c.warnings, fmt.Sprintf("costs.total.amount %s differs from what derived_from implies (%s)", money(amount), money(*derived)))
			}
		default:
			amount = *derived
		}
		up := val(t.UpfrontShare, 0)
		c.costFlows[0] = amount * up
		for m := 1; m <= c.months; m++ {
			c.costFlows[m] = amount * (1 - up) / months
		}
		label := "Total cost"
		if t.Implied {
			label = "Total cost (implied)"
			c.warnings = append(c.warnings, "costs.total is implied, not measured: "+firstNonEmpty(t.Note, "derived from the stated ROI"))
		}
		c.costs = append(c.costs, CostItem{Key: "total", Label: label, Amount: amount, Implied: t.Implied, Note: t.Note})
		c.step("costs.total.timing", fmt.Sprintf("upfront_share × amount at month 0, the rest evenly over %d months = %s × %s", c.months, num(up), num(amount)), amount*up, "money")
	case cs.itemised():
		tech := 0.0
		for _, it := range []struct {
			key, label string
			p          *float64
		}{
			{"licence", "Software licence", cs.OneOff.Licence},
			{"integration", "System integration", cs.OneOff.Integration},
			{"training", "Training", cs.OneOff.Training},
		} {
			v := val(it.p, 0)
			c.costFlows[0] += v
			tech += v
			c.costs = append(c.costs, CostItem{Key: it.key, Label: it.label, Amount: v})
			c.step("costs.one_off."+it.key, "given (month 0)", v, "money")
		}
		for _, it := range []struct {
			key, label string
			p          *float64
		}{
			{"cloud", "Cloud services", cs.Monthly.Cloud},
			{"content", "Content updates", cs.Monthly.Content},
			{"optimisation", "Optimisation services", cs.Monthly.Optimisation},
		} {
			per := val(it.p, 0)
			v := per * months
			for m := 1; m <= c.months; m++ {
				c.costFlows[m] += per
			}
			tech += v
			c.costs = append(c.costs, CostItem{Key: it.key, Label: it.label, Amount: v})
			c.step("costs.monthly."+it.key, fmt.Sprintf("monthly × months = %s × %d", num(per), c.months), v, "money")
		}
		share := val(cs.ChangeManagementShare, 0)
		if cs.ChangeManagementShare == nil {
			c.warnings = append(c.warnings, "costs.change_management_share not given: change management counted as 0 (the write-up says typically 0.20–0.30 of technology spend)")
		}
		cm := share * tech
		for m := range c.costFlows {
			c.costFlows[m] *= 1 + share
		}
		c.costs = append(c.costs, CostItem{Key: "change_management", Label: "Change management", Amount: cm})
		c.step("costs.change_management", fmt.Sprintf("change_management_share × technology spend = %s × %s", num(share), num(tech)), cm, "money")
	default:
		return errors.New("roi: costs: missing; give costs.total (amount or derived_from) or itemised costs (one_off, monthly)")
	}
	names, vals := make([]string, len(c.costs)), make([]string, len(c.costs))
	for i, it := range c.costs {
		c.totalCost += it.Amount
		names[i], vals[i] = it.Key, num(it.Amount)
	}
	c.step("total_cost", strings.Join(names, " + ")+" = "+strings.Join(vals, " + "), c.totalCost, "money")
	return nil
}

// discount computes NPV and payback from the monthly flows. Monthly discounting uses the
// equivalent monthly rate (1+r)^(1/12) − 1; yearly sums each year's months and discounts at
// the year's end. Month 0 is never discounted.
func (c *core) discount() {
	r := c.rate
	c.payback, c.discPayback = -1, -1
	cum, dcum := 0.0, 0.0
	npvMonthly := 0.0
	for m := 0; m <= c.months; m++ {
		net := c.valueFlows[m] - c.costFlows[m]
		d := net / math.Pow(1+r, float64(m)/12)
		cum += net
		dcum += d
		npvMonthly += d
		if m >= 1 && c.payback < 0 && cum >= 0 {
			c.payback = m
		}
		if m >= 1 && c.discPayback < 0 && dcum >= 0 {
			c.discPayback = m
		}
	}
	if c.cashFlows == "yearly" {
		c.npv = c.valueFlows[0] - c.costFlows[0]
		for y := 1; y*12 <= c.months; y++ {
			net := 0.0
			for m := (y-1)*12 + 1; m <= y*12; m++ {
				net += c.valueFlows[m] - c.costFlows[m]
			}
			c.npv += net / math.Pow(1+r, float64(y))
		}
		c.step("npv", fmt.Sprintf("Σ_y net_y / (1 + %s)^y, y = 0..%d (yearly, end-of-year)", num(r), c.months/12), c.npv, "money")
	} else {
		c.npv = npvMonthly
		c.step("npv", fmt.Sprintf("Σ_m net_m / (1 + %s)^(m/12), m = 0..%d (monthly)", num(r), c.months), c.npv, "money")
	}
	if c.payback > 0 {
		c.step("payback_month", "first month with cumulative net cash flow ≥ 0", float64(c.payback), "month")
	} else {
		c.warnings = append(c.warnings, fmt.Sprintf("no payback within the %d-month horizon", c.months))
	}
}

// rangeComparisons prices the scenario at the low and high ends of costs.typical_ranges.
func (c *core) rangeComparisons(s *Scenario) {
	tr := s.Costs.TypicalRanges
	if !tr.given() {
		return
	}
	months := float64(c.months)
	for _, end := range []string{"low", "high"} {
		pick := func(r Range) *float64 {
			if end == "low" {
				return r.Low
			}
			return r.High
		}
		var m missing
		p := "costs.typical_ranges."
		oneOff := m.need(p+"licence."+end, pick(tr.Licence)) + m.need(p+"integration."+end, pick(tr.Integration)) + m.need(p+"training."+end, pick(tr.Training))
		monthly := m.need(p+"cloud_monthly."+end, pick(tr.CloudMonthly)) + m.need(p+"content_monthly."+end, pick(tr.ContentMonthly)) + m.need(p+"optimisation_monthly."+end, pick(tr.OptimisationMonthly))
		share := m.need(p+"change_management_share."+end, pick(tr.ChangeManagementShare))
		if len(m.paths) > 0 {
			c.warnings = append(c.warnings, fmt.Sprintf("typical %s cost not computed: missing %s", end, strings.Join(m.paths, ", ")))
			continue
		}
		total := (oneOff + monthly*months) * (1 + share)
		c.step("typical_cost."+end, fmt.Sprintf("(one_off + monthly × months) × (1 + change_management_share) = (%s + %s × %d) × (1 + %s)", num(oneOff), num(monthly), c.months, num(share)), total, "money")
		roi := (c.totalValue - total) / total * 100
		c.step("typical_cost."+end+".roi_percent", fmt.Sprintf("(total_value − typical_cost) / typical_cost × 100 = (%s − %s) / %s × 100", num(c.totalValue), num(total), num(total)), roi, "%")
		c.comparisons = append(c.comparisons, CostComparison{Name: "typical " + end + " (write-up ranges)", TotalCost: total, ROIPercent: roi})
		if end == "high" && c.totalCost > total*1.05 {
			c.warnings = append(c.warnings, fmt.Sprintf("total cost %s is %.0f%% above the high end of the typical ranges (%s): the stated ROI must include costs the ranges leave out (e.g. staff, per-contact fees)", money(c.totalCost), (c.totalCost/total-1)*100, money(total)))
		}
	}
}

func (c *core) step(name, formula string, v float64, unit string) {
	c.steps = append(c.steps, Step{Name: name, Formula: formula, Value: v, Unit: unit})
}

func (c *core) result(s *Scenario) Result {
	r := Result{
		Scenario:         s.Name,
		Currency:         s.CurrencyCode(),
		HorizonMonths:    c.months,
		DiscountRate:     c.rate,
		CashFlows:        c.cashFlows,
		ValueByDimension: map[string]float64{},
		Dimensions:       c.dims,
		CostItems:        c.costs,
		TotalValue:       c.totalValue,
		TotalCost:        c.totalCost,
		NetValue:         c.totalValue - c.totalCost,
		ROIPercent:       c.roi * 100,
		NPV:              c.npv,
		CostComparisons:  c.comparisons,
		Steps:            append([]Step(nil), c.steps...),
		Warnings:         append([]string{}, c.warnings...),
	}
	for _, d := range c.dims {
		r.ValueByDimension[d.Key] = d.Value
	}
	r.TotalValue, r.TotalCost, r.NetValue, r.NPV = cents(r.TotalValue), cents(r.TotalCost), cents(r.NetValue), cents(r.NPV)
	r.ROIPercent = hundredths(r.ROIPercent)
	for i := range r.CostComparisons {
		r.CostComparisons[i].TotalCost = cents(r.CostComparisons[i].TotalCost)
		r.CostComparisons[i].ROIPercent = hundredths(r.CostComparisons[i].ROIPercent)
	}
	if c.payback > 0 {
		r.PaybackMonth = new(c.payback)
	}
	if c.discPayback > 0 {
		r.DiscountedPaybackMonth = new(c.discPayback)
	}
	cum := 0.0
	for y := 0; y*12 <= c.months; y++ {
		yf := YearFlow{Year: y}
		lo, hi := (y-1)*12+1, y*12
		if y == 0 {
			lo, hi = 0, 0
		}
		for m := lo; m <= hi; m++ {
			yf.Value += c.valueFlows[m]
			yf.Cost += c.costFlows[m]
		}
		yf.Net = yf.Value - yf.Cost
		cum += yf.Net
		yf.Value, yf.Cost, yf.Net, yf.Cumulative = cents(yf.Value), cents(yf.Cost), cents(yf.Net), cents(cum)
		r.Yearly = append(r.Yearly, yf)
	}
	return r
}

// checkFinite is the last guard of the promise that no NaN or Inf leaves the model.
func (r *Result) checkFinite() error {
	var bad []string
	chk := func(name string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad = append(bad, name)
		}
	}
	chk("total_value", r.TotalValue)
	chk("total_cost", r.TotalCost)
	chk("roi_percent", r.ROIPercent)
	chk("npv", r.NPV)
	for _, s := range r.Steps {
		chk("step "+s.Name, s.Value)
	}
	for _, s := range r.Sensitivity {
		chk("sensitivity "+s.Input, s.ROILowPercent)
		chk("sensitivity "+s.Input, s.ROIHighPercent)
		chk("sensitivity "+s.Input, s.NPVLow)
		chk("sensitivity "+s.Input, s.NPVHigh)
	}
	if len(bad) > 0 {
		return fmt.Errorf("roi: result is not finite (%s): inputs too large or too extreme", strings.Join(bad, ", "))
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
