package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/channels"
)

// Consents stores customers' consent to messages outside a conversation (region migration
// 0021); it implements channels.Consents.
type Consents struct {
	DB *DB
}

// Set records a customer's latest answer for a channel and purpose.
func (s *Consents) Set(ctx context.Context, region, tenant, customerID, channel, purpose string, granted bool) (channels.Consent, error) {
	c := channels.Consent{CustomerID: customerID, Channel: channel, Purpose: purpose, Granted: granted}
	err := s.DB.Pool.QueryRow(ctx, `INSERT INTO `+pgx.Identifier{RegionSchema(region), "consents"}.Sanitize()+`
		(tenant_id, customer_id, channel, purpose, granted, updated_at) VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (tenant_id, customer_id, channel, purpose) DO UPDATE SET granted = EXCLUDED.granted, updated_at = EXCLUDED.updated_at
		RETURNING updated_at`, tenant, customerID, channel, purpose, granted).Scan(&c.UpdatedAt)
	if err != nil {
		return channels.Consent{}, fmt.Errorf("postgres: set consent: %w", err)
	}
	return c, nil
}

// List returns a customer's answers, by channel and purpose.
func (s *Consents) List(ctx context.Context, region, tenant, customerID string) ([]channels.Consent, error) {
	return s.ListMerged(ctx, region, tenant, []string{customerID})
}

// ListMerged returns the answers of a customer known by several ids (a merged customer's), by
// channel, purpose and time.
func (s *Consents) ListMerged(ctx context.Context, region, tenant string, customerIDs []string) ([]channels.Consent, error) {
	rows, err := s.DB.Pool.Query(ctx, `SELECT customer_id, channel, purpose, granted, updated_at FROM `+pgx.Identifier{RegionSchema(region), "consents"}.Sanitize()+`
		WHERE tenant_id = $1 AND customer_id = ANY($2) ORDER BY channel, purpose, updated_at`, tenant, customerIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: consents: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[channels.Consent])
	if err != nil {
		return nil, fmt.Errorf("postgres: consents: %w", err)
	}
	return out, nil
}

// Consented implements channels.Consents: the latest answer, no when there is none.
func (s *Consents) Consented(ctx context.Context, region, tenant, customerID, channel, purpose string) (bool, error) {
	var ok bool
	err := s.DB.Pool.QueryRow(ctx, `SELECT granted FROM `+pgx.Identifier{RegionSchema(region), "consents"}.Sanitize()+`
		WHERE tenant_id = $1 AND customer_id = $2 AND channel = $3 AND purpose = $4`, tenant, customerID, channel, purpose).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: consent: %w", err)
	}
	return ok, nil
}
