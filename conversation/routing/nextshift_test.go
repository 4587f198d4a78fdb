package routing_test

import (
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation/routing"
)

// A person is back at their next shift's start, read in their time zone: later the same
// day, the next working day over a weekend, never the midnight at which a shift that ran to
// "24:00" simply continues; nobody without shifts (always on) or with an unknown zone.
func TestNextShiftStart(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	weekdays := func(start, end string, days ...int) []routing.Shift {
		var s []routing.Shift
		for _, d := range days {
			s = append(s, routing.Shift{Weekday: d, Start: start, End: end})
		}
		return s
	}
	// Friday 2026-12-04 (weekday 5) and the days around it, in Tokyo.
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 12, day, hour, minute, 0, 0, tokyo) }
	for _, c := range []struct {
		name   string
		shifts []routing.Shift
		tz     string
		now    time.Time
		want   time.Time
		ok     bool
	}{
		{"before today's shift", weekdays("09:00", "18:00", 1, 2, 3, 4, 5), "Asia/Tokyo", at(4, 7, 30), at(4, 9, 0), true},
		{"after Friday's shift: Monday", weekdays("09:00", "18:00", 1, 2, 3, 4, 5), "Asia/Tokyo", at(4, 19, 0), at(7, 9, 0), true},
		{"at a start: the next one", weekdays("09:00", "18:00", 1, 2, 3, 4, 5), "Asia/Tokyo", at(3, 9, 0), at(4, 9, 0), true},
		{"a night shift running on past midnight", append(weekdays("22:00", "24:00", 5), weekdays("00:00", "06:00", 6)...), "Asia/Tokyo", at(4, 12, 0), at(4, 22, 0), true},
		// Saturday's midnight continues Friday's night; Sunday's starts anew.
		{"midnight continuing a shift is no start", append(weekdays("22:00", "24:00", 5), weekdays("00:00", "06:00", 6, 7)...), "Asia/Tokyo", at(4, 23, 0), at(6, 0, 0), true},
		{"no shifts", nil, "Asia/Tokyo", at(4, 12, 0), time.Time{}, false},
		{"unknown zone", weekdays("09:00", "18:00", 5), "Mars/Olympus", at(4, 12, 0), time.Time{}, false},
	} {
		a := &routing.Agent{ID: "a", Shifts: c.shifts, Timezone: c.tz}
		got, ok := a.NextShiftStart(c.now)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("%s: %v %v, want %v %v", c.name, got, ok, c.want, c.ok)
		}
	}
}
