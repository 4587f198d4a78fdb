package routing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) // a Monday

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// agent returns an eligible German-speaking agent in eu with room for four messaging
// conversations, changed by mods.
func agent(id string, mods ...func(*Agent)) *Agent {
	a := &Agent{
		ID: id, Name: id, Region: "eu", Team: "dach",
		Languages: map[string]int{"de": 5, "en": 4},
		Capacity:  map[string]int{"messaging": 4},
		Timezone:  "Europe/Berlin",
		Online:    true,
	}
	for _, m := range mods {
		m(a)
	}
	return a
}

func conv(mods ...func(*Conversation)) Conversation {
	c := Conversation{ID: "c1", Region: "eu", Language: "de-AT", Channel: "whatsapp", Tier: "returning", Intent: "refund", Priority: Normal, WaitingSince: now.Add(-30 * time.Second)}
	for _, m := range mods {
		m(&c)
	}
	return c
}

func ids(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.AgentID
	}
	return out
}

func TestPriorityOf(t *testing.T) {
	tests := []struct {
		urgency, tier string
		want          Priority
	}{
		{"NONE", "", Low},
		{"NONE", "new", Normal},
		{"NONE", "returning", Normal},
		{"NONE", "vip", Normal},
		{"NORMAL", "", Normal},
		{"NORMAL", "returning", Normal},
		{"NORMAL", "vip", High},
		{"HIGH", "", High},
		{"HIGH", "new", High},
		{"HIGH", "vip", Urgent},
		{"CRITICAL", "", Urgent},
		{"CRITICAL", "vip", Urgent},
		{"critical", "VIP", Urgent},
		{" high ", " Vip ", Urgent},
		{"", "", Normal},
		{"whatever", "vip", High},
	}
	for _, tt := range tests {
		if got := PriorityOf(tt.urgency, tt.tier); got != tt.want {
			t.Errorf("PriorityOf(%q, %q) = %v, want %v", tt.urgency, tt.tier, got, tt.want)
		}
	}
}

func TestParsePriority(t *testing.T) {
	for _, p := range []Priority{Low, Normal, High, Urgent} {
		got, err := ParsePriority(strings.ToLower(p.String()))
		if err != nil || got != p {
			t.Errorf("ParsePriority(%q) = %v, %v", p.String(), got, err)
		}
	}
	for _, bad := range []string{"", "MEDIUM", "3", "URGENTLY"} {
		if _, err := ParsePriority(bad); err == nil {
			t.Errorf("ParsePriority(%q): no error", bad)
		}
	}
	if s := Priority(9).String(); s != "Priority(9)" {
		t.Errorf("String of an unknown priority = %q", s)
	}
}

func TestParseShift(t *testing.T) {
	tests := []struct {
		name  string
		shift Shift
		ok    bool
	}{
		{"a day shift", Shift{1, "09:00", "17:00"}, true},
		{"to the end of the day", Shift{7, "18:00", "24:00"}, true},
		{"the whole day", Shift{3, "00:00", "24:00"}, true},
		{"one minute", Shift{3, "23:59", "24:00"}, true},
		{"weekday zero", Shift{0, "09:00", "17:00"}, false},
		{"weekday eight", Shift{8, "09:00", "17:00"}, false},
		{"end before start", Shift{1, "17:00", "09:00"}, false},
		{"end equal to start", Shift{1, "09:00", "09:00"}, false},
		{"across midnight", Shift{1, "22:00", "06:00"}, false},
		{"start at 24:00", Shift{1, "24:00", "24:00"}, false},
		{"24:30", Shift{1, "09:00", "24:30"}, false},
		{"minute 60", Shift{1, "09:60", "17:00"}, false},
		{"hour 25", Shift{1, "09:00", "25:00"}, false},
		{"no leading zero", Shift{1, "9:00", "17:00"}, false},
		{"seconds", Shift{1, "09:00:00", "17:00"}, false},
		{"empty", Shift{1, "", ""}, false},
		{"letters", Shift{1, "ab:cd", "17:00"}, false},
	}
	for _, tt := range tests {
		if err := ParseShift(tt.shift); (err == nil) != tt.ok {
			t.Errorf("%s: ParseShift(%+v) = %v", tt.name, tt.shift, err)
		}
	}
}

func TestOnShift(t *testing.T) {
	night := []Shift{{1, "22:00", "24:00"}, {2, "00:00", "06:00"}}
	tests := []struct {
		name   string
		tz     string
		shifts []Shift
		at     string
		want   bool
	}{
		{"no shifts: always", "Europe/Berlin", nil, "2026-12-07T03:00:00Z", true},
		{"no shifts and a bad zone: always", "Mars/Olympus", nil, "2026-12-07T03:00:00Z", true},
		{"bad zone: never", "Mars/Olympus", []Shift{{1, "00:00", "24:00"}}, "2026-12-07T10:00:00Z", false},
		{"empty zone is UTC", "", []Shift{{1, "09:00", "10:00"}}, "2026-12-07T09:30:00Z", true},
		{"winter Berlin 09:00 is 08:00 UTC", "Europe/Berlin", []Shift{{1, "09:00", "17:00"}}, "2026-12-07T08:00:00Z", true},
		{"winter Berlin 08:59", "Europe/Berlin", []Shift{{1, "09:00", "17:00"}}, "2026-12-07T07:59:00Z", false},
		{"end is exclusive", "Europe/Berlin", []Shift{{1, "09:00", "17:00"}}, "2026-12-07T16:00:00Z", false},
		{"other weekday", "Europe/Berlin", []Shift{{2, "09:00", "17:00"}}, "2026-12-07T10:00:00Z", false},
		// Berlin springs forward at 01:00 UTC on Sunday 2026-03-29.
		{"Berlin DST start: 09:30 CEST", "Europe/Berlin", []Shift{{7, "09:00", "17:00"}}, "2026-03-29T07:30:00Z", true},
		{"Berlin DST start: 17:30 CEST", "Europe/Berlin", []Shift{{7, "09:00", "17:00"}}, "2026-03-29T15:30:00Z", false},
		{"Berlin DST start: the missing hour is never worked", "Europe/Berlin", []Shift{{7, "02:00", "03:00"}}, "2026-03-29T01:00:00Z", false},
		{"Berlin DST start: 01:59 CET", "Europe/Berlin", []Shift{{7, "01:00", "02:00"}}, "2026-03-29T00:59:00Z", true},
		{"Berlin DST start: 24:00 shift at 23:59 CEST", "Europe/Berlin", []Shift{{7, "00:00", "24:00"}}, "2026-03-29T21:59:00Z", true},
		{"Berlin DST start: 24:00 shift ends at midnight", "Europe/Berlin", []Shift{{7, "00:00", "24:00"}}, "2026-03-29T22:00:00Z", false},
		// Berlin falls back at 01:00 UTC on Sunday 2026-10-25: 02:00–03:00 happens twice.
		{"Berlin DST end: first 02:30 (CEST)", "Europe/Berlin", []Shift{{7, "02:00", "03:00"}}, "2026-10-25T00:30:00Z", true},
		{"Berlin DST end: second 02:30 (CET)", "Europe/Berlin", []Shift{{7, "02:00", "03:00"}}, "2026-10-25T01:30:00Z", true},
		{"Berlin DST end: 03:00 CET", "Europe/Berlin", []Shift{{7, "02:00", "03:00"}}, "2026-10-25T02:00:00Z", false},
		// New York springs forward at 07:00 UTC on Sunday 2026-03-08, falls back at 06:00 UTC on 2026-11-01.
		{"New York DST start: 09:30 EDT", "America/New_York", []Shift{{7, "09:00", "17:00"}}, "2026-03-08T13:30:00Z", true},
		{"New York DST start: 17:30 EDT", "America/New_York", []Shift{{7, "09:00", "17:00"}}, "2026-03-08T21:30:00Z", false},
		{"New York DST start: 01:59 EST", "America/New_York", []Shift{{7, "01:00", "02:00"}}, "2026-03-08T06:59:00Z", true},
		{"New York DST start: 03:00 EDT", "America/New_York", []Shift{{7, "01:00", "02:00"}}, "2026-03-08T07:00:00Z", false},
		{"New York DST end: 09:30 EST", "America/New_York", []Shift{{7, "09:00", "17:00"}}, "2026-11-01T14:30:00Z", true},
		{"New York DST end: 08:30 EST", "America/New_York", []Shift{{7, "09:00", "17:00"}}, "2026-11-01T13:30:00Z", false},
		{"New York DST end: second 01:30 (EST)", "America/New_York", []Shift{{7, "01:00", "02:00"}}, "2026-11-01T06:30:00Z", true},
		{"night shift: Monday 21:59", "Asia/Tokyo", night, "2026-12-07T12:59:00Z", false},
		{"night shift: Monday 22:00", "Asia/Tokyo", night, "2026-12-07T13:00:00Z", true},
		{"night shift: Monday 23:59", "Asia/Tokyo", night, "2026-12-07T14:59:00Z", true},
		{"night shift: Tuesday 00:00", "Asia/Tokyo", night, "2026-12-07T15:00:00Z", true},
		{"night shift: Tuesday 05:59", "Asia/Tokyo", night, "2026-12-07T20:59:00Z", true},
		{"night shift: Tuesday 06:00", "Asia/Tokyo", night, "2026-12-07T21:00:00Z", false},
		{"night shift: Sunday 23:00 is not Monday", "Asia/Tokyo", night, "2026-12-06T14:00:00Z", false},
		{"Sunday is 7", "UTC", []Shift{{7, "00:00", "24:00"}}, "2026-12-06T12:00:00Z", true},
		{"an invalid shift never matches", "UTC", []Shift{{1, "17:00", "09:00"}}, "2026-12-07T12:00:00Z", false},
	}
	r := NewRouter(Config{})
	for _, tt := range tests {
		a := agent("a", func(a *Agent) { a.Timezone, a.Shifts = tt.tz, tt.shifts })
		at := utc(tt.at)
		if got := a.OnShift(at); got != tt.want {
			t.Errorf("%s: OnShift(%s) = %v, want %v", tt.name, tt.at, got, tt.want)
		}
		if got := r.onShift(a, at); got != tt.want {
			t.Errorf("%s: router's onShift(%s) = %v, want %v", tt.name, tt.at, got, tt.want)
		}
	}
}

func TestRouteEligibility(t *testing.T) {
	tests := []struct {
		name   string
		agent  func(*Agent)
		conv   func(*Conversation)
		assign bool
		reason string // for a queued conversation
	}{
		{name: "an eligible agent", assign: true},
		{name: "other region", agent: func(a *Agent) { a.Region = "us" }, reason: "no agent online for de in eu"},
		{name: "region in another case", agent: func(a *Agent) { a.Region = "EU" }, assign: true},
		{name: "offline or away", agent: func(a *Agent) { a.Online = false }, reason: "no agent online for de in eu"},
		{name: "off shift", agent: func(a *Agent) { a.Shifts = []Shift{{2, "09:00", "17:00"}} }, reason: "no agent online for de in eu"},
		{name: "on shift", agent: func(a *Agent) { a.Shifts = []Shift{{1, "09:00", "17:00"}} }, assign: true},
		{name: "language level 1", agent: func(a *Agent) { a.Languages = map[string]int{"de": 1} }, reason: "no agent online for de in eu"},
		{name: "language level 2", agent: func(a *Agent) { a.Languages = map[string]int{"de": 2} }, assign: true},
		{name: "language given with a region", agent: func(a *Agent) { a.Languages = map[string]int{"de-CH": 3} }, assign: true},
		{name: "best level over tags of one base", agent: func(a *Agent) { a.Languages = map[string]int{"de": 1, "DE-de": 4} }, assign: true},
		{name: "language not spoken", conv: func(c *Conversation) { c.Language = "fr" }, reason: "no agent online for fr in eu"},
		{name: "unknown language: anyone", conv: func(c *Conversation) { c.Language = "" }, assign: true},
		{name: "empty tiers serve any", conv: func(c *Conversation) { c.Tier = "vip" }, assign: true},
		{name: "tier not served", agent: func(a *Agent) { a.Tiers = []string{"vip"} }, reason: "no agent for tier returning for de in eu"},
		{name: "tier served, any case", agent: func(a *Agent) { a.Tiers = []string{"VIP", "Returning"} }, assign: true},
		{name: "unknown customer counts as new", agent: func(a *Agent) { a.Tiers = []string{"new"} }, conv: func(c *Conversation) { c.Tier = "" }, assign: true},
		{name: "unknown customer is not vip", agent: func(a *Agent) { a.Tiers = []string{"vip"} }, conv: func(c *Conversation) { c.Tier = "" }, reason: "no agent for tier new"},
		{name: "empty skills: no restriction", agent: func(a *Agent) { a.Skills = []string{} }, assign: true},
		{name: "skill missing", agent: func(a *Agent) { a.Skills = []string{"billing"} }, reason: "no agent with skill refund for de in eu"},
		{name: "skill matched in another case", agent: func(a *Agent) { a.Skills = []string{"Refund"} }, assign: true},
		{name: "skill by issue type", agent: func(a *Agent) { a.Skills = []string{"delivery"} }, conv: func(c *Conversation) { c.IssueType = "delivery" }, assign: true},
		{name: "skill by product", agent: func(a *Agent) { a.Skills = []string{"kettle-x2"} }, conv: func(c *Conversation) { c.Product = "Kettle-X2" }, assign: true},
		{name: "intent and issue type alike count once", agent: func(a *Agent) { a.Skills = []string{"refund"} }, conv: func(c *Conversation) { c.IssueType = "Refund" }, assign: true},
		{name: "no skill needed without intent", agent: func(a *Agent) { a.Skills = []string{"billing"} }, conv: func(c *Conversation) { c.Intent = "" }, assign: true},
		{name: "excluded", conv: func(c *Conversation) { c.Exclude = []string{"x", "a"} }, reason: "all agents for de in eu excluded"},
		{name: "at capacity", agent: func(a *Agent) { a.Load = map[string]int{"messaging": 4} }, reason: "all eligible agents at capacity"},
		{name: "no capacity configured", agent: func(a *Agent) { a.Capacity = nil }, reason: "all eligible agents at capacity"},
	}
	r := NewRouter(Config{})
	for _, tt := range tests {
		var am []func(*Agent)
		var cm []func(*Conversation)
		if tt.agent != nil {
			am = append(am, tt.agent)
		}
		if tt.conv != nil {
			cm = append(cm, tt.conv)
		}
		d := r.Route(conv(cm...), []*Agent{agent("a", am...)}, now)
		if tt.assign {
			if d.AgentID != "a" || d.Reason != "assigned" || len(d.Candidates) != 1 {
				t.Errorf("%s: got %+v, want assigned to a", tt.name, d)
			}
			continue
		}
		if d.AgentID != "" || !strings.HasPrefix(d.Reason, tt.reason) {
			t.Errorf("%s: got agent %q reason %q, want queued: %q", tt.name, d.AgentID, d.Reason, tt.reason)
		}
		if wantCands := tt.reason == "all eligible agents at capacity"; (len(d.Candidates) > 0) != wantCands {
			t.Errorf("%s: candidates %v", tt.name, ids(d.Candidates))
		}
	}
}

func TestRouteScoringOrder(t *testing.T) {
	global := Stat{N: 10000, ResolutionRate: 0.75, CSAT: 4.0}
	tests := []struct {
		name   string
		conv   func(*Conversation)
		agents []*Agent
		want   []string
	}{
		{
			name: "skill match outweighs language level, level breaks the rest",
			agents: []*Agent{
				agent("generalist-native"),
				agent("specialist-fluent", func(a *Agent) { a.Languages = map[string]int{"de": 3}; a.Skills = []string{"refund"} }),
				agent("specialist-native", func(a *Agent) { a.Skills = []string{"refund", "billing"} }),
			},
			want: []string{"specialist-native", "specialist-fluent", "generalist-native"},
		},
		{
			name: "less loaded first",
			agents: []*Agent{
				agent("a", func(a *Agent) { a.Load = map[string]int{"messaging": 3} }),
				agent("b", func(a *Agent) { a.Load = map[string]int{"messaging": 1} }),
				agent("c", func(a *Agent) { a.Load = map[string]int{"email": 3} }),
			},
			want: []string{"c", "b", "a"},
		},
		{
			name: "longer idle first",
			agents: []*Agent{
				agent("a", func(a *Agent) { a.LastAssigned = now.Add(-time.Minute) }),
				agent("b", func(a *Agent) { a.LastAssigned = now.Add(-10 * time.Minute) }),
				agent("c", func(a *Agent) { a.LastAssigned = now.Add(-2 * time.Hour) }),
			},
			want: []string{"c", "b", "a"},
		},
		{
			name: "retention skill when the customer mentions a competitor",
			conv: func(c *Conversation) { c.NeedsRetention = true },
			agents: []*Agent{
				agent("a", func(a *Agent) { a.Skills = []string{"refund"} }),
				agent("b", func(a *Agent) { a.Skills = []string{"refund", "retention"} }),
			},
			want: []string{"b", "a"},
		},
		{
			name: "retention skill is no advantage otherwise",
			agents: []*Agent{
				agent("b", func(a *Agent) { a.Skills = []string{"refund", "retention"} }),
				agent("a", func(a *Agent) { a.Skills = []string{"refund"} }),
			},
			want: []string{"a", "b"},
		},
		{
			name: "better history for this intent and language",
			agents: []*Agent{
				agent("average"),
				agent("weak", func(a *Agent) { a.Stats = map[string]Stat{"refund/de": {N: 200, ResolutionRate: 0.6, CSAT: 3.5}} }),
				agent("strong", func(a *Agent) { a.Stats = map[string]Stat{"refund/de": {N: 200, ResolutionRate: 0.9, CSAT: 4.6}} }),
			},
			want: []string{"strong", "average", "weak"},
		},
		{
			name: "a long record beats a perfect short one (shrinkage)",
			agents: []*Agent{
				agent("lucky", func(a *Agent) { a.Stats = map[string]Stat{"refund/de": {N: 2, ResolutionRate: 1}} }),
				agent("steady", func(a *Agent) { a.Stats = map[string]Stat{"refund/de": {N: 300, ResolutionRate: 0.85}} }),
			},
			want: []string{"steady", "lucky"},
		},
		{
			name: "history of another intent counts through the overall record",
			agents: []*Agent{
				agent("a", func(a *Agent) { a.Stats = map[string]Stat{"": {N: 500, ResolutionRate: 0.7}} }),
				agent("b", func(a *Agent) {
					a.Stats = map[string]Stat{"": {N: 500, ResolutionRate: 0.9}, "billing/de": {N: 500, ResolutionRate: 0.9}}
				}),
			},
			want: []string{"b", "a"},
		},
	}
	r := NewRouter(Config{Global: global})
	for _, tt := range tests {
		var cm []func(*Conversation)
		if tt.conv != nil {
			cm = append(cm, tt.conv)
		}
		d := r.Route(conv(cm...), tt.agents, now)
		if got := ids(d.Candidates); !slices.Equal(got, tt.want) || d.AgentID != tt.want[0] {
			t.Errorf("%s: order %v (agent %q), want %v", tt.name, got, d.AgentID, tt.want)
		}
		for i := 1; i < len(d.Candidates); i++ {
			if d.Candidates[i].Score > d.Candidates[i-1].Score {
				t.Errorf("%s: scores not descending: %+v", tt.name, d.Candidates)
			}
		}
	}
}

func TestHistoryWithoutGlobal(t *testing.T) {
	// Without the region's record, an agent is compared with themselves: good at refunds
	// relative to their own average beats good on average.
	r := NewRouter(Config{})
	d := r.Route(conv(), []*Agent{
		agent("a", func(a *Agent) {
			a.Stats = map[string]Stat{"": {N: 500, ResolutionRate: 0.9}, "refund/de": {N: 100, ResolutionRate: 0.9}}
		}),
		agent("b", func(a *Agent) {
			a.Stats = map[string]Stat{"": {N: 500, ResolutionRate: 0.6}, "refund/de": {N: 100, ResolutionRate: 0.8}}
		}),
	}, now)
	if d.AgentID != "b" {
		t.Errorf("got %v", ids(d.Candidates))
	}
}

func TestReasons(t *testing.T) {
	r := NewRouter(Config{Global: Stat{N: 1000, ResolutionRate: 0.8, CSAT: 4}})
	a := agent("a", func(a *Agent) {
		a.Skills = []string{"refund", "retention"}
		a.Load = map[string]int{"messaging": 1}
		a.Stats = map[string]Stat{"refund/de": {N: 20, ResolutionRate: 0.9, CSAT: 5}}
	})
	d := r.Route(conv(func(c *Conversation) { c.NeedsRetention = true; c.PreviousAgent = "a" }), []*Agent{a}, now)
	want := []string{"language:de=5", "skill:refund", "skill:retention", "history:resolution=0.85", "history:csat=4.50", "load:1/4", "fairness", "previous_agent"}
	if len(d.Candidates) != 1 || !slices.Equal(d.Candidates[0].Reasons, want) {
		t.Fatalf("reasons %+v, want %v", d.Candidates, want)
	}
	// language 1 + skill 2 + retention 1.5 + history 2×(0.05+0.125) + load 0.75 + fairness 0.5 + previous 3
	if got, want := d.Candidates[0].Score, 1+2+1.5+2*(0.05+0.125)+0.75+0.5+3; abs(got-want) > 1e-9 {
		t.Errorf("score %v, want %v", got, want)
	}
	if d.Queue != "eu/de" || d.Relaxed {
		t.Errorf("decision %+v", d)
	}
}

func TestReasonsCountASkillOnce(t *testing.T) {
	d := NewRouter(Config{}).Route(conv(func(c *Conversation) { c.IssueType = "Refund" }), []*Agent{agent("a", func(a *Agent) { a.Skills = []string{"refund"} })}, now)
	if n := strings.Count(strings.Join(d.Candidates[0].Reasons, " "), "skill:refund"); n != 1 {
		t.Errorf("reasons %v", d.Candidates[0].Reasons)
	}
}

func TestNaNDoesNotBreakOrder(t *testing.T) {
	q := NewQueue()
	for i := range 20 {
		v := float64(i)
		if i%3 == 0 {
			v = math.NaN()
		}
		q.Push(conv(func(c *Conversation) { c.ID, c.CustomerValue = fmt.Sprintf("c%02d", i), v }))
	}
	for i := range 20 {
		if !q.Remove(fmt.Sprintf("c%02d", i)) {
			t.Fatalf("c%02d not removed", i)
		}
	}
	if q.Len() != 0 || len(q.Waiting()) != 0 {
		t.Errorf("left %d", q.Len())
	}
	bad := agent("bad", func(a *Agent) { a.Stats = map[string]Stat{"refund/de": {N: 10, ResolutionRate: math.NaN()}} })
	d := NewRouter(Config{Global: Stat{N: 100, ResolutionRate: 0.7}}).Route(conv(), []*Agent{agent("b"), bad, agent("a")}, now)
	if want := []string{"a", "b", "bad"}; !slices.Equal(ids(d.Candidates), want) || math.IsNaN(d.Candidates[2].Score) {
		t.Errorf("candidates %+v, want %v", d.Candidates, want)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestPreviousAgentFirst(t *testing.T) {
	prev := func(mods ...func(*Agent)) *Agent {
		return agent("z-prev", append([]func(*Agent){func(a *Agent) {
			a.Languages = map[string]int{"de": 2}
			a.Load = map[string]int{"messaging": 3}
			a.LastAssigned = now
		}}, mods...)...)
	}
	better := []*Agent{
		agent("a", func(a *Agent) { a.Skills = []string{"refund"} }),
		agent("b", func(a *Agent) { a.Skills = []string{"refund"} }),
	}
	tests := []struct {
		name string
		prev *Agent
		conv func(*Conversation)
		want string
	}{
		{"the previous agent first, though others score higher", prev(), nil, "z-prev"},
		{"not when at capacity", prev(func(a *Agent) { a.Load["messaging"] = 4 }), nil, "a"},
		{"not when offline", prev(func(a *Agent) { a.Online = false }), nil, "a"},
		{"not when excluded (they transferred it away)", prev(), func(c *Conversation) { c.Exclude = []string{"z-prev"} }, "a"},
		{"not when they lack the skill", prev(func(a *Agent) { a.Skills = []string{"billing"} }), nil, "a"},
	}
	r := NewRouter(Config{Weights: Weights{Language: 1, Skill: 2, Load: 1, Fairness: 0.5, PreviousAgent: 0.1}})
	for _, tt := range tests {
		cm := []func(*Conversation){func(c *Conversation) { c.PreviousAgent = "z-prev" }}
		if tt.conv != nil {
			cm = append(cm, tt.conv)
		}
		d := r.Route(conv(cm...), append([]*Agent{tt.prev}, better...), now)
		if d.AgentID != tt.want || d.Candidates[0].AgentID != tt.want {
			t.Errorf("%s: got %q %v, want %q", tt.name, d.AgentID, ids(d.Candidates), tt.want)
		}
		if tt.want == "z-prev" && !slices.Contains(d.Candidates[0].Reasons, "previous_agent") {
			t.Errorf("%s: reasons %v", tt.name, d.Candidates[0].Reasons)
		}
	}
}

func TestCapacityPerKind(t *testing.T) {
	tests := []struct {
		name     string
		capacity map[string]int
		load     map[string]int
		kind     string
		channel  string
		assign   bool
	}{
		{"messaging under capacity", map[string]int{"messaging": 2}, map[string]int{"messaging": 1}, "messaging", "", true},
		{"messaging full", map[string]int{"messaging": 2}, map[string]int{"messaging": 2}, "messaging", "", false},
		{"email has its own capacity", map[string]int{"messaging": 2, "email": 10}, map[string]int{"messaging": 2, "email": 9}, "email", "", true},
		{"email full while messaging is free", map[string]int{"messaging": 2, "email": 1}, map[string]int{"email": 1}, "email", "", false},
		{"missing kind takes the messaging capacity", map[string]int{"messaging": 2}, map[string]int{"messaging": 2, "voice": 1}, "voice", "", true},
		{"missing kind full at the messaging capacity", map[string]int{"messaging": 2}, map[string]int{"voice": 2}, "voice", "", false},
		{"voice capacity zero", map[string]int{"messaging": 2, "voice": 0}, nil, "voice", "", false},
		{"kind from the channel: phone is voice", map[string]int{"messaging": 2, "voice": 1}, map[string]int{"voice": 1}, "", "phone", false},
		{"kind from the channel: email", map[string]int{"messaging": 2, "email": 5}, map[string]int{"messaging": 2}, "", "email", true},
		{"kind from the channel: chat is messaging", map[string]int{"messaging": 2, "email": 5}, map[string]int{"messaging": 2}, "", "webchat", false},
	}
	r := NewRouter(Config{})
	for _, tt := range tests {
		a := agent("a", func(a *Agent) { a.Capacity, a.Load = tt.capacity, tt.load })
		d := r.Route(conv(func(c *Conversation) { c.Kind, c.Channel = tt.kind, tt.channel }), []*Agent{a}, now)
		if (d.AgentID == "a") != tt.assign {
			t.Errorf("%s: %+v", tt.name, d)
		}
	}
}

func TestSkillRelaxation(t *testing.T) {
	billing := func(id string) *Agent { return agent(id, func(a *Agent) { a.Skills = []string{"billing"} }) }
	tests := []struct {
		name    string
		cfg     Config
		waited  time.Duration
		agents  []*Agent
		want    string
		relaxed bool
	}{
		{"waited less than two minutes", Config{}, 119 * time.Second, []*Agent{billing("a")}, "", false},
		{"waited two minutes", Config{}, 2 * time.Minute, []*Agent{billing("a")}, "a", true},
		{"a configured wait", Config{RelaxSkillsAfter: 5 * time.Minute}, 3 * time.Minute, []*Agent{billing("a")}, "", false},
		{"never relaxed", Config{RelaxSkillsAfter: -1}, 24 * time.Hour, []*Agent{billing("a")}, "", false},
		{"the specialist still wins after relaxation", Config{}, 10 * time.Minute, []*Agent{billing("a"), agent("b", func(a *Agent) { a.Skills = []string{"refund"}; a.Languages = map[string]int{"de": 2} })}, "b", true},
	}
	for _, tt := range tests {
		r := NewRouter(tt.cfg)
		d := r.Route(conv(func(c *Conversation) { c.WaitingSince = now.Add(-tt.waited) }), tt.agents, now)
		if d.AgentID != tt.want || d.Relaxed != tt.relaxed {
			t.Errorf("%s: agent %q relaxed %v (%s), want %q %v", tt.name, d.AgentID, d.Relaxed, d.Reason, tt.want, tt.relaxed)
		}
		if tt.want == "a" && !slices.Contains(d.Candidates[0].Reasons, "relaxed:skills") {
			t.Errorf("%s: reasons %v", tt.name, d.Candidates[0].Reasons)
		}
	}
	// A conversation with no WaitingSince is never relaxed.
	d := NewRouter(Config{}).Route(conv(func(c *Conversation) { c.WaitingSince = time.Time{} }), []*Agent{billing("a")}, now)
	if d.AgentID != "" {
		t.Errorf("zero WaitingSince relaxed: %+v", d)
	}
}

func TestRouteDeterministicTies(t *testing.T) {
	var agents []*Agent
	for _, id := range []string{"m", "c", "x", "a2", "a10", "q", "b"} {
		agents = append(agents, agent(id))
	}
	r := NewRouter(Config{})
	first := r.Route(conv(), agents, now)
	if want := []string{"a10", "a2", "b", "c", "m"}; !slices.Equal(ids(first.Candidates), want) {
		t.Fatalf("ties: %v, want %v", ids(first.Candidates), want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		rng.Shuffle(len(agents), func(i, j int) { agents[i], agents[j] = agents[j], agents[i] })
		if d := r.Route(conv(), agents, now); !slices.Equal(ids(d.Candidates), ids(first.Candidates)) {
			t.Fatalf("order depends on input order: %v", ids(d.Candidates))
		}
	}
}

func TestRouteTopFive(t *testing.T) {
	var agents []*Agent
	for i := range 12 {
		agents = append(agents, agent(string(rune('a'+i)), func(a *Agent) { a.Load = map[string]int{"messaging": i % 4} }))
	}
	d := NewRouter(Config{}).Route(conv(), agents, now)
	if want := []string{"a", "e", "i", "b", "f"}; !slices.Equal(ids(d.Candidates), want) {
		t.Errorf("top five %v, want %v", ids(d.Candidates), want)
	}
}

func TestQueueName(t *testing.T) {
	for _, tt := range [][3]string{{"eu", "de", "eu/de"}, {"EU", "de-AT", "eu/de"}, {"apac", "zh_Hant_TW", "apac/zh"}, {"us", "", "us/und"}, {" us ", "PT-br", "us/pt"}} {
		if got := QueueName(tt[0], tt[1]); got != tt[2] {
			t.Errorf("QueueName(%q, %q) = %q, want %q", tt[0], tt[1], got, tt[2])
		}
	}
}

func TestQueueOrder(t *testing.T) {
	q := NewQueue()
	base := now.Add(-time.Hour)
	push := func(id string, p Priority, waitedMin int, value float64, lang string) {
		q.Push(Conversation{ID: id, Region: "eu", Language: lang, Priority: p, WaitingSince: base.Add(time.Duration(60-waitedMin) * time.Minute), CustomerValue: value})
	}
	push("normal-old", Normal, 50, 1, "de")
	push("urgent-new", Urgent, 1, 1, "fr")
	push("low-oldest", Low, 59, 1, "de")
	push("high", High, 5, 1, "")
	push("normal-new", Normal, 10, 1, "en")
	push("normal-old-valuable", Normal, 50, 3, "fr")
	push("normal-old-b", Normal, 50, 1, "de")
	want := []string{"urgent-new", "high", "normal-old-valuable", "normal-old", "normal-old-b", "normal-new", "low-oldest"}
	got := func() []string {
		var out []string
		for _, c := range q.Waiting() {
			out = append(out, c.ID)
		}
		return out
	}
	if !slices.Equal(got(), want) || q.Len() != len(want) {
		t.Fatalf("order %v, want %v", got(), want)
	}
	// Re-pushing replaces: the low one became urgent.
	push("low-oldest", Urgent, 59, 1, "de")
	if g := got(); g[0] != "low-oldest" || q.Len() != len(want) {
		t.Errorf("after re-push: %v", g)
	}
	if !q.Remove("high") || q.Remove("high") || q.Remove("never") {
		t.Error("Remove")
	}
	if slices.Contains(got(), "high") || q.Len() != len(want)-1 {
		t.Errorf("after Remove: %v", got())
	}
}

func TestNext(t *testing.T) {
	r := NewRouter(Config{})
	fill := func() *Queue {
		q := NewQueue()
		for _, c := range []Conversation{
			conv(func(c *Conversation) { c.ID, c.Language, c.Priority = "urgent-fr", "fr", Urgent }),
			conv(func(c *Conversation) { c.ID, c.Intent, c.Priority = "high-billing", "billing", High }),
			conv(func(c *Conversation) { c.ID, c.Priority, c.Tier = "high-vip", High, "vip" }),
			conv(func(c *Conversation) { c.ID, c.Priority, c.Exclude = "high-excluded", High, []string{"a"} }),
			conv(func(c *Conversation) { c.ID, c.Priority, c.Kind = "high-voice", High, "voice" }),
			conv(func(c *Conversation) { c.ID, c.Priority, c.Region = "high-us", High, "us" }),
			conv(func(c *Conversation) { c.ID = "normal-refund-old"; c.WaitingSince = now.Add(-time.Minute) }),
			conv(func(c *Conversation) { c.ID = "normal-refund-new" }),
			conv(func(c *Conversation) { c.ID, c.Priority = "low-refund", Low }),
		} {
			q.Push(c)
		}
		return q
	}
	refund := func(mods ...func(*Agent)) *Agent {
		return agent("a", append([]func(*Agent){func(a *Agent) {
			a.Skills = []string{"refund"}
			a.Tiers = []string{"new", "returning"}
			a.Capacity = map[string]int{"messaging": 4, "voice": 1}
			a.Load = map[string]int{"voice": 1}
		}}, mods...)...)
	}
	tests := []struct {
		name    string
		q       func(*Queue)
		agent   *Agent
		at      time.Time
		want    string
		relaxed bool
	}{
		{"the highest-priority conversation the agent may take", nil, refund(), now, "normal-refund-old", false},
		{"skills relaxed for one that waited", func(q *Queue) {
			q.Push(conv(func(c *Conversation) {
				c.ID, c.Intent, c.Priority, c.WaitingSince = "high-billing", "billing", High, now.Add(-3*time.Minute)
			}))
		}, refund(), now, "high-billing", true},
		{"skills relaxed at exactly two minutes", func(q *Queue) {
			q.Push(conv(func(c *Conversation) {
				c.ID, c.Intent, c.Priority, c.WaitingSince = "high-billing", "billing", High, now.Add(-2*time.Minute)
			}))
		}, refund(), now, "high-billing", true},
		{"skills relaxed at two minutes, in the middle of a second", func(q *Queue) {
			q.Push(conv(func(c *Conversation) {
				c.ID, c.Intent, c.Priority, c.WaitingSince = "high-billing", "billing", High, now.Add(-2*time.Minute+300*time.Millisecond)
			}))
		}, refund(), now.Add(300 * time.Millisecond), "high-billing", true},
		{"not relaxed half a second before two minutes", func(q *Queue) {
			q.Push(conv(func(c *Conversation) {
				c.ID, c.Intent, c.Priority, c.WaitingSince = "high-billing", "billing", High, now.Add(-2*time.Minute+800*time.Millisecond)
			}))
		}, refund(), now.Add(300 * time.Millisecond), "normal-refund-old", false},
		{"unknown language: anyone", func(q *Queue) {
			q.Push(conv(func(c *Conversation) { c.ID, c.Language, c.Priority = "high-und", "", High }))
		}, refund(), now, "high-und", false},
		{"a French speaker takes the urgent one", nil, refund(func(a *Agent) { a.Languages["fr-FR"] = 3 }), now, "urgent-fr", false},
		{"serving vip", nil, refund(func(a *Agent) { a.Tiers = nil }), now, "high-vip", false},
		{"free for voice", nil, refund(func(a *Agent) { a.Load = nil }), now, "high-voice", false},
		{"offline", nil, refund(func(a *Agent) { a.Online = false }), now, "", false},
		{"off shift", nil, refund(func(a *Agent) { a.Shifts = []Shift{{3, "09:00", "17:00"}} }), now, "", false},
		{"at capacity", nil, refund(func(a *Agent) { a.Load = map[string]int{"messaging": 4, "voice": 1} }), now, "", false},
		{"no language in the queue", nil, refund(func(a *Agent) { a.Languages = map[string]int{"ja": 5} }), now, "", false},
	}
	for _, tt := range tests {
		q := fill()
		if tt.q != nil {
			tt.q(q)
		}
		n := q.Len()
		c, d, ok := r.Next(q, tt.agent, tt.at)
		if tt.want == "" {
			if ok || q.Len() != n {
				t.Errorf("%s: got %q, want none", tt.name, c.ID)
			}
			continue
		}
		if !ok || c.ID != tt.want || d.AgentID != "a" || d.Reason != "assigned" || d.Relaxed != tt.relaxed || len(d.Candidates) != 1 {
			t.Errorf("%s: got %q %+v, want %q", tt.name, c.ID, d, tt.want)
		}
		if q.Len() != n-1 || slices.ContainsFunc(q.Waiting(), func(w Conversation) bool { return w.ID == c.ID }) {
			t.Errorf("%s: %q not removed", tt.name, c.ID)
		}
	}
	// Draining: the agent takes conversations in queue order until none fits.
	q := fill()
	a := refund(func(a *Agent) { a.Capacity["messaging"] = 100 })
	var got []string
	for {
		c, _, ok := r.Next(q, a, now)
		if !ok {
			break
		}
		got = append(got, c.ID)
	}
	if want := []string{"normal-refund-old", "normal-refund-new", "low-refund"}; !slices.Equal(got, want) {
		t.Errorf("drain %v, want %v", got, want)
	}
}

func FuzzParseShift(f *testing.F) {
	f.Add(1, "09:00", "17:00")
	f.Add(7, "22:00", "24:00")
	f.Add(0, "24:00", "9:00")
	f.Add(3, "\xff\xfe:00", "23:5９")
	f.Fuzz(func(t *testing.T, weekday int, start, end string) {
		s := Shift{weekday, start, end}
		st, en, err := shiftMinutes(s)
		if err != nil {
			return
		}
		if st < 0 || en > 24*60 || st >= en || weekday < 1 || weekday > 7 {
			t.Fatalf("accepted %+v as [%d, %d)", s, st, en)
		}
		// Some minute of its weekday is on shift.
		at := time.Date(2026, 12, 6+weekday, 0, 0, 0, 0, time.UTC).Add(time.Duration(st) * time.Minute)
		if !onShift([]Shift{s}, time.UTC, at) {
			t.Fatalf("%+v accepted but not on shift at %v", s, at)
		}
	})
}

func FuzzParsePriority(f *testing.F) {
	for _, s := range []string{"LOW", "normal", " High ", "URGENT", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePriority(s)
		if err != nil {
			return
		}
		if back, err := ParsePriority(p.String()); err != nil || back != p {
			t.Fatalf("%q → %v does not round-trip", s, p)
		}
	})
}

// RouteRoster must decide exactly as Route over the same agents.
func TestRouteRosterMatchesRoute(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	agents := benchAgents(rng, 300)
	for i, a := range agents {
		switch i % 50 {
		case 0, 10, 20:
			a.Languages = map[string]int{"DE-ch": 4, "de": 1, "De": 2} // regional tags, best level wins
			a.Online, a.Shifts, a.Load = true, nil, nil
		case 1:
			a.Region = " EU" // another case, a space
		case 2:
			a.Region = "us"
		case 3, 13, 23:
			a.Languages = map[string]int{"fr": 1, "pl": 5} // too little French
			a.Online, a.Shifts, a.Load = true, nil, nil
		case 4, 14:
			a.Load["voice"] = a.CapacityFor("voice")
		}
	}
	agents = append(agents, nil)
	convs := benchConversations(rng, 400)
	for i := range convs {
		if i%13 == 0 {
			convs[i].Language = ""
		}
		if i%17 == 0 {
			convs[i].Language = "de-CH"
		}
		if i%19 == 0 {
			convs[i].Language, convs[i].Exclude, convs[i].Tier = "fr", nil, ""
		}
		if i%23 == 0 {
			convs[i].Kind = "voice"
		}
	}
	r := NewRouter(Config{Global: Stat{N: 1000, ResolutionRate: 0.7, CSAT: 4}})
	ro := NewRoster(agents)
	for _, at := range []time.Time{now, now.Add(2 * time.Hour), now.Add(13 * time.Hour)} {
		assigned := 0
		for _, c := range convs {
			want, got := r.Route(c, agents, at), r.RouteRoster(c, ro, at)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("conversation %+v at %v:\nRoute       %+v\nRouteRoster %+v", c, at, want, got)
			}
			if want.AgentID != "" {
				assigned++
			}
		}
		if assigned == 0 {
			t.Errorf("at %v nobody was assigned: the comparison proves little", at)
		}
	}
	if d := r.RouteRoster(conv(), nil, now); d.AgentID != "" || d.Reason != "no agent online for de in eu" {
		t.Errorf("nil roster: %+v", d)
	}
}

// Next must give the first conversation in queue order that Route would assign to the
// agent alone.
func TestNextMatchesRoute(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	agents := benchAgents(rng, 60)
	convs := benchConversations(rng, 500)
	for i := range convs {
		convs[i].PreviousAgent = "" // Next does not pin previous agents
		switch i % 11 {
		case 0:
			convs[i].Language = ""
		case 1:
			convs[i].Region = "us"
		case 2, 3, 4:
			convs[i].Kind, convs[i].Priority = "voice", Urgent // first in the queue
		case 5:
			convs[i].Region = "EU"
		case 6:
			convs[i].Tier = "enterprise"
		}
		if i%5 == 0 { // more skills than the queue numbers
			convs[i].Product = fmt.Sprintf("Product-%d", i%90)
		}
		if i%13 == 0 { // expected to wait: relaxed early, or never waiting at all (zero)
			convs[i].ExpectedWait = time.Duration(i%7) * time.Minute
		}
	}
	for i, a := range agents {
		if i%3 == 0 {
			a.Load["voice"] = a.CapacityFor("voice")
		}
		if i%4 == 0 {
			a.Skills = append(a.Skills, fmt.Sprintf("product-%d", i%90), "Ünterhaltung")
		}
		if i%7 == 0 {
			a.Tiers = []string{"Enterprise", "VIP"}
		}
		if i%9 == 0 {
			a.Region = "Eu "
		}
	}
	r := NewRouter(Config{})
	at := now.Add(2 * time.Hour)
	q := NewQueue()
	for _, c := range convs {
		q.Push(c)
	}
	found := 0
	for _, a := range agents {
		want := ""
		for _, c := range q.Waiting() {
			if r.Route(c, []*Agent{a}, at).AgentID == a.ID {
				want = c.ID
				break
			}
		}
		c, d, ok := r.Next(q, a, at)
		if ok != (want != "") || c.ID != want {
			t.Fatalf("agent %+v: Next gave %q (%v), Route says %q", a, c.ID, ok, want)
		}
		if ok {
			found++
			if d.AgentID != a.ID {
				t.Fatalf("decision %+v", d)
			}
		}
	}
	if found < 10 {
		t.Errorf("only %d agents found work: the comparison proves little", found)
	}
}

func TestNextSkillsBeyondTheNumbered(t *testing.T) {
	r := NewRouter(Config{})
	q := NewQueue()
	q.Push(conv(func(c *Conversation) { c.ID, c.Intent, c.Product = "kettle", "", "kettle" })) // numbered
	for i := range 70 {                                                                        // the queue numbers the first 64 skills; the rest are checked in full
		q.Push(conv(func(c *Conversation) {
			c.ID, c.Intent, c.Product = fmt.Sprintf("c%02d", i), "", fmt.Sprintf("p%02d", i)
		}))
	}
	tests := []struct {
		skill, want string
	}{
		{"P69", "c69"},
		{"p03", "c03"},
		{"\u212Aettle", "kettle"}, // KELVIN SIGN folds to k
		{"nothing", ""},
	}
	for _, tt := range tests {
		a := agent("a", func(a *Agent) { a.Skills = []string{tt.skill} })
		c, _, ok := r.Next(q, a, now)
		if c.ID != tt.want || ok != (tt.want != "") {
			t.Errorf("skill %q: got %q, want %q", tt.skill, c.ID, tt.want)
		}
		if ok {
			if d := r.Route(c, []*Agent{a}, now); d.AgentID != "a" {
				t.Errorf("skill %q: Route disagrees: %+v", tt.skill, d)
			}
			q.Push(c)
		}
	}
}

func TestEligible(t *testing.T) {
	r := NewRouter(Config{})
	tests := []struct {
		name   string
		a      *Agent
		c      Conversation
		ok     bool
		reason string
	}{
		{"eligible", agent("a"), conv(), true, "assigned"},
		{"does not speak the language", agent("a"), conv(func(c *Conversation) { c.Language = "ja" }), false, "no agent online for ja in eu"},
		{"other region", agent("a", func(a *Agent) { a.Region = "apac" }), conv(), false, "no agent online for de in eu"},
		{"full", agent("a", func(a *Agent) { a.Load = map[string]int{"messaging": 4} }), conv(), false, "all eligible agents at capacity"},
		{"no agent", nil, conv(), false, "no such agent"},
	}
	for _, tt := range tests {
		ok, reason := r.Eligible(tt.c, tt.a, now)
		if ok != tt.ok || reason != tt.reason {
			t.Errorf("%s: %v %q, want %v %q", tt.name, ok, reason, tt.ok, tt.reason)
		}
	}
}
