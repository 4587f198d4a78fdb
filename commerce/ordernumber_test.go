package commerce

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOrderNumbersInManyLanguages(t *testing.T) {
	cases := []struct {
		text string
		want string // comma-separated
	}{
		{"Where is my order #1234?", "1234"},
		{"where is my order 1234", "1234"},
		{"My order number is 100234, can you check?", "100234"},
		{"Order no. SO-204518 still not here", "SO-204518"},
		{"#1001 and #1002 both missing", "1001,1002"},
		{"Wo ist meine Bestellung 1234?", "1234"},
		{"Bestellung Nr. 000000123 ist nicht angekommen", "000000123"},
		{"Meine Bestellnummer: 58213", "58213"},
		{"Où est ma commande n° 48213 ?", "48213"},
		{"numéro de commande 48213", "48213"},
		{"¿Dónde está mi pedido número 7781?", "7781"},
		{"Il mio ordine n. 99812 non è arrivato", "99812"},
		{"Waar is mijn bestelling 30551?", "30551"},
		{"Var är min beställning 44120?", "44120"},
		{"Gdzie jest moje zamówienie nr 55501?", "55501"},
		{"Cadê meu pedido 12034?", "12034"},
		{"Di mana pesanan saya 78123?", "78123"},
		{"Đơn hàng 66201 của tôi ở đâu?", "66201"},
		{"注文番号は1234です。", "1234"},
		{"注文番号：１２３４５", "12345"},
		{"我的订单号是20231188，还没到", "20231188"},
		{"訂單編號 88123 什麼時候到？", "88123"},
		{"주문번호 1234 배송 언제 되나요?", "1234"},
		{"주문 번호는 56789입니다", "56789"},
		{"คำสั่งซื้อ 12345 ของฉันอยู่ไหน", "12345"},
		{"หมายเลขคำสั่งซื้อ ๑๒๓๔๕", "12345"},
		{"أين طلبي 4521؟", "4521"},
		{"رقم الطلب ١٢٣٤", "1234"},
		{"order #1234, again order 1234", "1234"},
	}
	for _, tc := range cases {
		if got := strings.Join(OrderNumbers(tc.text), ","); got != tc.want {
			t.Errorf("OrderNumbers(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// Numbers that are not order numbers stay unread.
func TestOrderNumbersConservative(t *testing.T) {
	for _, text := range []string{
		"Call me on +49 151 12345678",
		"I ordered 3 shirts on 2024-05-01",
		"order from 2024-05-01",
		"my order 2024-05-01 arrived",
		"Bestellung vom 12.03.2024",
		"the order total was 1234.50 EUR",
		"order 12 pieces",
		"see &#1234; in the page",
		"ticket #12",
		"ordered 12345 times",
		"reorder1234",
		"postcode 12345",
		"1234",
		"订单金额 1234.50 元",
		"",
	} {
		if got := OrderNumbers(text); len(got) != 0 {
			t.Errorf("OrderNumbers(%q) = %q, want none", text, got)
		}
	}
	many := strings.Repeat("order #1000 order #2000 order #3000 order #4000 order #5000 order #6000 ", 2)
	if got := OrderNumbers(many); len(got) != maxOrderNumbers {
		t.Errorf("%d numbers from many", len(got))
	}
}

func FuzzOrderNumbers(f *testing.F) {
	for _, s := range []string{"where is my order #1234", "Bestellung 1234", "注文番号1234", "رقم الطلب ١٢٣٤",
		"order no. SO-1234", "&#1234;", "order 2024-05-01", "#\u00001234", "订单号：１２３４"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := OrderNumbers(text)
		if len(got) > maxOrderNumbers {
			t.Fatalf("%d numbers", len(got))
		}
		folded := strings.ToUpper(foldDigits(text))
		seen := map[string]bool{}
		for _, n := range got {
			digits := 0
			for _, r := range n {
				if r >= '0' && r <= '9' {
					digits++
				}
			}
			// Every number is one the adapters accept, was in the text, and is not repeated.
			if cleanNumber(n) != n || digits < 4 || !utf8.ValidString(n) || !strings.Contains(folded, n) || seen[n] {
				t.Fatalf("OrderNumbers(%q) gave %q", text, n)
			}
			seen[n] = true
		}
	})
}

// OrderNumbers runs on every inbound message the AI-answers step sees.
func BenchmarkOrderNumbers(b *testing.B) {
	texts := []string{
		"Hi, where is my order #1234? I ordered it on 2024-05-01 and paid 59.90 EUR.",
		"Guten Tag, meine Bestellung Nr. 000000123 ist noch nicht angekommen. Können Sie nachsehen?",
		"注文番号は12345です。まだ届いていません。",
		"Hello, I would like to know the opening hours of your store in Kuala Lumpur, thanks!",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		OrderNumbers(texts[i%len(texts)])
	}
}
