package line

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
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/meridian-cs/meridian/channels"
)

const secret = "8c570fa6dd201bb328f1c1eac23a96d8"

func newChannel(t *testing.T, base string) *Channel {
	t.Helper()
	c, err := New(Config{ChannelSecret: secret, AccessToken: "tok", APIBase: base,
		Now: func() time.Time { return time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signed(body []byte, sig string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/line", bytes.NewReader(body))
	if sig != "" {
		r.Header.Set(SignatureHeader, sig)
	}
	return r
}

func TestNewRequiresSecretAndToken(t *testing.T) {
	for _, cfg := range []Config{{AccessToken: "t"}, {ChannelSecret: "s"}} {
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "MERIDIAN_LINE_") {
			t.Errorf("New(%+v) = %v, want an error naming the setting", cfg, err)
		}
	}
}

func TestVerify(t *testing.T) {
	c := newChannel(t, "")
	body := fixture(t, "events.json")
	tests := []struct {
		name string
		sig  string
		ok   bool
	}{
		{"valid", Sign(secret, body), true},
		{"missing", "", false},
		{"other secret", Sign("other", body), false},
		{"not base64", "%%%", false},
		{"over another body", Sign(secret, append([]byte(" "), body...)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Verify(signed(body, tt.sig), body)
			if tt.ok != (err == nil) {
				t.Fatalf("Verify = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, channels.ErrSignature) {
				t.Fatalf("Verify = %v, want ErrSignature", err)
			}
		})
	}
}

func TestParseEvents(t *testing.T) {
	c := newChannel(t, "")
	d, err := c.Parse(nil, fixture(t, "events.json"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]channels.Message{}
	for _, m := range d.Messages {
		if m.Account != "U0bot00000000000000000000000000a1" {
			t.Errorf("%s: account %q", m.ID, m.Account)
		}
		byID[m.ID] = m
	}
	if len(byID) != 13 {
		t.Fatalf("got %d messages, want 13", len(byID))
	}
	tests := []struct {
		id, kind, text, from, reply, unknown, attachment string
		attrs                                            map[string]string
	}{
		{id: "01FZ74A0TDDPYRVKNK77XKC3ZR", kind: "text", text: "注文した商品がまだ届きません 📦", from: "U4af4980629aaaaaaaaaaaaaaaaaaaaaa", reply: "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
			attrs: map[string]string{"platform_message_id": "444573844083572737", "quote_token": "q3Plxr4AgKd", "source_type": "user", "mode": "active"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC3ZS", kind: "text", text: "สวัสดีครับ ขอเปลี่ยนที่อยู่จัดส่ง",
			attrs: map[string]string{"redelivery": "true", "group_id": "Ca56f94637c0000000000000000000000", "quoted_message_id": "444573844083572737"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC3ZT", kind: "sticker", attachment: "line-media:1501597916",
			attrs: map[string]string{"sticker_package_id": "11537", "sticker_id": "52002738", "sticker_keywords": "cony,sally,Happy", "sticker_resource_type": "ANIMATION"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC3ZU", kind: "image", attachment: "line-media:354718705033693859",
			attrs: map[string]string{"content_provider": "line", "image_set_id": "E005D41A7288F4", "image_set_index": "1", "image_set_total": "2"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC3ZV", kind: "video", attachment: "line-media:325708",
			attrs: map[string]string{"content_provider": "external", "content_url": "https://example.com/original.mp4", "duration_ms": "60000"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC3ZW", kind: "file", attachment: "line-media:325709", attrs: map[string]string{"file_name": "領収書.pdf"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC3ZX", kind: "location",
			attrs: map[string]string{"latitude": "35.67966", "longitude": "139.73669", "title": "my location", "address": "1-3 Kioicho, Chiyoda-ku, Tokyo, 102-8282, Japan"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC3ZY", kind: "follow", attrs: map[string]string{"unblocked": "true"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC3ZZ", kind: "unfollow"},
		{id: "01FZ74A0TDDPYRVKNK77XKC400", kind: "postback", attrs: map[string]string{"postback_data": "action=track&order=8812", "postback_datetime": "2026-12-08T10:00"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC401", kind: "unsend", attrs: map[string]string{"unsent_message_id": "325708"}},
		{id: "01FZ74A0TDDPYRVKNK77XKC402", kind: "things", unknown: "things"},
		{id: "01FZ74A0TDDPYRVKNK77XKC403", kind: "hologram", unknown: "hologram", attrs: map[string]string{"mode": "standby", "room_id": "Ra8dbf4673c0000000000000000000000"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			m, ok := byID[tt.id]
			if !ok {
				t.Fatal("missing")
			}
			if m.Kind != tt.kind || m.Text != tt.text {
				t.Errorf("kind %q text %q, want %q %q", m.Kind, m.Text, tt.kind, tt.text)
			}
			if tt.from != "" && m.From.ID != tt.from {
				t.Errorf("from %q", m.From.ID)
			}
			if tt.reply != "" && m.ReplyToken != tt.reply {
				t.Errorf("reply token %q", m.ReplyToken)
			}
			if (tt.unknown == "") != (m.Unknown == "") || !strings.Contains(m.Unknown, tt.unknown) {
				t.Errorf("unknown %q, want containing %q", m.Unknown, tt.unknown)
			}
			if tt.attachment != "" && (len(m.Attachments) != 1 || m.Attachments[0].URL != tt.attachment) {
				t.Errorf("attachments %+v, want %s", m.Attachments, tt.attachment)
			}
			for k, v := range tt.attrs {
				if m.Attributes[k] != v {
					t.Errorf("attribute %s = %q, want %q", k, m.Attributes[k], v)
				}
			}
			if m.Timestamp.IsZero() || m.Timestamp.Year() != 2025 {
				t.Errorf("timestamp %v", m.Timestamp)
			}
		})
	}
	if byID["01FZ74A0TDDPYRVKNK77XKC3ZW"].Attachments[0].SizeBytes != 2138 {
		t.Error("file size not kept")
	}
}

func TestParseTexts(t *testing.T) {
	c := newChannel(t, "")
	d, err := c.Parse(nil, fixture(t, "texts.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"01TEXTARABIC":  "مرحبا، أين طلبي رقم ٤٥٦؟",
		"01TEXTKOREAN":  "배송 상태를 알려주세요 🙏",
		"01TEXTCHINESE": "我的订单还没有到，请帮我查一下。",
		"01TEXTLONG":    strings.Repeat("長い", 6000) + "😀",
	}
	for _, m := range d.Messages {
		if m.Text != want[m.ID] {
			t.Errorf("%s: text %.40q", m.ID, m.Text)
		}
		delete(want, m.ID)
	}
	if len(want) > 0 {
		t.Errorf("missing %v", want)
	}
}

func TestParseVerificationRequestHasNoMessages(t *testing.T) {
	d, err := newChannel(t, "").Parse(nil, fixture(t, "verify.json"))
	if err != nil || len(d.Messages) != 0 {
		t.Fatalf("Parse = %+v, %v; want no messages", d, err)
	}
}

func TestParseNotLINE(t *testing.T) {
	c := newChannel(t, "")
	for _, body := range []string{``, `not json`, `[]`, `{"object":"whatsapp_business_account","entry":[]}`, `{"events":[1]}`, `{"events":{}}`} {
		if _, err := c.Parse(nil, []byte(body)); !errors.Is(err, channels.ErrFormat) {
			t.Errorf("Parse(%q) = %v, want ErrFormat", body, err)
		}
	}
}

func TestTextDeliveryRoundTrips(t *testing.T) {
	c := newChannel(t, "")
	at := time.Date(2026, 12, 7, 1, 2, 3, 4e6, time.UTC)
	body := TextDelivery("Ubot", "Uuser", "01EVT", "こんにちは", at)
	if err := c.Verify(signed(body, Sign(secret, body)), body); err != nil {
		t.Fatal(err)
	}
	d, err := c.Parse(nil, body)
	if err != nil || len(d.Messages) != 1 {
		t.Fatal(d, err)
	}
	m := d.Messages[0]
	if m.ID != "01EVT" || m.Account != "Ubot" || m.From.ID != "Uuser" || m.Text != "こんにちは" || !m.Timestamp.Equal(at) || m.ReplyToken == "" || m.Kind != "text" {
		t.Fatalf("%+v", m)
	}
}

// fakeLINE implements the reply and push endpoints as the Messaging API documents them.
type fakeLINE struct {
	mu       sync.Mutex
	calls    []string
	keys     map[string]bool
	reply    func(w http.ResponseWriter) // nil = success
	push     func(w http.ResponseWriter)
	lastBody map[string]any
	t        *testing.T
}

func (f *fakeLINE) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.URL.Path)
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message":"Authentication failed. Confirm that the access token in the authorization header is valid."}`)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"message":"The request body has 1 error(s)"}`)
		return
	}
	f.lastBody = body
	msgs, _ := body["messages"].([]any)
	if len(msgs) == 0 || len(msgs) > 5 {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"message":"The request body has 1 error(s)","details":[{"message":"Size must be between 1 and 5","property":"messages"}]}`)
		return
	}
	for _, m := range msgs {
		mm := m.(map[string]any)
		if mm["type"] != "text" || len(utf16.Encode([]rune(mm["text"].(string)))) > 5000 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"message":"The request body has 1 error(s)","details":[{"message":"Length must be between 0 and 5000","property":"messages[0].text"}]}`)
			return
		}
	}
	switch r.URL.Path {
	case "/v2/bot/message/reply":
		if body["replyToken"] == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if f.reply != nil {
			f.reply(w)
			return
		}
	case "/v2/bot/message/push":
		key := r.Header.Get(RetryKeyHeader)
		if body["to"] == "" || len(key) != 36 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"message":"The value for the 'X-Line-Retry-Key' header is invalid"}`)
			return
		}
		if f.push != nil {
			f.push(w)
			return
		}
		if f.keys[key] {
			w.Header().Set("X-Line-Accepted-Request-Id", "req-first")
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"message":"The retry key is already accepted","sentMessages":[{"id":"pushed-1","quoteToken":"qt"}]}`)
			return
		}
		f.keys[key] = true
	default:
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"sentMessages":[{"id":"`+map[string]string{"/v2/bot/message/reply": "replied-1", "/v2/bot/message/push": "pushed-1"}[r.URL.Path]+`","quoteToken":"qt"}]}`)
}

func answer(status int, body string, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestSend(t *testing.T) {
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		out       channels.Outgoing
		reply     func(http.ResponseWriter)
		push      func(http.ResponseWriter)
		wantID    string
		wantCalls []string
		wantErr   *channels.SendError
		messages  int
	}{
		{name: "reply with a fresh token", out: channels.Outgoing{To: "U1", Text: "ありがとうございます 🙇", ReplyToken: "rt", LastInbound: now.Add(-10 * time.Second), Key: "k1"},
			wantID: "replied-1", wantCalls: []string{"/v2/bot/message/reply"}, messages: 1},
		{name: "no token pushes", out: channels.Outgoing{To: "U1", Text: "ok", Key: "k2"},
			wantID: "pushed-1", wantCalls: []string{"/v2/bot/message/push"}, messages: 1},
		{name: "old token pushes", out: channels.Outgoing{To: "U1", Text: "ok", ReplyToken: "rt", LastInbound: now.Add(-time.Hour), Key: "k3"},
			wantID: "pushed-1", wantCalls: []string{"/v2/bot/message/push"}, messages: 1},
		{name: "invalid token falls back to push", out: channels.Outgoing{To: "U1", Text: "ok", ReplyToken: "used", Key: "k4"},
			reply:  answer(400, `{"message":"Invalid reply token"}`),
			wantID: "pushed-1", wantCalls: []string{"/v2/bot/message/reply", "/v2/bot/message/push"}, messages: 1},
		{name: "long text is split", out: channels.Outgoing{To: "U1", Text: strings.Repeat("가", 4999) + "😀" + strings.Repeat("나", 5000), Key: "k5"},
			wantID: "pushed-1", wantCalls: []string{"/v2/bot/message/push"}, messages: 3},
		{name: "too long for one request", out: channels.Outgoing{To: "U1", Text: strings.Repeat("x", 25001)},
			wantErr: &channels.SendError{Reason: "longer than 5 messages"}},
		{name: "empty text", out: channels.Outgoing{To: "U1", Text: " "}, wantErr: &channels.SendError{Reason: "empty text"}},
		{name: "nowhere to send", out: channels.Outgoing{Text: "hi"}, wantErr: &channels.SendError{Reason: "no user id"}},
		{name: "bad request is permanent", out: channels.Outgoing{To: "U1", Text: "hi"},
			push:      answer(400, `{"message":"The request body has 1 error(s)","details":[{"message":"Must be a valid user id","property":"to"}]}`),
			wantCalls: []string{"/v2/bot/message/push"},
			wantErr:   &channels.SendError{Status: 400, Reason: "The request body has 1 error(s); to: Must be a valid user id"}},
		{name: "rate limit is retryable", out: channels.Outgoing{To: "U1", Text: "hi"},
			push:      answer(429, `{"message":"The API rate limit has been exceeded. Try again later."}`, "Retry-After", "7"),
			wantCalls: []string{"/v2/bot/message/push"},
			wantErr:   &channels.SendError{Status: 429, Reason: "rate limit", Retryable: true, RetryAfter: 7 * time.Second}},
		{name: "monthly limit is permanent", out: channels.Outgoing{To: "U1", Text: "hi"},
			push:      answer(429, `{"message":"You have reached your monthly limit."}`),
			wantCalls: []string{"/v2/bot/message/push"},
			wantErr:   &channels.SendError{Status: 429, Reason: "monthly limit"}},
		{name: "server error is retryable", out: channels.Outgoing{To: "U1", Text: "hi"},
			push:      answer(500, `{"message":"An error occurred in the server"}`),
			wantCalls: []string{"/v2/bot/message/push"},
			wantErr:   &channels.SendError{Status: 500, Reason: "An error occurred in the server", Retryable: true}},
		{name: "reply server error is not pushed", out: channels.Outgoing{To: "U1", Text: "hi", ReplyToken: "rt"},
			reply:     answer(503, ``),
			wantCalls: []string{"/v2/bot/message/reply"},
			wantErr:   &channels.SendError{Status: 503, Reason: "503", Retryable: true}},
		{name: "bad token is permanent", out: channels.Outgoing{To: "U1", Text: "hi"},
			push:      answer(401, `{"message":"Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid."}`),
			wantCalls: []string{"/v2/bot/message/push"},
			wantErr:   &channels.SendError{Status: 401, Reason: "invalid token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeLINE{keys: map[string]bool{}, reply: tt.reply, push: tt.push, t: t}
			srv := httptest.NewServer(f)
			defer srv.Close()
			rec, err := newChannel(t, srv.URL).Send(context.Background(), tt.out)
			if strings.Join(f.calls, ",") != strings.Join(tt.wantCalls, ",") {
				t.Errorf("calls %v, want %v", f.calls, tt.wantCalls)
			}
			if tt.wantErr != nil {
				var se *channels.SendError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want SendError", err)
				}
				if se.Status != tt.wantErr.Status || se.Retryable != tt.wantErr.Retryable || se.RetryAfter != tt.wantErr.RetryAfter || !strings.Contains(se.Reason, tt.wantErr.Reason) {
					t.Fatalf("err = %+v, want %+v", se, tt.wantErr)
				}
				return
			}
			if err != nil || rec.MessageID != tt.wantID {
				t.Fatalf("Send = %+v, %v; want %s", rec, err, tt.wantID)
			}
			if n := len(f.lastBody["messages"].([]any)); n != tt.messages {
				t.Errorf("%d messages, want %d", n, tt.messages)
			}
		})
	}
}

func TestPushRetryIsAcceptedOnce(t *testing.T) {
	f := &fakeLINE{keys: map[string]bool{}, t: t}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newChannel(t, srv.URL)
	out := channels.Outgoing{To: "U1", Text: "one", Key: "ledger-42"}
	for range 2 {
		rec, err := c.Send(context.Background(), out)
		if err != nil || rec.MessageID != "pushed-1" {
			t.Fatalf("Send = %+v, %v", rec, err)
		}
	}
	if len(f.keys) != 1 {
		t.Fatalf("%d distinct retry keys, want 1", len(f.keys))
	}
}

func TestRetryKeyIsAUUID(t *testing.T) {
	k := RetryKey("ledger-1")
	if k != RetryKey("ledger-1") || k == RetryKey("ledger-2") || len(k) != 36 || k[14] != '5' {
		t.Fatalf("RetryKey = %s", k)
	}
	if r := RetryKey(""); len(r) != 36 || r[14] != '4' || r == RetryKey("") {
		t.Fatalf("random RetryKey = %s", r)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"events.json", "verify.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"events":[{"type":"message","message":null}]}`))
	f.Add([]byte(`{"events":[{}]}`))
	c, err := New(Config{ChannelSecret: "s", AccessToken: "t"})
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
				t.Fatalf("message without ID from %q", body)
			}
		}
	})
}
