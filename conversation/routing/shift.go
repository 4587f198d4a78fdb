package routing

import (
	"fmt"
	"time"
)

// Shift is one weekly working period in the agent's own time zone. Start and End are
// wall-clock times "HH:MM"; End "24:00" is the end of the day. A shift never crosses
// midnight: a night shift is two shifts, "22:00"–"24:00" on one day and "00:00"–"06:00"
// on the next.
type Shift struct {
	Weekday    int    // 1 = Monday … 7 = Sunday (ISO 8601)
	Start, End string // "09:00", "17:00"; "24:00" only as End
}

// ParseShift checks a shift: weekday 1..7, times "HH:MM" from "00:00" to "23:59" ("24:00"
// allowed as End only), and End after Start.
func ParseShift(s Shift) error {
	_, _, err := shiftMinutes(s)
	return err
}

// shiftMinutes returns the shift as minutes since local midnight, [start, end).
func shiftMinutes(s Shift) (start, end int, err error) {
	if s.Weekday < 1 || s.Weekday > 7 {
		return 0, 0, fmt.Errorf("routing: shift weekday %d: want 1 (Monday) to 7 (Sunday)", s.Weekday)
	}
	start, ok := clock(s.Start)
	if !ok || start == 24*60 {
		return 0, 0, fmt.Errorf("routing: shift start %q: want HH:MM from 00:00 to 23:59", s.Start)
	}
	end, ok = clock(s.End)
	if !ok {
		return 0, 0, fmt.Errorf("routing: shift end %q: want HH:MM from 00:01 to 24:00", s.End)
	}
	if end <= start {
		return 0, 0, fmt.Errorf("routing: shift %s–%s ends before it starts (split a night shift in two at 24:00)", s.Start, s.End)
	}
	return start, end, nil
}

// clock parses "HH:MM" (exactly five bytes, 00:00..24:00) into minutes since midnight
// without allocating, since it runs for every shift of every agent on every decision.
func clock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range [4]int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// onShift reports whether the local wall-clock time of at in loc falls in one of shifts.
// Shifts are wall-clock times, so on a day when clocks change a "09:00"–"17:00" shift still
// runs from nine to five as the agent's watch shows it (and a "00:00"–"24:00" shift lasts
// 23 or 25 hours). Invalid shifts never match.
func onShift(shifts []Shift, loc *time.Location, at time.Time) bool {
	if len(shifts) == 0 {
		return true
	}
	if loc == nil {
		return false
	}
	t := at.In(loc)
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	m := t.Hour()*60 + t.Minute()
	for _, s := range shifts {
		if s.Weekday != wd {
			continue
		}
		start, end, err := shiftMinutes(s)
		if err == nil && start <= m && m < end {
			return true
		}
	}
	return false
}
