package roi

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

const shipped = "../scenarios/midsize-multinational.yaml"

func loadShipped(t *testing.T) Scenario {
	t.Helper()
	s, err := Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestShippedScenarioReproducesTheWriteupsWorkedExample(t *testing.T) {
	r, err := Evaluate(loadShipped(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"retention": 12.6e6, "efficiency": 9.2e6, "market_insight": 5.4e6,
		"price_premium": 3.8e6, "fines_avoided": 1.2e6,
	}
	for k, v := range want {
		if got := r.ValueByDimension[k]; !near(got, v, 0.5) {
			t.Errorf("value of %s = %v, want %v", k, got, v)
		}
	}
	if !near(r.TotalValue, 32.2e6, 0.5) {
		t.Errorf("total value = %v, want 32.2M", r.TotalValue)
	}
	if !near(r.ROIPercent, 487, 0.005) {
		t.Errorf("ROI = %v%%, want 487%%", r.ROIPercent)
	}
	if !near(r.TotalCost, 5.49e6, 0.01e6) {
		t.Errorf("implied total cost = %v, want ≈ 5.49M", r.TotalCost)
	}
	if len(r.CostItems) != 1 || !r.CostItems[0].Implied {
		t.Errorf("the cost should be one item marked implied, got %+v", r.CostItems)
	}
}

func TestShippedScenarioShowsEfficiencyFromDriversBesideTheDirectFigure(t *testing.T) {
	r, err := Evaluate(loadShipped(t), Options{NoSensitivity: true})
	if err != nil {
		t.Fatal(err)
	}
	var eff *DimensionValue
	for i := range r.Dimensions {
		if r.Dimensions[i].Key == "efficiency" {
			eff = &r.Dimensions[i]
		}
	}
	if eff == nil || eff.FromDrivers == nil {
		t.Fatalf("efficiency has no driver value: %+v", eff)
	}
	// 730,000 contacts × ($5 − $0.8) × 3 years.
	if got, want := *eff.FromDrivers, 730000*4.2*3; !near(got, want, 0.01) {
		t.Errorf("efficiency from drivers = %v, want %v", got, want)
	}
	if math.Abs(*eff.FromDrivers-9.2e6)/9.2e6 > 0.001 {
		t.Errorf("drivers (%v) should agree with the write-up's $9.2M within 0.1%%", *eff.FromDrivers)
	}
}

func TestShippedScenarioComparesTheImpliedCostWithTheWriteupsTypicalRanges(t *testing.T) {
	r, err := Evaluate(loadShipped(t), Options{NoSensitivity: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.CostComparisons) != 2 {
		t.Fatalf("want low and high comparisons, got %+v", r.CostComparisons)
	}
	// low: (50k+30k+20k + (5k+10k+5k)×36) × 1.2; high: (200k+100k+50k + (20k+30k+15k)×36) × 1.3
	low, high := (100e3+20e3*36)*1.2, (350e3+65e3*36)*1.3
	if !near(r.CostComparisons[0].TotalCost, low, 0.01) || !near(r.CostComparisons[1].TotalCost, high, 0.01) {
		t.Errorf("typical costs = %v / %v, want %v / %v", r.CostComparisons[0].TotalCost, r.CostComparisons[1].TotalCost, low, high)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "above the high end") {
		t.Errorf("expected a warning that the implied cost exceeds the typical range, got %q", r.Warnings)
	}
}

func TestEveryStepHasANameAFormulaAndAFiniteValue(t *testing.T) {
	r, err := Evaluate(loadShipped(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range r.Steps {
		if s.Name == "" || s.Formula == "" || math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
			t.Errorf("bad step %+v", s)
		}
		names[s.Name] = true
	}
	for _, n := range []string{"total_value", "total_cost", "roi_percent", "npv", "costs.total.derived"} {
		if !names[n] {
			t.Errorf("missing step %q", n)
		}
	}
}

func parseT(t *testing.T, y string) Scenario {
	t.Helper()
	s, err := Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// simple has value 1.2M over one year and a 100k upfront cost, so every figure is checkable
// by hand.
const simple = `
horizon_years: 1
discount_rate: 0
value:
  retention: {direct: 1200000}
  efficiency: {direct: 0}
  market_insight: {direct: 0}
  price_premium: {direct: 0}
  fines_avoided: {direct: 0}
costs:
  one_off: {licence: 100000}
  change_management_share: 0
`

func TestNPVAndPaybackMatchHandArithmetic(t *testing.T) {
	tests := []struct {
		name        string
		rate        float64
		flows       string
		wantNPV     float64
		wantPayback int
	}{
		{"at a zero rate NPV is the net value", 0, "monthly", 1.1e6, 1},
		{"monthly flows are discounted at the equivalent monthly rate", 0.10, "monthly", monthlyNPV(0.10), 1},
		{"yearly flows are discounted once at year end", 0.10, "yearly", 1.2e6/1.1 - 1e5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Evaluate(parseT(t, simple), Options{DiscountRate: &tt.rate, CashFlows: tt.flows, NoSensitivity: true})
			if err != nil {
				t.Fatal(err)
			}
			if !near(r.NPV, tt.wantNPV, 0.01) {
				t.Errorf("NPV = %v, want %v", r.NPV, tt.wantNPV)
			}
			if r.PaybackMonth == nil || *r.PaybackMonth != tt.wantPayback {
				t.Errorf("payback = %v, want %d", r.PaybackMonth, tt.wantPayback)
			}
			if !near(r.ROIPercent, 1100, 0.001) {
				t.Errorf("ROI = %v, want 1100", r.ROIPercent)
			}
		})
	}
}

func monthlyNPV(r float64) float64 {
	npv := -1e5
	for m := 1; m <= 12; m++ {
		npv += 1e5 / math.Pow(1+r, float64(m)/12)
	}
	return npv
}

func TestRampDelaysPaybackWithoutChangingTheTotal(t *testing.T) {
	s := parseT(t, simple)
	s.Costs.OneOff.Licence = ptr(500000)
	flat, err := Evaluate(s, Options{NoSensitivity: true})
	if err != nil {
		t.Fatal(err)
	}
	s.RampMonths = ptr(6)
	ramped, err := Evaluate(s, Options{NoSensitivity: true})
	if err != nil {
		t.Fatal(err)
	}
	if flat.TotalValue != ramped.TotalValue {
		t.Errorf("ramp changed total value: %v vs %v", flat.TotalValue, ramped.TotalValue)
	}
	if *ramped.PaybackMonth <= *flat.PaybackMonth {
		t.Errorf("ramped payback %d should be later than flat %d", *ramped.PaybackMonth, *flat.PaybackMonth)
	}
}

func TestNoPaybackWithinTheHorizonIsReportedAsNil(t *testing.T) {
	s := parseT(t, simple)
	s.Costs.OneOff.Licence = ptr(5e6)
	r, err := Evaluate(s, Options{NoSensitivity: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.PaybackMonth != nil {
		t.Errorf("payback = %d, want nil", *r.PaybackMonth)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "no payback") {
		t.Errorf("want a no-payback warning, got %q", r.Warnings)
	}
}

func TestDriversComputeEachDimension(t *testing.T) {
	s, err := Load("../scenarios/drivers-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Evaluate(s, Options{NoSensitivity: true})
	if err != nil {
		t.Fatal(err)
	}
	blended := 0.7*0.30 + 0.3*2.0
	want := map[string]float64{
		"retention":      40000 * 0.20 * 0.35 * 1500 * 3,
		"efficiency":     600000 * (5 - blended) * 3,
		"market_insight": 8e6 * 0.25 * 0.30 * 3,
		"price_premium":  60e6 * 0.01 * 3,
		"fines_avoided":  150000 * 1.0 * 3,
	}
	for k, v := range want {
		if !near(r.ValueByDimension[k], v, 0.01) {
			t.Errorf("%s = %v, want %v", k, r.ValueByDimension[k], v)
		}
	}
	tech := 125000 + 65000 + 35000 + (12500+20000+10000)*36.0
	if !near(r.TotalCost, tech*1.25, 0.01) {
		t.Errorf("total cost = %v, want %v", r.TotalCost, tech*1.25)
	}
}

func TestBadInputsAreErrorsNamingTheField(t *testing.T) {
	base := strings.Replace(simple, "costs:\n  one_off: {licence: 100000}", "costs:\n  one_off: {licence: LIC}", 1)
	tests := []struct {
		name, yaml, wantField string
	}{
		{"a negative cost", strings.Replace(base, "LIC", "-5", 1), "costs.one_off.licence"},
		{"containment above 100%", strings.Replace(base, "LIC", "1", 1) + "\n", ""},
		{"an unknown field", strings.Replace(base, "LIC", "1", 1) + "colour: red\n", "colour"},
		{"a misspelt nested field", strings.Replace(strings.Replace(base, "LIC", "1", 1), "licence", "license", 1), "license"},
		{"a discount rate of -100%", strings.Replace(strings.Replace(base, "LIC", "1", 1), "discount_rate: 0", "discount_rate: -1", 1), "discount_rate"},
		{"a zero total cost", strings.Replace(base, "LIC", "0", 1), "total cost is 0"},
		{"a non-finite number", strings.Replace(base, "LIC", ".nan", 1), "costs.one_off.licence"},
		{"an unknown basis", strings.Replace(strings.Replace(base, "LIC", "1", 1), "retention: {direct: 1200000}", "retention: {basis: guess, direct: 1}", 1), "value.retention.basis"},
		{"a fractional horizon", strings.Replace(strings.Replace(base, "LIC", "1", 1), "horizon_years: 1", "horizon_years: 1.5", 1), "horizon_years"},
		{"drivers basis with a driver missing", strings.Replace(strings.Replace(base, "LIC", "1", 1), "efficiency: {direct: 0}", "efficiency: {basis: drivers, drivers: {annual_contacts: 10, cost_per_contact_before: 5}}", 1), "value.efficiency.drivers.cost_per_contact_after"},
		{"both a total and itemised costs", strings.Replace(base, "LIC", "1", 1) + "\n", ""},
		{"an empty file", "", "empty"},
		{"no costs at all", strings.Split(base, "costs:")[0], "costs: missing"},
	}
	tests[1].yaml = strings.Replace(tests[1].yaml, "efficiency: {direct: 0}", "efficiency: {direct: 0, drivers: {ai_containment: 70}}", 1)
	tests[1].wantField = "value.efficiency.drivers.ai_containment"
	tests[10].yaml = strings.Replace(tests[10].yaml, "costs:\n", "costs:\n  total: {amount: 5}\n", 1)
	tests[10].wantField = "costs"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(tt.yaml))
			if err == nil {
				_, err = Evaluate(s, Options{})
			}
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("error %q does not name %q", err, tt.wantField)
			}
		})
	}
}

func TestDiscountRateAtOrBelowMinus100PercentIsRejectedFromOptionsToo(t *testing.T) {
	_, err := Evaluate(parseT(t, simple), Options{DiscountRate: ptr(-1)})
	if err == nil || !strings.Contains(err.Error(), "discount_rate") {
		t.Fatalf("err = %v, want one naming discount_rate", err)
	}
}

func TestSensitivityRanksInputsByROISwing(t *testing.T) {
	r, err := Evaluate(loadShipped(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sensitivity) < 6 {
		t.Fatalf("want at least the cost and five value inputs, got %d rows", len(r.Sensitivity))
	}
	if r.Sensitivity[0].Input != "costs.total.amount" {
		t.Errorf("top input = %s, want costs.total.amount (cost moves ROI most)", r.Sensitivity[0].Input)
	}
	if r.Sensitivity[1].Input != "value.retention.direct" {
		t.Errorf("second input = %s, want the largest value dimension", r.Sensitivity[1].Input)
	}
	for i := 1; i < len(r.Sensitivity); i++ {
		if r.Sensitivity[i].SwingPoints > r.Sensitivity[i-1].SwingPoints+1e-9 {
			t.Errorf("row %d swing %v above row %d swing %v", i, r.Sensitivity[i].SwingPoints, i-1, r.Sensitivity[i-1].SwingPoints)
		}
	}
	// +10% retention: (32.2M + 1.26M − C) / C.
	c := r.TotalCost
	if want := (32.2e6 + 1.26e6 - c) / c * 100; !near(r.Sensitivity[1].ROIHighPercent, want, 0.01) {
		t.Errorf("ROI with retention +10%% = %v, want %v", r.Sensitivity[1].ROIHighPercent, want)
	}
	for _, row := range r.Sensitivity {
		if strings.Contains(row.Input, "drivers") {
			t.Errorf("unused driver %s should not appear in the tornado", row.Input)
		}
	}
}

func TestSensitivityClampsFractionsAtTheirBounds(t *testing.T) {
	s, err := Load("../scenarios/drivers-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Evaluate(s, Options{NoSensitivity: false})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r.Sensitivity {
		if row.Input == "value.fines_avoided.drivers.reduction" {
			if !row.Clamped || row.High != 1 {
				t.Errorf("reduction 1.0 +10%% should clamp to 1, got %+v", row)
			}
			return
		}
	}
	t.Error("reduction missing from the tornado")
}

func TestActualsOverrideScenarioInputsAndSayWhich(t *testing.T) {
	s := loadShipped(t)
	a := Actuals{Source: "test", AnnualContacts: ptr(1e6)}
	r, err := Evaluate(s, Options{Actuals: &a, NoSensitivity: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.ValueByDimension["efficiency"], 1e6*4.2*3; !near(got, want, 0.01) {
		t.Errorf("efficiency with measured contacts = %v, want %v", got, want)
	}
	if len(r.Overrides) != 1 || r.Overrides[0].Path != "value.efficiency.drivers.annual_contacts" || *r.Overrides[0].Old != 730000 {
		t.Errorf("overrides = %+v", r.Overrides)
	}
	if s.Value.Efficiency.Basis != BasisDirect || *s.Value.Efficiency.Drivers.AnnualContacts != 730000 {
		t.Error("Evaluate changed the caller's scenario")
	}

	a = Actuals{CloudMonthly: ptr(10000)}
	r, err = Evaluate(s, Options{Actuals: &a, NoSensitivity: true})
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.TotalCost, 360000, 0.01) {
		t.Errorf("itemised actuals should replace the implied total: cost = %v", r.TotalCost)
	}

	a = Actuals{AIContainment: ptr(1.7)}
	if _, err := Evaluate(s, Options{Actuals: &a}); err == nil || !strings.Contains(err.Error(), "ai_containment") {
		t.Errorf("out-of-range actual: err = %v", err)
	}
}

func TestResultJSONHasTheContractFields(t *testing.T) {
	r, err := Evaluate(loadShipped(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"total_value", "roi_percent", "total_cost", "npv", "payback_month", "value_by_dimension", "steps", "sensitivity", "warnings"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func TestShippedScenarioFileParsesStrictly(t *testing.T) {
	data, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(append(data, []byte("\nunknown_top: 1\n")...)); err == nil {
		t.Error("an unknown field appended to the shipped scenario was accepted")
	}
}

func TestInputsListEveryGivenInputWithItsSource(t *testing.T) {
	s, err := Load("../scenarios/drivers-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rate := 0.15
	r, err := Evaluate(s, Options{NoSensitivity: true, DiscountRate: &rate, Actuals: &Actuals{Source: "test", AnnualContacts: ptr(123456)}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]InputValue{}
	for _, in := range r.Inputs {
		if _, dup := got[in.Path]; dup {
			t.Errorf("%s listed twice", in.Path)
		}
		got[in.Path] = in
	}
	// Every input the file gives is listed, and nothing it leaves out.
	for _, in := range s.inputs() {
		_, listed := got[in.path]
		if given := *in.p != nil && !strings.HasPrefix(in.path, "costs.typical_ranges."); given != listed {
			t.Errorf("%s: given %v, listed %v", in.path, given, listed)
		}
	}
	check := func(path string, v float64, src InputSource, was *float64) {
		t.Helper()
		in, ok := got[path]
		switch {
		case !ok:
			t.Errorf("%s not listed", path)
		case in.Value != v || in.Source != src || (was == nil) != (in.ScenarioValue == nil) || (was != nil && *was != *in.ScenarioValue):
			t.Errorf("%s = %+v, want value %v source %s scenario value %v", path, in, v, src, was)
		}
	}
	check("value.efficiency.drivers.annual_contacts", 123456, SourceActual, ptr(600000))
	check("discount_rate", 0.15, SourceOption, ptr(0.08))
	check("value.retention.drivers.customers", 40000, SourceScenario, nil)
	check("costs.change_management_share", 0.25, SourceScenario, nil)
}
