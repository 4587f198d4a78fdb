package graphql_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// insTenant holds two days of demo traffic, stored per region as ingest stores it.
const insTenant = "ins"

var insOnce sync.Once

func insFixtures(t *testing.T) {
	t.Helper()
	var err error
	insOnce.Do(func() {
		ctx := context.Background()
		pol := models.DefaultPolicy()
		by := map[string][]models.Event{}
		start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		err = demo.New(demo.Config{Seed: 3, Tenant: insTenant, Start: start, End: start.Add(48 * time.Hour), MessagesPerHour: 400}).Each(ctx, func(e models.Event) error {
			e.Region = string(pol.RegionFor(e.Customer.Country))
			e.ReceivedAt = e.OccurredAt
			by[e.Region] = append(by[e.Region], e)
			return nil
		})
		for r, evs := range by {
			if err != nil {
				return
			}
			_, err = (&clickhouse.EventWriter{DB: regionDB(t, r), Region: r}).StoreEvents(ctx, evs)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func insHandler(rec compliance.Auditor) http.Handler {
	svc := &mining.Service{Regions: engine.Regions, Competitors: mining.DemoCompetitors()}
	return graphql.NewHandler(graphql.Config{Engine: engine, Gate: compliance.NewGate(rec), Insights: svc})
}

func ins(role string, regions ...string) *auth.Principal {
	return &auth.Principal{Tenant: insTenant, Role: role, Regions: regions}
}

const opportunitiesQuery = `query($t: SegmentInput!, $b: SegmentInput) {
  opportunities(target: $t, baseline: $b, period: "day", limit: 5) {
    label phrases volume baselineVolume share baselineShare pAdjusted
    markets { key rate } periods { period docs total }
    examples { region conversationId messageId text }
  }
}`

type themeJSON struct {
	Label          string
	Phrases        []string
	Volume         int
	BaselineVolume int
	Share          float64
	BaselineShare  float64
	PAdjusted      float64
	Markets        []struct {
		Key  string
		Rate float64
	}
	Periods  []struct{ Period string }
	Examples []struct{ Region, ConversationID, MessageID, Text string }
}

func TestOpportunitiesThroughGraphQLWithGatedExamples(t *testing.T) {
	insFixtures(t)
	rec := &recorder{}
	h := insHandler(rec)
	vars := map[string]any{
		"t": map[string]any{"markets": []string{"SG", "MY", "TH", "ID", "PH", "VN"}, "languages": []string{"en"}},
		"b": map[string]any{"languages": []string{"en"}},
	}
	var data struct{ Opportunities []themeJSON }
	do(t, h, ins(auth.RoleAnalyst), opportunitiesQuery, vars, &data)
	var planted *themeJSON
	for i, th := range data.Opportunities {
		if strings.Contains(strings.Join(th.Phrases, " "), "moisture") || strings.Contains(strings.Join(th.Phrases, " "), "sterilisation") {
			planted = &data.Opportunities[i]
			break
		}
	}
	if planted == nil {
		t.Fatalf("no planted theme among %+v", data.Opportunities)
	}
	if planted.Volume == 0 || len(planted.Periods) != 2 || len(planted.Examples) == 0 || planted.Share <= planted.BaselineShare {
		t.Errorf("theme %+v", planted)
	}
	for _, ex := range planted.Examples {
		if ex.Text == "" || ex.Text == compliance.Hidden || ex.ConversationID == "" {
			t.Errorf("analyst example %+v: want masked text", ex)
		}
	}
	rec.mu.Lock()
	n := len(rec.entries)
	if n == 0 || rec.entries[0].Outcome != compliance.OutcomeMasked || rec.entries[0].Action != compliance.ActionReadText {
		t.Errorf("audit %+v, want masked text reads", rec.entries)
	}
	rec.mu.Unlock()
	// An executive sees the themes but not the texts.
	do(t, h, ins(auth.RoleExecutive), opportunitiesQuery, vars, &data)
	for _, th := range data.Opportunities {
		for _, ex := range th.Examples {
			if ex.Text != compliance.Hidden {
				t.Fatalf("executive read example text %q", ex.Text)
			}
		}
	}
}

func TestCompetitorAndPriceReportsThroughGraphQL(t *testing.T) {
	insFixtures(t)
	h := insHandler(nil)
	var data struct {
		CompetitorMentions struct {
			Rate    struct{ Hits, Docs int }
			Markets []struct {
				Market string
				Rate   struct{ Rate float64 }
			}
			Trend []struct{ Key string }
		}
		PriceSensitivity struct {
			Segments       []struct{ Key string }
			MarketSegments []struct {
				Key  string
				Rate float64
			}
		}
	}
	do(t, h, ins(auth.RoleSupervisor), `{
  competitorMentions(period: "day") { rate { hits docs } markets { market rate { rate } } trend { key } }
  priceSensitivity(segments: ["enterprise"]) { segments { key } marketSegments { key rate } }
}`, nil, &data)
	c := data.CompetitorMentions
	if c.Rate.Docs == 0 || c.Rate.Hits == 0 || len(c.Trend) != 2 {
		t.Errorf("competitor report %+v", c)
	}
	rates := map[string]float64{}
	for _, m := range c.Markets {
		rates[m.Market] = m.Rate.Rate
	}
	if rates["KR"] < 3*rates["US"] {
		t.Errorf("KR %.3f vs US %.3f", rates["KR"], rates["US"])
	}
	if p := data.PriceSensitivity; len(p.Segments) != 1 || p.Segments[0].Key != "enterprise" || len(p.MarketSegments) == 0 {
		t.Errorf("price report %+v", p)
	}
}

func TestROIUsesActualsFromClickHouse(t *testing.T) {
	insFixtures(t)
	h := insHandler(nil)
	var data struct {
		Roi struct {
			TotalValue, RoiPercent float64
			ValueByDimension       []struct {
				Key, Basis string
				Value      float64
			}
			Steps       []struct{ Name string }
			Sensitivity []struct{ Input string }
			Actuals     []struct {
				Path  string
				Value float64
			}
			ActualsSource *string
			Inputs        []struct {
				Path, Source  string
				Value         float64
				ScenarioValue *float64
			}
		}
	}
	do(t, h, ins(auth.RoleExecutive), `{ roi(scenario: "insights/scenarios/drivers-example.yaml", discountRate: 0.09) {
  totalValue roiPercent valueByDimension { key basis value } steps { name } sensitivity { input } actuals { path value } actualsSource
  inputs { path source value scenarioValue } } }`, nil, &data)
	r := data.Roi
	// The inputs: the measured ones as actuals with their measured values, the discount rate
	// as this request's option, the rest as the file's assumptions.
	measured := map[string]float64{}
	for _, a := range r.Actuals {
		measured[a.Path] = a.Value
	}
	sources := map[string]int{}
	for _, in := range r.Inputs {
		sources[in.Source]++
		v, isActual := measured[in.Path]
		switch {
		case in.Path == "discount_rate":
			if in.Source != "option" || in.Value != 0.09 || in.ScenarioValue == nil || *in.ScenarioValue != 0.08 {
				t.Errorf("discount rate input %+v", in)
			}
		case isActual:
			if in.Source != "actual" || in.Value != v {
				t.Errorf("input %+v, measured %v", in, v)
			}
		case in.Source != "scenario" || in.ScenarioValue != nil:
			t.Errorf("input %+v is not measured but not the scenario's", in)
		}
	}
	if sources["actual"] != len(r.Actuals) || sources["option"] != 1 || sources["scenario"] < 20 {
		t.Errorf("input sources %v with %d actuals", sources, len(r.Actuals))
	}
	paths := map[string]float64{}
	for _, a := range r.Actuals {
		paths[a.Path] = a.Value
	}
	if paths["value.efficiency.drivers.annual_contacts"] <= 0 || paths["value.efficiency.drivers.ai_containment"] <= 0.2 || r.ActualsSource == nil || !strings.Contains(*r.ActualsSource, "tenant=ins") {
		t.Errorf("actuals %+v source %v", r.Actuals, r.ActualsSource)
	}
	if r.TotalValue <= 0 || len(r.ValueByDimension) != 5 || len(r.Steps) == 0 || len(r.Sensitivity) == 0 {
		t.Errorf("roi %+v", r)
	}
	// Without actuals the scenario's own figures stand.
	do(t, h, ins(auth.RoleAdmin), `{ roi(scenario: "midsize-multinational", useActuals: false) { roiPercent actuals { path } } }`, nil, &data)
	if len(data.Roi.Actuals) != 0 || data.Roi.RoiPercent < 486 || data.Roi.RoiPercent > 488 {
		t.Errorf("write-up scenario without actuals: ROI %.2f, actuals %v", data.Roi.RoiPercent, data.Roi.Actuals)
	}
}

func TestROIScenariosAreTheOnesROIAccepts(t *testing.T) {
	h := insHandler(nil)
	var list struct {
		RoiScenarios []struct {
			Name, Title, Currency, CashFlows string
			Description, Source              *string
			HorizonMonths                    int
			DiscountRate                     float64
			Default                          bool
		}
	}
	do(t, h, ins(auth.RoleExecutive), `{ roiScenarios { name title description source currency horizonMonths discountRate cashFlows default } }`, nil, &list)
	var names, defaults []string
	for _, sc := range list.RoiScenarios {
		names = append(names, sc.Name)
		if sc.Default {
			defaults = append(defaults, sc.Name)
		}
		if sc.Title == "" || sc.Description == nil || *sc.Description == "" {
			t.Errorf("scenario %s has no title or description: %+v", sc.Name, sc)
		}
		// roi accepts each by its name, and computes on the figures the list states.
		var data struct {
			Roi struct {
				Scenario, Currency, CashFlows string
				HorizonMonths                 int
				DiscountRate                  float64
			}
		}
		do(t, h, ins(auth.RoleExecutive), `query($s: String!) { roi(scenario: $s, useActuals: false) { scenario currency cashFlows horizonMonths discountRate } }`, map[string]any{"s": sc.Name}, &data)
		if r := data.Roi; r.Scenario != sc.Title || r.Currency != sc.Currency || r.CashFlows != sc.CashFlows || r.HorizonMonths != sc.HorizonMonths || r.DiscountRate != sc.DiscountRate {
			t.Errorf("roi(scenario: %q) = %+v, listed as %+v", sc.Name, r, sc)
		}
	}
	if len(names) < 2 || len(defaults) != 1 {
		t.Fatalf("scenarios %v, defaults %v", names, defaults)
	}
	// An unknown scenario's error names every listed one.
	_, body := post(t, h, ins(auth.RoleAnalyst), `{ roi(scenario: "no-such-scenario") { npv } }`, nil)
	if !strings.Contains(body, "no-such-scenario") || !strings.Contains(body, "have "+strings.Join(names, ", ")) {
		t.Errorf("unknown scenario with scenarios %v: %s", names, body)
	}
	// The same permission as roi.
	for _, role := range []string{auth.RolePlanner, auth.RoleAgent, auth.RoleCompliance} {
		if _, body := post(t, h, ins(role), `{ roiScenarios { name } }`, nil); !strings.Contains(body, "forbidden") {
			t.Errorf("role %s: %s", role, body)
		}
	}
	// The shipped scenarios need no ClickHouse: a server without insights lists them too.
	var bare struct{ RoiScenarios []struct{ Name string } }
	do(t, graphql.NewHandler(graphql.Config{Engine: engine}), ins(auth.RoleExecutive), `{ roiScenarios { name } }`, nil, &bare)
	if len(bare.RoiScenarios) != len(names) {
		t.Errorf("without insights: %+v, want %v", bare.RoiScenarios, names)
	}
}

func TestInsightFieldsCheckRolesAndConfiguration(t *testing.T) {
	h := insHandler(nil)
	for _, role := range []string{auth.RolePlanner, auth.RoleAgent, auth.RoleCompliance} {
		_, body := post(t, h, ins(role), `{ priceSensitivity { rate { docs } } }`, nil)
		if !strings.Contains(body, "forbidden") {
			t.Errorf("role %s: %s", role, body)
		}
	}
	_, body := post(t, h, ins(auth.RoleAnalyst), `{ roi(scenario: "/etc/passwd") { roiPercent } }`, nil)
	if !strings.Contains(body, "insights/scenarios") {
		t.Errorf("a path outside insights/scenarios: %s", body)
	}
	_, body = post(t, h, ins(auth.RoleAnalyst), `{ priceSensitivity(period: "year") { rate { docs } } }`, nil)
	if !strings.Contains(body, `unknown period \"year\"`) {
		t.Errorf("bad period: %s", body)
	}
	bare := graphql.NewHandler(graphql.Config{Engine: engine})
	_, body = post(t, bare, ins(auth.RoleAnalyst), `{ competitorMentions { rate { docs } } }`, nil)
	if !strings.Contains(body, "insights are not configured") {
		t.Errorf("no insights configured: %s", body)
	}
}
