package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/models"
)

// Roster implements engine.Store: the region's agents, read outside any decision.
func (s *Engine) Roster(ctx context.Context, region, tenant string) ([]conversation.Agent, error) {
	var out []conversation.Agent
	err := pgx.BeginTxFunc(ctx, s.DB.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		out, err = (&engineTx{tx: tx, region: region, schema: RegionSchema(region), tenant: tenant}).Agents(ctx)
		return err
	})
	return out, err
}

// BoardData implements engine.Boards: the region's open work by language and status, its
// agents and their loads, in one repeatable-read snapshot so the lines add up.
func (s *Engine) BoardData(ctx context.Context, region, tenant string, riskBefore time.Time) (engine.BoardData, error) {
	var d engine.BoardData
	schema := RegionSchema(region)
	err := pgx.BeginTxFunc(ctx, s.DB.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, fmt.Sprintf(`
SELECT language, CASE WHEN assignee LIKE 'region:%%' THEN $5 ELSE status END AS line, count(*),
       count(*) FILTER (WHERE priority >= $4),
       count(*) FILTER (WHERE cardinality(breached) > 0),
       count(*) FILTER (WHERE first_response_at IS NULL AND first_response_due < $3),
       min(waiting_since) FILTER (WHERE status = $2)
FROM %s.work WHERE tenant_id = $1 AND status <> 'resolved'
GROUP BY language, line`, schema), tenant, string(models.StatusQueued), riskBefore, int(routing.High), engine.StatusHandedOff)
		if err != nil {
			return fmt.Errorf("board %s: open work: %w", region, err)
		}
		for rows.Next() {
			var c engine.OpenCount
			var oldest *time.Time
			if err := rows.Scan(&c.Language, &c.Status, &c.Count, &c.Urgent, &c.Breached, &c.AtRisk, &oldest); err != nil {
				rows.Close()
				return err
			}
			if oldest != nil {
				c.OldestSince = *oldest
			}
			d.Counts = append(d.Counts, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		t := &engineTx{tx: tx, region: region, schema: schema, tenant: tenant}
		if d.Agents, err = t.Agents(ctx); err != nil {
			return err
		}
		d.Loads, err = t.Loads(ctx)
		return err
	})
	if d.Agents == nil {
		d.Agents = []conversation.Agent{}
	}
	return d, err
}
