package email

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

var received = time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFixtures(t *testing.T) {
	sent := time.Date(2024, 1, 15, 1, 30, 0, 0, time.UTC)
	tests := []struct {
		file      string
		id        string
		from      channels.Sender
		subject   string
		text      string // exact
		contains  string // or a part of it
		thread    []string
		threadKey string
		attrs     map[string]string
		noAttrs   []string
	}{
		{file: "multipart_alternative.eml", id: "alt-1@mail.example.com",
			from:    channels.Sender{ID: "alice@example.com", Email: "alice@example.com", Name: "Alice Example"},
			subject: "Order 1234 has not arrived", text: "Hello, my order 1234 has not arrived yet. Can you check?",
			threadKey: "alt-1@mail.example.com"},
		{file: "quoted_printable.eml", id: "qp-1@example.de",
			from:    channels.Sender{ID: "juergen@example.de", Email: "juergen@example.de", Name: "Jürgen Müller"},
			subject: "Beschädigte Lieferung",
			text:    "Grüße aus München! Die Lieferung für Bestellung 5678 ist beschädigt. Können Sie mir bitte eine Ersatzlieferung schicken? Vielen Dank im Voraus für Ihre schnelle Hilfe."},
		{file: "base64.eml", id: "b64-1@example.kr", subject: "환불 요청",
			text: "안녕하세요. 주문한 상품이 파손되어 도착했습니다. 환불 부탁드립니다."},
		{file: "iso2022jp.eml", id: "jis-1@example.jp",
			from:    channels.Sender{ID: "taro@example.jp", Email: "taro@example.jp", Name: "山田太郎"},
			subject: "商品が届きません", text: "お世話になっております。\n注文番号9876の商品がまだ届いていません。\n確認をお願いします。"},
		{file: "shift_jis.eml", id: "sjis-1@example.jp",
			from:    channels.Sender{ID: "hanako@example.jp", Email: "hanako@example.jp", Name: "佐藤花子"},
			subject: "返品について", text: "返品の手続きを教えてください。サイズが合いませんでした。"},
		{file: "gb18030.eml", id: "gb-1@example.cn",
			from:    channels.Sender{ID: "wangwei@example.cn", Email: "wangwei@example.cn", Name: "王伟"},
			subject: "订单问题", text: "你好，我的订单还没有发货，请帮我查一下。谢谢！"},
		{file: "euc_kr.eml", id: "euckr-1@example.kr",
			from:    channels.Sender{ID: "chulsoo@example.kr", Email: "chulsoo@example.kr", Name: "김철수"},
			subject: "배송 문의", text: "배송이 언제 되나요? 빠른 답변 부탁드립니다."},
		{file: "html_only.eml", id: "html-1@example.org", subject: "Re: Your ticket",
			text:      "Thanks, the replacement works now.\n\nOne more question about the warranty.",
			thread:    []string{"reply-0@shop.example", "root-0@example.org"},
			threadKey: "root-0@example.org",
			attrs:     map[string]string{"signature_phones": "+1 415-555-0199", "quoted_stripped": ""}},
		{file: "reply_english.eml", id: "en-2@example.com", subject: "Re: Refund", text: "Yes, please refund to my card.",
			thread: []string{"en-1@shop.example", "en-0@example.com"}, threadKey: "en-0@example.com",
			attrs: map[string]string{"quoted_stripped": "true"}},
		{file: "reply_japanese.eml", id: "ja-2@example.jp", subject: "Re: 交換について", text: "交換でお願いします。",
			thread: []string{"ja-1@shop.example"}, threadKey: "ja-1@shop.example",
			attrs: map[string]string{"quoted_stripped": "true"}},
		{file: "reply_german.eml", id: "de-2@example.de", subject: "AW: Rücksendung",
			text:  "Ich möchte die Ware zurücksenden.\n\nMit freundlichen Grüßen",
			attrs: map[string]string{"quoted_stripped": "true", "signature": "Hans Schmidt\nTel. 030 12345678", "signature_phones": "030 12345678"}},
		{file: "reply_outlook.eml", id: "ol-2@corp.example", subject: "RE: Invoice",
			text: "Please send the invoice again, the PDF was empty.", attrs: map[string]string{"quoted_stripped": "true"}},
		{file: "signature_phone.eml", id: "sig-1@example.com", subject: "Call me", text: "Please call me about order 4321.",
			attrs: map[string]string{
				"signature":        "Erin Example\nAcme Corp, Procurement\nTel: +1 (555) 123-4567\nMobile: +44 20 7946 0958",
				"signature_phones": "+1 (555) 123-4567,+44 20 7946 0958"},
			noAttrs: []string{"quoted_stripped"}},
		{file: "mobile_signature.eml", id: "mob-1@example.com", text: "Where is my parcel?",
			attrs: map[string]string{"signature": "Sent from my iPhone"}, noAttrs: []string{"signature_phones"}},
		{file: "attachments.eml", id: "att-1@example.com", text: "See the photo and the receipt attached.",
			attrs: map[string]string{"attachment_1_name": "photo.png", "attachment_2_name": "Quittung März.pdf"}},
		{file: "arabic.eml", id: "ar-1@example.ae", subject: "استفسار عن الطلب", text: "مرحبا، لم يصل طلبي بعد. هل يمكنكم المساعدة؟",
			from: channels.Sender{ID: "ahmed@example.ae", Email: "ahmed@example.ae", Name: "أحمد"}},
		{file: "thai.eml", id: "th-1@example.co.th", subject: "สอบถามการจัดส่ง", text: "สวัสดีครับ สินค้ายังไม่มาถึงเลยครับ"},
		{file: "chinese_utf8.eml", id: "zh-1@example.cn", subject: "退货申请", text: "我想退货，商品颜色不对。"},
		{file: "emoji.eml", id: "emoji-1@example.com", subject: "Thanks 🎉🙏", text: "It arrived! 😀👍🏽 Love it ❤️"},
		{file: "long.eml", id: "long-1@example.com", contains: "This is a very long complaint line",
			attrs: map[string]string{"truncated": "true"}},
		{file: "no_message_id.eml", text: "Hello without an id."},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := fixture(t, tt.file)
			m, err := Parse(raw, "Support@Shop.example", received)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.id != "" && m.ID != tt.id {
				t.Errorf("ID = %q, want %q", m.ID, tt.id)
			}
			if m.ID == "" {
				t.Error("ID is empty")
			}
			if m.Kind != Kind || m.Account != "support@shop.example" {
				t.Errorf("Kind, Account = %q, %q", m.Kind, m.Account)
			}
			if !m.Timestamp.Equal(sent) {
				t.Errorf("Timestamp = %v, want %v", m.Timestamp, sent)
			}
			if tt.from.ID != "" && m.From != tt.from {
				t.Errorf("From = %+v, want %+v", m.From, tt.from)
			}
			if m.From.ID == "" || m.From.ID != strings.ToLower(m.From.ID) || m.From.Email != m.From.ID {
				t.Errorf("From = %+v", m.From)
			}
			if tt.subject != "" && m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if tt.text != "" && m.Text != tt.text {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
			if !strings.Contains(m.Text, tt.contains) {
				t.Errorf("Text = %.200q, want it to contain %q", m.Text, tt.contains)
			}
			if !utf8.ValidString(m.Text) || len(m.Text) > models.MaxTextLen {
				t.Errorf("Text: %d bytes, valid UTF-8 %v", len(m.Text), utf8.ValidString(m.Text))
			}
			if tt.thread != nil && strings.Join(m.Thread, " ") != strings.Join(tt.thread, " ") {
				t.Errorf("Thread = %q, want %q", m.Thread, tt.thread)
			}
			want := tt.threadKey
			if want == "" {
				want = m.ID
				if len(m.Thread) > 0 {
					want = ThreadKey(m)
				}
			}
			if got := ThreadKey(m); got != want {
				t.Errorf("ThreadKey = %q, want %q", got, want)
			}
			for k, v := range tt.attrs {
				got, ok := m.Attributes[k]
				if !ok || v != "" && got != v {
					t.Errorf("Attributes[%q] = %q (set %v), want %q", k, got, ok, v)
				}
			}
			for _, k := range tt.noAttrs {
				if v, ok := m.Attributes[k]; ok {
					t.Errorf("Attributes[%q] = %q, want unset", k, v)
				}
			}
		})
	}
}

func TestParseAttachments(t *testing.T) {
	m, err := Parse(fixture(t, "attachments.eml"), "", received)
	if err != nil {
		t.Fatal(err)
	}
	if m.Account != "support@shop.example" {
		t.Errorf("Account from To = %q", m.Account)
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("Attachments = %+v, want 2", m.Attachments)
	}
	png, pdf := m.Attachments[0], m.Attachments[1]
	if png.Kind != "image" || png.MIMEType != "image/png" || png.SizeBytes != 208 || !strings.HasPrefix(png.URL, "email-media:att-1@example.com/") || !strings.HasSuffix(png.URL, "/photo.png") {
		t.Errorf("image = %+v", png)
	}
	if pdf.Kind != "file" || pdf.MIMEType != "application/pdf" || pdf.SizeBytes != 1016 || !strings.HasSuffix(pdf.URL, "/Quittung%20M%C3%A4rz.pdf") {
		t.Errorf("pdf = %+v", pdf)
	}
}

func TestParseNoMessageIDIsDeterministic(t *testing.T) {
	raw := fixture(t, "no_message_id.eml")
	a, err := Parse(raw, "", received)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Parse(raw, "", received.Add(time.Hour))
	if a.ID == "" || a.ID != b.ID || !strings.HasPrefix(a.ID, "sha256-") {
		t.Errorf("IDs %q, %q", a.ID, b.ID)
	}
}

func TestParseMissingDateUsesReceipt(t *testing.T) {
	raw := []byte("From: a@example.com\r\nMessage-ID: <x@y>\r\n\r\nhi\r\n")
	m, err := Parse(raw, "s@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Timestamp.Equal(received) || m.Text != "hi" {
		t.Errorf("Timestamp %v, Text %q", m.Timestamp, m.Text)
	}
}

func TestParseErrFormat(t *testing.T) {
	for _, name := range []string{"malformed.eml", "no_from.eml"} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(fixture(t, name), "", received)
			if !errors.Is(err, channels.ErrFormat) {
				t.Errorf("err = %v, want ErrFormat", err)
			}
		})
	}
	if _, err := Parse(nil, "", received); !errors.Is(err, channels.ErrFormat) {
		t.Errorf("empty: err = %v", err)
	}
}

func TestSplitReply(t *testing.T) {
	tests := []struct {
		name, in, body, sig string
		quoted              bool
	}{
		{"plain", "Hello there", "Hello there", "", false},
		{"interleaved", "> question one\nanswer one\n> question two\nanswer two", "answer one\nanswer two", "", true},
		{"outlook from/sent", "Sure.\n\nFrom: Shop <s@shop.example>\nSent: Monday\nTo: me\nSubject: x\n\nold", "Sure.", "", true},
		{"german von/gesendet", "Danke.\n\nVon: Shop <s@shop.example>\nGesendet: Montag\nAn: mich\n\nalt", "Danke.", "", true},
		{"outlook underline", "Ok.\n\n________________________________\nFrom: Shop\nSent: Monday", "Ok.", "", true},
		{"german one line", "Gut.\n\nAm Mo., 15. Jan. 2024 um 10:00 Uhr schrieb Shop <s@shop.example>:\n> alt", "Gut.", "", true},
		{"japanese gmail", "はい。\n\n2024年1月15日(月) 10:00 Shop <s@shop.example>:\n> 古い", "はい。", "", true},
		{"japanese sanwa", "了解です。\n\n山田さんは書きました：\n> 古い", "了解です。", "", true},
		{"sign-off with phone", "Thanks for the help.\n\nBest regards,\nKim Lee\n+82 10-1234-5678", "Thanks for the help.\n\nBest regards,", "Kim Lee\n+82 10-1234-5678", false},
		{"sig dashes without space", "Body\n--\nName\n03-1234-5678", "Body", "Name\n03-1234-5678", false},
		{"german mobile", "Passt.\n\nVon meinem iPhone gesendet", "Passt.", "Von meinem iPhone gesendet", false},
		{"japanese mobile", "了解\n\niPhoneから送信", "了解", "iPhoneから送信", false},
		{"all quote", "On Mon, Jan 15, 2024 Shop <s@shop.example> wrote:\n> old text", "On Mon, Jan 15, 2024 Shop <s@shop.example> wrote:\n> old text", "", true},
		{"bottom posted", "> question\n\nmy answer", "my answer", "", true},
		{"sentence ending wrote", "Here is what my colleague wrote:\nthe box was empty", "Here is what my colleague wrote:\nthe box was empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := SplitReply(tt.in)
			if r.Body != tt.body || r.Signature != tt.sig || r.Quoted != tt.quoted {
				t.Errorf("SplitReply = %+v, want body %q sig %q quoted %v", r, tt.body, tt.sig, tt.quoted)
			}
		})
	}
}

func TestPhones(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Tel: +1 (555) 123-4567", "+1 (555) 123-4567"},
		{"電話：03-1234-5678", "03-1234-5678"},
		{"携帯 ０９０−１２３４−５６７８", "０９０−１２３４−５６７８"},
		{"携帯 ０９０１２３４５６７８", "０９０１２３４５６７８"},
		{"Phone 020 7946 0958 / Fax 020 7946 0959", "020 7946 0958 / Fax"},
		{"Date 2024-01-15, order 1234", ""},
		{"+49 30 12345678", "+49 30 12345678"},
	}
	for _, tt := range tests {
		got := strings.Join(Phones(tt.in), ",")
		if tt.want == "020 7946 0958 / Fax" {
			// Two numbers on one line come back as two.
			if got != "020 7946 0958,020 7946 0959" {
				t.Errorf("Phones(%q) = %q", tt.in, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("Phones(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
