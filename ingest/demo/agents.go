package demo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/forecasting/staffing"
	"github.com/meridian-cs/meridian/models"
)

// agentNames are given names for the demo's agents, by language.
var agentNames = map[string][]string{
	"de": {"Lena Vogel", "Jonas Brandt", "Mia Keller"}, "fr": {"Camille Martin", "Hugo Lefèvre"}, "es": {"Lucía García", "Diego Romero", "Sofía Navarro"},
	"it": {"Giulia Conti", "Marco Ricci"}, "nl": {"Sanne de Vries"}, "en": {"Olivia Hughes", "James Carter", "Emily Brooks", "Noah Bennett", "Grace Lim"},
	"sv": {"Elin Lindqvist"}, "pl": {"Zofia Nowak"}, "pt": {"Ana Souza", "Lucas Ferreira"}, "ms": {"Nurul Aisyah"},
	"zh": {"Wang Fang", "Lin Yu-ting", "Chen Wei"}, "th": {"Suda Chaiyaporn", "Niran Wongsa"}, "id": {"Putri Lestari", "Budi Santoso"},
	"vi": {"Nguyen Thi Mai"}, "ja": {"Hiro Tanaka", "Yui Sato"}, "ko": {"Kim Min-ji", "Park Ji-hoon"}, "ar": {"Layla Haddad", "Omar Al-Farsi"},
}

// The demo's staffing assumptions for the follow-the-sun plan that sets its agents' shifts:
// the plan's staffing units are the demo's sites (Sites: a region's agents in one time
// zone, each answering its agents' team languages, on a local day shift); a messaging
// agent holds several conversations at once, so a ten-minute conversation costs about two
// minutes of an agent; 80% answered within five minutes.
var (
	staffPlan = staffing.PlanOptions{AHTSeconds: 120, PatienceSeconds: 1200,
		Target: staffing.Target{ServiceLevel: 0.8, AnswerSeconds: 300, MaxOccupancy: 0.85, Shrinkage: 0.3}}
	// staffWeek is the week the plan is made for: a winter week, so that no clock changes
	// inside it and every hour of the week is one local hour of each agent.
	staffWeek = time.Date(2024, 1, 8, 0, 0, 0, 0, time.UTC)
)

const (
	weekHours = 7 * 24
	// spareHours is the week of an agent the plan does not need: a full-time week of the
	// site's busiest hours, so that every screen has people in it.
	spareHours = 40
	// teamLevel is the level of an agent's team language (native): a site answers those.
	teamLevel = 5
)

// Agents are the demo tenant's agents: for every market, people who write its languages
// (native, and English as a second), in the market's region and time zone, with the demo's
// skills spread among them and a VIP desk in the biggest markets. Their weekly shifts come
// from a follow-the-sun plan (staffing.FollowTheSun) over a week of the generator's expected
// hand-overs to humans at messagesPerHour (≤ 0: the generator's default), whose staffing
// units are the agents' sites (Sites: region and time zone, 08:00–18:00 local on weekdays,
// 10:00–16:00 on the market's weekend, one cost per hour), so every agent works daytime in
// their own time zone: in every hour the plan gives a site a language and schedules N
// agents, the first N of the site's agents for that language are on shift (at least one);
// agents the plan never needs work the 40 busiest hours the plan gives their site for
// their language (else for anything). The result is a pure function of its arguments.
func Agents(policy *models.ResidencyPolicy, messagesPerHour float64) ([]conversation.Agent, error) {
	if policy == nil {
		policy = models.DefaultPolicy()
	}
	out, langs := roster(policy)
	plans, err := staffingPlan(policy, messagesPerHour, out)
	if err != nil {
		return nil, fmt.Errorf("demo agents: %w", err)
	}
	on := onShiftHours(plans, out, langs)
	for i := range out {
		loc, err := time.LoadLocation(out[i].Timezone)
		if err != nil {
			return nil, fmt.Errorf("demo agents: %w", err)
		}
		out[i].Shifts = weeklyShifts(on[i], loc)
	}
	return out, nil
}

// roster lists the agents without shifts, with each one's language (its team's).
func roster(policy *models.ResidencyPolicy) ([]conversation.Agent, []string) {
	var out []conversation.Agent
	var langs []string
	seen := map[string]bool{}
	for _, m := range markets {
		region := string(policy.RegionFor(m.country))
		for _, l := range m.locales {
			lang, _, _ := strings.Cut(corpusKey(l.v), "-")
			names := agentNames[lang]
			if len(names) == 0 {
				continue
			}
			n := 1
			if m.weight >= 5 {
				n = min(len(names), 3)
			} else if m.weight >= 3 {
				n = min(len(names), 2)
			}
			for i := range n {
				id := "agt-" + strings.ToLower(m.country) + "-" + lang + "-" + string(rune('1'+i))
				if seen[id] {
					continue
				}
				seen[id] = true
				a := conversation.Agent{ID: id, Name: names[i%len(names)], Region: region, Team: region + "-" + lang,
					Languages: map[string]int{lang: 5}, MaxConcurrent: 4 + i%3, Capacity: map[string]int{"email": 8},
					Timezone: m.zones[0].name, Skills: []string{}, Tiers: []string{}}
				if lang != "en" {
					a.Languages["en"] = 4 - i%2
				}
				if i > 0 { // the first of each market takes anything; the others have a speciality
					a.Skills = []string{intentSkill[(len(out)+i)%len(intentSkill)], "retention"}
				}
				if i == 2 {
					a.Tiers = []string{"vip"}
				}
				out = append(out, a)
				langs = append(langs, lang)
			}
		}
	}
	return out, langs
}

// staffingPlan runs the follow-the-sun plan over staffWeek for each of the policy's
// regions (the router keeps a conversation in its customer's region): the region's sites,
// each answering its agents' team languages, and the generator's expected hand-overs of
// the region's markets per market, language and hour. A region with no demand has no plan.
func staffingPlan(policy *models.ResidencyPolicy, messagesPerHour float64, agents []conversation.Agent) (map[string]staffing.Plan, error) {
	g := New(Config{Policy: policy, MessagesPerHour: messagesPerHour})
	regions := map[string][]staffing.Region{}
	for _, s := range Sites(agents, teamLevel) {
		rs, err := s.Staffing()
		if err != nil {
			return nil, err
		}
		regions[s.Region] = append(regions[s.Region], rs...)
	}
	human := humanShare()
	demand := map[string][]staffing.Demand{}
	index := map[string]int{}
	for _, seg := range g.segs {
		region := strings.ToLower(seg.region)
		var total float64
		for _, l := range seg.locales {
			total += l.w
		}
		for _, l := range seg.locales {
			lang, _, _ := strings.Cut(corpusKey(l.v.tag), "-")
			key := seg.m.country + "-" + lang // a market per language: CoverageHours is by market
			k, ok := index[key]
			if !ok {
				k = len(demand[region])
				index[key] = k
				demand[region] = append(demand[region], staffing.Demand{Market: key, Language: lang, Start: staffWeek, Step: time.Hour, Contacts: make([]float64, weekHours)})
			}
			for h := range weekHours {
				demand[region][k].Contacts[h] += g.expected(seg, staffWeek.Add(time.Duration(h)*time.Hour)) * human * l.w / total
			}
		}
	}
	plans := map[string]staffing.Plan{}
	for region, ds := range demand {
		p, err := staffing.FollowTheSun(context.Background(), regions[region], ds, staffPlan)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", region, err)
		}
		plans[region] = p
	}
	return plans, nil
}

// humanShare is the share of conversations the generator's AI hands to a human.
func humanShare() float64 {
	var w, handed float64
	for i, x := range baseIntents {
		p := pContainedOther
		if routine[i] {
			p = pContainedRoutine
		}
		w += x
		handed += x * (1 - p)
	}
	return handed / w
}

// onShiftHours says, per agent and hour of staffWeek, whether the agent is on shift.
func onShiftHours(plans map[string]staffing.Plan, agents []conversation.Agent, langs []string) [][weekHours]bool {
	team := map[string][]int{} // site/language → agents, in roster order
	for i, a := range agents {
		k := SiteName(a.Region, a.Timezone) + "/" + langs[i]
		team[k] = append(team[k], i)
	}
	on := make([][weekHours]bool, len(agents))
	busy := map[string]map[int]float64{} // site/language and site → contacts per hour given
	add := func(k string, h int, c float64) {
		if busy[k] == nil {
			busy[k] = map[int]float64{}
		}
		busy[k][h] += c
	}
	var given []staffing.Assignment
	for _, region := range slices.Sorted(maps.Keys(plans)) {
		given = append(given, plans[region].Assignments...)
	}
	for _, a := range given {
		h := int(a.Start.Sub(staffWeek) / time.Hour)
		if a.Region == "" || h < 0 || h >= weekHours {
			continue
		}
		k := a.Region + "/" + a.Language // a.Region is the site's name
		add(k, h, a.Contacts)
		add(a.Region, h, a.Contacts)
		idx := team[k]
		for _, i := range idx[:min(max(1, a.Scheduled), len(idx))] { // an hour the plan gives a site has someone in it
			on[i][h] = true
		}
	}
	for i, a := range agents {
		if slices.Contains(on[i][:], true) {
			continue
		}
		site := SiteName(a.Region, a.Timezone)
		hours := busy[site+"/"+langs[i]]
		if len(hours) == 0 {
			hours = busy[site]
		}
		if len(hours) == 0 { // the plan gives the site nothing: its weekday day
			hours = map[int]float64{}
			loc, _ := time.LoadLocation(a.Timezone) // loaded by the plan already
			weekend := zoneWeekend(a.Timezone)
			for h := range weekHours {
				t := staffWeek.Add(time.Duration(h) * time.Hour).In(loc)
				if wd := t.Weekday(); wd != weekend[0] && wd != weekend[1] && t.Hour() >= siteStartHour && t.Hour() < siteEndHour {
					hours[h] = 0
				}
			}
		}
		ranked := make([]int, 0, len(hours))
		for h := range hours {
			ranked = append(ranked, h)
		}
		slices.SortFunc(ranked, func(x, y int) int { return cmp.Or(cmp.Compare(hours[y], hours[x]), cmp.Compare(x, y)) })
		for _, h := range ranked[:min(spareHours, len(ranked))] {
			on[i][h] = true
		}
	}
	return on
}

// weeklyShifts turns the hours of staffWeek an agent is on shift into weekly shifts in the
// agent's time zone: contiguous hours merged, split at local midnight.
func weeklyShifts(on [weekHours]bool, loc *time.Location) []conversation.Shift {
	var local [8][24]bool // ISO weekday 1..7, local hour
	for h, ok := range on {
		if ok {
			t := staffWeek.Add(time.Duration(h) * time.Hour).In(loc)
			local[isoWeekday(t.Weekday())][t.Hour()] = true
		}
	}
	var out []conversation.Shift
	for d := 1; d <= 7; d++ {
		for h := 0; h < 24; {
			if !local[d][h] {
				h++
				continue
			}
			end := h
			for end < 24 && local[d][end] {
				end++
			}
			out = append(out, conversation.Shift{Weekday: d, Start: fmt.Sprintf("%02d:00", h), End: fmt.Sprintf("%02d:00", end)})
			h = end
		}
	}
	return out
}

// isoWeekday numbers Monday 1 .. Sunday 7.
func isoWeekday(d time.Weekday) int {
	if d == time.Sunday {
		return 7
	}
	return int(d)
}
