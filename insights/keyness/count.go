package keyness

import (
	"sort"

	"github.com/meridian-cs/meridian/insights"
	"github.com/meridian-cs/meridian/understanding/tokenize"
)

// Count tokenises in-memory documents (tokenize.Phrases, with each document's language) and
// returns phrase counts of target against baseline. The surface form reported for a phrase
// is its most frequent one in the target. For large corpora compute the counts in the
// database instead (package chsql).
func Count(target, baseline []insights.Document) Counts {
	type acc struct {
		t, b, docs int
		surf       map[string]int
	}
	m := map[string]*acc{}
	var c Counts
	get := func(k string) *acc {
		a := m[k]
		if a == nil {
			a = &acc{surf: map[string]int{}}
			m[k] = a
		}
		return a
	}
	for _, d := range target {
		seen := map[string]bool{}
		for _, p := range tokenize.Phrases(d.Text, d.Language) {
			a := get(p.Key)
			a.t++
			a.surf[p.Surface]++
			c.TargetTotal++
			if !seen[p.Key] {
				seen[p.Key] = true
				a.docs++
			}
		}
	}
	for _, d := range baseline {
		for _, p := range tokenize.Phrases(d.Text, d.Language) {
			get(p.Key).b++
			c.BaselineTotal++
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := m[k]
		best, bn := k, 0
		for s, n := range a.surf {
			if n > bn || (n == bn && s < best) {
				best, bn = s, n
			}
		}
		c.Phrases = append(c.Phrases, PhraseCount{Phrase: k, Surface: best, Target: a.t, Baseline: a.b, TargetDocs: a.docs})
	}
	return c
}
