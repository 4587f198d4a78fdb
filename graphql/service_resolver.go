package graphql

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/metrics"
)

// Service KPIs come from two kinds of measure: counts over events, and per-conversation facts
// (first response, resolution, containment). The engine keeps the two apart, so the resolver
// runs one query of each and joins them by period and breakdown.
var (
	serviceEventMeasures = []string{"conversations", "messages", "handoffs", "escalations", "csat_avg", "nps", "sentiment_avg"}
	serviceConvMeasures  = []string{"first_response_seconds", "resolution_seconds", "ai_containment"}
)

func (q queryResolver) ServiceAnalytics(ctx context.Context, fs []generated.FilterInput, from, to *time.Time, granularity *string, by []string) (*generated.ServiceAnalytics, error) {
	p, err := q.principal(ctx)
	if err != nil {
		return nil, err
	}
	g := deref(granularity)
	if g == "" {
		g = "day"
	}
	dims := append([]string{"time"}, by...)
	run := func(measures []string) (*metrics.Result, error) {
		return q.engine.Run(ctx, p, metrics.Query{Measures: measures, Dimensions: dims, Filters: filters(fs), From: from, To: to, Granularity: g})
	}
	events, err := run(serviceEventMeasures)
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	convs, err := run(serviceConvMeasures)
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	var rows []*generated.ServiceAnalyticsRow
	byKey := map[string]*generated.ServiceAnalyticsRow{}
	row := func(d []string) *generated.ServiceAnalyticsRow {
		k := strings.Join(d, "\x00")
		r, ok := byKey[k]
		if !ok {
			r = &generated.ServiceAnalyticsRow{Period: d[0], Dimensions: append([]string{}, d[1:]...)}
			byKey[k] = r
			rows = append(rows, r)
		}
		return r
	}
	for _, r := range events.Rows {
		x := row(r.Dimensions)
		x.Conversations, x.Messages, x.Handoffs, x.Escalations = r.Values[0], r.Values[1], r.Values[2], r.Values[3]
		x.CsatAvg, x.Nps, x.SentimentAvg = r.Values[4], r.Values[5], r.Values[6]
	}
	for _, r := range convs.Rows {
		x := row(r.Dimensions)
		x.FirstResponseSeconds, x.ResolutionSeconds, x.AiContainment = r.Values[0], r.Values[1], r.Values[2]
	}
	out := &generated.ServiceAnalytics{Granularity: g, Dimensions: by, Rows: make([]generated.ServiceAnalyticsRow, 0, len(rows))}
	if out.Dimensions == nil {
		out.Dimensions = []string{}
	}
	// Both queries come back sorted by their dimensions; periods that only one of them has
	// are appended after, so sort the union the same way.
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := append([]string{rows[i].Period}, rows[i].Dimensions...), append([]string{rows[j].Period}, rows[j].Dimensions...)
		return slices.Compare(a, b) < 0
	})
	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
	}
	return out, nil
}
