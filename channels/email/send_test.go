package email

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/meridian-cs/meridian/channels"
)

// relay is an SMTP server that records what arrives. Recipients named in refuse are answered
// with that error at RCPT TO.
type relay struct {
	user, pass string
	refuse     map[string]*smtp.SMTPError

	mu      sync.Mutex
	mails   []relayed
	authed  []string
	tlsSeen []bool
}

type relayed struct {
	from string
	to   []string
	raw  []byte
}

func (r *relay) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &relaySession{r: r, c: c}, nil
}

type relaySession struct {
	r      *relay
	c      *smtp.Conn
	authed bool
	cur    relayed
}

func (s *relaySession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *relaySession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if subtle.ConstantTimeCompare([]byte(user), []byte(s.r.user))&subtle.ConstantTimeCompare([]byte(pass), []byte(s.r.pass)) != 1 {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		s.r.mu.Lock()
		s.r.authed = append(s.r.authed, user)
		s.r.mu.Unlock()
		return nil
	}), nil
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := s.r.refuse[to]; e != nil {
		return e
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *relaySession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.c.TLSConnectionState()
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.cur.raw = raw
	s.r.mails = append(s.r.mails, s.cur)
	s.r.tlsSeen = append(s.r.tlsSeen, isTLS)
	return nil
}

func (s *relaySession) Reset()        { s.cur = relayed{} }
func (s *relaySession) Logout() error { return nil }

func (r *relay) sent() []relayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]relayed(nil), r.mails...)
}

// startRelay serves r on loopback: mode "tls" wraps the listener in TLS, "starttls" offers
// STARTTLS (AUTH only after it), "none" is plain.
func startRelay(t *testing.T, r *relay, mode string, srvTLS *tls.Config) string {
	t.Helper()
	s := smtp.NewServer(r)
	s.Domain = "relay.test"
	s.AllowInsecureAuth = mode == TLSNone
	ln := listen(t)
	switch mode {
	case TLSImplicit:
		ln = tls.NewListener(ln, srvTLS)
	case TLSStart:
		s.TLSConfig = srvTLS
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return ln.Addr().String()
}

var sendAt = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

func newSender(t *testing.T, cfg Config) *Channel {
	t.Helper()
	cfg.Log = quiet
	cfg.Now = func() time.Time { return sendAt }
	if cfg.From == "" {
		cfg.From = "Shop Support <support@shop.example>"
	}
	if cfg.Domain == "" {
		cfg.Domain = "shop.example"
	}
	ch, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestSendModes(t *testing.T) {
	srvTLS, cliTLS := testTLS(t)
	for _, mode := range []string{TLSStart, TLSImplicit, TLSNone} {
		t.Run(mode, func(t *testing.T) {
			r := &relay{user: "mailer", pass: "pw"}
			if mode == TLSNone {
				r.user, r.pass = "", ""
			}
			addr := startRelay(t, r, mode, srvTLS)
			ch := newSender(t, Config{Relay: addr, TLS: mode, Username: r.user, Password: r.pass, ClientTLS: cliTLS})
			out := channels.Outgoing{
				To:      "Customer@Example.com",
				Text:    "ご連絡ありがとうございます。\n交換品を発送しました。",
				Subject: "商品が届きません",
				Thread:  []string{"root@example.jp", "<reply-1@shop.example>", "jis-2@example.jp"},
				Key:     "ledger-42",
			}
			rc, err := ch.Send(context.Background(), out)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if rc.MessageID != MessageIDFor("ledger-42", "shop.example") || !strings.HasSuffix(rc.MessageID, "@shop.example") {
				t.Errorf("MessageID = %q", rc.MessageID)
			}
			mails := r.sent()
			if len(mails) != 1 {
				t.Fatalf("relay got %d mails", len(mails))
			}
			got := mails[0]
			if got.from != "support@shop.example" || strings.Join(got.to, ",") != "Customer@Example.com" {
				t.Errorf("envelope %q -> %q", got.from, got.to)
			}
			if mode != TLSNone && (!r.tlsSeen[0] || len(r.authed) != 1) {
				t.Errorf("tls %v, authed %v", r.tlsSeen, r.authed)
			}
			mr, err := mail.CreateReader(bytes.NewReader(got.raw))
			if err != nil {
				t.Fatal(err)
			}
			h := mr.Header
			if id, _ := h.MessageID(); id != rc.MessageID {
				t.Errorf("Message-ID = %q, want %q", id, rc.MessageID)
			}
			if irt, _ := h.MsgIDList("In-Reply-To"); strings.Join(irt, " ") != "jis-2@example.jp" {
				t.Errorf("In-Reply-To = %q", irt)
			}
			if refs, _ := h.MsgIDList("References"); strings.Join(refs, " ") != "root@example.jp reply-1@shop.example jis-2@example.jp" {
				t.Errorf("References = %q", refs)
			}
			if s, _ := h.Subject(); s != "Re: 商品が届きません" {
				t.Errorf("Subject = %q", s)
			}
			if !strings.Contains(h.Get("Subject"), "=?utf-8?") {
				t.Errorf("raw Subject %q is not RFC 2047", h.Get("Subject"))
			}
			if d, _ := h.Date(); !d.Equal(sendAt) {
				t.Errorf("Date = %v", d)
			}
			if ct := h.Get("Content-Type"); !strings.Contains(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "utf-8") {
				t.Errorf("Content-Type = %q", ct)
			}
			if cte := h.Get("Content-Transfer-Encoding"); cte != "base64" {
				t.Errorf("Content-Transfer-Encoding = %q (Japanese text is shorter in base64)", cte)
			}
			// What Meridian sent reads back as what it meant, threaded to the same root.
			m, err := Parse(got.raw, "", sendAt)
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != out.Text || m.From.Email != "support@shop.example" || m.Account != "customer@example.com" || ThreadKey(m) != "root@example.jp" {
				t.Errorf("parsed back %+v", m)
			}
		})
	}
}

func TestSendSameKeySameMessageID(t *testing.T) {
	r := &relay{}
	addr := startRelay(t, r, TLSNone, nil)
	ch := newSender(t, Config{Relay: addr, TLS: TLSNone})
	out := channels.Outgoing{To: "a@example.com", Text: "Hello, we refunded your order.", Subject: "Re: Re: Refund", Key: "k1"}
	a, err := ch.Send(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ch.Send(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	out.Key = "k2"
	c, _ := ch.Send(context.Background(), out)
	if a.MessageID != b.MessageID || a.MessageID == c.MessageID {
		t.Errorf("ids %q %q %q", a.MessageID, b.MessageID, c.MessageID)
	}
	mails := r.sent()
	if len(mails) != 3 || !bytes.Equal(mails[0].raw, mails[1].raw) {
		t.Fatalf("a retried send differs from the first")
	}
	mr, _ := mail.CreateReader(bytes.NewReader(mails[0].raw))
	if s, _ := mr.Header.Subject(); s != "Re: Re: Refund" {
		t.Errorf("Subject = %q", s)
	}
	if cte := mr.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding = %q", cte)
	}
	if mr.Header.Get("In-Reply-To") != "" || mr.Header.Get("References") != "" {
		t.Errorf("a reply without thread has In-Reply-To %q", mr.Header.Get("In-Reply-To"))
	}
}

func TestSendErrors(t *testing.T) {
	r := &relay{refuse: map[string]*smtp.SMTPError{
		"busy@example.com":     {Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again later"},
		"nobody@example.com":   {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"},
		"toobig@example.com":   {Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2}, Message: "Mailbox full"},
		"overload@example.com": {Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down"},
	}}
	addr := startRelay(t, r, TLSNone, nil)
	ch := newSender(t, Config{Relay: addr, TLS: TLSNone})
	tests := []struct {
		to        string
		retryable bool
		code      string
		reason    string
	}{
		{"busy@example.com", true, "451 4.7.1", "Greylisted, try again later"},
		{"overload@example.com", true, "421 4.3.2", "Service shutting down"},
		{"nobody@example.com", false, "550 5.1.1", "No such user here"},
		{"toobig@example.com", false, "552 5.2.2", "Mailbox full"},
		{"not an address", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			_, err := ch.Send(context.Background(), channels.Outgoing{To: tt.to, Text: "hi", Key: tt.to})
			var se *channels.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want SendError", err)
			}
			if se.Retryable != tt.retryable || se.Code != tt.code || tt.reason != "" && se.Reason != tt.reason {
				t.Errorf("SendError = %+v", se)
			}
			if ok, _ := channels.Retryable(err); ok != tt.retryable {
				t.Errorf("channels.Retryable = %v", ok)
			}
		})
	}
	if n := len(r.sent()); n != 0 {
		t.Errorf("relay got %d mails", n)
	}
}

func TestSendUnreachableIsRetryable(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close()
	ch := newSender(t, Config{Relay: addr, TLS: TLSNone})
	_, err := ch.Send(context.Background(), channels.Outgoing{To: "a@example.com", Text: "hi", Key: "x"})
	if ok, _ := channels.Retryable(err); err == nil || !ok {
		t.Errorf("err = %v, retryable %v", err, ok)
	}
}

func TestSendWrongPasswordIsPermanent(t *testing.T) {
	srvTLS, cliTLS := testTLS(t)
	r := &relay{user: "mailer", pass: "pw"}
	addr := startRelay(t, r, TLSStart, srvTLS)
	ch := newSender(t, Config{Relay: addr, TLS: TLSStart, Username: "mailer", Password: "nope", ClientTLS: cliTLS})
	_, err := ch.Send(context.Background(), channels.Outgoing{To: "a@example.com", Text: "hi", Key: "x"})
	var se *channels.SendError
	if !errors.As(err, &se) || se.Retryable || !strings.HasPrefix(se.Code, "535") {
		t.Errorf("err = %#v", err)
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{
		"Refund":          "Re: Refund",
		"Re: Refund":      "Re: Refund",
		"RE:Refund":       "RE:Refund",
		"AW: Rücksendung": "AW: Rücksendung",
		"回复：订单":           "回复：订单",
		"Regarding order": "Re: Regarding order",
		"":                "",
	} {
		if got := ReplySubject(in); got != want {
			t.Errorf("ReplySubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewRefusesUnsafeSettings(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"nothing", Config{}, "MERIDIAN_SMTP_LISTEN"},
		{"relay without user", Config{Relay: "smtp.example.com:587", From: "s@shop.example"}, "MERIDIAN_SMTP_USERNAME"},
		{"relay without password", Config{Relay: "smtp.example.com:587", From: "s@shop.example", Username: "u"}, "MERIDIAN_SMTP_PASSWORD"},
		{"relay without from", Config{Relay: "127.0.0.1:25", TLS: TLSNone}, "MERIDIAN_SMTP_FROM"},
		{"plain relay off machine", Config{Relay: "smtp.example.com:25", TLS: TLSNone, From: "s@shop.example", Username: "u", Password: "p"}, "MERIDIAN_SMTP_TLS"},
		{"bad tls mode", Config{Relay: "smtp.example.com:25", TLS: "ssl", From: "s@shop.example", Username: "u", Password: "p"}, "MERIDIAN_SMTP_TLS"},
		{"imap without password", Config{IMAPAddr: "imap.example.com:993", IMAPUsername: "u"}, "MERIDIAN_IMAP_PASSWORD"},
		{"imap without user", Config{IMAPAddr: "imap.example.com:993"}, "MERIDIAN_IMAP_USERNAME"},
		{"plain imap off machine", Config{IMAPAddr: "imap.example.com:143", IMAPTLS: TLSNone, IMAPUsername: "u", IMAPPassword: "p"}, "MERIDIAN_IMAP_TLS"},
		{"listener auth in clear", Config{Listen: "0.0.0.0:25", Username: "u", Password: "p"}, "clear text"},
		{"listener half auth", Config{Listen: "127.0.0.1:25", Username: "u"}, "MERIDIAN_SMTP_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error naming %s", err, tt.want)
			}
		})
	}
	if _, err := New(Config{Relay: "localhost:25", TLS: TLSNone, From: "s@shop.example"}); err != nil {
		t.Errorf("plain relay on localhost without auth: %v", err)
	}
	if _, err := New(Config{Listen: ":2525"}); err != nil {
		t.Errorf("listener without auth: %v", err)
	}
}

func TestComposeParsesBack(t *testing.T) {
	at := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	raw := Compose("Mina <mina@example.kr>", "support@shop.example", "배송 문의 📦", "언제 도착하나요?", "<c-2@example.kr>", "c-1@shop.example", at)
	m, err := Parse(raw, "", at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "c-2@example.kr" || m.Subject != "배송 문의 📦" || m.Text != "언제 도착하나요?" || m.From.Name != "Mina" ||
		m.From.ID != "mina@example.kr" || !m.Timestamp.Equal(at) || strings.Join(m.Thread, " ") != "c-1@shop.example" || m.Account != "support@shop.example" {
		t.Errorf("parsed back %+v", m)
	}
}
