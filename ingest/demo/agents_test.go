package demo

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/models"
)

// Every region has agents, every agent is valid and has a shift, and the same arguments
// give the same agents.
func TestDemoAgentsAreValidAndDeterministic(t *testing.T) {
	pol := models.DefaultPolicy()
	as, err := Agents(pol, 1000)
	if err != nil {
		t.Fatal(err)
	}
	byRegion := map[string]int{}
	for i := range as {
		a := as[i]
		a.Normalize()
		if err := a.Validate(func(r string) bool { return pol.Has(models.Region(r)) }); err != nil {
			t.Fatalf("agent %s: %v", a.ID, err)
		}
		if len(a.Shifts) == 0 {
			t.Errorf("agent %s has no shift", a.ID)
		}
		byRegion[a.Region]++
	}
	for _, r := range pol.Regions {
		if byRegion[string(r)] < 5 {
			t.Errorf("region %s has %d agents", r, byRegion[string(r)])
		}
	}
	again, err := Agents(pol, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(as, again) {
		t.Error("two calls with the same arguments gave different agents")
	}
	busier, err := Agents(pol, 20000)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(as, busier) {
		t.Error("twenty times the traffic gave the same shifts")
	}
}

// The shifts are the follow-the-sun plan's, whose staffing units are sites (a region's
// agents in one time zone): in every hour the plan gives a site a language, the first N of
// the site's agents for it are on shift (N the plan's scheduled agents, at least one) and
// the others are not; in hours the plan gives the language to another site or to AI, none
// of them is; an agent the plan never needs works hours the plan gives its site for its
// language; every region gets hours; and every agent works daytime
// (06:00–22:00) in their own time zone.
func TestDemoAgentsShiftsFollowThePlan(t *testing.T) {
	pol := models.DefaultPolicy()
	for _, rate := range []float64{300, 1000, 20000} {
		as, err := Agents(pol, rate)
		if err != nil {
			t.Fatal(err)
		}
		bare, langs := roster(pol)
		plans, err := staffingPlan(pol, rate, bare)
		if err != nil {
			t.Fatal(err)
		}
		team := map[string][]int{}
		for i, a := range as {
			k := SiteName(a.Region, a.Timezone) + "/" + langs[i]
			team[k] = append(team[k], i)
		}
		type slot struct {
			site string
			n    int
		}
		given := map[string][]slot{} // region/language → hour → site and scheduled agents
		maxN := map[string]int{}
		regionHours := map[string]int{}
		for region, plan := range plans {
			for _, a := range plan.Assignments {
				h := int(a.Start.Sub(staffWeek) / time.Hour)
				k := region + "/" + a.Language
				if given[k] == nil {
					given[k] = make([]slot, weekHours)
				}
				given[k][h] = slot{a.Region, a.Scheduled}
				if a.Region != "" {
					if !strings.HasPrefix(a.Region, region+"/") {
						t.Fatalf("rate %v: region %s's plan gives %s to site %s", rate, region, a.Language, a.Region)
					}
					maxN[a.Region+"/"+a.Language] = max(maxN[a.Region+"/"+a.Language], max(1, a.Scheduled))
					regionHours[region]++
				}
			}
		}
		for _, r := range pol.Regions {
			if regionHours[string(r)] == 0 {
				t.Errorf("rate %v: the plan gives region %s no hour", rate, r)
			}
		}

		for k, idx := range team {
			site, lang := k[:strings.LastIndex(k, "/")], k[strings.LastIndex(k, "/")+1:]
			for pos, i := range idx {
				a := as[i]
				loc, err := time.LoadLocation(a.Timezone)
				if err != nil {
					t.Fatal(err)
				}
				spare := pos >= maxN[k]
				worked := 0
				for h := range weekHours {
					at := staffWeek.Add(time.Duration(h)*time.Hour + 30*time.Minute)
					on := a.OnShift(at)
					s := given[a.Region+"/"+lang][h]
					if on {
						worked++
						if lh := at.In(loc).Hour(); lh < 6 || lh >= 22 {
							t.Fatalf("rate %v: %s on shift at %s, %s in %s", rate, a.ID, at, at.In(loc).Format("Mon 15:04"), a.Timezone)
						}
					}
					switch {
					case s.site != site && on && (maxN[k] > 0 || !spare):
						t.Fatalf("rate %v: %s on shift at %s, which the plan gives to %q", rate, a.ID, at, s.site)
					case s.site == site && !spare && on != (pos < max(1, s.n)):
						t.Fatalf("rate %v: %s (%d. of %s) on shift %v at %s; the plan schedules %d", rate, a.ID, pos+1, k, on, at, s.n)
					}
				}
				if worked == 0 || spare && worked > spareHours {
					t.Errorf("rate %v: %s (%d. of %s, spare %v) works %d hours", rate, a.ID, pos+1, k, spare, worked)
				}
			}
		}
		// Every hour the plan gives a site has one of the site's agents for the language.
		for k, hours := range given {
			lang := k[strings.LastIndex(k, "/")+1:]
			for h, s := range hours {
				if s.site == "" {
					continue
				}
				at := staffWeek.Add(time.Duration(h)*time.Hour + 30*time.Minute)
				if !slices.ContainsFunc(team[s.site+"/"+lang], func(i int) bool { return as[i].OnShift(at) }) {
					t.Fatalf("rate %v: the plan gives %s %s at %s, nobody of it on shift", rate, s.site, lang, at)
				}
			}
		}
	}
}

// A shift never crosses midnight, and one agent's shifts of a day never touch.
func TestDemoAgentsShiftsAreMergedPerDay(t *testing.T) {
	as, err := Agents(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		last := map[int]string{}
		for _, s := range a.Shifts {
			if err := (conversation.Shift{Weekday: s.Weekday, Start: s.Start, End: s.End}).Validate(); err != nil || s.End <= s.Start {
				t.Fatalf("%s: shift %+v: %v", a.ID, s, err)
			}
			if e, ok := last[s.Weekday]; ok && e >= s.Start {
				t.Fatalf("%s: shift %+v touches the one before, ending %s", a.ID, s, e)
			}
			last[s.Weekday] = s.End
		}
	}
}
