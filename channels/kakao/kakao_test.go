package kakao

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

const secret = "kakao-skill-secret"

var now = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

func newChannel(t testing.TB, hosts ...string) *Channel {
	t.Helper()
	c, err := New(Config{Secret: secret, CallbackHosts: hosts, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewRequiresTheSecret(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "MERIDIAN_KAKAO_SECRET") {
		t.Fatalf("New = %v", err)
	}
}

func TestVerify(t *testing.T) {
	c := newChannel(t)
	for _, tt := range []struct {
		name, header, query string
		ok                  bool
	}{
		{"header", secret, "", true},
		{"query", "", "?secret=" + secret, true},
		{"missing", "", "", false},
		{"wrong header", "kakao-skill-secreT", "", false},
		{"wrong query", "", "?secret=x", false},
		{"wrong header beats a right query", "x", "?secret=" + secret, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/webhooks/kakaotalk"+tt.query, nil)
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
	c := newChannel(t)
	tests := []struct {
		file, kind, text, reply string
		attrs                   map[string]string
	}{
		{file: "text_ko.json", kind: "utterance", text: "주문한 상품이 아직 도착하지 않았어요 😢", reply: "https://bot-api.kakao.com/v1/bots/5f3c0ffee0a1b2c3d4e5f600/callback/AbC123",
			attrs: map[string]string{"plusfriend_user_key": "Kx9aB3cD", "app_user_id": "1234567890", "user_type": "botUserKey", "block_name": "배송 문의", "timezone": "Asia/Seoul", "surface": "Kakaotalk.plusfriend", "is_friend": "true"}},
		{file: "text_sync.json", kind: "utterance", text: "배송 조회"},
		{file: "block.json", kind: "block", attrs: map[string]string{"param_order_id": "8812", "param_sys_date": `{"value":"2026-12-08"}`, "block_id": "5f3c0ffee0a1b2c3d4e5f602", "action_name": "meridian_skill"}},
		{file: "text_ja.json", kind: "utterance", text: "注文をキャンセルしたいです"},
		{file: "text_th.json", kind: "utterance", text: "ขอยกเลิกคำสั่งซื้อ"},
		{file: "text_ar.json", kind: "utterance", text: "أريد إلغاء الطلب"},
		{file: "text_zh.json", kind: "utterance", text: "我要取消订单"},
		{file: "text_long.json", kind: "utterance", text: strings.Repeat("가", 10000)},
	}
	ids := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := fixture(t, tt.file)
			d, err := c.Parse(nil, body)
			if err != nil || len(d.Messages) != 1 {
				t.Fatalf("Parse = %+v, %v", d, err)
			}
			m := d.Messages[0]
			if m.Kind != tt.kind || m.Text != tt.text || m.ReplyToken != tt.reply || m.Account != "5f3c0ffee0a1b2c3d4e5f600" || m.Unknown != "" {
				t.Errorf("kind %q text %.30q reply %q account %q unknown %q", m.Kind, m.Text, m.ReplyToken, m.Account, m.Unknown)
			}
			if !strings.HasPrefix(m.From.ID, "b5b3a1c2") || m.From.Locale != "ko" || !m.Timestamp.Equal(now) {
				t.Errorf("from %+v at %v", m.From, m.Timestamp)
			}
			for k, v := range tt.attrs {
				if m.Attributes[k] != v {
					t.Errorf("attribute %s = %q, want %q", k, m.Attributes[k], v)
				}
			}
			again, _ := c.Parse(nil, body)
			if again.Messages[0].ID != m.ID {
				t.Error("the same body gave another id")
			}
			if ids[m.ID] {
				t.Error("two requests share an id")
			}
			ids[m.ID] = true
		})
	}
}

func TestRespond(t *testing.T) {
	c, _ := New(Config{Secret: secret, Ack: "잠시만 기다려 주세요"})
	for _, tt := range []struct {
		file, want string
	}{
		{"text_ko.json", `{"data":{"text":"잠시만 기다려 주세요"},"useCallback":true,"version":"2.0"}`},
		{"text_sync.json", `{"template":{"outputs":[{"simpleText":{"text":"잠시만 기다려 주세요"}}]},"version":"2.0"}`},
	} {
		d, err := c.Parse(nil, fixture(t, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		d.Respond(w)
		var got any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(got)
		if w.Code != 200 || string(b) != tt.want || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %s", tt.file, w.Code, b)
		}
	}
}

func TestParseNotASkillRequest(t *testing.T) {
	c := newChannel(t)
	for _, body := range []string{``, `[]`, `{}`, `{"userRequest":{"utterance":"hi"}}`, `{"userRequest":{"user":{"id":"u"}}}`, `{"update_id":1,"message":{}}`, `{"userRequest":"x"}`} {
		if _, err := c.Parse(nil, []byte(body)); !errors.Is(err, channels.ErrFormat) {
			t.Errorf("Parse(%q) = %v, want ErrFormat", body, err)
		}
	}
}

func TestTextDeliveryRoundTrips(t *testing.T) {
	d, err := newChannel(t).Parse(nil, TextDelivery("bot1", "user1", "안녕하세요", "https://bot-api.kakao.com/cb/1"))
	if err != nil {
		t.Fatal(err)
	}
	if m := d.Messages[0]; m.Account != "bot1" || m.From.ID != "user1" || m.Text != "안녕하세요" || m.ReplyToken != "https://bot-api.kakao.com/cb/1" {
		t.Fatalf("%+v", m)
	}
}

// fakeCallback implements Open Builder's callback endpoint: one skill response per URL.
func fakeCallback(t *testing.T, fail func(w http.ResponseWriter) bool) (*httptest.Server, *[]map[string]any) {
	var got []map[string]any
	used := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var body map[string]any
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil || body["version"] != "2.0" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"status":"FAIL","message":"invalid skill response"}`)
			return
		}
		got = append(got, body)
		if fail != nil && fail(w) {
			return
		}
		if used[r.URL.Path] {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"taskId":"t-1","status":"FAIL","message":"callback url already used"}`)
			return
		}
		used[r.URL.Path] = true
		io.WriteString(w, `{"taskId":"e1b6a9f2-task","status":"SUCCESS","message":"","timestamp":1765072800000}`)
	}))
	return srv, &got
}

func TestSend(t *testing.T) {
	tests := []struct {
		name     string
		out      func(base string) channels.Outgoing
		fail     func(http.ResponseWriter) bool
		outputs  int
		wantErr  *channels.SendError
		wantPost bool
	}{
		{name: "answered", out: func(b string) channels.Outgoing {
			return channels.Outgoing{To: "u", Text: "배송은 내일 도착 예정입니다 🚚", ReplyToken: b + "/cb/1", LastInbound: now.Add(-20 * time.Second)}
		}, outputs: 1, wantPost: true},
		{name: "long text in three outputs", out: func(b string) channels.Outgoing {
			return channels.Outgoing{To: "u", Text: strings.Repeat("가", 2500), ReplyToken: b + "/cb/2"}
		}, outputs: 3, wantPost: true},
		{name: "too long", out: func(b string) channels.Outgoing {
			return channels.Outgoing{To: "u", Text: strings.Repeat("가", 3001), ReplyToken: b + "/cb/3"}
		}, wantErr: &channels.SendError{Reason: "longer than"}},
		{name: "no callback", out: func(string) channels.Outgoing { return channels.Outgoing{To: "u", Text: "hi"} },
			wantErr: &channels.SendError{Reason: "only through a skill request's callback"}},
		{name: "expired", out: func(b string) channels.Outgoing {
			return channels.Outgoing{To: "u", Text: "hi", ReplyToken: b + "/cb/4", LastInbound: now.Add(-2 * time.Minute)}
		}, wantErr: &channels.SendError{Reason: "expired"}},
		{name: "foreign host", out: func(string) channels.Outgoing {
			return channels.Outgoing{To: "u", Text: "hi", ReplyToken: "https://evil.example/steal"}
		}, wantErr: &channels.SendError{Reason: "not one of"}},
		{name: "used callback", out: func(b string) channels.Outgoing {
			return channels.Outgoing{To: "u", Text: "hi", ReplyToken: b + "/cb/5"}
		},
			fail: func(w http.ResponseWriter) bool {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"taskId":"t-1","status":"FAIL","message":"callback url already used"}`)
				return true
			}, wantPost: true, wantErr: &channels.SendError{Status: 400, Code: "FAIL", Reason: "callback url already used"}},
		{name: "kakao down", out: func(b string) channels.Outgoing {
			return channels.Outgoing{To: "u", Text: "hi", ReplyToken: b + "/cb/6"}
		},
			fail: func(w http.ResponseWriter) bool {
				w.Header().Set("Retry-After", "2")
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}, wantPost: true, wantErr: &channels.SendError{Status: 503, Reason: "503", Retryable: true, RetryAfter: 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := fakeCallback(t, tt.fail)
			defer srv.Close()
			c := newChannel(t, "kakao.com", "127.0.0.1")
			rec, err := c.Send(context.Background(), tt.out(srv.URL))
			if tt.wantPost != (len(*got) == 1) {
				t.Errorf("%d callbacks posted", len(*got))
			}
			if tt.wantErr != nil {
				var se *channels.SendError
				if !errors.As(err, &se) || se.Status != tt.wantErr.Status || se.Code != tt.wantErr.Code || se.Retryable != tt.wantErr.Retryable || se.RetryAfter != tt.wantErr.RetryAfter || !strings.Contains(se.Reason, tt.wantErr.Reason) {
					t.Fatalf("err = %+v, want %+v", err, tt.wantErr)
				}
				return
			}
			if err != nil || rec.MessageID != "e1b6a9f2-task" {
				t.Fatalf("Send = %+v, %v", rec, err)
			}
			outputs := (*got)[0]["template"].(map[string]any)["outputs"].([]any)
			if len(outputs) != tt.outputs {
				t.Fatalf("%d outputs, want %d", len(outputs), tt.outputs)
			}
		})
	}
}

func TestCallbackHosts(t *testing.T) {
	c := newChannel(t)
	for raw, ok := range map[string]bool{
		"https://bot-api.kakao.com/v1/cb/1": true,
		"https://kakao.com/cb":              true,
		"http://bot-api.kakao.com/cb":       false,
		"https://kakao.com.evil.example/cb": false,
		"https://evilkakao.com/cb":          false,
		"http://127.0.0.1:1/cb":             false, // loopback is allowed plain, but not a configured host
		"not a url":                         false,
	} {
		if err := c.allowed(raw); ok != (err == nil) {
			t.Errorf("allowed(%q) = %v, want ok=%v", raw, err, ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"userRequest":{"user":{"id":"u"}},"bot":{"id":"b"}}`))
	c := newChannel(f)
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
		d.Respond(httptest.NewRecorder())
	})
}

func TestVerifyTakesTheSecretAsABearerToken(t *testing.T) {
	c := newChannel(t)
	r := httptest.NewRequest(http.MethodPost, "/webhooks/kakaotalk", nil)
	r.Header.Set("Authorization", "Bearer "+secret)
	if err := c.Verify(r, nil); err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer nope")
	if err := c.Verify(r, nil); !errors.Is(err, channels.ErrSignature) {
		t.Fatalf("a wrong bearer token: %v", err)
	}
}
