// Package chsql builds the ClickHouse queries that compute the insight models' inputs
// where the messages are, so that only counts (thousands of rows), not messages (billions),
// leave the database: per-phrase counts for keyness, per-market competitor and price
// mention counts. It returns SQL text and parameters and never connects to anything.
//
// Queries use ClickHouse server-side parameters ({name:Type}), written with package chparam
// as every Meridian query over events is; Params holds their values in ClickHouse's escaped
// text format, ready for store/clickhouse's DB.QueryParams. Query.Inline renders literals
// instead, for tools without parameter support.
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
	"unicode"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/store/clickhouse/chparam"
	"github.com/meridian-cs/meridian/store/clickhouse/chschema"
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
	// Optional columns (empty: not available). Type filters on Filter.Types, Tier backs
	// Slice.Tiers and segment breakdowns, ID names example messages, Sentiment feeds the
	// comparison sentiment of MentionStats.
	Type      string
	Tier      string
	ID        string
	Sentiment string
	// Final reads the table with FINAL, as a ReplacingMergeTree must be read for exact counts.
	Final bool
}

// EventsSchema is a region's events table as created by Meridian's ClickHouse store
// (schemas/clickhouse/0001_events.sql): db.events, read with FINAL.
func EventsSchema(db string) Schema {
	c := chschema.Col
	return Schema{
		Table: db + ".events", Tenant: c("tenant"), OccurredAt: c("occurred_at"), Channel: c("channel"),
		Language: c("language"), Country: c("country"), Direction: c("direction"), Text: c("text"),
		ConversationID: c("conversation_id"), CustomerID: c("customer_id"), Product: c("product"),
		Type: c("type"), Tier: c("tier"), ID: c("id"), Sentiment: c("sentiment"), Final: true,
	}
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
	for name, v := range map[string]string{"Type": s.Type, "Tier": s.Tier, "ID": s.ID, "Sentiment": s.Sentiment, "CustomerID": s.CustomerID} {
		if v != "" && !identRE.MatchString(v) {
			return fmt.Errorf("chsql: schema %s %q is not a plain identifier", name, v)
		}
	}
	return nil
}

// from is the FROM target: the table, with FINAL when the schema says so.
func (s Schema) from() string {
	if s.Final {
		return q(s.Table) + " FINAL"
	}
	return q(s.Table)
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
type Query = chparam.Query

// quote makes a ClickHouse string literal.
func quote(s string) string { return chparam.Quote(s) }

func array(vals []string) string { return chparam.TextArray(vals) }

// A Filter selects the messages every query reads.
type Filter struct {
	Tenant    string
	From, To  time.Time // half-open [From, To); zero means unbounded
	Direction string    // usually "inbound" (customer messages); empty means all
	// Types keeps only these event types (e.g. message.received); needs Schema.Type.
	Types []string
	// Countries and Tiers keep only these markets and customer segments (Tiers needs
	// Schema.Tier); empty means all.
	Countries []string
	Tiers     []string
}

// A Slice is a target or baseline corpus: messages whose country, language, product and
// tier (segment) are in the given lists (an empty list means any). A language matches
// exactly or by its primary subtag: "en" matches "en-GB" and "en-US".
type Slice struct {
	Countries []string
	Languages []string
	Products  []string
	Tiers     []string // needs Schema.Tier
	// From and To bound the slice in time, half-open; zero means unbounded. They let a
	// period be compared with an earlier one.
	From, To time.Time
}

type builder struct {
	s Schema
	*chparam.Binder
}

func newBuilder(s Schema) *builder { return &builder{s: s, Binder: &chparam.Binder{}} }

// param binds a value in text format: String values go through chparam.TextString, so
// that a backslash or tab in them reaches the server as written.
func (b *builder) param(name, typ, val string) string {
	if typ == "String" {
		val = chparam.TextString(val)
	}
	return b.Bind(name, typ, val)
}

func (b *builder) where(f Filter) string {
	conds := []string{q(b.s.Tenant) + " = " + b.param("tenant", "String", f.Tenant)}
	if !f.From.IsZero() {
		conds = append(conds, q(b.s.OccurredAt)+" >= "+b.param("from", "DateTime64(3, 'UTC')", f.From.UTC().Format("2006-01-02 15:04:05.000")))
	}
	if !f.To.IsZero() {
		conds = append(conds, q(b.s.OccurredAt)+" < "+b.param("to", "DateTime64(3, 'UTC')", f.To.UTC().Format("2006-01-02 15:04:05.000")))
	}
	if f.Direction != "" {
		conds = append(conds, q(b.s.Direction)+" = "+b.param("direction", "String", f.Direction))
	}
	if len(f.Types) > 0 && b.s.Type != "" {
		conds = append(conds, "has("+b.param("types", "Array(String)", array(f.Types))+", "+q(b.s.Type)+")")
	}
	if len(f.Countries) > 0 {
		conds = append(conds, "has("+b.param("countries", "Array(String)", array(f.Countries))+", "+q(b.s.Country)+")")
	}
	if len(f.Tiers) > 0 && b.s.Tier != "" {
		conds = append(conds, "has("+b.param("tiers", "Array(String)", array(f.Tiers))+", "+q(b.s.Tier)+")")
	}
	return strings.Join(conds, "\n  AND ")
}

func (b *builder) slice(prefix string, sl Slice) string {
	var conds []string
	for _, c := range []struct {
		col, name string
		vals      []string
	}{{b.s.Country, "countries", sl.Countries}, {b.s.Language, "languages", sl.Languages}, {b.s.Product, "products", sl.Products}, {b.s.Tier, "tiers", sl.Tiers}} {
		if len(c.vals) == 0 || c.col == "" {
			continue
		}
		p := b.param(prefix+"_"+c.name, "Array(String)", array(c.vals))
		cond := "has(" + p + ", " + q(c.col) + ")"
		if c.name == "languages" {
			cond = "(" + cond + " OR has(" + p + ", splitByChar('-', toString(" + q(c.col) + "))[1]))"
		}
		conds = append(conds, cond)
	}
	if !sl.From.IsZero() {
		conds = append(conds, q(b.s.OccurredAt)+" >= "+b.param(prefix+"_from", "DateTime64(3, 'UTC')", sl.From.UTC().Format("2006-01-02 15:04:05.000")))
	}
	if !sl.To.IsZero() {
		conds = append(conds, q(b.s.OccurredAt)+" < "+b.param(prefix+"_to", "DateTime64(3, 'UTC')", sl.To.UTC().Format("2006-01-02 15:04:05.000")))
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
	// MinCustomers: HAVING target_customers >= MinCustomers (distinct non-empty customer
	// ids of target messages; 0 without Schema.CustomerID).
	MinCustomers int
	Limit        int // at most this many phrases, most frequent in target first; default 100000
	// Redact are patterns of personal data (RE2; compliance.Patterns) replaced, before the
	// text is split into words, by a number word, which no phrase contains or spans.
	Redact []Redaction
	// RedactIf (RE2; compliance.Trigger), when set, matches every text a Redact pattern can
	// match: other texts skip the patterns.
	RedactIf string
	// NumberRun: a word with this many digits in a row is a number (0: no such rule). Number
	// words (also those at least half digits) are never phrases and break bigrams: the rule
	// of compliance.NumberToken.
	NumberRun int
	// CustomerSample, when positive, adds target_customer_sample to PhraseCountsOf: up to
	// that many distinct customer hashes per phrase, enough to tell whether regions together
	// reach a k of at most that size when a customer's messages lie in more than one.
	CustomerSample int
	// TargetOnly reads only target messages (baseline counts come out 0): the cheap first
	// pass that finds a target's candidate phrases before PhraseCountsOf counts them
	// everywhere.
	TargetOnly bool
}

// A Redaction is a pattern whose matches are removed from message text before it is split
// into words; with Context its first group is kept (e.g. the password keyword).
type Redaction struct {
	Pattern string
	Context bool
}

// PhraseCounts returns, per phrase, its count in the target slice, in the baseline slice
// (nil baseline: every filtered message not in the target), the number of target
// conversations containing it and of distinct target customers. Columns: phrase,
// target_count, baseline_count, target_docs, target_customers — the fields of
// keyness.PhraseCount. The corpus totals come from PhraseTotals with the
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
  uniqExactIf(conv, in_target) AS target_docs,
  uniqExactIf(cust, in_target AND cust != 0) AS target_customers
FROM
(
%s
)
ARRAY JOIN phrases AS phrase
GROUP BY phrase
HAVING target_count >= %s AND target_docs >= %s AND target_customers >= %s
ORDER BY target_count DESC, phrase
LIMIT %s`, inner,
		b.param("min_target", "UInt32", strconv.Itoa(o.MinTarget)),
		b.param("min_docs", "UInt32", strconv.Itoa(o.MinTargetDocs)),
		b.param("min_customers", "UInt32", strconv.Itoa(o.MinCustomers)),
		b.param("limit", "UInt32", strconv.Itoa(o.Limit)))
	return b.Query(sql + s.settings()), nil
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
	return b.Query(sql + s.settings()), nil
}

// phrasesInner is the per-message subquery: conversation, slice membership and the array
// of phrases.
func (s Schema) phrasesInner(f Filter, target Slice, baseline *Slice, o PhraseOptions) (*builder, string, error) {
	return s.phrasesInnerWith(f, target, baseline, o, nil)
}

// phrasesInnerWith is phrasesInner with extra columns and an extra row condition from
// extra (nil: none), which may bind parameters through the builder.
func (s Schema) phrasesInnerWith(f Filter, target Slice, baseline *Slice, o PhraseOptions, extra func(b *builder, txt string) (cols, cond string)) (*builder, string, error) {
	if err := s.validate(); err != nil {
		return nil, "", err
	}
	if f.Tenant == "" {
		return nil, "", fmt.Errorf("chsql: filter needs a tenant")
	}
	b := newBuilder(s)
	where := b.where(f)
	inT := b.slice("target", target)
	inB := "NOT in_target"
	if baseline != nil {
		inB = "(" + b.slice("baseline", *baseline) + ") AND NOT in_target"
	}
	stop := b.param("stopwords", "Array(String)", array(o.StopWords))
	txt := "lowerUTF8(" + q(s.Text) + ")"
	var extraCols, extraCond, targetOnly string
	if o.TargetOnly {
		targetOnly = "\n    AND in_target"
	}
	if extra != nil {
		extraCols, extraCond = extra(b, txt)
	}
	cust := "''"
	if s.CustomerID != "" {
		cust = q(s.CustomerID)
	}
	clean := b.redact(depunct(txt), o.Redact, o.RedactIf, "")
	var cols []string
	phrases := phraseExpr(clean, stop, o.NumberRun, func(alias, expr string) string {
		cols = append(cols, "\n    "+expr+" AS "+alias+",")
		return alias
	})
	inner := fmt.Sprintf(`  SELECT%[6]s
    %[1]s AS conv,
    if(%[7]s = '', 0, cityHash64(%[7]s)) AS cust,
    %[2]s AS in_target,
    %[3]s AS in_baseline,%[8]s
    %[9]s AS phrases
  FROM %[4]s
  WHERE %[5]s
    AND (in_target OR in_baseline)%[10]s%[11]s`,
		q(s.ConversationID), inT, inB, s.from(), where, extraCols, cust, strings.Join(cols, ""), phrases, extraCond, targetOnly)
	return b, inner, nil
}

// redact wraps the text expression in one replaceRegexpAll per redaction: a match becomes
// " 0 ", a number word that splits the text there and that no phrase keeps. With cond, only
// texts matching it are rewritten. Its parameters' names start with prefix.
func (b *builder) redact(txt string, rs []Redaction, cond, prefix string) string {
	if len(rs) == 0 {
		return txt
	}
	in := txt
	for i, r := range rs {
		repl := " 0 "
		if r.Context {
			repl = `\1 0 `
		}
		txt = "replaceRegexpAll(" + txt + ", " + b.param(fmt.Sprintf("%sredact_%d", prefix, i), "String", r.Pattern) + ", " + quote(repl) + ")"
	}
	if cond == "" {
		return txt
	}
	return "if(match(" + in + ", " + b.param(prefix+"redact_if", "String", cond) + "), " + txt + ", " + in + ")"
}

// phraseExpr is the SQL of a message's phrases (unigrams, bigrams of adjacent non-stop words,
// code-point bigrams of unspaced runs) from its cleaned, lower-cased text: the one tokeniser
// of every phrase count and of PhraseCond. Each step goes through step, which returns how
// later steps refer to it: a column alias in a SELECT, or the expression itself inline.
func phraseExpr(clean, stop string, numberRun int, step func(alias, expr string) string) string {
	c := step("clean", clean)
	toks := step("toks", "splitByNonAlpha("+c+")")
	words := step("words", "arrayFilter(w -> length(w) <= 2 * lengthUTF8(w), "+toks+")")
	nums := step("nums", "if(match("+c+", '\\\\p{Nd}'), arrayMap(w -> "+numberWord("w", numberRun)+", "+words+"), arrayWithConstant(length("+words+"), 0))")
	uni := step("unigrams", "arrayFilter((w, n) -> NOT n AND lengthUTF8(w) > 1 AND NOT (w IN "+stop+"), "+words+", "+nums+")")
	bi := step("bigrams", "arrayFilter(x -> x != '', arrayMap((a, b, na, nb) -> if(na OR nb OR a IN "+stop+" OR b IN "+stop+" OR lengthUTF8(a) < 2 OR lengthUTF8(b) < 2, '', concat(a, ' ', b)), arrayPopBack("+words+"), arrayPopFront("+words+"), arrayPopBack("+nums+"), arrayPopFront("+nums+")))")
	runs := step("runs", "arrayFlatten(arrayMap(w -> if(length(w) = 3 * lengthUTF8(w), [w], extractAll(w, '[\\\\p{Han}\\\\p{Hiragana}\\\\p{Katakana}ー]+|\\\\p{Hangul}+|\\\\p{Thai}+')), arrayFilter(w -> length(w) > 2 * lengthUTF8(w), "+toks+")))")
	cjk := step("cjk", "arrayFlatten(arrayMap(r -> if(lengthUTF8(r) = 1, [r], ngrams(r, 2)), "+runs+"))")
	return "arrayConcat(" + uni + ", " + bi + ", " + cjk + ")"
}

// PhraseCond returns a condition over a row of s that holds when its text has at least one
// of phrases among the phrases PhraseCounts and PhraseHits count (tokenised by the same
// expression with the same options o), binding its parameters on b under names starting
// with prefix: another query over the same table (a conversation list) selects the very
// messages a theme's volume counts. Like PhraseHits, it first looks for the phrases' first
// words as substrings, which every message with a phrase has.
func (s Schema) PhraseCond(b *chparam.Binder, prefix string, o PhraseOptions, phrases []string) (string, error) {
	if err := s.validate(); err != nil {
		return "", err
	}
	if !nameRE.MatchString(prefix) {
		return "", fmt.Errorf("chsql: parameter prefix %q must be lower-case letters, digits and _", prefix)
	}
	if len(phrases) == 0 {
		return "", fmt.Errorf("chsql: no phrases to match")
	}
	sel, needles := firstWords(phrases)
	bb := &builder{s: s, Binder: b}
	txt := "lowerUTF8(" + q(s.Text) + ")"
	// The redactions' and stop-words' parameters take the prefix too: the query may hold
	// other conditions of this package.
	clean := bb.redact(depunct(txt), o.Redact, o.RedactIf, prefix+"_")
	stop := bb.param(prefix+"_stopwords", "Array(String)", array(o.StopWords))
	expr := phraseExpr(clean, stop, o.NumberRun, func(_, e string) string { return "(" + e + ")" })
	return "(" + bb.searchAny(prefix+"_needles", txt, needles) + " AND hasAny(" + expr + ", " + bb.param(prefix+"_phrases", "Array(String)", array(sel)) + "))", nil
}

// numberWord is the SQL of compliance.NumberToken for word w: it has a digit, and at least
// half its characters are digits or it has run digits in a row (run 0: no such rule).
func numberWord(w string, run int) string {
	cond := "2 * lengthUTF8(replaceRegexpAll(" + w + `, '[^\\p{Nd}]', '')) >= lengthUTF8(` + w + ")"
	if run > 0 {
		cond = fmt.Sprintf(`match(%s, '\\p{Nd}{%d}') OR %s`, w, run, cond)
	}
	return "match(" + w + `, '\\p{Nd}') AND (` + cond + ")"
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
	b := newBuilder(s)
	where := b.where(f)
	txt := "lowerUTF8(" + q(s.Text) + ")"
	var cols, anyConds []string
	seen := map[string]bool{}
	for _, set := range sets {
		if !nameRE.MatchString(set.Name) || seen[set.Name] {
			return Query{}, fmt.Errorf("chsql: term set name %q must be unique, lower-case letters, digits and _", set.Name)
		}
		seen[set.Name] = true
		cond, err := b.termCond(set, txt, wordText(txt))
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
		sel, strings.Join(cols, ",\n"), strings.Join(anyConds, " OR "), s.from(), where, group, group)
	return b.Query(sql + s.settings()), nil
}

func (b *builder) termCond(set TermSet, txt, words string) (string, error) {
	sub, whole, err := termNeedles(set)
	if err != nil {
		return "", err
	}
	var conds []string
	if len(sub) > 0 {
		conds = append(conds, b.searchAny(set.Name+"_substrings", txt, sub))
	}
	if len(whole) > 0 {
		conds = append(conds, b.searchAny(set.Name+"_words", words, whole))
	}
	return strings.Join(conds, " OR "), nil
}

// termNeedles returns a term set's needles, sorted: substrings to find in the lower-cased
// text (terms in unspaced scripts) and whole words or word prefixes to find in the
// space-joined words (" t " or " t").
func termNeedles(set TermSet) (sub, whole []string, err error) {
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
		// Whole words (or a word prefix) in the space-joined word list: " t " or " t".
		needle := " " + strings.Join(strings.Fields(strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsNumber(r) || r >= 0x80 && !unicode.IsPunct(r) && !unicode.IsSpace(r) {
				return r
			}
			return ' '
		}, t)), " ")
		if !prefix {
			needle += " "
		}
		if strings.TrimSpace(needle) != "" {
			whole = append(whole, needle)
		}
	}
	if len(sub) == 0 && len(whole) == 0 {
		return nil, nil, fmt.Errorf("chsql: term set %q has no terms", set.Name)
	}
	sort.Strings(sub)
	sort.Strings(whole)
	return sub, whole, nil
}

// Punctuation of unspaced and other scripts that splitByNonAlpha would keep inside tokens
// (it splits on ASCII only): translated to spaces first.
const (
	punctFrom = "。、？！，：；「」『』（）《》«»’‘“”؟،…・～¿¡"
)

// depunct replaces non-ASCII punctuation with spaces, code point for code point. ASCII-only
// text (lengthUTF8 = length), most messages in Latin-script markets, is returned as it is:
// translateUTF8 would not change it and costs about 1 µs per message.
func depunct(txt string) string {
	return "if(lengthUTF8(" + txt + ") = length(" + txt + "), " + txt + ", translateUTF8(" + txt + ", " + quote(punctFrom) + ", " + quote(strings.Repeat(" ", utf8.RuneCountInString(punctFrom))) + "))"
}

// wordText is the message's words joined by single spaces between a leading and a trailing
// space, so that a whole word t is the substring " t " and a word prefix p is " p": word
// matching becomes one multi-substring search instead of a regular expression.
func wordText(txt string) string {
	return "concat(' ', arrayStringConcat(splitByNonAlpha(" + depunct(txt) + "), ' '), ' ')"
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

// maxNeedles is how many needles one multiSearchAny call takes (ClickHouse allows fewer
// than 256).
const maxNeedles = 200

// searchAny renders multiSearchAnyUTF8 over any number of needles, in chunks.
func (b *builder) searchAny(name, txt string, needles []string) string {
	var parts []string
	for i := 0; i < len(needles); i += maxNeedles {
		chunk := needles[i:min(i+maxNeedles, len(needles))]
		pn := name
		if i > 0 {
			pn = fmt.Sprintf("%s_%d", name, i/maxNeedles)
		}
		parts = append(parts, "multiSearchAnyUTF8("+txt+", "+b.param(pn, "Array(String)", array(chunk))+")")
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// Periods a breakdown can bucket by: the label is the bucket's first day, YYYY-MM-DD (UTC).
var periodFuncs = map[string]string{"day": "toDate", "week": "toMonday", "month": "toStartOfMonth"}

func (s Schema) periodExpr(period string) (string, error) {
	fn, ok := periodFuncs[period]
	if !ok {
		return "", fmt.Errorf("chsql: period %q is not one of day, week, month", period)
	}
	return "toString(" + fn + "(" + q(s.OccurredAt) + ", 'UTC'))", nil
}

// PhraseHits is the second pass of opportunity mining: for the phrases selected after the
// keyness test, it returns one row per combination of selected phrases found together in a
// message, per country, period and corpus — enough to compute, in Go, every selected
// phrase's document frequency, the overlap of any two phrases (for grouping) and any group's
// volume by market and period, without a row per message leaving the database. Messages are
// pre-filtered with a substring search for the phrases' first words before they are
// tokenised. Columns: hits Array(String) (sorted), country, period, in_target UInt8,
// messages, examples — up to three [conversation_id, id, customer_id] of the group's
// messages, smallest first (needs Schema.ID; customer_id empty without Schema.CustomerID).
func (s Schema) PhraseHits(f Filter, target Slice, baseline *Slice, o PhraseOptions, selected []string, period string) (Query, error) {
	if len(selected) == 0 {
		return Query{}, fmt.Errorf("chsql: no phrases selected")
	}
	if s.ID == "" {
		return Query{}, fmt.Errorf("chsql: PhraseHits needs Schema.ID for examples")
	}
	pe, err := s.periodExpr(period)
	if err != nil {
		return Query{}, err
	}
	sel, needles := firstWords(selected)
	var selParam string
	cust := "''"
	if s.CustomerID != "" {
		cust = q(s.CustomerID)
	}
	b, inner, err := s.phrasesInnerWith(f, target, baseline, o, func(b *builder, txt string) (string, string) {
		selParam = b.param("selected", "Array(String)", array(sel))
		cols := fmt.Sprintf("\n    %s AS country,\n    %s AS period,\n    [%s, %s, %s] AS example,", q(s.Country), pe, q(s.ConversationID), q(s.ID), cust)
		return cols, "\n    AND " + b.searchAny("needles", txt, needles)
	})
	if err != nil {
		return Query{}, err
	}
	sql := fmt.Sprintf(`SELECT
  arraySort(arrayDistinct(arrayFilter(p -> p IN %s, phrases))) AS hits,
  toString(country) AS country,
  period,
  toUInt8(in_target) AS in_target,
  count() AS messages,
  groupArraySorted(3)(example) AS examples
FROM
(
%s
)
WHERE notEmpty(hits)
GROUP BY hits, country, period, in_target
ORDER BY hits, country, period, in_target`, selParam, inner)
	return b.Query(sql + s.settings()), nil
}

// SliceTotals counts the messages of the target and baseline corpora per country and
// period. Columns: country, period, in_target UInt8, messages.
func (s Schema) SliceTotals(f Filter, target Slice, baseline *Slice, period string) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	if f.Tenant == "" {
		return Query{}, fmt.Errorf("chsql: filter needs a tenant")
	}
	pe, err := s.periodExpr(period)
	if err != nil {
		return Query{}, err
	}
	b := newBuilder(s)
	where := b.where(f)
	inT := b.slice("target", target)
	inB := "NOT t"
	if baseline != nil {
		inB = "(" + b.slice("baseline", *baseline) + ") AND NOT t"
	}
	sql := fmt.Sprintf(`SELECT
  toString(%s) AS country,
  %s AS period,
  toUInt8(%s) AS t,
  count() AS messages
FROM %s
WHERE %s
  AND (t OR %s)
GROUP BY country, period, t
ORDER BY country, period, t`, q(s.Country), pe, inT, s.from(), where, inB)
	return b.Query(sql + s.settings()), nil
}

// MentionSpec says what MentionStats counts and how it breaks the counts down.
type MentionSpec struct {
	// Sets are counted one column each (<name>_mentions); any_mentions counts messages
	// mentioning at least one.
	Sets []TermSet
	// With, when not empty, adds co_mentions: messages mentioning one of Sets and one of
	// With (e.g. a competitor and one of our products).
	With []TermSet
	// Period adds a period column (day, week or month); empty: no period breakdown.
	Period string
	// BySegment adds a segment column (needs Schema.Tier).
	BySegment bool
	// Sentiment adds sentiment_sum/sentiment_n over all messages and
	// any_sentiment_sum/any_sentiment_n over mentioning ones (needs Schema.Sentiment).
	Sentiment bool
}

// MentionStats is MentionCounts with co-mentions, sentiment and period and segment
// breakdowns. Columns: country, [segment,] [period,] messages, <name>_mentions…,
// any_mentions, [co_mentions,] [sentiment_sum, sentiment_n, any_sentiment_sum,
// any_sentiment_n].
func (s Schema) MentionStats(f Filter, spec MentionSpec) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	if f.Tenant == "" {
		return Query{}, fmt.Errorf("chsql: filter needs a tenant")
	}
	if len(spec.Sets) == 0 {
		return Query{}, fmt.Errorf("chsql: no term sets to count")
	}
	b := newBuilder(s)
	where := b.where(f)
	txt := "lowerUTF8(" + q(s.Text) + ")"
	seen := map[string]bool{}
	setConds := func(sets []TermSet) ([]string, error) {
		var conds []string
		for _, set := range sets {
			if !nameRE.MatchString(set.Name) || seen[set.Name] {
				return nil, fmt.Errorf("chsql: term set name %q must be unique, lower-case letters, digits and _", set.Name)
			}
			seen[set.Name] = true
			c, err := b.termCond(set, txt, "w_")
			if err != nil {
				return nil, err
			}
			conds = append(conds, "("+c+")")
		}
		return conds, nil
	}
	conds, err := setConds(spec.Sets)
	if err != nil {
		return Query{}, err
	}
	withConds, err := setConds(spec.With)
	if err != nil {
		return Query{}, err
	}
	sel := []string{"toString(" + q(s.Country) + ") AS country"}
	group := []string{"country"}
	if spec.BySegment {
		if s.Tier == "" {
			return Query{}, fmt.Errorf("chsql: a segment breakdown needs Schema.Tier")
		}
		sel = append(sel, "toString("+q(s.Tier)+") AS segment")
		group = append(group, "segment")
	}
	if spec.Period != "" {
		pe, err := s.periodExpr(spec.Period)
		if err != nil {
			return Query{}, err
		}
		sel = append(sel, pe+" AS period")
		group = append(group, "period")
	}
	// Each set's condition is evaluated once per row in the subquery; the outer query counts.
	var flags []string
	inner := []string{q(s.Country), q(s.OccurredAt), wordText(txt) + " AS w_"}
	if spec.BySegment {
		inner = append(inner, q(s.Tier))
	}
	for i, c := range conds {
		inner = append(inner, fmt.Sprintf("%s AS m%d", c, i))
		flags = append(flags, fmt.Sprintf("m%d", i))
	}
	anyExpr := "(" + strings.Join(flags, " OR ") + ")"
	inner = append(inner, anyExpr+" AS m_any")
	if len(withConds) > 0 {
		inner = append(inner, "("+strings.Join(withConds, " OR ")+") AS m_with")
	}
	if spec.Sentiment {
		if s.Sentiment == "" {
			return Query{}, fmt.Errorf("chsql: sentiment needs Schema.Sentiment")
		}
		inner = append(inner, q(s.Sentiment)+" AS m_sent")
	}
	cols := append(sel, "count() AS messages")
	for i, set := range spec.Sets {
		cols = append(cols, fmt.Sprintf("countIf(m%d) AS %s", i, q(set.Name+"_mentions")))
	}
	cols = append(cols, "countIf(m_any) AS any_mentions")
	if len(withConds) > 0 {
		cols = append(cols, "countIf(m_any AND m_with) AS co_mentions")
	}
	if spec.Sentiment {
		cols = append(cols,
			"sumIf(toFloat64(assumeNotNull(m_sent)), m_sent IS NOT NULL) AS sentiment_sum",
			"countIf(m_sent IS NOT NULL) AS sentiment_n",
			"sumIf(toFloat64(assumeNotNull(m_sent)), m_any AND m_sent IS NOT NULL) AS any_sentiment_sum",
			"countIf(m_any AND m_sent IS NOT NULL) AS any_sentiment_n")
	}
	sql := fmt.Sprintf("SELECT\n  %s\nFROM\n(\n  SELECT %s\n  FROM %s\n  WHERE %s\n)\nGROUP BY %s\nORDER BY %s",
		strings.Join(cols, ",\n  "), strings.Join(inner, ", "), s.from(), where, strings.Join(group, ", "), strings.Join(group, ", "))
	return b.Query(sql + s.settings()), nil
}

// MentionCond returns a condition over a row of s that holds when its text mentions at
// least one of sets, matched as MentionStats matches them, binding its parameters on b under
// the sets' names (<name>_words, <name>_substrings): another query over the same table (a
// conversation list) selects the very messages MentionStats counts. Set names must be unique
// within b's query.
func (s Schema) MentionCond(b *chparam.Binder, sets []TermSet) (string, error) {
	if err := s.validate(); err != nil {
		return "", err
	}
	if len(sets) == 0 {
		return "", fmt.Errorf("chsql: no term sets to match")
	}
	bb := &builder{s: s, Binder: b}
	txt := "lowerUTF8(" + q(s.Text) + ")"
	words := wordText(txt)
	seen := map[string]bool{}
	var conds []string
	for _, set := range sets {
		if !nameRE.MatchString(set.Name) || seen[set.Name] {
			return "", fmt.Errorf("chsql: term set name %q must be unique, lower-case letters, digits and _", set.Name)
		}
		seen[set.Name] = true
		c, err := bb.termCond(set, txt, words)
		if err != nil {
			return "", err
		}
		conds = append(conds, "("+c+")")
	}
	return "(" + strings.Join(conds, " OR ") + ")", nil
}

// PhraseCountsOf counts the given phrases (e.g. the candidates a TargetOnly PhraseCounts
// found in any region) in the target and the baseline, and the corpus totals, in one pass:
// columns phrase, target_count, baseline_count, target_docs, target_customers [,
// target_customer_sample], where the row with the empty phrase holds target_total and
// baseline_total in its count columns (PhraseTotals' figures).
// Regions must be asked for the same phrases so that their counts can be summed.
func (s Schema) PhraseCountsOf(f Filter, target Slice, baseline *Slice, o PhraseOptions, phrases []string) (Query, error) {
	o.TargetOnly = false
	sorted := append([]string(nil), phrases...)
	sort.Strings(sorted)
	var set string
	b, inner, err := s.phrasesInnerWith(f, target, baseline, o, func(b *builder, _ string) (string, string) {
		set = b.param("only", "Array(String)", array(sorted))
		return "", ""
	})
	if err != nil {
		return Query{}, err
	}
	var sample string
	if o.CustomerSample > 0 {
		sample = fmt.Sprintf(",\n  arrayMap(h -> toString(h), groupUniqArrayIf(%d)(cust, in_target AND cust != 0)) AS target_customer_sample", o.CustomerSample)
	}
	sql := fmt.Sprintf(`SELECT
  phrase,
  sumIf(if(phrase = '', n, 1), in_target) AS target_count,
  sumIf(if(phrase = '', n, 1), in_baseline) AS baseline_count,
  uniqExactIf(conv, in_target) AS target_docs,
  uniqExactIf(cust, in_target AND cust != 0) AS target_customers%s
FROM
(
  SELECT conv, cust, in_target, in_baseline, length(phrases) AS n, arrayPushBack(arrayFilter(p -> p IN %s, phrases), '') AS counted
  FROM
  (
%s
  )
)
ARRAY JOIN counted AS phrase
GROUP BY phrase
ORDER BY phrase`, sample, set, inner)
	return b.Query(sql + s.settings()), nil
}

// settings ends every query. With FINAL, rows are deduplicated within each partition only:
// the copies of an event share its partition (toYYYYMM(occurred_at) of the same event), so
// the counts are the same and partitions already merged to one part are read without
// merging work.
func (s Schema) settings() string {
	if !s.Final {
		return ""
	}
	return "\nSETTINGS do_not_merge_across_partitions_select_final = 1"
}

// PhraseCountsAll is PhraseCounts and PhraseCountsOf in one pass, for a region holding
// target messages: every phrase with at least MinTarget target occurrences and MinTargetDocs
// target conversations and MinCustomers target customers (at most Limit, most frequent in
// the target first) with its target and baseline counts, and the row with the empty phrase
// holding the corpus totals (target_total, baseline_total) in its count columns. Columns:
// phrase, target_count, baseline_count, target_docs, target_customers. Messages are
// tokenised once.
func (s Schema) PhraseCountsAll(f Filter, target Slice, baseline *Slice, o PhraseOptions) (Query, error) {
	o.TargetOnly = false
	b, inner, err := s.phrasesInner(f, target, baseline, o)
	if err != nil {
		return Query{}, err
	}
	if o.Limit <= 0 {
		o.Limit = 100000
	}
	sql := fmt.Sprintf(`SELECT
  phrase,
  sumIf(if(phrase = '', n, 1), in_target) AS target_count,
  sumIf(if(phrase = '', n, 1), in_baseline) AS baseline_count,
  uniqExactIf(conv, in_target) AS target_docs,
  uniqExactIf(cust, in_target AND cust != 0) AS target_customers
FROM
(
  SELECT conv, cust, in_target, in_baseline, length(phrases) AS n, arrayPushBack(phrases, '') AS counted
  FROM
  (
%s
  )
)
ARRAY JOIN counted AS phrase
GROUP BY phrase
HAVING phrase = '' OR (target_count >= %s AND target_docs >= %s AND target_customers >= %s)
ORDER BY phrase = '' DESC, target_count DESC, phrase
LIMIT %s`, inner,
		b.param("min_target", "UInt32", strconv.Itoa(max(o.MinTarget, 1))),
		b.param("min_docs", "UInt32", strconv.Itoa(o.MinTargetDocs)),
		b.param("min_customers", "UInt32", strconv.Itoa(o.MinCustomers)),
		b.param("limit", "UInt32", strconv.Itoa(o.Limit+1)))
	return b.Query(sql + s.settings()), nil
}

// firstWords returns phrases sorted, and their distinct first words sorted: a message that
// holds none of those words holds none of the phrases, which is the cheap test run first.
func firstWords(phrases []string) (sorted, words []string) {
	sorted = append([]string(nil), phrases...)
	sort.Strings(sorted)
	set := map[string]bool{}
	for _, p := range sorted {
		w, _, _ := strings.Cut(p, " ")
		set[w] = true
	}
	words = make([]string, 0, len(set))
	for w := range set {
		words = append(words, w)
	}
	sort.Strings(words)
	return sorted, words
}
