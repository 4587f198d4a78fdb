package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoSettings: the tenant has no settings stored for the channel.
var ErrNoSettings = errors.New("postgres: no channel settings for this tenant")

// PutChannelSettings stores a tenant's sealed settings of one channel.
func (db *DB) PutChannelSettings(ctx context.Context, tenant, channel string, sealed []byte) (time.Time, error) {
	if err := db.EnsureTenant(ctx, tenant, tenant); err != nil {
		return time.Time{}, err
	}
	var at time.Time
	err := db.Pool.QueryRow(ctx, `INSERT INTO meridian.channel_settings (tenant_id, channel, sealed) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id, channel) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now() RETURNING updated_at`, tenant, channel, sealed).Scan(&at)
	if err != nil {
		return at, fmt.Errorf("postgres: channel settings: %w", err)
	}
	return at, nil
}

// ChannelSettings reads a tenant's sealed settings of one channel, or ErrNoSettings.
func (db *DB) ChannelSettings(ctx context.Context, tenant, channel string) ([]byte, time.Time, error) {
	var sealed []byte
	var at time.Time
	err := db.Pool.QueryRow(ctx, `SELECT sealed, updated_at FROM meridian.channel_settings WHERE tenant_id = $1 AND channel = $2`, tenant, channel).Scan(&sealed, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, at, ErrNoSettings
	}
	if err != nil {
		return nil, at, fmt.Errorf("postgres: channel settings: %w", err)
	}
	return sealed, at, nil
}
