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

// The shifts are the follow-the-sun plan's: in every hour the plan gives a region a
// language, the first N of the region's agents for it are on shift (N the plan's scheduled
// agents, at least one) and the others are not; in hours the plan gives the language to
// another region or to AI, none of them is; an agent the plan never needs works hours the
// plan gives its region for its language.
func TestDemoAgentsShiftsFollowThePlan(t *testing.T) {
	pol := models.DefaultPolicy()
	for _, rate := range []float64{300, 1000, 20000} {
		as, err := Agents(pol, rate)
		if err != nil {
			t.Fatal(err)
		}
		bare, langs := roster(pol)
		plan, err := staffingPlan(pol, rate, bare, langs)
		if err != nil {
			t.Fatal(err)
		}
		team := map[string][]int{}
		for i, a := range as {
			team[a.Region+"/"+langs[i]] = append(team[a.Region+"/"+langs[i]], i)
		}
		type slot struct {
			region string
			n      int
		}
		given := map[string][]slot{} // language → hour → region and scheduled agents
		maxN := map[string]int{}
		regionHours := map[string]int{}
		for _, a := range plan.Assignments {
			h := int(a.Start.Sub(staffWeek) / time.Hour)
			if given[a.Language] == nil {
				given[a.Language] = make([]slot, weekHours)
			}
			given[a.Language][h] = slot{a.Region, a.Scheduled}
			if a.Region != "" {
				maxN[a.Region+"/"+a.Language] = max(maxN[a.Region+"/"+a.Language], max(1, a.Scheduled))
				regionHours[a.Region]++
			}
		}
		for _, r := range pol.Regions {
			if regionHours[string(r)] == 0 {
				t.Errorf("rate %v: the plan gives region %s no hour", rate, r)
			}
		}
		for k, idx := range team {
			region, lang, _ := strings.Cut(k, "/")
			for pos, i := range idx {
				a := as[i]
				spare := pos >= maxN[k]
				worked := 0
				for h := range weekHours {
					at := staffWeek.Add(time.Duration(h)*time.Hour + 30*time.Minute)
					on := a.OnShift(at)
					s := given[lang][h]
					if on {
						worked++
					}
					switch {
					case s.region != region && on && (maxN[k] > 0 || !spare):
						t.Fatalf("rate %v: %s on shift at %s, which the plan gives to %q", rate, a.ID, at, s.region)
					case s.region == region && !spare && on != (pos < max(1, s.n)):
						t.Fatalf("rate %v: %s (%d. of %s) on shift %v at %s; the plan schedules %d", rate, a.ID, pos+1, k, on, at, s.n)
					}
				}
				if worked == 0 || spare && worked > spareHours {
					t.Errorf("rate %v: %s (%d. of %s, spare %v) works %d hours", rate, a.ID, pos+1, k, spare, worked)
				}
			}
		}
		// Every hour the plan gives a region has one of the region's agents for the language.
		for lang, hours := range given {
			for h, s := range hours {
				if s.region == "" {
					continue
				}
				at := staffWeek.Add(time.Duration(h)*time.Hour + 30*time.Minute)
				if !slices.ContainsFunc(team[s.region+"/"+lang], func(i int) bool { return as[i].OnShift(at) }) {
					t.Fatalf("rate %v: the plan gives %s %s at %s, nobody of it on shift", rate, s.region, lang, at)
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
