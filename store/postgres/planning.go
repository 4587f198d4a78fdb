package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PlanningEventKinds are the kinds of planning event, as forecasting.EventKind names them.
var PlanningEventKinds = []string{"release", "campaign", "outage", "holiday"}

// PlanningEvent is a release, campaign, outage or holiday that moves contact demand in one
// region. Planners enter them; the forecasts learn the past ones' effects and apply the
// planned ones.
type PlanningEvent struct {
	ID     int64
	Tenant string
	Name   string
	Kind   string
	// Markets are ISO country codes; empty means every market of the region.
	Markets  []string
	StartsAt time.Time
	// EndsAt is zero when the event has no set end (a one-day holiday, a decaying surge).
	EndsAt time.Time
	// Lift is the prior relative effect (0.5: +50%); zero means the kind's default.
	Lift      float64
	CreatedAt time.Time
}

// Validate reports what makes the event unstorable.
func (e PlanningEvent) Validate() error {
	switch {
	case e.Tenant == "":
		return errors.New("planning event: no tenant")
	case strings.TrimSpace(e.Name) == "":
		return errors.New("planning event: the name is empty")
	case !slices.Contains(PlanningEventKinds, e.Kind):
		return fmt.Errorf("planning event: kind %q is not one of %s", e.Kind, strings.Join(PlanningEventKinds, ", "))
	case e.StartsAt.IsZero():
		return errors.New("planning event: no start time")
	case !e.EndsAt.IsZero() && !e.EndsAt.After(e.StartsAt):
		return fmt.Errorf("planning event: end %s is not after start %s", e.EndsAt.Format(time.RFC3339), e.StartsAt.Format(time.RFC3339))
	case e.Lift < -1 || e.Lift > 20:
		return fmt.Errorf("planning event: lift %v is outside [-1, 20]", e.Lift)
	}
	for _, m := range e.Markets {
		if len(m) != 2 || strings.ToUpper(m) != m {
			return fmt.Errorf("planning event: market %q is not an ISO 3166 country code such as DE", m)
		}
	}
	return nil
}

// CreatePlanningEvent stores e in region's schema and returns it with its id and creation time.
func (db *DB) CreatePlanningEvent(ctx context.Context, region string, e PlanningEvent) (PlanningEvent, error) {
	if err := e.Validate(); err != nil {
		return PlanningEvent{}, err
	}
	if e.Markets == nil {
		e.Markets = []string{}
	}
	var ends *time.Time
	if !e.EndsAt.IsZero() {
		ends = &e.EndsAt
	}
	q := fmt.Sprintf(`INSERT INTO %s.planning_events (tenant_id, name, kind, markets, starts_at, ends_at, lift)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`, RegionSchema(region))
	if err := db.Pool.QueryRow(ctx, q, e.Tenant, e.Name, e.Kind, e.Markets, e.StartsAt, ends, e.Lift).Scan(&e.ID, &e.CreatedAt); err != nil {
		return PlanningEvent{}, fmt.Errorf("postgres: create planning event: %w", err)
	}
	return e, nil
}

// PlanningEvents returns the tenant's events in region that overlap [from, to), by start time;
// a zero from or to leaves that side open. An event without an end covers its start day.
func (db *DB) PlanningEvents(ctx context.Context, region, tenant string, from, to time.Time) ([]PlanningEvent, error) {
	q := fmt.Sprintf(`SELECT id, tenant_id, name, kind, markets, starts_at, ends_at, lift, created_at
		FROM %s.planning_events
		WHERE tenant_id = $1
		  AND ($2::timestamptz IS NULL OR COALESCE(ends_at, starts_at + interval '1 day') > $2)
		  AND ($3::timestamptz IS NULL OR starts_at < $3)
		ORDER BY starts_at, id`, RegionSchema(region))
	rows, err := db.Pool.Query(ctx, q, tenant, nullTime(from), nullTime(to))
	if err != nil {
		return nil, fmt.Errorf("postgres: planning events: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlanningEvent, error) {
		var e PlanningEvent
		var ends *time.Time
		err := r.Scan(&e.ID, &e.Tenant, &e.Name, &e.Kind, &e.Markets, &e.StartsAt, &ends, &e.Lift, &e.CreatedAt)
		if ends != nil {
			e.EndsAt = *ends
		}
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: planning events: %w", err)
	}
	return out, nil
}

// DeletePlanningEvent removes one of the tenant's events; ErrNotFound when there is none.
func (db *DB) DeletePlanningEvent(ctx context.Context, region, tenant string, id int64) error {
	tag, err := db.Pool.Exec(ctx, fmt.Sprintf(`DELETE FROM %s.planning_events WHERE tenant_id = $1 AND id = $2`, RegionSchema(region)), tenant, id)
	if err != nil {
		return fmt.Errorf("postgres: delete planning event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
