package graphql_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/forecasting/chstore/chstoretest"
	"github.com/meridian-cs/meridian/forecasting/refresh"
	"github.com/meridian-cs/meridian/forecasting/staffing"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/metrics/metricstest"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
)

// planTenant has four weeks of hourly contacts in eu, ending at planEnd.
const planTenant = "plan"

var (
	planStart = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC) // a Monday
	planEnd   = planStart.AddDate(0, 0, 28)
	planOnce  sync.Once
	planErr   error
)

// planFixtures stores the planning tenant's history once per test binary.
func planFixtures(t *testing.T) {
	t.Helper()
	planOnce.Do(func() {
		evs := chstoretest.Contacts(planTenant, planStart, 4, []chstoretest.Series{
			{Channel: "whatsapp", Language: "de", Country: "DE", Level: 8},
			{Channel: "email", Language: "fr", Country: "FR", Level: 3},
		})
		_, planErr = (&clickhouse.EventWriter{DB: regionDB(t, "eu"), Region: "eu"}).StoreEvents(context.Background(), evs)
	})
	if planErr != nil {
		t.Fatal(planErr)
	}
}

func planPG(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	pg, err := postgres.Open(ctx, pgtest.StartForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.Close)
	if _, err := pg.Migrate(ctx, metricstest.Regions); err != nil {
		t.Fatal(err)
	}
	return pg
}

func planner(role string, regions ...string) *auth.Principal {
	return &auth.Principal{Tenant: planTenant, Role: role, Regions: regions}
}

type forecastResp struct {
	Forecast struct {
		Series, Market, Model, Interval string
		Contacts                        float64
		Points                          []struct {
			T            time.Time
			Mean, Lo, Hi float64
		}
		Accuracy *struct {
			Model    string
			Mase     float64
			Coverage *float64
		}
		Baselines []struct {
			Model string
			Mase  float64
		}
		Effects []struct{ Kind string }
		Events  []struct{ Name string }
	}
}

const forecastQuery = `query($to: Time) {
  forecast(series: {region: "eu", language: "de", channel: "whatsapp"}, horizon: 168, to: $to) {
    series market model interval contacts
    points { t mean lo hi }
    accuracy { model mase coverage }
    baselines { model mase }
    effects { kind }
    events { name }
  }
}`

func surge(ps []struct {
	T            time.Time
	Mean, Lo, Hi float64
}, from time.Time) float64 {
	var s float64
	for _, p := range ps {
		if !p.T.Before(from) && p.T.Before(from.Add(10*time.Hour)) {
			s += p.Mean
		}
	}
	return s
}

func TestPlanningForecastOnDemandChangesWithAPlanningEvent(t *testing.T) {
	planFixtures(t)
	pg := planPG(t)
	h := graphql.NewHandler(graphql.Config{Engine: engine, PlanningEvents: pg})
	vars := map[string]any{"to": planEnd.Format(time.RFC3339)}

	began := time.Now()
	var before forecastResp
	do(t, h, planner(auth.RolePlanner, "eu"), forecastQuery, vars, &before)
	t.Logf("on-demand forecast in %v", time.Since(began))
	f := before.Forecast
	if f.Series != "eu/de/whatsapp/*" || f.Market != "DE" || f.Model == "" || f.Interval != "1h" || len(f.Points) != 168 || !f.Points[0].T.Equal(planEnd) || f.Contacts == 0 {
		t.Fatalf("forecast %+v", f)
	}
	if f.Accuracy == nil || f.Accuracy.Model != f.Model || f.Accuracy.Coverage == nil || len(f.Baselines) != 2 {
		t.Fatalf("accuracy %+v, baselines %+v", f.Accuracy, f.Baselines)
	}

	release := planEnd.AddDate(0, 0, 2).Add(9 * time.Hour)
	var created struct {
		CreatePlanningEvent struct {
			ID, Region, Name, Kind string
			Markets                []string
			StartsAt               time.Time
			EndsAt                 *time.Time
		}
	}
	do(t, h, planner(auth.RoleSupervisor), `mutation($at: Time!) { createPlanningEvent(input: {region: "eu", name: "app 5.0", kind: "release", markets: ["de"], startsAt: $at}) { id region name kind markets startsAt endsAt } }`,
		map[string]any{"at": release.Format(time.RFC3339)}, &created)
	c := created.CreatePlanningEvent
	if c.ID == "" || c.Region != "eu" || c.Kind != "release" || len(c.Markets) != 1 || c.Markets[0] != "DE" || !c.StartsAt.Equal(release) || c.EndsAt != nil {
		t.Fatalf("created %+v", c)
	}
	var listed struct {
		PlanningEvents []struct{ ID, Region, Name string }
	}
	do(t, h, planner(auth.RoleAdmin), `{ planningEvents { id region name } }`, nil, &listed)
	if len(listed.PlanningEvents) != 1 || listed.PlanningEvents[0].ID != c.ID {
		t.Fatalf("planning events %+v", listed.PlanningEvents)
	}

	var after forecastResp
	do(t, h, planner(auth.RolePlanner, "eu"), forecastQuery, vars, &after)
	if len(after.Forecast.Events) != 1 || after.Forecast.Events[0].Name != "app 5.0" {
		t.Fatalf("events of the forecast: %+v", after.Forecast.Events)
	}
	if b, a := surge(before.Forecast.Points, release), surge(after.Forecast.Points, release); a < 1.2*b {
		t.Fatalf("the 10 hours after the release: %.1f contacts forecast, %.1f before it was planned; want a surge", a, b)
	}
}

func TestPlanningFieldsCheckRolesAndRegions(t *testing.T) {
	planFixtures(t)
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	q := `{ forecast(series: {region: "eu"}, horizon: 24, to: "2026-11-02T00:00:00Z") { model } }`
	for _, tt := range []struct {
		name, query, want string
		p                 *auth.Principal
	}{
		{"an analyst may not plan", q, `role \"analyst\" cannot use workforce planning`, planner(auth.RoleAnalyst)},
		{"an ingest key may not plan", q, `role \"ingest\" cannot use workforce planning`, planner(auth.RoleIngest)},
		{"a planner limited to us may not read eu", q, `may not access region \"eu\"`, planner(auth.RolePlanner, "us")},
		{"unknown region", `{ forecast(series: {region: "mars"}, horizon: 24) { model } }`, `unknown region \"mars\"`, planner(auth.RolePlanner)},
		{"too short a history", `{ forecast(series: {region: "eu"}, horizon: 24, historyWeeks: 1) { model } }`, `historyWeeks 1`, planner(auth.RolePlanner)},
		{"bad interval", `{ forecast(series: {region: "eu"}, horizon: 24, interval: "7m") { model } }`, `interval \"7m\"`, planner(auth.RolePlanner)},
		{"no event store", `{ planningEvents { id } }`, `planning events are not configured`, planner(auth.RoleAdmin)},
		{"no event store to write to", `mutation { createPlanningEvent(input: {region: "eu", name: "x", kind: "release", startsAt: "2026-11-02T00:00:00Z"}) { id } }`, `not configured`, planner(auth.RolePlanner)},
		{"staffing needs demand", `{ staffing(input: {ahtSeconds: 240}) { peakAgents } }`, `give contacts per interval or a series`, planner(auth.RolePlanner)},
		{"no stored forecast yet", `{ staffing(input: {ahtSeconds: 240, series: {region: "us"}}) { peakAgents } }`, `no stored 1h forecast of series us/*/*/*`, planner(auth.RolePlanner)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, body := post(t, h, tt.p, tt.query, nil)
			if !strings.Contains(body, `"errors"`) || !strings.Contains(body, tt.want) {
				t.Fatalf("body %s, want an error containing %s", body, tt.want)
			}
		})
	}
	// A series without contacts has no forecast.
	var none struct{ Forecast *struct{ Model string } }
	do(t, h, planner(auth.RolePlanner), `{ forecast(series: {region: "us"}, horizon: 24, to: "2026-11-02T00:00:00Z") { model } }`, nil, &none)
	if none.Forecast != nil {
		t.Fatalf("forecast of an empty series: %+v", none.Forecast)
	}
}

func TestPlanningEventInputIsValidated(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine, PlanningEvents: planPG(t)})
	_, body := post(t, h, planner(auth.RolePlanner), `mutation { createPlanningEvent(input: {region: "eu", name: "x", kind: "party", startsAt: "2026-11-02T00:00:00Z"}) { id } }`, nil)
	if !strings.Contains(body, `kind \"party\" is not one of release, campaign, outage, holiday`) {
		t.Fatalf("body %s", body)
	}
}

type staffingResp struct {
	Staffing struct {
		Model, Source, Interval   string
		Series                    *string
		PeakAgents, PeakScheduled int
		ScheduledHours            float64
		Intervals                 []struct {
			Start                                         *time.Time
			Contacts, ServiceLevel, AsaSeconds, Occupancy float64
			Agents, ScheduledAgents                       int
			AbandonRate                                   *float64
		}
	}
}

func TestStaffingFromRatesAndFromStoredForecasts(t *testing.T) {
	planFixtures(t)
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	var got staffingResp
	do(t, h, planner(auth.RoleSupervisor), `{ staffing(input: {ahtSeconds: 240, contacts: [120, 0, 30], interval: "30m", shrinkage: 0.3, start: "2026-11-02T08:00:00Z"}) {
	  model source interval series peakAgents peakScheduled scheduledHours
	  intervals { start contacts serviceLevel asaSeconds occupancy agents scheduledAgents abandonRate } } }`, nil, &got)
	s := got.Staffing
	want, err := staffing.Required(staffing.Queue{CallsPerHour: 240, AHTSeconds: 240}, staffing.Target{ServiceLevel: 0.8, AnswerSeconds: 20, Shrinkage: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Model != "erlang-c" || s.Source != "rates" || s.Interval != "30m" || s.Series != nil || len(s.Intervals) != 3 || s.PeakAgents != want.Agents || s.PeakScheduled != want.ScheduledAgents {
		t.Fatalf("staffing %+v, want peak %d/%d", s, want.Agents, want.ScheduledAgents)
	}
	if iv := s.Intervals[1]; iv.Agents != 0 || iv.ServiceLevel != 1 || !s.Intervals[2].Start.Equal(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)) || s.Intervals[0].AbandonRate != nil {
		t.Fatalf("intervals %+v", s.Intervals)
	}

	// The refresh job stores forecasts; staffing and forecasts read them back.
	rep, err := refresh.Run(context.Background(), refresh.Config{Regions: engine.Regions, Tenants: []string{planTenant},
		Horizon: 48, Now: func() time.Time { return planEnd }})
	if err != nil || rep.Series != 7 { // each language × channel series, its language, its channel, the total
		t.Fatalf("refresh: %+v, %v", rep, err)
	}
	var stored struct {
		Forecasts []struct {
			Series, Model, Interval string
			GeneratedAt             time.Time
			Points                  []struct{ Mean float64 }
			Accuracy                *struct{ Model string }
			Baselines               []struct{ Model string }
		}
	}
	do(t, h, planner(auth.RolePlanner, "eu"), `{ forecasts(region: "eu") { series model interval generatedAt points { mean } accuracy { model } baselines { model } } }`, nil, &stored)
	if len(stored.Forecasts) != 7 || stored.Forecasts[4].Series != "eu/de/whatsapp/*" || len(stored.Forecasts[4].Points) != 48 || stored.Forecasts[4].Accuracy == nil || !stored.Forecasts[4].GeneratedAt.Equal(planEnd) {
		t.Fatalf("stored forecasts %+v", stored.Forecasts)
	}
	var fromStored staffingResp
	do(t, h, planner(auth.RolePlanner), `{ staffing(input: {ahtSeconds: 300, patienceSeconds: 120, series: {region: "eu", language: "de", channel: "whatsapp"}, use: "hi"}) {
	  model source series peakAgents intervals { start contacts agents abandonRate } } }`, nil, &fromStored)
	fs := fromStored.Staffing
	if fs.Model != "erlang-a" || fs.Source != "stored" || fs.Series == nil || *fs.Series != "eu/de/whatsapp/*" || len(fs.Intervals) != 48 || fs.PeakAgents == 0 || fs.Intervals[12].AbandonRate == nil || !fs.Intervals[0].Start.Equal(planEnd) {
		t.Fatalf("staffing from the stored forecast %+v", fs)
	}
	// A series of a region and a language, as a planner names it first, and horizon honoured.
	var byLanguage staffingResp
	do(t, h, planner(auth.RolePlanner), `{ staffing(input: {ahtSeconds: 300, series: {region: "eu", language: "de"}, horizon: 24}) {
	  source series peakAgents intervals { start contacts } } }`, nil, &byLanguage)
	if bl := byLanguage.Staffing; bl.Source != "stored" || bl.Series == nil || *bl.Series != "eu/de/*/*" || len(bl.Intervals) != 24 || bl.PeakAgents == 0 {
		t.Fatalf("staffing of eu/de: %+v", bl)
	}
	var sun struct {
		FollowTheSun struct {
			Intervals   int
			Assignments []struct{ Region string }
		}
	}
	do(t, h, planner(auth.RolePlanner), `{ followTheSun(input: {
	    regions: [{name: "berlin", timeZone: "Europe/Berlin", startHour: 8, endHour: 17, costPerHour: 40, languages: ["de", "fr"]}],
	    demand: [{market: "DE", language: "de", series: {region: "eu", language: "de"}}, {market: "FR", language: "fr", series: {region: "eu", language: "fr"}}],
	    horizon: 12, ahtSeconds: 300}) { intervals assignments { region } } }`, nil, &sun)
	if sun.FollowTheSun.Intervals != 12 {
		t.Fatalf("follow-the-sun over horizon 12: %+v", sun.FollowTheSun)
	}
	// A key limited to us cannot list eu's forecasts.
	_, body := post(t, h, planner(auth.RolePlanner, "us"), `{ forecasts(region: "eu") { series } }`, nil)
	if !strings.Contains(body, "may not access region") {
		t.Fatalf("body %s", body)
	}
}

func TestFollowTheSunBeatsOfficeHours(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	contacts := make([]any, 48)
	for i := range contacts {
		contacts[i] = 20
	}
	var got struct {
		FollowTheSun struct {
			Intervals                                     int
			Cost, ServiceLevel, HumanContacts, AiContacts float64
			CostIncrease                                  *float64
			Coverage                                      []struct {
				Market        string
				Hours         float64
				BaselineHours float64
			}
			Baseline struct {
				Region string
				Cost   float64
			}
			Assignments []struct{ Region string }
		}
	}
	do(t, h, planner(auth.RolePlanner), `query($c: [Float!]) { followTheSun(input: {
	    regions: [
	      {name: "berlin", timeZone: "Europe/Berlin", startHour: 8, endHour: 17, costPerHour: 40, languages: ["en", "de"]},
	      {name: "manila", timeZone: "Asia/Manila", startHour: 8, endHour: 17, costPerHour: 12, languages: ["en"]},
	      {name: "austin", timeZone: "America/Chicago", startHour: 8, endHour: 18, costPerHour: 35, languages: ["en"]}],
	    demand: [{market: "GB", language: "en", contacts: $c}],
	    start: "2026-11-02T00:00:00Z", ahtSeconds: 300, baselineRegion: "berlin"}) {
	  intervals cost serviceLevel humanContacts aiContacts costIncrease
	  coverage { market hours baselineHours } baseline { region cost } assignments { region } } }`, map[string]any{"c": contacts}, &got)
	p := got.FollowTheSun
	if p.Intervals != 48 || len(p.Coverage) != 1 || p.Coverage[0].Market != "GB" || p.Coverage[0].BaselineHours != 9 || p.Coverage[0].Hours != 24 || p.Baseline.Region != "berlin" {
		t.Fatalf("plan %+v", p)
	}
	if p.AiContacts != 0 || p.ServiceLevel < 0.8 || p.CostIncrease == nil || len(p.Assignments) != 48 {
		t.Fatalf("plan %+v", p)
	}
}

// Each market gets its own share of the plan: GB and IE share English and its agents, so the
// cost follows each one's demand; the markets add up to the plan and to the baseline; a
// language nobody speaks leaves its market to AI, at no cost and without a service level.
func TestFollowTheSunCostsEachMarketItsOwnDemand(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	gb, ie, jp := make([]any, 48), make([]any, 48), make([]any, 48)
	for i := range gb {
		gb[i], ie[i], jp[i] = 30, 10, 5
	}
	type market struct {
		Market, Language                              string
		Cost, BaselineCost, HumanContacts, AiContacts float64
		ServiceLevel                                  *float64
	}
	var got struct {
		FollowTheSun struct {
			Cost, HumanContacts, AiContacts float64
			Coverage                        []market
			Baseline                        struct{ Cost float64 }
		}
	}
	do(t, h, planner(auth.RolePlanner), `query($gb: [Float!], $ie: [Float!], $jp: [Float!]) { followTheSun(input: {
	    regions: [
	      {name: "berlin", timeZone: "Europe/Berlin", startHour: 8, endHour: 17, costPerHour: 40, languages: ["en"]},
	      {name: "manila", timeZone: "Asia/Manila", startHour: 8, endHour: 17, costPerHour: 12, languages: ["en"]}],
	    demand: [{market: "GB", language: "en", contacts: $gb}, {market: "IE", language: "en", contacts: $ie}, {market: "JP", language: "ja", contacts: $jp}],
	    start: "2026-11-02T00:00:00Z", ahtSeconds: 300, baselineRegion: "manila"}) {
	  cost humanContacts aiContacts baseline { cost }
	  coverage { market language cost baselineCost humanContacts aiContacts serviceLevel } } }`,
		map[string]any{"gb": gb, "ie": ie, "jp": jp}, &got)
	p := got.FollowTheSun
	if len(p.Coverage) != 3 || p.Coverage[0].Market != "GB" || p.Coverage[1].Market != "IE" || p.Coverage[2].Market != "JP" {
		t.Fatalf("coverage %+v, want GB, IE, JP", p.Coverage)
	}
	var cost, base, human, ai float64
	for _, m := range p.Coverage {
		cost += m.Cost
		base += m.BaselineCost
		human += m.HumanContacts
		ai += m.AiContacts
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	if !near(cost, p.Cost) || !near(base, p.Baseline.Cost) || !near(human, p.HumanContacts) || !near(ai, p.AiContacts) || p.Cost == 0 {
		t.Fatalf("markets add up to cost %v (baseline %v), human %v, AI %v; plan %+v", cost, base, human, ai, p)
	}
	g, i, j := p.Coverage[0], p.Coverage[1], p.Coverage[2]
	if !near(g.Cost, 3*i.Cost) || !near(g.BaselineCost, 3*i.BaselineCost) || !near(g.HumanContacts+g.AiContacts, 30*48) {
		t.Fatalf("GB %+v, IE %+v: want GB to cost three times IE, like its demand", g, i)
	}
	if g.ServiceLevel == nil || *g.ServiceLevel < 0.8 || i.ServiceLevel == nil || *i.ServiceLevel < 0.8 {
		t.Fatalf("GB %+v, IE %+v: want the 0.8 target met", g, i)
	}
	if j.Cost != 0 || j.HumanContacts != 0 || j.AiContacts != 5*48 || j.ServiceLevel != nil {
		t.Fatalf("JP (nobody speaks Japanese) %+v, want AI alone and no service level", j)
	}
}

// compareServiceLevel staffs the same contacts for a second target: its figures are those of
// a staffing asked for that target, and the differences are against the first.
func TestStaffingComparesTwoTargets(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	const q = `query($sl: Float, $cmp: Float) { staffing(input: {ahtSeconds: 240, contacts: [120, 0, 30, 75], shrinkage: 0.3, serviceLevel: $sl, compareServiceLevel: $cmp}) {
	  peakAgents agentHours serviceLevel intervals { agents scheduledAgents serviceLevel }
	  compare { serviceLevelTarget peakAgents peakScheduled agentHours serviceLevel peakAgentsDifference agentHoursDifference
	    intervals { agents scheduledAgents serviceLevel agentsDifference } } } }`
	type interval struct {
		Agents, ScheduledAgents int
		ServiceLevel            float64
		AgentsDifference        int
	}
	type resp struct {
		Staffing struct {
			PeakAgents               int
			AgentHours, ServiceLevel float64
			Intervals                []interval
			Compare                  *struct {
				ServiceLevelTarget, AgentHours, ServiceLevel, AgentHoursDifference float64
				PeakAgents, PeakScheduled, PeakAgentsDifference                    int
				Intervals                                                          []interval
			}
		}
	}
	var both, at95 resp
	do(t, h, planner(auth.RolePlanner), q, map[string]any{"sl": 0.8, "cmp": 0.95}, &both)
	do(t, h, planner(auth.RolePlanner), q, map[string]any{"sl": 0.95}, &at95)
	a, c, want := both.Staffing, both.Staffing.Compare, at95.Staffing
	if c == nil || want.Compare != nil {
		t.Fatalf("compare %+v with compareServiceLevel, %+v without", c, want.Compare)
	}
	if c.ServiceLevelTarget != 0.95 || c.PeakAgents != want.PeakAgents || c.AgentHours != want.AgentHours || c.ServiceLevel != want.ServiceLevel ||
		c.PeakAgentsDifference != want.PeakAgents-a.PeakAgents || c.AgentHoursDifference != want.AgentHours-a.AgentHours || c.PeakAgentsDifference <= 0 {
		t.Fatalf("compare %+v; staffing at 0.95 %+v, at 0.8 %+v", c, want, a)
	}
	for k, iv := range c.Intervals {
		w := want.Intervals[k]
		if iv.Agents != w.Agents || iv.ScheduledAgents != w.ScheduledAgents || iv.ServiceLevel != w.ServiceLevel || iv.AgentsDifference != w.Agents-a.Intervals[k].Agents {
			t.Errorf("interval %d: compared %+v, at 0.95 %+v, at 0.8 %+v", k, iv, w, a.Intervals[k])
		}
	}
	if len(c.Intervals) != 4 {
		t.Fatalf("%d compared intervals, want 4", len(c.Intervals))
	}
	_, body := post(t, h, planner(auth.RolePlanner), q, map[string]any{"sl": 0.8, "cmp": 1.5})
	if !strings.Contains(body, "compareServiceLevel 1.5 must be between 0 and 1") {
		t.Fatalf("body %s", body)
	}
}

// A series' language and channel are written as ingest stores them, and a planning event's
// markets as ingest stores countries (UK is GB).
func TestPlanningNormalisesLabelsAsIngestDoes(t *testing.T) {
	planFixtures(t)
	h := graphql.NewHandler(graphql.Config{Engine: engine, PlanningEvents: planPG(t)})
	var got forecastResp
	do(t, h, planner(auth.RolePlanner, "eu"), `query($to: Time) {
	  forecast(series: {region: "eu", language: "DE", channel: "WhatsApp"}, horizon: 24, to: $to) { series market contacts } }`,
		map[string]any{"to": planEnd.Format(time.RFC3339)}, &got)
	if f := got.Forecast; f.Series != "eu/de/whatsapp/*" || f.Market != "DE" || f.Contacts == 0 {
		t.Fatalf("forecast of DE/WhatsApp: %+v", f)
	}
	var created struct {
		CreatePlanningEvent struct{ Markets []string }
	}
	do(t, h, planner(auth.RolePlanner), `mutation { createPlanningEvent(input: {region: "eu", name: "sale", kind: "campaign", markets: ["uk", "de"], startsAt: "2026-11-02T00:00:00Z"}) { markets } }`, nil, &created)
	if m := created.CreatePlanningEvent.Markets; len(m) != 2 || m[0] != "GB" || m[1] != "DE" {
		t.Fatalf("markets %v, want [GB DE]", m)
	}
}

// The forecast carries the history it was fitted to, and a what-if moves a planning event
// for one forecast without saving the move.
func TestPlanningForecastHistoryAndWhatIfMove(t *testing.T) {
	planFixtures(t)
	pg := planPG(t)
	h := graphql.NewHandler(graphql.Config{Engine: engine, PlanningEvents: pg})
	type point struct {
		T            time.Time
		Mean, Lo, Hi float64
	}
	type resp struct {
		Forecast struct {
			Contacts               float64
			HistoryFrom, HistoryTo time.Time
			History                []struct {
				T        time.Time
				Contacts *float64
			}
			Points []point
			Events []struct {
				ID       string
				StartsAt time.Time
			}
		}
	}
	const q = `query($to: Time, $move: [PlanningEventMoveInput!]) {
	  forecast(series: {region: "eu", language: "de", channel: "whatsapp"}, horizon: 168, to: $to, move: $move) {
	    contacts historyFrom historyTo history { t contacts } points { t mean lo hi } events { id startsAt } } }`
	to := planEnd.Format(time.RFC3339)

	release := planEnd.AddDate(0, 0, 2).Add(9 * time.Hour)
	var created struct{ CreatePlanningEvent struct{ ID string } }
	do(t, h, planner(auth.RolePlanner), `mutation($at: Time!) { createPlanningEvent(input: {region: "eu", name: "app 6.0", kind: "release", startsAt: $at}) { id } }`,
		map[string]any{"at": release.Format(time.RFC3339)}, &created)
	id := created.CreatePlanningEvent.ID

	var base resp
	do(t, h, planner(auth.RolePlanner, "eu"), q, map[string]any{"to": to}, &base)
	f := base.Forecast
	if n := int(f.HistoryTo.Sub(f.HistoryFrom) / time.Hour); len(f.History) != n || n == 0 || !f.History[0].T.Equal(f.HistoryFrom) {
		t.Fatalf("history of %d points from %v; want %d from %v", len(f.History), f.History[0].T, n, f.HistoryFrom)
	}
	var sum float64
	var weekday bool
	for _, p := range f.History {
		if p.Contacts == nil {
			t.Fatalf("missing history at %v", p.T)
		}
		sum += *p.Contacts
		if p.T.Weekday() == time.Sunday && *p.Contacts != 0 {
			t.Fatalf("%v contacts on Sunday %v; the fixture has none", *p.Contacts, p.T)
		}
		weekday = weekday || (p.T.Weekday() == time.Tuesday && *p.Contacts > 0)
	}
	if sum != f.Contacts || !weekday {
		t.Fatalf("history adds up to %v (weekday contacts: %v); contacts %v", sum, weekday, f.Contacts)
	}

	moved := release.AddDate(0, 0, 2)
	var what resp
	do(t, h, planner(auth.RolePlanner, "eu"), q, map[string]any{"to": to, "move": []map[string]any{{"id": id, "startsAt": moved.Format(time.RFC3339)}}}, &what)
	if ev := what.Forecast.Events; len(ev) != 1 || ev[0].ID != id || !ev[0].StartsAt.Equal(moved) {
		t.Fatalf("events of the what-if %+v", ev)
	}
	surgeOf := func(ps []point, at time.Time) float64 {
		var s float64
		for _, p := range ps {
			if !p.T.Before(at) && p.T.Before(at.Add(10*time.Hour)) {
				s += p.Mean
			}
		}
		return s
	}
	if b, w := surgeOf(base.Forecast.Points, moved), surgeOf(what.Forecast.Points, moved); w < 1.2*b {
		t.Fatalf("10 hours after the moved release: %.1f contacts, %.1f with the release where it was; want a surge", w, b)
	}
	if b, w := surgeOf(base.Forecast.Points, release), surgeOf(what.Forecast.Points, release); b < 1.2*w {
		t.Fatalf("10 hours after the release's saved date: %.1f contacts with it there, %.1f once moved; want the surge gone", b, w)
	}
	var listed struct {
		PlanningEvents []struct{ StartsAt time.Time }
	}
	do(t, h, planner(auth.RolePlanner), `{ planningEvents(region: "eu") { startsAt } }`, nil, &listed)
	if len(listed.PlanningEvents) != 1 || !listed.PlanningEvents[0].StartsAt.Equal(release) {
		t.Fatalf("planning events after a what-if %+v; want the release unmoved at %v", listed.PlanningEvents, release)
	}

	// A moved event with an end keeps its duration unless the move names a new end.
	sale := planEnd.AddDate(0, 0, 1)
	var campaign struct{ CreatePlanningEvent struct{ ID string } }
	do(t, h, planner(auth.RolePlanner), `mutation($at: Time!, $end: Time!) { createPlanningEvent(input: {region: "eu", name: "sale", kind: "campaign", startsAt: $at, endsAt: $end}) { id } }`,
		map[string]any{"at": sale.Format(time.RFC3339), "end": sale.Add(36 * time.Hour).Format(time.RFC3339)}, &campaign)
	var kept struct {
		Forecast struct {
			Events []struct {
				Name             string
				StartsAt, EndsAt time.Time
			}
		}
	}
	do(t, h, planner(auth.RolePlanner), `query($to: Time, $move: [PlanningEventMoveInput!]) { forecast(series: {region: "eu"}, horizon: 24, to: $to, move: $move) { events { name startsAt endsAt } } }`,
		map[string]any{"to": to, "move": []map[string]any{{"id": campaign.CreatePlanningEvent.ID, "startsAt": planEnd.Add(-48 * time.Hour).Format(time.RFC3339)}}}, &kept)
	if ev := kept.Forecast.Events; len(ev) != 1 || ev[0].Name != "sale" || !ev[0].StartsAt.Equal(planEnd.Add(-48*time.Hour)) || !ev[0].EndsAt.Equal(planEnd.Add(-12*time.Hour)) {
		t.Fatalf("the campaign moved into the history, over the next 24 hours: %+v (the release, left two days out, is not among them)", ev)
	}

	for _, tt := range []struct {
		move []map[string]any
		want string
	}{
		{[]map[string]any{{"id": "999999", "startsAt": to}}, `move[0].id: no planning event \"999999\" in region eu`},
		{[]map[string]any{{"id": id, "startsAt": to, "endsAt": to}}, `move[0]: planning event: end`},
	} {
		_, body := post(t, h, planner(auth.RolePlanner), q, map[string]any{"to": to, "move": tt.move})
		if !strings.Contains(body, tt.want) {
			t.Fatalf("body %s, want an error containing %s", body, tt.want)
		}
	}
}
