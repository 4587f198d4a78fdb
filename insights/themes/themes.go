// Package themes groups key phrases into themes people can act on ("high-temperature
// sterilisation" rather than the five character bigrams 高温, 温消, 消毒, …), and follows
// each theme over time and across markets, raising an alert when a theme grows
// significantly from one period to the next.
//
// Phrases are linked when one contains the other's words (a bigram and its unigrams) or
// when the documents they occur in overlap (Jaccard similarity of document sets at or above
// MinJaccard); themes are the connected components. This is single-linkage clustering: cheap
// and explainable, at the price of occasionally chaining two topics through a shared phrase,
// which MinJaccard controls.
package themes

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/meridian-cs/meridian/insights"
	"github.com/meridian-cs/meridian/insights/keyness"
	"github.com/meridian-cs/meridian/understanding/tokenize"
)

// Options tune grouping.
type Options struct {
	MinJaccard float64 // document-overlap threshold for linking two phrases; default 0.6
	// 0.6 rather than a looser 0.3: a hub phrase shared by two themes (Thai ความ, in both
	// ความร้อน "heat" and ความชื้น "humidity") overlaps each by about half and would chain
	// them into one theme at 0.3.
	MaxPhrases int // how many of the most significant phrases to group; default 200
	Examples   int // example document ids per theme; default 3
	// OnlySignificant groups only results marked Significant (default true via Defaults).
	OnlySignificant bool
}

// Defaults returns the default options.
func Defaults() Options {
	return Options{MinJaccard: 0.6, MaxPhrases: 200, Examples: 3, OnlySignificant: true}
}

// PeriodCount is a theme's document count in one period, with the period's total documents.
type PeriodCount struct {
	Period string `json:"period"`
	Docs   int    `json:"docs"`
	Total  int    `json:"total"`
}

// A Theme is a group of related key phrases.
type Theme struct {
	Label   string          `json:"label"`
	Phrases []string        `json:"phrases"` // readable forms, most significant first
	Keys    []string        `json:"keys"`    // the counted (stemmed) forms, same order
	G2      float64         `json:"g2"`      // the largest G² among its phrases
	Volume  int             `json:"volume"`  // documents containing any of its phrases
	Markets []insights.Rate `json:"markets"`
	Periods []PeriodCount   `json:"periods"`
	// Slope is the least-squares trend of the theme's share of documents per period.
	Slope    float64  `json:"slope"`
	Examples []string `json:"examples"`
}

// Group turns keyness results into themes over docs (the documents to measure volume,
// markets and trend on; usually target and baseline together). Themes are returned largest
// G² first.
func Group(results []keyness.Result, docs []insights.Document, o Options) []Theme {
	if o.MinJaccard <= 0 {
		o.MinJaccard = 0.6
	}
	if o.MaxPhrases <= 0 {
		o.MaxPhrases = 200
	}
	var sel []keyness.Result
	for _, r := range results {
		if (!o.OnlySignificant || r.Significant) && r.LogRatio > 0 {
			sel = append(sel, r)
		}
		if len(sel) == o.MaxPhrases {
			break
		}
	}
	if len(sel) == 0 {
		return nil
	}
	idx := map[string]int{}
	for i, r := range sel {
		idx[r.Phrase] = i
	}
	// Which documents contain each selected phrase.
	postings := make([][]int, len(sel))
	periodTotal := map[string]int{}
	for di, d := range docs {
		periodTotal[d.Period]++
		seen := map[int]bool{}
		for _, p := range tokenize.Phrases(d.Text, d.Language) {
			if i, ok := idx[p.Key]; ok && !seen[i] {
				seen[i] = true
				postings[i] = append(postings[i], di)
			}
		}
	}
	uf := newUnionFind(len(sel))
	for i := range sel {
		for _, w := range strings.Fields(sel[i].Phrase) {
			if j, ok := idx[w]; ok && j != i {
				uf.union(i, j)
			}
		}
		for j := i + 1; j < len(sel); j++ {
			if jaccard(postings[i], postings[j]) >= o.MinJaccard {
				uf.union(i, j)
			}
		}
	}
	groups := map[int][]int{}
	for i := range sel {
		r := uf.find(i)
		groups[r] = append(groups[r], i)
	}
	var out []Theme
	for _, members := range groups {
		out = append(out, build(sel, members, postings, docs, periodTotal, o))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].G2 != out[j].G2 {
			return out[i].G2 > out[j].G2
		}
		return out[i].Label < out[j].Label
	})
	return out
}

func build(sel []keyness.Result, members []int, postings [][]int, docs []insights.Document, periodTotal map[string]int, o Options) Theme {
	sort.Slice(members, func(a, b int) bool { return sel[members[a]].G2 > sel[members[b]].G2 })
	t := Theme{G2: sel[members[0]].G2}
	docSet := map[int]bool{}
	for _, m := range members {
		surf := sel[m].Surface
		if surf == "" {
			surf = sel[m].Phrase
		}
		t.Phrases = append(t.Phrases, surf)
		t.Keys = append(t.Keys, sel[m].Phrase)
		for _, d := range postings[m] {
			docSet[d] = true
		}
	}
	t.Label = strings.Join(t.Phrases[:min(3, len(t.Phrases))], " / ")
	ids := make([]int, 0, len(docSet))
	for d := range docSet {
		ids = append(ids, d)
	}
	sort.Ints(ids)
	t.Volume = len(ids)
	hits, byPeriod := map[string]int{}, map[string]int{}
	marketDocs := map[string]int{}
	for _, d := range docs {
		marketDocs[d.Market]++
	}
	for _, d := range ids {
		hits[docs[d].Market]++
		byPeriod[docs[d].Period]++
		if len(t.Examples) < o.Examples {
			t.Examples = append(t.Examples, docs[d].ID)
		}
	}
	t.Markets = insights.RatesByKey(hits, marketDocs)
	sort.SliceStable(t.Markets, func(i, j int) bool { return t.Markets[i].Rate > t.Markets[j].Rate })
	periods := make([]string, 0, len(periodTotal))
	for p := range periodTotal {
		periods = append(periods, p)
	}
	sort.Strings(periods)
	shares := make([]float64, len(periods))
	for i, p := range periods {
		t.Periods = append(t.Periods, PeriodCount{Period: p, Docs: byPeriod[p], Total: periodTotal[p]})
		shares[i] = float64(byPeriod[p]) / float64(periodTotal[p])
	}
	t.Slope = insights.Slope(shares)
	return t
}

// jaccard is |a ∩ b| / |a ∪ b| for sorted document-index lists.
func jaccard(a, b []int) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u unionFind) union(a, b int) { u[u.find(a)] = u.find(b) }

// AlertOptions set the emerging-theme rule.
type AlertOptions struct {
	MinDocs   int     // minimum documents in the latest period; default 5
	MinGrowth float64 // minimum ratio of latest share to previous share; default 1.5
	Alpha     float64 // significance of the G² test of latest vs previous share; default 0.01
}

// An Alert says a theme's share of documents grew significantly in the latest period.
type Alert struct {
	Theme     string  `json:"theme"`
	Period    string  `json:"period"`
	Previous  string  `json:"previous"`
	Docs      int     `json:"docs"`
	PrevDocs  int     `json:"prev_docs"`
	Share     float64 `json:"share"`
	PrevShare float64 `json:"prev_share"`
	Growth    float64 `json:"growth"` // Share / PrevShare; a theme new this period counts as growth ∞ and is reported as 0 with PrevDocs 0
	G2        float64 `json:"g2"`
	P         float64 `json:"p"`
	Reason    string  `json:"reason"`
}

// Emerging applies the alert rule to a theme's last two periods: at least MinDocs documents
// now, a share at least MinGrowth times the previous one, and a G² test of the two shares
// with p < Alpha. A theme with no documents before qualifies on MinDocs and the test alone.
func Emerging(t Theme, o AlertOptions) (Alert, bool) {
	if o.MinDocs <= 0 {
		o.MinDocs = 5
	}
	if o.MinGrowth <= 0 {
		o.MinGrowth = 1.5
	}
	if o.Alpha <= 0 {
		o.Alpha = 0.01
	}
	n := len(t.Periods)
	if n < 2 {
		return Alert{}, false
	}
	cur, prev := t.Periods[n-1], t.Periods[n-2]
	if cur.Total == 0 || prev.Total == 0 {
		return Alert{}, false
	}
	a := Alert{Theme: t.Label, Period: cur.Period, Previous: prev.Period, Docs: cur.Docs, PrevDocs: prev.Docs,
		Share: float64(cur.Docs) / float64(cur.Total), PrevShare: float64(prev.Docs) / float64(prev.Total)}
	if a.PrevShare > 0 {
		a.Growth = a.Share / a.PrevShare
	}
	a.G2 = keyness.G2(float64(cur.Docs), float64(prev.Docs), float64(cur.Total), float64(prev.Total))
	a.P = keyness.PValue(a.G2)
	grown := a.PrevDocs == 0 || a.Growth >= o.MinGrowth
	ok := cur.Docs >= o.MinDocs && grown && a.Share > a.PrevShare && a.P < o.Alpha
	if ok {
		g := "new this period"
		if a.PrevDocs > 0 {
			g = fmt.Sprintf("×%.1f", a.Growth)
		}
		a.Reason = fmt.Sprintf("%q: %.1f%% of documents in %s vs %.1f%% in %s (%s, G²=%.1f, p=%.2g)",
			t.Label, 100*a.Share, cur.Period, 100*a.PrevShare, prev.Period, g, a.G2, math.Max(a.P, 1e-300))
	}
	return a, ok
}
