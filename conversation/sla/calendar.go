package sla

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Calendar is the working time a rule's targets count in: weekly hours in a time zone, less
// holidays. A rule without a calendar counts every hour.
type Calendar struct {
	// Location is the time zone of Hours and Holidays; nil means UTC.
	Location *time.Location
	// Hours are the weekly working hours. An empty list means no restriction.
	Hours []Hours
	// Holidays are local dates without working hours. A span that starts the day before and
	// runs past midnight still ends as scheduled.
	Holidays []Date
}

// Hours is one weekly span of working time, as the agent shifts are written.
type Hours struct {
	// Weekday is 1 (Monday) to 7 (Sunday).
	Weekday int
	// Start and End are offsets from local midnight; End 24h is the end of the day, and an
	// End not after Start runs past midnight into the next day (22:00 to 06:00).
	Start, End time.Duration
}

// Date is a local calendar date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// calendarHorizon is how far ahead a calendar is searched for working time; a calendar
// closed longer than that is treated as closed for good.
const calendarHorizon = 60

func (c *Calendar) always() bool { return c == nil || len(c.Hours) == 0 }

func (c *Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Open reports whether t falls in working time.
func (c *Calendar) Open(t time.Time) bool {
	open, _ := c.span(t)
	return open
}

func (c *Calendar) holiday(y int, m time.Month, d int) bool {
	return slices.Contains(c.Holidays, Date{y, m, d})
}

// span reports whether t is in working time and until when that lasts: the end of the
// (merged) working span, or the start of the next one; a zero until means forever.
func (c *Calendar) span(t time.Time) (open bool, until time.Time) {
	if c.always() {
		return true, time.Time{}
	}
	loc := c.loc()
	y, m, d := t.In(loc).Date()
	var end time.Time
	// Spans are visited in order of start, from the day before (a span can run past
	// midnight, never past the next one).
	for i := -1; i <= calendarHorizon; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		dy, dm, dd := day.Date()
		if c.holiday(dy, dm, dd) {
			continue
		}
		wd := int(day.Weekday())
		if wd == 0 {
			wd = 7
		}
		for _, h := range c.Hours {
			if h.Weekday != wd {
				continue
			}
			s := clockTime(dy, dm, dd, h.Start, loc)
			e := clockTime(dy, dm, dd, h.End, loc)
			if h.End <= h.Start {
				e = clockTime(dy, dm, dd+1, h.End, loc)
			}
			if !e.After(s) {
				continue // swallowed by a clock change
			}
			switch {
			case open && !s.After(end):
				end = later(end, e)
			case open:
				return true, end
			case e.After(t) && !s.After(t):
				open, end = true, e
			case e.After(t):
				if until.IsZero() || s.Before(until) {
					until = s
				}
			}
		}
		if !open && !until.IsZero() {
			return false, until
		}
	}
	if open {
		return true, end
	}
	return false, until
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func clockTime(y int, m time.Month, d int, off time.Duration, loc *time.Location) time.Time {
	return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, loc)
}

// yamlCalendar is a calendar as written in a policy file.
type yamlCalendar struct {
	TimeZone string      `yaml:"timezone"`
	Hours    []yamlHours `yaml:"hours"`
	Holidays []string    `yaml:"holidays"`
}

type yamlHours struct {
	Weekday int    `yaml:"weekday"`
	Start   string `yaml:"start"`
	End     string `yaml:"end"`
}

// maxHours and maxHolidays bound a calendar; span scans them for every day it looks at.
const (
	maxHours    = 64
	maxHolidays = 1000
)

func (yc *yamlCalendar) calendar() (*Calendar, error) {
	c := &Calendar{Location: time.UTC}
	if tz := strings.TrimSpace(yc.TimeZone); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("timezone %q: %w", tz, err)
		}
		c.Location = loc
	}
	if len(yc.Hours) == 0 {
		return nil, fmt.Errorf("a calendar needs hours")
	}
	if len(yc.Hours) > maxHours || len(yc.Holidays) > maxHolidays {
		return nil, fmt.Errorf("at most %d hours and %d holidays", maxHours, maxHolidays)
	}
	for i, yh := range yc.Hours {
		if yh.Weekday < 1 || yh.Weekday > 7 {
			return nil, fmt.Errorf("hours[%d]: weekday %d: want 1 (Monday) to 7 (Sunday)", i, yh.Weekday)
		}
		s, err := parseClock(yh.Start, false)
		if err != nil {
			return nil, fmt.Errorf("hours[%d]: start: %w", i, err)
		}
		e, err := parseClock(yh.End, true)
		if err != nil {
			return nil, fmt.Errorf("hours[%d]: end: %w", i, err)
		}
		if s == e {
			return nil, fmt.Errorf("hours[%d]: start and end are both %s: write 00:00 to 24:00 for a whole day", i, yh.Start)
		}
		c.Hours = append(c.Hours, Hours{Weekday: yh.Weekday, Start: s, End: e})
	}
	// Sorted, so that span merges a day's adjacent hours in one pass.
	slices.SortFunc(c.Hours, func(a, b Hours) int { return cmp.Or(cmp.Compare(a.Weekday, b.Weekday), cmp.Compare(a.Start, b.Start)) })
	for i, h := range yc.Holidays {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(h))
		if err != nil {
			return nil, fmt.Errorf("holidays[%d]: %q: want YYYY-MM-DD", i, h)
		}
		c.Holidays = append(c.Holidays, Date{t.Year(), t.Month(), t.Day()})
	}
	return c, nil
}

// parseClock reads "HH:MM"; "24:00" only as an end.
func parseClock(s string, end bool) (time.Duration, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || len(hh) != 2 || len(mm) != 2 || err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && (m != 0 || !end) {
		if end {
			return 0, fmt.Errorf("%q: want HH:MM from 00:00 to 24:00", s)
		}
		return 0, fmt.Errorf("%q: want HH:MM from 00:00 to 23:59", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}
