package clickhouse

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/meridian-cs/meridian/schemas"
)

// Layout says how the shared DDL is rendered for one database: alone, or on a cluster.
type Layout struct {
	DB      string
	Cluster string
}

// OnCluster is the ON CLUSTER clause, or nothing on a single node.
func (l Layout) OnCluster() string {
	if l.Cluster == "" {
		return ""
	}
	return "ON CLUSTER " + Ident(l.Cluster)
}

// Local is the name of the table that holds the rows on each node.
func (l Layout) Local(table string) string {
	if l.Cluster == "" {
		return table
	}
	return table + "_local"
}

// Engine is the MergeTree-family engine, replicated on a cluster.
func (l Layout) Engine(engine, table string) string {
	if l.Cluster == "" {
		return engine
	}
	name, args, _ := strings.Cut(engine, "(")
	args = strings.TrimSuffix(args, ")")
	path := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s', '{replica}'", l.DB, table)
	if args != "" {
		path += ", " + args
	}
	return "Replicated" + name + "(" + path + ")"
}

// Migration is one numbered file of schemas/clickhouse.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the shipped migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(schemas.ClickHouse, "clickhouse")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		num, rest, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("clickhouse migrations: %s is not named NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(schemas.ClickHouse, "clickhouse/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(rest, ".sql"), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Statements renders a migration for a layout and splits it into statements.
func (m Migration) Statements(l Layout) ([]string, error) {
	t, err := template.New(m.Name).Parse(m.SQL)
	if err != nil {
		return nil, fmt.Errorf("migration %04d %s: %w", m.Version, m.Name, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, l); err != nil {
		return nil, fmt.Errorf("migration %04d %s: %w", m.Version, m.Name, err)
	}
	var out []string
	for _, stmt := range strings.Split(buf.String(), ";\n") {
		if s := strings.TrimSpace(stripComments(stmt)); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(strings.TrimSpace(b.String()), ";")
}

// Migrate brings a region's database up to the newest migration and returns how many it applied.
func Migrate(ctx context.Context, db DB, l Layout) (int, error) {
	ms, err := Migrations()
	if err != nil {
		return 0, err
	}
	boot := []string{
		fmt.Sprintf("CREATE DATABASE IF NOT EXISTS %s %s", Ident(l.DB), l.OnCluster()),
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.schema_migrations %s (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = %s ORDER BY version",
			l.DB, l.OnCluster(), l.Engine("ReplacingMergeTree", "schema_migrations")),
	}
	for _, s := range boot {
		if err := db.Exec(ctx, s); err != nil {
			return 0, fmt.Errorf("migrate %s: %w", l.DB, err)
		}
	}
	res, err := db.Query(ctx, fmt.Sprintf("SELECT max(version) FROM %s.schema_migrations FINAL", l.DB))
	if err != nil {
		return 0, fmt.Errorf("migrate %s: read version: %w", l.DB, err)
	}
	current := 0
	if len(res.Rows) == 1 {
		current = int(Float(res.Rows[0][0]))
	}
	applied := 0
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		stmts, err := m.Statements(l)
		if err != nil {
			return applied, err
		}
		for _, s := range stmts {
			if err := db.Exec(ctx, s); err != nil {
				return applied, fmt.Errorf("migrate %s: %04d_%s: %w", l.DB, m.Version, m.Name, err)
			}
		}
		if err := db.Exec(ctx, fmt.Sprintf("INSERT INTO %s.schema_migrations (version, name) VALUES (%d, %s)", l.DB, m.Version, Quote(m.Name))); err != nil {
			return applied, fmt.Errorf("migrate %s: record %04d: %w", l.DB, m.Version, err)
		}
		applied++
	}
	return applied, nil
}
