// Package retention deletes what the retention policy (models.RetentionPolicy,
// MERIDIAN_RETENTION_POLICY) no longer allows Meridian to keep: for every rule (a kind of data,
// a customer country or the default, a period) and every region, the ClickHouse events older
// than the cutoff, by an ALTER TABLE ... DELETE mutation that rewrites the parts holding them
// and is waited for, and the PostgreSQL rows, through Store (store/postgres.Retention), in one
// transaction per rule and region. Customers under a legal hold are never cut: Holds names
// them, per region, at the start of every run.
//
// ClickHouse TTL rules were not used: a legal hold must override retention at once, and a TTL
// rule that spares held customers would have to be rewritten on every hold; TTL also applies
// when parts merge, so a run could not report what it removed. A TTL that looks holds and
// periods up in dictionaries instead needs allow_suspicious_ttl_expressions, and tried on
// chDB it deleted a held customer's rows and those of a country with no rule. Serve runs Apply every
// --retention-every; GraphQL applyRetention runs it now and reports what went where.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Holds names the customers whose data no retention may cut (legal holds). It is the seam the
// legal holds of erasure (placeLegalHold) plug into; a nil Holds holds nobody.
type Holds interface {
	// Held returns the pseudonymous ids of the customers of region under a hold.
	Held(ctx context.Context, region string) (customerIDs []string, err error)
}

// Cut is one rule applied to one region's PostgreSQL schema.
type Cut struct {
	Rule   models.RetentionRule
	Cutoff time.Time // rows whose age is measured before it go
	Held   []string  // customers whose rows stay
}

// Removed is what a cut deleted from one table.
type Removed struct {
	Table string
	Rows  int64
}

// Store deletes a region's PostgreSQL rows of a cut (store/postgres.Retention).
type Store interface {
	Cut(ctx context.Context, region string, c Cut) ([]Removed, error)
}

// Store names in reports.
const (
	StoreClickHouse = "clickhouse"
	StorePostgres   = "postgres"
)

// Removal is one line of a report: what one rule removed from one table of one store.
type Removal struct {
	Store   string // StoreClickHouse or StorePostgres
	Region  string
	Kind    models.DataKind
	Country string // "" for the default rule (every country without a rule of its own)
	Except  []string
	Table   string // ClickHouse database.table or PostgreSQL schema.table
	Rows    int64
	Cutoff  time.Time
	Period  models.Period
}

// Report is what a run removed.
type Report struct {
	At       time.Time
	Rows     int64
	Removals []Removal
	// Held is how many customers holds kept out of the run, all regions together.
	Held int
}

// Runner applies a policy to every region's stores.
type Runner struct {
	Policy  *models.RetentionPolicy
	Regions []string
	// ClickHouse holds each region's events; nil: ClickHouse is not cut.
	ClickHouse *clickhouse.Regions
	// Cluster is MERIDIAN_CLICKHOUSE_CLUSTER: mutations then go to every node's local table.
	Cluster string
	// Postgres cuts the PostgreSQL rows; nil: PostgreSQL is not cut.
	Postgres Store
	Holds    Holds
	Now      func() time.Time
	Log      *slog.Logger
	// OnRun, when set, is told of every run Start makes (serve records them in the audit
	// trail); applyRetention records its own, with the caller's key.
	OnRun func(ctx context.Context, rep Report, err error)

	mu sync.Mutex // one run at a time: the ticker's and applyRetention's
}

// Apply runs every rule of the policy in every region now. On an error the report says what
// was removed before it.
func (r *Runner) Apply(ctx context.Context) (Report, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	rep := Report{At: now().UTC().Truncate(time.Millisecond)}
	for _, region := range r.Regions {
		var held []string
		if r.Holds != nil {
			h, err := r.Holds.Held(ctx, region)
			if err != nil {
				return rep, fmt.Errorf("retention: legal holds of %s: %w", region, err)
			}
			held = h
		}
		rep.Held += len(held)
		for _, rule := range r.Policy.Rules() {
			cutoff, _ := rule.Period.Cutoff(rep.At)
			line := Removal{Region: region, Kind: rule.Kind, Country: rule.Country, Except: rule.Except, Cutoff: cutoff, Period: rule.Period}
			if r.ClickHouse != nil && eventKind(rule.Kind) != "" {
				n, table, err := r.cutEvents(ctx, region, rule, cutoff, held)
				if err != nil {
					return rep, err
				}
				l := line
				l.Store, l.Table, l.Rows = StoreClickHouse, table, n
				rep.add(l)
			}
			if r.Postgres != nil {
				removed, err := r.Postgres.Cut(ctx, region, Cut{Rule: rule, Cutoff: cutoff, Held: held})
				if err != nil {
					return rep, fmt.Errorf("retention: %s %s in %s: %w", rule.Kind, ruleCountry(rule), region, err)
				}
				for _, x := range removed {
					l := line
					l.Store, l.Table, l.Rows = StorePostgres, x.Table, x.Rows
					rep.add(l)
				}
			}
		}
	}
	return rep, nil
}

func (rep *Report) add(l Removal) {
	rep.Removals = append(rep.Removals, l)
	rep.Rows += l.Rows
}

func ruleCountry(rule models.RetentionRule) string {
	if rule.Country == "" {
		return "(default)"
	}
	return rule.Country
}

// eventKind is the condition on the events table's type that selects a kind's events; ""
// when the kind has none in ClickHouse.
func eventKind(k models.DataKind) string {
	switch k {
	case models.KindConversations:
		return "type != " + clickhouse.Quote(models.NoteAdded)
	case models.KindNotes:
		return "type = " + clickhouse.Quote(models.NoteAdded)
	}
	return ""
}

// cutEvents deletes a rule's events of region older than cutoff: it counts them, then runs
// the mutation and waits for it (mutations_sync = 2: on every replica), so that when it
// returns no part holds them any more.
func (r *Runner) cutEvents(ctx context.Context, region string, rule models.RetentionRule, cutoff time.Time, held []string) (int64, string, error) {
	db, err := r.ClickHouse.DB(region)
	if err != nil {
		return 0, "", err
	}
	layout := clickhouse.Layout{DB: clickhouse.Database(region), Cluster: r.Cluster}
	where := EventsWhere(rule, cutoff, held)
	table := layout.DB + ".events"
	res, err := db.Query(ctx, "SELECT count() FROM "+table+" WHERE "+where)
	if err != nil {
		return 0, table, fmt.Errorf("retention: counting %s: %w", table, err)
	}
	var n int64
	if len(res.Rows) == 1 && len(res.Rows[0]) == 1 {
		n = int64(clickhouse.Float(res.Rows[0][0]))
	}
	if n == 0 {
		return 0, table, nil
	}
	mutation := fmt.Sprintf("ALTER TABLE %s.%s %s DELETE WHERE %s SETTINGS mutations_sync = 2",
		layout.DB, layout.Local("events"), layout.OnCluster(), where)
	if err := db.Exec(ctx, mutation); err != nil {
		return 0, table, fmt.Errorf("retention: deleting from %s: %w", table, err)
	}
	if r.Log != nil {
		r.Log.InfoContext(ctx, "retention: events deleted", "region", region, "kind", rule.Kind, "country", ruleCountry(rule), "rows", n, "cutoff", cutoff)
	}
	return n, table, nil
}

// EventsWhere is the condition selecting a rule's events older than cutoff, sparing held
// customers. Every value is a quoted literal: countries come from the checked policy, ids
// from the holds.
func EventsWhere(rule models.RetentionRule, cutoff time.Time, held []string) string {
	conds := []string{eventKind(rule.Kind),
		"occurred_at < toDateTime64(" + clickhouse.Quote(cutoff.UTC().Format("2006-01-02 15:04:05.000")) + ", 3, 'UTC')"}
	if rule.Country != "" {
		conds = append(conds, "country = "+clickhouse.Quote(rule.Country))
	} else if len(rule.Except) > 0 {
		conds = append(conds, "country NOT IN ("+quoteAll(rule.Except)+")")
	}
	if len(held) > 0 {
		conds = append(conds, "customer_id NOT IN ("+quoteAll(held)+")")
	}
	return strings.Join(conds, " AND ")
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = clickhouse.Quote(v)
	}
	return strings.Join(q, ", ")
}

// Start runs Apply every interval, the first one interval after the start (a restart loop
// does not run it each time), until ctx ends or stop is called; stop waits for a run in
// progress. A failed run is logged and tried again at the next tick.
func (r *Runner) Start(ctx context.Context, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rep, err := r.Apply(ctx)
			if r.OnRun != nil && !errors.Is(err, context.Canceled) {
				r.OnRun(ctx, rep, err)
			}
			switch {
			case err != nil && !errors.Is(err, context.Canceled):
				r.logger().ErrorContext(ctx, "retention: run failed", "err", err, "rows_removed", rep.Rows)
			case err == nil && rep.Rows > 0:
				r.logger().InfoContext(ctx, "retention: run done", "rows_removed", rep.Rows, "held_customers", rep.Held)
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (r *Runner) logger() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}
