// Package keyness finds phrases over-represented in a target corpus (a market, segment,
// product line or period) compared with a baseline, by Dunning's log-likelihood G² as used
// in corpus linguistics (Rayson & Garside 2000), with a p-value from the χ² distribution
// with one degree of freedom, a minimum-support filter, the log-ratio effect size (Hardie
// 2014) and a multiple-comparison correction, because testing ten thousand phrases at
// p < 0.05 finds five hundred by chance.
//
// The input is counts, so that the caller can compute them where the data is (see package
// chsql for ClickHouse); Count builds them from in-memory documents for tests and small
// corpora.
package keyness

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// PhraseCount is one phrase's frequency in both corpora.
type PhraseCount struct {
	Phrase  string `json:"phrase"`
	Surface string `json:"surface,omitempty"` // a readable form, when Phrase is stemmed
	// Target and Baseline are occurrence counts; TargetDocs is how many target documents
	// contain the phrase (for the minimum-support filter) and TargetCustomers how many
	// distinct customers wrote them (for k-anonymity; 0 when unknown).
	Target, Baseline int
	TargetDocs       int
	TargetCustomers  int
}

// Counts are the per-phrase counts and the corpus sizes (total phrase occurrences) they
// are relative to.
type Counts struct {
	Phrases       []PhraseCount
	TargetTotal   int
	BaselineTotal int
}

// Correction is the multiple-comparison correction applied to p-values.
type Correction string

// Corrections.
const (
	// BenjaminiHochberg controls the false-discovery rate: among phrases called key, at most
	// Alpha are expected to be false. The usual choice for exploration.
	BenjaminiHochberg Correction = "bh"
	// Bonferroni controls the chance of any false positive; stricter, for alerts.
	Bonferroni Correction = "bonferroni"
	// None leaves p-values as they are.
	None Correction = "none"
)

// Options set the test. The zero value is not useful; start from DefaultOptions.
type Options struct {
	Alpha         float64 // significance level after correction
	MinTarget     int     // minimum occurrences in the target
	MinTargetDocs int     // minimum target documents containing the phrase
	// MinTargetCustomers is k: the fewest distinct target customers (TargetCustomers) a
	// phrase needs to be tested and reported at all; 0 means no such filter.
	MinTargetCustomers int
	MinLogRatio        float64    // minimum log2 ratio of relative frequencies (1 = twice as frequent)
	Correction         Correction // default BenjaminiHochberg
	IncludeNegative    bool       // also report phrases under-represented in the target
}

// DefaultOptions are a conservative starting point for customer-message corpora.
func DefaultOptions() Options {
	return Options{Alpha: 0.01, MinTarget: 5, MinTargetDocs: 3, MinLogRatio: 1, Correction: BenjaminiHochberg}
}

// Result is one tested phrase.
type Result struct {
	Phrase     string `json:"phrase"`
	Surface    string `json:"surface,omitempty"`
	Target     int    `json:"target"`
	Baseline   int    `json:"baseline"`
	TargetDocs int    `json:"target_docs"`
	// TargetCustomers is the phrase's distinct target customers, when counted.
	TargetCustomers int     `json:"target_customers,omitempty"`
	G2              float64 `json:"g2"`
	P               float64 `json:"p"`
	PAdjusted       float64 `json:"p_adjusted"`
	// LogRatio is log2 of the target's relative frequency over the baseline's, with 0.5
	// added to a zero count so phrases absent from the baseline stay finite.
	LogRatio    float64 `json:"log_ratio"`
	Significant bool    `json:"significant"`
}

// G2 is the log-likelihood statistic for a phrase seen a times in a corpus of c phrases and
// b times in a corpus of d phrases. Terms with a zero count contribute 0 (the limit of
// x·ln x). It returns 0 for degenerate inputs instead of NaN.
func G2(a, b, c, d float64) float64 {
	if c <= 0 || d <= 0 || a+b <= 0 {
		return 0
	}
	e1 := c * (a + b) / (c + d)
	e2 := d * (a + b) / (c + d)
	g := 0.0
	if a > 0 {
		g += a * math.Log(a/e1)
	}
	if b > 0 {
		g += b * math.Log(b/e2)
	}
	return math.Max(0, 2*g)
}

// PValue is the upper tail of the χ² distribution with one degree of freedom at g2. For one
// degree of freedom it equals erfc(√(g2/2)), which is exact and much cheaper than the
// general incomplete gamma function (distuv.ChiSquared), so it is used here; the test
// checks the two agree.
func PValue(g2 float64) float64 {
	if g2 <= 0 {
		return 1
	}
	return math.Erfc(math.Sqrt(g2 / 2))
}

// Test computes G², p-values, effect sizes and the correction for every phrase that meets
// the minimum support, and returns them most significant first. Only phrases that pass the
// support filter count towards the correction, as they are the only ones tested.
func Test(c Counts, o Options) ([]Result, error) {
	if c.TargetTotal <= 0 || c.BaselineTotal <= 0 {
		return nil, errors.New("keyness: target and baseline totals must both be positive")
	}
	if o.Alpha <= 0 || o.Alpha >= 1 {
		return nil, fmt.Errorf("keyness: alpha %g must be in (0, 1)", o.Alpha)
	}
	if o.Correction == "" {
		o.Correction = BenjaminiHochberg
	}
	tt, bt := float64(c.TargetTotal), float64(c.BaselineTotal)
	var out []Result
	for _, p := range c.Phrases {
		if p.Target < 0 || p.Baseline < 0 || p.Target > c.TargetTotal || p.Baseline > c.BaselineTotal {
			return nil, fmt.Errorf("keyness: phrase %q: counts %d/%d outside totals %d/%d", p.Phrase, p.Target, p.Baseline, c.TargetTotal, c.BaselineTotal)
		}
		if p.Target < o.MinTarget || p.TargetDocs < o.MinTargetDocs || p.TargetCustomers < o.MinTargetCustomers {
			continue
		}
		a, b := float64(p.Target), float64(p.Baseline)
		lr := math.Log2((math.Max(a, 0.5) / tt) / (math.Max(b, 0.5) / bt))
		if !o.IncludeNegative && lr <= 0 {
			continue
		}
		g := G2(a, b, tt, bt)
		out = append(out, Result{
			Phrase: p.Phrase, Surface: p.Surface, Target: p.Target, Baseline: p.Baseline, TargetDocs: p.TargetDocs, TargetCustomers: p.TargetCustomers,
			G2: g, P: PValue(g), LogRatio: lr,
		})
	}
	adjust(out, o.Correction)
	for i := range out {
		r := &out[i]
		r.Significant = r.PAdjusted < o.Alpha && math.Abs(r.LogRatio) >= o.MinLogRatio
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].G2 != out[j].G2 {
			return out[i].G2 > out[j].G2
		}
		return out[i].Phrase < out[j].Phrase
	})
	return out, nil
}

// adjust fills PAdjusted.
func adjust(rs []Result, c Correction) {
	m := float64(len(rs))
	switch c {
	case Bonferroni:
		for i := range rs {
			rs[i].PAdjusted = math.Min(1, rs[i].P*m)
		}
	case BenjaminiHochberg:
		idx := make([]int, len(rs))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return rs[idx[a]].P < rs[idx[b]].P })
		// Step-up: adjusted p_(k) = min over j ≥ k of p_(j)·m/j, capped at 1.
		prev := 1.0
		for k := len(idx) - 1; k >= 0; k-- {
			r := &rs[idx[k]]
			v := math.Min(prev, r.P*m/float64(k+1))
			r.PAdjusted = math.Min(1, v)
			prev = v
		}
	default:
		for i := range rs {
			rs[i].PAdjusted = rs[i].P
		}
	}
}
