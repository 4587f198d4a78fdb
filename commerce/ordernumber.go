package commerce

import (
	"regexp"
	"strings"
)

// maxOrderNumbers caps what one message yields.
const maxOrderNumbers = 5

// orderWords are the words for "order" in the demo markets' languages, before which a
// number is taken for an order number. ASCII ones need a word boundary in front.
var orderWords = []string{
	// English, Swedish, Dutch, Malay/Indonesian loan
	`order(?:\s*(?:number|nummer|nr|no|id))?`, `ordernummer`, `ordernr`,
	// German
	`bestellung`, `bestellnummer`, `bestellnr`, `auftrag`, `auftragsnummer`,
	// French, Spanish, Portuguese, Italian
	`commande`, `pedido`, `orden`, `encomenda`, `ordine`,
	// Dutch, Swedish
	`bestelling`, `bestelnummer`, `beställning`, `beställningsnummer`,
	// Polish
	`zamówieni[eau]`,
	// Malay, Indonesian
	`pesanan`,
}

// orderWordsUnspaced need no boundary: their scripts do not separate words, or (Vietnamese)
// they start with a letter outside ASCII, where regexp's \b does not apply.
var orderWordsUnspaced = []string{
	`đơn\s*hàng`,         // Vietnamese
	`注文番号`, `注文`, `オーダー`, // Japanese
	`订单号`, `订单编号`, `订单`, `訂單編號`, `訂單號碼`, `訂單號`, `訂單`, // Chinese
	`주문\s*번호`, `주문`, // Korean
	`หมายเลขคำสั่งซื้อ`, `คำสั่งซื้อ`, `ออเดอร์`, // Thai
	`رقم\s*الطلب`, `الطلب`, `طلبي`, `طلب`, // Arabic
}

// orderFiller is what may stand between the word and the number: "number", "no.", "n°",
// "is", a colon, and the particles of Japanese, Chinese and Korean.
const orderFiller = `(?:\s|[:#.,]|number|nummer|numéro|numero|número|num|nr|no|n[°º]|n|saya|aku|ku|nº|id|is|ist|est|es|è|é|är|de|del|nomor|nombor|số|mã|は|の|番号|号|號|码|碼|是|为|為|：|번호|는|은|이|가|หมายเลข|เลขที่|คือ|رقم|هو)*?`

// orderToken is an order number: four to twelve digits, optionally after a short prefix
// ("SO-", "A"), as shops number orders.
const orderToken = `((?:[a-z]{1,4}-?)?\d{4,12})`

var (
	orderNumberRE = regexp.MustCompile(`(?i)(?:\b(?:` + strings.Join(orderWords, "|") + `)|(?:` +
		strings.Join(orderWordsUnspaced, "|") + `))` + orderFiller + `#?\s*` + orderToken)
	// hashNumberRE is "#1234" anywhere, but not an HTML entity (&#1234;).
	hashNumberRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}&#])#\s?(\d{4,12})`)
)

// OrderNumbers returns the order numbers a customer quotes in text, in order and without
// repeats, at most five: "where is my order #1234", "Bestellung Nr. 1234", "注文番号は1234です",
// "주문번호 1234", "رقم الطلب ١٢٣٤". It is conservative: a number counts only after "#" or a
// word for "order" in one of the demo markets' languages, has at least four digits, and is
// not part of a longer number, a date or an amount. Full-width, Arabic-Indic and Thai
// digits are read as ASCII ones; numbers are returned in ASCII, without "#".
func OrderNumbers(text string) []string {
	if len(text) > 64<<10 {
		text = text[:64<<10]
	}
	text = foldDigits(text)
	// Most messages quote no number at all: skip the regular expressions for them.
	if !hasDigits(text, 4) {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	type hit struct {
		at     int
		number string
	}
	var hits []hit
	for _, re := range []*regexp.Regexp{orderNumberRE, hashNumberRE} {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			start, end := m[2], m[3]
			if !standsAlone(text, end) {
				continue
			}
			hits = append(hits, hit{start, strings.ToUpper(text[start:end])})
		}
	}
	// In the order the customer wrote them.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hits[j].at < hits[j-1].at; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	for _, h := range hits {
		if !seen[h.number] && len(out) < maxOrderNumbers {
			seen[h.number] = true
			out = append(out, h.number)
		}
	}
	return out
}

// standsAlone reports whether the number ending at end is not the start of something
// longer: more digits or letters, a decimal, a date or a range ("1234.50", "2024-05-01").
func standsAlone(text string, end int) bool {
	if end >= len(text) {
		return true
	}
	c := text[end]
	if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' {
		return false
	}
	if (c == '.' || c == ',' || c == '-' || c == '/' || c == ':') && end+1 < len(text) && text[end+1] >= '0' && text[end+1] <= '9' {
		return false
	}
	return true
}

// foldDigits maps full-width ASCII, Arabic-Indic, Eastern Arabic-Indic and Thai digits to
// ASCII, and the ideographic space to a space.
func foldDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		case r >= 0x0660 && r <= 0x0669:
			return '0' + r - 0x0660
		case r >= 0x06F0 && r <= 0x06F9:
			return '0' + r - 0x06F0
		case r >= 0x0E50 && r <= 0x0E59:
			return '0' + r - 0x0E50
		}
		return r
	}, s)
}

// hasDigits reports whether text has a run of at least n ASCII digits.
func hasDigits(text string, n int) bool {
	run := 0
	for i := 0; i < len(text); i++ {
		if text[i] >= '0' && text[i] <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
