// Package price measures price sensitivity: the share of customer messages that bring up
// price, discounts or cost, per market, segment and period. The write-up's example is a
// software company that found European enterprise customers mention price 60% less often
// than North American ones, and priced higher in the EU.
//
// Detection is a multilingual lexicon (package lexicon): spaced-script entries ending in *
// match inflections ("discount*" → "discounted", "Preis*" → "Preise"); CJK, Korean and Thai
// entries match as substrings. A message counts once however many price words it has.
package price

import (
	"sort"

	"github.com/meridian-cs/meridian/insights"
	"github.com/meridian-cs/meridian/understanding/lexicon"
)

// Lexicon is the built-in price vocabulary by language. Callers may extend it (New takes
// any terms); the keys are the language codes, reported as the matched term's key.
var Lexicon = map[string][]string{
	"en": {"price*", "pricing", "cheap", "cheaper", "cheapest", "expensive", "discount*", "cost", "costs", "costly", "afford*", "overpriced", "coupon*", "promo", "promotion", "fee", "fees", "budget"},
	"de": {"preis*", "teuer*", "teurer", "billig*", "günstig*", "rabatt*", "kosten*", "gebühr*", "angebot*", "gutschein*"},
	"fr": {"prix", "cher", "chère", "chers", "coût*", "tarif*", "remise*", "réduction*", "promo*", "bon marché", "frais"},
	"es": {"precio*", "caro", "cara", "caros", "barato*", "descuento*", "costo*", "coste*", "tarifa*", "oferta*", "promoción*"},
	"pt": {"preço*", "caro", "cara", "barato*", "desconto*", "custo*", "tarifa*", "promoção*"},
	"it": {"prezz*", "costos*", "economic*", "sconto", "sconti", "costo", "costi", "tariff*", "offert*"},
	"zh": {"价格", "價格", "价钱", "便宜", "贵", "貴", "折扣", "优惠", "優惠", "打折", "费用", "多少钱"},
	"ja": {"値段", "価格", "料金", "安い", "高い", "割引", "値引き", "セール", "費用", "コスト"},
	"ko": {"가격", "비싸", "저렴", "할인", "비용", "요금", "쿠폰"},
	"th": {"ราคา", "แพง", "ถูกกว่า", "ส่วนลด", "ลดราคา", "โปรโมชั่น", "ค่าใช้จ่าย"},
	"ar": {"سعر*", "اسعار*", "غالي*", "رخيص*", "خصم*", "تخفيض*", "تكلفه", "عروض"},
	"nl": {"prijs*", "prijzen", "korting*", "kost", "kosten", "goedkop*", "aanbieding*", "tarief*"},
	"sv": {"pris", "priset", "priser", "prislist*", "rabatt*", "kostar", "kostnad*", "billig*", "dyr", "dyrt", "dyra"},
	"pl": {"cena", "cenę", "ceny", "cenie", "cennik*", "rabat*", "zniżk*", "koszt*", "tani", "tania", "tanie", "taniej", "tańsz*", "promocj*"},
	"id": {"harga*", "diskon*", "murah*", "mahal*", "biaya", "ongkos"},
	"ms": {"harga*", "diskaun*", "murah*", "mahal*", "kos", "potongan harga"},
	// Vietnamese words are syllables: "giá" alone is also in "đánh giá" (review) and "giá
	// trị" (value), so only its price phrases count.
	"vi": {"giá bao nhiêu", "giá thế nào", "giá cả", "giá bán", "báo giá", "bảng giá", "giảm giá", "bao nhiêu tiền", "chiết khấu", "khuyến mãi", "ưu đãi", "chi phí", "rẻ", "đắt"},
}

// A Detector finds price talk in messages.
type Detector struct{ m *lexicon.Matcher }

// New builds a detector from a lexicon such as Lexicon.
func New(lex map[string][]string) *Detector {
	var terms []lexicon.Term
	langs := make([]string, 0, len(lex))
	for l := range lex {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		for _, w := range lex[l] {
			terms = append(terms, lexicon.Term{Text: w, Key: l})
		}
	}
	return &Detector{m: lexicon.New(terms)}
}

// Mentions reports whether text talks about price.
func (d *Detector) Mentions(text string) bool { return len(d.m.Find(text)) > 0 }

// Terms returns the price words found in text.
func (d *Detector) Terms(text string) []lexicon.Match { return d.m.Find(text) }

// Report holds price-mention rates.
type Report struct {
	ByMarket  []insights.Rate `json:"by_market"`
	BySegment []insights.Rate `json:"by_segment"`
	// ByMarketSegment keys are "market/segment", e.g. "DE/enterprise".
	ByMarketSegment []insights.Rate `json:"by_market_segment"`
	ByPeriod        []insights.Rate `json:"by_period"`
	// Trend is the least-squares slope of the per-period rate, per period.
	Trend float64 `json:"trend"`
}

// Analyze computes price-mention rates over docs.
func (d *Detector) Analyze(docs []insights.Document) Report {
	type counts struct{ hits, docs map[string]int }
	newC := func() counts { return counts{map[string]int{}, map[string]int{}} }
	mk, sg, ms, pe := newC(), newC(), newC(), newC()
	for _, doc := range docs {
		hit := d.Mentions(doc.Text)
		for _, c := range []struct {
			c counts
			k string
		}{{mk, doc.Market}, {sg, doc.Segment}, {ms, doc.Market + "/" + doc.Segment}, {pe, doc.Period}} {
			c.c.docs[c.k]++
			if hit {
				c.c.hits[c.k]++
			}
		}
	}
	r := Report{
		ByMarket:        insights.RatesByKey(mk.hits, mk.docs),
		BySegment:       insights.RatesByKey(sg.hits, sg.docs),
		ByMarketSegment: insights.RatesByKey(ms.hits, ms.docs),
		ByPeriod:        insights.RatesByKey(pe.hits, pe.docs),
	}
	rates := make([]float64, len(r.ByPeriod))
	for i, p := range r.ByPeriod {
		rates[i] = p.Rate
	}
	r.Trend = insights.Slope(rates)
	return r
}
