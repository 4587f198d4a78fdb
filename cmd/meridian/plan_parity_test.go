package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/metrics"
)

// TestStaffingCLIAndGraphQLGiveTheSamePlan plans the same demand through `meridian staffing
// --forecast` and the GraphQL staffing field: both call the planning service, so every
// interval must agree.
func TestStaffingCLIAndGraphQLGiveTheSamePlan(t *testing.T) {
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	contacts := []float64{120, 0, 30, 75.5, 400, 3}
	var csvIn strings.Builder
	csvIn.WriteString("series,timestamp,mean,lo,hi\n")
	for i, c := range contacts {
		ts := start.Add(time.Duration(i) * 30 * time.Minute).Format(time.RFC3339)
		csvIn.WriteString("q," + ts + "," + jsonNum(c) + "," + jsonNum(c) + "," + jsonNum(c) + "\n")
	}
	fc := filepath.Join(t.TempDir(), "forecast.csv")
	if err := os.WriteFile(fc, []byte(csvIn.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		flags []string
		input string
	}{
		{"erlang c with shrinkage", []string{"--aht", "240", "--shrinkage", "0.3"}, `ahtSeconds: 240, shrinkage: 0.3`},
		{"erlang a with an ASA target", []string{"--aht", "300", "--patience", "120", "--asa", "30"}, `ahtSeconds: 300, patienceSeconds: 120, asaSeconds: 30`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"staffing", "--forecast", fc, "--json"}, tc.flags...), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var cli []staffingJSON
			if err := json.Unmarshal(stdout.Bytes(), &cli); err != nil {
				t.Fatal(err)
			}

			h := graphql.NewHandler(graphql.Config{Engine: metrics.NewEngine(nil, []string{"eu"})})
			q := `{ staffing(input: {` + tc.input + `, contacts: [` + strings.Join(jsonNums(contacts), ", ") + `], interval: "30m", start: "` + start.Format(time.RFC3339) + `"}) {
			  intervals { start callsPerHour agents scheduledAgents serviceLevel asaSeconds occupancy abandonRate } } }`
			body, _ := json.Marshal(map[string]any{"query": q})
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req = req.WithContext(auth.WithPrincipal(req.Context(), auth.Principal{Tenant: "acme", Role: auth.RolePlanner}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			var resp struct {
				Data struct {
					Staffing struct {
						Intervals []struct {
							Start                                             time.Time
							CallsPerHour, ServiceLevel, AsaSeconds, Occupancy float64
							Agents, ScheduledAgents                           int
							AbandonRate                                       *float64
						}
					}
				}
				Errors []struct{ Message string }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || len(resp.Errors) > 0 {
				t.Fatalf("graphql %d: %s (%v)", w.Code, w.Body.String(), err)
			}
			gq := resp.Data.Staffing.Intervals
			if len(cli) != len(contacts) || len(gq) != len(contacts) {
				t.Fatalf("CLI planned %d intervals, GraphQL %d; want %d", len(cli), len(gq), len(contacts))
			}
			for i, c := range cli {
				g := gq[i]
				// The CLI rounds what it prints; the resolver answers full precision.
				same := c.Timestamp == g.Start.Format(time.RFC3339) && c.Agents == g.Agents && c.Scheduled == g.ScheduledAgents &&
					c.CallsPerHour == round(g.CallsPerHour, 3) && c.ServiceLevel == round(g.ServiceLevel, 4) &&
					c.ASASeconds == round(g.AsaSeconds, 2) && c.Occupancy == round(g.Occupancy, 4) &&
					(c.AbandonRate == nil) == (g.AbandonRate == nil) && (c.AbandonRate == nil || *c.AbandonRate == round(*g.AbandonRate, 4))
				if !same {
					t.Errorf("interval %d: CLI %+v, GraphQL %+v", i, c, g)
				}
			}
		})
	}
}

func jsonNum(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonNums(vs []float64) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = jsonNum(v)
	}
	return out
}
