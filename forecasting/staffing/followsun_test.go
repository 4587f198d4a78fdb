package staffing

import (
	"context"
	"math"
	"testing"
	"time"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	return loc
}

// diurnal is the contacts per hour of a market with a daytime peak in local time and a
// quiet night: digital channels are written to around the clock.
func diurnal(level float64, lt time.Time) float64 {
	h := float64(lt.Hour()) + 0.5
	return level * (0.08 + math.Exp(-(h-11)*(h-11)/18) + 0.7*math.Exp(-(h-16)*(h-16)/12))
}

// The write-up's scenario: coverage of European and American markets goes from 8 to 18 human
// hours a day for about 15% more staff cost, AI covering the remaining hours. The baseline is
// one European office on office hours answering every language; the follow-the-sun plan adds
// a cheaper Americas hub whose shift starts as Europe's ends.
func TestFollowTheSunStretchesCoverageForLittleMoreCost(t *testing.T) {
	lisbon := Region{Name: "lisbon", Location: zone(t, "Europe/Lisbon"), StartHour: 8, EndHour: 16, CostPerHour: 38, Languages: []string{"en", "de", "es"}}
	mexico := Region{Name: "mexico-city", Location: zone(t, "America/Mexico_City"), StartHour: 10, EndHour: 20, CostPerHour: 14, Languages: []string{"en", "es"}}
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC) // a winter week: Lisbon is on UTC
	markets := []struct {
		code, lang, zone string
		level            float64
	}{
		{"GB", "en", "Europe/London", 60}, {"DE", "de", "Europe/Berlin", 70}, {"ES", "es", "Europe/Madrid", 40},
		{"US", "en", "America/New_York", 25}, {"MX", "es", "America/Mexico_City", 10},
	}
	var demand []Demand
	for _, m := range markets {
		loc := zone(t, m.zone)
		d := Demand{Market: m.code, Language: m.lang, Start: start, Step: time.Hour, Contacts: make([]float64, 7*24)}
		for i := range d.Contacts {
			d.Contacts[i] = diurnal(m.level, start.Add(time.Duration(i)*time.Hour).In(loc))
		}
		demand = append(demand, d)
	}
	opt := PlanOptions{AHTSeconds: 300, Target: Target{ServiceLevel: 0.8, AnswerSeconds: 20, Shrinkage: 0.3}}
	office, err := FollowTheSun(context.Background(), []Region{lisbon}, demand, opt)
	if err != nil {
		t.Fatal(err)
	}
	sun, err := FollowTheSun(context.Background(), []Region{lisbon, mexico}, demand, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"GB", "ES", "US", "MX"} {
		if office.CoverageHours[m] != 8 || sun.CoverageHours[m] != 18 {
			t.Errorf("%s: coverage %.1f h office, %.1f h follow-the-sun; want 8 and 18", m, office.CoverageHours[m], sun.CoverageHours[m])
		}
	}
	if sun.CoverageHours["DE"] != 8 {
		t.Errorf("DE (no German speakers in Mexico): %.1f h, want 8", sun.CoverageHours["DE"])
	}
	ratio := sun.Cost / office.Cost
	t.Logf("cost office %.0f, follow-the-sun %.0f (x%.3f); human share %.0f%% -> %.0f%%; SL %.3f -> %.3f",
		office.Cost, sun.Cost, ratio, 100*office.HumanContacts/(office.HumanContacts+office.AIContacts),
		100*sun.HumanContacts/(sun.HumanContacts+sun.AIContacts), office.ServiceLevel, sun.ServiceLevel)
	if ratio < 1.05 || ratio > 1.25 {
		t.Errorf("cost ratio %.3f, want about 1.15", ratio)
	}
	if !(sun.HumanContacts > office.HumanContacts) || sun.ServiceLevel < 0.8 || office.ServiceLevel < 0.8 {
		t.Errorf("office %+v\nsun %+v", office, sun)
	}
}

func TestFollowTheSunLeavesUncoveredHoursToAI(t *testing.T) {
	r := Region{Name: "x", Location: time.UTC, StartHour: 22, EndHour: 2, CostPerHour: 10, Languages: []string{"ja"}}
	d := Demand{Market: "JP", Language: "ja", Start: time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC), Step: 30 * time.Minute, Contacts: make([]float64, 96)}
	for i := range d.Contacts {
		d.Contacts[i] = 10
	}
	p, err := FollowTheSun(context.Background(), []Region{r}, []Demand{d}, PlanOptions{AHTSeconds: 200, Target: Target{ServiceLevel: 0.8, AnswerSeconds: 20}})
	if err != nil {
		t.Fatal(err)
	}
	if p.CoverageHours["JP"] != 4 || p.AIContacts != 10*96-10*16 {
		t.Errorf("coverage %v h, AI contacts %v; want 4 h (22:00-02:00) and the rest to AI", p.CoverageHours["JP"], p.AIContacts)
	}
}

// Two markets share a language and so its agents: each pays for its share of the contacts
// they answer together, the shares add up to the plan, and a market whose demand rises pays
// more while the other's cost only moves with the pooled staffing.
func TestFollowTheSunAttributesCostToMarketsByTheirDemand(t *testing.T) {
	lisbon := Region{Name: "lisbon", Location: zone(t, "Europe/Lisbon"), StartHour: 8, EndHour: 16, CostPerHour: 38, Languages: []string{"en", "de"}}
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	series := func(market, lang string, level float64) Demand {
		d := Demand{Market: market, Language: lang, Start: start, Step: time.Hour, Contacts: make([]float64, 48)}
		for i := range d.Contacts {
			d.Contacts[i] = diurnal(level, start.Add(time.Duration(i)*time.Hour))
		}
		return d
	}
	opt := PlanOptions{AHTSeconds: 300, Target: Target{ServiceLevel: 0.8, AnswerSeconds: 20, Shrinkage: 0.3}}
	plan := func(gb float64) Plan {
		p, err := FollowTheSun(context.Background(), []Region{lisbon}, []Demand{series("GB", "en", gb), series("IE", "en", 10), series("DE", "de", 30)}, opt)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := plan(60)
	if len(p.Markets) != 3 || p.Markets[0].Market != "GB" || p.Markets[1].Market != "IE" || p.Markets[2].Market != "DE" {
		t.Fatalf("markets %+v, want GB, IE, DE in the demand's order", p.Markets)
	}
	var cost, human, ai float64
	for _, m := range p.Markets {
		cost += m.Cost
		human += m.HumanContacts
		ai += m.AIContacts
		if m.CoverageHours != p.CoverageHours[m.Market] || m.CoverageHours != 8 {
			t.Errorf("%s: coverage %v h, plan says %v; want 8", m.Market, m.CoverageHours, p.CoverageHours[m.Market])
		}
		if m.ServiceLevel < 0.8 || m.ServiceLevel > 1 {
			t.Errorf("%s: service level %v, want the target 0.8 or better", m.Market, m.ServiceLevel)
		}
	}
	if math.Abs(cost-p.Cost) > 1e-9*p.Cost || math.Abs(human-p.HumanContacts) > 1e-9 || math.Abs(ai-p.AIContacts) > 1e-9 {
		t.Errorf("markets add up to cost %v, human %v, AI %v; plan %v, %v, %v", cost, human, ai, p.Cost, p.HumanContacts, p.AIContacts)
	}
	gb, ie, de := p.Markets[0], p.Markets[1], p.Markets[2]
	// Same language, same shape, six times the demand: six times the cost.
	if r := gb.Cost / ie.Cost; math.Abs(r-6) > 1e-9 {
		t.Errorf("GB costs %v, IE %v (x%.3f); want x6 like their demand", gb.Cost, ie.Cost, r)
	}
	var deCost float64
	for _, a := range p.Assignments {
		if a.Language == "de" {
			deCost += a.Cost
		}
	}
	if de.Cost != deCost {
		t.Errorf("DE alone in German costs %v, want its assignments' %v", de.Cost, deCost)
	}
	// GB's demand doubles: GB pays more, DE (another language) pays the same.
	q := plan(120)
	if !(q.Markets[0].Cost > 1.5*gb.Cost) || q.Markets[2].Cost != de.Cost {
		t.Errorf("GB %v -> %v, DE %v -> %v; want GB's cost to follow its demand and DE's to stay", gb.Cost, q.Markets[0].Cost, de.Cost, q.Markets[2].Cost)
	}
}
