package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/backend/memory"
	"github.com/emersion/go-imap/client"
	imapserver "github.com/emersion/go-imap/server"
)

// startIMAP serves go-imap's in-memory backend (user "username", password "password", an
// INBOX holding one seen message) on loopback; with srvTLS the listener speaks TLS.
func startIMAP(t *testing.T, srvTLS *tls.Config) string {
	t.Helper()
	return startIMAPMode(t, srvTLS, TLSImplicit)
}

// startIMAPMode serves with srvTLS either around the listener (tls) or as STARTTLS.
func startIMAPMode(t *testing.T, srvTLS *tls.Config, mode string) string {
	t.Helper()
	s := imapserver.New(memory.New())
	s.AllowInsecureAuth = true
	s.ErrorLog = quietIMAPLog{}
	ln := listen(t)
	switch {
	case srvTLS != nil && mode == TLSStart:
		s.TLSConfig = srvTLS
	case srvTLS != nil:
		ln = tls.NewListener(ln, srvTLS)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return ln.Addr().String()
}

type quietIMAPLog struct{}

func (quietIMAPLog) Printf(string, ...interface{}) {}
func (quietIMAPLog) Println(...interface{})        {}

// mailbox is a second IMAP session, a person's mail client: it appends mail and reads flags.
type mailbox struct {
	t *testing.T
	c *client.Client
}

func openMailbox(t *testing.T, addr string) *mailbox {
	t.Helper()
	c, err := client.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login("username", "password"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Logout() })
	return &mailbox{t: t, c: c}
}

func (m *mailbox) append(raw []byte, flags ...string) {
	m.t.Helper()
	if err := m.c.Append("INBOX", flags, time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC), bytes.NewBuffer(raw)); err != nil {
		m.t.Fatal(err)
	}
}

// unseen lists the UIDs without \Seen.
func (m *mailbox) unseen() []uint32 {
	m.t.Helper()
	if _, err := m.c.Select("INBOX", true); err != nil {
		m.t.Fatal(err)
	}
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{imap.SeenFlag}
	uids, err := m.c.UidSearch(crit)
	if err != nil {
		m.t.Fatal(err)
	}
	slices.Sort(uids)
	return uids
}

func newPoller(t *testing.T, addr string, in *intake, mode string, cliTLS *tls.Config) *Poller {
	t.Helper()
	ch, err := New(Config{
		IMAPAddr: addr, IMAPUsername: "username", IMAPPassword: "password", IMAPTLS: mode,
		IMAPAccount: "Support@Shop.example", ClientTLS: cliTLS, Log: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ch.Poller(in)
}

func ids(in *intake) []string {
	var out []string
	for _, m := range in.messages() {
		out = append(out, m.ID)
	}
	return out
}

func TestPollerTakesUnseenAndMarksThemSeen(t *testing.T) {
	addr := startIMAP(t, nil)
	mb := openMailbox(t, addr)
	mb.append(fixture(t, "shift_jis.eml"))
	mb.append(fixture(t, "reply_german.eml"))
	if got := mb.unseen(); len(got) != 2 {
		t.Fatalf("unseen before = %v", got)
	}

	in := &intake{}
	p := newPoller(t, addr, in, TLSNone, nil)
	ctx := context.Background()
	n, err := p.Poll(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Poll = %d, %v", n, err)
	}
	if got := ids(in); !slices.Equal(got, []string{"sjis-1@example.jp", "de-2@example.de"}) {
		t.Errorf("taken %v (the mailbox's old seen message must stay untouched)", got)
	}
	m := in.messages()[0]
	if m.Account != "support@shop.example" || m.Subject != "返品について" || m.Attributes["imap_uid"] == "" {
		t.Errorf("message %+v", m)
	}
	if m := in.messages()[1]; m.Attributes["signature_phones"] != "030 12345678" {
		t.Errorf("signature phones %q", m.Attributes["signature_phones"])
	}
	if got := mb.unseen(); len(got) != 0 {
		t.Errorf("unseen after = %v, want none", got)
	}
	if n, err := p.Poll(ctx); err != nil || n != 0 {
		t.Errorf("second Poll = %d, %v, want nothing new", n, err)
	}

	// Mail a person already opened in their mail client is still new to Meridian.
	mb.append(fixture(t, "thai.eml"), imap.SeenFlag)
	if n, err := p.Poll(ctx); err != nil || n != 1 {
		t.Errorf("Poll after a seen append = %d, %v", n, err)
	}
	if got := ids(in); len(got) != 3 || got[2] != "th-1@example.co.th" {
		t.Errorf("taken %v", got)
	}
}

func TestPollerLeavesUnseenWhatTheIntakeRefused(t *testing.T) {
	addr := startIMAP(t, nil)
	mb := openMailbox(t, addr)
	mb.append(fixture(t, "euc_kr.eml"))
	mb.append(fixture(t, "gb18030.eml"))

	in := &intake{fail: errors.New("kafka down")}
	p := newPoller(t, addr, in, TLSNone, nil)
	ctx := context.Background()
	if n, err := p.Poll(ctx); err == nil || n != 0 {
		t.Fatalf("Poll with a failing intake = %d, %v", n, err)
	}
	if got := mb.unseen(); len(got) != 2 {
		t.Errorf("unseen = %v, want both still unseen", got)
	}
	in.setFail(nil)
	if n, err := p.Poll(ctx); err != nil || n != 2 {
		t.Fatalf("Poll after recovery = %d, %v", n, err)
	}
	if got := ids(in); !slices.Equal(got, []string{"euckr-1@example.kr", "gb-1@example.cn"}) {
		t.Errorf("taken %v", got)
	}
	if got := mb.unseen(); len(got) != 0 {
		t.Errorf("unseen = %v", got)
	}
}

func TestPollerKeepsUnparseableMailAsUnknown(t *testing.T) {
	addr := startIMAP(t, nil)
	mb := openMailbox(t, addr)
	// no_from.eml: a header go-imap's memory backend can search (it panics on a message
	// without one), but no sender.
	mb.append(fixture(t, "no_from.eml"))
	in := &intake{}
	p := newPoller(t, addr, in, TLSNone, nil)
	if n, err := p.Poll(context.Background()); err != nil || n != 1 {
		t.Fatalf("Poll = %d, %v", n, err)
	}
	m := in.messages()[0]
	if m.Unknown == "" || m.ID == "" || m.Kind != Kind || m.Account != "Support@Shop.example" {
		t.Errorf("message %+v", m)
	}
	if got := mb.unseen(); len(got) != 0 {
		t.Errorf("unseen = %v", got)
	}
}

func TestPollerOverTLS(t *testing.T) {
	srvTLS, cliTLS := testTLS(t)
	addr := startIMAP(t, srvTLS)
	c, err := client.DialTLS(addr, cliTLS)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login("username", "password"); err != nil {
		t.Fatal(err)
	}
	if err := c.Append("INBOX", nil, time.Now(), bytes.NewBuffer(fixture(t, "attachments.eml"))); err != nil {
		t.Fatal(err)
	}
	_ = c.Logout()

	in := &intake{}
	p := newPoller(t, addr, in, TLSImplicit, cliTLS)
	if n, err := p.Poll(context.Background()); err != nil || n != 1 {
		t.Fatalf("Poll = %d, %v", n, err)
	}
	if m := in.messages()[0]; len(m.Attachments) != 2 {
		t.Errorf("attachments %+v", m.Attachments)
	}

	// A server whose certificate the client does not trust is an error, not a fallback.
	bad := newPoller(t, addr, &intake{}, TLSImplicit, &tls.Config{})
	if _, err := bad.Poll(context.Background()); err == nil {
		t.Error("Poll trusted an unknown certificate")
	}
}

func TestPollerRunStopsWithContext(t *testing.T) {
	addr := startIMAP(t, nil)
	in := &intake{}
	ch, err := New(Config{IMAPAddr: addr, IMAPUsername: "username", IMAPPassword: "password", IMAPTLS: TLSNone,
		IMAPPollEvery: 20 * time.Millisecond, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	mb := openMailbox(t, addr)
	mb.append(fixture(t, "emoji.eml"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ch.Run(ctx, in) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(in.messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if got := ids(in); len(got) != 1 || got[0] != "emoji-1@example.com" {
		t.Errorf("taken %v", got)
	}
}

func TestPollerOverSTARTTLS(t *testing.T) {
	srvTLS, cliTLS := testTLS(t)
	addr := startIMAPMode(t, srvTLS, TLSStart)
	openMailbox(t, addr).append(fixture(t, "reply_japanese.eml"))
	in := &intake{}
	p := newPoller(t, addr, in, TLSStart, cliTLS)
	if n, err := p.Poll(context.Background()); err != nil || n != 1 {
		t.Fatalf("Poll = %d, %v", n, err)
	}
	if m := in.messages()[0]; m.Text != "交換でお願いします。" {
		t.Errorf("Text = %q", m.Text)
	}
}
