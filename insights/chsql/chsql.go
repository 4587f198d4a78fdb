// Package chsql builds the ClickHouse queries that compute the insight models' inputs
// where the messages are, so that only counts (thousands of rows), not messages (billions),
// leave the database: per-phrase counts for keyness, per-market competitor and price
// mention counts. It returns SQL text and parameters and never connects to anything.
//
// Queries use ClickHouse server-side parameters ({name:Type}); Params holds their values in
// ClickHouse's text format, ready for clickhouse-go's clickhouse.WithParameters or for the
// HTTP interface's param_<name>. Query.Inline renders literals instead, for engines or
// tools without parameter support.
//
// The SQL tokeniser approximates package tokenize: it lower-cases (lowerUTF8), splits
// spaced scripts into words, drops stop-words, forms bigrams of adjacent non-stop words,
// and makes code-point bigrams (ngrams) of Han/Kana, Hangul and Thai runs. It does not
// stem, normalise Arabic or cluster Thai marks: fold the returned phrases with
// tokenize.Stem in Go when that matters. Column and table names live in Schema, in one
// place, so the queries follow a renamed column.
package chsql

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Schema names the messages table and the columns the queries read.
type Schema struct {
	Table          string
	Tenant         string
	OccurredAt     string
	Channel        string
	Language       string
	Country        string
	Direction      string
	Text           string
	ConversationID string
	CustomerID     string
	Product        string
}

// DefaultSchema is the messages table as created by Meridian's ClickHouse store:
// messages(tenant, occurred_at DateTime64(3), channel, language, country, direction, text,
// conversation_id, customer_id, product).
func DefaultSchema() Schema {
	return Schema{
		Table: "messages", Tenant: "tenant", OccurredAt: "occurred_at", Channel: "channel",
		Language: "language", Country: "country", Direction: "direction", Text: "text",
		ConversationID: "conversation_id", CustomerID: "customer_id", Product: "product",
	}
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

func (s Schema) validate() error {
	for name, v := range map[string]string{
		"Table": s.Table, "Tenant": s.Tenant, "OccurredAt": s.OccurredAt, "Language": s.Language,
		"Country": s.Country, "Direction": s.Direction, "Text": s.Text, "ConversationID": s.ConversationID, "Product": s.Product,
	} {
		if !identRE.MatchString(v) {
			return fmt.Errorf("chsql: schema %s %q is not a plain identifier", name, v)
		}
	}
	return nil
}

// q quotes an identifier (db.table quoted part by part).
func q(id string) string {
	parts := strings.Split(id, ".")
	for i, p := range parts {
		parts[i] = "`" + p + "`"
	}
	return strings.Join(parts, ".")
}

// A Query is SQL with server-side parameters.
type Query struct {
	SQL    string
	Params map[string]string
	types  map[string]string
}

var paramRE = regexp.MustCompile(`\{([a-z_0-9]+):([A-Za-z0-9()]+)\}`)

// Inline returns the SQL with each {name:Type} replaced by its value as a literal.
func (qr Query) Inline() string {
	return paramRE.ReplaceAllStringFunc(qr.SQL, func(m string) string {
		sub := paramRE.FindStringSubmatch(m)
		v := qr.Params[sub[1]]
		switch {
		case strings.HasPrefix(sub[2], "Array"):
			return v // already a literal array
		case strings.HasPrefix(sub[2], "String"):
			return quote(v)
		case strings.HasPrefix(sub[2], "DateTime64"):
			return "toDateTime64(" + quote(v) + ", 3, 'UTC')"
		}
		return v
	})
}

// quote makes a ClickHouse string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

func array(vals []string) string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = quote(v)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// A Filter selects the messages every query reads.
type Filter struct {
	Tenant    string
	From, To  time.Time // half-open [From, To); zero means unbounded
	Direction string    // usually "inbound" (customer messages); empty means all
}

// A Slice is a target or baseline corpus: messages whose country, language and product are
// in the given lists (an empty list means any).
type Slice struct {
	Countries []string
	Languages []string
	Products  []string
}

type builder struct {
	s      Schema
	params map[string]string
	types  map[string]string
}

func (b *builder) param(name, typ, val string) string {
	b.params[name] = val
	b.types[name] = typ
	return "{" + name + ":" + typ + "}"
}

func (b *builder) where(f Filter) string {
	conds := []string{q(b.s.Tenant) + " = " + b.param("tenant", "String", f.Tenant)}
	if !f.From.IsZero() {
		conds = append(conds, q(b.s.OccurredAt)+" >= "+b.param("from", "DateTime64(3)", f.From.UTC().Format("2006-01-02 15:04:05.000")))
	}
	if !f.To.IsZero() {
		conds = append(conds, q(b.s.OccurredAt)+" < "+b.param("to", "DateTime64(3)", f.To.UTC().Format("2006-01-02 15:04:05.000")))
	}
	if f.Direction != "" {
		conds = append(conds, q(b.s.Direction)+" = "+b.param("direction", "String", f.Direction))
	}
	return strings.Join(conds, "\n  AND ")
}

func (b *builder) slice(prefix string, sl Slice) string {
	var conds []string
	for _, c := range []struct {
		col, name string
		vals      []string
	}{{b.s.Country, "countries", sl.Countries}, {b.s.Language, "languages", sl.Languages}, {b.s.Product, "products", sl.Products}} {
		if len(c.vals) > 0 {
			conds = append(conds, "has("+b.param(prefix+"_"+c.name, "Array(String)", array(c.vals))+", "+q(c.col)+")")
		}
	}
	if len(conds) == 0 {
		return "1"
	}
	return strings.Join(conds, " AND ")
}

// PhraseOptions tune PhraseCounts.
type PhraseOptions struct {
	StopWords     []string // lower-case; see tokenize for lists
	MinTarget     int      // HAVING target_count >= MinTarget
	MinTargetDocs int      // HAVING target_docs >= MinTargetDocs (distinct conversations)
	Limit         int      // at most this many phrases, most frequent in target first; default 100000
}

// PhraseCounts returns, per phrase, its count in the target slice, in the baseline slice
// (nil baseline: every filtered message not in the target) and the number of target
// conversations containing it. Columns: phrase, target_count, baseline_count, target_docs
// — the fields of keyness.PhraseCount. The corpus totals come from PhraseTotals with the
// same arguments (not from this query: its HAVING and LIMIT drop rare phrases, which still
// belong in the totals).
func (s Schema) PhraseCounts(f Filter, target Slice, baseline *Slice, o PhraseOptions) (Query, error) {
	b, inner, err := s.phrasesInner(f, target, baseline, o)
	if err != nil {
		return Query{}, err
	}
	if o.Limit <= 0 {
		o.Limit = 100000
	}
	sql := fmt.Sprintf(`SELECT
  phrase,
  countIf(in_target) AS target_count,
  countIf(in_baseline) AS baseline_count,
  uniqExactIf(conv, in_target) AS target_docs
FROM
(
%s
)
ARRAY JOIN phrases AS phrase
GROUP BY phrase
HAVING target_count >= %s AND target_docs >= %s
ORDER BY target_count DESC, phrase
LIMIT %s`, inner,
		b.param("min_target", "UInt32", strconv.Itoa(o.MinTarget)),
		b.param("min_docs", "UInt32", strconv.Itoa(o.MinTargetDocs)),
		b.param("limit", "UInt32", strconv.Itoa(o.Limit)))
	return Query{SQL: sql, Params: b.params, types: b.types}, nil
}

// PhraseTotals returns one row: target_total and baseline_total, the number of phrase
// occurrences in each corpus (keyness.Counts' TargetTotal and BaselineTotal).
func (s Schema) PhraseTotals(f Filter, target Slice, baseline *Slice, o PhraseOptions) (Query, error) {
	b, inner, err := s.phrasesInner(f, target, baseline, o)
	if err != nil {
		return Query{}, err
	}
	sql := fmt.Sprintf(`SELECT
  sumIf(length(phrases), in_target) AS target_total,
  sumIf(length(phrases), in_baseline) AS baseline_total
FROM
(
%s
)`, inner)
	return Query{SQL: sql, Params: b.params, types: b.types}, nil
}

// phrasesInner is the per-message subquery: conversation, slice membership and the array
// of phrases.
func (s Schema) phrasesInner(f Filter, target Slice, baseline *Slice, o PhraseOptions) (*builder, string, error) {
	if err := s.validate(); err != nil {
		return nil, "", err
	}
	if f.Tenant == "" {
		return nil, "", fmt.Errorf("chsql: filter needs a tenant")
	}
	b := &builder{s: s, params: map[string]string{}, types: map[string]string{}}
	where := b.where(f)
	inT := b.slice("target", target)
	inB := "NOT in_target"
	if baseline != nil {
		inB = "(" + b.slice("baseline", *baseline) + ") AND NOT in_target"
	}
	stop := b.param("stopwords", "Array(String)", array(o.StopWords))
	txt := "lowerUTF8(" + q(s.Text) + ")"
	inner := fmt.Sprintf(`  SELECT
    %[1]s AS conv,
    %[2]s AS in_target,
    %[3]s AS in_baseline,
    extractAll(%[4]s, '[\\p{Latin}\\p{Greek}\\p{Cyrillic}\\p{Arabic}\\p{N}]+') AS words,
    arrayFilter(w -> lengthUTF8(w) > 1 AND NOT has(%[5]s, w) AND NOT match(w, '^[0-9]+$'), words) AS unigrams,
    arrayFilter(x -> x != '', arrayMap((a, b) -> if(has(%[5]s, a) OR has(%[5]s, b) OR lengthUTF8(a) < 2 OR lengthUTF8(b) < 2, '', concat(a, ' ', b)), arrayPopBack(words), arrayPopFront(words))) AS bigrams,
    arrayFlatten(arrayMap(r -> if(lengthUTF8(r) = 1, [r], ngrams(r, 2)), extractAll(%[4]s, '[\\p{Han}\\p{Hiragana}\\p{Katakana}ー]+|\\p{Hangul}+|\\p{Thai}+'))) AS cjk,
    arrayConcat(unigrams, bigrams, cjk) AS phrases
  FROM %[6]s
  WHERE %[7]s
    AND (in_target OR in_baseline)`,
		q(s.ConversationID), inT, inB, txt, stop, q(s.Table), where)
	return b, inner, nil
}

// A TermSet is one named group of dictionary terms to count, e.g. a competitor and its
// aliases, or the price lexicon. Terms ending in * match words starting with them.
type TermSet struct {
	Name  string
	Terms []string
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// MentionCounts returns, per country (and per month when byMonth), the number of messages
// and, for each term set, the number of messages mentioning it, plus any_mentions for
// messages mentioning at least one set. Terms in Chinese, Japanese, Korean or Thai are
// matched as substrings (multiSearchAnyUTF8), others as whole words with a regular
// expression, mirroring package lexicon. Columns: country, [month,] messages,
// <name>_mentions…, any_mentions.
func (s Schema) MentionCounts(f Filter, sets []TermSet, byMonth bool) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	if f.Tenant == "" {
		return Query{}, fmt.Errorf("chsql: filter needs a tenant")
	}
	if len(sets) == 0 {
		return Query{}, fmt.Errorf("chsql: no term sets to count")
	}
	b := &builder{s: s, params: map[string]string{}, types: map[string]string{}}
	where := b.where(f)
	txt := "lowerUTF8(" + q(s.Text) + ")"
	var cols, anyConds []string
	seen := map[string]bool{}
	for _, set := range sets {
		if !nameRE.MatchString(set.Name) || seen[set.Name] {
			return Query{}, fmt.Errorf("chsql: term set name %q must be unique, lower-case letters, digits and _", set.Name)
		}
		seen[set.Name] = true
		cond, err := b.termCond(set, txt)
		if err != nil {
			return Query{}, err
		}
		cols = append(cols, fmt.Sprintf("  countIf(%s) AS %s", cond, q(set.Name+"_mentions")))
		anyConds = append(anyConds, "("+cond+")")
	}
	group := q(s.Country)
	sel := q(s.Country) + " AS country"
	if byMonth {
		sel += ",\n  toStartOfMonth(" + q(s.OccurredAt) + ") AS month"
		group += ", month"
	}
	sql := fmt.Sprintf("SELECT\n  %s,\n  count() AS messages,\n%s,\n  countIf(%s) AS any_mentions\nFROM %s\nWHERE %s\nGROUP BY %s\nORDER BY %s",
		sel, strings.Join(cols, ",\n"), strings.Join(anyConds, " OR "), q(s.Table), where, group, group)
	return Query{SQL: sql, Params: b.params, types: b.types}, nil
}

func (b *builder) termCond(set TermSet, txt string) (string, error) {
	var sub, words []string
	for _, t := range set.Terms {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		prefix := strings.HasSuffix(t, "*")
		t = strings.TrimSuffix(t, "*")
		if unspaced(t) {
			sub = append(sub, t)
			continue
		}
		re := regexp.QuoteMeta(t)
		if prefix {
			re += `[\p{L}\p{N}]*`
		}
		words = append(words, re)
	}
	if len(sub) == 0 && len(words) == 0 {
		return "", fmt.Errorf("chsql: term set %q has no terms", set.Name)
	}
	var conds []string
	if len(sub) > 0 {
		sort.Strings(sub)
		conds = append(conds, "multiSearchAnyUTF8("+txt+", "+b.param(set.Name+"_substrings", "Array(String)", array(sub))+")")
	}
	if len(words) > 0 {
		re := `(^|[^\p{L}\p{N}])(` + strings.Join(words, "|") + `)([^\p{L}\p{N}]|$)`
		conds = append(conds, "match("+txt+", "+b.param(set.Name+"_words", "String", re)+")")
	}
	return strings.Join(conds, " OR "), nil
}

// unspaced mirrors tokenize.HasUnspaced without importing it, keeping this package a leaf.
func unspaced(s string) bool {
	for _, r := range s {
		switch {
		case r >= 0x3040 && r <= 0x30FF, r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF,
			r >= 0xAC00 && r <= 0xD7AF, r >= 0x1100 && r <= 0x11FF, r >= 0x0E00 && r <= 0x0E7F:
			return true
		}
	}
	return false
}
