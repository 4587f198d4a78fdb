package mining

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/insights"
	"github.com/meridian-cs/meridian/insights/chsql"
	"github.com/meridian-cs/meridian/insights/keyness"
	"github.com/meridian-cs/meridian/insights/themes"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/understanding/tokenize"
)

// OpportunityRequest asks what the target's customers talk about more than the baseline's.
type OpportunityRequest struct {
	Target Segment
	// Baseline is compared against; nil means every other message in range.
	Baseline *Segment
	// From and To bound every message read (target and baseline), half-open.
	From, To time.Time
	// Period buckets each theme's trend: day, week (default) or month.
	Period string
	// Keyness sets the test; the zero value means keyness.DefaultOptions().
	Keyness keyness.Options
	// MaxPhrases is how many significant phrases are grouped (default and maximum 200).
	MaxPhrases int
	// MaxThemes caps the themes returned, largest G² first (default 20).
	MaxThemes int
	// MinJaccard links two phrases whose message sets overlap this much (default 0.6).
	MinJaccard float64
	// MinCustomers is k: a phrase is reported only when at least k distinct customers'
	// target messages contain it. The gate's k for the principal (compliance.FieldPhrase,
	// the largest over the regions read) applies when it is larger: a request can raise k,
	// never lower it.
	MinCustomers int
}

// Example is a message behind a theme. Its text is personal data: read it through
// Service.ExampleText, which applies compliance.Gate.
type Example struct {
	Region         string `json:"region"`
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
	// CustomerID is the pseudonymous customer, kept for the audit trail of ExampleText.
	CustomerID string `json:"-"`
}

// Theme is a group of related key phrases of the target.
type Theme struct {
	Label   string   `json:"label"`
	Phrases []string `json:"phrases"` // most significant first
	// G2, PAdjusted and LogRatio are those of the theme's most significant phrase.
	G2        float64 `json:"g2"`
	PAdjusted float64 `json:"p_adjusted"`
	LogRatio  float64 `json:"log_ratio"`
	// Volume and BaselineVolume count target and baseline messages with any of the phrases;
	// Share and BaselineShare divide them by the corpora's messages.
	Volume         int     `json:"volume"`
	BaselineVolume int     `json:"baseline_volume"`
	Share          float64 `json:"share"`
	BaselineShare  float64 `json:"baseline_share"`
	// Markets are the theme's rate per market over target and baseline messages, highest first.
	Markets []insights.Rate `json:"markets"`
	// Periods and Slope are the theme's trend in the target: messages per period and the
	// least-squares slope of its share per period.
	Periods []themes.PeriodCount `json:"periods"`
	Slope   float64              `json:"slope"`
	// Emerging is set when the share grew significantly in the latest period (themes.Emerging).
	Emerging *themes.Alert `json:"emerging,omitempty"`
	Examples []Example     `json:"examples"`
}

// Opportunities is the answer of Service.Opportunities.
type Opportunities struct {
	Themes []Theme `json:"themes"`
	// Phrases are the significant phrases, most significant first.
	Phrases          []keyness.Result `json:"phrases"`
	TargetMessages   int              `json:"target_messages"`
	BaselineMessages int              `json:"baseline_messages"`
	// Tested is how many phrases met the minimum support and were tested.
	Tested  int      `json:"tested"`
	Regions []string `json:"regions"`
}

// maxCandidates caps the phrases counted in the second pass (the most frequent in the
// target first): their list travels in the query.
const maxCandidates = 20000

// examplesPerTheme is fixed by chsql.PhraseHits (groupArraySorted(3)).
const examplesPerTheme = 3

func (r *OpportunityRequest) normalize() error {
	if err := checkPeriod(&r.Period); err != nil {
		return err
	}
	if err := checkRange(r.From, r.To); err != nil {
		return err
	}
	if err := checkRange(r.Target.From, r.Target.To); err != nil {
		return err
	}
	if r.Baseline != nil {
		if err := checkRange(r.Baseline.From, r.Baseline.To); err != nil {
			return err
		}
	}
	if r.Target.empty() {
		return invalidf("the target selects every message: name markets, languages, products, segments or a time range")
	}
	if r.Keyness == (keyness.Options{}) {
		r.Keyness = keyness.DefaultOptions()
	}
	if r.Keyness.Alpha <= 0 || r.Keyness.Alpha >= 1 {
		return invalidf("alpha %g must be in (0, 1)", r.Keyness.Alpha)
	}
	switch {
	case r.MaxPhrases < 0 || r.MaxThemes < 0:
		return invalidf("maxPhrases and maxThemes must not be negative")
	case r.MaxPhrases == 0 || r.MaxPhrases > 200:
		r.MaxPhrases = 200
	}
	if r.MaxThemes == 0 {
		r.MaxThemes = 20
	}
	if r.MinJaccard <= 0 || r.MinJaccard > 1 {
		r.MinJaccard = 0.6
	}
	return nil
}

// Opportunities counts phrases of the target and the baseline inside ClickHouse, tests
// their keyness, groups the significant ones into themes and measures each theme's
// volume, markets, trend and example conversations — for principal p's tenant, over the
// regions p may access and whose phrases the gate shows p.
func (s *Service) Opportunities(ctx context.Context, p auth.Principal, req OpportunityRequest) (*Opportunities, error) {
	return s.OpportunitiesVia(ctx, p, s.gate(), req)
}

// OpportunitiesVia is Opportunities through gate g: the API layer passes its own gate, whose
// policy decides the regions read and k.
func (s *Service) OpportunitiesVia(ctx context.Context, p auth.Principal, g *compliance.Gate, req OpportunityRequest) (*Opportunities, error) {
	if err := s.allowed(p); err != nil {
		return nil, err
	}
	if err := req.normalize(); err != nil {
		return nil, err
	}
	// The regions whose phrases p may see, and k: the largest of their rules (phrases and
	// their themes are counted across them).
	var regions []string
	for _, r := range s.regionsFor(p) {
		if g.Access(p, r, compliance.FieldPhrase).Outcome != compliance.OutcomeHidden {
			regions = append(regions, r)
		}
	}
	k := max(req.MinCustomers, g.MinCustomers(p, regions, compliance.FieldPhrase))
	req.Keyness.MinTargetCustomers = k
	// A theme carries examples only when its customers also meet the examples' k.
	exampleK := g.MinCustomers(p, regions, compliance.FieldExample)
	out := &Opportunities{Regions: regions, Themes: []Theme{}, Phrases: []keyness.Result{}}
	f := filter(p.Tenant, req.From, req.To)
	target := req.Target.slice()
	var baseline *chsql.Slice
	if req.Baseline != nil {
		b := req.Baseline.slice()
		baseline = &b
	}
	po := phraseOptions()

	// Message totals per market and period (denominators of rates and trends), first: they
	// are cheap (no text is read) and say which regions hold target and baseline messages.
	totals, err := s.sliceTotals(ctx, regions, f, target, baseline, req.Period)
	if err != nil {
		return nil, err
	}
	out.TargetMessages, out.BaselineMessages = totals.target, totals.baseline
	var targetRegions, usedRegions []string
	for _, r := range regions {
		if totals.regionTarget[r] > 0 {
			targetRegions = append(targetRegions, r)
		}
		if totals.regionTarget[r]+totals.regionBaseline[r] > 0 {
			usedRegions = append(usedRegions, r)
		}
	}

	// Pass 1: the target's candidate phrases, from the regions holding target messages.
	// Per-region target counts add up exactly. With one such region (a market's target), its
	// messages are tokenised once: the same query returns the candidates' baseline counts and
	// the region's corpus totals (cand and fullTotals, kept in merged and counts below).
	cand := map[string]*keyness.PhraseCount{}
	var fullTotals keyness.Counts
	oneTarget := len(targetRegions) == 1
	var mu sync.Mutex
	err = s.eachRegion(targetRegions, func(_ int, region string, sc chsql.Schema) error {
		var q chsql.Query
		var err error
		if oneTarget {
			// Target customers are all in this region: k is exact here already.
			o := po
			o.MinCustomers = k
			q, err = sc.PhraseCountsAll(f, target, baseline, o)
		} else {
			o := po
			o.TargetOnly = true
			q, err = sc.PhraseCounts(f, target, baseline, o)
		}
		res, err := s.run(ctx, region, q, err)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		addPhraseRows(res, cand, &fullTotals, nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var candidates []keyness.PhraseCount
	for _, pc := range cand {
		// Summed over regions, TargetCustomers may count a customer twice: an upper bound
		// here, made exact for k in pass 2.
		if pc.Target >= req.Keyness.MinTarget && pc.TargetDocs >= req.Keyness.MinTargetDocs && pc.TargetCustomers >= k &&
			!stopPhrase(pc.Phrase) && !compliance.Personal(pc.Phrase) {
			candidates = append(candidates, *pc)
		}
	}
	sort.Slice(candidates, func(i, j int) bool {
		if candidates[i].Target != candidates[j].Target {
			return candidates[i].Target > candidates[j].Target
		}
		return candidates[i].Phrase < candidates[j].Phrase
	})
	candidates = candidates[:min(len(candidates), maxCandidates)]
	names := make([]string, len(candidates))
	for i, c := range candidates {
		names[i] = c.Phrase
	}

	// Pass 2: the candidates' counts in target and baseline, and the corpus totals, in every
	// region with messages (but the one already counted), summed. A conversation lives in
	// one region, so distinct counts add up too.
	merged := map[string]*keyness.PhraseCount{}
	var counts keyness.Counts
	pass2 := usedRegions
	if oneTarget && len(names) > 0 {
		counts = fullTotals
		for _, ph := range names {
			if pc, ok := cand[ph]; ok { // one region's counts: complete already
				merged[ph] = pc
			}
		}
		pass2 = nil
		for _, r := range usedRegions {
			if r != targetRegions[0] {
				pass2 = append(pass2, r)
			}
		}
	}
	// A customer whose messages lie in two regions must count once towards k: without a
	// single target region, each region sends up to k customer hashes per phrase.
	var sample map[string]map[string]bool
	if !oneTarget {
		po.CustomerSample = k
		sample = map[string]map[string]bool{}
	}
	if len(names) > 0 {
		err = s.eachRegion(pass2, func(_ int, region string, sc chsql.Schema) error {
			q, err := sc.PhraseCountsOf(f, target, baseline, po, names)
			res, err := s.run(ctx, region, q, err)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			addPhraseRows(res, merged, &counts, sample)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, ph := range sortedKeys(merged) {
		pc := *merged[ph]
		// Fewer than k hashes in the union means no region was capped: the union is exact.
		if sample != nil && len(sample[ph]) < k {
			pc.TargetCustomers = len(sample[ph])
		}
		counts.Phrases = append(counts.Phrases, pc)
	}

	if counts.TargetTotal == 0 || counts.BaselineTotal == 0 {
		return out, nil // nothing to compare
	}
	results, err := keyness.Test(counts, req.Keyness)
	if err != nil {
		return nil, err
	}
	out.Tested = len(results)
	var sel []keyness.Result
	for _, r := range results {
		if r.Significant && r.LogRatio > 0 && r.TargetCustomers >= k && !compliance.Personal(r.Phrase) {
			out.Phrases = append(out.Phrases, r)
			if len(sel) < req.MaxPhrases {
				sel = append(sel, r)
			}
		}
	}
	if len(sel) == 0 {
		return out, nil
	}

	// Pass 3: which selected phrases occur together, where and when.
	keys := make([]string, len(sel))
	for i, r := range sel {
		keys[i] = r.Phrase
	}
	var combos []combo
	err = s.eachRegion(usedRegions, func(_ int, region string, sc chsql.Schema) error {
		q, err := sc.PhraseHits(f, target, baseline, po, keys, req.Period)
		res, err := s.run(ctx, region, q, err)
		if err != nil {
			return err
		}
		c := cols(res)
		var local []combo
		for _, row := range res.Rows {
			cb := combo{hits: strs(row[c["hits"]]), country: str(row, c, "country"), period: str(row, c, "period"), target: num(row, c, "in_target") == 1, messages: num(row, c, "messages")}
			for _, ex := range list(row[c["examples"]]) {
				e := strs(ex)
				if len(e) == 3 {
					cb.examples = append(cb.examples, Example{Region: region, ConversationID: e[0], MessageID: e[1], CustomerID: e[2]})
				}
			}
			local = append(local, cb)
		}
		mu.Lock()
		combos = append(combos, local...)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Themes = group(sel, combos, totals, req, exampleK)
	return out, nil
}

// stopPhrase reports whether a phrase has a stop-word of package tokenize's lists.
func stopPhrase(ph string) bool {
	for _, w := range strings.Fields(ph) {
		if tokenize.IsStop("", w) {
			return true
		}
	}
	return false
}

// combo is one row of chsql.PhraseHits: messages containing exactly these selected phrases.
type combo struct {
	hits            []string
	country, period string
	target          bool
	messages        int
	examples        []Example
}

type sliceTotals struct {
	target, baseline int
	byMarket         map[string]int // target + baseline
	byPeriod         map[string]int // target only
	// regionTarget and regionBaseline count each region's target and baseline messages.
	regionTarget, regionBaseline map[string]int
}

func (s *Service) sliceTotals(ctx context.Context, regions []string, f chsql.Filter, target chsql.Slice, baseline *chsql.Slice, period string) (sliceTotals, error) {
	t := sliceTotals{byMarket: map[string]int{}, byPeriod: map[string]int{}, regionTarget: map[string]int{}, regionBaseline: map[string]int{}}
	rows := make([][][]any, len(regions))
	var colsOf map[string]int
	err := s.eachRegion(regions, func(i int, region string, sc chsql.Schema) error {
		q, err := sc.SliceTotals(f, target, baseline, period)
		res, err := s.run(ctx, region, q, err)
		if err != nil {
			return err
		}
		rows[i] = res.Rows
		if i == 0 {
			colsOf = cols(res)
		}
		return nil
	})
	if err != nil || len(regions) == 0 {
		return t, err
	}
	for i, rs := range rows {
		for _, row := range rs {
			n := num(row, colsOf, "messages")
			t.byMarket[str(row, colsOf, "country")] += n
			if num(row, colsOf, "t") == 1 {
				t.target += n
				t.byPeriod[str(row, colsOf, "period")] += n
				t.regionTarget[regions[i]] += n
			} else {
				t.baseline += n
				t.regionBaseline[regions[i]] += n
			}
		}
	}
	return t, nil
}

// group links the selected phrases into themes — one contains the other's words, or their
// message sets overlap by at least MinJaccard — and measures each theme from the combos. A
// theme has examples only when one of its phrases has exampleK distinct target customers.
func group(sel []keyness.Result, combos []combo, totals sliceTotals, req OpportunityRequest, exampleK int) []Theme {
	idx := make(map[string]int, len(sel))
	for i, r := range sel {
		idx[r.Phrase] = i
	}
	docs := make([]int, len(sel))
	inter := map[[2]int]int{}
	for _, cb := range combos {
		ids := make([]int, 0, len(cb.hits))
		for _, h := range cb.hits {
			if i, ok := idx[h]; ok {
				ids = append(ids, i)
			}
		}
		for a, i := range ids {
			docs[i] += cb.messages
			for _, j := range ids[a+1:] {
				inter[[2]int{min(i, j), max(i, j)}] += cb.messages
			}
		}
	}
	parent := make([]int, len(sel))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) { parent[find(a)] = find(b) }
	for i, r := range sel {
		for _, w := range strings.Fields(r.Phrase) {
			if j, ok := idx[w]; ok && j != i {
				union(i, j)
			}
		}
	}
	for k, n := range inter {
		if u := docs[k[0]] + docs[k[1]] - n; u > 0 && float64(n)/float64(u) >= req.MinJaccard {
			union(k[0], k[1])
		}
	}
	members := map[int][]int{}
	for i := range sel {
		r := find(i)
		members[r] = append(members[r], i)
	}
	themeOf := make([]int, len(sel))
	var out []Theme
	var customers []int // per theme: its phrases' most distinct target customers, a floor
	for _, ms := range members {
		sort.Ints(ms) // sel is most significant first
		t := Theme{G2: sel[ms[0]].G2, PAdjusted: sel[ms[0]].PAdjusted, LogRatio: sel[ms[0]].LogRatio}
		c := 0
		for _, m := range ms {
			t.Phrases = append(t.Phrases, sel[m].Phrase)
			themeOf[m] = len(out)
			c = max(c, sel[m].TargetCustomers)
		}
		customers = append(customers, c)
		t.Label = strings.Join(t.Phrases[:min(3, len(t.Phrases))], " / ")
		out = append(out, t)
	}

	// Measure every theme: a combo belongs to each theme one of its phrases is in.
	hits := make([]map[string]int, len(out))
	byPeriod := make([]map[string]int, len(out))
	examples := make([][]Example, len(out))
	for i := range out {
		hits[i], byPeriod[i] = map[string]int{}, map[string]int{}
	}
	for _, cb := range combos {
		seen := map[int]bool{}
		for _, h := range cb.hits {
			if i, ok := idx[h]; ok {
				seen[themeOf[i]] = true
			}
		}
		for ti := range seen {
			t := &out[ti]
			hits[ti][cb.country] += cb.messages
			if cb.target {
				t.Volume += cb.messages
				byPeriod[ti][cb.period] += cb.messages
				examples[ti] = append(examples[ti], cb.examples...)
			} else {
				t.BaselineVolume += cb.messages
			}
		}
	}
	periods := sortedKeys(totals.byPeriod)
	for ti := range out {
		t := &out[ti]
		if totals.target > 0 {
			t.Share = float64(t.Volume) / float64(totals.target)
		}
		if totals.baseline > 0 {
			t.BaselineShare = float64(t.BaselineVolume) / float64(totals.baseline)
		}
		markets := map[string]int{}
		for m := range hits[ti] {
			markets[m] = totals.byMarket[m]
		}
		t.Markets = insights.RatesByKey(hits[ti], markets)
		sort.SliceStable(t.Markets, func(i, j int) bool { return t.Markets[i].Rate > t.Markets[j].Rate })
		shares := make([]float64, len(periods))
		t.Periods = []themes.PeriodCount{}
		for i, p := range periods {
			t.Periods = append(t.Periods, themes.PeriodCount{Period: p, Docs: byPeriod[ti][p], Total: totals.byPeriod[p]})
			shares[i] = float64(byPeriod[ti][p]) / float64(totals.byPeriod[p])
		}
		t.Slope = insights.Slope(shares)
		if a, ok := themes.Emerging(themes.Theme{Label: t.Label, Periods: t.Periods}, themes.AlertOptions{}); ok {
			t.Emerging = &a
		}
		ex := examples[ti]
		sort.Slice(ex, func(i, j int) bool {
			if ex[i].ConversationID != ex[j].ConversationID {
				return ex[i].ConversationID < ex[j].ConversationID
			}
			return ex[i].MessageID < ex[j].MessageID
		})
		t.Examples = []Example{}
		if customers[ti] < exampleK {
			ex = nil
		}
		for _, e := range ex {
			if n := len(t.Examples); n > 0 && t.Examples[n-1].MessageID == e.MessageID && t.Examples[n-1].Region == e.Region {
				continue
			}
			t.Examples = append(t.Examples, e)
			if len(t.Examples) == examplesPerTheme {
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].G2 != out[j].G2 {
			return out[i].G2 > out[j].G2
		}
		return out[i].Label < out[j].Label
	})
	if len(out) > req.MaxThemes {
		out = out[:req.MaxThemes]
	}
	for i := range out {
		if math.IsNaN(out[i].Slope) {
			out[i].Slope = 0
		}
	}
	return out
}

// ExampleText returns an example message's text as p may see it: it is read from the
// example's region and passed through the compliance gate (compliance.FieldExample), which
// masks by role and region and records the read; themes only carry examples once k
// customers share their phrases. A message no longer stored (erased) reads as "".
func (s *Service) ExampleText(ctx context.Context, p auth.Principal, ex Example) (string, error) {
	return s.ExampleTextVia(ctx, p, s.gate(), ex)
}

// ExampleTextVia is ExampleText through gate g: the API layer passes its own gate, the one
// place personal data is read through.
func (s *Service) ExampleTextVia(ctx context.Context, p auth.Principal, g *compliance.Gate, ex Example) (string, error) {
	if err := allowed(p); err != nil {
		return "", err
	}
	if !p.CanAccess(ex.Region) || g.Access(p, ex.Region, compliance.FieldExample).Outcome == compliance.OutcomeHidden {
		return g.Example(ctx, p, ex.Region, ex.CustomerID, ""), nil // not read at all
	}
	db, err := s.Regions.DB(ex.Region)
	if err != nil {
		return "", fmt.Errorf("mining: %w", err)
	}
	var b clickhouse.Binder
	res, err := db.QueryParams(ctx, fmt.Sprintf("SELECT text, customer_id FROM %s.events FINAL WHERE tenant = %s AND id = %s AND conversation_id = %s LIMIT 1",
		clickhouse.Database(ex.Region), b.String(p.Tenant), b.String(ex.MessageID), b.String(ex.ConversationID)), b.Params())
	if err != nil {
		return "", fmt.Errorf("mining: example text in region %s: %w", ex.Region, err)
	}
	if len(res.Rows) == 0 || len(res.Rows[0]) < 2 {
		return "", nil
	}
	return g.Example(ctx, p, ex.Region, clickhouse.String(res.Rows[0][1]), clickhouse.String(res.Rows[0][0])), nil
}

// phraseOptions is how opportunity mining tokenises texts into phrases, for its counts and
// for the theme drill (MentionMatch) alike. Personal data never becomes a phrase: the
// detector's patterns and number words are cut out of the text inside ClickHouse before it
// is split, and phrases break there.
func phraseOptions() chsql.PhraseOptions {
	return chsql.PhraseOptions{StopWords: sqlStopWords, MinTarget: 1, MinTargetDocs: 1, Limit: 500000,
		Redact: redactions, RedactIf: compliance.Trigger, NumberRun: compliance.NumberRun}
}

// redactions are the detector's patterns as chsql applies them.
var redactions = func() []chsql.Redaction {
	out := make([]chsql.Redaction, len(compliance.Patterns))
	for i, p := range compliance.Patterns {
		out[i] = chsql.Redaction{Pattern: p.RE2, Context: p.Context}
	}
	return out
}()

// addPhraseRows sums a phrase-count result into per-phrase counts; the row without a phrase
// carries the corpus totals. With sample not nil, it also collects each phrase's customer
// hashes (target_customer_sample).
func addPhraseRows(res *clickhouse.Result, into map[string]*keyness.PhraseCount, totals *keyness.Counts, sample map[string]map[string]bool) {
	c := cols(res)
	for _, row := range res.Rows {
		ph := str(row, c, "phrase")
		t, b := num(row, c, "target_count"), num(row, c, "baseline_count")
		if ph == "" {
			totals.TargetTotal += t
			totals.BaselineTotal += b
			continue
		}
		pc, ok := into[ph]
		if !ok {
			pc = &keyness.PhraseCount{Phrase: ph}
			into[ph] = pc
		}
		pc.Target += t
		pc.Baseline += b
		pc.TargetDocs += num(row, c, "target_docs")
		pc.TargetCustomers += num(row, c, "target_customers")
		if i, ok := c["target_customer_sample"]; ok && sample != nil {
			set := sample[ph]
			if set == nil {
				set = map[string]bool{}
				sample[ph] = set
			}
			for _, h := range strs(row[i]) {
				set[h] = true
			}
		}
	}
}
