package demo

import (
	"testing"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// Every region has agents, every agent is valid, and every market's language is covered by
// someone on shift on a weekday afternoon in the market.
func TestDemoAgentsCoverEveryMarket(t *testing.T) {
	pol := models.DefaultPolicy()
	as := Agents(pol)
	byRegion := map[string]int{}
	for i := range as {
		a := as[i]
		a.Normalize()
		if err := a.Validate(func(r string) bool { return pol.Has(models.Region(r)) }); err != nil {
			t.Fatalf("agent %s: %v", a.ID, err)
		}
		byRegion[a.Region]++
	}
	for _, r := range pol.Regions {
		if byRegion[string(r)] < 5 {
			t.Errorf("region %s has %d agents", r, byRegion[string(r)])
		}
	}
	for _, m := range markets {
		loc, _ := time.LoadLocation(m.zones[0].name)
		at := time.Date(2026, 12, 9, 14, 0, 0, 0, loc) // a Wednesday, 14:00 local
		for _, l := range m.locales {
			lang := corpusKey(l.v)[:2]
			if agentNames[lang] == nil {
				continue
			}
			covered := false
			for i := range as {
				if as[i].Region == string(pol.RegionFor(m.country)) && as[i].Languages[lang] >= 4 && as[i].OnShift(at) {
					covered = true
				}
			}
			if !covered {
				t.Errorf("%s (%s): nobody writing %s on shift on a weekday afternoon", m.country, l.v, lang)
			}
		}
	}
}
