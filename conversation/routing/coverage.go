package routing

import (
	"slices"
	"strings"
	"time"
)

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

// Coverage is how many hours of a week a market (a region's customers writing a language)
// has a person on shift for it.
type Coverage struct {
	Region, Language string
	// Hours: an agent of the region writing the language is on shift.
	Hours float64
	// FollowTheSunHours: an agent of any region writing the language is on shift (the
	// region's conversations are handed to whichever region is on shift).
	FollowTheSunHours float64
}

// coverageStep is the resolution of Covered: shifts are set in whole minutes, and in practice
// on quarter hours.
const coverageStep = 15 * time.Minute

// Covered computes, over the week that starts at weekStart, the covered hours of every market
// (region × language written by one of its agents), from the agents' shifts alone: presence
// is live and not planned, so it is not counted. Agents without shifts cover the whole week.
// The result is sorted by region, then language.
func Covered(agents []*Agent, weekStart time.Time) []Coverage {
	type market struct{ region, lang string }
	slots := int(7 * 24 * time.Hour / coverageStep)
	byMarket := map[market][]bool{}
	byLang := map[string][]bool{}
	zones := map[string]*time.Location{}
	for _, a := range agents {
		loc, ok := zones[a.Timezone]
		if !ok {
			loc, _ = time.LoadLocation(a.Timezone)
			zones[a.Timezone] = loc
		}
		var langs []string
		for tag, lvl := range a.Languages {
			if lvl >= 2 && !slices.Contains(langs, baseLanguage(tag)) {
				langs = append(langs, baseLanguage(tag))
			}
		}
		for _, l := range langs {
			m := market{strings.ToLower(a.Region), l}
			if byMarket[m] == nil {
				byMarket[m] = make([]bool, slots)
			}
			if byLang[l] == nil {
				byLang[l] = make([]bool, slots)
			}
		}
		for i := range slots {
			at := weekStart.Add(time.Duration(i) * coverageStep)
			if !onShift(a.Shifts, loc, at) {
				continue
			}
			for _, l := range langs {
				byMarket[market{strings.ToLower(a.Region), l}][i] = true
				byLang[l][i] = true
			}
		}
	}
	hours := func(s []bool) float64 {
		n := 0
		for _, on := range s {
			if on {
				n++
			}
		}
		return float64(n) * coverageStep.Hours()
	}
	out := make([]Coverage, 0, len(byMarket))
	for m, s := range byMarket {
		out = append(out, Coverage{Region: m.region, Language: m.lang, Hours: hours(s), FollowTheSunHours: hours(byLang[m.lang])})
	}
	slices.SortFunc(out, func(x, y Coverage) int {
		if c := strings.Compare(x.Region, y.Region); c != 0 {
			return c
		}
		return strings.Compare(x.Language, y.Language)
	})
	return out
}
