package mining

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/insights"
	"github.com/meridian-cs/meridian/insights/chsql"
	"github.com/meridian-cs/meridian/insights/competitors"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chparam"
	"github.com/meridian-cs/meridian/store/clickhouse/chschema"
)

// MentionRequest selects the messages whose mention rates are measured.
type MentionRequest struct {
	// Markets and Segments narrow the messages read (empty: all).
	Markets  []string
	Segments []string
	From, To time.Time
	// Period buckets the trend: day, week (default) or month.
	Period string
	// Competitors restricts the competitor report to these ids (empty: all in the dictionary).
	Competitors []string
}

func (r *MentionRequest) normalize() error {
	if err := checkPeriod(&r.Period); err != nil {
		return err
	}
	return checkRange(r.From, r.To)
}

// CompetitorMarket is one market's competitor mentions.
type CompetitorMarket struct {
	Market string `json:"market"`
	// Rate is messages mentioning any competitor out of the market's messages.
	Rate insights.Rate `json:"rate"`
	// Competitors is each competitor's rate in this market, highest first (zero rates left out).
	Competitors []insights.Rate `json:"competitors"`
	// CoMentions counts messages naming a competitor and one of our products; CoMentionRate
	// is their share of the messages mentioning a competitor.
	CoMentions    int     `json:"co_mentions"`
	CoMentionRate float64 `json:"co_mention_rate"`
	// MentionSentiment is the mean sentiment (-1..1) of messages mentioning a competitor,
	// Sentiment that of all the market's messages; nil where no message carries one.
	MentionSentiment *float64 `json:"mention_sentiment"`
	Sentiment        *float64 `json:"sentiment"`
}

// CompetitorReport is competitor intelligence by market and over time.
type CompetitorReport struct {
	Rate          insights.Rate      `json:"rate"`
	Markets       []CompetitorMarket `json:"markets"`
	Competitors   []insights.Rate    `json:"competitors"` // overall, highest first
	Trend         []insights.Rate    `json:"trend"`       // any-competitor rate per period, oldest first
	Slope         float64            `json:"slope"`
	CoMentions    int                `json:"co_mentions"`
	CoMentionRate float64            `json:"co_mention_rate"`
	// MentionSentiment and Sentiment compare messages mentioning a competitor with all.
	MentionSentiment *float64 `json:"mention_sentiment"`
	Sentiment        *float64 `json:"sentiment"`
	Regions          []string `json:"regions"`
}

// PriceReport is the share of customer messages that bring up price.
type PriceReport struct {
	Rate           insights.Rate   `json:"rate"`
	Markets        []insights.Rate `json:"markets"`         // by country, sorted by key
	Segments       []insights.Rate `json:"segments"`        // by customer tier
	MarketSegments []insights.Rate `json:"market_segments"` // key "US/enterprise"
	Trend          []insights.Rate `json:"trend"`           // per period, oldest first
	Slope          float64         `json:"slope"`
	Regions        []string        `json:"regions"`
}

// mentionRow is one (country, segment, period) cell of chsql.MentionStats, merged over regions.
type mentionRow struct {
	country, segment, period string
	messages, any, co        int
	sets                     map[string]int
	sentSum, anySentSum      float64
	sentN, anySentN          int
}

// add sums m's counts into r.
func (r *mentionRow) add(m *mentionRow) {
	r.messages += m.messages
	r.any += m.any
	r.co += m.co
	r.sentSum += m.sentSum
	r.sentN += m.sentN
	r.anySentSum += m.anySentSum
	r.anySentN += m.anySentN
	if r.sets == nil {
		r.sets = map[string]int{}
	}
	for n, v := range m.sets {
		r.sets[n] += v
	}
}

func (s *Service) mentionStats(ctx context.Context, p auth.Principal, r MentionRequest, spec chsql.MentionSpec) ([]*mentionRow, []string, error) {
	if err := s.allowed(p); err != nil {
		return nil, nil, err
	}
	if err := r.normalize(); err != nil {
		return nil, nil, err
	}
	regions := s.regionsFor(p)
	f := filter(p.Tenant, r.From, r.To)
	f.Countries, f.Tiers = canonical(r.Markets, models.CanonicalCountryOrSelf), r.Segments
	merged := map[string]*mentionRow{}
	perRegion := make([][]*mentionRow, len(regions))
	err := s.eachRegion(regions, func(i int, region string, sc chsql.Schema) error {
		q, err := sc.MentionStats(f, spec)
		res, err := s.run(ctx, region, q, err)
		if err != nil {
			return err
		}
		c := cols(res)
		for _, row := range res.Rows {
			m := &mentionRow{
				country: str(row, c, "country"), segment: str(row, c, "segment"), period: str(row, c, "period"),
				messages: num(row, c, "messages"), any: num(row, c, "any_mentions"), co: num(row, c, "co_mentions"),
				sentSum: flt(row, c, "sentiment_sum"), sentN: num(row, c, "sentiment_n"),
				anySentSum: flt(row, c, "any_sentiment_sum"), anySentN: num(row, c, "any_sentiment_n"),
				sets: map[string]int{},
			}
			for _, set := range spec.Sets {
				m.sets[set.Name] = num(row, c, set.Name+"_mentions")
			}
			perRegion[i] = append(perRegion[i], m)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, rows := range perRegion {
		for _, m := range rows {
			k := m.country + "\x00" + m.segment + "\x00" + m.period
			if a, ok := merged[k]; ok {
				a.add(m)
			} else {
				merged[k] = m
			}
		}
	}
	out := make([]*mentionRow, 0, len(merged))
	for _, k := range sortedKeys(merged) {
		out = append(out, merged[k])
	}
	return out, regions, nil
}

func mean(sum float64, n int) *float64 {
	if n == 0 {
		return nil
	}
	v := sum / float64(n)
	return &v
}

func share(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// competitorSets turns dictionary entries into term sets named after their ids.
func competitorSets(entries []competitors.Entry, prefix string) []chsql.TermSet {
	out := make([]chsql.TermSet, 0, len(entries))
	for _, e := range entries {
		out = append(out, chsql.TermSet{Name: prefix + setName(e.ID), Terms: e.Aliases})
	}
	return out
}

// setName makes a dictionary id a term-set name (lower-case letters, digits and _).
func setName(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// CompetitorMentions measures, inside ClickHouse, how often customers mention each
// competitor of the dictionary per market and period, how often together with one of our
// products, and the sentiment of those messages against all.
func (s *Service) CompetitorMentions(ctx context.Context, p auth.Principal, r MentionRequest) (*CompetitorReport, error) {
	d := s.dictionary()
	entries := d.Competitors
	if len(r.Competitors) > 0 {
		entries = nil
		for _, id := range r.Competitors {
			e, err := d.Competitor(id)
			if err != nil {
				return nil, invalidf("%s", err.Error())
			}
			entries = append(entries, e)
		}
	}
	sets := competitorSets(entries, "c_")
	spec := chsql.MentionSpec{Sets: sets, With: competitorSets(d.OurProducts, "o_"), Period: r.Period, Sentiment: true}
	if spec.Period == "" {
		spec.Period = DefaultPeriod
	}
	rows, regions, err := s.mentionStats(ctx, p, r, spec)
	if err != nil {
		return nil, err
	}
	total := &mentionRow{}
	byMarket, byPeriod := map[string]*mentionRow{}, map[string]*mentionRow{}
	for _, m := range rows {
		total.add(m)
		for _, x := range []struct {
			m map[string]*mentionRow
			k string
		}{{byMarket, m.country}, {byPeriod, m.period}} {
			a, ok := x.m[x.k]
			if !ok {
				a = &mentionRow{}
				x.m[x.k] = a
			}
			a.add(m)
		}
	}
	compRates := func(a *mentionRow, keepZero bool) []insights.Rate {
		out := []insights.Rate{}
		for i, e := range entries {
			if h := a.sets[sets[i].Name]; h > 0 || keepZero {
				out = append(out, insights.NewRate(e.ID, h, a.messages))
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Hits > out[j].Hits })
		return out
	}
	rep := &CompetitorReport{
		Rate: insights.NewRate("all", total.any, total.messages), Competitors: compRates(total, true),
		CoMentions: total.co, CoMentionRate: share(total.co, total.any),
		MentionSentiment: mean(total.anySentSum, total.anySentN), Sentiment: mean(total.sentSum, total.sentN),
		Regions: regions, Markets: []CompetitorMarket{}, Trend: []insights.Rate{},
	}
	for _, k := range sortedKeys(byMarket) {
		a := byMarket[k]
		rep.Markets = append(rep.Markets, CompetitorMarket{
			Market: k, Rate: insights.NewRate(k, a.any, a.messages), Competitors: compRates(a, false),
			CoMentions: a.co, CoMentionRate: share(a.co, a.any),
			MentionSentiment: mean(a.anySentSum, a.anySentN), Sentiment: mean(a.sentSum, a.sentN),
		})
	}
	var shares []float64
	for _, k := range sortedKeys(byPeriod) {
		a := byPeriod[k]
		rt := insights.NewRate(k, a.any, a.messages)
		rep.Trend = append(rep.Trend, rt)
		shares = append(shares, rt.Rate)
	}
	rep.Slope = insights.Slope(shares)
	return rep, nil
}

// priceSet is the term set of messages bringing up price: the price lexicon's terms of
// every language, the hits of PriceSensitivity and of a price mention filter alike.
func (s *Service) priceSet() chsql.TermSet {
	lex := s.priceLexicon()
	var terms []string
	for _, l := range sortedKeys(lex) {
		terms = append(terms, lex[l]...)
	}
	return chsql.TermSet{Name: "price", Terms: terms}
}

// PriceSensitivity measures, inside ClickHouse, the share of customer messages that bring
// up price (the price lexicon, every language) per market, segment and period.
func (s *Service) PriceSensitivity(ctx context.Context, p auth.Principal, r MentionRequest) (*PriceReport, error) {
	period := r.Period
	if period == "" {
		period = DefaultPeriod
	}
	spec := chsql.MentionSpec{Sets: []chsql.TermSet{s.priceSet()}, Period: period, BySegment: true}
	rows, regions, err := s.mentionStats(ctx, p, r, spec)
	if err != nil {
		return nil, err
	}
	hits := map[string]map[string]int{"market": {}, "segment": {}, "ms": {}, "period": {}}
	docs := map[string]map[string]int{"market": {}, "segment": {}, "ms": {}, "period": {}}
	var th, td int
	for _, m := range rows {
		for kind, k := range map[string]string{"market": m.country, "segment": m.segment, "ms": m.country + "/" + m.segment, "period": m.period} {
			hits[kind][k] += m.any
			docs[kind][k] += m.messages
		}
		th += m.any
		td += m.messages
	}
	rep := &PriceReport{
		Rate:           insights.NewRate("all", th, td),
		Markets:        insights.RatesByKey(hits["market"], docs["market"]),
		Segments:       insights.RatesByKey(hits["segment"], docs["segment"]),
		MarketSegments: insights.RatesByKey(hits["ms"], docs["ms"]),
		Trend:          insights.RatesByKey(hits["period"], docs["period"]),
		Regions:        regions,
	}
	shares := make([]float64, len(rep.Trend))
	for i, t := range rep.Trend {
		shares[i] = t.Rate
	}
	rep.Slope = insights.Slope(shares)
	return rep, nil
}

// Values of a mention filter (GraphQL filter dimension "mention" on conversations and
// metrics): the messages a mention rate counts as hits.
const (
	// MentionCompetitor is a message mentioning any competitor of the dictionary;
	// MentionCompetitor + ":" + id one of them (the ids of CompetitorReport.competitors).
	MentionCompetitor = "competitor"
	// MentionPrice is a message bringing up price (PriceReport's hits).
	MentionPrice = "price"
	// MentionTheme + ":" + phrase is a message with that phrase of a theme (one of
	// Theme.Phrases, as Opportunities names it); a theme's volume counts the messages with any
	// of its phrases, so its drill names them all.
	MentionTheme = "theme"
)

// MentionMatch selects, in a query over a region's events table, the customer messages a
// competitor or price rate counts as hits, or a theme counts in its volume, so that a
// conversation list shows the conversations behind the figure and no other.
type MentionMatch struct {
	// Regions are the regions of p's scope where the gate lets p select conversations by
	// what their messages say (compliance.Gate.MaySearch) and, for a theme, see its phrases
	// (those Opportunities counts in); read no other.
	Regions []string
	// Cond holds for customer messages (message.received) whose text mentions one of the
	// filter's values, matched as CompetitorMentions, PriceSensitivity and Opportunities
	// match them; negated, for every other event.
	Cond func(b *chparam.Binder) string
}

// checkPhrase says why ph cannot be a phrase of a theme, or nil: phrases are lower-case
// words, one or two (CJK bigrams are one), that are not personal data.
func checkPhrase(ph string) error {
	switch {
	case strings.TrimSpace(ph) == "":
		return fmt.Errorf("no phrase after %q", MentionTheme+":")
	case ph != strings.ToLower(ph):
		return fmt.Errorf("a theme's phrases are lower-case, as opportunities names them")
	case len(strings.Fields(ph)) > 2 || strings.Join(strings.Fields(ph), " ") != ph:
		return fmt.Errorf("a theme's phrase is one word or two separated by one space, as opportunities names them")
	case compliance.Personal(ph):
		return fmt.Errorf("personal data is never a theme's phrase")
	}
	return nil
}

// MentionMatch builds the mention filter of values (MentionCompetitor, "competitor:<id>",
// MentionPrice, "theme:<phrase>"; any of them, or with negate none) for p through gate g: p
// must read insights, and only regions where g lets p select by text (and, with a theme, see
// phrases) are read. An unknown value is a ValidationError naming it.
func (s *Service) MentionMatch(p auth.Principal, g *compliance.Gate, values []string, negate bool) (*MentionMatch, error) {
	if err := s.allowed(p); err != nil {
		return nil, err
	}
	if len(values) == 0 {
		return nil, invalidf("filter on mention has no values (%s, %s:<id>, %s or %s:<phrase>)", MentionCompetitor, MentionCompetitor, MentionPrice, MentionTheme)
	}
	var phrases []string // of themes
	d := s.dictionary()
	var sets []chsql.TermSet
	seen := map[string]bool{}
	add := func(ts ...chsql.TermSet) {
		for _, t := range ts {
			if !seen[t.Name] {
				seen[t.Name] = true
				sets = append(sets, t)
			}
		}
	}
	for _, v := range values {
		id, one := strings.CutPrefix(v, MentionCompetitor+":")
		switch {
		case v == MentionCompetitor:
			add(competitorSets(d.Competitors, "c_")...)
		case one:
			e, err := d.Competitor(id)
			if err != nil {
				return nil, invalidf("filter on mention: %s", err.Error())
			}
			add(competitorSets([]competitors.Entry{e}, "c_")...)
		case strings.HasPrefix(v, MentionTheme+":"):
			ph := strings.TrimPrefix(v, MentionTheme+":")
			if err := checkPhrase(ph); err != nil {
				return nil, invalidf("filter on mention: %q: %s", v, err.Error())
			}
			if !slices.Contains(phrases, ph) {
				phrases = append(phrases, ph)
			}
		case v == MentionPrice:
			add(s.priceSet())
		default:
			return nil, invalidf("filter on mention: unknown value %q (%s, %s:<id>, %s or %s:<phrase>)", v, MentionCompetitor, MentionCompetitor, MentionPrice, MentionTheme)
		}
	}
	var regions []string
	for _, r := range s.regionsFor(p) {
		// A theme counts only the regions whose phrases p sees: its drill reads no other.
		if g.MaySearch(p, r) && (len(phrases) == 0 || g.Access(p, r, compliance.FieldPhrase).Outcome != compliance.OutcomeHidden) {
			regions = append(regions, r)
		}
	}
	if len(regions) == 0 {
		return nil, fmt.Errorf("%w: role %s may not have conversations selected by what their messages say in any of its regions (the field policy hides their texts)", auth.ErrForbidden, p.Role)
	}
	// Every region's events table has the same columns: the condition is built once, on a
	// throwaway binder, so that a bad dictionary fails here and not inside a query.
	sc := chsql.EventsSchema(clickhouse.Database(regions[0]))
	po := phraseOptions()
	cond := func(b *chparam.Binder) (string, error) {
		var conds []string
		if len(sets) > 0 {
			c, err := sc.MentionCond(b, sets)
			if err != nil {
				return "", err
			}
			conds = append(conds, c)
		}
		if len(phrases) > 0 {
			c, err := sc.PhraseCond(b, "theme", po, phrases)
			if err != nil {
				return "", err
			}
			conds = append(conds, c)
		}
		return "(" + strings.Join(conds, " OR ") + ")", nil
	}
	if _, err := cond(&chparam.Binder{}); err != nil {
		return nil, fmt.Errorf("mining: mention filter: %w", err)
	}
	typ := chschema.Col("type")
	return &MentionMatch{Regions: regions, Cond: func(b *chparam.Binder) string {
		c, _ := cond(b) // built above with the same sets and phrases
		c = "(" + typ + " = " + b.String(models.MessageReceived) + " AND " + c + ")"
		if negate {
			c = "NOT " + c
		}
		return c
	}}, nil
}
