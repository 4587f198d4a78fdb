package routing

import (
	"slices"
	"strings"
	"time"
)

// Queue holds the conversations of one region waiting for a human, ordered by priority
// (highest first), then waiting time (longest first), then CustomerValue (highest
// first), then ID. Internally it keeps one ordered list per language, so an agent is
// only matched against conversations in languages they speak. It is not safe for
// concurrent use: the engine owns one queue per region in one goroutine.
type Queue struct {
	byID  map[string]*entry
	langs map[string][]*entry // base language → entries in queue order
}

type entry struct {
	c Conversation
	p prepared
}

// NewQueue returns an empty queue.
func NewQueue() *Queue {
	return &Queue{byID: map[string]*entry{}, langs: map[string][]*entry{}}
}

// compare orders entries in queue order.
func compare(x, y *entry) int {
	switch {
	case x.c.Priority != y.c.Priority:
		if x.c.Priority > y.c.Priority {
			return -1
		}
		return 1
	case !x.c.WaitingSince.Equal(y.c.WaitingSince):
		if x.c.WaitingSince.Before(y.c.WaitingSince) {
			return -1
		}
		return 1
	case x.c.CustomerValue != y.c.CustomerValue:
		if x.c.CustomerValue > y.c.CustomerValue {
			return -1
		}
		return 1
	}
	return strings.Compare(x.c.ID, y.c.ID)
}

// Push adds c, or replaces the waiting conversation with the same ID (its priority or
// exclusions may have changed).
func (q *Queue) Push(c Conversation) {
	q.Remove(c.ID)
	e := &entry{c: c}
	e.p = prepare(&e.c)
	list := q.langs[e.p.lang]
	i, _ := slices.BinarySearchFunc(list, e, compare)
	q.langs[e.p.lang] = slices.Insert(list, i, e)
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
	list := q.langs[e.p.lang]
	if i, found := slices.BinarySearchFunc(list, e, compare); found {
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(q.langs, e.p.lang)
	} else {
		q.langs[e.p.lang] = list
	}
	return true
}

// Len is the number of waiting conversations.
func (q *Queue) Len() int { return len(q.byID) }

// Waiting returns the waiting conversations in queue order.
func (q *Queue) Waiting() []Conversation {
	all := make([]*entry, 0, len(q.byID))
	for _, list := range q.langs {
		all = append(all, list...)
	}
	slices.SortFunc(all, compare)
	out := make([]Conversation, len(all))
	for i, e := range all {
		out[i] = e.c
	}
	return out
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
	// What depends on the agent alone is worked out once, not for each conversation.
	free := func(kind string) bool { return a.Load[kind] < a.CapacityFor(kind) }
	freeKind := [3]bool{free(KindMessaging), free(KindEmail), free(KindVoice)}
	var best *entry
	var bestLevel int
	var bestSkills [3]bool
	var bestRelax, bestViaRelax bool
	scan := func(lang string, level int) {
		for _, e := range q.langs[lang] {
			if best != nil && compare(e, best) >= 0 {
				return // the rest of this language comes after what we have
			}
			if !strings.EqualFold(e.p.region, a.Region) {
				continue
			}
			relaxed := r.relaxed(&e.c, at)
			stage, skills, viaRelax := admit(&e.p, &e.c, a, relaxed)
			if stage != stageSkill {
				continue
			}
			var ok bool
			switch e.p.kind {
			case KindMessaging:
				ok = freeKind[0]
			case KindEmail:
				ok = freeKind[1]
			case KindVoice:
				ok = freeKind[2]
			default:
				ok = free(e.p.kind)
			}
			if ok {
				best, bestLevel, bestSkills, bestRelax, bestViaRelax = e, level, skills, relaxed, viaRelax
				return
			}
		}
	}
	// The agent's languages (bases, deduplicated, at their best level), then
	// conversations of unknown language.
	var langs [16]struct {
		base  string
		level int
	}
	n := 0
	for tag, lvl := range a.Languages {
		b := baseLanguage(tag)
		if b == "und" {
			continue
		}
		i := 0
		for i < n && langs[i].base != b {
			i++
		}
		if i == n {
			if n == len(langs) {
				continue // more than sixteen languages: the rest are not served here
			}
			langs[n].base = b
			n++
		}
		langs[i].level = max(langs[i].level, lvl)
	}
	for _, l := range langs[:n] {
		if l.level >= r.cfg.MinLanguageLevel {
			scan(l.base, l.level)
		}
	}
	scan("und", 0)
	if best == nil {
		return Conversation{}, Decision{}, false
	}
	c := best.c
	s := r.score(&best.p, &best.c, a, bestLevel, bestSkills, bestViaRelax, at)
	d := Decision{
		AgentID:    a.ID,
		Queue:      QueueName(c.Region, c.Language),
		Candidates: []Candidate{{AgentID: a.ID, Score: s.total, Reasons: s.reasons(&best.p)}},
		Relaxed:    bestRelax && best.p.nskills > 0,
		Reason:     "assigned",
	}
	q.Remove(c.ID)
	return c, d, true
}
