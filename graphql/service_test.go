package graphql_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql"
)

// Each serviceAnalytics cell must equal the metrics measures of the same name for that cell,
// so a dashboard tile and its drill-down never disagree.
func TestServiceAnalyticsAgreesWithTheMetricsMeasures(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	p := principal(auth.RoleSupervisor)
	var svc struct {
		ServiceAnalytics struct {
			Dimensions []string
			Rows       []struct {
				Period                                                       string
				Dimensions                                                   []string
				Conversations, Messages, FirstResponseSeconds, AiContainment float64
				ResolutionSeconds, Handoffs, CsatAvg                         float64
			}
		}
	}
	do(t, h, p, `{ serviceAnalytics(granularity: "month", by: ["region"]) { dimensions rows { period dimensions conversations messages firstResponseSeconds aiContainment resolutionSeconds handoffs csatAvg } } }`, nil, &svc)
	if len(svc.ServiceAnalytics.Rows) == 0 || fmt.Sprint(svc.ServiceAnalytics.Dimensions) != "[region]" {
		t.Fatalf("serviceAnalytics = %+v", svc.ServiceAnalytics)
	}
	var m struct {
		Metrics struct {
			Rows []struct {
				Dimensions []string
				Values     []float64
			}
		}
	}
	want := map[string][]float64{}
	for _, q := range []string{
		`{ metrics(measures: ["conversations", "messages", "handoffs", "csat_avg"], dimensions: ["time", "region"], granularity: "month") { rows { dimensions values } } }`,
		`{ metrics(measures: ["first_response_seconds", "ai_containment", "resolution_seconds"], dimensions: ["time", "region"], granularity: "month") { rows { dimensions values } } }`,
	} {
		do(t, h, p, q, nil, &m)
		for _, r := range m.Metrics.Rows {
			k := fmt.Sprint(r.Dimensions)
			want[k] = append(want[k], r.Values...)
		}
	}
	for _, r := range svc.ServiceAnalytics.Rows {
		k := fmt.Sprint(append([]string{r.Period}, r.Dimensions...))
		got := []float64{r.Conversations, r.Messages, r.Handoffs, r.CsatAvg, r.FirstResponseSeconds, r.AiContainment, r.ResolutionSeconds}
		if fmt.Sprint(got) != fmt.Sprint(want[k]) {
			t.Errorf("%s: serviceAnalytics %v, metrics %v", k, got, want[k])
		}
	}
	if len(svc.ServiceAnalytics.Rows) != len(want) {
		t.Errorf("serviceAnalytics has %d rows, metrics %d cells", len(svc.ServiceAnalytics.Rows), len(want))
	}
}

func TestServiceAnalyticsRefusesAnIngestKey(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine})
	_, body := post(t, h, principal(auth.RoleIngest), `{ serviceAnalytics { rows { period } } }`, nil)
	if !strings.Contains(body, "forbidden") {
		t.Fatalf("an ingest key read service analytics: %s", body)
	}
}
