package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const midsize = "../../insights/scenarios/midsize-multinational.yaml"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestROIJSONReproducesTheWorkedExample(t *testing.T) {
	code, out, errs := runCLI(t, "roi", "--scenario", midsize, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		TotalValue       float64            `json:"total_value"`
		TotalCost        float64            `json:"total_cost"`
		ROIPercent       float64            `json:"roi_percent"`
		NPV              float64            `json:"npv"`
		PaybackMonth     *int               `json:"payback_month"`
		ValueByDimension map[string]float64 `json:"value_by_dimension"`
		Steps            []map[string]any   `json:"steps"`
		Sensitivity      []map[string]any   `json:"sensitivity"`
		Warnings         []string           `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if got.TotalValue != 32200000 {
		t.Errorf("total_value = %v, want 32200000", got.TotalValue)
	}
	if math.Abs(got.ROIPercent-487) > 0.005 {
		t.Errorf("roi_percent = %v, want 487", got.ROIPercent)
	}
	if got.ValueByDimension["retention"] != 12600000 || len(got.ValueByDimension) != 5 {
		t.Errorf("value_by_dimension = %v", got.ValueByDimension)
	}
	if got.PaybackMonth == nil || len(got.Steps) == 0 || len(got.Sensitivity) == 0 || got.NPV <= 0 || got.TotalCost <= 0 {
		t.Errorf("incomplete result: payback %v, %d steps, %d sensitivity rows, npv %v", got.PaybackMonth, len(got.Steps), len(got.Sensitivity), got.NPV)
	}
}

func TestROITableShowsTheHeadlineFigures(t *testing.T) {
	code, out, errs := runCLI(t, "roi", "--scenario", "midsize-multinational")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"$32,200,000", "$12,600,000", "$9,198,000", "487.0%", "NPV", "payback month", "sensitivity", "costs.total.amount", "implied"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestROIDiscountRateFlagChangesNPVButNotROI(t *testing.T) {
	npv := func(rate string) float64 {
		code, out, errs := runCLI(t, "roi", "--scenario", midsize, "--json", "--discount-rate", rate)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var r struct {
			NPV float64 `json:"npv"`
			ROI float64 `json:"roi_percent"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.ROI-487) > 0.005 {
			t.Errorf("ROI at %s = %v", rate, r.ROI)
		}
		return r.NPV
	}
	if low, high := npv("2%"), npv("0.2"); low <= high {
		t.Errorf("NPV at 2%% (%v) should exceed NPV at 20%% (%v)", low, high)
	}
}

func TestROIFailures(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"a missing --scenario is a usage error", []string{"roi"}, 2, "usage"},
		{"an unparseable discount rate is a usage error", []string{"roi", "--scenario", midsize, "--discount-rate", "abc"}, 2, "discount-rate"},
		{"a discount rate of -100% is a usage error", []string{"roi", "--scenario", midsize, "--discount-rate=-100%"}, 2, "-100%"},
		{"a missing file fails with one line", []string{"roi", "--scenario", filepath.Join(dir, "nope.yaml")}, 1, "no such file"},
		{"an unknown field is named", []string{"roi", "--scenario", write("u.yaml", "value: {retention: {direct: 1, colour: 2}}\ncosts: {one_off: {licence: 1}}\n")}, 1, "unknown field colour"},
		{"a negative cost is named by its path", []string{"roi", "--scenario", write("n.yaml", "costs: {one_off: {licence: -1}}\n")}, 1, "costs.one_off.licence"},
		{"zero cost makes ROI undefined", []string{"roi", "--scenario", write("z.yaml", "value: {retention: {direct: 5}}\ncosts: {one_off: {licence: 0}}\n")}, 1, "undefined"},
		{"an unknown cash-flow period is refused", []string{"roi", "--scenario", midsize, "--cash-flows", "weekly"}, 1, "monthly or yearly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, errs)
			}
			if !strings.Contains(errs, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errs, tt.wantErr)
			}
			if tt.wantCode == 1 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("error is not one line: %q", errs)
			}
			if out != "" {
				t.Errorf("failure printed to stdout: %q", out)
			}
		})
	}
}
