package metrics

import (
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Limits on a query's shape.
const (
	MaxDimensions = 6
	MaxMeasures   = 20
	MaxFilters    = 20
	MaxValues     = 1000 // values of one filter
	DefaultLimit  = 10000
	MaxLimit      = 100000
)

// Query asks for measures broken down by dimensions, over the events that pass the filters
// and fall in [From, To).
type Query struct {
	Measures   []string
	Dimensions []string
	Filters    []Filter
	// From (inclusive) and To (exclusive) bound occurred_at; nil means unbounded.
	From, To *time.Time
	// Granularity buckets the "time" dimension: hour, day, week or month (default day).
	Granularity string
	// Limit caps the rows returned (default DefaultLimit, at most MaxLimit).
	Limit int
	// OrderBy sorts rows; rows tie-break on the dimensions in order, ascending. Empty means
	// by the dimensions ascending.
	OrderBy []Order
	// Where adds conditions over the events table that another package owns, each binding its
	// parameters on the query's binder: the API layer's insights mention filter, whose terms
	// and compliance checks are the insights service's. Built by code, never from request text.
	Where []Condition
}

// A Condition is a boolean ClickHouse expression over the events table's columns that binds
// its parameters on b.
type Condition func(b *clickhouse.Binder) string

// and appends each condition of ws to the row filter cond.
func and(cond string, b *clickhouse.Binder, ws []Condition) string {
	for _, w := range ws {
		cond += " AND " + w(b)
	}
	return cond
}

// Filter keeps the events whose dimension compares to the values as Op says. Filters on
// "region" choose which regions' databases are read; they never become a column filter.
type Filter struct {
	Dimension string
	Op        string // OpEq, OpIn or OpNeq; empty means OpEq (or OpIn with several values)
	Values    []string
}

// Order sorts by a measure or a dimension of the query.
type Order struct {
	Field string
	Desc  bool
}

// Row is one combination of dimension values and its measures, in the query's order.
type Row struct {
	Dimensions []string
	Values     []float64
}

// Result is a query's answer.
type Result struct {
	Measures   []string
	Dimensions []string
	Rows       []Row
	// Truncated reports that Limit cut rows off.
	Truncated bool
}

// Normalize validates q and fills defaults. The error, a *ValidationError, names the bad input.
func (q *Query) Normalize() error {
	if len(q.Measures) == 0 {
		return invalidf("at least one measure is required (known: %s)", names(Measures()))
	}
	if len(q.Measures) > MaxMeasures {
		return invalidf("too many measures: %d (at most %d)", len(q.Measures), MaxMeasures)
	}
	seen := map[string]bool{}
	for _, m := range q.Measures {
		if _, ok := measures[m]; !ok {
			return unknownMeasure(m)
		}
		if seen[m] {
			return invalidf("measure %q is listed twice", m)
		}
		seen[m] = true
	}
	if len(q.Dimensions) > MaxDimensions {
		return invalidf("too many dimensions: %d (at most %d)", len(q.Dimensions), MaxDimensions)
	}
	seen = map[string]bool{}
	for _, d := range q.Dimensions {
		if _, ok := dimensions[d]; !ok {
			return unknownDimension(d)
		}
		if seen[d] {
			return invalidf("dimension %q is listed twice", d)
		}
		seen[d] = true
	}
	if q.Granularity == "" {
		q.Granularity = DefaultGranularity
	}
	if _, ok := granularities[q.Granularity]; !ok {
		return invalidf("unknown granularity %q (one of hour, day, week, month)", q.Granularity)
	}
	if err := validateFilters(q.Filters); err != nil {
		return err
	}
	if err := validateRange(q.From, q.To); err != nil {
		return err
	}
	switch {
	case q.Limit < 0:
		return invalidf("limit %d is negative", q.Limit)
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit > MaxLimit:
		return invalidf("limit %d is above the maximum %d", q.Limit, MaxLimit)
	}
	for _, o := range q.OrderBy {
		if !slices.Contains(q.Measures, o.Field) && !slices.Contains(q.Dimensions, o.Field) {
			return invalidf("orderBy %q is neither a measure nor a dimension of the query", o.Field)
		}
	}
	return nil
}

func validateRange(from, to *time.Time) error {
	if from != nil && to != nil && from.After(*to) {
		return invalidf("from (%s) is after to (%s)", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	return nil
}

// canonical writes a filter value of these dimensions as ingest stores it (models.Event's
// Normalize and Validate), so "de", "UK", "WhatsApp" or "pt_br" find "DE", "GB", "whatsapp"
// and "pt-BR".
var canonical = map[string]func(string) string{
	"country":  models.CanonicalCountryOrSelf,
	"channel":  models.CanonicalChannel,
	"language": models.CanonicalLanguage,
}

func validateFilters(fs []Filter) error {
	if len(fs) > MaxFilters {
		return invalidf("too many filters: %d (at most %d)", len(fs), MaxFilters)
	}
	for i := range fs {
		f := &fs[i]
		if _, ok := dimensions[f.Dimension]; !ok {
			return invalidf("filter on unknown dimension %q (known: %s)", f.Dimension, names(Dimensions()))
		}
		if f.Dimension == timeDimension {
			return invalidf(`cannot filter on dimension "time"; use from/to, or filter on hour, day, week or month`)
		}
		if len(f.Values) == 0 {
			return invalidf("filter on %q has no values", f.Dimension)
		}
		if len(f.Values) > MaxValues {
			return invalidf("filter on %q has %d values (at most %d)", f.Dimension, len(f.Values), MaxValues)
		}
		if canon, ok := canonical[f.Dimension]; ok {
			vs := make([]string, len(f.Values)) // a new slice: the values may be shared
			for j, v := range f.Values {
				vs[j] = canon(v)
			}
			f.Values = vs
		}
		switch strings.ToLower(f.Op) {
		case "":
			f.Op = OpIn
		case OpEq:
			if len(f.Values) != 1 {
				return invalidf("filter on %q: op eq takes exactly one value, got %d (use in)", f.Dimension, len(f.Values))
			}
			f.Op = OpEq
		case OpIn, OpNeq:
			f.Op = strings.ToLower(f.Op)
		default:
			return invalidf("filter on %q: unknown op %q (one of eq, in, neq)", f.Dimension, f.Op)
		}
	}
	return nil
}

// regionsFor returns the regions a query reads: the engine's regions the principal may access
// and the region filters allow, in the engine's order. A region filter naming a region the
// engine does not serve is a validation error; one outside the principal's scope just reads
// nothing from it.
func regionsFor(all []string, allowed func(string) bool, fs []Filter) ([]string, error) {
	var out []string
	for _, f := range fs {
		if f.Dimension != regionDimension {
			continue
		}
		for _, v := range f.Values {
			if !slices.Contains(all, v) {
				return nil, invalidf("filter on region: unknown region %q (known: %s)", v, strings.Join(all, ", "))
			}
		}
	}
next:
	for _, r := range all {
		if !allowed(r) {
			continue
		}
		for _, f := range fs {
			if f.Dimension != regionDimension {
				continue
			}
			if slices.Contains(f.Values, r) == (f.Op == OpNeq) {
				continue next
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// where renders the row filter shared by every query of a tenant's events in one region:
// tenant, time range and the non-region filters. Values reach ClickHouse only as parameters
// bound on b.
func where(b *clickhouse.Binder, tenant string, fs []Filter, from, to *time.Time) string {
	conds := []string{"tenant = " + b.String(tenant)}
	if from != nil {
		conds = append(conds, "occurred_at >= "+timeParam(b, *from))
	}
	if to != nil {
		conds = append(conds, "occurred_at < "+timeParam(b, *to))
	}
	for _, f := range fs {
		if f.Dimension == regionDimension {
			continue
		}
		expr := dimensions[f.Dimension].filterExpr()
		switch f.Op {
		case OpEq:
			conds = append(conds, expr+" = "+b.String(f.Values[0]))
		case OpIn:
			conds = append(conds, expr+" IN "+b.Strings(f.Values))
		case OpNeq:
			conds = append(conds, expr+" NOT IN "+b.Strings(f.Values))
		}
	}
	return strings.Join(conds, " AND ")
}

// timeParam binds t as text read in UTC: a DateTime64 parameter would be read in the
// server's time zone.
func timeParam(b *clickhouse.Binder, t time.Time) string {
	return "toDateTime64(" + b.String(t.UTC().Format(clickhouse.TimeFormat)) + ", 3, 'UTC')"
}
