// Package insights turns customer conversations into product and market intelligence:
// what customers in one market ask about more than elsewhere (opportunity mining), which
// competitors they compare us with, and how often they bring up price.
//
// This package holds the shared types; the work is in small sub-packages named for what
// they provide: tokenize (multilingual tokens and phrases), lexicon (multilingual term
// matching), keyness (log-likelihood of a phrase in a target vs a baseline corpus), themes
// (grouping phrases, trends, emerging-theme alerts), competitors and price (mention rates
// by market), sentiment (a small lexicon scorer), chsql (ClickHouse SQL that computes the
// counts where the data lives) and roi (the value model). None of them touches a database:
// the store calls them with documents or counts.
package insights

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
)

// A Document is one customer message or conversation as the insight models see it:
// pseudonymous, with only the facets the models group by.
type Document struct {
	ID       string
	Market   string // country code, e.g. "TH"
	Segment  string // e.g. "enterprise", "consumer"; may be empty
	Period   string // sortable period label, e.g. "2025-03"
	Language string // BCP 47 primary tag, e.g. "th"; empty when unknown
	Product  string
	Text     string
}

// A Rate is hits out of documents for one group (a market, a segment, a period), with a
// 95% Wilson score interval so that small markets are not over-read.
type Rate struct {
	Key  string  `json:"key"`
	Hits int     `json:"hits"`
	Docs int     `json:"docs"`
	Rate float64 `json:"rate"`
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// NewRate computes hits/docs and its Wilson interval; zero documents give a zero rate and
// the interval [0, 1], never NaN.
func NewRate(key string, hits, docs int) Rate {
	r := Rate{Key: key, Hits: hits, Docs: docs, High: 1}
	if docs <= 0 {
		return r
	}
	n, p, z := float64(docs), float64(hits)/float64(docs), 1.959963984540054
	r.Rate = p
	den := 1 + z*z/n
	centre := (p + z*z/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
	// Clamp to [0, 1] and around p: at p = 0 or 1 rounding can put a bound a hair past p.
	r.Low, r.High = math.Max(0, math.Min(p, centre-half)), math.Min(1, math.Max(p, centre+half))
	return r
}

// RatesByKey turns per-key hit and document counts into Rates sorted by key.
func RatesByKey(hits, docs map[string]int) []Rate {
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Rate, len(keys))
	for i, k := range keys {
		out[i] = NewRate(k, hits[k], docs[k])
	}
	return out
}

// Slope is the least-squares slope of values over their index (0, 1, 2, …): the change
// per period. Fewer than two points give 0.
func Slope(values []float64) float64 {
	if len(values) < 2 {
		return 0
	}
	xs := make([]float64, len(values))
	for i := range xs {
		xs[i] = float64(i)
	}
	_, beta := stat.LinearRegression(xs, values, nil, false)
	if math.IsNaN(beta) || math.IsInf(beta, 0) {
		return 0
	}
	return beta
}
