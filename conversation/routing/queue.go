package routing

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Queue holds the conversations of one region waiting for a human, ordered by priority
// (highest first), then waiting time (longest first), then CustomerValue (highest
// first), then ID. It keeps one ordered list per language, so an agent is only matched
// against conversations in languages they speak, and each list keeps, beside the order,
// a dense array of 24-byte records (region, tier, kind, skills as numbers, waiting
// time) so that Next can pass over thousands of conversations an agent may not take
// without touching the conversations themselves. It is not safe for concurrent use: the engine owns one queue per region in
// one goroutine.
type Queue struct {
	byID    map[string]*entry
	langs   map[string]*lane  // base language → its conversations in queue order
	regions map[string]uint16 // lower-case region → number
	skills  map[string]uint8  // lower-case skill → bit in mask.skills (the first 64 seen)
}

type entry struct {
	c Conversation
	p prepared
	k key
	m mask
}

// lane is one language's conversations in queue order: keys[i] and masks[i] describe
// the same conversation.
type lane struct {
	keys  []key
	masks []mask
}

// key holds the fields of the queue order.
type key struct {
	waiting time.Time
	value   float64
	e       *entry
	prio    Priority
}

// mask is what Next reads of a waiting conversation before anything else: coarse
// filters that never reject a conversation the full check would accept.
type mask struct {
	skills  uint64 // bits of the conversation's intent, issue type, product
	waitSec int64  // WaitingSince in Unix seconds; math.MaxInt64 when unset
	region  uint16
	tier    uint8 // tierNew, tierReturning, tierVIP, tierOther
	kind    uint8 // kindMsg, kindEmail, kindVoice, kindOther
	flags   uint8
}

const (
	tierNew = iota
	tierReturning
	tierVIP
	tierOther
)

const (
	kindMsg = iota
	kindEmail
	kindVoice
	kindOther
)

const (
	flagExclude    = 1 << iota // has an Exclude list
	flagSkills                 // needs a skill
	flagSkillsOpen             // a skill has no bit (too many skills, or not ASCII): check in full
)

// NewQueue returns an empty queue.
func NewQueue() *Queue {
	return &Queue{byID: map[string]*entry{}, langs: map[string]*lane{}, regions: map[string]uint16{}, skills: map[string]uint8{}}
}

// compare orders keys in queue order.
func compare(x, y *key) int {
	switch {
	case x.prio != y.prio:
		if x.prio > y.prio {
			return -1
		}
		return 1
	case !x.waiting.Equal(y.waiting):
		if x.waiting.Before(y.waiting) {
			return -1
		}
		return 1
	case x.value != y.value:
		if x.value > y.value {
			return -1
		}
		return 1
	}
	return strings.Compare(x.e.c.ID, y.e.c.ID)
}

func tierCode(t string) uint8 {
	switch {
	case strings.EqualFold(t, "new"):
		return tierNew
	case strings.EqualFold(t, "returning"):
		return tierReturning
	case strings.EqualFold(t, "vip"):
		return tierVIP
	}
	return tierOther
}

func kindCode(k string) uint8 {
	switch k {
	case KindMessaging:
		return kindMsg
	case KindEmail:
		return kindEmail
	case KindVoice:
		return kindVoice
	}
	return kindOther
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (q *Queue) index(e *entry) {
	e.k = key{waiting: e.c.WaitingSince, value: e.c.CustomerValue, e: e, prio: e.c.Priority}
	if math.IsNaN(e.k.value) {
		e.k.value = 0 // NaN would break the order, and with it Remove
	}
	s := mask{waitSec: math.MaxInt64, tier: tierCode(e.p.tier), kind: kindCode(e.p.kind)}
	if !e.c.WaitingSince.IsZero() {
		// The expected wait counts as waited (Router.relaxed); subtracting up to a year,
		// more than any RelaxSkillsAfter, never refuses what the full test accepts.
		s.waitSec = e.c.WaitingSince.Add(-min(max(e.c.ExpectedWait, 0), 365*24*time.Hour)).Unix()
	}
	id, ok := q.regions[e.p.region]
	if !ok {
		id = uint16(len(q.regions))
		q.regions[e.p.region] = id
	}
	s.region = id
	if len(e.c.Exclude) > 0 {
		s.flags |= flagExclude
	}
	if e.p.nskills > 0 {
		s.flags |= flagSkills
	}
	for _, sk := range e.p.skills[:e.p.nskills] {
		bit, ok := q.skills[sk]
		if !ok && len(q.skills) < 64 && isASCII(sk) {
			bit, ok = uint8(len(q.skills)), true
			q.skills[sk] = bit
		}
		if !ok {
			s.flags |= flagSkillsOpen
			continue
		}
		s.skills |= 1 << bit
	}
	e.m = s
}

func cmpKey(x key, y *key) int { return compare(&x, y) }

// Push adds c, or replaces the waiting conversation with the same ID (its priority or
// exclusions may have changed).
func (q *Queue) Push(c Conversation) {
	q.Remove(c.ID)
	e := &entry{c: c}
	e.p = prepare(&e.c)
	q.index(e)
	l := q.langs[e.p.lang]
	if l == nil {
		l = &lane{}
		q.langs[e.p.lang] = l
	}
	i, _ := slices.BinarySearchFunc(l.keys, &e.k, cmpKey)
	l.keys = slices.Insert(l.keys, i, e.k)
	l.masks = slices.Insert(l.masks, i, e.m)
	q.byID[c.ID] = e
}

// Remove takes the conversation with id out of the queue (assigned elsewhere, resolved,
// abandoned); false if it was not waiting.
func (q *Queue) Remove(id string) bool {
	e, ok := q.byID[id]
	if !ok {
		return false
	}
	delete(q.byID, id)
	l := q.langs[e.p.lang]
	if i, found := slices.BinarySearchFunc(l.keys, &e.k, cmpKey); found {
		l.keys = slices.Delete(l.keys, i, i+1)
		l.masks = slices.Delete(l.masks, i, i+1)
	}
	if len(l.keys) == 0 {
		delete(q.langs, e.p.lang)
	}
	return true
}

// Len is the number of waiting conversations.
func (q *Queue) Len() int { return len(q.byID) }

// Waiting returns the waiting conversations in queue order.
func (q *Queue) Waiting() []Conversation {
	all := make([]*key, 0, len(q.byID))
	for _, l := range q.langs {
		for i := range l.keys {
			all = append(all, &l.keys[i])
		}
	}
	slices.SortFunc(all, compare)
	out := make([]Conversation, len(all))
	for i, s := range all {
		out[i] = s.e.c
	}
	return out
}

// filter is what Next works out about the agent once, to pass over masks cheaply. Each
// test is coarse: it may let through a conversation the agent may not take (the full
// check follows), never the reverse.
type filter struct {
	region    uint16
	anyRegion bool   // the region could not be numbered: check in full
	tiers     uint8  // bits of tier codes the agent may serve
	kinds     uint8  // bits of kind codes the agent has capacity for
	skills    uint64 // bits of the agent's skills
	anySkill  bool   // no skills (no restriction) or a skill without a bit
	relaxFrom int64  // Unix seconds: a conversation waiting since then or before may be relaxed
	relax     bool
}

func (q *Queue) filterFor(r *Router, a *Agent, at time.Time) (filter, bool) {
	f := filter{kinds: 1 << kindOther, tiers: 1<<tierNew | 1<<tierReturning | 1<<tierVIP | 1<<tierOther}
	region := strings.ToLower(strings.TrimSpace(a.Region))
	if id, ok := q.regions[region]; ok && isASCII(region) {
		f.region = id
	} else if isASCII(region) {
		return f, false // no conversation of this region has ever waited here
	} else {
		f.anyRegion = true
	}
	if len(a.Tiers) > 0 {
		f.tiers = 0
		for _, t := range a.Tiers {
			f.tiers |= 1 << tierCode(strings.TrimSpace(t))
		}
	}
	for code, kind := range [3]string{KindMessaging, KindEmail, KindVoice} {
		if a.Load[kind] < a.CapacityFor(kind) {
			f.kinds |= 1 << code
		}
	}
	f.anySkill = len(a.Skills) == 0
	for _, sk := range a.Skills {
		if !isASCII(sk) {
			f.anySkill = true
			break
		}
		if bit, ok := q.skills[strings.ToLower(sk)]; ok {
			f.skills |= 1 << bit
		}
	}
	if r.cfg.RelaxSkillsAfter > 0 {
		f.relax, f.relaxFrom = true, at.Add(-r.cfg.RelaxSkillsAfter).Unix()
	}
	return f, true
}

// pass reports whether a conversation survives the coarse tests.
func (f *filter) pass(s *mask) bool {
	if (!f.anyRegion && s.region != f.region) || f.tiers&(1<<s.tier) == 0 || f.kinds&(1<<s.kind) == 0 {
		return false
	}
	if s.flags&flagSkills == 0 || f.anySkill || s.flags&flagSkillsOpen != 0 || s.skills&f.skills != 0 {
		return true
	}
	// A skill is needed and the agent lacks it: only a relaxed wait lets it through.
	// Whole seconds round both down, so this never refuses what the full test accepts.
	return f.relax && s.waitSec <= f.relaxFrom
}

// Next finds the first waiting conversation, in queue order, that agent a may take at
// at, removes it from the queue and returns it with the decision to assign it to a.
// Skills are relaxed for conversations that waited RelaxSkillsAfter. The previous-agent
// preference does not apply here: a freed agent serves the queue in order. ok is false
// when a is offline, off shift, or fits no waiting conversation.
func (r *Router) Next(q *Queue, a *Agent, at time.Time) (Conversation, Decision, bool) {
	if a == nil || q == nil || !a.Online || !r.onShift(a, at) {
		return Conversation{}, Decision{}, false
	}
	f, ok := q.filterFor(r, a, at)
	if !ok {
		return Conversation{}, Decision{}, false
	}
	var best *key
	var bestLevel int
	scan := func(lang string, level int) {
		l := q.langs[lang]
		if l == nil {
			return
		}
		for i := range l.masks {
			if best != nil && compare(&l.keys[i], best) >= 0 {
				return // the rest of this language comes after what we have
			}
			if !f.pass(&l.masks[i]) {
				continue
			}
			// The full check, as Route does it.
			s := &l.keys[i]
			e := s.e
			if !sameRegion(a, e.p.region) {
				continue
			}
			if stage, _, _ := admit(&e.p, &e.c, a, r.relaxed(&e.c, at)); stage != stageSkill || a.Load[e.p.kind] >= a.CapacityFor(e.p.kind) {
				continue
			}
			best, bestLevel = s, level
			return
		}
	}
	// The agent's languages (bases, deduplicated, at their best level), then
	// conversations of unknown language.
	type langLevel struct {
		base  string
		level int
	}
	var buf [16]langLevel // on the stack for all but the most multilingual agents
	langs := buf[:0]
	for tag, lvl := range a.Languages {
		b := baseLanguage(tag)
		if b == "und" {
			continue
		}
		i := 0
		for i < len(langs) && langs[i].base != b {
			i++
		}
		if i == len(langs) {
			langs = append(langs, langLevel{base: b})
		}
		langs[i].level = max(langs[i].level, lvl)
	}
	for _, l := range langs {
		if l.level >= r.cfg.MinLanguageLevel {
			scan(l.base, l.level)
		}
	}
	scan("und", 0)
	if best == nil {
		return Conversation{}, Decision{}, false
	}
	e := best.e
	relaxed := r.relaxed(&e.c, at)
	_, skills, viaRelax := admit(&e.p, &e.c, a, relaxed)
	s := r.score(&e.p, &e.c, a, bestLevel, skills, viaRelax, at)
	d := Decision{
		AgentID:       a.ID,
		Queue:         QueueName(e.c.Region, e.c.Language),
		Candidates:    []Candidate{{AgentID: a.ID, Score: s.total, Reasons: s.reasons(&e.p)}},
		Relaxed:       relaxed && e.p.nskills > 0,
		Reason:        "assigned",
		HandleSeconds: e.c.HandleSeconds, ExpectedWait: e.c.ExpectedWait,
	}
	c := e.c
	q.Remove(c.ID)
	return c, d, true
}
