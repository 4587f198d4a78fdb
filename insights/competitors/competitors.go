// Package competitors counts how often customers mention competitors, by market: the
// write-up's example is a car maker that learned 45% of its Korean enquiries compared it
// with Japanese brands. Names come from a YAML dictionary (see
// insights/competitors.example.yaml) with aliases in each market's script; matching is
// done by package lexicon (whole words for spaced scripts, substrings for CJK and Thai).
package competitors

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/meridian-cs/meridian/insights"
	"github.com/meridian-cs/meridian/understanding/lexicon"
	"github.com/meridian-cs/meridian/understanding/sentiment"
)

// An Entry is one competitor or one of our products with its aliases.
type Entry struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Origin  string   `yaml:"origin"` // country of origin, e.g. "JP"; lets callers group "Japanese brands"
	Aliases []string `yaml:"aliases"`
}

// A Dictionary lists competitors and our own products.
type Dictionary struct {
	Competitors []Entry `yaml:"competitors"`
	OurProducts []Entry `yaml:"our_products"`

	comp, ours *lexicon.Matcher
	byID       map[string]Entry
}

// ErrUnknownCompetitor is returned (wrapped) for a competitor id not in the dictionary.
var ErrUnknownCompetitor = errors.New("unknown competitor")

// Parse reads a dictionary from YAML. Unknown fields, duplicate ids and entries without
// aliases are errors.
func Parse(data []byte) (*Dictionary, error) {
	var d Dictionary
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("competitors: parse dictionary: %w", err)
	}
	if err := d.compile(); err != nil {
		return nil, err
	}
	return &d, nil
}

// Load reads a dictionary file.
func Load(path string) (*Dictionary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("competitors: %w", err)
	}
	d, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

func (d *Dictionary) compile() error {
	d.byID = map[string]Entry{}
	var comp, ours []lexicon.Term
	for i, list := range [][]Entry{d.Competitors, d.OurProducts} {
		field := [...]string{"competitors", "our_products"}[i]
		for j, e := range list {
			switch {
			case e.ID == "":
				return fmt.Errorf("competitors: %s[%d]: missing id", field, j)
			case len(e.Aliases) == 0:
				return fmt.Errorf("competitors: %s[%d] (%s): no aliases", field, j, e.ID)
			}
			if _, dup := d.byID[e.ID]; dup {
				return fmt.Errorf("competitors: %s[%d]: duplicate id %q", field, j, e.ID)
			}
			d.byID[e.ID] = e
			for _, a := range e.Aliases {
				t := lexicon.Term{Text: a, Key: e.ID}
				if i == 0 {
					comp = append(comp, t)
				} else {
					ours = append(ours, t)
				}
			}
		}
	}
	if len(d.Competitors) == 0 {
		return errors.New("competitors: dictionary lists no competitors")
	}
	d.comp, d.ours = lexicon.New(comp), lexicon.New(ours)
	return nil
}

// Competitor returns the entry for id, or an error wrapping ErrUnknownCompetitor that lists
// the known ids.
func (d *Dictionary) Competitor(id string) (Entry, error) {
	e, ok := d.byID[id]
	if !ok || !d.isCompetitor(id) {
		ids := make([]string, len(d.Competitors))
		for i, c := range d.Competitors {
			ids[i] = c.ID
		}
		return Entry{}, fmt.Errorf("competitors: %w %q (known: %s)", ErrUnknownCompetitor, id, strings.Join(ids, ", "))
	}
	return e, nil
}

func (d *Dictionary) isCompetitor(id string) bool {
	for _, c := range d.Competitors {
		if c.ID == id {
			return true
		}
	}
	return false
}

// Mentions returns the competitor ids and our product ids mentioned in text.
func (d *Dictionary) Mentions(text string) (competitors, ours []string) {
	return d.comp.Keys(text), d.ours.Keys(text)
}

// Query selects what to report. Empty fields mean all.
type Query struct {
	// Competitors restricts the report to these ids; an unknown id is an error.
	Competitors []string
	// Origin restricts to competitors from this country (e.g. "JP" for Japanese brands).
	Origin string
}

// Report is competitor intelligence over a set of documents.
type Report struct {
	// AnyByMarket is, per market, the share of documents mentioning any selected competitor.
	AnyByMarket []insights.Rate `json:"any_by_market"`
	// ByCompetitor is, per competitor, its mention rate per market.
	ByCompetitor map[string][]insights.Rate `json:"by_competitor"`
	// CoMention is, per market, the share of competitor-mentioning documents that also
	// name one of our products: a direct comparison rather than a passing mention.
	CoMention []insights.Rate `json:"co_mention"`
	// Sentiment is the mean sentiment of the sentences mentioning each competitor.
	Sentiment map[string]float64 `json:"sentiment"`
	// Mentions counts documents mentioning each competitor.
	Mentions map[string]int `json:"mentions"`
	// ByPeriod is the share of documents mentioning any selected competitor, per period.
	ByPeriod []insights.Rate `json:"by_period"`
	// Trend is the least-squares slope of ByPeriod rates, per period.
	Trend float64 `json:"trend"`
}

// Analyze computes the report for docs.
func (d *Dictionary) Analyze(docs []insights.Document, q Query) (Report, error) {
	sel := map[string]bool{}
	for _, id := range q.Competitors {
		if _, err := d.Competitor(id); err != nil {
			return Report{}, err
		}
		sel[id] = true
	}
	keep := func(id string) bool {
		if len(sel) > 0 && !sel[id] {
			return false
		}
		return q.Origin == "" || strings.EqualFold(d.byID[id].Origin, q.Origin)
	}
	if q.Origin != "" {
		found := false
		for _, c := range d.Competitors {
			found = found || keep(c.ID)
		}
		if !found {
			return Report{}, fmt.Errorf("competitors: %w: none with origin %q", ErrUnknownCompetitor, q.Origin)
		}
	}
	docsBy, anyBy, coBy := map[string]int{}, map[string]int{}, map[string]int{}
	perDocs, perAny := map[string]int{}, map[string]int{}
	byComp := map[string]map[string]int{}
	sentSum, sentN := map[string]float64{}, map[string]int{}
	r := Report{ByCompetitor: map[string][]insights.Rate{}, Sentiment: map[string]float64{}, Mentions: map[string]int{}}
	for _, doc := range docs {
		docsBy[doc.Market]++
		perDocs[doc.Period]++
		matches := d.comp.Find(doc.Text)
		seen := map[string]bool{}
		for _, m := range matches {
			if !keep(m.Key) {
				continue
			}
			sentSum[m.Key] += sentiment.Of(m.Sentence).Value
			sentN[m.Key]++
			if seen[m.Key] {
				continue
			}
			seen[m.Key] = true
			r.Mentions[m.Key]++
			if byComp[m.Key] == nil {
				byComp[m.Key] = map[string]int{}
			}
			byComp[m.Key][doc.Market]++
		}
		if len(seen) == 0 {
			continue
		}
		anyBy[doc.Market]++
		perAny[doc.Period]++
		if len(d.ours.Find(doc.Text)) > 0 {
			coBy[doc.Market]++
		}
	}
	r.AnyByMarket = insights.RatesByKey(anyBy, docsBy)
	r.CoMention = insights.RatesByKey(coBy, anyBy)
	for id, hits := range byComp {
		r.ByCompetitor[id] = insights.RatesByKey(hits, docsBy)
		r.Sentiment[id] = sentSum[id] / float64(sentN[id])
	}
	r.ByPeriod = insights.RatesByKey(perAny, perDocs)
	rates := make([]float64, len(r.ByPeriod))
	for i, p := range r.ByPeriod {
		rates[i] = p.Rate
	}
	r.Trend = insights.Slope(rates)
	return r, nil
}

// IDs returns the competitor ids, sorted.
func (d *Dictionary) IDs() []string {
	ids := make([]string, len(d.Competitors))
	for i, c := range d.Competitors {
		ids[i] = c.ID
	}
	sort.Strings(ids)
	return ids
}
