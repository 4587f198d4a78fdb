package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/translation"
)

// TranslationCache is translation.CacheStore in the customer's region, each translation sealed
// with the customer's data key.
type TranslationCache struct {
	DB   *DB
	Keys Keyring
}

func cacheKeyHash(k translation.CacheKey) []byte {
	sum := sha256.Sum256([]byte(k.String()))
	return sum[:]
}

// Get implements translation.CacheStore. A translation whose customer was erased is a miss.
func (c *TranslationCache) Get(ctx context.Context, k translation.CacheKey) (string, bool, error) {
	var sealed string
	err := c.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT sealed FROM %s.translations WHERE key_hash = $1`, RegionSchema(k.Region)), cacheKeyHash(k)).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("translation cache %s: %w", k.Region, err)
	}
	op, err := c.Keys.Opener(ctx, k.Region, k.Tenant, k.Customer)
	if errors.Is(err, shred.ErrErased) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	v, err := op.Open(sealed)
	if err != nil {
		return "", false, nil // unreadable is a miss, as the package asks
	}
	return v, true, nil
}

// Put implements translation.CacheStore.
func (c *TranslationCache) Put(ctx context.Context, k translation.CacheKey, value string) error {
	sealer, err := c.Keys.Sealer(ctx, k.Region, k.Tenant, k.Customer)
	if err != nil {
		return err
	}
	var b shred.Batch
	_, err = c.DB.Pool.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.translations (key_hash, tenant_id, customer_id, sealed) VALUES ($1, $2, $3, $4)
ON CONFLICT (key_hash) DO UPDATE SET sealed = EXCLUDED.sealed, created_at = now()`, RegionSchema(k.Region)),
		cacheKeyHash(k), k.Tenant, k.Customer, sealer.Seal(&b, value))
	if err != nil {
		return fmt.Errorf("translation cache %s: %w", k.Region, err)
	}
	return nil
}
