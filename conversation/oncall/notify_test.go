package oncall

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const testSecret = "whsec-do-not-leak-4f1c"

var (
	testNow  = utc("2026-03-03 09:00:00")
	testPage = Page{
		ID:           "esc-42/step-0",
		Conversation: "conv-42",
		Region:       "eu",
		Urgency:      "critical",
		Summary:      "Customer's insulin pump <stopped> & alarms after the update",
		Intent:       "device_fault",
		Sentiment:    "negative",
		Link:         "https://app.example.com/c/conv-42",
		At:           testNow,
	}
	quietLog = slog.New(slog.DiscardHandler)
)

func newTestNotifier(cfg Config) *HTTPNotifier {
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	cfg.Log = quietLog
	return NewNotifier(cfg)
}

// webhookReceiver is a generic webhook endpoint: it verifies the signature (401 when wrong),
// decodes the page, and answers with the status (and Retry-After) it is told to.
type webhookReceiver struct {
	status     int
	retryAfter string
	body       string

	mu    sync.Mutex
	pages []Page
	keys  []string
}

func (w *webhookReceiver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(rw, "bad request", http.StatusBadRequest)
		return
	}
	if err := VerifySignature(r.Header.Get(SignatureHeader), body, testSecret, testNow, 5*time.Minute); err != nil {
		http.Error(rw, "signature rejected", http.StatusUnauthorized)
		return
	}
	var p Page
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(rw, "not a page", http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.pages = append(w.pages, p)
	w.keys = append(w.keys, r.Header.Get(IdempotencyHeader))
	w.mu.Unlock()
	if w.retryAfter != "" {
		rw.Header().Set("Retry-After", w.retryAfter)
	}
	if w.status == 0 {
		w.status = http.StatusAccepted
	}
	rw.WriteHeader(w.status)
	_, _ = io.WriteString(rw, w.body)
}

// answer is what a webhookReceiver is told to answer.
type answer struct {
	status     int
	retryAfter string
	body       string
}

func checkClean(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append(secrets, testSecret) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error text %q holds %q", err, s)
		}
	}
}

func TestWebhook(t *testing.T) {
	tests := []struct {
		name       string
		recv       answer
		secret     string
		wantErr    bool
		retryable  bool
		retryAfter time.Duration
		status     int
	}{
		{"accepted", answer{}, testSecret, false, false, 0, 0},
		{"200 with a body", answer{status: 200, body: `{"ok":true}`}, testSecret, false, false, 0, 0},
		{"a wrong secret is refused, permanently", answer{}, "another-secret", true, false, 0, 401},
		{"500 is retryable", answer{status: 500, body: "boom"}, testSecret, true, true, 0, 500},
		{"503 with Retry-After seconds", answer{status: 503, retryAfter: "7"}, testSecret, true, true, 7 * time.Second, 503},
		{"429 with a Retry-After date", answer{status: 429, retryAfter: testNow.Add(90 * time.Second).Format(http.TimeFormat)}, testSecret, true, true, 90 * time.Second, 429},
		{"408 is retryable", answer{status: 408}, testSecret, true, true, 0, 408},
		{"400 is permanent", answer{status: 400, body: "unknown field"}, testSecret, true, false, 0, 400},
		{"404 is permanent", answer{status: 404}, testSecret, true, false, 0, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recv := webhookReceiver{status: tc.recv.status, retryAfter: tc.recv.retryAfter, body: tc.recv.body}
			srv := httptest.NewServer(&recv)
			defer srv.Close()
			n := newTestNotifier(Config{WebhookSecret: tc.secret})
			url := srv.URL + "/hooks/meridian?token=url-token-xyz"
			err := n.Notify(context.Background(), Target{Kind: KindWebhook, URL: url}, testPage)
			checkClean(t, err, "url-token-xyz", srv.URL)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Notify = %v, want error %v", err, tc.wantErr)
			}
			if err == nil {
				if len(recv.pages) != 1 || recv.pages[0].ID != testPage.ID || !recv.pages[0].At.Equal(testPage.At) || recv.pages[0].Summary != testPage.Summary {
					t.Fatalf("received %+v", recv.pages)
				}
				if recv.keys[0] != testPage.ID {
					t.Errorf("Idempotency-Key %q, want %q", recv.keys[0], testPage.ID)
				}
				return
			}
			var de *DeliveryError
			if !errors.As(err, &de) || de.Status != tc.status {
				t.Fatalf("error %#v, want a DeliveryError with status %d", err, tc.status)
			}
			retry, after := Retryable(err)
			if retry != tc.retryable || after != tc.retryAfter {
				t.Errorf("Retryable = %v, %v; want %v, %v", retry, after, tc.retryable, tc.retryAfter)
			}
		})
	}
}

func TestWebhookWithoutSecretSendsNothing(t *testing.T) {
	var recv webhookReceiver
	srv := httptest.NewServer(&recv)
	defer srv.Close()
	err := newTestNotifier(Config{}).Notify(context.Background(), Target{Kind: KindWebhook, URL: srv.URL}, testPage)
	if retry, _ := Retryable(err); err == nil || retry {
		t.Fatalf("Notify without a secret = %v; want a permanent error", err)
	}
	if len(recv.pages) != 0 {
		t.Error("an unsigned page was sent")
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var recv webhookReceiver
	elsewhere := httptest.NewServer(&recv)
	defer elsewhere.Close()
	srv := httptest.NewServer(http.RedirectHandler(elsewhere.URL, http.StatusTemporaryRedirect))
	defer srv.Close()
	err := newTestNotifier(Config{WebhookSecret: testSecret}).Notify(context.Background(), Target{Kind: KindWebhook, URL: srv.URL + "/secret-path"}, testPage)
	if retry, _ := Retryable(err); err == nil || retry {
		t.Fatalf("Notify through a redirect = %v; want a permanent error", err)
	}
	checkClean(t, err, "secret-path", elsewhere.URL)
	if len(recv.pages) != 0 {
		t.Error("the redirect was followed")
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	h := Sign(testSecret, testNow, body)
	tests := []struct {
		name   string
		header string
		body   []byte
		now    time.Time
		ok     bool
	}{
		{"valid", h, body, testNow, true},
		{"valid within tolerance", h, body, testNow.Add(4 * time.Minute), true},
		{"stale", h, body, testNow.Add(6 * time.Minute), false},
		{"from the future", h, body, testNow.Add(-6 * time.Minute), false},
		{"tampered body", h, []byte(`{"id":"y"}`), testNow, false},
		{"other secret", Sign("other", testNow, body), body, testNow, false},
		{"timestamp swapped", strings.Replace(h, "t=", "t=1", 1), body, testNow, false},
		{"empty", "", body, testNow, false},
		{"no v1", "t=1772528400", body, testNow, false},
		{"rotation: a second valid v1 is accepted", h + ",v1=" + strings.Repeat("00", 32), body, testNow, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.header, tc.body, testSecret, tc.now, 5*time.Minute)
			if (err == nil) != tc.ok {
				t.Fatalf("VerifySignature = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrSignature) {
				t.Errorf("error %v is not ErrSignature", err)
			}
		})
	}
}

// slackHook behaves as Slack's incoming webhooks are documented to: POST JSON with a text
// field to /services/T…/B…/<token>; "ok" on success; 400 invalid_payload or no_text; 403
// action_prohibited; 404 no_service for an unknown or revoked token; 410
// channel_is_archived; 429 with Retry-After when rate limited; 500 rollup_error.
type slackHook struct {
	tokens     map[string]int // token → status to answer with
	retryAfter string

	mu    sync.Mutex
	texts []string
	calls int
}

func (s *slackHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	token := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	status, known := s.tokens[token]
	if !known || !strings.HasPrefix(r.URL.Path, "/services/") {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "no_service")
		return
	}
	var msg struct {
		Text *string `json:"text"`
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "invalid_payload")
		return
	}
	if msg.Text == nil || *msg.Text == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "no_text")
		return
	}
	codes := map[int]string{200: "ok", 403: "action_prohibited", 410: "channel_is_archived", 429: "rate_limited", 500: "rollup_error"}
	if status == 0 {
		status = 200
	}
	if status == 429 {
		w.Header().Set("Retry-After", s.retryAfter)
		s.tokens[token] = 200 // the next call gets through
	}
	if status == 200 {
		s.mu.Lock()
		s.texts = append(s.texts, *msg.Text)
		s.mu.Unlock()
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, codes[status])
}

func TestSlack(t *testing.T) {
	tests := []struct {
		name      string
		token     string
		wantCode  string
		status    int
		retryable bool
		after     time.Duration
	}{
		{"posted", "good-token", "", 0, false, 0},
		{"revoked webhook: 404 no_service", "revoked-token", "no_service", 404, false, 0},
		{"archived channel: 410", "archived-token", "channel_is_archived", 410, false, 0},
		{"prohibited: 403", "prohibited-token", "action_prohibited", 403, false, 0},
		{"rate limited: 429 with Retry-After", "limited-token", "rate_limited", 429, true, 30 * time.Second},
		{"Slack's side fails: 500 rollup_error", "broken-token", "rollup_error", 500, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hook := &slackHook{retryAfter: "30", tokens: map[string]int{
				"good-token": 200, "archived-token": 410, "prohibited-token": 403, "limited-token": 429, "broken-token": 500,
			}}
			srv := httptest.NewServer(hook)
			defer srv.Close()
			n := newTestNotifier(Config{})
			err := n.Notify(context.Background(), Target{Kind: KindSlack, URL: srv.URL + "/services/T000/B000/" + tc.token}, testPage)
			checkClean(t, err, tc.token, "/services/")
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Notify = %v", err)
				}
				want := "*[CRITICAL]* eu escalation: Customer's insulin pump &lt;stopped&gt; &amp; alarms after the update\n" +
					"intent: device_fault · sentiment: negative\n<https://app.example.com/c/conv-42|Open conversation conv-42>"
				if len(hook.texts) != 1 || hook.texts[0] != want {
					t.Fatalf("Slack got %q\nwant %q", hook.texts, want)
				}
				return
			}
			var de *DeliveryError
			if !errors.As(err, &de) || de.Code != tc.wantCode || de.Status != tc.status {
				t.Fatalf("Notify = %#v; want code %q status %d", err, tc.wantCode, tc.status)
			}
			if !strings.Contains(err.Error(), tc.wantCode) {
				t.Errorf("error text %q lacks Slack's code", err)
			}
			if retry, after := Retryable(err); retry != tc.retryable || after != tc.after {
				t.Errorf("Retryable = %v, %v; want %v, %v", retry, after, tc.retryable, tc.after)
			}
		})
	}
}

func TestDeliverSlackRateLimit(t *testing.T) {
	hook := &slackHook{retryAfter: "12", tokens: map[string]int{"limited": 429}}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	attempts, err := Deliver(context.Background(), newTestNotifier(Config{}), Target{Kind: KindSlack, URL: srv.URL + "/services/T/B/limited"}, testPage, RetryPolicy{Rand: func() float64 { return 0 }}, sleep)
	if err != nil || attempts != 2 {
		t.Fatalf("Deliver = %d, %v; want 2 attempts and success", attempts, err)
	}
	if len(slept) != 1 || slept[0] != 12*time.Second {
		t.Errorf("slept %v; want the Retry-After, 12s", slept)
	}
	if len(hook.texts) != 1 {
		t.Errorf("%d texts posted, want 1", len(hook.texts))
	}
}

// hang answers nothing until the client goes away. The body is read first: the server only
// notices a closed connection once the body is consumed.
func hang(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func TestTransportFailures(t *testing.T) {
	t.Run("connection refused is retryable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		err = newTestNotifier(Config{}).Notify(context.Background(), Target{Kind: KindSlack, URL: "http://" + addr + "/services/T/B/refused-token"}, testPage)
		checkClean(t, err, "refused-token")
		if retry, _ := Retryable(err); err == nil || !retry {
			t.Fatalf("Notify = %v; want a retryable error", err)
		}
	})
	t.Run("a slow receiver times out, retryably", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(hang))
		defer srv.Close()
		err := newTestNotifier(Config{Timeout: 50 * time.Millisecond}).Notify(context.Background(), Target{Kind: KindSlack, URL: srv.URL + "/services/T/B/slow-token"}, testPage)
		checkClean(t, err, "slow-token")
		var de *DeliveryError
		if !errors.As(err, &de) || !de.Retryable || de.Reason != "timeout" {
			t.Fatalf("Notify = %#v; want a retryable timeout", err)
		}
	})
	t.Run("the caller's cancellation is not retryable", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(hang))
		defer srv.Close()
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		err := newTestNotifier(Config{}).Notify(ctx, Target{Kind: KindWebhook, URL: srv.URL}, testPage)
		if retry, _ := Retryable(err); err == nil || retry {
			t.Fatalf("Notify = %v; want a permanent error", err)
		}
	})
	t.Run("an untrusted certificate is permanent", func(t *testing.T) {
		srv := quietTLSServer()
		defer srv.Close()
		err := newTestNotifier(Config{}).Notify(context.Background(), Target{Kind: KindSlack, URL: srv.URL + "/services/T/B/tls-token"}, testPage)
		checkClean(t, err, "tls-token")
		if retry, _ := Retryable(err); err == nil || retry || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("Notify = %v; want a permanent certificate error", err)
		}
	})
	t.Run("an unknown kind is permanent", func(t *testing.T) {
		err := newTestNotifier(Config{}).Notify(context.Background(), Target{Kind: "pigeon"}, testPage)
		if retry, _ := Retryable(err); err == nil || retry {
			t.Fatalf("Notify = %v; want a permanent error", err)
		}
	})
}

// relay is an SMTP relay that wants PLAIN auth, refuses the recipients it is told to, and
// records the mail it accepts.
type relay struct {
	refuse map[string]*smtp.SMTPError
	mu     sync.Mutex
	mails  [][]byte
	rcpts  []string
}

func (r *relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }

type relaySession struct {
	r      *relay
	authed bool
	to     string
}

func (s *relaySession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *relaySession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "meridian" || pass != "relay-pass" {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}
func (s *relaySession) Mail(string, *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := s.r.refuse[to]; e != nil {
		return e
	}
	s.to = to
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.mails = append(s.r.mails, b)
	s.r.rcpts = append(s.r.rcpts, s.to)
	return nil
}
func (s *relaySession) Reset()        {}
func (s *relaySession) Logout() error { return nil }

func startRelay(t *testing.T, r *relay) string {
	t.Helper()
	s := smtp.NewServer(r)
	s.Domain = "relay.test"
	s.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return ln.Addr().String()
}

func TestEmail(t *testing.T) {
	r := &relay{refuse: map[string]*smtp.SMTPError{
		"busy@example.com":   {Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again later"},
		"nobody@example.com": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"},
	}}
	addr := startRelay(t, r)
	cfg := Config{SMTP: SMTPConfig{Relay: addr, From: "oncall@shop.example", Username: "meridian", Password: "relay-pass", TLS: TLSNone, Domain: "shop.example"}}
	n := newTestNotifier(cfg)

	t.Run("sent", func(t *testing.T) {
		for range 2 { // the same page twice: the same Message-ID
			if err := n.Notify(context.Background(), Target{Kind: KindEmail, Address: "ana@example.com"}, testPage); err != nil {
				t.Fatalf("Notify = %v", err)
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.mails) != 2 || r.rcpts[0] != "ana@example.com" {
			t.Fatalf("relay got %d mails to %v", len(r.mails), r.rcpts)
		}
		var ids []string
		for _, raw := range r.mails {
			m, err := mail.ReadMessage(strings.NewReader(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err != nil || subject != "[CRITICAL] eu escalation: Customer's insulin pump <stopped> & alarms after the update" {
				t.Errorf("subject %q (%v)", subject, err)
			}
			body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
			for _, want := range []string{"Intent: device_fault", "Sentiment: negative", "Open: https://app.example.com/c/conv-42", "Escalated at: 2026-03-03T09:00:00Z"} {
				if !strings.Contains(string(body), want) {
					t.Errorf("body lacks %q:\n%s", want, body)
				}
			}
			ids = append(ids, m.Header.Get("Message-ID"))
		}
		if ids[0] != ids[1] || !strings.HasSuffix(ids[0], "@shop.example>") {
			t.Errorf("Message-IDs %q: want the same id, in the configured domain", ids)
		}
	})
	t.Run("greylisted: 451 is retryable", func(t *testing.T) {
		err := n.Notify(context.Background(), Target{Kind: KindEmail, Address: "busy@example.com"}, testPage)
		var de *DeliveryError
		if !errors.As(err, &de) || !de.Retryable || de.Status != 451 || de.Code != "4.7.1" {
			t.Fatalf("Notify = %#v; want retryable 451 4.7.1", err)
		}
		checkClean(t, err, "relay-pass")
	})
	t.Run("unknown user: 550 is permanent", func(t *testing.T) {
		err := n.Notify(context.Background(), Target{Kind: KindEmail, Address: "nobody@example.com"}, testPage)
		var de *DeliveryError
		if !errors.As(err, &de) || de.Retryable || de.Status != 550 {
			t.Fatalf("Notify = %#v; want permanent 550", err)
		}
	})
	t.Run("a wrong password is permanent and not shown", func(t *testing.T) {
		bad := cfg
		bad.SMTP.Password = "wrong-pass-123"
		err := newTestNotifier(bad).Notify(context.Background(), Target{Kind: KindEmail, Address: "ana@example.com"}, testPage)
		if retry, _ := Retryable(err); err == nil || retry {
			t.Fatalf("Notify = %v; want a permanent error", err)
		}
		checkClean(t, err, "wrong-pass-123")
	})
	t.Run("a relay without STARTTLS is a permanent failure", func(t *testing.T) {
		starttls := cfg
		starttls.SMTP.TLS = ""
		err := newTestNotifier(starttls).Notify(context.Background(), Target{Kind: KindEmail, Address: "ana@example.com"}, testPage)
		if retry, _ := Retryable(err); err == nil || retry || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("Notify = %v; want a permanent STARTTLS error", err)
		}
	})
	t.Run("relay down is retryable", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		down := cfg
		down.SMTP.Relay = ln.Addr().String()
		ln.Close()
		err := newTestNotifier(down).Notify(context.Background(), Target{Kind: KindEmail, Address: "ana@example.com"}, testPage)
		if retry, _ := Retryable(err); err == nil || !retry {
			t.Fatalf("Notify = %v; want a retryable error", err)
		}
	})
	t.Run("no relay configured is permanent", func(t *testing.T) {
		err := newTestNotifier(Config{}).Notify(context.Background(), Target{Kind: KindEmail, Address: "ana@example.com"}, testPage)
		if retry, _ := Retryable(err); err == nil || retry {
			t.Fatalf("Notify = %v; want a permanent error", err)
		}
	})
	t.Run("header injection in a hand-built address is refused", func(t *testing.T) {
		err := n.Notify(context.Background(), Target{Kind: KindEmail, Address: "ana@example.com\r\nBcc: x@evil.example"}, testPage)
		if retry, _ := Retryable(err); err == nil || retry {
			t.Fatalf("Notify = %v; want a permanent error", err)
		}
	})
}

func TestEmailSubjectStaysOneLine(t *testing.T) {
	p := testPage
	p.Summary = "line one\r\nBcc: evil@example.com\r\n\r\nbody"
	raw := buildMail("a@example.com", "b@example.com", "d", testNow, p)
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Bcc") != "" {
		t.Fatalf("a header was injected: %q", raw)
	}
}

// flaky is a signed-webhook receiver answering 503 to its first fails requests.
type flaky struct {
	fails int
	mu    sync.Mutex
	keys  []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if VerifySignature(r.Header.Get(SignatureHeader), body, testSecret, testNow, time.Minute) != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, r.Header.Get(IdempotencyHeader))
	if len(f.keys) <= f.fails {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestEmailOverTLS(t *testing.T) {
	// httptest's certificate for 127.0.0.1, and a client that trusts it.
	hs := quietTLSServer()
	defer hs.Close()
	srvTLS := hs.TLS.Clone()
	cliTLS := hs.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cliTLS.ServerName = "127.0.0.1"
	for _, mode := range []string{TLSImplicit, TLSStartTLS} {
		t.Run(mode, func(t *testing.T) {
			r := &relay{}
			s := smtp.NewServer(r)
			s.Domain = "relay.test"
			s.ErrorLog = log.New(io.Discard, "", 0)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			if mode == TLSImplicit {
				ln = tls.NewListener(ln, srvTLS)
			} else {
				s.TLSConfig = srvTLS
			}
			go func() { _ = s.Serve(ln) }()
			defer s.Close()
			cfg := Config{SMTP: SMTPConfig{Relay: ln.Addr().String(), From: "oncall@shop.example", Username: "meridian", Password: "relay-pass", TLS: mode, TLSConfig: cliTLS}}
			if err := newTestNotifier(cfg).Notify(context.Background(), Target{Kind: KindEmail, Address: "ana@example.com"}, testPage); err != nil {
				t.Fatalf("Notify = %v", err)
			}
			if len(r.mails) != 1 {
				t.Fatalf("%d mails relayed", len(r.mails))
			}
			// Without trusting the certificate: permanent, not retried for ever.
			cfg.SMTP.TLSConfig = nil
			err = newTestNotifier(cfg).Notify(context.Background(), Target{Kind: KindEmail, Address: "ana@example.com"}, testPage)
			if retry, _ := Retryable(err); err == nil || retry {
				t.Fatalf("Notify with an untrusted certificate = %v; want a permanent error", err)
			}
			checkClean(t, err, "relay-pass")
		})
	}
}

// quietTLSServer is an httptest TLS server that does not log refused handshakes.
func quietTLSServer() *httptest.Server {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}
