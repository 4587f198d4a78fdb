package graphql_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/arrowipc"
	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// rowsDB answers every query with the same rows, as ClickHouse would answer the metrics
// query of BenchmarkPostMetrics: two dimensions, the partials of messages and csat_avg, n.
type rowsDB struct{ rows [][]any }

func (db rowsDB) Query(context.Context, string) (*clickhouse.Result, error) {
	return &clickhouse.Result{Rows: db.rows}, nil
}
func (db rowsDB) QueryParams(context.Context, string, clickhouse.Params) (*clickhouse.Result, error) {
	return &clickhouse.Result{Rows: db.rows}, nil
}
func (rowsDB) Exec(context.Context, string) error                              { return nil }
func (rowsDB) Insert(context.Context, string, string, []byte, ...string) error { return nil }
func (rowsDB) Ping(context.Context) error                                      { return nil }
func (rowsDB) Close() error                                                    { return nil }

// BenchmarkPostMetrics answers a 10,000-row result (100 countries × 100 days, messages and
// csat_avg) through POST /v1/metrics as Arrow and as JSON: the engine's merge and sort, the
// executor and the encoding; the ClickHouse query itself is not run ("engine" is the merge
// and sort alone).
func BenchmarkPostMetrics(b *testing.B) {
	var rows [][]any
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for c := range 100 {
		for d := range 100 {
			rows = append(rows, []any{fmt.Sprintf("C%02d", c), day.AddDate(0, 0, d).Format(time.DateOnly), float64(c*d + 1), float64(4 * (d + 1)), float64(d + 1), float64(c*d + 1)})
		}
	}
	engine := metrics.NewEngine(rowsDB{rows}, []string{"eu"})
	h := graphql.NewMetricsHandler(graphql.Config{Engine: engine})
	const body = `{"measures":["messages","csat_avg"],"dimensions":["country","day"]}`
	p := principal(auth.RoleAnalyst)
	// The engine alone, for what the answers add to it.
	b.Run("engine", func(b *testing.B) {
		for b.Loop() {
			if _, err := engine.Run(b.Context(), *p, metrics.Query{Measures: []string{"messages", "csat_avg"}, Dimensions: []string{"country", "day"}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, accept := range []string{arrowipc.MediaType, "application/json"} {
		b.Run(accept, func(b *testing.B) {
			size := 0
			for b.Loop() {
				w := postMetrics(b, h, p, accept, body)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body.Bytes())
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/answer")
		})
	}
}
