package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/compliance/residency"
)

// Residency counts what a region's schema holds (residency.Postgres).
type Residency struct {
	DB *DB
}

// Schema implements residency.Postgres.
func (s *Residency) Schema(region string) string { return RegionSchema(region) }

// Tables counts every table of the region's schema exactly (count(*), not the statistics).
func (s *Residency) Tables(ctx context.Context, region string) ([]residency.Table, error) {
	schema := RegionSchema(region)
	rows, err := s.DB.Pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`, schema)
	if err != nil {
		return nil, fmt.Errorf("postgres residency: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres residency: %w", err)
	}
	out := make([]residency.Table, 0, len(names))
	for _, n := range names {
		var c int64
		if err := s.DB.Pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{schema, n}.Sanitize()).Scan(&c); err != nil {
			return nil, fmt.Errorf("postgres residency: counting %s.%s: %w", schema, n, err)
		}
		out = append(out, residency.Table{Name: schema + "." + n, Rows: c})
	}
	return out, nil
}

// Countries counts the region's customers by country.
func (s *Residency) Countries(ctx context.Context, region string) (map[string]int64, error) {
	rows, err := s.DB.Pool.Query(ctx, "SELECT country, count(*) FROM "+pgx.Identifier{RegionSchema(region), "customers"}.Sanitize()+" GROUP BY country")
	if err != nil {
		return nil, fmt.Errorf("postgres residency: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			return nil, fmt.Errorf("postgres residency: %w", err)
		}
		out[c] = n
	}
	return out, rows.Err()
}
