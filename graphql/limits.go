package graphql

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/metrics"
)

// Limits of one operation, checked after validation and before any resolver runs.
const (
	// DefaultComplexityLimit bounds a query's cost (see complexity). One page of 50
	// conversations with 50 messages each fits, 500 × 500 does not; so do ~80 metrics fields
	// on three regions, 2,000 do not.
	DefaultComplexityLimit = 25000
	// MaxFields bounds the fields of an operation once every fragment spread is replaced by
	// its fragment. Fragments that spread another fragment twice double it with each level, so
	// a 1 KB document can stand for 2^40 fields; anything that walks the expanded operation
	// (gqlgen's own complexity walk did) must not start on one. The introspection query of
	// GraphiQL expands to under 500 fields.
	MaxFields = 5000
	// MaxRootFields bounds the root fields of an operation, aliases counted: each may be a
	// query per region.
	MaxRootFields = 32
	// maxConcurrentRootFields is how many root fields of one operation run at once. gqlgen
	// starts every root field at once; on the embedded store they then queue for chDB, where
	// a query that has started cannot be interrupted, so a client that leaves would still
	// have all of them run and other keys' queries wait behind them.
	maxConcurrentRootFields = 4
)

// queryCost is the cost of one ClickHouse (or PostgreSQL) query in complexity units, where a
// plain field costs 1: a field is weighed by the queries its resolver runs. forecastCost is a
// forecast computed on demand (history query, backtests of the candidate models).
const (
	queryCost    = 100
	forecastCost = 10 * queryCost
)

const errComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"

// complexity weighs every field by what its resolver does: list fields cost their page size
// times their children, and a field that queries the stores costs queryCost per query,
// per region where it runs one query in each (regions: the server's, the most a key reads).
func complexity(regions int) generated.ComplexityRoot {
	var c generated.ComplexityRoot
	page := func(first *int) int {
		if first == nil || *first < 1 {
			return metrics.DefaultPageSize
		}
		return *first
	}
	perRegion := func(queries int) int { return queries * queryCost * max(1, regions) }
	source := func(s *string) int {
		if s != nil && *s == "live" {
			return forecastCost
		}
		return queryCost
	}
	q := &c.Query
	q.Metrics = func(child int, _, _ []string, _ []generated.FilterInput, _, _ *time.Time, _ *string, _ *int, _ []generated.OrderInput) int {
		return 1 + perRegion(1) + child
	}
	q.ServiceAnalytics = func(child int, _ []generated.FilterInput, _, _ *time.Time, _ *string, _ []string) int {
		return 1 + perRegion(2) + child
	}
	q.Conversation = func(child int, _ string) int { return 1 + perRegion(2) + child }
	q.Conversations = func(child int, _ []generated.FilterInput, _, _ *time.Time, first *int, _ *string) int {
		return satAdd(1+perRegion(3), satMul(page(first), child))
	}
	c.Conversation.Messages = func(child int, first *int) int {
		return satAdd(1+queryCost, satMul(page(first), child))
	}
	q.Forecast = func(child int, _ generated.SeriesInput, _ int, _ *float64, _ *string, _ *int, _ *time.Time, _ []generated.PlanningEventMoveInput) int {
		return 1 + forecastCost + child
	}
	q.Forecasts = func(child int, _ *string, _ *generated.SeriesInput, _ *string, _, _ *time.Time) int {
		return 1 + perRegion(1) + child
	}
	q.PlanningEvents = func(child int, _ *string, _, _ *time.Time) int { return 1 + perRegion(1) + child }
	// One store lookup (the tenant's revision); the search runs in memory.
	q.Articles = func(child int, _, _ *string, limit *int) int {
		return 1 + queryCost + satMul(max(1, deref(limit)), child)
	}
	q.Staffing = func(child int, in generated.StaffingInput) int {
		cost := 1
		if in.Series != nil {
			cost += source(in.Source)
		}
		return cost + child
	}
	q.FollowTheSun = func(child int, in generated.FollowTheSunInput) int {
		cost := 1
		for _, d := range in.Demand {
			if d.Series != nil {
				cost = satAdd(cost, source(in.Source))
			}
		}
		return satAdd(cost, child)
	}
	q.Opportunities = func(child int, _ generated.SegmentInput, _ *generated.SegmentInput, _, _ *time.Time, _ *string, _ *float64, _, _ *int) int {
		return 1 + perRegion(5) + child
	}
	q.CompetitorMentions = func(child int, _, _, _ []string, _, _ *time.Time, _ *string) int {
		return 1 + perRegion(2) + child
	}
	q.PriceSensitivity = func(child int, _, _ []string, _, _ *time.Time, _ *string) int {
		return 1 + perRegion(2) + child
	}
	q.Roi = func(child int, _ string, _ *float64, _ *bool, _, _ *time.Time) int { return 1 + perRegion(2) + child }
	c.Mutation.CreatePlanningEvent = func(child int, _ generated.PlanningEventInput) int { return 1 + queryCost + child }
	return c
}

// operationLimits refuses operations over MaxFields, MaxRootFields or the complexity limit.
// It replaces gqlgen's complexity extension, whose walk enters a fragment again at every
// spread of it: here every fragment is weighed once and its weight reused, so the check is
// linear in the document whatever the document expands to.
type operationLimits struct {
	es    gql.ExecutableSchema
	limit int
}

var _ interface {
	gql.HandlerExtension
	gql.OperationContextMutator
} = operationLimits{}

func (operationLimits) ExtensionName() string               { return "OperationLimits" }
func (operationLimits) Validate(gql.ExecutableSchema) error { return nil }
func (l operationLimits) MutateOperationContext(ctx context.Context, opCtx *gql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	if op == nil {
		return nil
	}
	w := weigher{ctx: ctx, es: l.es, schema: l.es.Schema(), vars: opCtx.Variables, fragments: map[string]weight{}}
	total := w.selectionSet(op.SelectionSet)
	refuse := func(format string, args ...any) *gqlerror.Error {
		err := gqlerror.Errorf(format, args...)
		errcode.Set(err, errComplexityLimit)
		return err
	}
	if total.fields > MaxFields {
		return refuse("operation has %s fields once its fragments are expanded, which exceeds the limit of %d", count(total.fields), MaxFields)
	}
	if roots := rootFields(op.SelectionSet, map[string]bool{}, map[string]bool{}); roots > MaxRootFields {
		return refuse("operation has %d root fields (each alias counts), which exceeds the limit of %d", roots, MaxRootFields)
	}
	if total.cost > l.limit {
		return refuse("operation has complexity %s, which exceeds the limit of %d", count(total.cost), l.limit)
	}
	return nil
}

// count prints a saturated count as such.
func count(n int) string {
	if n == math.MaxInt {
		return "more than 2^63"
	}
	return strconv.Itoa(n)
}

// weight is what a selection set stands for once its fragments are expanded.
type weight struct {
	fields int // fields, nested ones included
	cost   int // complexity
}

func (a weight) add(b weight) weight {
	return weight{satAdd(a.fields, b.fields), satAdd(a.cost, b.cost)}
}

type weigher struct {
	ctx       context.Context
	es        gql.ExecutableSchema
	schema    *ast.Schema
	vars      map[string]any
	fragments map[string]weight // memo: a fragment weighs the same at every spread
}

func (w *weigher) selectionSet(set ast.SelectionSet) weight {
	var total weight
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total = total.add(w.field(s))
		case *ast.InlineFragment:
			total = total.add(w.selectionSet(s.SelectionSet))
		case *ast.FragmentSpread:
			fw, ok := w.fragments[s.Name]
			if !ok {
				// Validation refused cycles; the placeholder keeps a cycle finite anyway.
				w.fragments[s.Name] = weight{}
				if s.Definition != nil {
					fw = w.selectionSet(s.Definition.SelectionSet)
				}
				w.fragments[s.Name] = fw
			}
			total = total.add(fw)
		}
	}
	return total
}

func (w *weigher) field(f *ast.Field) weight {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return weight{fields: 1, cost: 1}
	}
	child := w.selectionSet(f.SelectionSet)
	var args map[string]any
	cost := 0
	// An interface field costs what its most expensive implementation costs.
	objects := []*ast.Definition{f.ObjectDefinition}
	if k := f.ObjectDefinition.Kind; k == ast.Interface || k == ast.Union {
		objects = w.schema.GetPossibleTypes(f.ObjectDefinition)
	}
	for _, obj := range objects {
		c, ok := 0, false
		if !isIntrospection(obj.Name) {
			if args == nil {
				args = f.ArgumentMap(w.vars)
			}
			c, ok = w.es.Complexity(w.ctx, obj.Name, f.Name, child.cost, args)
		}
		if !ok || c < 1 {
			c = satAdd(1, child.cost)
		}
		cost = max(cost, c)
	}
	return weight{fields: satAdd(1, child.fields), cost: cost}
}

func isIntrospection(typeName string) bool { return len(typeName) > 2 && typeName[:2] == "__" }

// rootFields counts the distinct response keys of the root selection set, as execution
// collects them: a fragment spread twice adds its fields once.
func rootFields(set ast.SelectionSet, keys, visited map[string]bool) int {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			keys[s.Alias] = true
		case *ast.InlineFragment:
			rootFields(s.SelectionSet, keys, visited)
		case *ast.FragmentSpread:
			if !visited[s.Name] && s.Definition != nil {
				visited[s.Name] = true
				rootFields(s.Definition.SelectionSet, keys, visited)
			}
		}
	}
	return len(keys)
}

// satAdd and satMul saturate at math.MaxInt instead of wrapping, so no document can make a
// huge weight look small; negative operands count as 0.
func satAdd(a, b int) int {
	a, b = max(a, 0), max(b, 0)
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func satMul(a, b int) int {
	a, b = max(a, 0), max(b, 0)
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}

type rootSlotsKey struct{}

// withRootSlots gives an operation its maxConcurrentRootFields turns to run root fields.
func withRootSlots(ctx context.Context) context.Context {
	return context.WithValue(ctx, rootSlotsKey{}, make(chan struct{}, maxConcurrentRootFields))
}

// rootFieldTurns runs a root field when one of its operation's turns is free, and not at all
// once the request's context has ended (the client left, or the query timeout passed): the
// fields still waiting then start no query.
func rootFieldTurns(ctx context.Context, next gql.RootResolver) gql.Marshaler {
	slots, _ := ctx.Value(rootSlotsKey{}).(chan struct{})
	if slots != nil {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-ctx.Done():
		}
	}
	if ctx.Err() != nil {
		gql.AddError(ctx, statusErrorf(http.StatusGatewayTimeout, "request cancelled or timed out"))
		return gql.Null
	}
	return next(ctx)
}
