package price

import (
	"fmt"
	"math"
	"testing"

	"github.com/meridian-cs/meridian/insights"
)

func TestMentionsAcrossLanguages(t *testing.T) {
	d := New(Lexicon)
	tests := []struct {
		text string
		want bool
	}{
		{"Is there a discount for teams?", true},
		{"Die Preise sind zu hoch", true},
		{"C'est trop cher", true},
		{"¿Tienen descuentos?", true},
		{"价格是多少", true},
		{"値段はいくらですか", true},
		{"가격이 얼마예요", true},
		{"ราคาเท่าไหร่", true},
		{"كم السعر", true},
		{"Is er korting op grotere aantallen?", true},
		{"Vad är ert pris vid 50 st?", true},
		{"Jaka jest cena przy 50 sztukach?", true},
		{"Harga kalau beli 50 unit berapa?", true},
		{"Ada diskaun untuk beli banyak?", true},
		{"Mua 50 cái thì giá thế nào ạ?", true},
		{"Mua số lượng lớn có giảm giá không?", true},
		{"Mình muốn đánh giá sản phẩm", false},
		{"My costume arrived torn", false},
		{"Where is my parcel?", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := d.Mentions(tt.text); got != tt.want {
				t.Errorf("Mentions(%q) = %v, want %v (terms %+v)", tt.text, got, tt.want, d.Terms(tt.text))
			}
		})
	}
}

func TestAnalyzeRatesBySegmentAndTrend(t *testing.T) {
	d := New(Lexicon)
	var docs []insights.Document
	for i := range 100 {
		p := fmt.Sprintf("2025-%02d", 1+i/50)
		us := insights.Document{Market: "US", Segment: "enterprise", Period: p, Text: "where is my invoice"}
		if i%2 == 0 {
			us.Text = "what is the price per seat"
		}
		de := insights.Document{Market: "DE", Segment: "enterprise", Period: p, Text: "wo ist meine Rechnung"}
		if i%5 == 0 {
			de.Text = "gibt es Rabatt"
		}
		docs = append(docs, us, de)
	}
	r := d.Analyze(docs)
	rates := map[string]float64{}
	for _, x := range r.ByMarketSegment {
		rates[x.Key] = x.Rate
	}
	if math.Abs(rates["US/enterprise"]-0.5) > 1e-9 || math.Abs(rates["DE/enterprise"]-0.2) > 1e-9 {
		t.Errorf("rates = %v", rates)
	}
	if len(r.ByPeriod) != 2 || r.Trend != 0 {
		t.Errorf("periods %+v trend %v", r.ByPeriod, r.Trend)
	}
}
