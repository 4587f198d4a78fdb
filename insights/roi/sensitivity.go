package roi

import (
	"fmt"
	"math"
	"sort"
)

// A SensitivityRow is one bar of the tornado table: the model re-run with one input moved
// down and up by the sensitivity delta, everything else held.
type SensitivityRow struct {
	Input          string  `json:"input"`
	Base           float64 `json:"base"`
	Low            float64 `json:"low"`
	High           float64 `json:"high"`
	ROILowPercent  float64 `json:"roi_low_percent"`
	ROIHighPercent float64 `json:"roi_high_percent"`
	// SwingPoints is |ROI at high − ROI at low| in percentage points; rows are ranked by it.
	SwingPoints float64 `json:"swing_points"`
	NPVLow      float64 `json:"npv_low"`
	NPVHigh     float64 `json:"npv_high"`
	// Clamped says the input hit the edge of its range (e.g. a share of 1) on one side.
	Clamped bool `json:"clamped,omitempty"`
}

// sensitivity moves each used, non-structural, non-zero input by ±delta and ranks inputs by
// how far ROI swings, then by how far NPV swings (discount rate and ramp move only NPV).
// Inputs that move neither are left out: they are not used by the chosen bases.
func sensitivity(s *Scenario, base *core, delta float64) ([]SensitivityRow, []string) {
	var rows []SensitivityRow
	var warns []string
	for _, in := range s.inputs() {
		if in.structural || *in.p == nil || **in.p == 0 {
			continue
		}
		v := **in.p
		row := SensitivityRow{Input: in.path, Base: v}
		var failed error
		for i, f := range []float64{1 - delta, 1 + delta} {
			nv, clamped := in.clamp(v * f)
			row.Clamped = row.Clamped || clamped
			c := s.Clone()
			for _, ci := range c.inputs() {
				if ci.path == in.path {
					*ci.p = ptr(nv)
				}
			}
			res, err := compute(&c)
			if err != nil {
				failed = err
				break
			}
			if i == 0 {
				row.Low, row.ROILowPercent, row.NPVLow = nv, res.roi*100, res.npv
			} else {
				row.High, row.ROIHighPercent, row.NPVHigh = nv, res.roi*100, res.npv
			}
		}
		if failed != nil {
			warns = append(warns, fmt.Sprintf("sensitivity of %s skipped: %v", in.path, failed))
			continue
		}
		row.SwingPoints = math.Abs(row.ROIHighPercent - row.ROILowPercent)
		row.ROILowPercent, row.ROIHighPercent = hundredths(row.ROILowPercent), hundredths(row.ROIHighPercent)
		row.NPVLow, row.NPVHigh = cents(row.NPVLow), cents(row.NPVHigh)
		npvSwing := math.Abs(row.NPVHigh - row.NPVLow)
		if row.SwingPoints < 1e-9 && npvSwing < 1e-6*math.Max(1, math.Abs(base.npv)) {
			continue
		}
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if math.Abs(a.SwingPoints-b.SwingPoints) > 1e-9 {
			return a.SwingPoints > b.SwingPoints
		}
		return math.Abs(a.NPVHigh-a.NPVLow) > math.Abs(b.NPVHigh-b.NPVLow)
	})
	return rows, warns
}

// clamp keeps a perturbed input inside its valid range.
func (in input) clamp(v float64) (float64, bool) {
	switch {
	case v > in.hi:
		return in.hi, true
	case v < in.lo || (in.loOpen && v <= in.lo):
		if in.loOpen {
			return in.lo + 1e-9, true
		}
		return in.lo, true
	}
	return v, false
}
