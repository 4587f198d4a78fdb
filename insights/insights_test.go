package insights

import (
	"math"
	"testing"
)

func TestNewRate(t *testing.T) {
	tests := []struct {
		name       string
		hits, docs int
		rate       float64
	}{
		{"half of a hundred", 50, 100, 0.5},
		{"no documents give zero, not NaN", 0, 0, 0},
		{"all hits keep the interval inside [0,1]", 10, 10, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRate("k", tt.hits, tt.docs)
			if r.Rate != tt.rate || r.Low < 0 || r.High > 1 || r.Low > r.Rate || r.High < r.Rate || math.IsNaN(r.Low) {
				t.Errorf("NewRate(%d, %d) = %+v", tt.hits, tt.docs, r)
			}
		})
	}
	// Wilson 95% interval of 50/100 is [0.4038, 0.5962].
	if r := NewRate("k", 50, 100); math.Abs(r.Low-0.4038) > 1e-4 || math.Abs(r.High-0.5962) > 1e-4 {
		t.Errorf("Wilson interval = [%v, %v]", r.Low, r.High)
	}
}

func TestSlope(t *testing.T) {
	if s := Slope([]float64{1, 3, 5}); math.Abs(s-2) > 1e-12 {
		t.Errorf("slope = %v, want 2", s)
	}
	if s := Slope([]float64{7}); s != 0 {
		t.Errorf("slope of one point = %v, want 0", s)
	}
}
