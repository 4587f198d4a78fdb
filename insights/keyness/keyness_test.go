package keyness

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/meridian-cs/meridian/insights"
)

func TestG2MatchesHandArithmetic(t *testing.T) {
	tests := []struct {
		name       string
		a, b, c, d float64
		want       float64
	}{
		// E1 = 1000·15/3000 = 5, E2 = 10: G² = 2(10 ln 2 + 5 ln ½) = 10 ln 2.
		{"twice the expected rate in the target", 10, 5, 1000, 2000, 10 * math.Ln2},
		{"equal relative frequencies give zero", 10, 20, 1000, 2000, 0},
		{"a phrase absent from the baseline stays finite", 10, 0, 1000, 1000, 2 * 10 * math.Ln2},
		{"empty corpora give zero, not NaN", 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := G2(tt.a, tt.b, tt.c, tt.d); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("G2 = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBenjaminiHochbergStepUp(t *testing.T) {
	rs := []Result{{P: 0.01}, {P: 0.5}, {P: 0.03}, {P: 0.02}}
	adjust(rs, BenjaminiHochberg)
	want := []float64{0.04, 0.5, 0.04, 0.04}
	for i := range rs {
		if math.Abs(rs[i].PAdjusted-want[i]) > 1e-12 {
			t.Errorf("p=%v adjusted to %v, want %v", rs[i].P, rs[i].PAdjusted, want[i])
		}
	}
	adjust(rs, Bonferroni)
	if rs[0].PAdjusted != 0.04 || rs[1].PAdjusted != 1 {
		t.Errorf("Bonferroni: %v, %v", rs[0].PAdjusted, rs[1].PAdjusted)
	}
}

func TestTestFindsAPlantedPhraseAndNotChance(t *testing.T) {
	var target, base []insights.Document
	for i := range 200 {
		target = append(target, insights.Document{ID: fmt.Sprint("t", i), Language: "en", Text: "where is my order delivery"})
		base = append(base, insights.Document{ID: fmt.Sprint("b", i), Language: "en", Text: "where is my order delivery"})
	}
	for i := range 40 {
		target[i].Text += " moisture proof coating"
	}
	res, err := Test(Count(target, base), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	sig := map[string]bool{}
	for _, r := range res {
		if r.Significant {
			sig[r.Phrase] = true
		}
	}
	for _, p := range []string{"moisture proof", "proof coat", "moisture"} {
		if !sig[p] {
			t.Errorf("planted phrase %q not significant: %+v", p, res)
		}
	}
	for _, p := range []string{"order", "delivery", "order delivery"} {
		if sig[p] {
			t.Errorf("phrase %q equally common in both corpora was called key", p)
		}
	}
}

func TestMinimumSupportFiltersRarePhrases(t *testing.T) {
	c := Counts{TargetTotal: 1000, BaselineTotal: 1000, Phrases: []PhraseCount{{Phrase: "rare", Target: 4, TargetDocs: 4}}}
	res, err := Test(c, DefaultOptions())
	if err != nil || len(res) != 0 {
		t.Errorf("a phrase below MinTarget was tested: %+v, %v", res, err)
	}
}

func TestInvalidCountsAreErrors(t *testing.T) {
	for _, c := range []Counts{
		{TargetTotal: 0, BaselineTotal: 10},
		{TargetTotal: 10, BaselineTotal: 10, Phrases: []PhraseCount{{Phrase: "x", Target: 11}}},
	} {
		if _, err := Test(c, DefaultOptions()); err == nil {
			t.Errorf("Test(%+v) gave no error", c)
		}
	}
}

func TestPValueAgreesWithTheChiSquaredDistribution(t *testing.T) {
	chi := distuv.ChiSquared{K: 1}
	for _, g := range []float64{0.001, 0.5, 3.841458820694124, 6.63, 10.83, 50, 200} {
		if got, want := PValue(g), chi.Survival(g); math.Abs(got-want) > 1e-12*math.Max(1, want) && math.Abs(got-want)/want > 1e-9 {
			t.Errorf("PValue(%v) = %v, want %v", g, got, want)
		}
	}
	if p := PValue(3.841458820694124); math.Abs(p-0.05) > 1e-9 {
		t.Errorf("PValue at the 5%% critical value = %v", p)
	}
}
