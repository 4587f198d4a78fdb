package insights_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/meridian-cs/meridian/insights"
	"github.com/meridian-cs/meridian/insights/competitors"
	"github.com/meridian-cs/meridian/insights/keyness"
	"github.com/meridian-cs/meridian/insights/price"
	"github.com/meridian-cs/meridian/insights/roi"
	"github.com/meridian-cs/meridian/insights/themes"
	"github.com/meridian-cs/meridian/understanding/tokenize"
)

var samples = []struct{ lang, text string }{
	{"en", "Where is my order for the Nova 5? Does it have high temperature sterilisation? Is there a discount?"},
	{"de", "Die Lieferung meines AX-200 ist verspätet. Gibt es einen Rabatt für Jahrespläne?"},
	{"ja", "Nova 5の配送が遅れています。高温殺菌機能はありますか。トヨタと比べてどうですか。"},
	{"zh", "我的Nova 5订单在哪里?有高温消毒功能吗?和丰田相比怎么样?"},
	{"ko", "Nova 5 배송이 늦어지고 있어요. 도요타와 비교하면 어떤가요? 가격이 얼마예요?"},
	{"th", "การจัดส่ง Nova 5 ของฉันล่าช้า มีฟังก์ชันฆ่าเชื้อด้วยความร้อนสูงไหม ราคาเท่าไหร่"},
	{"ar", "توصيل Nova 5 الخاص بي متأخر. كيف يقارن مع تويوتا؟ ما سعر 50 مستخدما؟"},
}

func corpus(n int) []insights.Document {
	r := rand.New(rand.NewPCG(1, 2))
	docs := make([]insights.Document, n)
	for i := range docs {
		s := samples[r.IntN(len(samples))]
		docs[i] = insights.Document{ID: fmt.Sprint(i), Market: s.lang, Period: fmt.Sprint(i % 3), Language: s.lang, Text: s.text}
	}
	return docs
}

func bytesOf(docs []insights.Document) int64 {
	n := 0
	for _, d := range docs {
		n += len(d.Text)
	}
	return int64(n)
}

func BenchmarkPhrases(b *testing.B) {
	for _, s := range samples {
		b.Run(s.lang, func(b *testing.B) {
			b.SetBytes(int64(len(s.text)))
			for b.Loop() {
				tokenize.Phrases(s.text, s.lang)
			}
		})
	}
}

func BenchmarkKeynessCountAndTest10kDocs(b *testing.B) {
	docs := corpus(10000)
	b.SetBytes(bytesOf(docs))
	for b.Loop() {
		c := keyness.Count(docs[:5000], docs[5000:])
		if _, err := keyness.Test(c, keyness.DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeynessTest100kPhrases(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	c := keyness.Counts{TargetTotal: 10_000_000, BaselineTotal: 50_000_000}
	for i := range 100_000 {
		t := r.IntN(500) + 5
		c.Phrases = append(c.Phrases, keyness.PhraseCount{Phrase: fmt.Sprint("p", i), Target: t, Baseline: r.IntN(2500), TargetDocs: t})
	}
	for b.Loop() {
		if _, err := keyness.Test(c, keyness.DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkThemesGroup10kDocs(b *testing.B) {
	docs := corpus(10000)
	res, err := keyness.Test(keyness.Count(docs[:5000], docs[5000:]), keyness.Options{Alpha: 0.5, Correction: keyness.None, IncludeNegative: true})
	if err != nil {
		b.Fatal(err)
	}
	for i := range res {
		res[i].Significant, res[i].LogRatio = true, 1
	}
	for b.Loop() {
		themes.Group(res, docs, themes.Defaults())
	}
}

func BenchmarkCompetitorAnalyze10kDocs(b *testing.B) {
	d, err := competitors.Load("competitors.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	docs := corpus(10000)
	b.SetBytes(bytesOf(docs))
	for b.Loop() {
		if _, err := d.Analyze(docs, competitors.Query{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPriceAnalyze10kDocs(b *testing.B) {
	p := price.New(price.Lexicon)
	docs := corpus(10000)
	b.SetBytes(bytesOf(docs))
	for b.Loop() {
		p.Analyze(docs)
	}
}

func BenchmarkROIEvaluateWithSensitivity(b *testing.B) {
	s, err := roi.Load("scenarios/midsize-multinational.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := roi.Evaluate(s, roi.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
