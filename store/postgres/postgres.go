// Package postgres is Meridian's operational store on PostgreSQL (pgx): the global catalogue
// (tenants, regions, API keys, knowledge-base articles) and, in one schema per residency
// region, customers, their data keys, agents, teams, the current state of conversations and
// customers' consents; it also deletes what the retention policy no longer allows (Retention)
// and counts what each region's schema holds (Residency). Migrations come from
// schemas/postgres.
package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/schemas"
)

// DB is a pool of connections to Meridian's database.
type DB struct {
	Pool *pgxpool.Pool
}

// DefaultMaxConns is the pool size unless the DSN sets pool_max_conns.
const DefaultMaxConns = 20

// Open connects and checks the connection.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// pgx's default (the number of CPUs, at least 4) is too few for concurrent webhook
	// deliveries beside the sinks; a DSN's pool_max_conns still decides.
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, DefaultMaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: ping: %w", err)
	}
	return &DB{Pool: pool}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// GlobalSchema holds the catalogue.
const GlobalSchema = "meridian"

// RegionSchema is the schema that holds one region's rows.
func RegionSchema(region string) string {
	for _, r := range region {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			panic(fmt.Sprintf("postgres: %q is not a region name", region))
		}
	}
	return "region_" + region
}

// Migrate applies schemas/postgres/global to the global schema and schemas/postgres/region to
// each region's schema, each under an advisory lock so concurrent starts do not race.
func (db *DB) Migrate(ctx context.Context, regions []string) (int, error) {
	n, err := db.migrateDir(ctx, "global", GlobalSchema)
	if err != nil {
		return n, err
	}
	for _, r := range regions {
		m, err := db.migrateDir(ctx, "region", RegionSchema(r))
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (db *DB) migrateDir(ctx context.Context, dir, schema string) (int, error) {
	entries, err := fs.ReadDir(schemas.Postgres, "postgres/"+dir)
	if err != nil {
		return 0, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres migrate %s: %w", schema, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	stmts := []string{
		"SELECT pg_advisory_xact_lock(727272)",
		"CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{schema}.Sanitize(),
		"SET LOCAL search_path TO " + pgx.Identifier{schema}.Sanitize(),
		"CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return 0, fmt.Errorf("postgres migrate %s: %w", schema, err)
		}
	}
	applied := 0
	for _, name := range names {
		var done bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = $1)", name).Scan(&done); err != nil {
			return applied, fmt.Errorf("postgres migrate %s: %w", schema, err)
		}
		if done {
			continue
		}
		sql, err := fs.ReadFile(schemas.Postgres, "postgres/"+dir+"/"+name)
		if err != nil {
			return applied, err
		}
		if _, err := tx.Exec(ctx, string(sql)); err != nil {
			return applied, fmt.Errorf("postgres migrate %s: %s: %w", schema, name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (name) VALUES ($1)", name); err != nil {
			return applied, fmt.Errorf("postgres migrate %s: %w", schema, err)
		}
		applied++
	}
	if err := tx.Commit(ctx); err != nil {
		return applied, fmt.Errorf("postgres migrate %s: commit: %w", schema, err)
	}
	return applied, nil
}

// EnsureTenant records a tenant if it is new.
func (db *DB) EnsureTenant(ctx context.Context, id, name string) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO meridian.tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, id, name)
	if err != nil {
		return fmt.Errorf("postgres: ensure tenant %s: %w", id, err)
	}
	return nil
}

// SyncRegions records the residency policy's regions and countries.
func (db *DB) SyncRegions(ctx context.Context, regions map[string][]string, fallback string) error {
	for r, countries := range regions {
		_, err := db.Pool.Exec(ctx, `INSERT INTO meridian.regions (name, countries, is_fallback) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET countries = EXCLUDED.countries, is_fallback = EXCLUDED.is_fallback`, r, countries, r == fallback)
		if err != nil {
			return fmt.Errorf("postgres: sync region %s: %w", r, err)
		}
	}
	return nil
}

// ErrNotFound means no row matched.
var ErrNotFound = errors.New("postgres: not found")

// LookupKey implements auth.Lookup: it finds an unrevoked key by its plaintext and returns
// its grant, or auth.ErrUnknownKey.
func (db *DB) LookupKey(ctx context.Context, key string) (auth.Principal, error) {
	h := sha256.Sum256([]byte(key))
	var p auth.Principal
	err := db.Pool.QueryRow(ctx, `SELECT tenant_id, role, regions, agent_id FROM meridian.api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, h[:]).
		Scan(&p.Tenant, &p.Role, &p.Regions, &p.Agent)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Principal{}, auth.ErrUnknownKey
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("postgres: look up api key: %w", err)
	}
	return p, nil
}

// CreateAPIKey stores a key's hash and the grant it carries (no regions: every region; the
// agent it acts for, if any).
func (db *DB) CreateAPIKey(ctx context.Context, key string, p auth.Principal, label string) error {
	h := sha256.Sum256([]byte(key))
	regions := p.Regions
	if regions == nil {
		regions = []string{} // every region
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO meridian.api_keys (key_hash, tenant_id, role, regions, label, agent_id) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (key_hash) DO NOTHING`, h[:], p.Tenant, p.Role, regions, label, p.Agent)
	if err != nil {
		return fmt.Errorf("postgres: create api key: %w", err)
	}
	return nil
}

// Keys is the crypto-shredding key store on this database.
func (db *DB) Keys() shred.KeyStore { return keyStore{db} }

type keyStore struct{ db *DB }

func (k keyStore) GetOrCreateKey(ctx context.Context, region, tenant, subject string, candidate []byte) ([]byte, error) {
	var wrapped []byte
	q := fmt.Sprintf(`WITH ins AS (
		INSERT INTO %s.customer_keys (tenant_id, customer_id, wrapped_key) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id, customer_id) DO NOTHING RETURNING wrapped_key)
		SELECT wrapped_key FROM ins UNION ALL
		SELECT wrapped_key FROM %[1]s.customer_keys WHERE tenant_id = $1 AND customer_id = $2
		LIMIT 1`, RegionSchema(region))
	err := k.db.Pool.QueryRow(ctx, q, tenant, subject, candidate).Scan(&wrapped)
	if errors.Is(err, pgx.ErrNoRows) {
		// A concurrent insert won between our INSERT and SELECT snapshots; read it now.
		return k.GetKey(ctx, region, tenant, subject)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: data key for %s: %w", subject, err)
	}
	return wrapped, nil
}

// GetOrCreateKeys implements shred.BatchKeyStore: one statement (one commit, one WAL flush)
// stores the keys of all of a request's new customers of a region.
func (k keyStore) GetOrCreateKeys(ctx context.Context, region, tenant string, subjects []string, candidates [][]byte) ([][]byte, error) {
	if len(subjects) != len(candidates) {
		return nil, fmt.Errorf("postgres: %d subjects, %d candidate keys", len(subjects), len(candidates))
	}
	// The SELECT sees the snapshot from before the INSERT: rows this statement inserts come
	// from ins, rows that existed before from the SELECT. A row a concurrent transaction
	// committed meanwhile is in neither; it is read afterwards.
	//
	// Rows are inserted in customer order: two requests with overlapping new customers then
	// wait for each other's row locks in the same order instead of deadlocking.
	q := fmt.Sprintf(`WITH input AS (
		SELECT * FROM unnest($2::text[], $3::bytea[]) AS t(customer_id, wrapped_key)),
	ins AS (
		INSERT INTO %s.customer_keys (tenant_id, customer_id, wrapped_key)
		SELECT $1, customer_id, wrapped_key FROM input ORDER BY customer_id COLLATE "C"
		ON CONFLICT (tenant_id, customer_id) DO NOTHING RETURNING customer_id, wrapped_key)
	SELECT customer_id, wrapped_key FROM ins
	UNION ALL
	SELECT c.customer_id, c.wrapped_key FROM %[1]s.customer_keys c JOIN input i ON c.customer_id = i.customer_id
	WHERE c.tenant_id = $1`, RegionSchema(region))
	rows, err := k.db.Pool.Query(ctx, q, tenant, subjects, candidates)
	if err != nil {
		return nil, fmt.Errorf("postgres: data keys for %d customers: %w", len(subjects), err)
	}
	got := make(map[string][]byte, len(subjects))
	for rows.Next() {
		var sub string
		var wrapped []byte
		if err := rows.Scan(&sub, &wrapped); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: data keys: %w", err)
		}
		got[sub] = wrapped
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: data keys for %d customers: %w", len(subjects), err)
	}
	out := make([][]byte, len(subjects))
	for i, sub := range subjects {
		w, ok := got[sub]
		if !ok {
			if w, err = k.GetOrCreateKey(ctx, region, tenant, sub, candidates[i]); err != nil {
				return nil, err
			}
		}
		out[i] = w
	}
	return out, nil
}

func (k keyStore) GetKey(ctx context.Context, region, tenant, subject string) ([]byte, error) {
	var wrapped []byte
	err := k.db.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT wrapped_key FROM %s.customer_keys WHERE tenant_id = $1 AND customer_id = $2`, RegionSchema(region)),
		tenant, subject).Scan(&wrapped)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shred.ErrErased
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: data key for %s: %w", subject, err)
	}
	return wrapped, nil
}

func (k keyStore) DeleteKey(ctx context.Context, region, tenant, subject string) error {
	_, err := k.db.Pool.Exec(ctx, fmt.Sprintf(`DELETE FROM %s.customer_keys WHERE tenant_id = $1 AND customer_id = $2`, RegionSchema(region)), tenant, subject)
	if err != nil {
		return fmt.Errorf("postgres: delete data key for %s: %w", subject, err)
	}
	return nil
}

// collect scans every row with scan, a scanner that also serves QueryRow; no rows is a nil
// slice (pgx.CollectRows gives an empty one).
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	return pgx.AppendRows([]T(nil), rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}
