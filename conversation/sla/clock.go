package sla

import (
	"cmp"
	"slices"
	"time"
)

// Kind is what happened in a conversation, as far as the SLA clocks care.
type Kind int

// Kinds of events.
const (
	// CustomerMessage: the customer wrote. It starts the first-response and resolution
	// clocks on the conversation's first message, a next-response clock on a later message
	// that follows an agent's reply, ends a pause, and reopens a resolved conversation.
	CustomerMessage Kind = iota + 1
	// AgentReply: an agent (or the AI, if the engine counts it) answered the customer. It
	// meets the running first- or next-response target.
	AgentReply
	// Pending: waiting on the customer. Every clock pauses until the customer writes.
	Pending
	// Snoozed: every clock pauses until Event.Until or until the customer writes, whichever
	// comes first (a zero Until: until the customer writes).
	Snoozed
	// Resolved stops every clock.
	Resolved
	// Reopened restarts the next-response and resolution clocks of a resolved conversation
	// (the first response, met or not, is not asked for again).
	Reopened
	// PriorityChanged: the conversation's priority is now Event.Priority. Running clocks keep
	// their start and take the new rule's targets, so a tightened target can be breached at
	// once. Only Policy.Clock re-matches rules; the package-level Clock has one fixed rule.
	PriorityChanged
)

var kindNames = [...]string{"", "customer_message", "agent_reply", "pending", "snoozed", "resolved", "reopened", "priority_changed"}

// String returns the kind in snake case, such as "agent_reply".
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Names of the targets in Breach and Warning.
const (
	FirstResponse = "first_response"
	NextResponse  = "next_response"
	Resolution    = "resolution"
)

// Event is one thing that happened in a conversation.
type Event struct {
	Kind Kind
	At   time.Time
	// Priority is the new priority of a PriorityChanged event.
	Priority string
	// Until is when a Snoozed event's snooze ends; zero means when the customer writes.
	Until time.Time
}

// State is where a conversation's clocks stand at one instant.
type State struct {
	// FirstResponseDueAt, NextResponseDueAt and ResolutionDueAt are when each running
	// target comes (or came: a breached clock keeps running until met) due; nil when there
	// is no such target, or it has been met or stopped. While the conversation is paused
	// they are projected as if the clocks resumed at the snooze's end or, when only the
	// customer can end the pause, at the instant asked about.
	FirstResponseDueAt, NextResponseDueAt, ResolutionDueAt *time.Time
	// FirstResponseAt is when the first response was given, if it was.
	FirstResponseAt *time.Time
	// Paused is true while the conversation is pending or snoozed.
	Paused bool
	// Breaches and Warnings list each target breached, or about to be, in time order; a
	// target that restarts (a next response per customer turn, a resolution after a
	// reopen) can appear several times.
	Breaches []Breach
	Warnings []Warning
}

// Breach is a target missed: it was due at DueAt and noticed At (later than DueAt only when
// a priority change tightened a target that had already run out).
type Breach struct {
	Target    string
	DueAt, At time.Time
}

// Warning is a target about to be missed: At is when the rule's WarnAt fraction of it had
// elapsed, DueAt when it was then due.
type Warning struct {
	Target    string
	DueAt, At time.Time
}

// Clock computes the state of a conversation's clocks at now under one rule, from its events
// (sorted by time here if they are not; events after now are ignored). PriorityChanged
// events have no effect: use Policy.Clock to re-match the rule. Clock is deterministic and
// does no I/O.
func Clock(rule Rule, events []Event, now time.Time) State {
	s := run(rule, nil, events, now)
	return s.state()
}

// NextDeadline returns the earliest instant after now at which, without further events, a
// warning or a breach happens, for the engine's timer; ok is false if none will (every clock
// met, stopped, without target, or paused until the customer writes). The end of a snooze
// is not itself reported: the engine knows it, and the clocks resume on their own.
func NextDeadline(rule Rule, events []Event, now time.Time) (time.Time, bool) {
	s := run(rule, nil, events, now)
	return s.next()
}

// Clock is the package-level Clock with the rule matched for the conversation's tier, channel
// and initial priority, re-matched at every PriorityChanged event.
func (p Policy) Clock(tier, channel, priority string, events []Event, now time.Time) State {
	s := run(p.Match(tier, channel, priority), p.rematch(tier, channel), events, now)
	return s.state()
}

// NextDeadline is the package-level NextDeadline under Policy.Clock's rule matching.
func (p Policy) NextDeadline(tier, channel, priority string, events []Event, now time.Time) (time.Time, bool) {
	s := run(p.Match(tier, channel, priority), p.rematch(tier, channel), events, now)
	return s.next()
}

func (p Policy) rematch(tier, channel string) func(string) Rule {
	return func(priority string) Rule { return p.Match(tier, channel, priority) }
}

// The clocks run on "active time": wall time minus the paused spans, the same for every
// clock because a pause pauses them all. Each clock remembers the active time at which it
// started; segments map active time back to wall time.

type clockID int

const (
	first clockID = iota
	next
	resolution
	nClocks
)

var clockNames = [nClocks]string{FirstResponse, NextResponse, Resolution}

type clock struct {
	running          bool
	start            time.Duration // active time at start
	warned, breached bool
}

// segment is a stretch of running (unpaused) time starting at wall instant at with active
// time a.
type segment struct {
	at time.Time
	a  time.Duration
}

type sim struct {
	rule    Rule
	rematch func(priority string) Rule // nil: the rule is fixed

	now        time.Time
	t          time.Time     // the cursor: everything before it has been processed
	a          time.Duration // active time at t
	paused     bool
	pauseUntil time.Time // zero: until the customer writes
	started    bool      // the customer has written
	resolved   bool
	segs       []segment
	clocks     [nClocks]clock
	firstAt    *time.Time
	breaches   []Breach
	warnings   []Warning
}

func run(rule Rule, rematch func(string) Rule, events []Event, now time.Time) *sim {
	s := &sim{rule: rule, rematch: rematch, now: now}
	if !slices.IsSortedFunc(events, byTime) {
		events = slices.Clone(events)
		slices.SortStableFunc(events, byTime)
	}
	for i, e := range events {
		if e.At.After(now) {
			break
		}
		if i == 0 {
			s.t = e.At
		}
		s.advance(e.At)
		s.apply(e)
	}
	if !s.t.IsZero() {
		s.advance(now)
	}
	return s
}

func byTime(x, y Event) int { return x.At.Compare(y.At) }

func (s *sim) target(id clockID) time.Duration {
	switch id {
	case first:
		return s.rule.Targets.FirstResponse
	case next:
		return s.rule.Targets.NextResponse
	default:
		return s.rule.Targets.Resolution
	}
}

// warnAfter is the active time after a clock's start at which it warns.
func (s *sim) warnAfter(id clockID) time.Duration {
	return time.Duration(float64(s.target(id)) * s.rule.warnAt())
}

func (s *sim) resume() {
	s.paused, s.pauseUntil = false, time.Time{}
}

// mark starts a segment at the cursor unless the last one runs into it.
func (s *sim) mark() {
	if n := len(s.segs); n == 0 || !s.segs[n-1].at.Add(s.a-s.segs[n-1].a).Equal(s.t) {
		s.segs = append(s.segs, segment{at: s.t, a: s.a})
	}
}

// advance moves the cursor to to, recording the warnings and breaches on the way.
func (s *sim) advance(to time.Time) {
	for s.t.Before(to) {
		if s.paused {
			if s.pauseUntil.IsZero() || s.pauseUntil.After(to) {
				s.t = to
				return
			}
			if s.pauseUntil.After(s.t) {
				s.t = s.pauseUntil
			}
			s.resume()
			continue
		}
		end := to
		if cal := s.rule.Calendar; !cal.always() {
			open, until := cal.span(s.t)
			if !open {
				if until.IsZero() || !until.Before(to) {
					s.t = to
					return
				}
				s.t = until
				continue
			}
			if !until.IsZero() && until.Before(to) {
				end = until
			}
		}
		s.mark()
		d := end.Sub(s.t)
		for id := range nClocks {
			c := &s.clocks[id]
			tg := s.target(id)
			if !c.running || tg <= 0 {
				continue
			}
			if w := c.start + s.warnAfter(id); !c.warned && !c.breached && w > s.a && w <= s.a+d {
				c.warned = true
				at := s.t.Add(w - s.a)
				due, _ := s.project(at, tg-(w-c.start))
				s.warnings = append(s.warnings, Warning{Target: clockNames[id], DueAt: due, At: at})
			}
			if b := c.start + tg; !c.breached && b > s.a && b <= s.a+d {
				c.breached = true
				at := s.t.Add(b - s.a)
				s.breaches = append(s.breaches, Breach{Target: clockNames[id], DueAt: at, At: at})
			}
		}
		s.a += d
		s.t = end
	}
}

func (s *sim) startClock(id clockID) {
	s.clocks[id] = clock{running: true, start: s.a}
}

func (s *sim) apply(e Event) {
	switch e.Kind {
	case CustomerMessage:
		if s.paused {
			s.resume()
		}
		switch {
		case s.resolved:
			s.reopen()
		case !s.started:
			s.started = true
			s.startClock(first)
			s.startClock(resolution)
		case s.firstAt != nil && !s.clocks[next].running:
			s.startClock(next)
		}
	case AgentReply:
		if s.clocks[first].running {
			s.clocks[first].running = false
			at := e.At
			s.firstAt = &at
		}
		s.clocks[next].running = false
	case Pending, Snoozed:
		if s.resolved || s.paused && s.pauseUntil.IsZero() {
			return // a snooze does not shorten a wait for the customer
		}
		if e.Kind == Snoozed && !e.Until.IsZero() && !e.Until.After(e.At) {
			return
		}
		s.paused = true
		s.pauseUntil = time.Time{}
		if e.Kind == Snoozed {
			s.pauseUntil = e.Until
		}
	case Resolved:
		s.resolved = true
		if s.paused {
			s.resume()
		}
		for id := range nClocks {
			s.clocks[id].running = false
		}
	case Reopened:
		if s.resolved {
			s.reopen()
		}
	case PriorityChanged:
		if s.rematch != nil {
			s.rule = s.rematch(e.Priority)
			s.catchUp()
		}
	}
}

func (s *sim) reopen() {
	s.resolved = false
	s.started = true
	s.startClock(next)
	s.startClock(resolution)
}

// catchUp records, at the cursor, the warnings and breaches that a new rule's tighter
// targets put in the past.
func (s *sim) catchUp() {
	for id := range nClocks {
		c := &s.clocks[id]
		tg := s.target(id)
		if !c.running || tg <= 0 {
			continue
		}
		if b := c.start + tg; !c.breached && b <= s.a {
			c.breached, c.warned = true, true
			due, _ := s.wallOf(b)
			s.breaches = append(s.breaches, Breach{Target: clockNames[id], DueAt: due, At: s.t})
			continue
		}
		if w := c.start + s.warnAfter(id); !c.warned && !c.breached && w <= s.a {
			c.warned = true
			due, _ := s.wallOf(c.start + tg)
			s.warnings = append(s.warnings, Warning{Target: clockNames[id], DueAt: due, At: s.t})
		}
	}
}

// wallOf returns the earliest wall instant at which active time reaches a, projecting a
// paused conversation's future from the end of its snooze or, if only the customer can end
// it, from the cursor; ok is false if that never comes (a calendar without working time).
func (s *sim) wallOf(a time.Duration) (time.Time, bool) {
	if a > s.a {
		from := s.t
		if s.paused && s.pauseUntil.After(from) {
			from = s.pauseUntil
		}
		return s.project(from, a-s.a)
	}
	if len(s.segs) == 0 {
		return s.t, true
	}
	i, _ := slices.BinarySearchFunc(s.segs, a, func(g segment, a time.Duration) int { return cmp.Compare(g.a, a) })
	// segs[i] is the first segment starting at or after a; a lies in the one before, or at
	// the very start of segs[0].
	if i > 0 {
		i--
	}
	return s.segs[i].at.Add(a - s.segs[i].a), true
}

// project returns the wall instant at which d more active time has run from the running
// instant from, under the current rule's calendar.
func (s *sim) project(from time.Time, d time.Duration) (time.Time, bool) {
	cal := s.rule.Calendar
	if cal.always() {
		return from.Add(d), true
	}
	for {
		open, until := cal.span(from)
		switch {
		case !open && until.IsZero():
			return time.Time{}, false
		case !open:
			from = until
		case until.IsZero() || until.Sub(from) >= d:
			return from.Add(d), true
		default:
			d -= until.Sub(from)
			from = until
		}
	}
}

func (s *sim) state() State {
	st := State{FirstResponseAt: s.firstAt, Paused: s.paused}
	due := [nClocks]**time.Time{&st.FirstResponseDueAt, &st.NextResponseDueAt, &st.ResolutionDueAt}
	for id := range nClocks {
		c := s.clocks[id]
		if tg := s.target(id); c.running && tg > 0 {
			if at, ok := s.wallOf(c.start + tg); ok {
				*due[id] = &at
			}
		}
	}
	st.Breaches = s.breaches
	st.Warnings = s.warnings
	slices.SortStableFunc(st.Breaches, func(x, y Breach) int { return x.At.Compare(y.At) })
	slices.SortStableFunc(st.Warnings, func(x, y Warning) int { return x.At.Compare(y.At) })
	return st
}

func (s *sim) next() (time.Time, bool) {
	if s.paused && s.pauseUntil.IsZero() {
		return time.Time{}, false
	}
	var best time.Time
	for id := range nClocks {
		c := s.clocks[id]
		tg := s.target(id)
		if !c.running || tg <= 0 || c.breached {
			continue
		}
		at, ok := s.wallOf(c.start + tg)
		if !c.warned {
			at, ok = s.wallOf(c.start + s.warnAfter(id))
		}
		if ok && at.After(s.now) && (best.IsZero() || at.Before(best)) {
			best = at
		}
	}
	return best, !best.IsZero()
}
