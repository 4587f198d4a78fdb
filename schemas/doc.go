// Package schemas embeds Meridian's schemas, the single source of truth for every store and
// contract: ClickHouse DDL, PostgreSQL migrations, event JSON Schemas and the GraphQL SDL.
package schemas

import "embed"

// ClickHouse holds the ClickHouse migrations, applied once per region database.
//
//go:embed clickhouse/*.sql
var ClickHouse embed.FS

// Postgres holds the PostgreSQL migrations: global/*.sql once, region/*.sql per region schema.
//
//go:embed postgres
var Postgres embed.FS
