package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/forecasting"
)

// CreatePlanningEvent stores e in region's schema and returns it with its id and creation time.
func (db *DB) CreatePlanningEvent(ctx context.Context, region string, e forecasting.PlanningEvent) (forecasting.PlanningEvent, error) {
	if err := e.Validate(); err != nil {
		return forecasting.PlanningEvent{}, err
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
		return forecasting.PlanningEvent{}, fmt.Errorf("postgres: create planning event: %w", err)
	}
	return e, nil
}

// PlanningEvents returns the tenant's events in region that overlap [from, to), by start time;
// a zero from or to leaves that side open. An event without an end covers its start day.
func (db *DB) PlanningEvents(ctx context.Context, region, tenant string, from, to time.Time) ([]forecasting.PlanningEvent, error) {
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
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (forecasting.PlanningEvent, error) {
		var e forecasting.PlanningEvent
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
