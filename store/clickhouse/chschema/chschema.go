// Package chschema describes the events table (schemas/clickhouse/0001_events.sql) once: its
// columns' names and the types the writer sends them as. The writer (store/clickhouse), the
// metrics catalog and insights/chsql take column names from it, so a renamed column fails
// at start-up instead of in a query. It has no dependencies, so that packages which only
// build SQL need not load a driver.
package chschema

import (
	"fmt"
	"slices"
	"strings"
)

// Column is a column of the events table and the ClickHouse type the writer sends it as
// (the table may store it as LowCardinality or an Enum; values compare as these types).
type Column struct {
	Name string
	Type string
}

// Events are the events table's columns in the order the writer sends them.
var Events = []Column{
	{"tenant", "String"},
	{"id", "String"},
	{"type", "String"},
	{"version", "UInt8"},
	{"occurred_at", "DateTime64(3, 'UTC')"},
	{"received_at", "DateTime64(3, 'UTC')"},
	{"channel", "String"},
	{"direction", "String"},
	{"conversation_id", "String"},
	{"customer_id", "String"},
	{"country", "String"},
	{"language", "String"},
	{"tier", "String"},
	{"text", "String"},
	{"platform_message_id", "String"},
	{"agent_id", "String"},
	{"team", "String"},
	{"queue", "String"},
	{"to_queue", "String"},
	{"from_region", "String"},
	{"to_region", "String"},
	{"reason", "String"},
	{"summary", "String"},
	{"score", "Nullable(Float32)"},
	{"action", "String"},
	{"intent", "String"},
	{"confidence", "Nullable(Float32)"},
	{"sentiment", "Nullable(Float32)"},
	{"product", "String"},
	{"attachments", "UInt16"},
	{"attributes", "Map(String, String)"},
}

// Col returns name, a column of the events table. It panics otherwise: every column name
// Meridian uses is in its code, and a misspelt or renamed one must stop the program at start.
func Col(name string) string {
	if !slices.ContainsFunc(Events, func(c Column) bool { return c.Name == name }) {
		panic(fmt.Sprintf("chschema: %q is not a column of the events table", name))
	}
	return name
}

// Names is the column list of an INSERT of every column: "tenant, id, ...".
func Names(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// Structure is the columns with their types, as a Native block or file() takes them:
// "tenant String, id String, ...".
func Structure(cols []Column) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name + " " + c.Type
	}
	return strings.Join(out, ", ")
}
