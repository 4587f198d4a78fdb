package oncall

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/meridian-cs/meridian/provider"
)

// Page is what a page says: enough for the person paged to decide, and a link to the rest.
type Page struct {
	// ID is the idempotency key: the same page sent twice has the same ID (the escalation
	// event's id and the step, say), so receivers can drop repeats.
	ID           string    `json:"id"`
	Conversation string    `json:"conversation"`
	Region       string    `json:"region"`
	Urgency      string    `json:"urgency"`
	Summary      string    `json:"summary"`
	Intent       string    `json:"intent,omitempty"`
	Sentiment    string    `json:"sentiment,omitempty"`
	Link         string    `json:"link,omitempty"`
	At           time.Time `json:"at"`
}

// Notifier sends one page to one target, once. Implementations return errors that
// [Retryable] can classify, and must be safe for concurrent use.
type Notifier interface {
	Notify(ctx context.Context, t Target, p Page) error
}

// Header names of the generic webhook.
const (
	SignatureHeader   = "X-Meridian-Signature"
	IdempotencyHeader = "Idempotency-Key"
)

// SMTP TLS modes.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// Config configures an [HTTPNotifier]. Zero values take the documented defaults.
type Config struct {
	// WebhookSecret signs generic webhook bodies (HMAC-SHA256). Without it webhook targets
	// fail permanently: an unsigned page cannot be trusted by its receiver.
	WebhookSecret string
	// Timeout bounds one attempt (an HTTP request or an SMTP transaction). Default 10 s.
	Timeout time.Duration
	// Client sends the HTTP requests. Default: a client that follows no redirects (a
	// redirect would carry a secret URL's page elsewhere).
	Client *http.Client
	// SMTP is the relay for e-mail targets.
	SMTP SMTPConfig
	// Now stamps signatures and e-mail dates. Default time.Now.
	Now func() time.Time
	// Log receives one debug line per attempt; default slog.Default().
	Log *slog.Logger
}

// SMTPConfig is an SMTP relay. Without Relay, e-mail targets fail permanently.
type SMTPConfig struct {
	Relay string // host:port
	From  string // envelope and header sender
	// Username and Password authenticate with PLAIN when Username is set.
	Username, Password string
	// TLS is "starttls" (default), "tls" (implicit, port 465) or "none" (local relays).
	TLS string
	// TLSConfig overrides the TLS client configuration (custom roots in tests).
	TLSConfig *tls.Config
	// Domain is the HELO name and the Message-ID domain; default "meridian.invalid".
	Domain string
}

// HTTPNotifier is the [Notifier] for webhook, Slack-style and e-mail targets.
type HTTPNotifier struct {
	cfg Config
}

// NewNotifier returns a notifier with cfg's defaults filled in.
func NewNotifier(cfg Config) *HTTPNotifier {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.SMTP.TLS == "" {
		cfg.SMTP.TLS = TLSStartTLS
	}
	if cfg.SMTP.Domain == "" {
		cfg.SMTP.Domain = "meridian.invalid"
	}
	return &HTTPNotifier{cfg: cfg}
}

// Notify sends p to t once.
func (n *HTTPNotifier) Notify(ctx context.Context, t Target, p Page) error {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	var err error
	switch t.Kind {
	case KindWebhook:
		err = n.webhook(ctx, t, p)
	case KindSlack:
		err = n.slack(ctx, t, p)
	case KindEmail:
		err = n.email(ctx, t, p)
	default:
		err = &DeliveryError{Kind: t.Kind, Reason: "unknown target kind"}
	}
	n.cfg.Log.Debug("oncall: page sent", "page", p.ID, "target", t.String(), "err", err)
	return err
}

// DeliveryError is a failed attempt, classified. Its text never holds the target's URL or a
// secret.
type DeliveryError struct {
	Kind       string // target kind
	Status     int    // HTTP status or SMTP reply code; 0 without an answer
	Code       string // the receiver's error code ("no_service", "5.1.1")
	Reason     string
	Retryable  bool
	RetryAfter time.Duration // what the receiver asked for, 0 when it did not
	Err        error         // the cause, stripped of URLs
}

func (e *DeliveryError) Error() string {
	var b strings.Builder
	b.WriteString("oncall: ")
	b.WriteString(e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Retryable says whether err is worth another attempt, and how long the receiver asked to
// wait. Errors that are not DeliveryErrors are retryable, except cancellation.
func Retryable(err error) (bool, time.Duration) {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.Retryable, de.RetryAfter
	}
	if err == nil || errors.Is(err, context.Canceled) {
		return false, 0
	}
	return true, 0
}

// Sign is the X-Meridian-Signature value for body sent at t: "t=<unix>,v1=<hex>", v1 being
// HMAC-SHA256 over "<unix>.<body>" with the secret.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ErrSignature is returned by [VerifySignature] for a missing, malformed, wrong or stale
// signature.
var ErrSignature = errors.New("oncall: bad webhook signature")

// VerifySignature checks an X-Meridian-Signature header against body, for receivers (and
// tests): the HMAC must match and its timestamp be within tolerance of now, against replays.
func VerifySignature(header string, body []byte, secret string, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if s, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, s)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: malformed", ErrSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp outside tolerance", ErrSignature)
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: mismatch", ErrSignature)
}

func (n *HTTPNotifier) webhook(ctx context.Context, t Target, p Page) error {
	if n.cfg.WebhookSecret == "" {
		return &DeliveryError{Kind: KindWebhook, Reason: "no webhook secret configured"}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return &DeliveryError{Kind: KindWebhook, Reason: "encoding the page", Err: err}
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(SignatureHeader, Sign(n.cfg.WebhookSecret, n.cfg.Now(), body))
	if p.ID != "" {
		h.Set(IdempotencyHeader, p.ID)
	}
	return n.post(ctx, KindWebhook, t.URL, h, body)
}

func (n *HTTPNotifier) slack(ctx context.Context, t Target, p Page) error {
	body, err := json.Marshal(map[string]string{"text": SlackText(p)})
	if err != nil {
		return &DeliveryError{Kind: KindSlack, Reason: "encoding the page", Err: err}
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return n.post(ctx, KindSlack, t.URL, h, body)
}

// SlackText is the page as Slack mrkdwn: urgency, region and summary on the first line (the
// notification preview), intent and sentiment, and a link.
func SlackText(p Page) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*[%s]* %s escalation: %s", slackEscape(strings.ToUpper(p.Urgency)), slackEscape(p.Region), slackEscape(oneLine(p.Summary)))
	var facts []string
	if p.Intent != "" {
		facts = append(facts, "intent: "+slackEscape(p.Intent))
	}
	if p.Sentiment != "" {
		facts = append(facts, "sentiment: "+slackEscape(p.Sentiment))
	}
	if len(facts) > 0 {
		b.WriteString("\n" + strings.Join(facts, " · "))
	}
	if p.Link != "" {
		fmt.Fprintf(&b, "\n<%s|Open conversation %s>", strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(p.Link), slackEscape(p.Conversation))
	} else if p.Conversation != "" {
		b.WriteString("\nconversation " + slackEscape(p.Conversation))
	}
	return b.String()
}

// slackEscape escapes the three characters Slack's message formatting reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// post sends one request and classifies the answer: 2xx delivered; 408, 425, 429 and 5xx
// retryable (with Retry-After); other statuses, redirects included, permanent.
func (n *HTTPNotifier) post(ctx context.Context, kind, u string, h http.Header, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return &DeliveryError{Kind: kind, Reason: "bad target url"}
	}
	req.Header = h
	req.Header.Set("User-Agent", "Meridian-oncall/1")
	resp, err := n.cfg.Client.Do(req)
	if err != nil {
		return transportError(ctx, kind, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	e := &DeliveryError{Kind: kind, Status: resp.StatusCode}
	text := oneLine(string(msg))
	if kind == KindSlack && isSlackCode(text) {
		e.Code = text
	} else {
		e.Reason = truncate(text, 200)
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s == http.StatusTooEarly || s >= 500:
		e.Retryable = true
		e.RetryAfter = provider.RetryAfter(resp.Header, n.cfg.Now())
	}
	return e
}

// isSlackCode recognises Slack's error bodies ("no_service", "invalid_payload").
func isSlackCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// transportError classifies a request that got no answer. The *url.Error wrapper is dropped
// because its text holds the URL.
func transportError(ctx context.Context, kind string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	e := &DeliveryError{Kind: kind, Retryable: true, Err: err}
	var ne net.Error
	var cert *tls.CertificateVerificationError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		e.Retryable = false
		e.Reason = "cancelled"
	case errors.As(err, &cert):
		// A certificate we refuse now we will refuse on the next attempt too.
		e.Retryable = false
		e.Reason = "certificate refused"
		e.Err = cert.Err
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		e.Reason = "timeout"
	default:
		e.Reason = "no answer"
	}
	return e
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// email sends the page through the SMTP relay: 4xx replies and network failures are
// retryable, 5xx replies permanent.
func (n *HTTPNotifier) email(ctx context.Context, t Target, p Page) error {
	c := n.cfg.SMTP
	if c.Relay == "" || c.From == "" {
		return &DeliveryError{Kind: KindEmail, Reason: "no SMTP relay configured"}
	}
	if a, err := mail.ParseAddress(t.Address); err != nil || a.Address != t.Address {
		return &DeliveryError{Kind: KindEmail, Reason: "target is not a plain e-mail address"}
	}
	raw := buildMail(c.From, t.Address, c.Domain, n.cfg.Now(), p)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.Relay)
	if err != nil {
		return transportError(ctx, KindEmail, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	tlsCfg := c.TLSConfig
	if tlsCfg == nil {
		host, _, _ := net.SplitHostPort(c.Relay)
		tlsCfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	var cl *smtp.Client
	switch c.TLS {
	case TLSImplicit:
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return smtpError(ctx, "tls", err)
		}
		cl = smtp.NewClient(tc)
	case TLSNone:
		cl = smtp.NewClient(conn)
	default:
		if cl, err = smtp.NewClientStartTLS(conn, tlsCfg); err != nil {
			conn.Close()
			return smtpError(ctx, "starttls", err)
		}
	}
	defer cl.Close()
	if err := cl.Hello(c.Domain); err != nil {
		return smtpError(ctx, "hello", err)
	}
	if c.Username != "" {
		if err := cl.Auth(sasl.NewPlainClient("", c.Username, c.Password)); err != nil {
			return smtpError(ctx, "auth", err)
		}
	}
	if err := cl.SendMail(c.From, []string{t.Address}, bytes.NewReader(raw)); err != nil {
		return smtpError(ctx, "send", err)
	}
	_ = cl.Quit()
	return nil
}

func smtpError(ctx context.Context, step string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		e := &DeliveryError{Kind: KindEmail, Status: se.Code, Reason: step + ": " + truncate(oneLine(se.Message), 200), Retryable: se.Code/100 == 4}
		if se.EnhancedCode != (smtp.EnhancedCode{}) && se.EnhancedCode != smtp.NoEnhancedCode {
			e.Code = fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
		}
		return e
	}
	e := transportError(ctx, KindEmail, err).(*DeliveryError)
	e.Reason = step + ": " + e.Reason
	// A relay without STARTTLS or with a certificate we refuse will not change its mind:
	// only network failures are worth retrying there.
	var ne net.Error
	if (step == "tls" || step == "starttls") && !errors.As(err, &ne) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		e.Retryable = false
	}
	return e
}

// buildMail writes a UTF-8 text/plain message whose Message-ID derives from the page's ID,
// so a retried page is recognisably the same mail.
func buildMail(from, to, domain string, now time.Time, p Page) []byte {
	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", from)
	hdr("To", to)
	subject := fmt.Sprintf("[%s] %s escalation: %s", strings.ToUpper(p.Urgency), p.Region, truncate(oneLine(p.Summary), 120))
	hdr("Subject", mime.QEncoding.Encode("utf-8", oneLine(subject)))
	hdr("Date", now.Format(time.RFC1123Z))
	key := p.ID
	if key == "" {
		key = p.Conversation + "\x00" + p.At.String()
	}
	sum := sha256.Sum256([]byte("meridian-oncall\x00" + key))
	hdr("Message-ID", "<"+hex.EncodeToString(sum[:16])+"@"+domain+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	var body strings.Builder
	fmt.Fprintf(&body, "%s urgency escalation in region %s.\r\n\r\n%s\r\n\r\n", p.Urgency, p.Region, p.Summary)
	if p.Intent != "" {
		fmt.Fprintf(&body, "Intent: %s\r\n", oneLine(p.Intent))
	}
	if p.Sentiment != "" {
		fmt.Fprintf(&body, "Sentiment: %s\r\n", oneLine(p.Sentiment))
	}
	fmt.Fprintf(&body, "Conversation: %s\r\n", oneLine(p.Conversation))
	if p.Link != "" {
		fmt.Fprintf(&body, "Open: %s\r\n", oneLine(p.Link))
	}
	if !p.At.IsZero() {
		fmt.Fprintf(&body, "Escalated at: %s\r\n", p.At.UTC().Format(time.RFC3339))
	}
	_, _ = qp.Write([]byte(body.String()))
	_ = qp.Close()
	return b.Bytes()
}
