// Package webchat is Meridian's own chat channel: a small script a shop embeds in its pages
// (GET /webchat/widget.js) that talks JSON frames over a WebSocket (GET /webchat/ws).
//
// Visitors are anonymous by default. On first connect the server issues a random visitor id
// and a token (an HMAC of the id with a server key) that the widget keeps in localStorage;
// the token stops a visitor from claiming another visitor's id. A shop that knows who is
// signed in vouches for them with identity verification: its page passes userId and
// userHash = hex HMAC-SHA256(userId, MERIDIAN_WEBCHAT_SECRET), and the visitor's messages then
// carry Sender.Verified, which the identity graph links to the shop's customer record.
//
// Protocol (one JSON object per text frame):
//
//	client → server
//	  {"type":"hello","visitorId":"v_…","visitorToken":"…","userId":"42","userHash":"<hex>",
//	   "name":"…","email":"…","emailHash":"<hex>","locale":"ja-JP"}   first frame, once
//	  {"type":"message","clientId":"c1","text":"…"}
//	  {"type":"received","id":"…"}, {"type":"read","id":"…"}   receipts for a reply
//	server → client
//	  {"type":"welcome","visitorId":"v_…","visitorToken":"…","verified":true}
//	  {"type":"ack","clientId":"c1","id":"v_…:c1"}     after the intake (Kafka) acknowledged it
//	  {"type":"message","id":"…","text":"…","at":"2026-01-02T03:04:05Z"}   an agent's reply
//	  {"type":"error","code":"…","message":"…","clientId":"c1","retry":true}
//
// A message's id is "<visitorId>:<clientId>", so a message re-sent after a lost ack (same
// clientId) counts once. A wrong userHash is answered with an identity_refused error frame and
// the connection continues anonymous; a bad visitor token gets a visitor_token_refused error
// and a fresh visitor id.
//
// Replies reach the visitor's open connections on this process; a visitor who is not
// connected gets them from a bounded in-memory mailbox on reconnect. Both live in one
// process: a deployment of several instances needs sticky sessions (by visitor) or it loses
// queued replies across instances, and queued replies do not survive a restart.
package webchat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/httpapi"
)

// Name is the channel's name in models.Channels.
const Name = "webchat"

//go:embed widget.js
var widgetJS []byte

var widgetETag = func() string {
	sum := sha256.Sum256(widgetJS)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// Config configures the web chat.
type Config struct {
	// Origins are the pages allowed to open the WebSocket, as scheme://host[:port]
	// (MERIDIAN_WEBCHAT_ORIGINS); path.Match patterns such as https://*.shop.example work, and
	// "*" allows any origin. Required: without origins the web chat is off.
	Origins []string
	// Secret is what the shop signs user ids with (MERIDIAN_WEBCHAT_SECRET). Empty: anonymous
	// visitors only.
	Secret string
	// VisitorKey signs visitor tokens. Empty: derived from Secret; with no Secret either, a
	// random key per process (visitors get new ids after a restart).
	VisitorKey []byte
	// Site is the channel address messages reach (Message.Account); default "web".
	Site string
	// Intake takes visitors' messages onto the ingest path. Required.
	Intake channels.Intake

	// MaxMessageBytes bounds one client frame (default 16 KiB); a larger one closes the
	// connection with a policy error.
	MaxMessageBytes int64
	// Rate and Burst limit each visitor's messages (default 5/s, burst 10).
	Rate  float64
	Burst int
	// IdleTimeout closes a connection the visitor sent nothing on (default 30 min).
	IdleTimeout time.Duration
	// HelloTimeout bounds the wait for the first frame (default 10 s).
	HelloTimeout time.Duration
	// PingEvery is how often the server pings to find dead connections (default 30 s).
	PingEvery time.Duration
	// MaxConnsPerIP bounds concurrent connections from one address (default 20).
	MaxConnsPerIP int
	// MailboxSize bounds the replies kept for a visitor who is not connected (default 50).
	MailboxSize int
	// OfflineAfter is how long after its last connection a visitor still receives replies
	// (default 24 h); later sends fail permanently with "visitor offline".
	OfflineAfter time.Duration
	// IntakeTimeout bounds handing one message to the intake (default 20 s).
	IntakeTimeout time.Duration
	// MaxVisitors bounds the visitors remembered between connections (default 100 000);
	// past it, those without waiting replies are forgotten.
	MaxVisitors int
	// ClientIP names a request's address for MaxConnsPerIP; default: the connection's
	// remote address (behind a proxy, the proxy's).
	ClientIP func(*http.Request) string

	Now func() time.Time
	Log *slog.Logger
}

// Channel is the web chat: an http.Handler for /webchat/ and the channels.Outbound that
// delivers agents' replies.
type Channel struct {
	cfg     Config
	key     []byte
	anyOrig bool
	mux     *http.ServeMux

	mu        sync.Mutex
	visitors  map[string]*visitor
	perIP     map[string]int
	conns     map[*conn]struct{}
	lastSweep time.Time
	closed    bool
	sessions  sync.WaitGroup
}

// visitor is what this process knows of one visitor id.
type visitor struct {
	conns    map[*conn]struct{}
	lastSeen time.Time
	mailbox  []serverFrame
	// sent remembers recently delivered reply ids, so a send the outbox retries after a lost
	// answer is not shown twice.
	sent    []string
	limiter *rate.Limiter
	// wrote: the visitor sent a message through this process, so it is worth remembering
	// after it disconnects; the others are forgotten at once, so connecting in a loop does
	// not fill memory.
	wrote bool
}

// New makes the web chat. It refuses to run without origins or an intake.
func New(cfg Config) (*Channel, error) {
	if len(cfg.Origins) == 0 {
		return nil, errors.New("webchat: MERIDIAN_WEBCHAT_ORIGINS is not set (the pages allowed to open the chat)")
	}
	if cfg.Intake == nil {
		return nil, errors.New("webchat: no intake")
	}
	cfg.Origins = slices.Clone(cfg.Origins)
	c := &Channel{cfg: cfg, visitors: map[string]*visitor{}, perIP: map[string]int{}, conns: map[*conn]struct{}{}}
	for i, o := range cfg.Origins {
		o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
		if o == "*" {
			c.anyOrig = true
			continue
		}
		u, err := url.Parse(strings.ReplaceAll(o, "*", "x"))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("webchat: origin %q: want scheme://host[:port], e.g. https://shop.example", cfg.Origins[i])
		}
		if _, err := path.Match(o, ""); err != nil {
			return nil, fmt.Errorf("webchat: origin %q: %w", cfg.Origins[i], err)
		}
		c.cfg.Origins[i] = o
	}
	switch {
	case len(cfg.VisitorKey) > 0:
		c.key = cfg.VisitorKey
	case cfg.Secret != "":
		c.key = deriveKey(cfg.Secret)
	default:
		c.key = make([]byte, 32)
		_, _ = rand.Read(c.key)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.cfg.IdleTimeout, 30*time.Minute)
	def(&c.cfg.HelloTimeout, 10*time.Second)
	def(&c.cfg.PingEvery, 30*time.Second)
	def(&c.cfg.OfflineAfter, 24*time.Hour)
	def(&c.cfg.IntakeTimeout, 20*time.Second)
	if c.cfg.MaxMessageBytes <= 0 {
		c.cfg.MaxMessageBytes = 16 << 10
	}
	if c.cfg.Rate <= 0 {
		c.cfg.Rate = 5
	}
	if c.cfg.Burst <= 0 {
		c.cfg.Burst = 10
	}
	if c.cfg.MaxConnsPerIP <= 0 {
		c.cfg.MaxConnsPerIP = 20
	}
	if c.cfg.MaxVisitors <= 0 {
		c.cfg.MaxVisitors = 100_000
	}
	if c.cfg.ClientIP == nil {
		c.cfg.ClientIP = remoteIP
	}
	if c.cfg.MailboxSize <= 0 {
		c.cfg.MailboxSize = 50
	}
	if c.cfg.Site == "" {
		c.cfg.Site = "web"
	}
	if c.cfg.Now == nil {
		c.cfg.Now = time.Now
	}
	if c.cfg.Log == nil {
		c.cfg.Log = slog.Default()
	}
	c.mux = http.NewServeMux()
	c.mux.HandleFunc("GET /webchat/ws", c.serveWS)
	c.mux.HandleFunc("GET /webchat/widget.js", serveWidget)
	c.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, http.StatusNotFound, "no such web chat endpoint: "+r.URL.Path+" (GET /webchat/ws, GET /webchat/widget.js)")
	})
	return c, nil
}

// ServeHTTP serves /webchat/ws and /webchat/widget.js.
func (c *Channel) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// Off answers every /webchat/ request 404 with why the web chat is off.
func Off(reason string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteError(w, http.StatusNotFound, "web chat is off: "+reason)
	})
}

// serveWidget serves the embeddable script. Shops load it from their own origin, so it is
// cross-origin readable; it is cached for a day and revalidated by its ETag after that, so an
// upgrade reaches shops within a day without a versioned URL.
func serveWidget(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=86400, stale-while-revalidate=604800")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("ETag", widgetETag)
	if r.Header.Get("If-None-Match") == widgetETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(widgetJS)
}

// originAllowed checks a browser's Origin header against the configured origins.
func (c *Channel) originAllowed(origin string) bool {
	if c.anyOrig {
		return true
	}
	origin = strings.ToLower(origin)
	for _, o := range c.cfg.Origins {
		if ok, _ := path.Match(o, origin); ok {
			return true
		}
	}
	return false
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Close closes every open connection (going away) and waits a few seconds for their
// sessions to end, so no message is handed to the intake after it; the widgets reconnect to
// another instance or after the restart.
func (c *Channel) Close() {
	c.mu.Lock()
	c.closed = true
	all := make([]*conn, 0, len(c.conns))
	for k := range c.conns {
		all = append(all, k)
	}
	c.mu.Unlock()
	for _, k := range all {
		k.close(statusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { c.sessions.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		for _, k := range all {
			_ = k.ws.CloseNow()
		}
	}
}

// Send delivers an agent's reply to the visitor's open connections, or keeps it in the
// visitor's mailbox until they reconnect. The receipt's id is the ledger's key.
func (c *Channel) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	if !validVisitorID(m.To) {
		return channels.Receipt{}, &channels.SendError{Reason: "not a web chat visitor id: " + m.To}
	}
	if m.Text == "" {
		return channels.Receipt{}, &channels.SendError{Reason: "text is empty"}
	}
	id := m.Key
	if id == "" {
		id = newVisitorID()[2:]
	}
	now := c.cfg.Now()
	f := serverFrame{Type: typeMessage, ID: id, Text: m.Text, At: now.UTC().Format(time.RFC3339Nano)}

	c.mu.Lock()
	v := c.visitors[m.To]
	if v == nil {
		// Not seen by this process (a restart, another instance): the customer's last message
		// says whether they are still around.
		if m.LastInbound.IsZero() || now.Sub(m.LastInbound) > c.cfg.OfflineAfter {
			c.mu.Unlock()
			return channels.Receipt{}, &channels.SendError{Code: "offline", Reason: "visitor offline"}
		}
		v = c.newVisitor(m.LastInbound)
		c.visitors[m.To] = v
	}
	if containsID(v.sent, id) || containsFrame(v.mailbox, id) {
		c.mu.Unlock()
		return channels.Receipt{MessageID: id}, nil
	}
	targets := make([]*conn, 0, len(v.conns))
	for k := range v.conns {
		targets = append(targets, k)
	}
	if len(targets) == 0 {
		defer c.mu.Unlock()
		if now.Sub(v.lastSeen) > c.cfg.OfflineAfter {
			return channels.Receipt{}, &channels.SendError{Code: "offline", Reason: "visitor offline"}
		}
		if len(v.mailbox) >= c.cfg.MailboxSize {
			return channels.Receipt{}, &channels.SendError{Code: "mailbox_full", Reason: "visitor's mailbox is full until they reconnect",
				Retryable: true, RetryAfter: time.Minute}
		}
		v.mailbox = append(v.mailbox, f)
		return channels.Receipt{MessageID: id}, nil
	}
	c.mu.Unlock()

	delivered := false
	for _, k := range targets {
		if err := k.write(ctx, f); err == nil {
			delivered = true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if delivered {
		v.remember(id, c.cfg.MailboxSize)
		return channels.Receipt{MessageID: id}, nil
	}
	// Every connection broke while writing: the next connection gets it.
	if len(v.mailbox) >= c.cfg.MailboxSize {
		return channels.Receipt{}, &channels.SendError{Code: "mailbox_full", Reason: "visitor's mailbox is full until they reconnect",
			Retryable: true, RetryAfter: time.Minute}
	}
	v.mailbox = append(v.mailbox, f)
	return channels.Receipt{MessageID: id}, nil
}

func (c *Channel) newVisitor(seen time.Time) *visitor {
	return &visitor{conns: map[*conn]struct{}{}, lastSeen: seen,
		limiter: rate.NewLimiter(rate.Limit(c.cfg.Rate), c.cfg.Burst)}
}

func (v *visitor) remember(id string, n int) {
	v.sent = append(v.sent, id)
	if len(v.sent) > n {
		v.sent = v.sent[len(v.sent)-n:]
	}
}

func containsID(ids []string, id string) bool {
	for _, s := range ids {
		if s == id {
			return true
		}
	}
	return false
}

func containsFrame(fs []serverFrame, id string) bool {
	for _, f := range fs {
		if f.ID == id {
			return true
		}
	}
	return false
}

// sweepLocked forgets visitors gone longer than OfflineAfter, at most once a minute, and,
// past MaxVisitors, every disconnected visitor without waiting replies.
func (c *Channel) sweepLocked(now time.Time) {
	full := len(c.visitors) >= c.cfg.MaxVisitors
	if !full && now.Sub(c.lastSweep) < time.Minute {
		return
	}
	c.lastSweep = now
	for id, v := range c.visitors {
		if len(v.conns) == 0 && (now.Sub(v.lastSeen) > c.cfg.OfflineAfter || full && len(v.mailbox) == 0) {
			delete(c.visitors, id)
		}
	}
}
