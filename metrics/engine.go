// Package metrics is Meridian's semantic layer: a query names measures (messages,
// conversations, csat_avg, ...) broken down by dimensions (region, channel, language, hour, ...),
// narrowed by filters and a time range, bucketed by a granularity, and the engine turns it into
// SQL over each region's events table, in the spirit of Cube or Metabase. Measures and
// dimensions are a fixed whitelist of SQL expressions; caller values never enter the SQL
// text: they reach ClickHouse as server-side parameters (clickhouse.Binder). Every region is its own database, so the engine queries each region the caller may
// read separately and merges the rows in Go, carrying sums and counts so averages merge
// exactly. The same filters drive the conversation drill-down (Conversations), so any cell of
// a report leads to the conversations behind it.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Engine answers queries over the regions' events tables. It is safe for concurrent use.
type Engine struct {
	// Regions is the registry of region databases, in the order regions are read and
	// reported in; cmd/meridian shares it with insights and forecasting.
	Regions *clickhouse.Regions

	cacheMu sync.Mutex
	cache   map[string]cachedResult // by SQL text and parameters; results of stores that count their writes
}

// cachedResult is a query's result and its database's write count read before the query ran.
type cachedResult struct {
	writes uint64
	at     time.Time
	res    *clickhouse.Result
}

var cacheHits = promauto.NewCounter(prometheus.CounterOpts{
	Name: "meridian_query_cache_hits_total",
	Help: "Analytics queries answered from a result read since the last write to their region's database in the embedded store.",
})

// writeCounter is a store that counts the statements that may change the data of each of its
// databases (chDB, which only this process writes to). A ClickHouse server is written to by
// other processes too, so its results are never reused.
type writeCounter interface{ Writes(database string) uint64 }

const (
	// At most this many results of at most cacheRows rows each are kept.
	cacheEntries = 256
	cacheRows    = 1000
	// cacheMaxAge bounds the reuse of a result even with no write in between: nothing in
	// the schema changes data by itself today (no TTL), and this keeps it safe if that changes.
	cacheMaxAge = 2 * time.Second
)

// query runs q, which reads region's database only, on db, or returns the result of the
// same query read since the last write to that database. Dashboards refresh the same queries
// over and over, and between two of a region's sink batches (every half second or so) the
// answer cannot change; another region's batch leaves it alone. Results are shared: callers
// do not modify them.
func (e *Engine) query(ctx context.Context, region string, db clickhouse.DB, q clickhouse.Query) (*clickhouse.Result, error) {
	wc, ok := db.(writeCounter)
	if !ok {
		return db.QueryParams(ctx, q.SQL, q.Params)
	}
	writes := wc.Writes(clickhouse.Database(region))
	key := q.Key()
	e.cacheMu.Lock()
	c, hit := e.cache[key]
	e.cacheMu.Unlock()
	if hit && c.writes == writes && time.Since(c.at) < cacheMaxAge {
		cacheHits.Inc()
		return c.res, nil
	}
	res, err := db.QueryParams(ctx, q.SQL, q.Params)
	if err != nil || len(res.Rows) > cacheRows {
		return res, err
	}
	e.cacheMu.Lock()
	if e.cache == nil || len(e.cache) >= cacheEntries {
		e.cache = map[string]cachedResult{}
	}
	e.cache[key] = cachedResult{writes, time.Now(), res}
	e.cacheMu.Unlock()
	return res, nil
}

// NewEngine returns an engine over the given regions; db serves every region (embedded mode).
func NewEngine(db clickhouse.DB, regions []string) *Engine {
	return &Engine{Regions: clickhouse.OneDB(db, regions)}
}

func readable(p auth.Principal) error {
	if err := p.Check(auth.ActionReadMetrics, ""); err != nil {
		return err
	}
	if p.Tenant == "" {
		return fmt.Errorf("%w: the principal has no tenant", auth.ErrForbidden)
	}
	return nil
}

func (e *Engine) db(region string) (clickhouse.DB, error) {
	db, err := e.Regions.DB(region)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return db, nil
}

// forEachRegion runs fn for every region concurrently and returns the first error.
func forEachRegion(regions []string, fn func(i int, region string) error) error {
	errs := make([]error, len(regions))
	var wg sync.WaitGroup
	for i, r := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i, r)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Run answers q for principal p: only p's tenant, only the regions p may access. It plans
// the query once (newPlan), asks each region the plan's SQL (plan.sql, plan.read) and merges
// the regions' partial aggregates (plan.merge).
func (e *Engine) Run(ctx context.Context, p auth.Principal, q Query) (*Result, error) {
	if err := readable(p); err != nil {
		return nil, err
	}
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	regions, err := regionsFor(e.Regions.Names(), p.CanAccess, q.Filters)
	if err != nil {
		return nil, err
	}
	pl, err := newPlan(q)
	if err != nil {
		return nil, err
	}
	perRegion := make([]map[string]*acc, len(regions))
	err = forEachRegion(regions, func(i int, region string) error {
		db, err := e.db(region)
		if err != nil {
			return err
		}
		groups := map[string]*acc{}
		for _, rq := range pl.sql(region, p.Tenant) {
			res, err := e.query(ctx, region, db, rq.query)
			if err != nil {
				return fmt.Errorf("metrics: query region %s: %w", region, err)
			}
			if err := pl.read(region, rq.part, res, groups); err != nil {
				return err
			}
		}
		perRegion[i] = groups
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pl.merge(perRegion), nil
}

// part is the measures' partial columns that one kind of query computes.
type part struct {
	cols []string
	idx  []int // global partial index of each partial column
}

// plan is a normalized query turned into SQL columns, the same for every region. Event
// measures aggregate the events table; perConversation measures aggregate a subquery with
// one row per conversation (convFacts). A region answers one query of each kind the
// measures need.
type plan struct {
	q                             Query
	dimCols, groupBy, convDimCols []string
	custDimCols, custOuter        []string // per-customer subquery's dimension columns, and the outer query's
	events, convs, custs          part
	offsets                       []int // offsets[i] = index of measure i's first partial among the partials
	nPartials                     int
	sqlLimit                      int
	// eventsFinal is how the events query reads the table: " FINAL", or "" when collapsing
	// copies cannot change its answer (see final).
	eventsFinal string
}

// final says how a query of events measures reads the table. FINAL collapses the copies of an
// event (retries and replays, ARCHITECTURE.md) and costs 3-4 times the read (BENCHMARKS.md).
// Copies of an id carry the same conversation, customer and time (ingest refuses another body
// under an id; derived events take their source's), so distinct counts of those broken down
// by time and region only are the same without it: the executive chart's shape.
func final(q Query) string {
	for _, m := range q.Measures {
		if def := measures[m]; !def.distinct || def.perConversation || def.perCustomer {
			return " FINAL"
		}
	}
	for _, d := range q.Dimensions {
		if d != timeDimension && d != regionDimension {
			return " FINAL"
		}
	}
	for _, f := range q.Filters {
		if f.Dimension != regionDimension {
			return " FINAL"
		}
	}
	if len(q.Where) > 0 {
		return " FINAL"
	}
	return ""
}

func newPlan(q Query) (*plan, error) {
	pl := &plan{q: q, eventsFinal: final(q)}
	// SQL columns: the column dimensions, then every measure's partials.
	for i, d := range q.Dimensions {
		expr := dimensions[d].expr
		switch d {
		case regionDimension:
			continue
		case timeDimension:
			expr = granularities[q.Granularity]
		}
		alias := fmt.Sprintf("d%d", i)
		if ce := dimensions[d].customerExpr; ce != "" {
			for _, m := range q.Measures {
				if !measures[m].perCustomer {
					return nil, invalidf("dimension %q is a fact of a customer: only per-customer measures (cross_channel_customers, writing_customers) break down by it, not %q", d, m)
				}
			}
			// Only per-customer queries run, so dimCols counts it but no events query reads it.
			pl.dimCols = append(pl.dimCols, ce+" AS "+alias)
			pl.groupBy = append(pl.groupBy, alias)
			pl.custOuter = append(pl.custOuter, ce+" AS "+alias)
			continue
		}
		pl.dimCols = append(pl.dimCols, expr+" AS "+alias)
		pl.groupBy = append(pl.groupBy, alias)
		// A conversation (a customer) takes the values of its first matching event (first
		// non-empty for plain columns).
		first := fmt.Sprintf("argMin(%s, occurred_at) AS %s", expr, alias)
		if c := dimensions[d].col; c != "" {
			first = fmt.Sprintf("argMinIf(%s, occurred_at, %s != '') AS %s", expr, c, alias)
		}
		pl.convDimCols = append(pl.convDimCols, first)
		pl.custDimCols = append(pl.custDimCols, first)
		pl.custOuter = append(pl.custOuter, alias)
	}
	for _, m := range q.Measures {
		def := measures[m]
		if def.perConversation {
			for _, d := range q.Dimensions {
				if notPerConversation[d] {
					return nil, invalidf("measure %q is per conversation and cannot be broken down by %q", m, d)
				}
			}
		}
		pl.offsets = append(pl.offsets, pl.nPartials)
		pt := &pl.events
		switch {
		case def.perConversation:
			pt = &pl.convs
		case def.perCustomer:
			pt = &pl.custs
		}
		for _, expr := range def.partials {
			pt.cols = append(pt.cols, fmt.Sprintf("%s AS p%d", expr, pl.nPartials))
			pt.idx = append(pt.idx, pl.nPartials)
			pl.nPartials++
		}
	}
	// Rows sorted by dimensions can be cut per region: the first Limit rows overall are among
	// the first Limit of each region. Ordered by a measure, every group is needed.
	pl.sqlLimit = MaxLimit + 1
	if len(q.OrderBy) == 0 {
		pl.sqlLimit = q.Limit + 1
	}
	return pl, nil
}

// regionQuery is one query of a region and the partials it computes.
type regionQuery struct {
	query clickhouse.Query
	part  part
}

// sql returns the queries that answer the plan in region for tenant: one per kind of
// measure the query has, its values as parameters.
func (pl *plan) sql(region, tenant string) []regionQuery {
	var b clickhouse.Binder
	q := pl.q
	cond := and(where(&b, tenant, q.Filters, q.From, q.To), &b, q.Where)
	var out []regionQuery
	for k, pt := range []part{pl.events, pl.convs, pl.custs} {
		if len(pt.cols) == 0 {
			continue
		}
		// n counts the group's events (or conversations): a query without column
		// dimensions has no GROUP BY and answers one row even over no rows, which must
		// not become a row of zeros.
		cols := append(append(append([]string(nil), pl.groupBy...), pt.cols...), "count() AS n")
		var sql strings.Builder
		switch k {
		case 1: // per conversation
			fmt.Fprintf(&sql, "SELECT %s FROM (SELECT conversation_id, %s FROM %s.events FINAL WHERE %s AND conversation_id != '' GROUP BY conversation_id)",
				strings.Join(cols, ", "), strings.Join(append(append([]string(nil), pl.convDimCols...), convFacts), ", "), clickhouse.Database(region), cond)
		case 2: // per customer: facts inside; dimensions that are facts (channel_count) outside
			cols = append(append([]string(nil), pl.custOuter...), cols[len(pl.groupBy):]...)
			fmt.Fprintf(&sql, "SELECT %s FROM (SELECT customer_id, %s FROM %s.events FINAL WHERE %s AND customer_id != '' GROUP BY customer_id)",
				strings.Join(cols, ", "), strings.Join(append(append([]string(nil), pl.custDimCols...), custFacts), ", "), clickhouse.Database(region), cond)
		default:
			cols = append(append([]string(nil), pl.dimCols...), cols[len(pl.groupBy):]...)
			fmt.Fprintf(&sql, "SELECT %s FROM %s.events%s WHERE %s", strings.Join(cols, ", "), clickhouse.Database(region), pl.eventsFinal, cond)
		}
		if len(pl.groupBy) > 0 {
			fmt.Fprintf(&sql, " GROUP BY %s ORDER BY %s", strings.Join(pl.groupBy, ", "), strings.Join(pl.groupBy, ", "))
		}
		fmt.Fprintf(&sql, " LIMIT %d", pl.sqlLimit)
		out = append(out, regionQuery{b.Query(sql.String()), pt})
	}
	return out
}

// read adds the rows region answered for pt to groups, by dimension values.
func (pl *plan) read(region string, pt part, res *clickhouse.Result, groups map[string]*acc) error {
	q := pl.q
	if len(res.Rows) >= pl.sqlLimit && len(q.OrderBy) > 0 {
		return invalidf("the query has more than %d groups; add filters or fewer dimensions", MaxLimit)
	}
	nDimCols, np := len(pl.dimCols), len(pt.idx)
	for _, row := range res.Rows {
		if len(row) != nDimCols+np+1 {
			return fmt.Errorf("metrics: region %s returned %d columns, want %d", region, len(row), nDimCols+np+1)
		}
		if clickhouse.Float(row[nDimCols+np]) == 0 {
			continue
		}
		dims := make([]string, 0, len(q.Dimensions))
		c := 0
		for _, d := range q.Dimensions {
			if d == regionDimension {
				dims = append(dims, region)
				continue
			}
			dims = append(dims, clickhouse.String(row[c]))
			c++
		}
		k := key(dims)
		a, ok := groups[k]
		if !ok {
			a = &acc{dims: dims, partials: make([]float64, pl.nPartials)}
			groups[k] = a
		}
		for j, gi := range pt.idx {
			a.partials[gi] = clickhouse.Float(row[nDimCols+j])
		}
	}
	return nil
}

// merge adds up the regions' groups (the same dimension values from several regions add
// their partials), finishes each measure, sorts and cuts to the limit.
func (pl *plan) merge(perRegion []map[string]*acc) *Result {
	q := pl.q
	merged := map[string]*acc{}
	for _, groups := range perRegion {
		for k, a := range groups {
			if m, ok := merged[k]; ok {
				for j := range a.partials {
					m.partials[j] += a.partials[j]
				}
				continue
			}
			merged[k] = a
		}
	}
	// A query without dimensions always has exactly one row, even over no data or no region.
	if len(q.Dimensions) == 0 && len(merged) == 0 {
		merged[""] = &acc{dims: []string{}, partials: make([]float64, pl.nPartials)}
	}

	out := &Result{Measures: q.Measures, Dimensions: q.Dimensions, Rows: make([]Row, 0, len(merged))}
	if out.Dimensions == nil {
		out.Dimensions = []string{}
	}
	for _, a := range merged {
		vals := make([]float64, len(q.Measures))
		for i, m := range q.Measures {
			def := measures[m]
			p := a.partials[pl.offsets[i] : pl.offsets[i]+len(def.partials)]
			if def.final == nil {
				vals[i] = p[0]
			} else {
				vals[i] = def.final(p)
			}
		}
		out.Rows = append(out.Rows, Row{Dimensions: a.dims, Values: vals})
	}
	sortRows(out, q.OrderBy)
	if len(out.Rows) > q.Limit {
		out.Rows = out.Rows[:q.Limit]
		out.Truncated = true
	}
	return out
}

type acc struct {
	dims     []string
	partials []float64
}

func key(dims []string) string { return strings.Join(dims, "\x00") }

// sortRows orders rows by the requested order, then by every dimension ascending, so the
// output is deterministic whatever order the regions answered in.
func sortRows(r *Result, order []Order) {
	type idx struct {
		measure bool
		i       int
		desc    bool
	}
	var keys []idx
	for _, o := range order {
		for i, m := range r.Measures {
			if m == o.Field {
				keys = append(keys, idx{true, i, o.Desc})
			}
		}
		for i, d := range r.Dimensions {
			if d == o.Field {
				keys = append(keys, idx{false, i, o.Desc})
			}
		}
	}
	for i := range r.Dimensions {
		keys = append(keys, idx{false, i, false})
	}
	sort.SliceStable(r.Rows, func(a, b int) bool {
		ra, rb := r.Rows[a], r.Rows[b]
		for _, k := range keys {
			var c int
			if k.measure {
				switch va, vb := ra.Values[k.i], rb.Values[k.i]; {
				case va < vb:
					c = -1
				case va > vb:
					c = 1
				}
			} else {
				c = strings.Compare(ra.Dimensions[k.i], rb.Dimensions[k.i])
			}
			if c != 0 {
				return (c < 0) != k.desc
			}
		}
		return false
	})
}
