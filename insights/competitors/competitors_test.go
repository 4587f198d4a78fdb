package competitors

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/meridian-cs/meridian/insights"
)

func load(t *testing.T) *Dictionary {
	t.Helper()
	d, err := Load("../competitors.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestMentionsFindAliasesInEveryScript(t *testing.T) {
	d := load(t)
	tests := []struct{ text, want string }{
		{"Is it better than a Toyota?", "toyota"},
		{"トヨタと比べてどうですか", "toyota"},
		{"和丰田比哪个好", "toyota"},
		{"도요타랑 비교하면요", "toyota"},
		{"렉서스보다 비싸요", "lexus"},
		{"هل هو أفضل من تويوتا", "toyota"},
		{"VW or yours?", "volkswagen"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c, _ := d.Mentions(tt.text)
			if len(c) != 1 || c[0] != tt.want {
				t.Errorf("Mentions(%q) = %v, want [%s]", tt.text, c, tt.want)
			}
		})
	}
}

func TestAnalyzeRatesByMarketAndOrigin(t *testing.T) {
	d := load(t)
	var docs []insights.Document
	for i := range 100 {
		kr := insights.Document{ID: fmt.Sprint("kr", i), Market: "KR", Period: "2025-01", Text: "배송 언제 되나요"}
		if i < 45 {
			kr.Text = "메리디안 EV가 도요타보다 좋은가요"
		}
		us := insights.Document{ID: fmt.Sprint("us", i), Market: "US", Period: "2025-01", Text: "where is my order"}
		if i < 10 {
			us.Text = "Is Tesla cheaper?"
		}
		docs = append(docs, kr, us)
	}
	r, err := d.Analyze(docs, Query{Origin: "JP"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]insights.Rate{}
	for _, x := range r.AnyByMarket {
		got[x.Key] = x
	}
	if math.Abs(got["KR"].Rate-0.45) > 1e-9 || got["US"].Rate != 0 {
		t.Errorf("Japanese-brand mention rates = %+v", r.AnyByMarket)
	}
	if r.CoMention[0].Key != "KR" || r.CoMention[0].Rate != 1 {
		t.Errorf("co-mention = %+v", r.CoMention)
	}
	if r.Sentiment["toyota"] <= 0 {
		t.Errorf("sentiment of 좋은가요 comparisons = %v, want > 0", r.Sentiment["toyota"])
	}
}

func TestUnknownCompetitorIsAClearError(t *testing.T) {
	d := load(t)
	for _, q := range []Query{{Competitors: []string{"nissan"}}, {Origin: "FR"}} {
		_, err := d.Analyze(nil, q)
		if !errors.Is(err, ErrUnknownCompetitor) {
			t.Errorf("query %+v: err = %v, want ErrUnknownCompetitor", q, err)
		}
	}
	if _, err := d.Competitor("meridian-ev"); !errors.Is(err, ErrUnknownCompetitor) {
		t.Error("our own product was accepted as a competitor")
	}
}

func TestDictionaryErrors(t *testing.T) {
	for name, y := range map[string]string{
		"an unknown field":         "competitors: [{id: a, aliases: [A], colour: red}]",
		"a duplicate id":           "competitors: [{id: a, aliases: [A]}, {id: a, aliases: [B]}]",
		"an entry without aliases": "competitors: [{id: a}]",
		"no competitors":           "our_products: [{id: a, aliases: [A]}]",
	} {
		if _, err := Parse([]byte(y)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
