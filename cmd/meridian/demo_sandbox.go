package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/meridian-cs/meridian/channels/kakao"
)

// The demo's platform sandbox stands in for the send APIs of the platforms whose channels
// `meridian demo` turned on: the demo's customers exist only in the demo, so their phones are
// this server. It answers the endpoints Meridian's senders call (WhatsApp Cloud API, Messenger
// and Instagram Send API, LINE reply and push, Telegram sendMessage, WeChat access token and
// customer-service message, Kakao skill callbacks) as the platforms document them, checks the
// credentials the demo generated, and takes the demo's e-mail replies on a local SMTP sink.
// serve never starts it: only runDemo does, for channels whose send settings the user left
// unset.

// demoSend are a platform's settings for sending: its credentials and its API base.
var demoSend = map[string]struct {
	creds []string
	base  string
}{
	"whatsapp":  {[]string{"whatsapp-access-token"}, "whatsapp-api-base"},
	"messenger": {[]string{"messenger-page-token"}, "messenger-api-base"},
	"instagram": {[]string{"instagram-access-token"}, "instagram-api-base"},
	"line":      {[]string{"line-access-token"}, "line-api-base"},
	"telegram":  {[]string{"telegram-bot-token"}, "telegram-api-base"},
	"wechat":    {[]string{"wechat-app-id", "wechat-app-secret"}, "wechat-api-base"},
	"kakaotalk": {}, // replies go to the callback URL of the customer's skill request
}

// demoKakaoCallbacks is the config entry (no setting: only the demo sets it) holding the
// sandbox's URL for Kakao skill callbacks; the demo's skill requests name callbacks there, and
// the KakaoTalk channel accepts callbacks on its host.
const demoKakaoCallbacks = "demo-kakao-callbacks"

// demoKakaoCallbackHosts are the callback hosts the KakaoTalk channel accepts: the sandbox's,
// in the demo; nil (Kakao's own) otherwise.
func demoKakaoCallbackHosts(cfg config) []string {
	p, ok := cfg[demoKakaoCallbacks]
	if !ok || *p == "" {
		return nil
	}
	u, err := url.Parse(*p)
	if err != nil {
		return nil
	}
	return []string{u.Hostname()}
}

// demoSandboxable returns, before enableDemoChannels, the channels the demo will turn on
// and can send through the sandbox: a platform whose secret, send credentials and API base
// the user left unset, and "email" when no e-mail is configured at all. A channel the user
// gave any of these is theirs.
func demoSandboxable(cfg config) []string {
	var out []string
	for _, pl := range webhookPlatforms {
		send, ok := demoSend[pl.name]
		if !ok || cfg.str(pl.secret) != "" {
			continue
		}
		mine := send.base != "" && cfg.str(send.base) != defaultOf(send.base)
		for _, name := range send.creds {
			mine = mine || cfg.str(name) != ""
		}
		if !mine {
			out = append(out, pl.name)
		}
	}
	if cfg.str("smtp-listen") == "" && cfg.str("smtp-relay") == "" && cfg.str("imap-addr") == "" {
		out = append(out, "email")
	}
	return out
}

// defaultOf is a setting's default value.
func defaultOf(flag string) string {
	for _, s := range settings {
		if s.flag == flag {
			return s.def
		}
	}
	return ""
}

// demoSandbox is the running sandbox.
type demoSandbox struct {
	url      string // http://127.0.0.1:port
	mailAddr string // the SMTP sink's host:port, when e-mail is sandboxed
	srv      *http.Server
	mail     *smtp.Server
	log      *slog.Logger

	// The credentials each platform's requests must carry.
	tokens                 map[string]string // channel → bearer (Telegram: bot) token
	wechatID, wechatSecret string

	mu       sync.Mutex
	wechat   map[string]bool         // WeChat access tokens issued
	callback map[string]time.Time    // Kakao callbacks answered (each is good once)
	retry    map[string]demoLinePush // LINE pushes by X-Line-Retry-Key
	chats    map[int64]int64         // Telegram: the last message id per chat
	stop     chan struct{}
	stats    map[string]*demoSandboxStats
}

// demoSandboxStats counts what one channel's customers received.
type demoSandboxStats struct {
	Sent    int // messages accepted
	Refused int // requests refused: wrong credentials or not the platform's request
}

// startDemoSandbox starts the sandbox on free loopback ports for chans (demoSandboxable's)
// and points their send settings at it with credentials of its own; close stops it.
func startDemoSandbox(cfg config, chans []string, log *slog.Logger) (*demoSandbox, error) {
	s := &demoSandbox{log: log, tokens: map[string]string{}, wechat: map[string]bool{}, callback: map[string]time.Time{},
		retry: map[string]demoLinePush{}, chats: map[int64]int64{}, stats: map[string]*demoSandboxStats{}, stop: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo sandbox: %w", err)
	}
	s.url = "http://" + ln.Addr().String()
	for _, ch := range chans {
		s.stats[ch] = &demoSandboxStats{}
		send := demoSend[ch]
		switch ch {
		case "email":
			continue
		case "kakaotalk":
			v := s.url + "/kakaotalk"
			cfg[demoKakaoCallbacks] = &v
			continue
		}
		// enableDemoChannels generated the credentials a channel needs to start; the others
		// are generated here, as the platforms shape them.
		for _, name := range send.creds {
			if cfg.str(name) != "" {
				continue
			}
			v, err := randomHex(24)
			if err != nil {
				ln.Close()
				return nil, err
			}
			switch ch {
			case "whatsapp", "messenger":
				v = "EAAG" + v
			case "instagram":
				v = "IGAA" + v
			}
			*cfg[name] = v
		}
		base := s.url + "/" + ch
		*cfg[send.base] = base
		switch ch {
		case "wechat":
			s.wechatID, s.wechatSecret = cfg.str("wechat-app-id"), cfg.str("wechat-app-secret")
		default:
			s.tokens[ch] = cfg.str(send.creds[0])
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /whatsapp/{version}/{phone}/messages", s.whatsapp)
	mux.HandleFunc("POST /messenger/{version}/me/messages", func(w http.ResponseWriter, r *http.Request) { s.meta(w, r, "messenger") })
	mux.HandleFunc("POST /instagram/{version}/me/messages", func(w http.ResponseWriter, r *http.Request) { s.meta(w, r, "instagram") })
	mux.HandleFunc("POST /line/v2/bot/message/{kind}", s.line)
	mux.HandleFunc("POST /telegram/{call...}", s.telegram)
	mux.HandleFunc("GET /wechat/cgi-bin/token", s.wechatToken)
	mux.HandleFunc("POST /wechat/cgi-bin/message/custom/send", s.wechatSend)
	mux.HandleFunc("POST /kakaotalk/v1/callback/{id}", s.kakao)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()

	if slices.Contains(chans, "email") {
		mln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.srv.Close()
			return nil, fmt.Errorf("demo sandbox: %w", err)
		}
		s.mailAddr = mln.Addr().String()
		s.mail = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &demoMailbox{s: s}, nil }))
		s.mail.Domain = "mx.shop.example"
		s.mail.ReadTimeout, s.mail.WriteTimeout = time.Minute, time.Minute
		go func() { _ = s.mail.Serve(mln) }()
		*cfg["smtp-relay"] = s.mailAddr
		*cfg["smtp-tls"] = "none" // a loopback relay
		if cfg.str("smtp-from") == "" {
			*cfg["smtp-from"] = "Shop support <support@shop.example>"
		}
	}
	go func() {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				s.logStats(slog.LevelDebug)
			}
		}
	}()
	return s, nil
}

func (s *demoSandbox) close() {
	close(s.stop)
	_ = s.srv.Close()
	if s.mail != nil {
		_ = s.mail.Close()
	}
}

// count records one request of a channel.
func (s *demoSandbox) count(ch string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats[ch]
	if st == nil {
		st = &demoSandboxStats{}
		s.stats[ch] = st
	}
	if ok {
		st.Sent++
	} else {
		st.Refused++
	}
}

// received returns what each channel's customers received so far.
func (s *demoSandbox) received() map[string]demoSandboxStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]demoSandboxStats, len(s.stats))
	for ch, st := range s.stats {
		out[ch] = *st
	}
	return out
}

// logStats logs what each channel's customers received, as "demo sandbox" with a group per
// channel (sent, refused).
func (s *demoSandbox) logStats(level slog.Level) {
	stats := s.received()
	attrs := []any{"url", s.url}
	for _, ch := range slices.Sorted(maps.Keys(stats)) {
		attrs = append(attrs, slog.Group(ch, "sent", stats[ch].Sent, "refused", stats[ch].Refused))
	}
	s.log.Log(context.Background(), level, "demo sandbox", attrs...)
}

// bearer reports whether r carries the channel's token.
func (s *demoSandbox) bearer(r *http.Request, ch string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && tok != "" && tok == s.tokens[ch]
}

func sandboxAnswer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// sandboxRead reads a JSON request body into v.
func sandboxRead(r *http.Request, v any) error {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v)
}

func sandboxID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sandboxDigits is n decimal digits, the first not 0.
func sandboxDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

// sandboxGraphError answers as the Graph API refuses: {"error": {...}}.
func sandboxGraphError(w http.ResponseWriter, status, code int, typ, msg string) {
	sandboxAnswer(w, status, map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "code": code, "fbtrace_id": "A" + sandboxID(11),
	}})
}

// graphAuth refuses a request without the channel's token with Graph API error 190.
func (s *demoSandbox) graphAuth(w http.ResponseWriter, r *http.Request, ch string) bool {
	if s.bearer(r, ch) {
		return true
	}
	s.count(ch, false)
	sandboxGraphError(w, http.StatusUnauthorized, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token")
	return false
}

// whatsapp is the Cloud API's POST /{version}/{phone-number-id}/messages.
func (s *demoSandbox) whatsapp(w http.ResponseWriter, r *http.Request) {
	if !s.graphAuth(w, r, "whatsapp") {
		return
	}
	var m struct {
		Product string                 `json:"messaging_product"`
		To      string                 `json:"to"`
		Type    string                 `json:"type"`
		Text    *struct{ Body string } `json:"text"`
	}
	if err := sandboxRead(r, &m); err != nil || m.Product != "whatsapp" || m.To == "" || m.Type == "" || (m.Type == "text" && (m.Text == nil || m.Text.Body == "")) {
		s.count("whatsapp", false)
		sandboxGraphError(w, http.StatusBadRequest, 100, "OAuthException", "(#100) Invalid parameter")
		return
	}
	s.count("whatsapp", true)
	sandboxAnswer(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []any{map[string]string{"input": m.To, "wa_id": m.To}},
		"messages":          []any{map[string]string{"id": "wamid.HBgM" + strings.ToUpper(sandboxID(24))}},
	})
}

// meta is the Messenger and Instagram Send API's POST /{version}/me/messages.
func (s *demoSandbox) meta(w http.ResponseWriter, r *http.Request, ch string) {
	if !s.graphAuth(w, r, ch) {
		return
	}
	var m struct {
		Recipient struct {
			ID string `json:"id"`
		} `json:"recipient"`
		Type    string `json:"messaging_type"`
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if err := sandboxRead(r, &m); err != nil || m.Recipient.ID == "" || m.Type == "" || m.Message.Text == "" {
		s.count(ch, false)
		sandboxGraphError(w, http.StatusBadRequest, 100, "OAuthException", "(#100) Invalid parameter")
		return
	}
	id := "m_" + sandboxID(32)
	if ch == "instagram" {
		id = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj" + sandboxID(20)
	}
	s.count(ch, true)
	sandboxAnswer(w, http.StatusOK, map[string]string{"recipient_id": m.Recipient.ID, "message_id": id})
}

// line is the Messaging API's POST /v2/bot/message/reply and /v2/bot/message/push.
func (s *demoSandbox) line(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if kind != "reply" && kind != "push" {
		http.NotFound(w, r)
		return
	}
	if !s.bearer(r, "line") {
		s.count("line", false)
		sandboxAnswer(w, http.StatusUnauthorized, map[string]string{"message": "Authentication failed. Confirm that the access token in the authorization header is valid."})
		return
	}
	var m struct {
		ReplyToken string `json:"replyToken"`
		To         string `json:"to"`
		Messages   []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"messages"`
	}
	err := sandboxRead(r, &m)
	if err == nil && (kind == "reply" && m.ReplyToken == "" || kind == "push" && m.To == "") {
		err = errors.New("no recipient")
	}
	if err != nil || len(m.Messages) == 0 || len(m.Messages) > 5 {
		s.count("line", false)
		sandboxAnswer(w, http.StatusBadRequest, map[string]string{"message": "The request body has 1 error(s)"})
		return
	}
	p := demoLinePush{request: sandboxID(16), at: time.Now(), sent: make([]any, len(m.Messages))}
	for i := range p.sent {
		p.sent[i] = map[string]string{"id": sandboxDigits(18), "quoteToken": sandboxID(32)}
	}
	// A push whose retry key was accepted is not sent again: 409 with the first answer.
	if key := r.Header.Get("X-Line-Retry-Key"); kind == "push" && key != "" {
		s.mu.Lock()
		first, repeated := s.retry[key]
		if !repeated {
			s.retry[key] = p
			if len(s.retry) > 4096 { // LINE remembers a key for 24 hours
				for k, v := range s.retry {
					if time.Since(v.at) > 24*time.Hour {
						delete(s.retry, k)
					}
				}
			}
		}
		s.mu.Unlock()
		if repeated {
			w.Header().Set("X-Line-Accepted-Request-Id", first.request)
			sandboxAnswer(w, http.StatusConflict, map[string]any{"message": "The retry key is already accepted", "sentMessages": first.sent})
			return
		}
	}
	s.count("line", true)
	w.Header().Set("X-Line-Request-Id", p.request)
	sandboxAnswer(w, http.StatusOK, map[string]any{"sentMessages": p.sent})
}

// demoLinePush is an accepted push, answered again to a retry with its key.
type demoLinePush struct {
	request string
	at      time.Time
	sent    []any
}

// telegram is the Bot API's POST /bot<token>/sendMessage.
func (s *demoSandbox) telegram(w http.ResponseWriter, r *http.Request) {
	tok, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/telegram/bot"), "/")
	if !strings.HasPrefix(r.URL.Path, "/telegram/bot") || !ok || method != "sendMessage" {
		s.count("telegram", false)
		sandboxAnswer(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	if tok == "" || tok != s.tokens["telegram"] {
		s.count("telegram", false)
		sandboxAnswer(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	var m struct {
		ChatID json.Number `json:"chat_id"`
		Text   string      `json:"text"`
	}
	chat, err := int64(0), sandboxRead(r, &m)
	if err == nil {
		chat, err = m.ChatID.Int64()
	}
	if err != nil || m.Text == "" {
		s.count("telegram", false)
		sandboxAnswer(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: message text is empty"})
		return
	}
	s.mu.Lock()
	s.chats[chat]++
	msg := s.chats[chat]
	s.mu.Unlock()
	bot, _, _ := strings.Cut(tok, ":")
	botID, _ := strconv.ParseInt(bot, 10, 64)
	s.count("telegram", true)
	sandboxAnswer(w, http.StatusOK, map[string]any{"ok": true, "result": map[string]any{
		"message_id": msg, "from": map[string]any{"id": botID, "is_bot": true, "first_name": "Shop support", "username": "shop_support_bot"},
		"chat": map[string]any{"id": chat, "type": "private"}, "date": time.Now().Unix(), "text": m.Text,
	}})
}

// wechatToken is GET /cgi-bin/token?grant_type=client_credential&appid=&secret=.
func (s *demoSandbox) wechatToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("grant_type") != "client_credential":
		s.count("wechat", false)
		sandboxAnswer(w, http.StatusOK, map[string]any{"errcode": 40002, "errmsg": "invalid grant_type"})
	case q.Get("appid") != s.wechatID || s.wechatID == "":
		s.count("wechat", false)
		sandboxAnswer(w, http.StatusOK, map[string]any{"errcode": 40013, "errmsg": "invalid appid"})
	case q.Get("secret") != s.wechatSecret:
		s.count("wechat", false)
		sandboxAnswer(w, http.StatusOK, map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
	default:
		tok := sandboxID(48)
		s.mu.Lock()
		s.wechat[tok] = true
		s.mu.Unlock()
		sandboxAnswer(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": 7200})
	}
}

// wechatSend is POST /cgi-bin/message/custom/send?access_token=, a customer-service message.
func (s *demoSandbox) wechatSend(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ok := s.wechat[r.URL.Query().Get("access_token")]
	s.mu.Unlock()
	if !ok {
		s.count("wechat", false)
		sandboxAnswer(w, http.StatusOK, map[string]any{"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
		return
	}
	var m struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	if err := sandboxRead(r, &m); err != nil || m.ToUser == "" || m.MsgType != "text" || m.Text.Content == "" {
		s.count("wechat", false)
		sandboxAnswer(w, http.StatusOK, map[string]any{"errcode": 44002, "errmsg": "empty post data"})
		return
	}
	// WeChat names no id for a customer-service message.
	s.count("wechat", true)
	sandboxAnswer(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// kakao is a skill request's callback URL: good for one skill response.
func (s *demoSandbox) kakao(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var m struct {
		Version  string `json:"version"`
		Template struct {
			Outputs []json.RawMessage `json:"outputs"`
		} `json:"template"`
	}
	err := sandboxRead(r, &m)
	s.mu.Lock()
	_, used := s.callback[id]
	if err == nil && !used {
		s.callback[id] = time.Now()
		if len(s.callback) > 4096 { // a callback is valid for a minute anyway
			for k, at := range s.callback {
				if time.Since(at) > 2*kakao.CallbackLifetime {
					delete(s.callback, k)
				}
			}
		}
	}
	s.mu.Unlock()
	task := sandboxID(16)
	switch {
	case used:
		s.count("kakaotalk", false)
		sandboxAnswer(w, http.StatusBadRequest, map[string]any{"taskId": task, "status": "FAIL", "message": "callback already used", "timestamp": time.Now().UnixMilli()})
	case err != nil || m.Version == "" || len(m.Template.Outputs) == 0:
		s.count("kakaotalk", false)
		sandboxAnswer(w, http.StatusBadRequest, map[string]any{"taskId": task, "status": "FAIL", "message": "invalid skill response", "timestamp": time.Now().UnixMilli()})
	default:
		s.count("kakaotalk", true)
		sandboxAnswer(w, http.StatusOK, map[string]any{"taskId": task, "status": "SUCCESS", "message": nil, "timestamp": time.Now().UnixMilli()})
	}
}

// demoMailbox is one SMTP session of the e-mail sink: it takes every reply to the demo's
// customers and counts it.
type demoMailbox struct {
	s  *demoSandbox
	to int
}

func (m *demoMailbox) Mail(string, *smtp.MailOptions) error { return nil }

func (m *demoMailbox) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !strings.Contains(to, "@") {
		m.s.count("email", false)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	m.to++
	return nil
}

func (m *demoMailbox) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, io.LimitReader(r, 25<<20)); err != nil {
		return err
	}
	for range m.to {
		m.s.count("email", true)
	}
	return nil
}

func (m *demoMailbox) Reset()        { m.to = 0 }
func (m *demoMailbox) Logout() error { return nil }
