package routing

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Conversation is what the router knows of a conversation waiting for a human.
type Conversation struct {
	ID, Region string
	Language   string // BCP-47; matched by base language; "" is unknown (any agent)
	Channel    string
	// Kind of work: "messaging", "email" or "voice". When empty it follows Channel
	// ("email" → email; "voice", "phone", "call" → voice; anything else → messaging).
	Kind      string
	Tier      string // "vip", "new", "returning"; "" (unknown customer) is matched as "new"
	Intent    string // such as "refund"
	IssueType string
	Product   string // a product name, matched against skills like intent and issue type
	Priority  Priority
	// WaitingSince is when the conversation started waiting for a human; skills are
	// relaxed once it has waited Config.RelaxSkillsAfter.
	WaitingSince time.Time
	// PreviousAgent had the conversation before it was reopened; they get it first if
	// eligible and under capacity.
	PreviousAgent string
	// NeedsRetention marks a message that compares with a competitor or raises price;
	// agents with the skill "retention" are preferred.
	NeedsRetention bool
	// CustomerValue is the customer's relative value (by tier, from the ROI model); among
	// conversations of equal priority and waiting time the more valuable goes first.
	CustomerValue float64
	// HandleSeconds is the predicted handling time (conversation/predict); 0 is unknown.
	// Relative to Config.Global.HandleSeconds it scales the load term between ½ and 2: a
	// long conversation goes the more surely to the agent with the most room.
	HandleSeconds float64
	// ExpectedWait is how long the conversation is expected to wait for an agent
	// (predict.ExpectedWait over its queue's demand and staffing); 0 is unknown. Skills
	// are relaxed once the wait so far plus ExpectedWait reaches Config.RelaxSkillsAfter:
	// when waiting for the right agent will take that long anyway, it need not start.
	ExpectedWait time.Duration
	// Exclude lists agents not to offer it to: who declined the offer, who transferred
	// it away.
	Exclude []string
}

// Candidate is one agent the router considered, with the score and why.
type Candidate struct {
	AgentID string
	Score   float64
	// Reasons are stable codes: "language:de=5", "skill:refund", "skill:retention",
	// "history:resolution=0.82", "history:csat=4.30", "load:1/4" (open/capacity),
	// "fairness" (idle a full FairnessWindow), "previous_agent", "relaxed:skills" (lacks
	// the skill, admitted because the conversation waited).
	Reasons []string
}

// Decision is the router's answer for one conversation.
type Decision struct {
	AgentID string // "" = queue it
	Queue   string // QueueName(region, language)
	// Candidates are the top five agents, best first: those with free capacity, or, when
	// none has any, the eligible agents at capacity (who would have fitted).
	Candidates []Candidate
	Relaxed    bool // skills were not required because it waited RelaxSkillsAfter
	// HandleSeconds and ExpectedWait are the conversation's, kept for the decision's record
	// (routing.decided).
	HandleSeconds float64
	ExpectedWait  time.Duration
	// Reason is "assigned", "no agent online for <lang> in <region>", "all agents for
	// <lang> in <region> excluded", "no agent for tier <tier> for <lang> in <region>",
	// "no agent with skill <skills> for <lang> in <region>" or "all eligible agents at
	// capacity".
	Reason string
}

// Weights of the score's terms. The zero Weights means DefaultWeights.
type Weights struct {
	Language      float64 // × level/5
	Skill         float64 // × share of the conversation's intent, issue type, product the agent lists
	Retention     float64 // agent has "retention" and the conversation needs it
	History       float64 // × (resolution rate − mean) + (CSAT − mean)/4, shrunk by N
	Load          float64 // × free capacity / capacity for the kind of work
	Fairness      float64 // × time since LastAssigned / FairnessWindow, capped at 1
	PreviousAgent float64 // the agent who had the conversation before
}

// DefaultWeights: a skill match (2) outweighs a native speaker over a fluent one (0.6);
// history moves a score by about ±0.4 for a 10-point resolution difference; load and
// fairness spread work among otherwise equal agents.
func DefaultWeights() Weights {
	return Weights{Language: 1, Skill: 2, Retention: 1.5, History: 2, Load: 1, Fairness: 0.5, PreviousAgent: 3}
}

// Config of a Router. Zero fields take the documented defaults.
type Config struct {
	// RelaxSkillsAfter: a conversation that has waited this long may go to an agent
	// without the skill (default 2m; negative: never).
	RelaxSkillsAfter time.Duration
	Weights          Weights
	// FairnessWindow: an agent idle this long gets the full fairness term (default 30m).
	FairnessWindow time.Duration
	// HistoryPrior is the pseudo-count of the shrinkage: an intent/language record of N
	// conversations counts N/(N+HistoryPrior) against the agent's overall record, which
	// counts the same way against Global (default 20).
	HistoryPrior float64
	// Global is the region's record over all agents, from ClickHouse. With N == 0 it is
	// unknown and each agent's intent/language record is compared with their own overall
	// record only (so a strong agent overall gains nothing from history).
	Global Stat
	// MinLanguageLevel an agent needs in the conversation's language (default 2).
	MinLanguageLevel int
}

// Router decides which agent gets a conversation. It holds its configuration and a cache
// of time zones; it is safe for concurrent use.
type Router struct {
	cfg  Config
	locs sync.Map // time zone name → *time.Location (nil when it does not load)
}

// NewRouter returns a router with cfg, defaults filled in.
func NewRouter(cfg Config) *Router {
	if cfg.RelaxSkillsAfter == 0 {
		cfg.RelaxSkillsAfter = 2 * time.Minute
	}
	if cfg.Weights == (Weights{}) {
		cfg.Weights = DefaultWeights()
	}
	if cfg.FairnessWindow <= 0 {
		cfg.FairnessWindow = 30 * time.Minute
	}
	if cfg.HistoryPrior <= 0 {
		cfg.HistoryPrior = 20
	}
	if cfg.MinLanguageLevel <= 0 {
		cfg.MinLanguageLevel = 2
	}
	return &Router{cfg: cfg}
}

// Config returns the configuration in effect, defaults filled in.
func (r *Router) Config() Config { return r.cfg }

func (r *Router) location(name string) *time.Location {
	if v, ok := r.locs.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	r.locs.Store(name, loc)
	return loc
}

func (r *Router) onShift(a *Agent, at time.Time) bool {
	if len(a.Shifts) == 0 {
		return true
	}
	return onShift(a.Shifts, r.location(a.Timezone), at)
}

// prepared is a conversation reduced to what matching needs, computed once.
type prepared struct {
	region  string // lower case
	lang    string // base, lower case; "und" when unknown
	kind    string
	tier    string
	skills  [3]string // lower case intent, issue type, product that are set
	nskills int
	statKey string // intent/lang, "" without intent or language
}

func prepare(c *Conversation) prepared {
	p := prepared{region: strings.ToLower(strings.TrimSpace(c.Region)), lang: baseLanguage(c.Language), kind: kindOf(c), tier: strings.TrimSpace(c.Tier)}
	if p.tier == "" {
		p.tier = "new"
	}
	for _, s := range [3]string{c.Intent, c.IssueType, c.Product} {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" && !slices.Contains(p.skills[:p.nskills], s) {
			p.skills[p.nskills] = s
			p.nskills++
		}
	}
	if in := strings.TrimSpace(c.Intent); in != "" && p.lang != "und" {
		p.statKey = strings.ToLower(in) + "/" + p.lang
	}
	return p
}

func kindOf(c *Conversation) string {
	if k := strings.TrimSpace(c.Kind); k != "" {
		return strings.ToLower(k)
	}
	switch strings.ToLower(strings.TrimSpace(c.Channel)) {
	case "email", "e-mail", "mail":
		return KindEmail
	case "voice", "phone", "call":
		return KindVoice
	}
	return KindMessaging
}

// relaxed reports whether c has waited, or is expected to wait, long enough for skills to
// be relaxed.
func (r *Router) relaxed(c *Conversation, at time.Time) bool {
	if r.cfg.RelaxSkillsAfter <= 0 || c.WaitingSince.IsZero() {
		return false
	}
	waited := at.Sub(c.WaitingSince)
	if c.ExpectedWait > 0 {
		waited += min(c.ExpectedWait, r.cfg.RelaxSkillsAfter) // saturates: Unbounded is huge
	}
	return waited >= r.cfg.RelaxSkillsAfter
}

// loadFactor scales the load term by the conversation's predicted handling time against
// the region's mean, between ½ and 2; 1 when either is unknown.
func (r *Router) loadFactor(c *Conversation) float64 {
	g := r.cfg.Global.HandleSeconds
	if !(c.HandleSeconds > 0) || !(g > 0) || math.IsInf(c.HandleSeconds, 0) || math.IsInf(g, 0) {
		return 1
	}
	return max(0.5, min(2, c.HandleSeconds/g))
}

// How far an agent got through the eligibility checks, for the reason of a queueing.
const (
	stageNone        = iota
	stageSpeaks      // same region, online, on shift, speaks the language
	stageNotExcluded // and not excluded
	stageTier        // and serves the tier
	stageSkill       // and has a skill (or skills are relaxed)
	stageFree        // and is under capacity
)

// admit runs the conversation-specific checks after region, presence, shift and
// language: exclusion, tier and skills. It returns the stage reached and which of the
// conversation's skills the agent lists; viaRelax when only relaxation let them pass.
func admit(p *prepared, c *Conversation, a *Agent, relaxed bool) (stage int, skills [3]bool, viaRelax bool) {
	for _, id := range c.Exclude {
		if id == a.ID {
			return stageSpeaks, skills, false
		}
	}
	if len(a.Tiers) > 0 && !containsFold(a.Tiers, p.tier) {
		return stageNotExcluded, skills, false
	}
	if p.nskills > 0 && len(a.Skills) > 0 {
		found := false
		for i := 0; i < p.nskills; i++ {
			if containsFold(a.Skills, p.skills[i]) {
				skills[i], found = true, true
			}
		}
		if !found {
			if !relaxed {
				return stageTier, skills, false
			}
			viaRelax = true
		}
	}
	return stageSkill, skills, viaRelax
}

// parts is a score broken into its terms, for the score and for the reasons.
type parts struct {
	level             int
	skills            [3]bool
	retention         bool
	hasRR, hasCSAT    bool
	rr, csat          float64
	load, capacity    int
	fairness          float64
	previous, relaxed bool
	total             float64
}

func (r *Router) score(p *prepared, c *Conversation, a *Agent, level int, skills [3]bool, viaRelax bool, at time.Time) parts {
	w := r.cfg.Weights
	s := parts{level: level, skills: skills, relaxed: viaRelax}
	if p.lang != "und" {
		s.total += w.Language * float64(level) / 5
	}
	if p.nskills > 0 {
		n := 0
		for i := 0; i < p.nskills; i++ {
			if skills[i] {
				n++
			}
		}
		s.total += w.Skill * float64(n) / float64(p.nskills)
	}
	if c.NeedsRetention && containsFold(a.Skills, "retention") {
		s.retention = true
		s.total += w.Retention
	}
	if h := r.history(a, p.statKey, &s); !math.IsNaN(h) && !math.IsInf(h, 0) {
		s.total += w.History * h
	} else {
		s.hasRR, s.hasCSAT = false, false // a broken record (NaN) counts as none
	}
	s.load, s.capacity = a.Load[p.kind], a.CapacityFor(p.kind)
	if s.capacity > 0 && s.load < s.capacity {
		s.total += w.Load * r.loadFactor(c) * float64(s.capacity-s.load) / float64(s.capacity)
	}
	s.fairness = 1
	if !a.LastAssigned.IsZero() {
		idle := at.Sub(a.LastAssigned)
		switch {
		case idle <= 0:
			s.fairness = 0
		case idle < r.cfg.FairnessWindow:
			s.fairness = float64(idle) / float64(r.cfg.FairnessWindow)
		}
	}
	s.total += w.Fairness * s.fairness
	if c.PreviousAgent != "" && c.PreviousAgent == a.ID {
		s.previous = true
		s.total += w.PreviousAgent
	}
	return s
}

// history returns (resolution rate − centre) + (CSAT − centre)/4 for the agent's record
// on key, shrunk toward their overall record and that toward Config.Global (empirical
// Bayes with HistoryPrior pseudo-conversations). With no record, 0: no history is
// neither good nor bad.
func (r *Router) history(a *Agent, key string, s *parts) float64 {
	if len(a.Stats) == 0 {
		return 0
	}
	all := a.Stats[""]
	var k Stat
	if key != "" {
		k = a.Stats[key]
	}
	if all.N <= 0 && k.N <= 0 {
		return 0
	}
	g, K := r.cfg.Global, r.cfg.HistoryPrior
	h := 0.0
	// Resolution rate.
	if g.N > 0 || all.N > 0 {
		centre, overall := all.ResolutionRate, all.ResolutionRate
		if g.N > 0 {
			centre = g.ResolutionRate
			overall = shrink(all.N, all.ResolutionRate, K, centre)
		}
		s.rr, s.hasRR = shrink(k.N, k.ResolutionRate, K, overall), true
		h += s.rr - centre
	}
	// CSAT, where known.
	nAll, nK := all.N, k.N
	if all.CSAT <= 0 {
		nAll = 0
	}
	if k.CSAT <= 0 {
		nK = 0
	}
	if (g.N > 0 && g.CSAT > 0) || nAll > 0 {
		centre, overall := all.CSAT, all.CSAT
		if g.N > 0 && g.CSAT > 0 {
			centre = g.CSAT
			overall = shrink(nAll, all.CSAT, K, centre)
		}
		s.csat, s.hasCSAT = shrink(nK, k.CSAT, K, overall), true
		h += (s.csat - centre) / 4
	}
	return h
}

func shrink(n int, x, k, prior float64) float64 {
	if n <= 0 {
		return prior
	}
	return (float64(n)*x + k*prior) / (float64(n) + k)
}

func (s *parts) reasons(p *prepared) []string {
	out := make([]string, 0, 8)
	if p.lang != "und" {
		out = append(out, "language:"+p.lang+"="+strconv.Itoa(s.level))
	}
	for i := 0; i < p.nskills; i++ {
		if s.skills[i] {
			out = append(out, "skill:"+p.skills[i])
		}
	}
	if s.retention {
		out = append(out, "skill:retention")
	}
	if s.hasRR {
		out = append(out, "history:resolution="+strconv.FormatFloat(s.rr, 'f', 2, 64))
	}
	if s.hasCSAT {
		out = append(out, "history:csat="+strconv.FormatFloat(s.csat, 'f', 2, 64))
	}
	out = append(out, "load:"+strconv.Itoa(s.load)+"/"+strconv.Itoa(s.capacity))
	if s.fairness >= 1 {
		out = append(out, "fairness")
	}
	if s.previous {
		out = append(out, "previous_agent")
	}
	if s.relaxed {
		out = append(out, "relaxed:skills")
	}
	return out
}

// TopN is how many candidates a Decision carries.
const TopN = 5

type ranked struct {
	a     *Agent
	parts parts
}

// before orders candidates: the previous agent first, then by score, then by agent ID so
// that equal scores always give the same answer.
func before(x, y *ranked) bool {
	if x.parts.previous != y.parts.previous {
		return x.parts.previous
	}
	if x.parts.total != y.parts.total {
		return x.parts.total > y.parts.total
	}
	return x.a.ID < y.a.ID
}

// top keeps the best TopN without allocating.
type top struct {
	n    int
	list [TopN]ranked
}

func (t *top) offer(x ranked) {
	if t.n == TopN && !before(&x, &t.list[TopN-1]) {
		return
	}
	i := t.n
	if i == TopN {
		i--
	} else {
		t.n++
	}
	for i > 0 && before(&x, &t.list[i-1]) {
		t.list[i] = t.list[i-1]
		i--
	}
	t.list[i] = x
}

func (t *top) candidates(p *prepared) []Candidate {
	out := make([]Candidate, t.n)
	for i := range t.n {
		x := &t.list[i]
		out[i] = Candidate{AgentID: x.a.ID, Score: x.parts.total, Reasons: x.parts.reasons(p)}
	}
	return out
}

// Route picks the best eligible agent with free capacity for c at time at, or says why
// it must wait. Eligible: same region, online, on shift, speaks the language at
// MinLanguageLevel or better, serves the tier, lists one of the conversation's intent,
// issue type or product unless skills are relaxed or the agent lists no skills, not
// excluded, and under capacity for the kind of work. The previous agent, if eligible,
// comes first; the others by score (see the package documentation), ties by agent ID.
// Route reads the agents and changes nothing: the caller records the assignment (Load,
// LastAssigned) before routing the next conversation. It looks at every agent passed;
// RouteRoster does the same for only those who speak the language.
func (r *Router) Route(c Conversation, agents []*Agent, at time.Time) Decision {
	st := r.begin(&c, at)
	for _, a := range agents {
		if a == nil || !a.Online || !sameRegion(a, st.p.region) {
			continue
		}
		level := 0
		if st.p.lang != "und" {
			// Language before shift: it rejects most agents and costs less.
			if level = a.level(st.p.lang); level < r.cfg.MinLanguageLevel {
				continue
			}
		}
		r.consider(&st, a, level)
	}
	return r.decide(&st)
}

// RouteRoster is Route over the agents of ro, looking only at those in the
// conversation's region who speak its language (all of the region's agents for an
// unknown language). It decides exactly as Route over the same agents would.
func (r *Router) RouteRoster(c Conversation, ro *Roster, at time.Time) Decision {
	st := r.begin(&c, at)
	if ro != nil {
		for _, e := range ro.lookup(st.p.region, st.p.lang) {
			if e.a.Online && (st.p.lang == "und" || e.level >= r.cfg.MinLanguageLevel) {
				r.consider(&st, e.a, e.level)
			}
		}
	}
	return r.decide(&st)
}

// routeState is one Route call in progress.
type routeState struct {
	c          *Conversation
	p          prepared
	at         time.Time
	relaxed    bool
	free, full top
	best       int // furthest stage any agent reached
}

func (r *Router) begin(c *Conversation, at time.Time) routeState {
	return routeState{c: c, p: prepare(c), at: at, relaxed: r.relaxed(c, at)}
}

// consider looks at an agent known to be online, in the region and speaking the
// language at level.
func (r *Router) consider(st *routeState, a *Agent, level int) {
	if !r.onShift(a, st.at) {
		return
	}
	stage, skills, viaRelax := admit(&st.p, st.c, a, st.relaxed)
	if stage == stageSkill && a.Load[st.p.kind] < a.CapacityFor(st.p.kind) {
		stage = stageFree
	}
	st.best = max(st.best, stage)
	switch stage {
	case stageFree:
		st.free.offer(ranked{a, r.score(&st.p, st.c, a, level, skills, viaRelax, st.at)})
	case stageSkill:
		if st.free.n == 0 {
			st.full.offer(ranked{a, r.score(&st.p, st.c, a, level, skills, viaRelax, st.at)})
		}
	}
}

func (r *Router) decide(st *routeState) Decision {
	d := Decision{Queue: QueueName(st.c.Region, st.c.Language), Relaxed: st.relaxed && st.p.nskills > 0,
		HandleSeconds: st.c.HandleSeconds, ExpectedWait: st.c.ExpectedWait}
	switch {
	case st.free.n > 0:
		d.AgentID = st.free.list[0].a.ID
		d.Candidates = st.free.candidates(&st.p)
		d.Reason = "assigned"
	case st.full.n > 0:
		d.Candidates = st.full.candidates(&st.p)
		d.Reason = "all eligible agents at capacity"
	default:
		d.Reason = queueReason(&st.p, st.best)
	}
	return d
}

// sameRegion compares an agent's region with a conversation's, already trimmed and
// lower-cased, as QueueName and NewRoster do.
func sameRegion(a *Agent, region string) bool {
	return strings.EqualFold(strings.TrimSpace(a.Region), region)
}

func queueReason(p *prepared, stage int) string {
	where := " for " + p.lang + " in " + p.region
	switch stage {
	case stageSpeaks:
		return "all agents" + where + " excluded"
	case stageNotExcluded:
		return "no agent for tier " + p.tier + where
	case stageTier:
		return "no agent with skill " + strings.Join(p.skills[:p.nskills], "|") + where
	case stageSkill:
		return "all eligible agents at capacity"
	}
	return "no agent online" + where
}

// Eligible reports whether agent a may take c at at, with the reason when not (the
// Decision reasons of Route: "no agent online for de in eu" and so on). The engine uses it
// to check an assignConversation or transferConversation to a named agent.
func (r *Router) Eligible(c Conversation, a *Agent, at time.Time) (bool, string) {
	if a == nil {
		return false, "no such agent"
	}
	d := r.Route(c, []*Agent{a}, at)
	return d.AgentID == a.ID, d.Reason
}

// Staffing is the capacity for a kind of work ("" is messaging) of the agents who could
// serve a conversation in region and language (a BCP-47 tag; "" counts every language):
// online, on shift at at, in the region, speaking it at MinLanguageLevel or better. It is
// the number of servers of the queue's Erlang C model (conversation/predict), each
// conversation slot counting as one.
func (r *Router) Staffing(region, language, kind string, agents []*Agent, at time.Time) int {
	region, lang := strings.ToLower(strings.TrimSpace(region)), baseLanguage(language)
	if kind == "" {
		kind = KindMessaging
	}
	n := 0
	for _, a := range agents {
		if a == nil || !a.Online || !sameRegion(a, region) || (lang != "und" && a.level(lang) < r.cfg.MinLanguageLevel) || !r.onShift(a, at) {
			continue
		}
		n += max(0, a.CapacityFor(kind))
	}
	return n
}
