package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/conversation/engine"
)

// In implements engine.AcrossTx: the same transaction over another region's schema, holding
// that region's routing lock for the tenant as a decision there would (so the two regions'
// agents' loads cannot change under it). Two transactions that lock two regions in opposite
// order are broken by PostgreSQL's deadlock detection: one fails, and its watcher or caller
// tries again.
func (t *engineTx) In(ctx context.Context, region string) (engine.AcrossTx, error) {
	if region == t.region {
		return t, nil
	}
	if t.others == nil {
		t.others = map[string]*engineTx{}
	}
	if o, ok := t.others[region]; ok {
		return o, nil
	}
	schema := RegionSchema(region)
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "engine/"+schema+"/"+t.tenant); err != nil {
		return nil, fmt.Errorf("engine %s: lock %s: %w", t.region, region, err)
	}
	o := &engineTx{tx: t.tx, schema: schema, tenant: t.tenant, region: region, others: t.others}
	t.others[region] = o
	return o, nil
}

// Region implements engine.AcrossTx.
func (t *engineTx) Region() string { return t.region }

// RemoveWork implements engine.AcrossTx.
func (t *engineTx) RemoveWork(ctx context.Context, conversationID string) error {
	_, err := t.tx.Exec(ctx, fmt.Sprintf(`DELETE FROM %s.work WHERE tenant_id = $1 AND conversation_id = $2`, t.schema), t.tenant, conversationID)
	if err != nil {
		return fmt.Errorf("engine %s: remove %s: %w", t.region, conversationID, err)
	}
	return nil
}

// RecordHandoff implements engine.AcrossTx: the hand-off becomes the conversation's one active
// record in this region.
func (t *engineTx) RecordHandoff(ctx context.Context, h engine.Handoff) error {
	if err := t.EndHandoffs(ctx, h.ConversationID); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.handoffs (tenant_id, handoff_id, conversation_id, home_region, from_region, to_region, reason, language, summary, next_step, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`, t.schema),
		t.tenant, h.ID, h.ConversationID, h.Home, h.From, h.To, h.Reason, h.Language, h.Summary, h.NextStep, h.At)
	if err != nil {
		return fmt.Errorf("engine %s: hand-off %s: %w", t.region, h.ID, err)
	}
	return nil
}

// EndHandoffs implements engine.AcrossTx.
func (t *engineTx) EndHandoffs(ctx context.Context, conversationID string) error {
	_, err := t.tx.Exec(ctx, fmt.Sprintf(`UPDATE %s.handoffs SET active = false WHERE tenant_id = $1 AND conversation_id = $2 AND active`, t.schema), t.tenant, conversationID)
	if err != nil {
		return fmt.Errorf("engine %s: end hand-offs of %s: %w", t.region, conversationID, err)
	}
	return nil
}

const handoffColumns = `handoff_id, conversation_id, home_region, from_region, to_region, reason, language, summary, next_step, created_at`

func scanHandoff(row pgx.Row, tenant string) (engine.Handoff, error) {
	h := engine.Handoff{Tenant: tenant}
	err := row.Scan(&h.ID, &h.ConversationID, &h.Home, &h.From, &h.To, &h.Reason, &h.Language, &h.Summary, &h.NextStep, &h.At)
	return h, err
}

// ActiveHandoff implements engine.AcrossTx.
func (t *engineTx) ActiveHandoff(ctx context.Context, conversationID string) (engine.Handoff, bool, error) {
	h, err := scanHandoff(t.tx.QueryRow(ctx, fmt.Sprintf(`SELECT `+handoffColumns+` FROM %s.handoffs WHERE tenant_id = $1 AND conversation_id = $2 AND active ORDER BY created_at DESC LIMIT 1`, t.schema),
		t.tenant, conversationID), t.tenant)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, false, nil
	}
	if err != nil {
		return h, false, fmt.Errorf("engine %s: hand-off of %s: %w", t.region, conversationID, err)
	}
	return h, true, nil
}

// Open implements engine.AcrossTx: queued conversations and those assigned to a person of the
// region (not those away in another region), locked.
func (t *engineTx) Open(ctx context.Context, limit int) ([]engine.Work, error) {
	return t.works(ctx, fmt.Sprintf(`SELECT `+workColumns+` FROM %s.work WHERE tenant_id = $1 AND status IN ('queued', 'assigned') AND assignee NOT LIKE 'region:%%'
ORDER BY priority DESC, waiting_since LIMIT $2 FOR UPDATE`, t.schema), t.tenant, limit)
}

// OpenTenants implements engine.HandoffStore.
func (s *Engine) OpenTenants(ctx context.Context, region string) ([]string, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT DISTINCT tenant_id FROM %s.work WHERE status IN ('queued', 'assigned')`, RegionSchema(region)))
	if err != nil {
		return nil, fmt.Errorf("engine %s: %w", region, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Decided implements engine.HandoffStore.
func (s *Engine) Decided(ctx context.Context, region, tenant, decisionID string) (bool, error) {
	var ok bool
	err := s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s.decisions WHERE tenant_id = $1 AND decision_id = $2)`, RegionSchema(region)), tenant, decisionID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("engine %s: %w", region, err)
	}
	return ok, nil
}

// Granted implements engine.HandoffStore: the conversation's active hand-off into one of
// regions, which lets that region's people read it in its home region.
func (s *Engine) Granted(ctx context.Context, tenant, conversationID string, regions []string) (engine.Handoff, bool, error) {
	for _, r := range regions {
		h, err := scanHandoff(s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT `+handoffColumns+` FROM %s.handoffs WHERE tenant_id = $1 AND conversation_id = $2 AND active AND to_region = $3 ORDER BY created_at DESC LIMIT 1`, RegionSchema(r)),
			tenant, conversationID, r), tenant)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return h, false, fmt.Errorf("engine %s: hand-off of %s: %w", r, conversationID, err)
		}
		return h, true, nil
	}
	return engine.Handoff{}, false, nil
}

// Handoffs implements engine.HandoffStore: a conversation's hand-offs recorded in region,
// newest first.
func (s *Engine) Handoffs(ctx context.Context, region, tenant, conversationID string) ([]engine.Handoff, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT `+handoffColumns+` FROM %s.handoffs WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at DESC`, RegionSchema(region)), tenant, conversationID)
	if err != nil {
		return nil, fmt.Errorf("engine %s: %w", region, err)
	}
	defer rows.Close()
	return collect(rows, func(r pgx.Row) (engine.Handoff, error) { return scanHandoff(r, tenant) })
}

// SetSummary replaces a hand-off's summary and next step with their translation.
func (s *Engine) SetSummary(ctx context.Context, region, tenant, handoffID, language, summary, next string) error {
	_, err := s.DB.Pool.Exec(ctx, fmt.Sprintf(`UPDATE %s.handoffs SET language = $3, summary = $4, next_step = $5 WHERE tenant_id = $1 AND handoff_id = $2`, RegionSchema(region)),
		tenant, handoffID, language, summary, next)
	if err != nil {
		return fmt.Errorf("engine %s: %w", region, err)
	}
	return nil
}

// GrantsInto implements engine.HandoffStore: the conversations handed to each of regions
// and active there, by the region that has them.
func (s *Engine) GrantsInto(ctx context.Context, tenant string, regions []string) (map[string]string, error) {
	out := map[string]string{}
	for _, r := range regions {
		rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT conversation_id FROM %s.handoffs WHERE tenant_id = $1 AND active AND to_region = $2`, RegionSchema(r)), tenant, r)
		if err != nil {
			return nil, fmt.Errorf("engine %s: hand-offs: %w", r, err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("engine %s: hand-offs: %w", r, err)
		}
		for _, id := range ids {
			out[id] = r
		}
	}
	return out, nil
}
