package mining_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// The benchmarks mine a synthetic tenant "bench" of MERIDIAN_BENCH_ROWS customer messages
// (default 1,000,000; insights/BENCHMARKS.md records 10,000,000) over four weeks, generated
// inside ClickHouse by INSERT … SELECT … FROM numbers(n): per-language sentence arrays, a
// sterilisation/humidity theme planted in South-East Asia and rising week by week, Korean
// comparisons with Japanese brands, and enterprise price questions more frequent in North
// America than in the EU. Generation is not timed.

const benchTenant = "bench"

var benchStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// benchRegions: each region's share of the rows and its markets.
var benchRegions = []struct {
	region    string
	share     float64
	countries []string
}{
	{"eu", 0.40, []string{"DE", "DE", "GB", "GB", "FR", "NL", "ES", "IT"}},
	{"us", 0.35, []string{"US", "US", "US", "CA", "KR", "JP"}},
	{"sea", 0.25, []string{"SG", "MY", "TH", "TH", "ID", "PH", "VN"}},
}

func sqlArray(vals ...string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = clickhouse.Quote(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// benchText is the text expression: a base sentence in the row's language plus planted
// sentences; h(k) is a per-row hash, language and country are columns of the SELECT.
func benchText(n int) string {
	base := map[string]string{
		"en": sqlArray("Hi, where is my order? It has not arrived yet.", "I want to return the {p}, it does not fit.",
			"My refund has not been processed, can you check?", "The delivery is late and tracking has not moved.",
			"How do I clean the {p} after use?", "The {p} stopped working after a week.", "Can I change the delivery address?",
			"Thanks, that helps a lot.", "My payment failed twice, what should I do?", "Is the {p} available in white?"),
		"de": sqlArray("Wo ist meine Bestellung? Sie ist noch nicht angekommen.", "Ich möchte den {p} zurückgeben.",
			"Meine Erstattung ist noch nicht da.", "Die Lieferung ist verspätet.", "Wie reinige ich den {p}?",
			"Der {p} funktioniert nicht mehr.", "Kann ich die Lieferadresse ändern?", "Danke, das hilft."),
		"ko": sqlArray("주문한 상품이 아직 안 왔어요.", "{p} 반품하고 싶어요.", "환불이 아직 안 됐어요.", "배송이 늦어지고 있어요.",
			"{p} 사용법을 알려주세요.", "{p}가 고장났어요.", "감사합니다, 도움이 됐어요."),
		"ja": sqlArray("注文した商品がまだ届きません。", "{p}を返品したいです。", "返金がまだです。", "配送が遅れています。",
			"{p}の使い方を教えてください。", "{p}が動かなくなりました。", "ありがとうございます。"),
		"th": sqlArray("สินค้าที่สั่งยังไม่มาส่งค่ะ", "อยากคืน {p} ค่ะ", "ยังไม่ได้รับเงินคืนค่ะ", "การจัดส่งล่าช้าค่ะ",
			"ใช้ {p} ยังไงคะ", "{p} เสียแล้วค่ะ", "ขอบคุณค่ะ"),
	}
	theme := map[string]string{
		"en": sqlArray("Can it handle high-temperature sterilisation?", "Is it moisture-proof? It is very humid here."),
		"de": sqlArray("Verträgt er Hochtemperatur-Sterilisation?", "Ist er feuchtigkeitsbeständig?"),
		"ko": sqlArray("고온 살균이 가능한가요?", "방습이 되나요?"),
		"ja": sqlArray("高温殺菌に対応していますか。", "防湿ですか。"),
		"th": sqlArray("ฆ่าเชื้อด้วยความร้อนสูงได้ไหมคะ", "กันความชื้นได้ไหมคะ"),
	}
	compare := map[string]string{
		"en": "'How does it compare with {b}?'", "de": "'Wie schneidet er im Vergleich zu {b} ab?'",
		"ko": "'{b} 제품이랑 비교하면 어떤 게 더 나아요?'", "ja": "'{b}の製品と比べてどうですか。'", "th": "'เทียบกับ {b} แล้วเป็นยังไงคะ'",
	}
	priceS := map[string]string{
		"en": "'What is the price for 50 units, is there a discount?'", "de": "'Was kostet es für 50 Stück, gibt es Rabatt?'",
		"ko": "'50개 가격이 얼마예요? 할인 되나요?'", "ja": "'50台の価格はいくらですか。割引はありますか。'", "th": "'ราคาสำหรับ 50 ชิ้นเท่าไหร่คะ มีส่วนลดไหม'",
	}
	pick := func(m map[string]string) string {
		var b strings.Builder
		b.WriteString("multiIf(")
		for _, l := range []string{"de", "ko", "ja", "th"} {
			fmt.Fprintf(&b, "language = '%s', %s, ", l, m[l])
		}
		b.WriteString(m["en"] + ")")
		return b.String()
	}
	brands := sqlArray("Toyota", "Sony", "Panasonic", "Hitachi", "Zojirushi", "Tiger")
	brandsKo := sqlArray("도요타", "소니", "파나소닉", "히타치", "조지루시", "타이거")
	products := sqlArray("Kiddo Bottle Steriliser S2", "NovaCook Rice Cooker R5", "Breeze Dehumidifier D20", "BrewMate Coffee Machine C7", "Halo Smart Kettle")
	// Planted rates: theme in SEA rises from 2% to 12% of messages over the four weeks
	// (1% elsewhere); Korean comparisons 45% (3% elsewhere); enterprise price questions 35%
	// in US/CA, 14% in the EU, 20% elsewhere (5% for other tiers).
	progress := fmt.Sprintf("(number / %d)", n)
	return fmt.Sprintf(`replaceAll(replaceAll(arrayStringConcat(arrayFilter(x -> x != '', [
    arrayElement(%[1]s AS base, cityHash64(number, 3) %% length(base) + 1),
    if(cityHash64(number, 4) %% 1000 < if(country IN ('SG','MY','TH','ID','PH','VN'), 20 + 100 * %[2]s, 10), arrayElement(%[3]s, cityHash64(number, 5) %% 2 + 1), ''),
    if(cityHash64(number, 6) %% 100 < if(country = 'KR', 45, 3), %[4]s, ''),
    if(cityHash64(number, 7) %% 100 < if(tier = 'enterprise', multiIf(country IN ('US','CA'), 35, country IN ('DE','GB','FR','NL','ES','IT'), 14, 20), 5), %[5]s, '')
  ]), ' '), '{p}', arrayElement(%[6]s, cityHash64(number, 8) %% 5 + 1)), '{b}', arrayElement(if(language = 'ko', %[8]s, %[7]s), cityHash64(number, 9) %% 6 + 1))`,
		pick(base), progress, pick(theme), pick(compare), pick(priceS), products, brands, brandsKo)
}

// benchRows is MERIDIAN_BENCH_ROWS, default 1,000,000.
func benchRows(b *testing.B) int {
	n := 1_000_000
	if v := os.Getenv("MERIDIAN_BENCH_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("MERIDIAN_BENCH_ROWS=%q: want an integer ≥ 1000", v)
		}
	}
	return n
}

var benchLoaded int

// loadBench inserts n synthetic messages for the bench tenant (once per process).
func loadBench(b *testing.B, n int) {
	if benchLoaded == n {
		return
	}
	if benchLoaded != 0 {
		b.Fatalf("bench tenant already holds %d rows", benchLoaded)
	}
	ctx := context.Background()
	t0 := time.Now()
	week4 := 28 * 24 * 3600
	for _, r := range benchRegions {
		rn := int(float64(n) * r.share)
		sql := fmt.Sprintf(`INSERT INTO %[1]s.events (tenant, id, type, version, occurred_at, received_at, channel, direction, conversation_id, customer_id, country, language, tier, text, product)
SELECT '%[2]s', concat('bm-%[3]s-', toString(number)), 'message.received', 1,
  toDateTime64('%[4]s', 3, 'UTC') + toIntervalSecond(intDiv(number * %[5]d, %[6]d)) AS t, t,
  ['whatsapp', 'email', 'webchat', 'line'][number %% 4 + 1], 'inbound',
  concat('bc-%[3]s-', toString(intDiv(number, 3))), concat('bu-%[3]s-', toString(intDiv(number, 7))),
  arrayElement(%[7]s AS cs, cityHash64(number, 1) %% length(cs) + 1) AS country,
  multiIf(country = 'DE', 'de', country = 'KR', 'ko', country = 'JP', 'ja', country = 'TH', 'th', 'en') AS language,
  ['new', 'returning', 'returning', 'vip', 'enterprise'][cityHash64(number, 2) %% 5 + 1] AS tier,
  %[8]s AS text,
  ''
FROM numbers(%[6]d)`, clickhouse.Database(r.region), benchTenant, r.region, benchStart.Format(clickhouse.TimeFormat), week4, rn, sqlArray(r.countries...), benchText(rn))
		if err := db.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
		if err := db.Exec(ctx, "OPTIMIZE TABLE "+clickhouse.Database(r.region)+".events FINAL"); err != nil {
			b.Fatal(err)
		}
	}
	benchLoaded = n
	b.Logf("generated %d messages inside ClickHouse in %v", n, time.Since(t0).Round(time.Millisecond))
}

var benchAnalyst = auth.Principal{Tenant: benchTenant, Role: auth.RoleAnalyst}

// BenchmarkOpportunityMining is the whole opportunity-mining query: SEA English against all
// other English over four weeks, themes with weekly trend, markets and examples.
func BenchmarkOpportunityMining(b *testing.B) {
	n := benchRows(b)
	loadBench(b, n)
	svc := mining.New(db, regions)
	req := mining.OpportunityRequest{
		Target:   mining.Segment{Markets: sea, Languages: []string{"en"}},
		Baseline: &mining.Segment{Languages: []string{"en"}},
	}
	var themes int
	for b.Loop() {
		res, err := svc.Opportunities(context.Background(), benchAnalyst, req)
		if err != nil {
			b.Fatal(err)
		}
		themes = len(res.Themes)
		if themes == 0 || res.TargetMessages+res.BaselineMessages == 0 {
			b.Fatalf("no themes in %d target and %d baseline messages", res.TargetMessages, res.BaselineMessages)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(themes), "themes")
}

// BenchmarkCompetitorMentions counts every competitor of the dictionary, co-mentions and
// comparison sentiment per market and week over all rows.
func BenchmarkCompetitorMentions(b *testing.B) {
	n := benchRows(b)
	loadBench(b, n)
	svc := mining.New(db, regions)
	for b.Loop() {
		if _, err := svc.CompetitorMentions(context.Background(), benchAnalyst, mining.MentionRequest{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPriceSensitivity counts price mentions (every language's lexicon) per market,
// segment and week over all rows.
func BenchmarkPriceSensitivity(b *testing.B) {
	n := benchRows(b)
	loadBench(b, n)
	svc := mining.New(db, regions)
	for b.Loop() {
		if _, err := svc.PriceSensitivity(context.Background(), benchAnalyst, mining.MentionRequest{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
