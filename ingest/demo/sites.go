package demo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/forecasting/staffing"
	"github.com/meridian-cs/meridian/models"
)

// The demo's sites work the generator's human day (08:00–18:00 local, as Generator.onShift)
// on weekdays and, since the generator's customers write at weekends too (weekendCurve),
// a shorter day around the weekend's busy hours (10:00–16:00 local) on the weekend of the
// site's market (Friday and Saturday in Saudi Arabia). Every site costs the same per
// agent-hour, so that a cost difference between plans is a difference in staffed hours.
const (
	siteStartHour, siteEndHour       = 8, 18
	weekendStartHour, weekendEndHour = 10, 16
	siteCostPerHour                  = 30.0
)

// Site is a staffing site of the demo: the agents of one residency region seated in one
// time zone (the demo seats each market's agents in the market's zone), working a local
// day shift and answering Languages (base languages).
type Site struct {
	Name, Region, Timezone string
	Languages              []string
	Weekend                [2]time.Weekday // the site's local weekend
}

// SiteName names the site of an agent of region in timezone.
func SiteName(region, timezone string) string {
	return strings.ToLower(region) + "/" + timezone
}

// Sites groups agents into sites by region and time zone; a site answers every language
// its agents write at minLevel or better. The biggest markets' sites come first (then by
// name): the follow-the-sun plan gives an hour to the first of equally costly sites on
// shift, so a language goes to the site of its biggest market, such as English to London
// rather than Dublin.
func Sites(agents []conversation.Agent, minLevel int) []Site {
	by := map[string]*Site{}
	var names []string
	for _, a := range agents {
		name := SiteName(a.Region, a.Timezone)
		s := by[name]
		if s == nil {
			s = &Site{Name: name, Region: strings.ToLower(a.Region), Timezone: a.Timezone, Weekend: zoneWeekend(a.Timezone)}
			by[name] = s
			names = append(names, name)
		}
		for tag, lvl := range a.Languages {
			if b := models.BaseLanguage(tag); lvl >= minLevel && !slices.Contains(s.Languages, b) {
				s.Languages = append(s.Languages, b)
			}
		}
	}
	slices.SortFunc(names, func(x, y string) int {
		return cmp.Or(cmp.Compare(zoneWeight(by[y].Timezone), zoneWeight(by[x].Timezone)), strings.Compare(x, y))
	})
	out := make([]Site, 0, len(names))
	for _, name := range names {
		s := *by[name]
		slices.Sort(s.Languages)
		out = append(out, s)
	}
	return out
}

// zoneWeight is the traffic weight of the markets seated in a time zone.
func zoneWeight(tz string) float64 {
	var w float64
	for _, m := range markets {
		if m.zones[0].name == tz {
			w += m.weight
		}
	}
	return w
}

// zoneWeekend is the weekend of the market seated in a time zone (Saturday and Sunday for
// a zone of no market).
func zoneWeekend(tz string) [2]time.Weekday {
	for _, m := range markets {
		for _, z := range m.zones {
			if z.name == tz {
				return m.weekend
			}
		}
	}
	return satSun
}

// Staffing is the site as the follow-the-sun plan's staffing regions, both named after the
// site: its weekday shift and its weekend shift.
func (s Site) Staffing() ([]staffing.Region, error) {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", s.Name, err)
	}
	var weekdays []time.Weekday
	for d := time.Sunday; d <= time.Saturday; d++ {
		if d != s.Weekend[0] && d != s.Weekend[1] {
			weekdays = append(weekdays, d)
		}
	}
	return []staffing.Region{
		{Name: s.Name, Location: loc, StartHour: siteStartHour, EndHour: siteEndHour, Days: weekdays, CostPerHour: siteCostPerHour, Languages: s.Languages},
		{Name: s.Name, Location: loc, StartHour: weekendStartHour, EndHour: weekendEndHour, Days: s.Weekend[:], CostPerHour: siteCostPerHour, Languages: s.Languages},
	}, nil
}
