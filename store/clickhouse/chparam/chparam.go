// Package chparam writes ClickHouse queries with server-side parameters: each caller value
// is a {name:Type} placeholder in the SQL and its value travels apart from it, so no value
// is ever parsed as SQL. It has no dependencies, so that packages which only build SQL
// (insights/chsql) need not load a driver; store/clickhouse runs the queries.
package chparam

import (
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Params are the server-side parameters of one query: the value of each {name:Type}
// placeholder in ClickHouse's escaped text format, as the native protocol (clickhouse-go's
// WithParameters), the HTTP interface's param_<name> and SET param_<name> expect it.
// Build values with TextString and TextArray, or let a Binder do it.
type Params map[string]string

// Query is SQL text with server-side parameters.
type Query struct {
	SQL    string
	Params Params
}

// Binder collects the parameters of a query as it is written. The zero value is ready to use.
type Binder struct {
	params Params
}

// Bind records a parameter of ClickHouse type typ whose value is text (already in escaped
// text format) and returns its placeholder.
func (b *Binder) Bind(name, typ, text string) string {
	if b.params == nil {
		b.params = Params{}
	}
	b.params[name] = text
	return "{" + name + ":" + typ + "}"
}

// String binds a String parameter named after its position (p0, p1, ...).
func (b *Binder) String(v string) string { return b.Bind(b.next(), "String", TextString(v)) }

// Strings binds an Array(String) parameter named after its position.
func (b *Binder) Strings(vs []string) string {
	return b.Bind(b.next(), "Array(String)", TextArray(vs))
}

// Int64 binds an Int64 parameter named after its position.
func (b *Binder) Int64(v int64) string {
	return b.Bind(b.next(), "Int64", strconv.FormatInt(v, 10))
}

func (b *Binder) next() string { return "p" + strconv.Itoa(len(b.params)) }

// Params returns the parameters bound so far; the Binder keeps adding to the same map.
func (b *Binder) Params() Params { return b.params }

// Query pairs sql with a copy of the parameters bound so far: binding more for a later
// query leaves this one as it is.
func (b *Binder) Query(sql string) Query { return Query{SQL: sql, Params: maps.Clone(b.params)} }

// textEscaper escapes a string for ClickHouse's escaped text format (TabSeparated): the
// server reads a parameter's value with it, so a raw tab or backslash would cut it short.
var textEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`, "\x00", `\0`)

// TextString is s in escaped text format, the value of a String parameter.
func TextString(s string) string { return textEscaper.Replace(s) }

// TextArray is vs as an Array(String) value: a literal array of quoted strings.
func TextArray(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = Quote(v)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// Key is q as one string, for caching results by query.
func (q Query) Key() string {
	if len(q.Params) == 0 {
		return q.SQL
	}
	var b strings.Builder
	b.WriteString(q.SQL)
	for _, name := range q.Params.Names() {
		b.WriteString("\x00" + name + "=" + q.Params[name])
	}
	return b.String()
}

var paramRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9(), ']+)\}`)

// Inline returns the SQL with each {name:Type} replaced by its value as a literal, for tools
// that show or run SQL without parameters.
func (q Query) Inline() string {
	return paramRE.ReplaceAllStringFunc(q.SQL, func(m string) string {
		sub := paramRE.FindStringSubmatch(m)
		v := q.Params[sub[1]]
		switch typ := sub[2]; {
		case strings.HasPrefix(typ, "Array"):
			return v // already a literal array
		case strings.HasPrefix(typ, "String"):
			// A quoted literal reads backslash escapes as the text format does.
			return "'" + strings.ReplaceAll(v, "'", `\'`) + "'"
		case strings.HasPrefix(typ, "DateTime64"):
			return "toDateTime64(" + Quote(v) + ", 3, 'UTC')"
		}
		return v
	})
}

// Quote returns s as a ClickHouse string literal.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// Names returns the parameters' names, sorted.
func (p Params) Names() []string {
	names := make([]string, 0, len(p))
	for n := range p {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
