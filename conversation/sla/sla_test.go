package sla

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func at(min float64) time.Time { return t0.Add(time.Duration(min * float64(time.Minute))) }

func ev(k Kind, min float64) Event { return Event{Kind: k, At: at(min)} }

func ptr(min float64) *time.Time { t := at(min); return &t }

// A rule with round numbers: first response 10m, next 20m, resolution 60m, warning at 80%.
var rule = Rule{Targets: Target{FirstResponse: 10 * time.Minute, NextResponse: 20 * time.Minute, Resolution: 60 * time.Minute}}

func TestClock(t *testing.T) {
	cases := []struct {
		name     string
		rule     Rule
		events   []Event
		now      float64
		want     State
		breaches []Breach
		warnings []Warning
	}{
		{
			name: "no events means no clocks",
			now:  5,
		},
		{
			name:   "a customer message starts first response and resolution",
			events: []Event{ev(CustomerMessage, 0)},
			now:    5,
			want:   State{FirstResponseDueAt: ptr(10), ResolutionDueAt: ptr(60)},
		},
		{
			name:   "an agent message before the customer writes starts nothing",
			events: []Event{ev(AgentReply, 0)},
			now:    5,
		},
		{
			name:   "a reply in time meets the first response and nothing else starts",
			events: []Event{ev(CustomerMessage, 0), ev(CustomerMessage, 2), ev(AgentReply, 7)},
			now:    30,
			want:   State{FirstResponseAt: ptr(7), ResolutionDueAt: ptr(60)},
		},
		{
			name:     "a late first reply is warned about at 80% and breached at 100%",
			events:   []Event{ev(CustomerMessage, 0), ev(AgentReply, 12)},
			now:      13,
			want:     State{FirstResponseAt: ptr(12), ResolutionDueAt: ptr(60)},
			warnings: []Warning{{FirstResponse, at(10), at(8)}},
			breaches: []Breach{{FirstResponse, at(10), at(10)}},
		},
		{
			name:     "a breached first response keeps its due time until answered",
			events:   []Event{ev(CustomerMessage, 0)},
			now:      15,
			want:     State{FirstResponseDueAt: ptr(10), ResolutionDueAt: ptr(60)},
			warnings: []Warning{{FirstResponse, at(10), at(8)}},
			breaches: []Breach{{FirstResponse, at(10), at(10)}},
		},
		{
			name:     "the breach instant itself counts as breached",
			events:   []Event{ev(CustomerMessage, 0)},
			now:      10,
			want:     State{FirstResponseDueAt: ptr(10), ResolutionDueAt: ptr(60)},
			warnings: []Warning{{FirstResponse, at(10), at(8)}},
			breaches: []Breach{{FirstResponse, at(10), at(10)}},
		},
		{
			name:   "a customer message after a reply starts a next response",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 5), ev(CustomerMessage, 10), ev(CustomerMessage, 15)},
			now:    16,
			want:   State{FirstResponseAt: ptr(5), NextResponseDueAt: ptr(30), ResolutionDueAt: ptr(60)},
		},
		{
			name: "each customer turn gets its own next response and its own breach",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 5),
				ev(CustomerMessage, 6), ev(AgentReply, 30), // breached at 26
				ev(CustomerMessage, 31), ev(AgentReply, 40), // met
				ev(CustomerMessage, 41)}, // breaches at 61, with resolution at 60
			now:  70,
			want: State{FirstResponseAt: ptr(5), NextResponseDueAt: ptr(61), ResolutionDueAt: ptr(60)},
			warnings: []Warning{{NextResponse, at(26), at(22)}, {Resolution, at(60), at(48)},
				{NextResponse, at(61), at(57)}},
			breaches: []Breach{{NextResponse, at(26), at(26)}, {Resolution, at(60), at(60)}, {NextResponse, at(61), at(61)}},
		},
		{
			name:   "pending pauses every clock until the customer writes",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 5), ev(Pending, 6), ev(CustomerMessage, 106)},
			now:    110,
			// 6 active minutes of resolution before the pause, 100 paused: due at 160.
			want: State{FirstResponseAt: ptr(5), NextResponseDueAt: ptr(126), ResolutionDueAt: ptr(160)},
		},
		{
			name:   "while pending the due times are projected from now and nothing breaches",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 5), ev(Pending, 50)},
			now:    500,
			want:   State{FirstResponseAt: ptr(5), ResolutionDueAt: ptr(510), Paused: true},
			warnings: []Warning{
				{Resolution, at(60), at(48)},
			},
		},
		{
			name:   "a snooze ends by itself and the clocks resume",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 5), {Kind: Snoozed, At: at(10), Until: at(40)}},
			now:    45,
			want:   State{FirstResponseAt: ptr(5), ResolutionDueAt: ptr(90)},
		},
		{
			name:   "while snoozed the due times are projected from the snooze's end",
			events: []Event{ev(CustomerMessage, 0), {Kind: Snoozed, At: at(5), Until: at(40)}},
			now:    20,
			want:   State{FirstResponseDueAt: ptr(45), ResolutionDueAt: ptr(95), Paused: true},
		},
		{
			name:   "the customer writing ends a snooze early",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 1), {Kind: Snoozed, At: at(5), Until: at(100)}, ev(CustomerMessage, 20)},
			now:    21,
			want:   State{FirstResponseAt: ptr(1), NextResponseDueAt: ptr(40), ResolutionDueAt: ptr(75)},
		},
		{
			name:   "a snooze that ends before it starts changes nothing",
			events: []Event{ev(CustomerMessage, 0), {Kind: Snoozed, At: at(5), Until: at(5)}},
			now:    6,
			want:   State{FirstResponseDueAt: ptr(10), ResolutionDueAt: ptr(60)},
		},
		{
			name:   "a snooze does not cut short a wait for the customer",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 1), ev(Pending, 2), {Kind: Snoozed, At: at(3), Until: at(10)}},
			now:    200,
			want:   State{FirstResponseAt: ptr(1), ResolutionDueAt: ptr(258), Paused: true},
		},
		{
			name:     "a breach that falls inside a pause happens after it",
			events:   []Event{ev(CustomerMessage, 0), {Kind: Snoozed, At: at(5), Until: at(30)}},
			now:      40,
			want:     State{FirstResponseDueAt: ptr(35), ResolutionDueAt: ptr(85)},
			warnings: []Warning{{FirstResponse, at(35), at(33)}},
			breaches: []Breach{{FirstResponse, at(35), at(35)}},
		},
		{
			name:   "resolved stops every clock",
			events: []Event{ev(CustomerMessage, 0), ev(Resolved, 5)},
			now:    500,
		},
		{
			name:   "reopened restarts next response and resolution but not first response",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 3), ev(Resolved, 5), ev(Reopened, 100)},
			now:    101,
			want:   State{FirstResponseAt: ptr(3), NextResponseDueAt: ptr(120), ResolutionDueAt: ptr(160)},
		},
		{
			name:   "a customer message on a resolved conversation reopens it",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 3), ev(Resolved, 5), ev(CustomerMessage, 100)},
			now:    101,
			want:   State{FirstResponseAt: ptr(3), NextResponseDueAt: ptr(120), ResolutionDueAt: ptr(160)},
		},
		{
			name:   "reopening an open conversation changes nothing",
			events: []Event{ev(CustomerMessage, 0), ev(Reopened, 3)},
			now:    4,
			want:   State{FirstResponseDueAt: ptr(10), ResolutionDueAt: ptr(60)},
		},
		{
			name:   "a resolved conversation cannot be pending",
			events: []Event{ev(CustomerMessage, 0), ev(Resolved, 5), ev(Pending, 6)},
			now:    7,
		},
		{
			name:   "a zero target is no target",
			rule:   Rule{Targets: Target{Resolution: time.Hour}},
			events: []Event{ev(CustomerMessage, 0)},
			now:    30,
			want:   State{ResolutionDueAt: ptr(60)},
		},
		{
			name:     "a rule's own WarnAt is used",
			rule:     Rule{Targets: Target{FirstResponse: 10 * time.Minute}, WarnAt: 0.5},
			events:   []Event{ev(CustomerMessage, 0)},
			now:      6,
			want:     State{FirstResponseDueAt: ptr(10)},
			warnings: []Warning{{FirstResponse, at(10), at(5)}},
		},
		{
			name:   "events after now are ignored",
			events: []Event{ev(CustomerMessage, 0), ev(AgentReply, 30)},
			now:    5,
			want:   State{FirstResponseDueAt: ptr(10), ResolutionDueAt: ptr(60)},
		},
		{
			name:   "events out of order are sorted",
			events: []Event{ev(AgentReply, 5), ev(CustomerMessage, 0)},
			now:    6,
			want:   State{FirstResponseAt: ptr(5), ResolutionDueAt: ptr(60)},
		},
		{
			name:   "priority changes do nothing under one fixed rule",
			events: []Event{ev(CustomerMessage, 0), {Kind: PriorityChanged, At: at(1), Priority: Urgent}},
			now:    2,
			want:   State{FirstResponseDueAt: ptr(10), ResolutionDueAt: ptr(60)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.rule
			if r == (Rule{}) {
				r = rule
			}
			got := Clock(r, c.events, at(c.now))
			want := c.want
			want.Breaches, want.Warnings = c.breaches, c.warnings
			checkState(t, got, want)
		})
	}
}

func checkState(t *testing.T, got, want State) {
	t.Helper()
	for _, f := range []struct {
		name      string
		got, want *time.Time
	}{
		{"FirstResponseDueAt", got.FirstResponseDueAt, want.FirstResponseDueAt},
		{"NextResponseDueAt", got.NextResponseDueAt, want.NextResponseDueAt},
		{"ResolutionDueAt", got.ResolutionDueAt, want.ResolutionDueAt},
		{"FirstResponseAt", got.FirstResponseAt, want.FirstResponseAt},
	} {
		if (f.got == nil) != (f.want == nil) || f.got != nil && !f.got.Equal(*f.want) {
			t.Errorf("%s = %s, want %s", f.name, fmtT(f.got), fmtT(f.want))
		}
	}
	if got.Paused != want.Paused {
		t.Errorf("Paused = %v, want %v", got.Paused, want.Paused)
	}
	if !equalBreaches(got.Breaches, want.Breaches) {
		t.Errorf("Breaches = %s\nwant %s", fmtList(got.Breaches), fmtList(want.Breaches))
	}
	if !equalWarnings(got.Warnings, want.Warnings) {
		t.Errorf("Warnings = %s\nwant %s", fmtList(warnAsBreach(got.Warnings)), fmtList(warnAsBreach(want.Warnings)))
	}
}

func fmtT(t *time.Time) string {
	if t == nil {
		return "nil"
	}
	return "+" + t.Sub(t0).String()
}

func fmtList(bs []Breach) string {
	var b strings.Builder
	for _, x := range bs {
		b.WriteString("{" + x.Target + " due +" + x.DueAt.Sub(t0).String() + " at +" + x.At.Sub(t0).String() + "} ")
	}
	return "[" + b.String() + "]"
}

func warnAsBreach(ws []Warning) []Breach {
	var bs []Breach
	for _, w := range ws {
		bs = append(bs, Breach(w))
	}
	return bs
}

func equalBreaches(a, b []Breach) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Target != b[i].Target || !a[i].DueAt.Equal(b[i].DueAt) || !a[i].At.Equal(b[i].At) {
			return false
		}
	}
	return true
}

func equalWarnings(a, b []Warning) bool { return equalBreaches(warnAsBreach(a), warnAsBreach(b)) }

// A policy where URGENT tightens everything, LOW loosens it.
var tiered = Policy{Rules: []Rule{
	{Priority: Urgent, Targets: Target{FirstResponse: 5 * time.Minute, NextResponse: 5 * time.Minute, Resolution: 30 * time.Minute}},
	{Priority: Low, Targets: Target{FirstResponse: 60 * time.Minute, NextResponse: 60 * time.Minute, Resolution: 600 * time.Minute}},
	{Targets: rule.Targets},
}}

// tiered with office hours (and a night shift) for NORMAL and HIGH.
var withCalendar = func() Policy {
	cal := &Calendar{Hours: []Hours{
		{Weekday: 1, Start: 9 * time.Hour, End: 17 * time.Hour}, {Weekday: 1, Start: 22 * time.Hour, End: 2 * time.Hour},
		{Weekday: 2, Start: 9 * time.Hour, End: 24 * time.Hour}, {Weekday: 3, Start: 0, End: 3 * time.Hour},
	}, Holidays: []Date{{2026, 12, 9}}}
	p := Policy{Rules: append([]Rule{}, tiered.Rules...)}
	p.Rules[2].Calendar = cal
	return p
}()

func TestPolicyClockPriorityChanges(t *testing.T) {
	cases := []struct {
		name     string
		priority string
		events   []Event
		now      float64
		want     State
		breaches []Breach
		warnings []Warning
	}{
		{
			name:     "tightening mid-way keeps the start and moves the due time earlier",
			priority: Normal,
			events:   []Event{ev(CustomerMessage, 0), {Kind: PriorityChanged, At: at(2), Priority: Urgent}},
			now:      3,
			want:     State{FirstResponseDueAt: ptr(5), ResolutionDueAt: ptr(30)},
		},
		{
			name:     "tightening past the new target breaches at once",
			priority: Normal,
			events:   []Event{ev(CustomerMessage, 0), {Kind: PriorityChanged, At: at(7), Priority: Urgent}},
			now:      8,
			want:     State{FirstResponseDueAt: ptr(5), ResolutionDueAt: ptr(30)},
			breaches: []Breach{{FirstResponse, at(5), at(7)}},
		},
		{
			name:     "tightening past the new warning warns at once",
			priority: Normal,
			events:   []Event{ev(CustomerMessage, 0), {Kind: PriorityChanged, At: at(4.5), Priority: Urgent}},
			now:      4.5,
			want:     State{FirstResponseDueAt: ptr(5), ResolutionDueAt: ptr(30)},
			warnings: []Warning{{FirstResponse, at(5), at(4.5)}},
		},
		{
			name:     "the due time of a breach found late skips the paused span",
			priority: Normal,
			events: []Event{ev(CustomerMessage, 0), {Kind: Snoozed, At: at(2), Until: at(50)},
				{Kind: PriorityChanged, At: at(55), Priority: Urgent}},
			now:  55,
			want: State{FirstResponseDueAt: ptr(53), ResolutionDueAt: ptr(78)},
			// 7 active minutes at the change: the NORMAL warning (8m) never came.
			breaches: []Breach{{FirstResponse, at(53), at(55)}},
		},
		{
			name:     "loosening keeps the breaches already made",
			priority: Urgent,
			events:   []Event{ev(CustomerMessage, 0), {Kind: PriorityChanged, At: at(7), Priority: Low}},
			now:      8,
			want:     State{FirstResponseDueAt: ptr(60), ResolutionDueAt: ptr(600)},
			warnings: []Warning{{FirstResponse, at(5), at(4)}},
			breaches: []Breach{{FirstResponse, at(5), at(5)}},
		},
		{
			name:     "loosening before a warning moves it later",
			priority: Urgent,
			events:   []Event{ev(CustomerMessage, 0), {Kind: PriorityChanged, At: at(1), Priority: Normal}},
			now:      9,
			want:     State{FirstResponseDueAt: ptr(10), ResolutionDueAt: ptr(60)},
			warnings: []Warning{{FirstResponse, at(10), at(8)}},
		},
		{
			name:     "a priority change on a resolved conversation does nothing",
			priority: Normal,
			events:   []Event{ev(CustomerMessage, 0), ev(Resolved, 3), {Kind: PriorityChanged, At: at(7), Priority: Urgent}},
			now:      8,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tiered.Clock("", "whatsapp", c.priority, c.events, at(c.now))
			want := c.want
			want.Breaches, want.Warnings = c.breaches, c.warnings
			checkState(t, got, want)
		})
	}
}

func TestNextDeadline(t *testing.T) {
	cases := []struct {
		name   string
		events []Event
		now    float64
		want   float64 // minutes; negative: none
	}{
		{"nothing has started", nil, 0, -1},
		{"the first warning comes first", []Event{ev(CustomerMessage, 0)}, 1, 8},
		{"after the warning comes the breach", []Event{ev(CustomerMessage, 0)}, 8, 10},
		{"after the first response breach, the resolution warning", []Event{ev(CustomerMessage, 0)}, 10, 48},
		{"a met first response leaves resolution", []Event{ev(CustomerMessage, 0), ev(AgentReply, 1)}, 2, 48},
		{"a pause for the customer has no deadline", []Event{ev(CustomerMessage, 0), ev(Pending, 1)}, 2, -1},
		{"a snooze resumes on its own", []Event{ev(CustomerMessage, 0), {Kind: Snoozed, At: at(1), Until: at(30)}}, 2, 37},
		{"resolved has no deadline", []Event{ev(CustomerMessage, 0), ev(Resolved, 1)}, 2, -1},
		{"every target breached has no deadline", []Event{ev(CustomerMessage, 0)}, 61, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := NextDeadline(rule, c.events, at(c.now))
			if c.want < 0 {
				if ok {
					t.Fatalf("got %s, want none", fmtT(&got))
				}
				return
			}
			if !ok || !got.Equal(at(c.want)) {
				t.Fatalf("got %s (%v), want +%vm", fmtT(&got), ok, c.want)
			}
			// At the deadline, the state has one more warning or breach than just before.
			before := Clock(rule, c.events, got.Add(-time.Nanosecond))
			after := Clock(rule, c.events, got)
			if len(after.Warnings)+len(after.Breaches) != len(before.Warnings)+len(before.Breaches)+1 {
				t.Errorf("state does not change at the deadline: %+v then %+v", before, after)
			}
		})
	}
}

func TestPolicyNextDeadlineUsesTheMatchedRule(t *testing.T) {
	got, ok := tiered.NextDeadline("", "", Urgent, []Event{ev(CustomerMessage, 0)}, at(0))
	if !ok || !got.Equal(at(4)) {
		t.Fatalf("got %s %v, want +4m (80%% of 5m)", fmtT(&got), ok)
	}
}

func TestMatch(t *testing.T) {
	p := DefaultPolicy()
	cases := []struct {
		tier, channel, priority string
		want                    time.Duration // first response
	}{
		{"", "whatsapp", Urgent, 15 * time.Minute},
		{"vip", "whatsapp", Urgent, 10 * time.Minute},
		{"VIP", "WhatsApp", "urgent", 10 * time.Minute},
		{"vip", "whatsapp", Normal, 15 * time.Minute},
		{"vip", "email", Normal, time.Hour},
		{"new", "email", Normal, 8 * time.Hour},
		{"new", "email", Low, 24 * time.Hour},
		{"returning", "webchat", Normal, time.Hour},
		{"returning", "webchat", High, 30 * time.Minute},
		{"", "", "", time.Hour},
	}
	for _, c := range cases {
		if got := p.Match(c.tier, c.channel, c.priority).Targets.FirstResponse; got != c.want {
			t.Errorf("Match(%q, %q, %q) first response %v, want %v", c.tier, c.channel, c.priority, got, c.want)
		}
	}
	if r := (Policy{Rules: []Rule{{Tier: "vip", Targets: rule.Targets}}}).Match("new", "", ""); r.Targets != (Target{}) {
		t.Errorf("no rule matches, got %+v", r)
	}
}

func TestDefaultPolicyIsSane(t *testing.T) {
	p := DefaultPolicy()
	for _, tier := range []string{"vip", "new", "returning"} {
		for _, ch := range []string{"whatsapp", "email", "webchat", "voice"} {
			var prev time.Duration
			for _, pr := range []string{Urgent, High, Normal, Low} {
				r := p.Match(tier, ch, pr)
				tg := r.Targets
				if tg.FirstResponse <= 0 || tg.NextResponse <= 0 || tg.Resolution <= tg.FirstResponse {
					t.Errorf("%s/%s/%s: targets %+v", tier, ch, pr, tg)
				}
				if tg.FirstResponse < prev {
					t.Errorf("%s/%s: %s first response %v tighter than the more urgent %v", tier, ch, pr, tg.FirstResponse, prev)
				}
				prev = tg.FirstResponse
			}
		}
	}
}

func TestParsePolicy(t *testing.T) {
	good := `
rules:
  - tier: VIP
    priority: urgent
    first_response: 10m
    warn_at: 0.5
  - first_response: 1h
    next_response: " 2h "
    resolution: 48h
`
	p, err := ParsePolicy([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Tier: "vip", Priority: Urgent, Targets: Target{FirstResponse: 10 * time.Minute}, WarnAt: 0.5},
		{Targets: Target{FirstResponse: time.Hour, NextResponse: 2 * time.Hour, Resolution: 48 * time.Hour}},
	}
	if len(p.Rules) != len(want) || p.Rules[0] != want[0] || p.Rules[1] != want[1] {
		t.Errorf("got %+v, want %+v", p.Rules, want)
	}

	bad := map[string]string{
		"empty":             ``,
		"no rules":          `rules: []`,
		"unknown field":     "rules:\n  - first_reponse: 10m\n",
		"unknown priority":  "rules:\n  - priority: CRITICAL\n    first_response: 1m\n",
		"bad duration":      "rules:\n  - first_response: ten minutes\n",
		"bare number":       "rules:\n  - first_response: 600\n",
		"negative duration": "rules:\n  - resolution: -1h\n",
		"too long":          "rules:\n  - resolution: 10000h\n",
		"warn_at one":       "rules:\n  - first_response: 1m\n    warn_at: 1\n",
		"warn_at negative":  "rules:\n  - first_response: 1m\n    warn_at: -0.5\n",
		"unreachable rule":  "rules:\n  - first_response: 1m\n  - tier: vip\n    first_response: 1m\n",
		"not a list":        "rules: {tier: vip}\n",
		"not yaml":          "rules: [\n",
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(in))
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Errorf("got %v, want ErrInvalidPolicy", err)
			}
		})
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(string(defaultPolicyYAML))
	f.Add("rules:\n  - tier: vip\n    first_response: 1ns\n    warn_at: 0.999\n")
	f.Add("rules:\n  - priority: LOW\n    resolution: 8784h\n")
	f.Add("rules:\n  - first_response: 8h\n    calendar: {timezone: Europe/Berlin, hours: [{weekday: 1, start: \"22:00\", end: \"06:00\"}, {weekday: 2, start: \"00:00\", end: \"24:00\"}], holidays: [\"2026-12-08\"]}\n")
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParsePolicy([]byte(in))
		if err != nil {
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("error does not wrap ErrInvalidPolicy: %v", err)
			}
			return
		}
		if len(p.Rules) == 0 || len(p.Rules) > MaxRules {
			t.Fatalf("%d rules", len(p.Rules))
		}
		for _, r := range p.Rules {
			for _, d := range []time.Duration{r.Targets.FirstResponse, r.Targets.NextResponse, r.Targets.Resolution} {
				if d < 0 || d > MaxTarget {
					t.Fatalf("target %v", d)
				}
			}
			if r.WarnAt < 0 || r.WarnAt >= 1 {
				t.Fatalf("warn_at %v", r.WarnAt)
			}
			// Every parsed rule drives a clock without trouble.
			st := Clock(r, []Event{ev(CustomerMessage, 0), ev(AgentReply, 1), ev(CustomerMessage, 2)}, at(1e6))
			if len(st.Breaches) > 3 {
				t.Fatalf("breaches %+v", st.Breaches)
			}
		}
	})
}

// FuzzClock drives the clock with arbitrary event sequences and checks its invariants.
func FuzzClock(f *testing.F) {
	f.Add([]byte{1, 0, 2, 5, 3, 1, 1, 50, 5, 3, 6, 10, 1, 2})
	f.Add([]byte{1, 0, 4, 2, 7, 10, 1, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		var events []Event
		m := 0.0
		for i := 0; i+1 < len(b); i += 2 {
			m += float64(b[i+1])
			e := Event{Kind: Kind(b[i]%8 + 1), At: at(m)}
			switch e.Kind {
			case Snoozed:
				e.Until = at(m + float64(b[i]))
			case PriorityChanged:
				e.Priority = []string{Low, Normal, High, Urgent, "x"}[b[i]%5]
			}
			events = append(events, e)
		}
		now := at(m + 7)
		p := tiered
		if len(b)%2 == 1 { // odd lengths count office hours and a night shift only
			p = withCalendar
		}
		st := p.Clock("", "", Normal, events, now)
		seen := map[string]int{}
		for i, x := range st.Breaches {
			if x.At.After(now) || x.At.Before(x.DueAt) || i > 0 && x.At.Before(st.Breaches[i-1].At) {
				t.Fatalf("breach %d %+v out of place in %+v", i, x, st.Breaches)
			}
			seen[x.Target]++
		}
		if seen[FirstResponse] > 1 {
			t.Fatalf("first response breached %d times", seen[FirstResponse])
		}
		for _, w := range st.Warnings {
			if w.At.After(now) || !w.At.Before(w.DueAt) && !w.At.Equal(w.DueAt) {
				t.Fatalf("warning %+v", w)
			}
		}
		if d, ok := p.NextDeadline("", "", Normal, events, now); ok {
			if !d.After(now) {
				t.Fatalf("next deadline %v not after now %v", d, now)
			}
			before, after := p.Clock("", "", Normal, events, d.Add(-time.Nanosecond)), p.Clock("", "", Normal, events, d)
			if len(after.Breaches)+len(after.Warnings) <= len(before.Breaches)+len(before.Warnings) {
				t.Fatalf("nothing happens at the next deadline %v", d)
			}
		}
	})
}

func BenchmarkClock(b *testing.B) {
	events := []Event{ev(CustomerMessage, 0), ev(AgentReply, 5)}
	for i := range 20 {
		m := float64(10 + 10*i)
		events = append(events, ev(CustomerMessage, m), ev(AgentReply, m+3))
		if i%5 == 0 {
			events = append(events, ev(Pending, m+4))
		}
	}
	now := at(1000)
	for name, p := range map[string]Policy{"default": DefaultPolicy(), "calendar": withCalendar} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				p.Clock("vip", "whatsapp", Normal, events, now)
			}
		})
	}
}
