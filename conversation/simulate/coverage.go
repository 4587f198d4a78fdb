package simulate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/forecasting/staffing"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
)

// Market is one country of the traffic with its main language and residency region, as
// the arrivals show them.
type Market struct {
	Country, Language, Region string
	Contacts                  int // handed to a human in the week
}

// Markets lists the countries of arrivals, each with its most frequent base language,
// biggest first.
func Markets(arrivals []Arrival) []Market {
	type acc struct {
		region string
		n      int
		langs  map[string]int
	}
	by := map[string]*acc{}
	for _, a := range arrivals {
		x := by[a.Country]
		if x == nil {
			x = &acc{region: a.Region, langs: map[string]int{}}
			by[a.Country] = x
		}
		x.n++
		x.langs[models.BaseLanguage(a.Language)]++
	}
	var out []Market
	for country, x := range by {
		m := Market{Country: country, Region: x.region, Contacts: x.n}
		best := -1
		for _, l := range sortedKeys(x.langs) {
			if x.langs[l] > best {
				m.Language, best = l, x.langs[l]
			}
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(x, y Market) int {
		return cmp.Or(cmp.Compare(y.Contacts, x.Contacts), strings.Compare(x.Country, y.Country))
	})
	return out
}

// Coverage is the hours in a week during which a human who speaks a market's language
// (at the router's minimum level, 2) is on shift.
type Coverage struct {
	Market
	// Own: an agent of the market's region, on the agents' own shifts (the router is
	// region-scoped, so these are the hours a conversation can reach a person today).
	Own float64
	// FollowTheSun: an agent of any region, on the same shifts (hand-off to the next
	// region on shift that speaks the language).
	FollowTheSun float64
	// PlanOwn and PlanFollowTheSun are the hours of the forecasting follow-the-sun plan
	// (staffing.FollowTheSun) whose sites each answer only their own markets, and
	// answer every language their agents speak.
	PlanOwn, PlanFollowTheSun float64
}

// ShiftCoverage measures Own and FollowTheSun for markets over the week from start,
// hour by hour (a shift covering the half hour counts the hour).
func ShiftCoverage(markets []Market, agents []*routing.Agent, start time.Time) []Coverage {
	const hours = 7 * 24
	on := make([][hours]bool, len(agents))
	for i, a := range agents {
		for h := range hours {
			on[i][h] = a.OnShift(start.Add(time.Duration(h)*time.Hour + 30*time.Minute))
		}
	}
	out := make([]Coverage, len(markets))
	for k, m := range markets {
		out[k].Market = m
		for h := range hours {
			own, any := false, false
			for i, a := range agents {
				if on[i][h] && levelOf(a, m.Language) >= 2 {
					any = true
					own = own || strings.EqualFold(a.Region, m.Region)
				}
			}
			if own {
				out[k].Own++
			}
			if any {
				out[k].FollowTheSun++
			}
		}
	}
	return out
}

// Sites are the demo's staffing sites (demo.Sites: region and time zone, a local day
// shift on weekdays and a shorter one at weekends, one cost per hour, so that a cost
// difference is a difference in staffed hours) of agents; a site answers every language
// its agents speak at level 2 or better.
func Sites(agents []*routing.Agent) []demo.Site {
	as := make([]conversation.Agent, len(agents))
	for i, a := range agents {
		as[i] = conversation.Agent{Region: a.Region, Timezone: a.Timezone, Languages: a.Languages}
	}
	return demo.Sites(as, 2)
}

// PlanResult is a follow-the-sun plan's cost against its sites-on-their-own baseline.
type PlanResult struct {
	Cost, OwnCost                 float64
	ServiceLevel, OwnServiceLevel float64
	HumanContacts, OwnHuman       float64
}

// PlanCoverage runs the forecasting follow-the-sun plan over the week's demand (the
// arrivals per market and hour) twice: each region's sites answering only its own
// markets (a plan per region), and every site answering, for any market, the languages
// its agents speak. It fills PlanOwn and PlanFollowTheSun of cov (hours per week) and
// returns the costs. opt gives the queue and the target for Erlang staffing.
func PlanCoverage(ctx context.Context, cov []Coverage, arrivals []Arrival, sites []demo.Site, start time.Time, opt staffing.PlanOptions) (PlanResult, error) {
	const hours = 7 * 24
	idx := map[string]int{}
	demand := make([]staffing.Demand, len(cov))
	for k, c := range cov {
		idx[c.Country] = k
		demand[k] = staffing.Demand{Market: c.Country, Language: c.Language, Start: start, Step: time.Hour, Contacts: make([]float64, hours)}
	}
	for _, a := range arrivals {
		h := int(a.At.Sub(start) / time.Hour)
		if k, ok := idx[a.Country]; ok && h >= 0 && h < hours {
			demand[k].Contacts[h]++
		}
	}
	var all []staffing.Region
	regionOf := map[string]string{}
	for _, s := range sites {
		rs, err := s.Staffing()
		if err != nil {
			return PlanResult{}, fmt.Errorf("simulate: %w", err)
		}
		all = append(all, rs...)
		regionOf[s.Name] = s.Region
	}
	var res PlanResult
	fts, err := staffing.FollowTheSun(ctx, all, demand, opt)
	if err != nil {
		return PlanResult{}, fmt.Errorf("simulate: follow-the-sun plan: %w", err)
	}
	res.Cost, res.ServiceLevel, res.HumanContacts = fts.Cost, fts.ServiceLevel, fts.HumanContacts
	var slWeighted float64
	for _, region := range sortedKeys(setOf(regionOf)) {
		var own []staffing.Region
		for _, r := range all {
			if regionOf[r.Name] == region {
				own = append(own, r)
			}
		}
		var ds []staffing.Demand
		for k, c := range cov {
			if strings.EqualFold(c.Region, region) {
				ds = append(ds, demand[k])
			}
		}
		if len(ds) == 0 {
			continue
		}
		plan, err := staffing.FollowTheSun(ctx, own, ds, opt)
		if err != nil {
			return PlanResult{}, fmt.Errorf("simulate: region %s on its own: %w", region, err)
		}
		res.OwnCost += plan.Cost
		res.OwnHuman += plan.HumanContacts
		slWeighted += plan.ServiceLevel * plan.HumanContacts
		for _, d := range ds {
			cov[idx[d.Market]].PlanOwn = plan.CoverageHours[d.Market] * 7
		}
	}
	if res.OwnHuman > 0 {
		res.OwnServiceLevel = slWeighted / res.OwnHuman
	}
	for k := range cov {
		cov[k].PlanFollowTheSun = fts.CoverageHours[cov[k].Country] * 7
	}
	return res, nil
}

func setOf(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, v := range m {
		out[v] = true
	}
	return out
}

// PlanOptionsFor are the Erlang staffing assumptions of the simulation's plans: a messaging
// agent holds about five conversations at once, so a conversation takes a fifth of its
// handling time (aht, the mean Handle of the arrivals, is divided by five); patience
// 20 minutes; 80% answered within 5 minutes; occupancy at most 85%; shrinkage 30%.
func PlanOptionsFor(arrivals []Arrival) staffing.PlanOptions {
	var handle time.Duration
	for _, a := range arrivals {
		handle += a.Handle
	}
	aht := (handle / time.Duration(max(1, len(arrivals)))).Seconds() / 5
	return staffing.PlanOptions{AHTSeconds: aht, PatienceSeconds: 1200,
		Target: staffing.Target{ServiceLevel: 0.8, AnswerSeconds: 300, MaxOccupancy: 0.85, Shrinkage: 0.3}}
}
