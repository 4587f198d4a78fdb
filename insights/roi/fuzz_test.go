package roi

import (
	"math"
	"os"
	"testing"
)

// FuzzParse feeds arbitrary YAML to the parser and the model: neither may panic, and any
// result the model returns must be finite.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"../scenarios/midsize-multinational.yaml", "../scenarios/drivers-example.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(simple))
	f.Add([]byte("costs: {total: {amount: 1e308}}\nvalue: {retention: {direct: 1e308}}"))
	f.Add([]byte("discount_rate: -0.9999999\ncosts: {one_off: {licence: 1}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		r, err := Evaluate(s, Options{})
		if err != nil {
			return
		}
		for _, v := range []float64{r.TotalValue, r.TotalCost, r.ROIPercent, r.NPV} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite result %+v", r)
			}
		}
	})
}
