// Package demo generates realistic customer-service traffic for demos and dashboards: customers
// in two dozen countries writing in their own languages on the channels their market uses, at
// the hours they are awake, through full conversation lifecycles (AI answers, routing, human
// agents, escalations, follow-the-sun hand-offs, feedback, reopening).
//
// The traffic carries signals for the analytics to find, at known rates: South-East Asian
// customers ask about high-temperature sterilisation and moisture-proofing far more often than
// others; about 45% of Korean enquiries compare with Japanese brands; EU enterprise customers
// mention price about 60% less often than North American ones.
//
// Everything is a pure function of the seed and the wall-clock hour a conversation starts in,
// so event ids are stable: re-running a window yields the same events, and adjacent windows
// [a, b) and [b, c) together yield exactly the events of [a, c).
package demo

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// Config says what traffic to generate.
type Config struct {
	Seed            int64
	Tenant          string // "demo" when empty
	Start, End      time.Time
	MessagesPerHour float64                 // mean messages per hour at the busiest hour of the week (default 1000)
	Policy          *models.ResidencyPolicy // regions for residency and hand-offs (default models.DefaultPolicy())
	// EngineFrom is when Meridian's conversation engine starts deciding who handles the
	// conversations (cmd/meridian with routing on: messages it routes); from then on its own
	// conversation.assigned events are the truth, and the generator leaves its synthetic ones
	// out (every other event, and every id, stays as without it). Zero: never.
	EngineFrom time.Time
	// EngineAnswers: from EngineFrom the engine's AI also answers (MERIDIAN_AI_ANSWERS): the
	// generator leaves out its own AI answers, hand-overs and resolutions, and the AI's
	// messages; the customers' messages, and every id, stay as without it.
	EngineAnswers bool
}

// Generator produces events; it is not safe for concurrent use.
type Generator struct {
	cfg       Config
	seed      uint64
	convScale float64 // conversations per hour per unit of (weight × shape)
	segs      []*segment
	regions   []*regionInfo
	free      []*conv
	buf       []byte
}

// maxSpan bounds a conversation's lifetime (including a reopening), so a window only has to
// look this far back for conversations still running when it starts.
const maxSpan = 12 * time.Hour

// meanMessagesPerConversation is the lifecycle's mean message count (received + sent), used to
// turn MessagesPerHour into a conversation rate. TestMeanMessagesPerConversation keeps it honest.
const meanMessagesPerConversation = 5.0

// aiAgent is the agent id the AI's actions and messages carry.
const aiAgent = "meridian-ai"

type segment struct {
	idx       int
	m         *market
	loc       *time.Location
	weight    float64
	region    string
	home      int // index in Generator.regions
	locales   []weighted[*localeInfo]
	pool      int
	customers []*customer
}

type localeInfo struct {
	tag    string
	c      *langCorpus
	sep    string               // between sentences
	queues []queueSet           // by region index
	skills [numIntents][]string // shared, read-only
}

type queueSet struct{ team, support, billing, vip, escalations string }

type regionInfo struct {
	name   string
	loc    *time.Location
	next   int
	agents []string
}

type customer struct {
	id, name, phone, email, crm, tier string
	loc                               *localeInfo
	channel                           string
	hash                              uint64
	ext                               [16]string // external ids by channel index, filled lazily
}

// conv is one conversation's events, built whole and emitted in time order.
type conv struct {
	events []models.Event
	next   int
	nextAt int64
	key    uint64
}

// New prepares a generator; zero fields of cfg get the documented defaults.
func New(cfg Config) *Generator {
	if cfg.Tenant == "" {
		cfg.Tenant = "demo"
	}
	if cfg.MessagesPerHour <= 0 {
		cfg.MessagesPerHour = 1000
	}
	if cfg.Policy == nil {
		cfg.Policy = models.DefaultPolicy()
	}
	g := &Generator{cfg: cfg, seed: finalize(uint64(cfg.Seed))}
	g.setupRegions()
	var total float64
	for _, m := range markets {
		for _, z := range m.zones {
			total += m.weight * z.share / sumShares(m.zones)
		}
	}
	pool := int(math.Min(math.Max(cfg.MessagesPerHour*20, 2000), 1e6))
	for _, m := range markets {
		region := string(cfg.Policy.RegionFor(m.country))
		var locales []weighted[*localeInfo]
		for _, l := range m.locales {
			locales = append(locales, weighted[*localeInfo]{g.locale(l.v), l.w})
		}
		for _, z := range m.zones {
			loc, err := time.LoadLocation(z.name)
			if err != nil {
				panic("demo: " + err.Error()) // tzdata is embedded, so this is a typo in markets
			}
			s := &segment{idx: len(g.segs), m: m, loc: loc, region: region, home: g.regionIndex(region), locales: locales}
			s.weight = m.weight * z.share / sumShares(m.zones) / total
			s.pool = max(50, int(float64(pool)*s.weight))
			s.customers = make([]*customer, s.pool)
			g.segs = append(g.segs, s)
		}
	}
	g.convScale = cfg.MessagesPerHour / meanMessagesPerConversation / g.peakShape()
	return g
}

func sumShares(zs []zone) float64 {
	var s float64
	for _, z := range zs {
		s += z.share
	}
	return s
}

// peakShape is the aggregate relative rate at the busiest hour, taken over a winter and a summer
// reference week so that it does not depend on the window (and windows stay composable).
func (g *Generator) peakShape() float64 {
	var peak float64
	for _, week := range []time.Time{time.Date(2024, 1, 8, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 8, 0, 0, 0, 0, time.UTC)} {
		for h := range 7 * 24 {
			t := week.Add(time.Duration(h) * time.Hour)
			var s float64
			for _, seg := range g.segs {
				s += seg.weight * seg.m.shape(t.In(seg.loc))
			}
			peak = max(peak, s)
		}
	}
	return peak
}

// setupRegions orders the policy's regions for follow-the-sun: each hands off to the region
// whose day starts as its own ends (the next one west), using a market in the region for its
// clock.
func (g *Generator) setupRegions() {
	ref := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)
	type ro struct {
		r   *regionInfo
		off int
	}
	var order []ro
	for _, name := range g.cfg.Policy.Regions {
		ri := &regionInfo{name: string(name), loc: time.UTC}
	find:
		for _, m := range markets {
			if g.cfg.Policy.RegionFor(m.country) == name {
				ri.loc, _ = time.LoadLocation(m.zones[0].name)
				break find
			}
		}
		for i := range 80 {
			ri.agents = append(ri.agents, "agt-"+ri.name+"-"+pad(i+1, 4))
		}
		_, off := ref.In(ri.loc).Zone()
		order = append(order, ro{ri, off})
		g.regions = append(g.regions, ri)
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].off > order[j].off })
	for i, o := range order {
		next := order[(i+1)%len(order)].r
		o.r.next = g.regionIndex(next.name)
	}
}

func (g *Generator) regionIndex(name string) int {
	for i, r := range g.regions {
		if r.name == name {
			return i
		}
	}
	return 0
}

var intentSkill = [numIntents]string{"orders", "returns", "billing", "product", "complaints", "orders", "billing", "sales"}

func (g *Generator) locale(tag string) *localeInfo {
	key := corpusKey(tag)
	li := &localeInfo{tag: tag, c: corpora[key], sep: " "}
	if li.c == nil {
		panic("demo: no corpus for " + tag)
	}
	if key == "ja" || strings.HasPrefix(key, "zh") {
		li.sep = ""
	}
	lang := strings.ToLower(key)
	for _, r := range g.regions {
		p := r.name + "-" + lang + "-"
		li.queues = append(li.queues, queueSet{team: r.name + "-" + lang, support: p + "support", billing: p + "billing", vip: p + "vip", escalations: p + "escalations"})
	}
	for i := range numIntents {
		li.skills[i] = []string{tag, intentSkill[i]}
	}
	return li
}

// Each calls fn with the events that occur in [Start, End), in occurred_at order. It stops at
// the first error from fn (and returns it) or when ctx is done.
func (g *Generator) Each(ctx context.Context, fn func(models.Event) error) error {
	return g.run(ctx, g.cfg.Start, g.cfg.End, 0, fn)
}

// Live produces events stamped with the current time, at the rate of the current hour times
// speedup (1 = real time), until ctx is done. Each run gets fresh ids, so restarting a live demo
// never collides with what an earlier run sent.
func (g *Generator) Live(ctx context.Context, speedup float64, fn func(models.Event) error) error {
	if speedup <= 0 {
		speedup = 1
	}
	wall0 := time.Now()
	virt0 := wall0.Truncate(time.Second)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	err := g.run(ctx, virt0, virt0.AddDate(100, 0, 0), uint64(wall0.UnixNano())|1, func(e models.Event) error {
		due := wall0.Add(time.Duration(float64(e.OccurredAt.Sub(virt0)) / speedup))
		if wait := time.Until(due); wait > time.Millisecond {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			}
		}
		e.OccurredAt = time.Now().UTC()
		return fn(e)
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// run generates hour by hour: all conversations starting in an hour are built, then every
// pending event before the hour's end is emitted, since no later conversation can precede it.
func (g *Generator) run(ctx context.Context, start, end time.Time, salt uint64, fn func(models.Event) error) error {
	startNs, endNs := start.UnixNano(), end.UnixNano()
	var h heap
	firstHour := start.Add(-maxSpan).Unix() / 3600
	for hour := firstHour; hour*3600 < end.Unix(); hour++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		hourStart := time.Unix(hour*3600, 0).UTC()
		hs := g.seed ^ salt
		for _, seg := range g.segs {
			r := rng{mix(mix(hs, uint64(hour)), uint64(seg.idx))}
			n := r.poisson(g.rate(seg, hourStart))
			for k := range n {
				key := mix(r.s, uint64(k))
				c := g.newConv()
				g.build(c, seg, key, hourStart, startNs, endNs)
				if len(c.events) == 0 {
					g.free = append(g.free, c)
					continue
				}
				c.nextAt = c.events[c.next].OccurredAt.UnixNano()
				h.push(c)
			}
		}
		limit := min((hour+1)*3600*int64(time.Second), endNs)
		for n := 0; len(h) > 0 && h[0].nextAt < limit; n++ {
			if n&1023 == 1023 && ctx.Err() != nil {
				return ctx.Err()
			}
			c := h[0]
			if err := fn(c.events[c.next]); err != nil {
				return err
			}
			c.next++
			if c.next < len(c.events) && c.events[c.next].OccurredAt.UnixNano() < endNs {
				c.nextAt = c.events[c.next].OccurredAt.UnixNano()
				h.fix0()
			} else {
				h.pop()
				g.free = append(g.free, c)
			}
		}
	}
	return nil
}

// rate is the expected number of conversations a segment starts in the hour from t, with a
// little day-to-day noise so forecasts have something to learn.
func (g *Generator) rate(seg *segment, t time.Time) float64 {
	day := uint64(t.Unix() / 86400)
	noise := 0.9 + 0.2*(&rng{mix(mix(g.seed, day), uint64(seg.idx))}).float()
	return g.expected(seg, t) * noise
}

// expected is the mean number of conversations a segment starts in the hour from t, over
// the days' noise (whose mean is 1).
func (g *Generator) expected(seg *segment, t time.Time) float64 {
	return g.convScale * seg.weight * seg.m.shape(t.In(seg.loc))
}

func (g *Generator) newConv() *conv {
	if n := len(g.free); n > 0 {
		c := g.free[n-1]
		g.free = g.free[:n-1]
		c.events, c.next = c.events[:0], 0
		return c
	}
	return &conv{events: make([]models.Event, 0, 24)}
}

// heap is a binary min-heap of conversations by next event time, then key, so ties break the
// same way on every run.
type heap []*conv

func (h heap) less(i, j int) bool {
	return h[i].nextAt < h[j].nextAt || h[i].nextAt == h[j].nextAt && h[i].key < h[j].key
}

func (h *heap) push(c *conv) {
	*h = append(*h, c)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *heap) pop() {
	s := *h
	n := len(s) - 1
	s[0] = s[n]
	s[n] = nil
	*h = s[:n]
	h.fix0()
}

func (h heap) fix0() {
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(h) && h.less(l, m) {
			m = l
		}
		if l+1 < len(h) && h.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// pad formats n with leading zeros to width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}
