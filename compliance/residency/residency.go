// Package residency proves where data is: per residency region, the stores that hold it
// (the region's ClickHouse database, PostgreSQL schema and Kafka topics), the kinds of data in
// each, row counts and the customer countries seen, and how many rows belong, by their
// country, to another region. The residency policy (models.ResidencyPolicy) is what decides
// where a customer's data goes; this package only looks.
package residency

import (
	"context"
	"fmt"
	"slices"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Store names.
const (
	StoreClickHouse = "clickhouse"
	StorePostgres   = "postgres"
	StoreKafka      = "kafka"
)

// Table is a table (or topic) with its rows; Rows < 0: not counted.
type Table struct {
	Name string
	Rows int64
}

// Postgres reads a region's PostgreSQL schema (store/postgres.Residency).
type Postgres interface {
	// Schema is the region's schema name.
	Schema(region string) string
	// Tables counts the rows of every table of the region's schema.
	Tables(ctx context.Context, region string) ([]Table, error)
	// Countries counts the region's customers by country.
	Countries(ctx context.Context, region string) (map[string]int64, error)
}

// Store is one store of a region.
type Store struct {
	Store     string
	Location  string
	Kinds     []string
	Tables    []Table
	Countries map[string]int64
}

// Region is the report of one region.
type Region struct {
	Region    string
	Countries []string // the policy's
	Fallback  bool
	Stores    []Store
	Misplaced int64
}

// Reporter builds reports.
type Reporter struct {
	Policy     *models.ResidencyPolicy
	ClickHouse *clickhouse.Regions // nil: not reported
	Postgres   Postgres            // nil: not reported
	// Topics are a region's Kafka topics (stream.EventsTopic and its dead letters).
	Topics func(region string) []string
}

// Kinds of data per store, as the report names them.
var (
	clickhouseKinds = []string{"events: messages (text unsealed), notes, conversation and routing events", "forecasts"}
	postgresKinds   = []string{"customers and their data keys", "identities (sealed)", "conversations' state", "send ledger (sealed)", "translation cache (sealed)", "consents", "audit trail"}
	kafkaKinds      = []string{"events (personal fields sealed with the customer's data key)"}
)

// Report describes each of regions.
func (r *Reporter) Report(ctx context.Context, regions []string) ([]Region, error) {
	out := make([]Region, 0, len(regions))
	for _, name := range regions {
		reg := Region{Region: name, Countries: r.Policy.CountriesOf(models.Region(name)), Fallback: r.Policy.Fallback == models.Region(name)}
		if reg.Countries == nil {
			reg.Countries = []string{}
		}
		if r.ClickHouse != nil {
			s, err := r.clickhouse(ctx, name)
			if err != nil {
				return nil, err
			}
			reg.Stores = append(reg.Stores, s)
		}
		if r.Postgres != nil {
			tables, err := r.Postgres.Tables(ctx, name)
			if err != nil {
				return nil, fmt.Errorf("residency: %s: %w", name, err)
			}
			countries, err := r.Postgres.Countries(ctx, name)
			if err != nil {
				return nil, fmt.Errorf("residency: %s: %w", name, err)
			}
			reg.Stores = append(reg.Stores, Store{Store: StorePostgres, Location: r.Postgres.Schema(name), Kinds: postgresKinds, Tables: tables, Countries: countries})
		}
		if r.Topics != nil {
			s := Store{Store: StoreKafka, Location: "", Kinds: kafkaKinds, Countries: map[string]int64{}}
			for _, t := range r.Topics(name) {
				s.Tables = append(s.Tables, Table{Name: t, Rows: -1})
				if s.Location == "" {
					s.Location = t
				}
			}
			reg.Stores = append(reg.Stores, s)
		}
		for _, s := range reg.Stores {
			for c, n := range s.Countries {
				if c != "" && r.Policy.RegionFor(c) != models.Region(name) {
					reg.Misplaced += n
				}
			}
		}
		out = append(out, reg)
	}
	return out, nil
}

func (r *Reporter) clickhouse(ctx context.Context, region string) (Store, error) {
	db, err := r.ClickHouse.DB(region)
	if err != nil {
		return Store{}, err
	}
	dbName := clickhouse.Database(region)
	s := Store{Store: StoreClickHouse, Location: dbName, Kinds: clickhouseKinds, Countries: map[string]int64{}}
	res, err := db.Query(ctx, "SELECT name FROM system.tables WHERE database = "+clickhouse.Quote(dbName)+" AND NOT endsWith(name, '_local') AND name != 'schema_migrations' ORDER BY name")
	if err != nil {
		return s, fmt.Errorf("residency: %s tables: %w", dbName, err)
	}
	for _, row := range res.Rows {
		name := clickhouse.String(row[0])
		n, err := db.Query(ctx, "SELECT count() FROM "+dbName+"."+clickhouse.Ident(name))
		if err != nil {
			return s, fmt.Errorf("residency: counting %s.%s: %w", dbName, name, err)
		}
		s.Tables = append(s.Tables, Table{Name: dbName + "." + name, Rows: int64(clickhouse.Float(n.Rows[0][0]))})
	}
	if !slices.ContainsFunc(s.Tables, func(t Table) bool { return t.Name == dbName+".events" }) {
		return s, nil
	}
	res, err = db.Query(ctx, "SELECT country, count() FROM "+dbName+".events GROUP BY country ORDER BY country")
	if err != nil {
		return s, fmt.Errorf("residency: %s countries: %w", dbName, err)
	}
	for _, row := range res.Rows {
		s.Countries[clickhouse.String(row[0])] = int64(clickhouse.Float(row[1]))
	}
	return s, nil
}
