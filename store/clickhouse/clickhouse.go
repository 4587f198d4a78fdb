// Package clickhouse is Meridian's analytical store: one interface over two drivers that apply
// the same DDL from schemas/clickhouse — chDB in-process (the embedded default) and
// clickhouse-go/v2 (a server or a cluster). Every region has its own database, or its own
// cluster, so residency is a matter of addressing, not of filtering.
package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/meridian-cs/meridian/store/clickhouse/chparam"
)

// DB is a ClickHouse endpoint. Implementations are safe for concurrent use.
//
// Insert is atomic: the rows of one call land in one INSERT, so they become visible together
// or not at all. Settings ("name = value") apply to that INSERT only. Query returns the whole
// result in memory and is meant for aggregates, not for exporting raw rows. QueryParams is
// Query with server-side parameters: caller-supplied values reach the server apart from the
// SQL text, so no value is ever parsed as SQL.
type DB interface {
	Exec(ctx context.Context, query string) error
	Insert(ctx context.Context, table, format string, data []byte, settings ...string) error
	Query(ctx context.Context, query string) (*Result, error)
	QueryParams(ctx context.Context, query string, params Params) (*Result, error)
	Ping(ctx context.Context) error
	Close() error
}

// Column names a result column and its ClickHouse type.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Result is a query's columns and rows. Numbers are json.Number (chDB) or Go numbers (server);
// use the accessors to read them without caring which.
type Result struct {
	Columns []Column
	Rows    [][]any
}

// Float reads a numeric cell as float64.
func Float(v any) float64 {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case float64:
		return x
	case float32:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case int32:
		return float64(x)
	case uint32:
		return float64(x)
	case int:
		return float64(x)
	case uint8:
		return float64(x)
	case uint16:
		return float64(x)
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	case *float32:
		if x != nil {
			return float64(*x)
		}
	case *float64:
		if x != nil {
			return *x
		}
	}
	return 0
}

// String reads a cell as text.
func String(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Quote returns s as a ClickHouse string literal.
func Quote(s string) string { return chparam.Quote(s) }

// Ident returns a safe identifier; it panics on names that are not plain identifiers, since
// every identifier Meridian builds comes from code or a validated region name.
func Ident(s string) string {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			panic(fmt.Sprintf("clickhouse: %q is not a plain identifier", s))
		}
	}
	return s
}

// Database is the name of a region's database.
func Database(region string) string { return "meridian_" + Ident(region) }
