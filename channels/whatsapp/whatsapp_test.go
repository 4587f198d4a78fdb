package whatsapp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/models"
)

const (
	secret = "app-secret"
	pnid   = "106540352242922"
	wamid  = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA"
)

var at = time.Unix(1749416383, 0).UTC()

func newChannel(t *testing.T, cfg Config) *Channel {
	t.Helper()
	if cfg.AppSecret == "" {
		cfg.AppSecret = secret
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sheena() channels.Sender {
	return channels.Sender{ID: "16505551234", Phone: "+16505551234", Name: "Sheena Nelson"}
}

func TestNewNeedsTheAppSecret(t *testing.T) {
	_, err := New(Config{AccessToken: "x"})
	if err == nil || !strings.Contains(err.Error(), "MERIDIAN_WHATSAPP_APP_SECRET") {
		t.Fatalf("New without a secret = %v", err)
	}
	if _, err := New(Config{AppSecret: "s", Template: ":en"}); err == nil {
		t.Fatal("a template without a name was taken")
	}
}

func TestParse(t *testing.T) {
	c := newChannel(t, Config{})
	text := func(id, body string, from channels.Sender) channels.Message {
		return channels.Message{ID: wamid + id, Account: pnid, Timestamp: at, Kind: "text", From: from, Text: body}
	}
	arab := channels.Sender{ID: "971501234567", Phone: "+971501234567", Name: "محمد"}
	ja := text("ja", "注文した商品はいつ届きますか？", sheena())
	ja.Attributes = map[string]string{"reply_to_message_id": "wamid.CONTEXT123", "reply_to_from": "15550783881"}
	media := func(id, kind, mime, mediaID, caption string, attrs map[string]string) channels.Message {
		return channels.Message{ID: wamid + id, Account: pnid, Timestamp: at, Kind: kind, From: sheena(), Text: caption,
			Attachments: []models.Attachment{{Kind: kind, MIMEType: mime, URL: "whatsapp-media:" + mediaID}}, Attributes: attrs}
	}
	one := func(id, kind, txt string, attrs map[string]string) channels.Message {
		return channels.Message{ID: wamid + id, Account: pnid, Timestamp: at, Kind: kind, From: sheena(), Text: txt, Attributes: attrs}
	}
	for _, tc := range []struct {
		file     string
		messages []channels.Message
		statuses []channels.Status
	}{
		{"text_multilingual.json", []channels.Message{
			text("ar", "مرحبا، أين طلبي؟", arab), ja,
			text("ko", "주문한 상품은 언제 도착하나요?", sheena()),
			text("th", "สวัสดีครับ สินค้าของฉันอยู่ที่ไหน", sheena()),
			text("zh", "你好，我的订单在哪里？", sheena()),
			text("emoji", "👋🏽 where is my 📦? 👨‍👩‍👧", sheena()),
		}, nil},
		{"text_long.json", []channels.Message{text("long", strings.Repeat("長いメッセージ。", 512), sheena())}, nil},
		{"media.json", []channels.Message{
			media("img", "image", "image/jpeg", "1003383421387256", "壊れた商品の写真です", map[string]string{"media_id": "1003383421387256", "sha256": "B1vQ1BXbNKpB9ylYy0h3D6zuvyqxXyeDCjZ1v5ysAQY="}),
			media("doc", "document", "application/pdf", "2003383421387256", "invoice", map[string]string{"media_id": "2003383421387256", "sha256": "xyz=", "filename": "invoice-2026.pdf"}),
			media("aud", "audio", "audio/ogg; codecs=opus", "3003383421387256", "", map[string]string{"media_id": "3003383421387256", "sha256": "abc=", "voice": "true"}),
			media("vid", "video", "video/mp4", "4003383421387256", "", map[string]string{"media_id": "4003383421387256", "sha256": "def="}),
			media("stk", "sticker", "image/webp", "5003383421387256", "", map[string]string{"media_id": "5003383421387256", "sha256": "ghi=", "animated": "false"}),
		}, nil},
		{"location.json", []channels.Message{one("loc", "location", "", map[string]string{
			"latitude": "37.483307", "longitude": "-122.148981", "location_name": "Main Office",
			"location_address": "1 Hacker Way, Menlo Park, CA 94025", "location_url": "https://www.facebook.com"})}, nil},
		{"contacts.json", []channels.Message{one("cts", "contacts", "", map[string]string{
			"contact_names": "Barbara J. Johnson", "contact_phones": "+1 (940) 555-1234, +1 (650) 555-1234"})}, nil},
		{"interactive.json", []channels.Message{
			one("btn", "interactive", "注文をキャンセル", map[string]string{"interactive_type": "button_reply", "reply_id": "cancel-order", "reply_title": "注文をキャンセル"}),
			one("lst", "interactive", "Express Shipping", map[string]string{"interactive_type": "list_reply", "reply_id": "priority_express", "reply_title": "Express Shipping", "reply_description": "Next Day to 2 Days"}),
		}, nil},
		{"button.json", []channels.Message{one("qrb", "button", "Stop promotions", map[string]string{
			"button_payload": "STOP_PROMOS", "button_text": "Stop promotions", "reply_to_message_id": "wamid.TEMPLATE1", "reply_to_from": "15550783881"})}, nil},
		{"reaction.json", []channels.Message{
			one("rct", "reaction", "", map[string]string{"reaction_message_id": "wamid.OUTBOUND42", "reaction_emoji": "❤️"}),
			one("rcu", "reaction", "", map[string]string{"reaction_message_id": "wamid.OUTBOUND42", "reaction_removed": "true"}),
		}, nil},
		{"order_system.json", []channels.Message{
			one("ord", "order", "これをください", map[string]string{"order_catalog_id": "CAT1", "order_product_ids": "SKU-1, SKU-2"}),
			one("sys", "system", "User A changed from 16505551234 to 16505559999", map[string]string{"system_type": "user_changed_number", "new_wa_id": "16505559999"}),
		}, nil},
		{"referral.json", []channels.Message{one("ref", "text", "Is this still available?", map[string]string{
			"referral_source_url": "https://fb.me/ad", "referral_source_id": "ADID", "referral_source_type": "ad",
			"referral_headline": "Summer sale", "referral_ctwa_clid": "ARAkLkA"})}, nil},
		{"bsuid.json", []channels.Message{
			{ID: "wamid.BSUID1", Account: pnid, Timestamp: at, Kind: "text", Text: "नमस्ते",
				From:       channels.Sender{ID: "919810218674", Phone: "+919810218674", Name: "Krish"},
				Attributes: map[string]string{"user_id": "IN.1410018717833190", "username": "krish.t"}},
			{ID: "wamid.BSUID2", Account: pnid, Timestamp: at, Kind: "text", Text: "電話番号は非公開です",
				From:       channels.Sender{ID: "JP.998877665544", Name: "匿名"},
				Attributes: map[string]string{"user_id": "JP.998877665544", "username": "tokumei"}},
		}, nil},
		{"statuses.json", nil, []channels.Status{
			{MessageID: "wamid.OUT1", State: channels.StateSent, Timestamp: time.Unix(1750263773, 0).UTC()},
			{MessageID: "wamid.OUT1", State: channels.StateDelivered, Timestamp: time.Unix(1750263774, 0).UTC()},
			{MessageID: "wamid.OUT1", State: channels.StateRead, Timestamp: time.Unix(1750263775, 0).UTC()},
			{MessageID: "wamid.OUT2", State: channels.StateFailed, Timestamp: time.Unix(1750263776, 0).UTC(),
				Reason: "Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number. (code 131047)"},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d, err := c.Parse(nil, fixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.Messages, tc.messages) {
				t.Errorf("messages\n got %+v\nwant %+v", d.Messages, tc.messages)
			}
			if !reflect.DeepEqual(d.Statuses, tc.statuses) {
				t.Errorf("statuses\n got %+v\nwant %+v", d.Statuses, tc.statuses)
			}
		})
	}
}

func TestParseUnknownKinds(t *testing.T) {
	c := newChannel(t, Config{})
	for _, tc := range []struct{ file, kind, reason string }{
		{"unknown_type.json", "hologram", `whatsapp message type "hologram" is not read by this package`},
		{"unsupported.json", "unsupported", "whatsapp could not deliver this message type: Message type unknown: Message type is currently not supported. (code 131051)"},
		{"value_errors.json", "errors", "whatsapp reported an error: Rate limit hit: Message failed to send because there were too many messages sent from this phone number in a short period of time (code 130429)"},
		{"template_status.json", "message_template_status_update", `whatsapp webhook field "message_template_status_update" is not a customer message`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body := fixture(t, tc.file)
			d, err := c.Parse(nil, body)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Messages) != 1 {
				t.Fatalf("%d messages", len(d.Messages))
			}
			m := d.Messages[0]
			if m.Kind != tc.kind || m.Unknown != tc.reason || m.ID == "" {
				t.Fatalf("got %+v", m)
			}
			again, _ := c.Parse(nil, body)
			if again.Messages[0].ID != m.ID {
				t.Fatal("a redelivery got another id")
			}
		})
	}
}

func TestParseRefusesOtherFormats(t *testing.T) {
	c := newChannel(t, Config{})
	for name, body := range map[string]string{
		"not json":         `<xml/>`,
		"messenger":        `{"object":"page","entry":[]}`,
		"no object":        `{"entry":[]}`,
		"value not object": `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":[]}]}]}`,
		"no phone id":      `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[]}}]}]}`,
		"message no id":    `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"1","timestamp":"1","type":"text"}]}}]}]}`,
		"bad timestamp":    `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"id":"w","from":"1","timestamp":"yesterday","type":"text"}]}}]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := c.Parse(nil, []byte(body)); !errors.Is(err, channels.ErrFormat) {
				t.Fatalf("Parse = %v, want ErrFormat", err)
			}
		})
	}
}

func TestVerifyAndHandshake(t *testing.T) {
	c := newChannel(t, Config{VerifyToken: "vt"})
	body := fixture(t, "text_multilingual.json")
	r := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", nil)
	if err := c.Verify(r, body); !errors.Is(err, channels.ErrSignature) {
		t.Fatalf("unsigned: %v", err)
	}
	r.Header.Set(meta.SignatureHeader, meta.Sign("wrong", body))
	if err := c.Verify(r, body); !errors.Is(err, channels.ErrSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	r.Header.Set(meta.SignatureHeader, meta.Sign(secret, body))
	if err := c.Verify(r, body); err != nil {
		t.Fatalf("signed: %v", err)
	}
	w := httptest.NewRecorder()
	c.Handshake(w, httptest.NewRequest(http.MethodGet, "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=42", nil))
	if w.Code != 200 || w.Body.String() != "42" {
		t.Fatalf("handshake %d %q", w.Code, w.Body)
	}
}

func TestTextDeliveryParses(t *testing.T) {
	c := newChannel(t, Config{})
	body := TextDelivery(pnid, "819012345678", "山田太郎", "wamid.GEN1", "こんにちは 👋", at)
	d, err := c.Parse(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	want := []channels.Message{{ID: "wamid.GEN1", Account: pnid, Timestamp: at, Kind: "text",
		From: channels.Sender{ID: "819012345678", Phone: "+819012345678", Name: "山田太郎"}, Text: "こんにちは 👋"}}
	if !reflect.DeepEqual(d.Messages, want) {
		t.Fatalf("got %+v", d.Messages)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"text_multilingual.json", "media.json", "statuses.json", "interactive.json", "unsupported.json", "template_status.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	c, err := New(Config{AppSecret: secret})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := c.Parse(nil, body)
		if err != nil {
			if !errors.Is(err, channels.ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		for _, m := range d.Messages {
			if m.ID == "" {
				t.Fatalf("message without id: %+v", m)
			}
		}
		for _, s := range d.Statuses {
			if s.MessageID == "" {
				t.Fatalf("status without message id: %+v", s)
			}
		}
	})
}
