package simulate

import (
	"cmp"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/conversation/sla"
)

// Policy is how a simulated region picks an agent and orders its waiting conversations.
type Policy string

// The policies compared.
const (
	// Predictive is the real router: routing.Router.Route on arrival and on each sweep,
	// routing.Queue with Router.Next when an agent frees capacity.
	Predictive Policy = "predictive"
	// RoundRobin gives a conversation to the next eligible agent after the last one
	// assigned (agents in ID order); waiting conversations are served first come, first served.
	RoundRobin Policy = "round-robin"
	// LeastBusy gives it to the eligible agent with the lowest share of capacity in use,
	// then the longest idle, then the lowest ID; first come, first served.
	LeastBusy Policy = "least-busy"
	// LeastBusyPriority is LeastBusy with the router's queue order (priority, then
	// waiting time), to separate what the queue order does from what the scoring does.
	LeastBusyPriority Policy = "least-busy+priority"
)

// Policies lists every policy, the router first.
var Policies = []Policy{Predictive, RoundRobin, LeastBusy, LeastBusyPriority}

// Eligible for the baselines is what the router requires except skills: same region,
// online, on shift, the language at routing.Config.MinLanguageLevel (default 2), the
// customer's tier, and free capacity for the kind of work. Baselines promise never to
// give a conversation to an agent who does not speak its language.

// Config of a simulation. Zero fields take the documented defaults.
type Config struct {
	// Seed draws the customers' patience (and nothing else: arrivals come from the demo
	// generator's own seed, the ground truth from NewTruth's generator).
	Seed uint64
	// Patience is the mean of the exponential patience per channel; channels not listed
	// take Patience[""] (DefaultPatience when nil).
	Patience map[string]time.Duration
	// SLA gives each conversation's first-response target (sla.DefaultPolicy() when nil).
	SLA *sla.Policy
	// Router is the predictive router's configuration (DefaultWeights when zero).
	Router routing.Config
	// Sweep is how often waiting conversations are routed again, as the engine's
	// WatchQueues does (default one minute).
	Sweep time.Duration
	// FollowTheSun lets a conversation whose region has nobody on shift who speaks its
	// language go to an agent of another region who does (the hand-off of issue #18);
	// without it a conversation waits for its own region.
	FollowTheSun bool
	// OnAssign, if set, is called with every assignment as it is made, before the
	// agent's load counts it.
	OnAssign func(a Arrival, agent *routing.Agent, at time.Time)
}

// DefaultPatience: how long customers wait for a human before giving up, on average.
// Chat on a website is abandoned within minutes, a voice callback request sooner, a
// message in a messaging app is left for longer, and an e-mail is not withdrawn for a day.
func DefaultPatience() map[string]time.Duration {
	return map[string]time.Duration{
		"":        20 * time.Minute, // messaging apps: WhatsApp, Messenger, LINE, …
		"webchat": 5 * time.Minute,
		"voice":   3 * time.Minute,
		"email":   24 * time.Hour,
	}
}

// Patiences draws each arrival's patience: exponential with the channel's mean, from
// cfg.Seed, in arrival order, so every policy sees the same customers.
func (cfg Config) Patiences(arrivals []Arrival) []time.Duration {
	means := cfg.Patience
	if means == nil {
		means = DefaultPatience()
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9a71e4ce))
	out := make([]time.Duration, len(arrivals))
	for i, a := range arrivals {
		m, ok := means[a.Channel]
		if !ok {
			m = means[""]
		}
		out[i] = time.Duration(rng.ExpFloat64() * float64(m))
	}
	return out
}

// Result is one policy's run.
type Result struct {
	Policy                     Policy
	Offered, Answered, Abandon int
	InTarget                   int // answered (first reply) within the SLA first-response target
	Breaches                   int // first reply later than the target, or abandoned after it
	MeanWait, P90Wait, MaxWait time.Duration
	MeanLevel                  float64 // agent's level in the conversation's language, answered
	Native                     int     // answered by a level-5 speaker
	SkillMatch                 int     // answered by an agent who lists the conversation's skill
	HandedOff                  int     // answered by an agent of another region (follow-the-sun)
	Resolution, ResolutionLang float64 // expected first-contact resolution, answered (ground truth without and with the language effect)
	CSAT                       float64 // expected CSAT from ResolutionLang
	BusiestShare               float64 // the busiest agent's share of their region's assignments, worst region
	// Slices break the counts down: "region:eu", "priority:URGENT", "channel:email",
	// "staffed:yes" (a speaker of the language was on shift in the region on arrival) and
	// "staffed:no".
	Slices                    map[string]*Slice
	waits                     []time.Duration
	sumLevel, sumRes, sumResL float64
}

// Slice is the counts of a part of the conversations.
type Slice struct {
	Offered, Answered, Abandon, InTarget, Breaches int
	sumWait                                        time.Duration
}

// ServiceLevel is the share of offered conversations answered within target (abandoned
// conversations count as missed).
func (r *Result) ServiceLevel() float64 { return ratio(r.InTarget, r.Offered) }

// AbandonRate is the share of offered conversations abandoned.
func (r *Result) AbandonRate() float64 { return ratio(r.Abandon, r.Offered) }

// ServiceLevel of the slice.
func (r *Slice) ServiceLevel() float64 { return ratio(r.InTarget, r.Offered) }

// AbandonRate of the slice.
func (r *Slice) AbandonRate() float64 { return ratio(r.Abandon, r.Offered) }

// MeanWait of the slice's answered conversations.
func (r *Slice) MeanWait() time.Duration {
	if r.Answered == 0 {
		return 0
	}
	return r.sumWait / time.Duration(r.Answered)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Event kinds, in the order they run at the same instant: a conversation that finishes
// frees capacity before one that arrives at that moment is routed.
const (
	evFinish = iota
	evAbandon
	evArrive
	evSweep
)

type event struct {
	at   time.Time
	kind int
	conv int
	seq  int
}

type events []event

func (h events) Len() int { return len(h) }
func (h events) Less(i, j int) bool {
	return cmp.Or(h[i].at.Compare(h[j].at), cmp.Compare(h[i].kind, h[j].kind), cmp.Compare(h[i].seq, h[j].seq)) < 0
}
func (h events) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *events) Push(x any)   { *h = append(*h, x.(event)) }
func (h *events) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

const (
	waiting = iota
	assigned
	abandoned
)

type convState struct {
	status  int
	agent   *routing.Agent
	due     time.Duration // first-response target (0: none)
	kind    string
	staffed bool // a speaker of its language was on shift in its region on arrival
	routing routing.Conversation
}

type region struct {
	agents []*routing.Agent
	queue  *routing.Queue // predictive
	fifo   []int          // baselines: waiting conversations in service order
	rr     int            // round-robin: index of the next agent to try
	counts map[string]int // assignments per agent
}

type sim struct {
	cfg      Config
	policy   Policy
	router   *routing.Router
	plain    *routing.Router // eligibility for the baselines
	arrivals []Arrival
	patience []time.Duration
	truth    *Truth
	convs    []convState
	byID     map[string]int
	regions  map[string]*region
	h        events
	seq      int
	res      *Result
	locs     map[string]*time.Location
	minLevel int
	levels   map[levelKey]int
	shifts   map[*routing.Agent]shiftMemo
}

type levelKey struct {
	a    *routing.Agent
	lang string
}

// shiftMemo is an agent's on-shift answer for one minute: the sweep and the baselines
// ask many times a minute.
type shiftMemo struct {
	minute int64
	on     bool
}

// level is levelOf, remembered: agents' languages do not change during a run.
func (s *sim) level(a *routing.Agent, tag string) int {
	k := levelKey{a, tag}
	if l, ok := s.levels[k]; ok {
		return l
	}
	l := levelOf(a, tag)
	s.levels[k] = l
	return l
}

// Run simulates policy over arrivals with agents (which it copies: their Load and
// LastAssigned start empty) and returns what customers experienced. Every conversation
// is followed to its end: answered, or abandoned when its patience runs out while
// waiting, so the run continues past the last arrival. Deterministic: the same inputs
// give the same Result.
func Run(cfg Config, policy Policy, arrivals []Arrival, agents []*routing.Agent, truth *Truth) (*Result, error) {
	if !slices.Contains(Policies, policy) {
		return nil, fmt.Errorf("simulate: unknown policy %q", policy)
	}
	if cfg.SLA == nil {
		p := sla.DefaultPolicy()
		cfg.SLA = &p
	}
	if cfg.Sweep <= 0 {
		cfg.Sweep = time.Minute
	}
	s := &sim{cfg: cfg, policy: policy, router: routing.NewRouter(cfg.Router), arrivals: arrivals, patience: cfg.Patiences(arrivals),
		truth: truth, convs: make([]convState, len(arrivals)), byID: make(map[string]int, len(arrivals)), regions: map[string]*region{}, locs: map[string]*time.Location{},
		levels: map[levelKey]int{}, shifts: map[*routing.Agent]shiftMemo{},
		res: &Result{Policy: policy, Slices: map[string]*Slice{}}}
	plainCfg := cfg.Router
	plainCfg.RelaxSkillsAfter = -1
	s.plain = routing.NewRouter(plainCfg)
	s.minLevel = s.router.Config().MinLanguageLevel
	for _, a := range agents {
		c := *a
		c.Load, c.LastAssigned = map[string]int{}, time.Time{}
		reg := s.region(strings.ToLower(c.Region))
		reg.agents = append(reg.agents, &c)
	}
	for i, a := range arrivals {
		rc := routing.Conversation{ID: a.ID, Region: a.Region, Language: a.Language, Channel: a.Channel, Tier: a.Tier,
			Intent: a.Intent, IssueType: a.Skill, Priority: a.Priority, WaitingSince: a.At, CustomerValue: tierValue(a.Tier)}
		rule := cfg.SLA.Match(a.Tier, a.Channel, a.Priority.String())
		s.convs[i] = convState{routing: rc, due: rule.Targets.FirstResponse, kind: routing.KindOfChannel(a.Channel)}
		s.byID[a.ID] = i
		s.push(a.At, evArrive, i)
	}
	if len(arrivals) > 0 {
		s.push(arrivals[0].At.Truncate(cfg.Sweep).Add(cfg.Sweep), evSweep, -1)
	}
	for s.h.Len() > 0 {
		e := heap.Pop(&s.h).(event)
		s.step(e)
	}
	s.finish()
	return s.res, nil
}

func (s *sim) region(name string) *region {
	r := s.regions[name]
	if r == nil {
		r = &region{counts: map[string]int{}}
		if s.policy == Predictive {
			r.queue = routing.NewQueue()
		}
		s.regions[name] = r
	}
	return r
}

func (s *sim) push(at time.Time, kind, conv int) {
	s.seq++
	heap.Push(&s.h, event{at: at, kind: kind, conv: conv, seq: s.seq})
}

func (s *sim) waitingCount() int {
	n := 0
	for _, r := range s.regions {
		if r.queue != nil {
			n += r.queue.Len()
		}
		n += len(r.fifo)
	}
	return n
}

func (s *sim) step(e event) {
	switch e.kind {
	case evArrive:
		c := &s.convs[e.conv]
		reg := s.region(strings.ToLower(s.arrivals[e.conv].Region))
		c.staffed = s.speakerOnShift(reg, c.routing.Language, e.at)
		if a := s.choose(reg, e.conv, e.at); a != nil {
			s.assign(e.conv, a, e.at)
			return
		}
		if reg.queue != nil {
			reg.queue.Push(c.routing)
		} else {
			s.enqueue(reg, e.conv)
		}
		s.push(e.at.Add(s.patience[e.conv]), evAbandon, e.conv)
	case evAbandon:
		c := &s.convs[e.conv]
		if c.status != waiting {
			return
		}
		c.status = abandoned
		reg := s.region(strings.ToLower(s.arrivals[e.conv].Region))
		if reg.queue != nil {
			reg.queue.Remove(c.routing.ID)
		} else {
			reg.fifo = slices.DeleteFunc(reg.fifo, func(i int) bool { return i == e.conv })
		}
		s.record(e.conv, e.at, nil)
	case evFinish:
		c := &s.convs[e.conv]
		c.agent.Load[c.kind]--
		reg := s.region(strings.ToLower(c.agent.Region))
		s.offer(reg, c.agent, e.at)
	case evSweep:
		// Only regions with someone on shift (or, following the sun, any region when
		// someone anywhere is) can assign anything: the others are skipped.
		names := sortedKeys(s.regions)
		on := map[string]bool{}
		any := false
		for _, name := range names {
			on[name] = slices.ContainsFunc(s.regions[name].agents, func(a *routing.Agent) bool { return s.onShift(a, e.at) })
			any = any || on[name]
		}
		for _, name := range names {
			if on[name] || (s.cfg.FollowTheSun && any) {
				s.sweep(s.regions[name], e.at)
			}
		}
		if s.waitingCount() > 0 || s.h.Len() > 0 {
			s.push(e.at.Add(s.cfg.Sweep), evSweep, -1)
		}
	}
}

// choose picks an agent for conversation i now, or nil: in its own region, or with
// Config.FollowTheSun, when nobody of its region who speaks its language is on shift,
// in the first other region (by name) that has one free.
func (s *sim) choose(reg *region, i int, at time.Time) *routing.Agent {
	c := &s.convs[i]
	if a := s.chooseIn(reg, c.routing, c.kind, at); a != nil || !s.cfg.FollowTheSun || s.speakerOnShift(reg, c.routing.Language, at) {
		return a
	}
	for _, name := range sortedKeys(s.regions) {
		other := s.regions[name]
		if other == reg {
			continue
		}
		rc := c.routing
		rc.Region = name
		if a := s.chooseIn(other, rc, c.kind, at); a != nil {
			return a
		}
	}
	return nil
}

func (s *sim) chooseIn(reg *region, rc routing.Conversation, kind string, at time.Time) *routing.Agent {
	if s.policy == Predictive {
		d := s.router.Route(rc, reg.agents, at)
		if d.AgentID == "" {
			return nil
		}
		return find(reg.agents, d.AgentID)
	}
	var best *routing.Agent
	n := len(reg.agents)
	for k := range n {
		j := k
		if s.policy == RoundRobin {
			j = (reg.rr + k) % n
		}
		a := reg.agents[j]
		if !s.eligible(rc, kind, a, at) {
			continue
		}
		if s.policy == RoundRobin {
			reg.rr = (j + 1) % n
			return a
		}
		if best == nil || lessBusy(a, best, kind) {
			best = a
		}
	}
	return best
}

// speakerOnShift reports whether an agent of reg who speaks lang at the router's minimum
// level is on shift at at.
func (s *sim) speakerOnShift(reg *region, lang string, at time.Time) bool {
	return slices.ContainsFunc(reg.agents, func(a *routing.Agent) bool {
		return s.level(a, lang) >= s.minLevel && s.onShift(a, at)
	})
}

// eligible is the baselines' test: the router's, with skills left out.
func (s *sim) eligible(rc routing.Conversation, kind string, a *routing.Agent, at time.Time) bool {
	// The cheap tests first; Eligible decides.
	if s.level(a, rc.Language) < s.minLevel || a.Load[kind] >= a.CapacityFor(kind) || !s.onShift(a, at) {
		return false
	}
	rc.Intent, rc.IssueType, rc.Product = "", "", ""
	ok, _ := s.plain.Eligible(rc, a, at)
	return ok
}

// lessBusy: lower share of capacity in use, then idle longer, then lower ID.
func lessBusy(a, b *routing.Agent, kind string) bool {
	ua := float64(a.Load[kind]) / float64(max(1, a.CapacityFor(kind)))
	ub := float64(b.Load[kind]) / float64(max(1, b.CapacityFor(kind)))
	if ua != ub {
		return ua < ub
	}
	if !a.LastAssigned.Equal(b.LastAssigned) {
		return a.LastAssigned.Before(b.LastAssigned)
	}
	return a.ID < b.ID
}

// enqueue puts conversation i in a baseline's queue: by arrival, or for
// LeastBusyPriority by the router's order (priority, waiting time, value, ID).
func (s *sim) enqueue(reg *region, i int) {
	pos, _ := slices.BinarySearchFunc(reg.fifo, i, func(x, y int) int { return s.order(x, y) })
	reg.fifo = slices.Insert(reg.fifo, pos, i)
}

func (s *sim) order(x, y int) int {
	cx, cy := &s.convs[x].routing, &s.convs[y].routing
	if s.policy == LeastBusyPriority && cx.Priority != cy.Priority {
		return cmp.Compare(cy.Priority, cx.Priority)
	}
	if c := cx.WaitingSince.Compare(cy.WaitingSince); c != 0 {
		return c
	}
	if s.policy == LeastBusyPriority && cx.CustomerValue != cy.CustomerValue {
		return cmp.Compare(cy.CustomerValue, cx.CustomerValue)
	}
	return strings.Compare(cx.ID, cy.ID)
}

// offer gives agent a, who may have freed capacity, waiting conversations: the router's
// Next, or the first in a baseline's queue that a may take.
func (s *sim) offer(reg *region, a *routing.Agent, at time.Time) {
	for {
		if reg.queue != nil {
			rc, _, ok := s.router.Next(reg.queue, a, at)
			if !ok {
				return
			}
			s.assign(s.byID[rc.ID], a, at)
			continue
		}
		k := slices.IndexFunc(reg.fifo, func(i int) bool { return s.eligible(s.convs[i].routing, s.convs[i].kind, a, at) })
		if k < 0 {
			return
		}
		i := reg.fifo[k]
		reg.fifo = slices.Delete(reg.fifo, k, k+1)
		s.assign(i, a, at)
	}
}

// sweep routes the region's waiting conversations again in queue order, as the engine's
// WatchQueues does, for what time alone changes (shifts starting, skills relaxed).
func (s *sim) sweep(reg *region, at time.Time) {
	if reg.queue != nil {
		for _, rc := range reg.queue.Waiting() {
			i := s.byID[rc.ID]
			if a := s.choose(reg, i, at); a != nil {
				reg.queue.Remove(rc.ID)
				s.assign(i, a, at)
			}
		}
		return
	}
	for _, i := range slices.Clone(reg.fifo) {
		if a := s.choose(reg, i, at); a != nil {
			reg.fifo = slices.DeleteFunc(reg.fifo, func(x int) bool { return x == i })
			s.assign(i, a, at)
		}
	}
}

func (s *sim) assign(i int, a *routing.Agent, at time.Time) {
	c := &s.convs[i]
	if s.cfg.OnAssign != nil {
		s.cfg.OnAssign(s.arrivals[i], a, at)
	}
	c.status, c.agent = assigned, a
	a.Load[c.kind]++
	a.LastAssigned = at
	s.region(strings.ToLower(a.Region)).counts[a.ID]++
	s.push(at.Add(s.arrivals[i].Handle), evFinish, i)
	s.record(i, at, a)
}

// record counts conversation i's outcome: answered by a at at, or abandoned at at.
func (s *sim) record(i int, at time.Time, a *routing.Agent) {
	arr, c, r := &s.arrivals[i], &s.convs[i], s.res
	staffed := "staffed:no"
	if c.staffed {
		staffed = "staffed:yes"
	}
	var slices [4]*Slice
	for k, name := range [4]string{"region:" + arr.Region, "priority:" + arr.Priority.String(), "channel:" + channelClass(arr.Channel), staffed} {
		x := r.Slices[name]
		if x == nil {
			x = &Slice{}
			r.Slices[name] = x
		}
		x.Offered++
		slices[k] = x
	}
	r.Offered++
	wait := at.Sub(arr.At)
	if a == nil {
		r.Abandon++
		late := c.due > 0 && wait > c.due
		for _, x := range slices {
			x.Abandon++
			if late {
				x.Breaches++
			}
		}
		if late {
			r.Breaches++
		}
		return
	}
	r.Answered++
	r.waits = append(r.waits, wait)
	in := c.due <= 0 || wait+arr.FirstReply <= c.due
	for _, x := range slices {
		x.Answered++
		x.sumWait += wait
		if in {
			x.InTarget++
		} else {
			x.Breaches++
		}
	}
	if in {
		r.InTarget++
	} else {
		r.Breaches++
	}
	if !strings.EqualFold(a.Region, arr.Region) {
		r.HandedOff++
	}
	level := s.level(a, arr.Language)
	r.sumLevel += float64(level)
	if level >= 5 {
		r.Native++
	}
	if arr.Skill != "" && (containsFold(a.Skills, arr.Skill) || containsFold(a.Skills, arr.Intent)) {
		r.SkillMatch++
	}
	if s.truth != nil {
		r.sumRes += s.truth.Resolution(a.ID, arr.Intent, level, false)
		p := s.truth.Resolution(a.ID, arr.Intent, level, true)
		r.sumResL += p
		r.CSAT += CSAT(p)
	}
}

// channelClass groups channels by how customers wait on them.
func channelClass(ch string) string {
	switch ch {
	case "email", "webchat", "voice":
		return ch
	}
	return "messaging"
}

func (s *sim) finish() {
	r := s.res
	if r.Answered > 0 {
		n := float64(r.Answered)
		var sum time.Duration
		for _, w := range r.waits {
			sum += w
		}
		slices.Sort(r.waits)
		r.MeanWait = sum / time.Duration(r.Answered)
		r.P90Wait = r.waits[(len(r.waits)*9)/10]
		r.MaxWait = r.waits[len(r.waits)-1]
		r.MeanLevel, r.Resolution, r.ResolutionLang, r.CSAT = r.sumLevel/n, r.sumRes/n, r.sumResL/n, r.CSAT/n
	}
	r.waits = nil
	for _, reg := range s.regions {
		total, top := 0, 0
		for _, n := range reg.counts {
			total += n
			top = max(top, n)
		}
		if total > 0 {
			r.BusiestShare = max(r.BusiestShare, float64(top)/float64(total))
		}
	}
}

// onShift is Agent.OnShift with the time zones cached and the answer remembered for the
// minute (shifts start and end on whole minutes).
func (s *sim) onShift(a *routing.Agent, at time.Time) bool {
	if len(a.Shifts) == 0 {
		return true
	}
	minute := at.Unix() / 60
	if m, ok := s.shifts[a]; ok && m.minute == minute {
		return m.on
	}
	on := s.shiftAt(a, at)
	s.shifts[a] = shiftMemo{minute, on}
	return on
}

func (s *sim) shiftAt(a *routing.Agent, at time.Time) bool {
	loc, ok := s.locs[a.Timezone]
	if !ok {
		loc, _ = time.LoadLocation(a.Timezone)
		s.locs[a.Timezone] = loc
	}
	if loc == nil {
		return false
	}
	t := at.In(loc)
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	hm := t.Format("15:04")
	for _, sh := range a.Shifts {
		if sh.Weekday == wd && sh.Start <= hm && hm < sh.End {
			return true
		}
	}
	return false
}

func find(agents []*routing.Agent, id string) *routing.Agent {
	for _, a := range agents {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func levelOf(a *routing.Agent, tag string) int {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	best := 0
	for t, l := range a.Languages {
		b, _, _ := strings.Cut(strings.ToLower(t), "-")
		if b == base {
			best = max(best, l)
		}
	}
	return best
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// tierValue is the customer value the queue breaks ties with.
func tierValue(tier string) float64 {
	switch tier {
	case "vip":
		return 1
	case "enterprise":
		return 0.8
	case "returning":
		return 0.5
	}
	return 0.2
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
