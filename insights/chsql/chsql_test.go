package chsql

import (
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/store/clickhouse/chparam"
)

var f = Filter{Tenant: "acme", From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Direction: "inbound"}

func TestPhraseCountsUsesParametersAndTheSchema(t *testing.T) {
	s := DefaultSchema()
	s.Text = "body"
	q, err := s.PhraseCounts(f, Slice{Countries: []string{"TH", "VN"}}, nil, PhraseOptions{StopWords: []string{"the"}, MinTarget: 5, MinTargetDocs: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lowerUTF8(`body`)", "has({target_countries:Array(String)}, `country`)", "ARRAY JOIN phrases AS phrase", "ngrams(r, 2)", "uniqExactIf(conv, in_target)", "{tenant:String}", "{from:DateTime64(3, 'UTC')}"} {
		if !strings.Contains(q.SQL, want) {
			t.Errorf("SQL lacks %q:\n%s", want, q.SQL)
		}
	}
	if strings.Contains(q.SQL, "`text`") {
		t.Error("SQL still names the default text column")
	}
	if q.Params["target_countries"] != "['TH', 'VN']" || q.Params["min_target"] != "5" {
		t.Errorf("params = %v", q.Params)
	}
}

func TestInlineEscapesValues(t *testing.T) {
	q, err := DefaultSchema().PhraseTotals(Filter{Tenant: `a'b\`}, Slice{Countries: []string{"x'); DROP TABLE t; --"}}, nil, PhraseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := q.Inline()
	if !strings.Contains(in, `'a\'b\\'`) || !strings.Contains(in, `['x\'); DROP TABLE t; --']`) {
		t.Errorf("values not escaped:\n%s", in)
	}
	if strings.Contains(in, "{tenant:") {
		t.Error("a parameter was left in the inlined SQL")
	}
}

func TestMentionCountsSplitsSubstringAndWordTerms(t *testing.T) {
	q, err := DefaultSchema().MentionCounts(f, []TermSet{{Name: "toyota", Terms: []string{"Toyota", "トヨタ", "도요타"}}, {Name: "price", Terms: []string{"price*"}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if q.Params["toyota_substrings"] != "['トヨタ', '도요타']" {
		t.Errorf("substrings = %s", q.Params["toyota_substrings"])
	}
	// Words are matched as " word " (or " prefix" for price*) in the space-joined words.
	if w := q.Params["price_words"]; w != `[' price']` {
		t.Errorf("word needles = %s", w)
	}
	for _, want := range []string{"AS `toyota_mentions`", "any_mentions", "toStartOfMonth(`occurred_at`) AS month"} {
		if !strings.Contains(q.SQL, want) {
			t.Errorf("SQL lacks %q:\n%s", want, q.SQL)
		}
	}
}

func TestBadInputsAreRefused(t *testing.T) {
	s := DefaultSchema()
	s.Table = "messages; DROP TABLE x"
	if _, err := s.PhraseCounts(f, Slice{}, nil, PhraseOptions{}); err == nil {
		t.Error("a non-identifier table name was accepted")
	}
	if _, err := DefaultSchema().PhraseCounts(Filter{}, Slice{}, nil, PhraseOptions{}); err == nil {
		t.Error("a query without a tenant was accepted")
	}
	if _, err := DefaultSchema().MentionCounts(f, []TermSet{{Name: "Bad Name", Terms: []string{"x"}}}, false); err == nil {
		t.Error("a term-set name that is not an identifier was accepted")
	}
}

func TestPhraseCountsAllKeepsTheTotalsRowAndReadsFinalPerPartition(t *testing.T) {
	q, err := EventsSchema("meridian_eu").PhraseCountsAll(f, Slice{Countries: []string{"TH"}}, nil, PhraseOptions{MinTarget: 2, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"arrayPushBack(phrases, '')", "HAVING phrase = '' OR", "ORDER BY phrase = '' DESC", "FINAL", "do_not_merge_across_partitions_select_final = 1"} {
		if !strings.Contains(q.SQL, want) {
			t.Errorf("SQL lacks %q:\n%s", want, q.SQL)
		}
	}
	if q.Params["limit"] != "11" || q.Params["min_target"] != "2" {
		t.Errorf("params = %v", q.Params)
	}
}

func TestPhraseQueriesCountCustomersAndRedact(t *testing.T) {
	o := PhraseOptions{MinCustomers: 5, NumberRun: 3, CustomerSample: 5, Redact: []Redaction{{Pattern: `\d{6,}`}, {Pattern: `(pwd:)\S+`, Context: true}}}
	all, err := EventsSchema("meridian_eu").PhraseCountsAll(f, Slice{Countries: []string{"FR"}}, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	of, err := EventsSchema("meridian_eu").PhraseCountsOf(f, Slice{Countries: []string{"FR"}}, nil, o, []string{"a b"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{all, of} {
		in := q.Inline()
		for _, want := range []string{"cityHash64(`customer_id`)) AS cust", "uniqExactIf(cust, in_target AND cust != 0) AS target_customers",
			`replaceRegexpAll(`, `'\\d{6,}', ' 0 ')`, `'(pwd:)\\S+', '\\1 0 ')`, `match(w, '\\p{Nd}{3}')`, "arrayPopFront(nums)"} {
			if !strings.Contains(in, want) {
				t.Errorf("SQL lacks %q:\n%s", want, in)
			}
		}
	}
	if all.Params["min_customers"] != "5" || !strings.Contains(all.SQL, "target_customers >= {min_customers:UInt32}") {
		t.Errorf("PhraseCountsAll does not filter by customers: %v", all.Params)
	}
	if !strings.Contains(of.SQL, "groupUniqArrayIf(5)(cust, in_target") {
		t.Errorf("PhraseCountsOf has no customer sample:\n%s", of.SQL)
	}
}

func TestMentionCondBindsOnTheCallersBinder(t *testing.T) {
	var b chparam.Binder
	tenant := b.String("acme")
	cond, err := EventsSchema("meridian_eu").MentionCond(&b, []TermSet{{Name: "c_sony", Terms: []string{"Sony", "ソニー"}}, {Name: "price", Terms: []string{"price*"}}})
	if err != nil {
		t.Fatal(err)
	}
	p := b.Params()
	if p["p0"] != "acme" || p["c_sony_words"] != "[' sony ']" || p["c_sony_substrings"] != "['ソニー']" || p["price_words"] != "[' price']" {
		t.Errorf("params = %v (tenant bound as %s)", p, tenant)
	}
	for _, want := range []string{"{c_sony_words:Array(String)}", "{price_words:Array(String)}", "lowerUTF8(`text`)", " OR "} {
		if !strings.Contains(cond, want) {
			t.Errorf("condition lacks %q:\n%s", want, cond)
		}
	}
	if _, err := DefaultSchema().MentionCond(&b, []TermSet{{Name: "x", Terms: []string{"a"}}, {Name: "x", Terms: []string{"b"}}}); err == nil {
		t.Error("two sets of one name were accepted")
	}
}

func TestPhraseCondTokenisesAsPhraseCounts(t *testing.T) {
	var b chparam.Binder
	tenant := b.String("acme")
	o := PhraseOptions{StopWords: []string{"the"}, NumberRun: 4, Redact: []Redaction{{Pattern: `\S+@\S+`}}, RedactIf: "@"}
	cond, err := EventsSchema("meridian_eu").PhraseCond(&b, "theme", o, []string{"late delivery", "battery"})
	if err != nil {
		t.Fatal(err)
	}
	p := b.Params()
	if p["p0"] != "acme" || p["theme_phrases"] != "['battery', 'late delivery']" || p["theme_needles"] != "['battery', 'late']" ||
		p["theme_stopwords"] != "['the']" || p["theme_redact_0"] != `\\S+@\\S+` || p["theme_redact_if"] != "@" {
		t.Errorf("params = %v (tenant bound as %s)", p, tenant)
	}
	// Inline, without aliases: the condition may sit in any query's WHERE, more than once.
	if strings.Contains(cond, " AS ") {
		t.Errorf("condition defines aliases:\n%s", cond)
	}
	// The very bigram rule of the phrase counts.
	q, err := EventsSchema("meridian_eu").PhraseCounts(Filter{Tenant: "acme"}, Slice{Countries: []string{"DE"}}, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	const bigram = "if(na OR nb OR a IN {stopwords:Array(String)} OR b IN {stopwords:Array(String)} OR lengthUTF8(a) < 2 OR lengthUTF8(b) < 2, '', concat(a, ' ', b))"
	if !strings.Contains(q.SQL, bigram) || !strings.Contains(cond, strings.ReplaceAll(bigram, "{stopwords", "{theme_stopwords")) {
		t.Errorf("the condition and the counts tokenise differently:\n%s\n%s", cond, q.SQL)
	}
	for _, bad := range []struct {
		prefix  string
		phrases []string
	}{{"theme", nil}, {"Theme-1", []string{"battery"}}} {
		if _, err := DefaultSchema().PhraseCond(&b, bad.prefix, o, bad.phrases); err == nil {
			t.Errorf("prefix %q, phrases %v accepted", bad.prefix, bad.phrases)
		}
	}
}
