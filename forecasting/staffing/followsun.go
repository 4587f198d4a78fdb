package staffing

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// Region is a team of agents in one place.
type Region struct {
	Name     string
	Location *time.Location
	// StartHour and EndHour bound the daily shift in local time, [StartHour, EndHour); an
	// EndHour below StartHour crosses midnight.
	StartHour, EndHour int
	// Days are the local weekdays on shift; nil means every day.
	Days []time.Weekday
	// CostPerHour is the loaded hourly cost of one scheduled agent.
	CostPerHour float64
	// Languages the region's agents answer in.
	Languages []string
}

// onShift reports whether the region works at t.
func (r Region) onShift(t time.Time) bool {
	lt := t.In(r.Location)
	if r.Days != nil && !slices.Contains(r.Days, lt.Weekday()) {
		return false
	}
	h := lt.Hour()
	if r.StartHour <= r.EndHour {
		return h >= r.StartHour && h < r.EndHour
	}
	return h >= r.StartHour || h < r.EndHour
}

// Demand is the forecast contacts of one market in one language per interval.
type Demand struct {
	Market, Language string
	Start            time.Time
	Step             time.Duration
	Contacts         []float64 // per interval
}

// PlanOptions are the service parameters shared by every queue.
type PlanOptions struct {
	AHTSeconds, PatienceSeconds float64
	Target                      Target
}

// Assignment is who answers one language in one interval.
type Assignment struct {
	Start    time.Time
	Language string
	// Region is the staffing region, or "" when AI covers the interval alone.
	Region    string
	Contacts  float64
	Agents    int
	Scheduled int
	// ServiceLevel is the expected service level (1 for AI-covered intervals).
	ServiceLevel float64
	Cost         float64
}

// MarketPlan is one demand series' part of a plan.
//
// An assignment staffs the pooled demand of every market in its language, so its cost is
// attributed to those markets by their share of its contacts in that interval: a market pays
// for the agents its own contacts need, and the markets' costs add up to the plan's. Contacts
// in an interval are served alike, so a market's service level is the assignment service
// levels weighted by its own human-handled contacts.
type MarketPlan struct {
	Market, Language string
	// CoverageHours is the mean number of hours per day with humans on shift for Language.
	CoverageHours             float64
	Cost                      float64
	HumanContacts, AIContacts float64
	// ServiceLevel is the expected service level of the market's human-handled contacts
	// (0 when people handle none).
	ServiceLevel float64
}

// Plan is a staffing plan over all languages and intervals.
type Plan struct {
	Assignments []Assignment
	// Markets are the demand series' parts of the plan, in the demand's order.
	Markets []MarketPlan
	// CoverageHours is, per market, the mean number of hours per day with humans on shift
	// for its language.
	CoverageHours map[string]float64
	// Cost is the cost of the scheduled agents over the whole plan.
	Cost float64
	// HumanContacts and AIContacts split the demand between people and AI.
	HumanContacts, AIContacts float64
	// ServiceLevel is the expected service level of the human-handled contacts.
	ServiceLevel float64
}

// FollowTheSun assigns every interval and language to the cheapest region on shift that
// speaks it, staffs it with Erlang C (Erlang A with a patience) for the target, and leaves the
// intervals where no such region works to AI. A single region is the office-hours baseline.
// Each demand series gets its share of the plan (see MarketPlan).
// All demand series must share Start, Step and length.
func FollowTheSun(ctx context.Context, regions []Region, demand []Demand, opt PlanOptions) (Plan, error) {
	if len(demand) == 0 {
		return Plan{}, fmt.Errorf("%w: no demand", ErrInvalid)
	}
	if err := opt.Target.Validate(); err != nil {
		return Plan{}, err
	}
	for _, r := range regions {
		if r.Location == nil || r.CostPerHour < 0 || r.StartHour < 0 || r.StartHour > 23 || r.EndHour < 0 || r.EndHour > 24 || r.StartHour == r.EndHour {
			return Plan{}, fmt.Errorf("%w: region %q: want a location, a non-negative cost and a shift of local hours", ErrInvalid, r.Name)
		}
	}
	d0 := demand[0]
	if d0.Step <= 0 {
		return Plan{}, fmt.Errorf("%w: demand %s/%s: step %v", ErrInvalid, d0.Market, d0.Language, d0.Step)
	}
	byLang := map[string][]float64{}
	marketLang := map[string]string{}
	for _, d := range demand {
		if !d.Start.Equal(d0.Start) || d.Step != d0.Step || len(d.Contacts) != len(d0.Contacts) {
			return Plan{}, fmt.Errorf("%w: demand %s/%s does not share the first series' intervals", ErrInvalid, d.Market, d.Language)
		}
		sum := byLang[d.Language]
		if sum == nil {
			sum = make([]float64, len(d.Contacts))
			byLang[d.Language] = sum
		}
		for i, c := range d.Contacts {
			if !(c >= 0) || math.IsInf(c, 0) {
				return Plan{}, fmt.Errorf("%w: demand %s/%s interval %d: %v contacts", ErrInvalid, d.Market, d.Language, i, c)
			}
			sum[i] += c
		}
		marketLang[d.Market] = d.Language
	}
	langs := make([]string, 0, len(byLang))
	for l := range byLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	stepHours := d0.Step.Hours()
	plan := Plan{CoverageHours: map[string]float64{}}
	covered := map[string][]bool{}
	var slWeighted float64
	for _, lang := range langs {
		if err := ctx.Err(); err != nil {
			return Plan{}, err
		}
		cov := make([]bool, len(d0.Contacts))
		covered[lang] = cov
		for i, c := range byLang[lang] {
			t := d0.Start.Add(time.Duration(i) * d0.Step)
			var best *Region
			for k := range regions {
				r := &regions[k]
				if r.onShift(t) && slices.Contains(r.Languages, lang) && (best == nil || r.CostPerHour < best.CostPerHour) {
					best = r
				}
			}
			a := Assignment{Start: t, Language: lang, Contacts: c, ServiceLevel: 1}
			if best == nil {
				plan.AIContacts += c
				plan.Assignments = append(plan.Assignments, a)
				continue
			}
			cov[i] = true
			res, err := Required(Queue{CallsPerHour: c / stepHours, AHTSeconds: opt.AHTSeconds, PatienceSeconds: opt.PatienceSeconds}, opt.Target)
			if err != nil {
				return Plan{}, fmt.Errorf("language %s at %s: %w", lang, t.Format(time.RFC3339), err)
			}
			a.Region, a.Agents, a.Scheduled, a.ServiceLevel = best.Name, res.Agents, res.ScheduledAgents, res.ServiceLevel
			a.Cost = float64(res.ScheduledAgents) * best.CostPerHour * stepHours
			plan.Cost += a.Cost
			plan.HumanContacts += c
			slWeighted += c * res.ServiceLevel
			plan.Assignments = append(plan.Assignments, a)
		}
	}
	days := float64(len(d0.Contacts)) * stepHours / 24
	for m, l := range marketLang {
		n := 0
		for _, c := range covered[l] {
			if c {
				n++
			}
		}
		plan.CoverageHours[m] = float64(n) * stepHours / days
	}
	if plan.HumanContacts > 0 {
		plan.ServiceLevel = slWeighted / plan.HumanContacts
	}
	plan.Markets = marketPlans(plan, demand, byLang, covered, stepHours/days)
	return plan, nil
}

// marketPlans attributes the assignments to the demand series (see MarketPlan); byLang is
// the pooled demand per language and hoursPerDay the coverage hours of one covered interval.
func marketPlans(plan Plan, demand []Demand, byLang map[string][]float64, covered map[string][]bool, hoursPerDay float64) []MarketPlan {
	// Assignments run language by language, interval by interval.
	first := map[string]int{}
	for k, a := range plan.Assignments {
		if _, ok := first[a.Language]; !ok {
			first[a.Language] = k
		}
	}
	out := make([]MarketPlan, len(demand))
	for j, d := range demand {
		m := MarketPlan{Market: d.Market, Language: d.Language}
		pooled, as := byLang[d.Language], plan.Assignments[first[d.Language]:]
		var slWeighted float64
		for i, c := range d.Contacts {
			a := as[i]
			if covered[d.Language][i] {
				m.CoverageHours += hoursPerDay
			}
			if a.Region == "" {
				m.AIContacts += c
				continue
			}
			m.HumanContacts += c
			slWeighted += c * a.ServiceLevel
			if pooled[i] > 0 {
				m.Cost += a.Cost * c / pooled[i]
			}
		}
		if m.HumanContacts > 0 {
			m.ServiceLevel = slWeighted / m.HumanContacts
		}
		out[j] = m
	}
	return out
}
