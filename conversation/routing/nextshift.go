package routing

import "time"

// Writes reports whether the agent writes base language lang well enough to be routed
// conversations in it (level 2 or better, the router's default minimum).
func (a *Agent) Writes(lang string) bool {
	return a.level(baseLanguage(lang)) >= 2
}

// NextShiftStart is the first moment after at when one of the agent's shifts starts, read in
// the agent's time zone; ok is false for an agent without shifts (always on shift, so no
// start to wait for) or whose time zone cannot be loaded. It looks eight days ahead.
func (a *Agent) NextShiftStart(at time.Time) (time.Time, bool) {
	if len(a.Shifts) == 0 {
		return time.Time{}, false
	}
	loc, err := time.LoadLocation(a.Timezone)
	if err != nil {
		return time.Time{}, false
	}
	local := at.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	var best time.Time
	for d := range 9 {
		date := day.AddDate(0, 0, d)
		wd := int(date.Weekday())
		if wd == 0 {
			wd = 7
		}
		for _, s := range a.Shifts {
			start, _, err := shiftMinutes(s)
			if err != nil || s.Weekday != wd {
				continue
			}
			t := time.Date(date.Year(), date.Month(), date.Day(), start/60, start%60, 0, 0, loc)
			// A shift that runs on from the previous day's "24:00" is not a start.
			if start == 0 && onShift(a.Shifts, loc, t.Add(-time.Minute)) {
				continue
			}
			if t.After(at) && (best.IsZero() || t.Before(best)) {
				best = t
			}
		}
		if !best.IsZero() {
			return best, true
		}
	}
	return time.Time{}, false
}
