package demo

import (
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation"
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

// Agents are the demo tenant's agents: for every market, people who write its languages
// (native, and English as a second), in the market's region and time zone, on weekday
// shifts staggered so that the region's day is covered (early 07:00–15:00, day 09:00–17:00,
// late 13:00–21:00; Saturdays for the second agent; the market's own weekend kept), with
// the demo's skills spread among them and a VIP desk in the biggest markets.
func Agents(policy *models.ResidencyPolicy) []conversation.Agent {
	if policy == nil {
		policy = models.DefaultPolicy()
	}
	var out []conversation.Agent
	seen := map[string]bool{}
	shifts := [][2]string{{"09:00", "17:00"}, {"07:00", "15:00"}, {"13:00", "21:00"}}
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
				s := shifts[i%len(shifts)]
				for d := 1; d <= 7; d++ {
					wd := d % 7 // time.Weekday
					weekend := wd == int(m.weekend[0]) || wd == int(m.weekend[1])
					if m.weekend == [2]time.Weekday{} {
						weekend = wd == 0 || wd == 6
					}
					if !weekend || (i == 1 && d == 6) {
						a.Shifts = append(a.Shifts, conversation.Shift{Weekday: d, Start: s[0], End: s[1]})
					}
				}
				out = append(out, a)
			}
		}
	}
	return out
}
