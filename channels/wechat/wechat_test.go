package wechat

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

const (
	token     = "meridian-token"
	appID     = "wx5823bf96d3bd56c7"
	appSecret = "app-secret-123"
	aesKey    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

var (
	now   = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	stamp = strconv.FormatInt(now.Add(-3*time.Second).Unix(), 10)
)

func newChannel(t testing.TB, base string, key string) *Channel {
	t.Helper()
	c, err := New(Config{Token: token, AppID: appID, AppSecret: appSecret, AESKey: key, APIBase: base, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func signedURL(path string, extra url.Values) string {
	q := url.Values{"timestamp": {stamp}, "nonce": {"1320590617"}, "openid": {"oia2TjjewbmiOUlr6X-1crbLOvLw"}}
	q.Set("signature", Signature(token, stamp, "1320590617"))
	for k, v := range extra {
		q[k] = v
	}
	return path + "?" + q.Encode()
}

func TestNewRequiresItsSettings(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{AppID: appID, AppSecret: appSecret}, "MERIDIAN_WECHAT_TOKEN"},
		{Config{Token: token, AppSecret: appSecret}, "MERIDIAN_WECHAT_APP_ID"},
		{Config{Token: token, AppID: appID}, "MERIDIAN_WECHAT_APP_SECRET"},
		{Config{Token: token, AppID: appID, AppSecret: appSecret, AESKey: "short"}, "MERIDIAN_WECHAT_AES_KEY"},
	} {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New = %v, want an error naming %s", err, tt.want)
		}
	}
}

func TestSignatureIsWeChats(t *testing.T) {
	// sha1("1372623149" + "1409659813" + "token"), the sorted concatenation.
	if got := Signature("token", "1409659813", "1372623149"); got != "74ec3ddbfdaa9e34666e94a046804051e80c7749" {
		t.Fatalf("Signature = %s", got)
	}
	if Signature("a", "b", "c") != Signature("c", "a", "b") {
		t.Fatal("Signature depends on the order of its parts")
	}
}

func TestHandshake(t *testing.T) {
	c := newChannel(t, "", "")
	for _, tt := range []struct {
		name string
		url  string
		code int
		body string
	}{
		{"valid", signedURL("/webhooks/wechat", url.Values{"echostr": {"5837397520665436492"}}), 200, "5837397520665436492"},
		{"wrong signature", "/webhooks/wechat?signature=abc&timestamp=1&nonce=2&echostr=x", 401, ""},
		{"no signature", "/webhooks/wechat?echostr=x", 401, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c.Handshake(w, httptest.NewRequest(http.MethodGet, tt.url, nil))
			if w.Code != tt.code || (tt.code == 200 && w.Body.String() != tt.body) {
				t.Fatalf("%d %q", w.Code, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Fatalf("content type %q", ct)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	c := newChannel(t, "", "")
	body := TextDelivery("gh_1", "o1", "1", "hi", now)
	hourAgo := strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)
	for _, tt := range []struct {
		name, url string
		ok        bool
	}{
		{"valid", signedURL("/webhooks/wechat", nil), true},
		{"missing", "/webhooks/wechat?timestamp=1765072800&nonce=1320590617", false},
		{"other nonce", strings.Replace(signedURL("/webhooks/wechat", nil), "nonce=1320590617", "nonce=1320590618", 1), false},
		{"replayed an hour later", "/webhooks/wechat?timestamp=" + hourAgo + "&nonce=1&signature=" + Signature(token, hourAgo, "1"), false},
		{"no timestamp", "/webhooks/wechat?nonce=1&signature=" + Signature(token, "", "1"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Verify(httptest.NewRequest(http.MethodPost, tt.url, bytes.NewReader(body)), body)
			if tt.ok != (err == nil) || (err != nil && !errors.Is(err, channels.ErrSignature)) {
				t.Fatalf("Verify = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	c := newChannel(t, "", "")
	tests := []struct {
		file, id, kind, text, unknown, media string
		attrs                                map[string]string
	}{
		{file: "text_zh.xml", id: "24364089654561234", kind: "text", text: "你好，我的订单什么时候发货？😊"},
		{file: "text_ja.xml", id: "24364089654561235", kind: "text", text: "返品したいです"},
		{file: "text_ko.xml", id: "24364089654561236", kind: "text", text: "환불 요청합니다"},
		{file: "text_th.xml", id: "24364089654561237", kind: "text", text: "ขอคืนเงินค่ะ"},
		{file: "text_ar.xml", id: "24364089654561238", kind: "text", text: "أريد استرجاع المبلغ"},
		{file: "text_long.xml", id: "24364089654561239", kind: "text", text: strings.Repeat("长", 20000)},
		{file: "text_markup.xml", id: "24364089654561240", kind: "text", text: "a <b> & c]]> d"},
		{file: "image.xml", id: "24364089654561241", kind: "image", media: "wechat-media:media_id_image_1", attrs: map[string]string{"pic_url": "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"}},
		{file: "voice.xml", id: "24364089654561242", kind: "voice", media: "wechat-media:media_id_voice_1", attrs: map[string]string{"format": "amr", "recognition": "我要退款"}},
		{file: "video.xml", id: "24364089654561243", kind: "shortvideo", media: "wechat-media:media_id_video_1", attrs: map[string]string{"thumb_media_id": "thumb_1"}},
		{file: "location.xml", id: "24364089654561244", kind: "location", attrs: map[string]string{"latitude": "23.134521", "longitude": "113.358803", "label": "广州市天河区", "scale": "20"}},
		{file: "link.xml", id: "24364089654561245", kind: "link", attrs: map[string]string{"title": "订单详情", "url": "https://shop.example/orders/8812"}},
		{file: "event_subscribe.xml", id: "event:oia2TjjewbmiOUlr6X-1crbLOvLw:1765072820:subscribe:qrscene_123123", kind: "event:subscribe", attrs: map[string]string{"event_key": "qrscene_123123", "ticket": "TICKET"}},
		{file: "event_click.xml", id: "event:oia2TjjewbmiOUlr6X-1crbLOvLw:1765072821:CLICK:ORDER_STATUS", kind: "event:CLICK", attrs: map[string]string{"event_key": "ORDER_STATUS"}},
		{file: "event_view.xml", kind: "event:VIEW", attrs: map[string]string{"event_key": "https://shop.example/", "menu_id": "1001"}},
		{file: "event_location.xml", kind: "event:LOCATION", attrs: map[string]string{"latitude": "23.137466", "longitude": "113.352425", "precision": "119.385040"}},
		{file: "event_unsubscribe.xml", kind: "event:unsubscribe"},
		{file: "event_unknown.xml", kind: "event:TEMPLATESENDJOBFINISH", unknown: "TEMPLATESENDJOBFINISH"},
		{file: "type_unknown.xml", id: "24364089654561246", kind: "miniprogrampage", unknown: "miniprogrampage"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d, err := c.Parse(nil, fixture(t, tt.file))
			if err != nil || len(d.Messages) != 1 {
				t.Fatalf("Parse = %+v, %v", d, err)
			}
			m := d.Messages[0]
			if (tt.id != "" && m.ID != tt.id) || m.ID == "" || m.Kind != tt.kind || m.Text != tt.text {
				t.Errorf("id %q kind %q text %.30q", m.ID, m.Kind, m.Text)
			}
			if m.Account != "gh_7f083739789a" || m.From.ID != "oia2TjjewbmiOUlr6X-1crbLOvLw" || m.Timestamp.Year() != 2025 {
				t.Errorf("account %q from %q at %v", m.Account, m.From.ID, m.Timestamp)
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
			w := httptest.NewRecorder()
			d.Respond(w)
			if w.Body.String() != "success" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
				t.Errorf("answer %q %q", w.Body.String(), w.Header().Get("Content-Type"))
			}
		})
	}
}

func TestParseNotWeChat(t *testing.T) {
	c := newChannel(t, "", "")
	for _, body := range []string{``, `{"events":[]}`, `<note><to>x</to></note>`, `<xml><MsgType>text</MsgType></xml>`,
		`<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>`,
		`<xml><ToUserName>a</ToUserName><Encrypt>abc</Encrypt></xml>`} {
		if _, err := c.Parse(nil, []byte(body)); !errors.Is(err, channels.ErrFormat) {
			t.Errorf("Parse(%q) = %v, want ErrFormat", body, err)
		}
	}
}

func TestSafeModeWithoutKeyExplains(t *testing.T) {
	body := sealed(t, appID, TextDelivery("gh_1", "o1", "1", "hi", now))
	_, err := newChannel(t, "", "").Parse(nil, body)
	if !errors.Is(err, channels.ErrFormat) || !strings.Contains(err.Error(), "MERIDIAN_WECHAT_AES_KEY") {
		t.Fatalf("Parse = %v", err)
	}
}

func TestCompatibilityModeWithoutKeyReadsThePlainCopy(t *testing.T) {
	body := fixture(t, "text_zh.xml")
	body = bytes.Replace(body, []byte("</xml>"), []byte("<Encrypt><![CDATA[c2VjcmV0]]></Encrypt></xml>"), 1)
	d, err := newChannel(t, "", "").Parse(nil, body)
	if err != nil || d.Messages[0].Text != "你好，我的订单什么时候发货？😊" {
		t.Fatalf("Parse = %+v, %v", d, err)
	}
}

// sealed wraps msg as WeChat's safe mode does.
func sealed(t testing.TB, forApp string, msg []byte) []byte {
	key, _ := base64.StdEncoding.DecodeString(aesKey + "=")
	plain := append([]byte("0123456789abcdef"), binary.BigEndian.AppendUint32(nil, uint32(len(msg)))...)
	plain = append(append(plain, msg...), forApp...)
	pad := 32 - len(plain)%32
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(ct, plain)
	return []byte(fmt.Sprintf("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", base64.StdEncoding.EncodeToString(ct)))
}

func encryptOf(body []byte) string {
	s, _ := encrypted(body)
	return s
}

func TestSafeMode(t *testing.T) {
	c := newChannel(t, "", aesKey)
	inner := TextDelivery("gh_1", "o1", "777", "加密的消息 🔒", now)
	body := sealed(t, appID, inner)
	msgSig := Signature(token, stamp, "1320590617", encryptOf(body))
	r := httptest.NewRequest(http.MethodPost, signedURL("/webhooks/wechat", url.Values{"encrypt_type": {"aes"}, "msg_signature": {msgSig}}), bytes.NewReader(body))
	if err := c.Verify(r, body); err != nil {
		t.Fatal(err)
	}
	d, err := c.Parse(r, body)
	if err != nil {
		t.Fatal(err)
	}
	if m := d.Messages[0]; m.ID != "777" || m.Text != "加密的消息 🔒" || m.Account != "gh_1" {
		t.Fatalf("%+v", m)
	}

	bad := httptest.NewRequest(http.MethodPost, signedURL("/webhooks/wechat", url.Values{"encrypt_type": {"aes"}, "msg_signature": {"00" + msgSig[2:]}}), nil)
	if err := c.Verify(bad, body); !errors.Is(err, channels.ErrSignature) {
		t.Fatalf("Verify with a wrong msg_signature = %v", err)
	}
	if _, err := c.Parse(r, sealed(t, "wxother", inner)); !errors.Is(err, channels.ErrFormat) {
		t.Fatalf("Parse of another app's message = %v", err)
	}
}

// fakeWeChat implements /cgi-bin/token and /cgi-bin/message/custom/send as documented.
type fakeWeChat struct {
	mu      sync.Mutex
	tokens  int
	valid   string
	sends   int
	answers []string // custom/send answers in order; then success
}

func (f *fakeWeChat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	q := r.URL.Query()
	switch r.URL.Path {
	case "/cgi-bin/token":
		if r.Method != http.MethodGet || q.Get("grant_type") != "client_credential" || q.Get("appid") != appID {
			io.WriteString(w, `{"errcode":40013,"errmsg":"invalid appid"}`)
			return
		}
		if q.Get("secret") != appSecret {
			io.WriteString(w, `{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}`)
			return
		}
		f.tokens++
		f.valid = fmt.Sprintf("ACCESS_TOKEN_%d", f.tokens)
		fmt.Fprintf(w, `{"access_token":%q,"expires_in":7200}`, f.valid)
	case "/cgi-bin/message/custom/send":
		if r.Method != http.MethodPost || q.Get("access_token") != f.valid {
			io.WriteString(w, `{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}`)
			return
		}
		var req struct {
			ToUser  string `json:"touser"`
			MsgType string `json:"msgtype"`
			Text    struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ToUser == "" || req.MsgType != "text" || req.Text.Content == "" {
			io.WriteString(w, `{"errcode":44002,"errmsg":"empty post data"}`)
			return
		}
		f.sends++
		if len(f.answers) > 0 {
			a := f.answers[0]
			f.answers = f.answers[1:]
			if strings.HasPrefix(a, "HTTP ") {
				w.WriteHeader(502)
				return
			}
			io.WriteString(w, a)
			return
		}
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name    string
		answers []string
		text    string
		sends   int
		tokens  int
		wantErr *channels.SendError
	}{
		{name: "sent", text: "您好，已为您查询 📦", sends: 1, tokens: 1},
		{name: "markup kept", text: "<b>&</b>", sends: 1, tokens: 1},
		{name: "expired token fetched again once", answers: []string{`{"errcode":42001,"errmsg":"access_token expired"}`}, text: "hi", sends: 2, tokens: 2},
		{name: "stale twice", answers: []string{`{"errcode":40001,"errmsg":"invalid credential"}`, `{"errcode":40014,"errmsg":"invalid access_token"}`}, text: "hi", sends: 2, tokens: 2,
			wantErr: &channels.SendError{Code: "40014", Reason: "invalid access_token", Retryable: true}},
		{name: "outside 48 hours", answers: []string{`{"errcode":45015,"errmsg":"response out of time limit or subscription is canceled"}`}, text: "hi", sends: 1, tokens: 1,
			wantErr: &channels.SendError{Code: "45015", Reason: "response out of time limit"}},
		{name: "too many without answer", answers: []string{`{"errcode":45047,"errmsg":"out of response count limit"}`}, text: "hi", sends: 1, tokens: 1,
			wantErr: &channels.SendError{Code: "45047", Reason: "out of response count limit"}},
		{name: "system busy", answers: []string{`{"errcode":-1,"errmsg":"system error"}`}, text: "hi", sends: 1, tokens: 1,
			wantErr: &channels.SendError{Code: "-1", Reason: "system error", Retryable: true}},
		{name: "gateway", answers: []string{"HTTP 502"}, text: "hi", sends: 1, tokens: 1,
			wantErr: &channels.SendError{Reason: "502", Retryable: true}},
		{name: "empty", text: " ", wantErr: &channels.SendError{Reason: "empty text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeWeChat{answers: tt.answers}
			srv := httptest.NewServer(f)
			defer srv.Close()
			_, err := newChannel(t, srv.URL, "").Send(context.Background(), channels.Outgoing{To: "oia2TjjewbmiOUlr6X-1crbLOvLw", Text: tt.text})
			if f.sends != tt.sends || f.tokens != tt.tokens {
				t.Errorf("%d sends, %d token fetches; want %d, %d", f.sends, f.tokens, tt.sends, tt.tokens)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var se *channels.SendError
			if !errors.As(err, &se) || se.Code != tt.wantErr.Code || se.Retryable != tt.wantErr.Retryable || !strings.Contains(se.Reason, tt.wantErr.Reason) {
				t.Fatalf("err = %+v, want %+v", err, tt.wantErr)
			}
		})
	}
}

func TestAccessTokenIsCachedUntilShortlyBeforeExpiry(t *testing.T) {
	f := &fakeWeChat{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	clock := now
	c, _ := New(Config{Token: token, AppID: appID, AppSecret: appSecret, APIBase: srv.URL, Now: func() time.Time { return clock }})
	send := func() {
		t.Helper()
		if _, err := c.Send(context.Background(), channels.Outgoing{To: "o1", Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	send()
	clock = clock.Add(time.Hour)
	send()
	if f.tokens != 1 {
		t.Fatalf("%d token fetches within the token's life, want 1", f.tokens)
	}
	clock = clock.Add(56 * time.Minute) // 5 minutes before its 2-hour expiry
	send()
	if f.tokens != 2 {
		t.Fatalf("%d token fetches, want a new one near expiry", f.tokens)
	}
}

func TestTokenRefusedIsPermanentAndSecretStaysOut(t *testing.T) {
	srv := httptest.NewServer(&fakeWeChat{})
	defer srv.Close()
	c, _ := New(Config{Token: token, AppID: "wxwrong", AppSecret: appSecret, APIBase: srv.URL})
	_, err := c.Send(context.Background(), channels.Outgoing{To: "o1", Text: "hi"})
	var se *channels.SendError
	if !errors.As(err, &se) || se.Retryable || se.Code != "40013" {
		t.Fatalf("err = %+v", err)
	}
	srv.Close()
	_, err = newChannel(t, srv.URL, "").Send(context.Background(), channels.Outgoing{To: "o1", Text: "hi"})
	if err == nil || strings.Contains(err.Error(), appSecret) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(sealed(f, appID, TextDelivery("gh_1", "o1", "1", "hi", now)))
	c := newChannel(f, "", aesKey)
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
