package webchat

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

const origin = "https://shop.example"

// recIntake records what the web chat hands to the intake; fail, when set, answers instead.
type recIntake struct {
	mu       sync.Mutex
	msgs     []channels.Message
	statuses []channels.Status
	fail     func() error
	gate     chan struct{} // when set, Receive waits for it
}

func (r *recIntake) Receive(ctx context.Context, channel string, d *channels.Delivery) error {
	if channel != Name {
		return errors.New("wrong channel " + channel)
	}
	r.mu.Lock()
	gate, fail := r.gate, r.fail
	r.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		if err := fail(); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, d.Messages...)
	r.statuses = append(r.statuses, d.Statuses...)
	return nil
}

func (r *recIntake) got() []channels.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]channels.Message(nil), r.msgs...)
}

func setup(t *testing.T, cfg Config) (*Channel, *httptest.Server, *recIntake) {
	t.Helper()
	in := &recIntake{}
	if cfg.Origins == nil {
		cfg.Origins = []string{origin}
	}
	cfg.Intake = in
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(func() { c.Close(); srv.Close() })
	return c, srv, in
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, srv *httptest.Server, org string) (*client, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if org != "" {
		h.Set("Origin", org)
	}
	ws, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/webchat/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, resp, err
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &client{t: t, ws: ws}, resp, nil
}

func mustDial(t *testing.T, srv *httptest.Server) *client {
	t.Helper()
	c, _, err := dial(t, srv, origin)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// recv reads the next frame; it fails the test on timeout.
func (c *client) recv() serverFrame {
	c.t.Helper()
	f, err := c.read(5 * time.Second)
	if err != nil {
		c.t.Fatal(err)
	}
	return f
}

func (c *client) read(d time.Duration) (serverFrame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return serverFrame{}, err
	}
	var f serverFrame
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("server frame %s: %v", b, err)
	}
	return f, nil
}

// quiet checks that nothing arrives for a while. A timed-out Read closes a coder/websocket
// connection, so quiet ends the client's usefulness.
func (c *client) quiet(d time.Duration) {
	c.t.Helper()
	if f, err := c.read(d); err == nil {
		c.t.Fatalf("unexpected frame %+v", f)
	}
}

func (c *client) hello(h map[string]string) serverFrame {
	c.t.Helper()
	m := map[string]string{"type": "hello"}
	for k, v := range h {
		m[k] = v
	}
	c.send(m)
	for {
		f := c.recv()
		if f.Type == typeWelcome {
			return f
		}
	}
}

func (c *client) message(clientID, text string) {
	c.send(map[string]string{"type": "message", "clientId": clientID, "text": text})
}

func TestAnonymousVisitor(t *testing.T) {
	_, srv, in := setup(t, Config{Site: "shop-eu"})
	c := mustDial(t, srv)
	w := c.hello(nil)
	if !validVisitorID(w.VisitorID) || w.VisitorToken == "" || w.Verified == nil || *w.Verified {
		t.Fatalf("welcome %+v", w)
	}
	texts := map[string]string{
		"ar": "مرحبا، أين طلبي؟", "ja": "注文した商品はいつ届きますか？", "ko": "주문한 상품이 언제 도착하나요?",
		"th": "สินค้าที่สั่งจะมาถึงเมื่อไหร่คะ", "zh": "我的订单什么时候到？", "emoji": "👋🏽 hi 🇯🇵📦",
		"long": strings.Repeat("長い", 2500),
	}
	for k, text := range texts {
		c.message("c-"+k, text)
		f := c.recv()
		if f.Type != typeAck || f.ClientID != "c-"+k || f.ID != w.VisitorID+":c-"+k {
			t.Fatalf("%s: want ack, got %+v", k, f)
		}
	}
	got := in.got()
	if len(got) != len(texts) {
		t.Fatalf("intake got %d messages", len(got))
	}
	for _, m := range got {
		k := strings.TrimPrefix(m.ID, w.VisitorID+":c-")
		if m.Text != texts[k] || m.Account != "shop-eu" || m.Kind != "text" || m.From.ID != w.VisitorID ||
			m.From.Verified != "" || m.From.Email != "" || m.Timestamp.IsZero() || m.Unknown != "" {
			t.Errorf("message %+v", m)
		}
	}

	// The same visitor comes back with its id and token.
	c2 := mustDial(t, srv)
	w2 := c2.hello(map[string]string{"visitorId": w.VisitorID, "visitorToken": w.VisitorToken, "locale": "ja-JP"})
	if w2.VisitorID != w.VisitorID {
		t.Fatalf("returning visitor got %q, want %q", w2.VisitorID, w.VisitorID)
	}
	c2.message("again", "こんにちは")
	if f := c2.recv(); f.Type != typeAck {
		t.Fatalf("got %+v", f)
	}
	if m := in.got()[len(texts)]; m.From.Locale != "ja-JP" || m.From.ID != w.VisitorID {
		t.Errorf("returning visitor's message %+v", m)
	}
}

func TestAckOnlyAfterIntake(t *testing.T) {
	_, srv, in := setup(t, Config{})
	c := mustDial(t, srv)
	w := c.hello(nil)

	gate := make(chan struct{})
	in.mu.Lock()
	in.gate = gate
	in.mu.Unlock()
	c.message("m1", "hello?")
	type res struct {
		f   serverFrame
		err error
	}
	ch := make(chan res, 1)
	go func() { f, err := c.read(5 * time.Second); ch <- res{f, err} }()
	select {
	case r := <-ch:
		t.Fatalf("answered before the intake did: %+v %v", r.f, r.err)
	case <-time.After(200 * time.Millisecond):
	}
	close(gate)
	if r := <-ch; r.err != nil || r.f.Type != typeAck || r.f.ID != w.VisitorID+":m1" {
		t.Fatalf("got %+v %v", r.f, r.err)
	}

	// Kafka did not acknowledge: no ack, a retryable error; the same clientId sent again counts.
	in.mu.Lock()
	in.gate = nil
	in.fail = func() error { return errors.New("kafka: not enough replicas") }
	in.mu.Unlock()
	c.message("m2", "still there?")
	f := c.recv()
	if f.Type != typeError || f.Code != codeNotAccepted || f.ClientID != "m2" || f.Retry == nil || !*f.Retry {
		t.Fatalf("want a retryable error, got %+v", f)
	}
	if strings.Contains(f.Message, "kafka") {
		t.Errorf("internal error leaked to the visitor: %q", f.Message)
	}
	in.mu.Lock()
	in.fail = nil
	in.mu.Unlock()
	c.message("m2", "still there?")
	if f := c.recv(); f.Type != typeAck || f.ID != w.VisitorID+":m2" {
		t.Fatalf("resend: got %+v", f)
	}

	// What no store can hold is refused for good.
	in.mu.Lock()
	in.fail = func() error { return &models.FieldError{Field: "text", Reason: "is too long"} }
	in.mu.Unlock()
	c.message("m3", "x")
	if f := c.recv(); f.Type != typeError || f.Code != codeRejected || f.Retry == nil || *f.Retry {
		t.Fatalf("want a final error, got %+v", f)
	}
	if n := len(in.got()); n != 2 {
		t.Errorf("intake kept %d messages, want 2", n)
	}
}

func TestIdentityVerification(t *testing.T) {
	const secret = "shop-secret"
	_, srv, in := setup(t, Config{Secret: secret})

	cases := []struct {
		name      string
		hello     map[string]string
		errCodes  []string
		verified  string
		email     string
		nameField string
	}{
		{name: "right hash", hello: map[string]string{"userId": "cust-42", "userHash": UserHash(secret, "cust-42"), "name": "山田 花子"},
			verified: "cust-42", nameField: "山田 花子"},
		{name: "uppercase hex", hello: map[string]string{"userId": "cust-42", "userHash": strings.ToUpper(UserHash(secret, "cust-42"))},
			verified: "cust-42"},
		{name: "signed email", hello: map[string]string{"userId": "7", "userHash": UserHash(secret, "7"),
			"email": "hana@example.jp", "emailHash": UserHash(secret, "hana@example.jp")}, verified: "7", email: "hana@example.jp"},
		{name: "unsigned email ignored", hello: map[string]string{"userId": "7", "userHash": UserHash(secret, "7"), "email": "victim@example.com"},
			errCodes: []string{codeEmailUnsigned}, verified: "7"},
		{name: "wrong hash", hello: map[string]string{"userId": "cust-42", "userHash": UserHash("other", "cust-42"), "name": "Mallory"},
			errCodes: []string{codeIdentity}},
		{name: "hash of another user", hello: map[string]string{"userId": "cust-43", "userHash": UserHash(secret, "cust-42")},
			errCodes: []string{codeIdentity}},
		{name: "not hex", hello: map[string]string{"userId": "cust-42", "userHash": "zz"}, errCodes: []string{codeIdentity}},
		{name: "no hash", hello: map[string]string{"userId": "cust-42"}, errCodes: []string{codeIdentity}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustDial(t, srv)
			m := map[string]string{"type": "hello"}
			for k, v := range tc.hello {
				m[k] = v
			}
			c.send(m)
			var codes []string
			var w serverFrame
			for w.Type != typeWelcome {
				w = c.recv()
				if w.Type == typeError {
					codes = append(codes, w.Code)
				}
			}
			if strings.Join(codes, ",") != strings.Join(tc.errCodes, ",") {
				t.Errorf("error frames %v, want %v", codes, tc.errCodes)
			}
			if *w.Verified != (tc.verified != "") {
				t.Errorf("verified %v", *w.Verified)
			}
			c.message("x", "hi")
			if f := c.recv(); f.Type != typeAck {
				t.Fatalf("got %+v", f)
			}
			got := in.got()[i]
			if got.From.Verified != tc.verified || got.From.Email != tc.email || got.From.Name != tc.nameField {
				t.Errorf("sender %+v", got.From)
			}
		})
	}

	// Without a secret, nobody is verified.
	_, srv2, in2 := setup(t, Config{})
	c := mustDial(t, srv2)
	c.send(map[string]string{"type": "hello", "userId": "cust-42", "userHash": UserHash("", "cust-42")})
	if f := c.recv(); f.Type != typeError || f.Code != codeIdentity {
		t.Fatalf("got %+v", f)
	}
	if w := c.recv(); w.Type != typeWelcome || *w.Verified {
		t.Fatalf("got %+v", w)
	}
	c.message("x", "hi")
	c.recv()
	if in2.got()[0].From.Verified != "" {
		t.Error("verified without a secret")
	}
}

func TestVisitorTokenForgery(t *testing.T) {
	_, srv, _ := setup(t, Config{Secret: "s"})
	a := mustDial(t, srv).hello(nil)
	b := mustDial(t, srv).hello(nil)
	for _, h := range []map[string]string{
		{"visitorId": a.VisitorID, "visitorToken": b.VisitorToken},
		{"visitorId": a.VisitorID},
		{"visitorId": a.VisitorID, "visitorToken": visitorToken([]byte("guessed"), a.VisitorID)},
	} {
		c := mustDial(t, srv)
		m := map[string]string{"type": "hello"}
		for k, v := range h {
			m[k] = v
		}
		c.send(m)
		if f := c.recv(); f.Type != typeError || f.Code != codeVisitorToken {
			t.Fatalf("want %s, got %+v", codeVisitorToken, f)
		}
		w := c.recv()
		if w.Type != typeWelcome || w.VisitorID == a.VisitorID || !validVisitorID(w.VisitorID) {
			t.Fatalf("forged id accepted: %+v", w)
		}
	}
	// A visitor id that is not one this server's format is a bad hello.
	c := mustDial(t, srv)
	c.send(map[string]string{"type": "hello", "visitorId": "../admin"})
	if f := c.recv(); f.Type != typeError || f.Code != codeNoHello {
		t.Fatalf("got %+v", f)
	}
}

func TestOrigins(t *testing.T) {
	_, srv, _ := setup(t, Config{Origins: []string{"https://shop.example", "https://*.shop.example"}})
	for _, tc := range []struct {
		origin string
		status int
	}{
		{"https://shop.example", 101}, {"https://SHOP.example", 101}, {"https://m.shop.example", 101},
		{"https://evil.example", 403}, {"http://shop.example", 403}, {"https://shop.example.evil.example", 403}, {"", 403},
	} {
		_, resp, err := dial(t, srv, tc.origin)
		if tc.status == 101 {
			if err != nil {
				t.Errorf("%q: %v", tc.origin, err)
			}
			continue
		}
		if err == nil || resp == nil || resp.StatusCode != tc.status {
			t.Errorf("%q: want %d, got %v %v", tc.origin, tc.status, resp, err)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%q: content type %q", tc.origin, ct)
		}
	}
	_, any, _ := setup(t, Config{Origins: []string{"*"}})
	if _, _, err := dial(t, any, "https://anywhere.example"); err != nil {
		t.Errorf("*: %v", err)
	}
}

func TestOversizedFrame(t *testing.T) {
	_, srv, in := setup(t, Config{MaxMessageBytes: 1024})
	c := mustDial(t, srv)
	c.hello(nil)
	c.message("big", strings.Repeat("a", 2048))
	_, err := c.read(5 * time.Second)
	if s := websocket.CloseStatus(err); s != websocket.StatusMessageTooBig {
		t.Fatalf("want close 1009, got %v (%v)", s, err)
	}
	if len(in.got()) != 0 {
		t.Error("an oversized message reached the intake")
	}
}

func TestHelloRequired(t *testing.T) {
	_, srv, _ := setup(t, Config{})
	c := mustDial(t, srv)
	c.message("m1", "hi")
	if f := c.recv(); f.Type != typeError || f.Code != codeNoHello {
		t.Fatalf("got %+v", f)
	}
	if _, err := c.read(5 * time.Second); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("want close 1008, got %v", err)
	}
}

func TestBadFrames(t *testing.T) {
	_, srv, _ := setup(t, Config{})
	c := mustDial(t, srv)
	c.hello(nil)
	for _, f := range []any{
		map[string]string{"type": "message", "clientId": "", "text": "hi"},
		map[string]string{"type": "message", "clientId": "a b", "text": "hi"},
		map[string]string{"type": "message", "clientId": "blank", "text": "   "},
		map[string]string{"type": "typing"},
		map[string]string{"type": "hello"},
	} {
		c.send(f)
		got := c.recv()
		if got.Type != typeError || got.Code != codeBadFrame {
			t.Errorf("%v: got %+v", f, got)
		}
		// The widget learns which message it was, when the id is one.
		if want := map[string]string{"blank": "blank"}[f.(map[string]string)["clientId"]]; got.ClientID != want {
			t.Errorf("%v: clientId %q, want %q", f, got.ClientID, want)
		}
	}
	// The connection is still good.
	c.message("ok", "hi")
	if f := c.recv(); f.Type != typeAck {
		t.Fatalf("got %+v", f)
	}
}

func TestRateLimit(t *testing.T) {
	_, srv, in := setup(t, Config{Rate: 1, Burst: 3})
	c := mustDial(t, srv)
	c.hello(nil)
	for i := range 6 {
		c.message("m"+string(rune('0'+i)), "spam")
	}
	acks, limited := 0, 0
	for range 6 {
		f := c.recv()
		switch {
		case f.Type == typeAck:
			acks++
		case f.Type == typeError && f.Code == codeRateLimited && f.Retry != nil && *f.Retry && f.ClientID != "":
			limited++
		default:
			t.Fatalf("got %+v", f)
		}
	}
	if acks > 4 || limited < 2 || len(in.got()) != acks {
		t.Errorf("acks %d, limited %d, intake %d", acks, limited, len(in.got()))
	}
}

func TestConnsPerIP(t *testing.T) {
	_, srv, _ := setup(t, Config{MaxConnsPerIP: 2})
	mustDial(t, srv)
	mustDial(t, srv)
	_, resp, err := dial(t, srv, origin)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third connection: %v %v", resp, err)
	}
}

func TestIdleTimeout(t *testing.T) {
	_, srv, _ := setup(t, Config{IdleTimeout: 200 * time.Millisecond})
	c := mustDial(t, srv)
	c.hello(nil)
	if _, err := c.read(5 * time.Second); websocket.CloseStatus(err) != StatusIdle {
		t.Fatalf("want close %d, got %v", StatusIdle, err)
	}
}

func TestReplyToConnectedVisitor(t *testing.T) {
	ch, srv, _ := setup(t, Config{})
	c := mustDial(t, srv)
	w := c.hello(nil)
	other := mustDial(t, srv) // another tab of the same visitor
	other.hello(map[string]string{"visitorId": w.VisitorID, "visitorToken": w.VisitorToken})

	rec, err := ch.Send(context.Background(), channels.Outgoing{Account: "web", To: w.VisitorID, Text: "ご注文は発送済みです 📦", Key: "out-1"})
	if err != nil || rec.MessageID != "out-1" {
		t.Fatalf("send: %v %+v", err, rec)
	}
	for _, cl := range []*client{c, other} {
		f := cl.recv()
		if f.Type != typeMessage || f.ID != "out-1" || f.Text != "ご注文は発送済みです 📦" || f.At == "" {
			t.Fatalf("got %+v", f)
		}
	}
	// The outbox retrying the same reply does not show it twice.
	if _, err := ch.Send(context.Background(), channels.Outgoing{To: w.VisitorID, Text: "ご注文は発送済みです 📦", Key: "out-1"}); err != nil {
		t.Fatal(err)
	}
	c.quiet(200 * time.Millisecond)
}

func TestReceipts(t *testing.T) {
	ch, srv, in := setup(t, Config{})
	c := mustDial(t, srv)
	w := c.hello(nil)
	if _, err := ch.Send(context.Background(), channels.Outgoing{To: w.VisitorID, Text: "hi", Key: "out-1"}); err != nil {
		t.Fatal(err)
	}
	c.recv()
	c.send(map[string]string{"type": "received", "id": "out-1"})
	c.send(map[string]string{"type": "read", "id": "out-1"})
	c.send(map[string]string{"type": "read", "id": "out-of-another-visitor"})
	c.message("after", "thanks") // handled in order, after the receipts
	if f := c.recv(); f.Type != typeAck {
		t.Fatalf("got %+v", f)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.statuses) != 2 || in.statuses[0].MessageID != "out-1" || in.statuses[0].State != channels.StateDelivered ||
		in.statuses[1].State != channels.StateRead || in.statuses[1].Timestamp.IsZero() {
		t.Fatalf("statuses %+v", in.statuses)
	}
}

func waitOffline(t *testing.T, ch *Channel, visitorID string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		ch.mu.Lock()
		n := 0
		if v := ch.visitors[visitorID]; v != nil {
			n = len(v.conns)
		}
		ch.mu.Unlock()
		if n == 0 {
			return
		}
	}
	t.Fatal("the visitor is still connected")
}

func TestReplyQueuedForOfflineVisitor(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ch, srv, _ := setup(t, Config{Now: clock, MailboxSize: 2})
	c := mustDial(t, srv)
	w := c.hello(nil)
	c.message("q", "is this in stock?")
	if f := c.recv(); f.Type != typeAck {
		t.Fatalf("got %+v", f)
	}
	c.ws.Close(websocket.StatusNormalClosure, "")
	waitOffline(t, ch, w.VisitorID)

	// A visitor who connected and wrote nothing is not remembered.
	lurker := mustDial(t, srv)
	lw := lurker.hello(nil)
	lurker.ws.Close(websocket.StatusNormalClosure, "")
	waitOffline(t, ch, lw.VisitorID)
	ch.mu.Lock()
	_, kept := ch.visitors[lw.VisitorID]
	ch.mu.Unlock()
	if kept {
		t.Error("a visitor who wrote nothing is remembered after disconnecting")
	}

	ctx := context.Background()
	for _, k := range []string{"out-1", "out-2"} {
		rec, err := ch.Send(ctx, channels.Outgoing{To: w.VisitorID, Text: "reply " + k, Key: k})
		if err != nil || rec.MessageID != k {
			t.Fatalf("%s: %v %+v", k, err, rec)
		}
	}
	_, err := ch.Send(ctx, channels.Outgoing{To: w.VisitorID, Text: "one too many", Key: "out-3"})
	var se *channels.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("full mailbox: want a retryable SendError, got %v", err)
	}

	c2 := mustDial(t, srv)
	if w2 := c2.hello(map[string]string{"visitorId": w.VisitorID, "visitorToken": w.VisitorToken}); w2.VisitorID != w.VisitorID {
		t.Fatalf("welcome %+v", w2)
	}
	for _, k := range []string{"out-1", "out-2"} {
		if f := c2.recv(); f.Type != typeMessage || f.ID != k || f.Text != "reply "+k {
			t.Fatalf("want %s, got %+v", k, f)
		}
	}
	c2.ws.Close(websocket.StatusNormalClosure, "")
	waitOffline(t, ch, w.VisitorID)

	// A day later the visitor is gone for good.
	mu.Lock()
	now = now.Add(25 * time.Hour)
	mu.Unlock()
	_, err = ch.Send(ctx, channels.Outgoing{To: w.VisitorID, Text: "hello?", Key: "out-4"})
	if !errors.As(err, &se) || se.Retryable || se.Reason != "visitor offline" {
		t.Fatalf("want a permanent visitor offline, got %v", err)
	}
}

func TestReplyToVisitorThisProcessNeverSaw(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ch, srv, _ := setup(t, Config{Now: func() time.Time { return now }})
	ctx := context.Background()
	var se *channels.SendError

	_, err := ch.Send(ctx, channels.Outgoing{To: newVisitorID(), Text: "hi", Key: "k"})
	if !errors.As(err, &se) || se.Retryable || se.Reason != "visitor offline" {
		t.Fatalf("unknown visitor: %v", err)
	}
	_, err = ch.Send(ctx, channels.Outgoing{To: "not-a-visitor", Text: "hi", Key: "k"})
	if !errors.As(err, &se) || se.Retryable {
		t.Fatalf("bad id: %v", err)
	}
	// After a restart, a visitor who wrote an hour ago still gets the reply on reconnect.
	w := mustDial(t, srv).hello(nil)
	ch.mu.Lock()
	delete(ch.visitors, w.VisitorID)
	ch.mu.Unlock()
	id := newVisitorID()
	if _, err := ch.Send(ctx, channels.Outgoing{To: id, Text: "queued", Key: "k2", LastInbound: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c := mustDial(t, srv)
	c.hello(map[string]string{"visitorId": id, "visitorToken": visitorToken(ch.key, id)})
	if f := c.recv(); f.Type != typeMessage || f.ID != "k2" {
		t.Fatalf("got %+v", f)
	}
}

func TestClose(t *testing.T) {
	ch, srv, _ := setup(t, Config{})
	c := mustDial(t, srv)
	c.hello(nil)
	read := make(chan error, 1)
	go func() { _, err := c.read(5 * time.Second); read <- err }()
	start := time.Now()
	ch.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a responsive client", d)
	}
	if err := <-read; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("want close 1001, got %v", err)
	}
	if _, resp, err := dial(t, srv, origin); err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %v %v", resp, err)
	}
}

func TestWidget(t *testing.T) {
	_, srv, _ := setup(t, Config{})
	resp, err := http.Get(srv.URL + "/webchat/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
		resp.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" ||
		!strings.HasPrefix(resp.Header.Get("Cache-Control"), "public, max-age=") || len(body) == 0 {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	// Visitors' and agents' text is set with textContent only.
	if bad := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`).Find(body); bad != nil {
		t.Errorf("widget.js uses %s", bad)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/webchat/widget.js", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d", resp2.StatusCode)
	}

	resp3, err := http.Get(srv.URL + "/webchat/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp3.Body.Close()
	if resp3.StatusCode != 404 || resp3.Header.Get("Content-Type") != "application/json" {
		t.Errorf("unknown path: %d %s", resp3.StatusCode, resp3.Header.Get("Content-Type"))
	}
}

func TestOff(t *testing.T) {
	rec := httptest.NewRecorder()
	Off("MERIDIAN_WEBCHAT_ORIGINS is not set").ServeHTTP(rec, httptest.NewRequest("GET", "/webchat/ws", nil))
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "MERIDIAN_WEBCHAT_ORIGINS") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestNew(t *testing.T) {
	in := &recIntake{}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Intake: in}, "MERIDIAN_WEBCHAT_ORIGINS"},
		{Config{Origins: []string{origin}}, "intake"},
		{Config{Origins: []string{"shop.example"}, Intake: in}, "scheme://host"},
		{Config{Origins: []string{"https://shop.example/path"}, Intake: in}, "scheme://host"},
		{Config{Origins: []string{"ftp://shop.example"}, Intake: in}, "scheme://host"},
		{Config{Origins: []string{"https://[shop.example"}, Intake: in}, "scheme://host"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg.Origins, err, tc.want)
		}
	}
	// Instances sharing the secret accept each other's visitor tokens.
	a, _ := New(Config{Origins: []string{origin}, Intake: in, Secret: "s"})
	b, _ := New(Config{Origins: []string{origin}, Intake: in, Secret: "s"})
	if visitorToken(a.key, "v") != visitorToken(b.key, "v") {
		t.Error("visitor key is not derived from the secret")
	}
}

// The documented signing examples give this value; keep them in step.
func TestUserHashVector(t *testing.T) {
	if got := UserHash("my-webchat-secret", "customer-1234"); got != userHashVector {
		t.Fatalf("UserHash = %s", got)
	}
}

func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello"}`,
		`{"type":"hello","visitorId":"v_0123456789abcdef0123456789abcdef","visitorToken":"x","userId":"42","userHash":"ab","locale":"th-TH"}`,
		`{"type":"message","clientId":"c1","text":"สวัสดี"}`,
		`{"type":"message","clientId":"c1","text":"hi"}{"type":"hello"}`,
		`{"type":"read","id":"out-1"}`, `{"type":"received"}`, `{"type":"typing"}`, `[]`, `null`, `{"type":1}`, "\xff", ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := parseFrame(b)
		if err != nil {
			if !errors.Is(err, errFrame) {
				t.Fatalf("error %v does not wrap errFrame", err)
			}
			return
		}
		switch fr.Type {
		case typeHello:
			if fr.VisitorID != "" && !validVisitorID(fr.VisitorID) {
				t.Fatalf("bad visitor id accepted: %q", fr.VisitorID)
			}
		case typeMessage:
			if !validClientID(fr.ClientID) || strings.TrimSpace(fr.Text) == "" {
				t.Fatalf("bad message accepted: %+v", fr)
			}
		case typeReceived, typeRead:
			if fr.ID == "" || len(fr.ID) > maxReplyID {
				t.Fatalf("bad receipt accepted: %+v", fr)
			}
		default:
			t.Fatalf("type %q accepted", fr.Type)
		}
	})
}

// userHashVector is HMAC-SHA256("customer-1234", "my-webchat-secret") as README.md shows it.
const userHashVector = "590c7ed871d5b1fc34908b0c4b036c12c17f1c9f275d7ed06aa98829212075e0"
