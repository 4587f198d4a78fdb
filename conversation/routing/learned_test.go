package routing

import (
	"math"
	"testing"
	"time"
)

// What the engine learns from history reaches the decision: an expected wait relaxes
// skills early, a predicted handling time weighs the load term, a valuable tier is
// prioritised as a VIP.

func TestExpectedWaitRelaxesSkills(t *testing.T) {
	billing := agent("a", func(a *Agent) { a.Skills = []string{"billing"} })
	tests := []struct {
		name     string
		cfg      Config
		waited   time.Duration
		expected time.Duration
		want     string
	}{
		{"no expected wait", Config{}, 30 * time.Second, 0, ""},
		{"waited plus expected below two minutes", Config{}, 30 * time.Second, 89 * time.Second, ""},
		{"waited plus expected reach two minutes", Config{}, 30 * time.Second, 90 * time.Second, "a"},
		{"an unbounded wait does not overflow", Config{}, time.Second, time.Duration(math.MaxInt64), "a"},
		{"a negative expected wait counts as none", Config{}, 119 * time.Second, -time.Hour, ""},
		{"never relaxed", Config{RelaxSkillsAfter: -1}, time.Hour, time.Hour, ""},
	}
	for _, tt := range tests {
		c := conv(func(c *Conversation) { c.WaitingSince, c.ExpectedWait = now.Add(-tt.waited), tt.expected })
		d := NewRouter(tt.cfg).Route(c, []*Agent{billing}, now)
		if d.AgentID != tt.want || d.Relaxed != (tt.want != "") {
			t.Errorf("%s: agent %q relaxed %v (%s), want %q", tt.name, d.AgentID, d.Relaxed, d.Reason, tt.want)
		}
		if d.ExpectedWait != tt.expected {
			t.Errorf("%s: decision's expected wait %v, want %v", tt.name, d.ExpectedWait, tt.expected)
		}
		// Next relaxes exactly as Route does.
		q := NewQueue()
		q.Push(c)
		got, _, ok := NewRouter(tt.cfg).Next(q, billing, now)
		if ok != (tt.want != "") || (ok && got.ID != c.ID) {
			t.Errorf("%s: Next gave %q %v, Route %q", tt.name, got.ID, ok, d.AgentID)
		}
	}
}

func TestHandleSecondsWeighsLoad(t *testing.T) {
	// a has one conversation but has been idle; b has none but was assigned 15 minutes
	// ago. With the load term at weight 1 they tie (1.25 each); a long conversation makes
	// room count for more, a short one for less.
	a := agent("a", func(a *Agent) { a.Load = map[string]int{KindMessaging: 1} })
	b := agent("b", func(a *Agent) { a.LastAssigned = now.Add(-15 * time.Minute) })
	tests := []struct {
		name           string
		global, handle float64
		want           string
		scoreA         float64
	}{
		{"unknown handling time", 600, 0, "a", 1.25}, // the tie goes to the lower ID
		{"no region mean", 0, 1200, "a", 1.25},
		{"a short conversation", 600, 300, "a", 0.875},
		{"a long conversation", 600, 1200, "b", 2},
		{"capped at twice", 600, 6000, "b", 2},
	}
	for _, tt := range tests {
		r := NewRouter(Config{Global: Stat{HandleSeconds: tt.global}})
		d := r.Route(conv(func(c *Conversation) { c.Intent, c.HandleSeconds = "", tt.handle }), []*Agent{a, b}, now)
		if d.AgentID != tt.want {
			t.Errorf("%s: %q got it, want %q (%+v)", tt.name, d.AgentID, tt.want, d.Candidates)
		}
		for _, c := range d.Candidates {
			if c.AgentID == "a" && math.Abs(c.Score-tt.scoreA-1) > 1e-9 { // + language 5/5
				t.Errorf("%s: a scored %v, want %v", tt.name, c.Score, tt.scoreA+1)
			}
		}
		if d.HandleSeconds != tt.handle {
			t.Errorf("%s: decision's handling time %v", tt.name, d.HandleSeconds)
		}
	}
}

func TestPriorityOfValue(t *testing.T) {
	tests := []struct {
		urgency, tier string
		value         float64
		want          Priority
	}{
		{"NORMAL", "enterprise", 0, Normal},
		{"NORMAL", "enterprise", 1.9, Normal},
		{"NORMAL", "enterprise", HighValue, High},
		{"HIGH", "enterprise", 4, Urgent},
		{"NONE", "new", 4, Normal},
		{"NORMAL", "vip", 0, High}, // a VIP stays one without a value
	}
	for _, tt := range tests {
		if got := PriorityOfValue(tt.urgency, tt.tier, tt.value); got != tt.want {
			t.Errorf("PriorityOfValue(%q, %q, %v) = %v, want %v", tt.urgency, tt.tier, tt.value, got, tt.want)
		}
	}
}

func TestStaffing(t *testing.T) {
	agents := []*Agent{
		agent("a"), // 4
		agent("b", func(a *Agent) { a.Capacity = map[string]int{"messaging": 2, "email": 6} }),
		agent("c", func(a *Agent) { a.Online = false }),
		agent("d", func(a *Agent) { a.Region = "us" }),
		agent("e", func(a *Agent) { a.Languages = map[string]int{"de": 1, "fr": 5} }),
		agent("f", func(a *Agent) { a.Shifts = []Shift{{Weekday: 2, Start: "09:00", End: "17:00"}} }), // Tuesdays only
		nil,
	}
	r := NewRouter(Config{})
	for _, tt := range []struct {
		lang, kind string
		want       int
	}{{"de-AT", "", 6}, {"de", "email", 10}, {"fr", "", 4}, {"", "", 10}, {"ja", "", 0}} {
		if got := r.Staffing(" EU", tt.lang, tt.kind, agents, now); got != tt.want {
			t.Errorf("Staffing(%q, %q) = %d, want %d", tt.lang, tt.kind, got, tt.want)
		}
	}
}
