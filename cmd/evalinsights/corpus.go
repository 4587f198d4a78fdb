package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/meridian-cs/meridian/insights"
)

// A market of the synthetic corpus: its language, region and planted rates.
type market struct {
	code, lang, region string
	// rate of the two planted SEA themes, per period (rising in SEA)
	themeRate [3]float64
	compRate  float64  // share of enquiries naming a competitor
	compIDs   []string // which competitors (aliases looked up in the language)
	// price-mention rate by segment
	priceEnterprise, priceConsumer float64
}

var markets = []market{
	{"US", "en", "NA", [3]float64{0.01, 0.01, 0.01}, 0.08, []string{"tesla", "toyota"}, 0.40, 0.45},
	{"GB", "en", "EU", [3]float64{0.01, 0.01, 0.01}, 0.08, []string{"volkswagen", "toyota"}, 0.16, 0.35},
	{"DE", "de", "EU", [3]float64{0.01, 0.01, 0.01}, 0.08, []string{"volkswagen", "tesla"}, 0.16, 0.35},
	{"ES", "es", "EU", [3]float64{0.01, 0.01, 0.01}, 0.08, []string{"volkswagen", "toyota"}, 0.16, 0.35},
	{"JP", "ja", "APAC", [3]float64{0.01, 0.01, 0.01}, 0.10, []string{"toyota", "honda"}, 0.30, 0.30},
	{"CN", "zh", "APAC", [3]float64{0.01, 0.01, 0.01}, 0.10, []string{"tesla", "volkswagen"}, 0.30, 0.30},
	{"KR", "ko", "APAC", [3]float64{0.01, 0.01, 0.01}, 0.45, []string{"toyota", "honda", "lexus"}, 0.30, 0.30},
	{"TH", "th", "SEA", [3]float64{0.04, 0.10, 0.18}, 0.08, []string{"toyota", "honda"}, 0.30, 0.30},
	{"SG", "en", "SEA", [3]float64{0.04, 0.10, 0.18}, 0.08, []string{"toyota", "tesla"}, 0.30, 0.30},
	{"MY", "en", "SEA", [3]float64{0.04, 0.10, 0.18}, 0.08, []string{"honda", "toyota"}, 0.30, 0.30},
	{"SA", "ar", "MEA", [3]float64{0.01, 0.01, 0.01}, 0.08, []string{"toyota", "lexus"}, 0.30, 0.30},
}

var periods = []string{"2025-01", "2025-02", "2025-03"}

// background sentences: everyday service traffic, the same in every market of a language,
// free of price, competitor and planted-theme words. %s is a model name.
var background = map[string][]string{
	"en": {"Where is my order for the %s?", "The delivery of my %s is late.", "How do I reset the %s?", "I want to return the %s because it arrived damaged.", "Can you update my shipping address?", "The app does not connect to my %s.", "When will my warranty claim be processed?", "I need the invoice for my last order.", "How long does installation take?", "My account login is not working."},
	"de": {"Wo ist meine Bestellung für den %s?", "Die Lieferung meines %s ist verspätet.", "Wie setze ich den %s zurück?", "Ich möchte den %s zurückschicken, er kam beschädigt an.", "Können Sie meine Lieferadresse ändern?", "Die App verbindet sich nicht mit meinem %s.", "Wann wird meine Garantieanfrage bearbeitet?", "Ich brauche die Rechnung für meine letzte Bestellung.", "Wie lange dauert die Installation?", "Mein Konto-Login funktioniert nicht."},
	"es": {"¿Dónde está mi pedido del %s?", "La entrega de mi %s está retrasada.", "¿Cómo reinicio el %s?", "Quiero devolver el %s porque llegó dañado.", "¿Pueden cambiar mi dirección de envío?", "La aplicación no se conecta con mi %s.", "¿Cuándo procesarán mi reclamo de garantía?", "Necesito la factura de mi último pedido.", "¿Cuánto tarda la instalación?", "No puedo iniciar sesión en mi cuenta."},
	"ja": {"%sの注文はどこですか。", "%sの配送が遅れています。", "%sをリセットする方法を教えてください。", "%sが破損して届いたので返品したいです。", "配送先住所を変更できますか。", "アプリが%sに接続できません。", "保証請求はいつ処理されますか。", "前回の注文の請求書が必要です。", "設置にはどのくらい時間がかかりますか。", "アカウントにログインできません。"},
	"zh": {"我的%s订单在哪里?", "我的%s配送延迟了。", "怎么重置%s?", "%s到货时损坏了,我想退货。", "可以修改我的收货地址吗?", "应用无法连接到我的%s。", "我的保修申请什么时候处理?", "我需要上一个订单的发票。", "安装需要多长时间?", "我的账户无法登录。"},
	"ko": {"%s 주문은 어디에 있나요?", "%s 배송이 늦어지고 있어요.", "%s 초기화는 어떻게 하나요?", "%s 제품이 파손되어 도착해서 반품하고 싶어요.", "배송 주소를 변경할 수 있나요?", "앱이 %s에 연결되지 않아요.", "보증 청구는 언제 처리되나요?", "지난 주문의 영수증이 필요해요.", "설치는 얼마나 걸리나요?", "계정에 로그인할 수 없어요."},
	"th": {"คำสั่งซื้อ %s ของฉันอยู่ที่ไหน", "การจัดส่ง %s ของฉันล่าช้า", "จะรีเซ็ต %s อย่างไร", "ฉันต้องการคืน %s เพราะสินค้าเสียหาย", "เปลี่ยนที่อยู่จัดส่งได้ไหม", "แอปเชื่อมต่อกับ %s ไม่ได้", "การเคลมประกันจะดำเนินการเมื่อไหร่", "ฉันต้องการใบเสร็จของคำสั่งซื้อล่าสุด", "การติดตั้งใช้เวลานานเท่าไหร่", "ฉันเข้าสู่ระบบบัญชีไม่ได้"},
	"ar": {"أين طلبي الخاص بـ %s؟", "توصيل %s الخاص بي متأخر.", "كيف أعيد ضبط %s؟", "أريد إرجاع %s لأنه وصل تالفا.", "هل يمكنكم تغيير عنوان الشحن؟", "التطبيق لا يتصل بجهاز %s.", "متى ستتم معالجة طلب الضمان؟", "أحتاج فاتورة طلبي الأخير.", "كم تستغرق عملية التركيب؟", "لا أستطيع تسجيل الدخول إلى حسابي."},
}

var models = []string{"AX-100", "AX-200", "Breeze S", "Breeze Pro", "Nova 3", "Nova 5"}

// Planted themes, by language, with several phrasings.
var plantedThemes = map[string]map[string][]string{
	"sterilisation": {
		"en": {"Does it have high temperature sterilisation?", "I need high temperature sterilisation for baby bottles.", "Is the high temperature sterilisation mode safe?"},
		"th": {"มีฟังก์ชันฆ่าเชื้อด้วยความร้อนสูงไหม", "ต้องการฆ่าเชื้อด้วยความร้อนสูงสำหรับขวดนม", "โหมดฆ่าเชื้อด้วยความร้อนสูงปลอดภัยไหม"},
		"de": {"Gibt es eine Hochtemperatur-Sterilisation?"}, "es": {"¿Tiene esterilización a alta temperatura?"},
		"ja": {"高温殺菌機能はありますか。"}, "zh": {"有高温消毒功能吗?"}, "ko": {"고온 살균 기능이 있나요?"}, "ar": {"هل يوجد تعقيم بدرجة حرارة عالية؟"},
	},
	"moisture": {
		"en": {"Is the unit moisture proof?", "We need a moisture proof version for the rainy season.", "Does the moisture proof coating last?"},
		"th": {"เครื่องนี้กันความชื้นได้ไหม", "ต้องการรุ่นกันความชื้นสำหรับหน้าฝน", "สารเคลือบกันความชื้นทนไหม"},
		"de": {"Ist das Gerät feuchtigkeitsbeständig?"}, "es": {"¿Es resistente a la humedad?"},
		"ja": {"防湿仕様はありますか。"}, "zh": {"有防潮功能吗?"}, "ko": {"방습 기능이 있나요?"}, "ar": {"هل الجهاز مقاوم للرطوبة؟"},
	},
}

// Price sentences by language.
var priceLines = map[string][]string{
	"en": {"What is the price for 50 seats?", "Is there a discount for annual plans?", "It seems expensive compared to last year."},
	"de": {"Was ist der Preis für 50 Lizenzen?", "Gibt es einen Rabatt für Jahrespläne?", "Das ist ziemlich teuer."},
	"es": {"¿Cuál es el precio para 50 usuarios?", "¿Hay descuento por plan anual?", "Me parece caro."},
	"ja": {"50ユーザーの料金はいくらですか。", "年間プランの割引はありますか。", "値段が気になります。"},
	"zh": {"50个用户的价格是多少?", "年付有折扣吗?", "感觉有点贵。"},
	"ko": {"50명 사용 가격이 얼마예요?", "연간 요금제 할인이 있나요?", "좀 비싸네요."},
	"th": {"ราคาสำหรับ 50 ผู้ใช้เท่าไหร่", "มีส่วนลดสำหรับแพ็กเกจรายปีไหม", "รู้สึกว่าแพงไป"},
	"ar": {"ما سعر 50 مستخدما؟", "هل يوجد خصم على الخطة السنوية؟", "يبدو غاليا."},
}

// Competitor aliases as customers write them, by language, and comparison frames.
var compAlias = map[string]map[string]string{
	"toyota":     {"en": "Toyota", "de": "Toyota", "es": "Toyota", "ja": "トヨタ", "zh": "丰田", "ko": "도요타", "th": "โตโยต้า", "ar": "تويوتا"},
	"honda":      {"en": "Honda", "de": "Honda", "es": "Honda", "ja": "ホンダ", "zh": "本田", "ko": "혼다", "th": "ฮอนด้า", "ar": "هوندا"},
	"lexus":      {"en": "Lexus", "de": "Lexus", "es": "Lexus", "ja": "レクサス", "zh": "雷克萨斯", "ko": "렉서스", "th": "เล็กซัส", "ar": "لكزس"},
	"tesla":      {"en": "Tesla", "de": "Tesla", "es": "Tesla", "ja": "テスラ", "zh": "特斯拉", "ko": "테슬라", "th": "เทสลา", "ar": "تسلا"},
	"volkswagen": {"en": "VW", "de": "VW", "es": "Volkswagen", "ja": "フォルクスワーゲン", "zh": "大众", "ko": "폭스바겐", "th": "โฟล์คสวาเกน", "ar": "فولكس فاجن"},
}

var compFrames = map[string][]string{
	"en": {"How does it compare with %s?", "My friend drives a %s, is yours better?"},
	"de": {"Wie schneidet es im Vergleich zu %s ab?"},
	"es": {"¿Cómo se compara con %s?"},
	"ja": {"%sと比べてどうですか。"},
	"zh": {"和%s相比怎么样?"},
	"ko": {"%s와 비교하면 어떤가요?", "%s보다 나은 점이 뭔가요?"},
	"th": {"เทียบกับ%sเป็นอย่างไร"},
	"ar": {"كيف يقارن مع %s؟"},
}

// Lines naming our own product, added to half the competitor comparisons (a co-mention).
var ourLines = map[string]string{
	"en": "Is the Meridian EV better?", "de": "Ist der Meridian EV besser?", "es": "¿Es mejor el Meridian EV?",
	"ja": "メリディアンEVの方がいいですか。", "zh": "子午线EV更好吗?", "ko": "메리디안 EV가 더 좋은가요?",
	"th": "เมอริเดียน EV ดีกว่าไหม", "ar": "هل ميريديان أفضل؟",
}

// A labelled document: the generated text with what was planted in it.
type labelled struct {
	insights.Document
	region      string
	theme       string // "" or the planted theme
	competitors []string
	price       bool
	ours        bool
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// generate makes perPeriod documents per market and period.
func generate(seed uint64, perPeriod int) []labelled {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []labelled
	for _, m := range markets {
		for pi, p := range periods {
			for i := range perPeriod {
				d := labelled{region: m.region}
				d.ID = fmt.Sprintf("%s-%s-%04d", m.code, p, i)
				d.Market, d.Period, d.Language = m.code, p, m.lang
				d.Segment = "consumer"
				if r.Float64() < 0.5 {
					d.Segment = "enterprise"
				}
				text := fmt.Sprintf(pick(r, background[m.lang]), pick(r, models))
				if r.Float64() < 0.5 {
					text += " " + fmt.Sprintf(pick(r, background[m.lang]), pick(r, models))
				}
				if x := r.Float64(); x < m.themeRate[pi] {
					d.theme = "sterilisation"
				} else if x < 2*m.themeRate[pi] {
					d.theme = "moisture"
				}
				if d.theme != "" {
					text += " " + pick(r, plantedThemes[d.theme][m.lang])
				}
				if r.Float64() < m.compRate {
					c := pick(r, m.compIDs)
					d.competitors = []string{c}
					text += " " + fmt.Sprintf(pick(r, compFrames[m.lang]), compAlias[c][m.lang])
					if r.Float64() < 0.5 {
						d.ours = true
						text += " " + ourLines[m.lang]
					}
				}
				pr := m.priceConsumer
				if d.Segment == "enterprise" {
					pr = m.priceEnterprise
				}
				if r.Float64() < pr {
					d.price = true
					text += " " + pick(r, priceLines[m.lang])
				}
				d.Text = text
				out = append(out, d)
			}
		}
	}
	return out
}
