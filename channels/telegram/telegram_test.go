package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

const (
	secretToken = "s3cr3t-T0ken_for-webhook"
	botToken    = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
)

var now = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

func newChannel(t testing.TB, base string) *Channel {
	t.Helper()
	c, err := New(Config{SecretToken: secretToken, BotToken: botToken, APIBase: base, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func updates(t testing.TB) map[int64][]byte {
	t.Helper()
	b, err := os.ReadFile("testdata/updates.json")
	if err != nil {
		t.Fatal(err)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	out := map[int64][]byte{}
	for _, raw := range list {
		var u struct {
			UpdateID int64 `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatal(err)
		}
		out[u.UpdateID] = raw
	}
	return out
}

func TestNewRequiresSecretAndToken(t *testing.T) {
	for _, cfg := range []Config{{BotToken: botToken}, {SecretToken: "s"}, {SecretToken: "s", BotToken: "nocolon"}} {
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "MERIDIAN_TELEGRAM_") {
			t.Errorf("New(%+v) = %v, want an error naming the setting", cfg, err)
		}
	}
}

func TestVerify(t *testing.T) {
	c := newChannel(t, "")
	for _, tt := range []struct {
		name, header string
		ok           bool
	}{
		{"valid", secretToken, true},
		{"missing", "", false},
		{"wrong", "s3cr3t-T0ken_for-webhooK", false},
		{"prefix", secretToken[:5], false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", nil)
			if tt.header != "" {
				Sign(r.Header, tt.header)
			}
			err := c.Verify(r, nil)
			if tt.ok != (err == nil) || (err != nil && !errors.Is(err, channels.ErrSignature)) {
				t.Fatalf("Verify = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestParse(t *testing.T) {
	c := newChannel(t, "")
	ups := updates(t)
	tests := []struct {
		update                               int64
		id, kind, text, from, unknown, media string
		attrs                                map[string]string
		ts                                   int64
	}{
		{update: 900001, id: "111222333:11", kind: "text", text: "注文番号 #4521 はいつ届きますか？ 🚚", from: "111222333", ts: 1765072811,
			attrs: map[string]string{"chat_id": "111222333", "chat_type": "private", "username": "yuki_t"}},
		{update: 900002, id: "111222333:12", kind: "photo", text: "破損した箱の写真です", media: "telegram-media:AgAD-large"},
		{update: 900003, id: "111222333:13", kind: "document", media: "telegram-media:BQAD-doc", attrs: map[string]string{"file_name": "invoice.pdf"}},
		{update: 900004, id: "111222333:14", kind: "sticker", media: "telegram-media:CAAD-st", attrs: map[string]string{"sticker_emoji": "😢", "sticker_set": "SadCats"}},
		{update: 900005, id: "111222333:15", kind: "voice", media: "telegram-media:AwAD-voice", attrs: map[string]string{"duration_s": "4"}},
		{update: 900006, id: "111222333:16", kind: "location", attrs: map[string]string{"latitude": "13.7563", "longitude": "100.5018"}},
		{update: 900007, id: "111222333:17", kind: "contact", attrs: map[string]string{"contact_phone": "+66812345678", "contact_user_id": "111222333", "reply_to": "111222333:16"}},
		{update: 900008, id: "111222333:11:edit:1765073000", kind: "edited_message", text: "注文番号 #4522 はいつ届きますか？ 🚚", ts: 1765073000,
			attrs: map[string]string{"edited": "true", "edit_of": "111222333:11", "content_type": "text"}},
		{update: 900009, id: "cb:4382bfdwdsb323b2d9", kind: "callback_query", from: "111222333", ts: now.Unix(),
			attrs: map[string]string{"callback_data": "rating:5", "callback_message_id": "111222333:18"}},
		{update: 900010, id: "update:900010", kind: "channel_post", unknown: "channel_post"},
		{update: 900011, id: "update:900011", kind: "my_chat_member", unknown: "my_chat_member"},
		{update: 900012, id: "111222333:19", kind: "message", unknown: "poll"},
		{update: 900013, id: "111222333:11:reaction:111222333:1765073100", kind: "message_reaction", from: "111222333",
			attrs: map[string]string{"reaction_emoji": "👍", "reacted_message_id": "111222333:11"}},
		{update: 900014, id: "-100777:20", kind: "text", text: "مرحبا، أين طلبي؟", from: "-5", attrs: map[string]string{"chat_type": "supergroup", "chat_id": "-100777"}},
		{update: 900015, id: "111222333:21", kind: "text", text: "주문 취소하고 싶어요"},
		{update: 900016, id: "111222333:22", kind: "text", text: "สวัสดีค่ะ สินค้ามาถึงแล้ว 🙏"},
		{update: 900017, id: "111222333:23", kind: "text", text: "我想退货，请问怎么办？"},
		{update: 900018, id: "111222333:24", kind: "text", text: strings.Repeat("あ", 4000) + "😀"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			d, err := c.Parse(nil, ups[tt.update])
			if err != nil || len(d.Messages) != 1 {
				t.Fatalf("Parse = %+v, %v", d, err)
			}
			m := d.Messages[0]
			if m.ID != tt.id || m.Kind != tt.kind || m.Text != tt.text || m.Account != "7012345678" {
				t.Errorf("id %q kind %q account %q text %.30q", m.ID, m.Kind, m.Account, m.Text)
			}
			if tt.from != "" && m.From.ID != tt.from {
				t.Errorf("from %+v", m.From)
			}
			if (tt.unknown == "") != (m.Unknown == "") || !strings.Contains(m.Unknown, tt.unknown) {
				t.Errorf("unknown %q, want containing %q", m.Unknown, tt.unknown)
			}
			if tt.media != "" && (len(m.Attachments) != 1 || m.Attachments[0].URL != tt.media) {
				t.Errorf("attachments %+v", m.Attachments)
			}
			for k, v := range tt.attrs {
				if m.Attributes[k] != v {
					t.Errorf("attribute %s = %q, want %q", k, m.Attributes[k], v)
				}
			}
			if tt.ts != 0 && m.Timestamp.Unix() != tt.ts {
				t.Errorf("timestamp %v", m.Timestamp)
			}
		})
	}
}

func TestParseSender(t *testing.T) {
	c := newChannel(t, "")
	d, _ := c.Parse(nil, updates(t)[900007])
	f := d.Messages[0].From
	if f.ID != "111222333" || f.Name != "Yuki Tanaka" || f.Locale != "ja" || f.Phone != "+66812345678" {
		t.Fatalf("sender %+v", f)
	}
}

func TestParseNotAnUpdate(t *testing.T) {
	c := newChannel(t, "")
	for _, body := range []string{``, `<xml/>`, `[]`, `{}`, `{"message":{"text":"hi"}}`, `{"update_id":"x"}`, `{"update_id":1,"message":"text"}`} {
		if _, err := c.Parse(nil, []byte(body)); !errors.Is(err, channels.ErrFormat) {
			t.Errorf("Parse(%q) = %v, want ErrFormat", body, err)
		}
	}
}

func TestTextDeliveryRoundTrips(t *testing.T) {
	at := time.Unix(1765072800, 0).UTC()
	d, err := newChannel(t, "").Parse(nil, TextDelivery(5, 42, 7, "Somchai", "th", "ขอบคุณครับ", at))
	if err != nil {
		t.Fatal(err)
	}
	m := d.Messages[0]
	if m.ID != "42:7" || m.From.ID != "42" || m.From.Locale != "th" || m.Text != "ขอบคุณครับ" || !m.Timestamp.Equal(at) {
		t.Fatalf("%+v", m)
	}
}

// fakeBotAPI implements sendMessage as the Bot API documents it.
func fakeBotAPI(t *testing.T, fail func(w http.ResponseWriter) bool) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/bot"+botToken+"/sendMessage" {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
			return
		}
		var req struct {
			ChatID int64  `json:"chat_id"`
			Text   string `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ChatID == 0 || req.Text == "" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}`)
			return
		}
		if fail != nil && fail(w) {
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": map[string]any{
			"message_id": 501, "date": 1765072800, "text": req.Text,
			"chat": map[string]any{"id": req.ChatID, "type": "private"},
			"from": map[string]any{"id": 7012345678, "is_bot": true, "first_name": "Shop"},
		}})
	}))
}

func failWith(status int, body string, header ...string) func(http.ResponseWriter) bool {
	return func(w http.ResponseWriter) bool {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
		return true
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name    string
		out     channels.Outgoing
		fail    func(http.ResponseWriter) bool
		wantID  string
		wantErr *channels.SendError
	}{
		{name: "sent", out: channels.Outgoing{To: "111222333", Text: "お問い合わせありがとうございます 🙇"}, wantID: "111222333:501"},
		{name: "signed id", out: channels.Outgoing{To: "+42", Text: "hi"}, wantID: "42:501"},
		{name: "group", out: channels.Outgoing{To: "-100777", Text: "شكراً"}, wantID: "-100777:501"},
		{name: "longest", out: channels.Outgoing{To: "1", Text: strings.Repeat("가", 4096)}, wantID: "1:501"},
		{name: "too long", out: channels.Outgoing{To: "1", Text: strings.Repeat("가", 4095) + "😀"}, wantErr: &channels.SendError{Reason: "longer than"}},
		{name: "empty", out: channels.Outgoing{To: "1", Text: ""}, wantErr: &channels.SendError{Reason: "empty"}},
		{name: "not a chat id", out: channels.Outgoing{To: "@user", Text: "hi"}, wantErr: &channels.SendError{Reason: "not a number"}},
		{name: "flood", out: channels.Outgoing{To: "1", Text: "hi"},
			fail:    failWith(429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`),
			wantErr: &channels.SendError{Status: 429, Code: "429", Reason: "Too Many Requests: retry after 5", Retryable: true, RetryAfter: 5 * time.Second}},
		{name: "blocked", out: channels.Outgoing{To: "1", Text: "hi"},
			fail:    failWith(403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`),
			wantErr: &channels.SendError{Status: 403, Code: "403", Reason: "Forbidden: bot was blocked by the user"}},
		{name: "chat not found", out: channels.Outgoing{To: "1", Text: "hi"},
			fail:    failWith(400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`),
			wantErr: &channels.SendError{Status: 400, Code: "400", Reason: "Bad Request: chat not found"}},
		{name: "migrated", out: channels.Outgoing{To: "-1", Text: "hi"},
			fail:    failWith(400, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234}}`),
			wantErr: &channels.SendError{Status: 400, Code: "400", Reason: "supergroup -1001234"}},
		{name: "bad gateway", out: channels.Outgoing{To: "1", Text: "hi"},
			fail:    failWith(502, `<html>Bad Gateway</html>`),
			wantErr: &channels.SendError{Status: 502, Code: "502", Reason: "502", Retryable: true}},
		{name: "server error", out: channels.Outgoing{To: "1", Text: "hi"},
			fail:    failWith(500, `{"ok":false,"error_code":500,"description":"Internal Server Error: restart"}`),
			wantErr: &channels.SendError{Status: 500, Code: "500", Reason: "Internal Server Error", Retryable: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeBotAPI(t, tt.fail)
			defer srv.Close()
			rec, err := newChannel(t, srv.URL).Send(context.Background(), tt.out)
			if tt.wantErr != nil {
				var se *channels.SendError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want SendError", err)
				}
				if se.Status != tt.wantErr.Status || se.Code != tt.wantErr.Code || se.Retryable != tt.wantErr.Retryable || se.RetryAfter != tt.wantErr.RetryAfter || !strings.Contains(se.Reason, tt.wantErr.Reason) {
					t.Fatalf("err = %+v, want %+v", se, tt.wantErr)
				}
				return
			}
			if err != nil || rec.MessageID != tt.wantID {
				t.Fatalf("Send = %+v, %v; want %s", rec, err, tt.wantID)
			}
		})
	}
}

func TestSendErrorHidesTheToken(t *testing.T) {
	srv := fakeBotAPI(t, nil)
	srv.Close() // nothing listens: the client's error names the URL
	_, err := newChannel(t, srv.URL).Send(context.Background(), channels.Outgoing{To: "1", Text: "hi"})
	if err == nil || strings.Contains(err.Error(), botToken) {
		t.Fatalf("err = %v", err)
	}
	if ok, _ := channels.Retryable(err); !ok {
		t.Fatal("a connection error should be retryable")
	}
}

func FuzzParse(f *testing.F) {
	for _, raw := range updates(f) {
		f.Add(raw)
	}
	f.Add([]byte(`{"update_id":1}`))
	f.Add([]byte(`{"update_id":1,"edited_message":{}}`))
	c := newChannel(f, "")
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := c.Parse(nil, bytes.Clone(body))
		if err != nil {
			if !errors.Is(err, channels.ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		for _, m := range d.Messages {
			if m.ID == "" {
				t.Fatalf("message without ID from %q", body)
			}
		}
	})
}
