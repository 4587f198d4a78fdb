package graphql

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/insights/keyness"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/insights/roi"
	"github.com/meridian-cs/meridian/insights/scenarios"
	"github.com/meridian-cs/meridian/metrics"
)

// Insight fields (schemas/graphql/insights.graphql): opportunity mining, competitor
// mentions, price sensitivity and ROI, for analysts, executives, supervisors and admins.
// Counting happens in ClickHouse through mining.Service; example texts go through the
// compliance gate one by one (ThemeExample.text). Phrases are personal data until k
// customers share them: the gate's policy sets k for the caller's role, and minSupport can
// only raise it.

// ThemeExample returns the ThemeExample field resolver.
func (r *Resolver) ThemeExample() generated.ThemeExampleResolver { return themeExampleResolver{r} }

type themeExampleResolver struct{ *Resolver }

// insightsPrincipal returns the caller when it may read insights and the server has them.
func (r *Resolver) insightsPrincipal(ctx context.Context) (auth.Principal, error) {
	p, err := r.principalFor(ctx, auth.ActionReadInsights, "")
	if err != nil {
		return auth.Principal{}, err
	}
	if r.insights == nil {
		return auth.Principal{}, gqlerror.Errorf("insights are not configured on this server (graphql.Config.Insights is nil)")
	}
	return p, nil
}

// mentionDimension is the filter dimension of conversations and metrics that keeps the
// customer messages a competitor or price rate counts as hits (mining.MentionMatch): values
// competitor, competitor:<id>, price. The insights service owns it, so it needs read_insights
// and a role the field policy lets read message texts.
const mentionDimension = "mention"

// mentionFilter takes a mention filter out of fs for the metrics engine: the other filters
// with the regions the gate lets p search, the condition that keeps the hits, and whether
// there was one.
func (r *Resolver) mentionFilter(p auth.Principal, fs []metrics.Filter) ([]metrics.Filter, []metrics.Condition, bool, error) {
	i := slices.IndexFunc(fs, func(f metrics.Filter) bool { return f.Dimension == mentionDimension })
	if i < 0 {
		return fs, nil, false, nil
	}
	f := fs[i]
	rest := slices.Delete(slices.Clone(fs), i, i+1)
	if slices.ContainsFunc(rest, func(f metrics.Filter) bool { return f.Dimension == mentionDimension }) {
		return nil, nil, false, gqlerror.Errorf("filters: at most one filter on %q", mentionDimension)
	}
	if r.insights == nil {
		return nil, nil, false, gqlerror.Errorf("filter on %q: insights are not configured on this server", mentionDimension)
	}
	op := strings.ToLower(f.Op)
	switch {
	case op == metrics.OpEq && len(f.Values) != 1:
		return nil, nil, false, gqlerror.Errorf("filter on %q: op eq takes exactly one value, got %d (use in)", mentionDimension, len(f.Values))
	case op != "" && op != metrics.OpEq && op != metrics.OpIn && op != metrics.OpNeq:
		return nil, nil, false, gqlerror.Errorf("filter on %q: unknown op %q (one of eq, in, neq)", mentionDimension, f.Op)
	}
	m, err := r.insights.MentionMatch(p, r.gate, f.Values, op == metrics.OpNeq)
	if err != nil {
		return nil, nil, false, err
	}
	rest = append(rest, metrics.Filter{Dimension: "region", Op: metrics.OpIn, Values: m.Regions})
	return rest, []metrics.Condition{m.Cond}, true, nil
}

func tm(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func segment(in generated.SegmentInput) mining.Segment {
	return mining.Segment{Markets: in.Markets, Languages: in.Languages, Products: in.Products, Segments: in.Segments, From: tm(in.From), To: tm(in.To)}
}

func (q queryResolver) Opportunities(ctx context.Context, target generated.SegmentInput, baseline *generated.SegmentInput, from, to *time.Time, period *string, alpha *float64, minSupport *int, limit *int) ([]mining.Theme, error) {
	p, err := q.insightsPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	req := mining.OpportunityRequest{Target: segment(target), From: tm(from), To: tm(to), Period: deref(period), MaxThemes: deref(limit), Keyness: keyness.DefaultOptions()}
	if baseline != nil {
		b := segment(*baseline)
		req.Baseline = &b
	}
	if alpha != nil {
		req.Keyness.Alpha = *alpha
	}
	// k is the gate's, over the regions read (OpportunitiesVia); minSupport may raise it.
	if minSupport != nil {
		if *minSupport < 1 {
			return nil, gqlerror.Errorf("minSupport must be at least 1")
		}
		req.Keyness.MinTarget, req.Keyness.MinTargetDocs = *minSupport, min(*minSupport, req.Keyness.MinTargetDocs)
		req.MinCustomers = *minSupport
	}
	res, err := q.insights.OpportunitiesVia(ctx, p, q.gate, req)
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	return res.Themes, nil
}

func (q queryResolver) CompetitorMentions(ctx context.Context, markets, segments, competitors []string, from, to *time.Time, period *string) (*mining.CompetitorReport, error) {
	p, err := q.insightsPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := q.insights.CompetitorMentions(ctx, p, mining.MentionRequest{Markets: markets, Segments: segments, Competitors: competitors, From: tm(from), To: tm(to), Period: deref(period)})
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	return rep, nil
}

func (q queryResolver) PriceSensitivity(ctx context.Context, markets, segments []string, from, to *time.Time, period *string) (*mining.PriceReport, error) {
	p, err := q.insightsPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := q.insights.PriceSensitivity(ctx, p, mining.MentionRequest{Markets: markets, Segments: segments, From: tm(from), To: tm(to), Period: deref(period)})
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	return rep, nil
}

// scenarioByName reads a shipped scenario by name ("midsize-multinational") or by its path
// in the repository ("insights/scenarios/midsize-multinational.yaml"); nothing else is read
// from the server's disk.
func scenarioByName(name string) (roi.Scenario, error) {
	n := strings.TrimSpace(name)
	if strings.ContainsAny(n, `/\`) {
		if path.Dir(n) != "insights/scenarios" {
			return roi.Scenario{}, fmt.Errorf("scenario %q: give a shipped scenario's name or its path under insights/scenarios (have %s)", name, strings.Join(scenarios.Names(), ", "))
		}
		n = path.Base(n)
	}
	data, err := scenarios.Read(strings.TrimSuffix(n, ".yaml"))
	if err != nil {
		return roi.Scenario{}, err
	}
	return roi.Parse(data)
}

// RoiScenarios lists the shipped scenarios as their files state them. Each is parsed as
// roi(scenario:) parses it, so a listed name is one roi accepts.
func (q queryResolver) RoiScenarios(ctx context.Context) ([]generated.RoiScenario, error) {
	if _, err := q.principalFor(ctx, auth.ActionReadInsights, ""); err != nil {
		return nil, err
	}
	out := []generated.RoiScenario{}
	for _, name := range scenarios.Names() {
		s, err := scenarioByName(name)
		if err != nil {
			return nil, q.fail(ctx, fmt.Errorf("shipped scenario %s: %w", name, err))
		}
		sc := generated.RoiScenario{
			Name: name, Title: s.Name, Currency: s.CurrencyCode(), HorizonMonths: s.HorizonMonths(),
			DiscountRate: s.AnnualDiscountRate(), CashFlows: s.PeriodBasis(), Default: name == scenarios.Default,
		}
		if s.Description != "" {
			sc.Description = &s.Description
		}
		if s.Source != "" {
			sc.Source = &s.Source
		}
		out = append(out, sc)
	}
	return out, nil
}

// RoiInputValue returns the RoiInputValue field resolver.
func (r *Resolver) RoiInputValue() generated.RoiInputValueResolver { return roiInputResolver{r} }

type roiInputResolver struct{ *Resolver }

func (roiInputResolver) Source(_ context.Context, obj *roi.InputValue) (string, error) {
	return string(obj.Source), nil
}

func (q queryResolver) Roi(ctx context.Context, scenario string, discountRate *float64, useActuals *bool, from, to *time.Time) (*generated.RoiResult, error) {
	p, err := q.insightsPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	s, err := scenarioByName(scenario)
	if err != nil {
		return nil, gqlerror.Errorf("%s", err.Error())
	}
	opt := roi.Options{DiscountRate: discountRate}
	var source string
	if useActuals == nil || *useActuals {
		m, err := q.insights.ROIActuals(ctx, p, tm(from), tm(to))
		if err != nil {
			return nil, q.fail(ctx, err)
		}
		if m.Actuals.AnnualContacts != nil {
			opt.Actuals = &m.Actuals
			source = m.Actuals.Source
		}
	}
	res, err := roi.Evaluate(s, opt)
	if err != nil {
		// Scenario and actuals errors name the YAML path; they are the caller's to fix.
		return nil, gqlerror.Errorf("%s", err.Error())
	}
	return roiResult(res, source), nil
}

func roiResult(r roi.Result, source string) *generated.RoiResult {
	out := &generated.RoiResult{
		Scenario: r.Scenario, Currency: r.Currency, HorizonMonths: r.HorizonMonths, DiscountRate: r.DiscountRate,
		CashFlows: r.CashFlows, TotalValue: r.TotalValue, TotalCost: r.TotalCost, NetValue: r.NetValue,
		RoiPercent: r.ROIPercent, Npv: r.NPV, PaybackMonth: r.PaybackMonth, DiscountedPaybackMonth: r.DiscountedPaybackMonth,
		CostItems: r.CostItems, Yearly: r.Yearly, Steps: r.Steps, SensitivityDelta: r.SensitivityDelta,
		Sensitivity: r.Sensitivity, Warnings: r.Warnings, CostComparisons: r.CostComparisons,
		ValueByDimension: []generated.RoiDimension{}, Actuals: []generated.RoiActual{}, Inputs: r.Inputs,
	}
	if source != "" {
		out.ActualsSource = &source
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if out.Inputs == nil {
		out.Inputs = []roi.InputValue{}
	}
	if out.CostComparisons == nil {
		out.CostComparisons = []roi.CostComparison{}
	}
	for _, d := range r.Dimensions {
		out.ValueByDimension = append(out.ValueByDimension, generated.RoiDimension{
			Key: d.Key, Label: d.Label, Basis: string(d.Basis), Value: d.Value, Direct: d.Direct, FromDrivers: d.FromDrivers,
		})
	}
	for _, o := range r.Overrides {
		a := generated.RoiActual{Path: o.Path, ScenarioValue: o.Old, Value: o.New}
		if o.Source != "" {
			a.Source = &o.Source
		}
		if o.Note != "" {
			a.Note = &o.Note
		}
		out.Actuals = append(out.Actuals, a)
	}
	return out
}

func (t themeExampleResolver) Text(ctx context.Context, obj *mining.Example) (string, error) {
	p, err := t.insightsPrincipal(ctx)
	if err != nil {
		return "", err
	}
	text, err := t.insights.ExampleTextVia(ctx, p, t.gate, *obj)
	if err != nil {
		return "", t.fail(ctx, err)
	}
	return text, nil
}
