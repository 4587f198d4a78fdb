package sla

import (
	"errors"
	"testing"
	"time"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	return loc
}

func weekdays(start, end time.Duration) []Hours {
	var hs []Hours
	for d := 1; d <= 5; d++ {
		hs = append(hs, Hours{Weekday: d, Start: start, End: end})
	}
	return hs
}

func TestCalendarSpan(t *testing.T) {
	loc := berlin(t)
	l := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) } // 7 December 2026 is a Monday
	office := &Calendar{Location: loc, Hours: weekdays(9*time.Hour, 17*time.Hour), Holidays: []Date{{2026, 12, 25}}}
	night := &Calendar{Location: loc, Hours: []Hours{{Weekday: 1, Start: 22 * time.Hour, End: 6 * time.Hour}}}
	allDay := &Calendar{Location: loc, Hours: []Hours{{Weekday: 1, End: 24 * time.Hour}, {Weekday: 2, End: 24 * time.Hour}}}
	split := &Calendar{Location: loc, Hours: []Hours{{Weekday: 1, Start: 13 * time.Hour, End: 17 * time.Hour}, {Weekday: 1, Start: 9 * time.Hour, End: 12 * time.Hour}}}
	cases := []struct {
		name  string
		cal   *Calendar
		t     time.Time
		open  bool
		until time.Time
	}{
		{"inside office hours", office, l(7, 10, 0), true, l(7, 17, 0)},
		{"the start instant is open", office, l(7, 9, 0), true, l(7, 17, 0)},
		{"the end instant is closed", office, l(7, 17, 0), false, l(8, 9, 0)},
		{"before opening", office, l(7, 3, 0), false, l(7, 9, 0)},
		{"Friday evening waits for Monday", office, l(11, 18, 0), false, l(14, 9, 0)},
		{"a holiday is skipped", office, l(24, 18, 0), false, l(28, 9, 0)},
		{"across midnight, before it", night, l(7, 23, 0), true, l(8, 6, 0)},
		{"across midnight, after it", night, l(8, 3, 0), true, l(8, 6, 0)},
		{"across midnight, before the start", night, l(7, 21, 0), false, l(7, 22, 0)},
		{"24:00 runs into the next day's hours", allDay, l(7, 10, 0), true, l(9, 0, 0)},
		{"hours listed out of order still find the next opening", split, l(7, 12, 30), false, l(7, 13, 0)},
		{"hours listed out of order, the earlier span", split, l(7, 10, 0), true, l(7, 12, 0)},
		{"no hours means always open", &Calendar{}, l(7, 3, 0), true, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open, until := c.cal.span(c.t)
			if open != c.open || !until.Equal(c.until) {
				t.Errorf("span(%s) = %v until %s, want %v until %s", c.t, open, until, c.open, c.until)
			}
			if c.cal.Open(c.t) != c.open {
				t.Errorf("Open disagrees with span")
			}
		})
	}
}

func TestCalendarAcrossDSTChanges(t *testing.T) {
	loc := berlin(t)
	// Sundays 01:00 to 04:00 local: two real hours on 29 March 2026 (clocks jump from 02:00
	// to 03:00), four on 25 October 2026 (03:00 comes twice).
	cal := &Calendar{Location: loc, Hours: []Hours{{Weekday: 7, Start: time.Hour, End: 4 * time.Hour}}}
	r := Rule{Targets: Target{FirstResponse: 150 * time.Minute}, Calendar: cal}
	for _, c := range []struct {
		name string
		msg  time.Time
		want time.Time
	}{
		// 2 h on the short Sunday, the remaining 30 min the next Sunday.
		{"spring forward", time.Date(2026, 3, 28, 12, 0, 0, 0, loc), time.Date(2026, 4, 5, 1, 30, 0, 0, loc)},
		// 2.5 h of the 4 real hours: 01:00 CEST (23:00 UTC) + 2.5 h = 02:30 CET, the second
		// 02:30 of the night.
		{"fall back", time.Date(2026, 10, 24, 12, 0, 0, 0, loc), time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := Clock(r, []Event{{Kind: CustomerMessage, At: c.msg}}, c.msg)
			if st.FirstResponseDueAt == nil || !st.FirstResponseDueAt.Equal(c.want) {
				t.Errorf("due %v, want %v", st.FirstResponseDueAt, c.want)
			}
			// And walking the clock there records the breach at that instant.
			st = Clock(r, []Event{{Kind: CustomerMessage, At: c.msg}}, c.want.Add(time.Hour))
			if len(st.Breaches) != 1 || !st.Breaches[0].At.Equal(c.want) {
				t.Errorf("breaches %+v, want one at %v", st.Breaches, c.want)
			}
		})
	}
}

func TestClockWithBusinessHours(t *testing.T) {
	loc := berlin(t)
	l := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
	r := Rule{
		Targets:  Target{FirstResponse: 8 * time.Hour, Resolution: 16 * time.Hour},
		Calendar: &Calendar{Location: loc, Hours: weekdays(9*time.Hour, 17*time.Hour), Holidays: []Date{{2026, 12, 25}}},
	}
	cases := []struct {
		name     string
		events   []Event
		now      time.Time
		want     State
		warnings []Warning
		breaches []Breach
		next     time.Time
	}{
		{
			name:   "a message late on Friday is due late on Monday",
			events: []Event{{Kind: CustomerMessage, At: l(11, 16, 0)}},
			now:    l(12, 12, 0),
			want:   State{FirstResponseDueAt: tp(l(14, 16, 0)), ResolutionDueAt: tp(l(15, 16, 0))},
			next:   l(14, 14, 24), // 80% of 8 h: 1 h on Friday, 5 h 24 min on Monday
		},
		{
			name:   "a message on Saturday starts counting on Monday morning",
			events: []Event{{Kind: CustomerMessage, At: l(12, 10, 0)}},
			now:    l(12, 11, 0),
			want:   State{FirstResponseDueAt: tp(l(14, 17, 0)), ResolutionDueAt: tp(l(15, 17, 0))},
			next:   l(14, 15, 24),
		},
		{
			name:     "the breach lands in working time",
			events:   []Event{{Kind: CustomerMessage, At: l(11, 16, 0)}},
			now:      l(14, 18, 0),
			want:     State{FirstResponseDueAt: tp(l(14, 16, 0)), ResolutionDueAt: tp(l(15, 16, 0))},
			warnings: []Warning{{FirstResponse, l(14, 16, 0), l(14, 14, 24)}},
			breaches: []Breach{{FirstResponse, l(14, 16, 0), l(14, 16, 0)}},
			next:     l(15, 12, 48), // resolution warning: 12.8 h of working time
		},
		{
			name:   "Christmas is not a working day",
			events: []Event{{Kind: CustomerMessage, At: l(24, 16, 0)}},
			now:    l(24, 16, 0),
			want:   State{FirstResponseDueAt: tp(l(28, 16, 0)), ResolutionDueAt: tp(l(29, 16, 0))},
			next:   l(28, 14, 24),
		},
		{
			name:   "pending on top of closed hours",
			events: []Event{{Kind: CustomerMessage, At: l(7, 9, 0)}, {Kind: AgentReply, At: l(7, 10, 0)}, {Kind: Pending, At: l(7, 11, 0)}, {Kind: CustomerMessage, At: l(8, 11, 0)}},
			now:    l(8, 12, 0),
			// 2 working hours on Monday, 1 on Tuesday so far: 13 to go, 5 of them on Tuesday.
			want: State{FirstResponseAt: tp(l(7, 10, 0)), ResolutionDueAt: tp(l(9, 17, 0))},
			next: l(9, 13, 48), // 12.8 h: 2 on Monday, 6 on Tuesday, 4.8 on Wednesday
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := c.want
			want.Warnings, want.Breaches = c.warnings, c.breaches
			checkState(t, Clock(r, c.events, c.now), want)
			next, ok := NextDeadline(r, c.events, c.now)
			if !ok || !next.Equal(c.next) {
				t.Errorf("NextDeadline = %v %v, want %v", next, ok, c.next)
			}
		})
	}
}

func tp(t time.Time) *time.Time { return &t }

func TestACalendarThatNeverOpensHasNoDeadline(t *testing.T) {
	var mondays []Date
	for d := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC); d.Year() < 2028; d = d.AddDate(0, 0, 7) {
		mondays = append(mondays, Date{d.Year(), d.Month(), d.Day()})
	}
	r := Rule{Targets: Target{FirstResponse: time.Hour}, Calendar: &Calendar{Hours: []Hours{{Weekday: 1, Start: 9 * time.Hour, End: 17 * time.Hour}}, Holidays: mondays}}
	events := []Event{ev(CustomerMessage, 0)}
	if st := Clock(r, events, at(1e5)); st.FirstResponseDueAt != nil || len(st.Breaches) != 0 {
		t.Errorf("got %+v, want no due time and no breach", st)
	}
	if d, ok := NextDeadline(r, events, at(1)); ok {
		t.Errorf("NextDeadline %v", d)
	}
}

func TestParseCalendar(t *testing.T) {
	in := `
rules:
  - channel: email
    first_response: 8h
    calendar:
      timezone: Europe/Berlin
      hours:
        - {weekday: 5, start: "09:00", end: "17:00"}
        - {weekday: 1, start: "22:00", end: "06:00"}
        - {weekday: 1, start: "09:00", end: "24:00"}
      holidays: ["2026-12-25"]
  - first_response: 1h
`
	p, err := ParsePolicy([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	c := p.Rules[0].Calendar
	if c == nil || c.Location.String() != "Europe/Berlin" || len(c.Holidays) != 1 || c.Holidays[0] != (Date{2026, 12, 25}) {
		t.Fatalf("calendar %+v", c)
	}
	want := []Hours{{1, 9 * time.Hour, 24 * time.Hour}, {1, 22 * time.Hour, 6 * time.Hour}, {5, 9 * time.Hour, 17 * time.Hour}}
	if len(c.Hours) != len(want) {
		t.Fatalf("hours %+v", c.Hours)
	}
	for i := range want {
		if c.Hours[i] != want[i] {
			t.Errorf("hours[%d] = %+v, want %+v", i, c.Hours[i], want[i])
		}
	}
	if p.Rules[1].Calendar != nil {
		t.Error("a rule without a calendar counts every hour")
	}

	bad := map[string]string{
		"unknown time zone": `{timezone: Mars/Olympus, hours: [{weekday: 1, start: "09:00", end: "17:00"}]}`,
		"no hours":          `{timezone: UTC}`,
		"weekday 0":         `{hours: [{weekday: 0, start: "09:00", end: "17:00"}]}`,
		"weekday 8":         `{hours: [{weekday: 8, start: "09:00", end: "17:00"}]}`,
		"24:00 start":       `{hours: [{weekday: 1, start: "24:00", end: "17:00"}]}`,
		"24:30 end":         `{hours: [{weekday: 1, start: "09:00", end: "24:30"}]}`,
		"one-digit hour":    `{hours: [{weekday: 1, start: "9:00", end: "17:00"}]}`,
		"minute 60":         `{hours: [{weekday: 1, start: "09:60", end: "17:00"}]}`,
		"empty end":         `{hours: [{weekday: 1, start: "09:00"}]}`,
		"start equals end":  `{hours: [{weekday: 1, start: "00:00", end: "00:00"}]}`,
		"bad holiday":       `{hours: [{weekday: 1, start: "09:00", end: "17:00"}], holidays: ["25.12.2026"]}`,
		"unknown field":     `{hours: [{weekday: 1, start: "09:00", end: "17:00"}], zone: UTC}`,
	}
	for name, cal := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePolicy([]byte("rules:\n  - first_response: 1h\n    calendar: " + cal + "\n"))
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Errorf("got %v, want ErrInvalidPolicy", err)
			}
		})
	}
}
