package webchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/httpapi"
	"github.com/meridian-cs/meridian/models"
)

// Close codes the widget acts on, besides the library's 1008 (policy) and 1009 (too big).
const (
	// StatusIdle: the visitor sent nothing for Config.IdleTimeout; the widget reconnects on
	// the visitor's next interaction rather than at once.
	StatusIdle      websocket.StatusCode = 4000
	statusGoingAway                      = websocket.StatusGoingAway
)

const writeTimeout = 10 * time.Second

// conn is one open WebSocket of a visitor.
type conn struct {
	ws *websocket.Conn
	// wmu orders writes, so a visitor's mailbox reaches it before newer replies.
	wmu       sync.Mutex
	closeOnce sync.Once
}

func (k *conn) write(ctx context.Context, f serverFrame) error {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	return k.writeLocked(ctx, f)
}

func (k *conn) writeLocked(ctx context.Context, f serverFrame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return k.ws.Write(ctx, websocket.MessageText, b)
}

// close sends a close frame without waiting for the handshake to finish.
func (k *conn) close(code websocket.StatusCode, reason string) {
	k.closeOnce.Do(func() { go func() { _ = k.ws.Close(code, reason) }() })
}

func errorFrame(code, msg, clientID string, retry *bool) serverFrame {
	return serverFrame{Type: typeError, Code: code, Message: msg, ClientID: clientID, Retry: retry}
}

func ptr(b bool) *bool { return &b }

func (c *Channel) serveWS(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		httpapi.WriteError(w, http.StatusForbidden, "the web chat is opened by the widget in a browser page: the Origin header is required")
		return
	}
	if !c.originAllowed(origin) {
		httpapi.WriteError(w, http.StatusForbidden, fmt.Sprintf("origin %q may not open the web chat (MERIDIAN_WEBCHAT_ORIGINS)", origin))
		return
	}
	ip := c.cfg.ClientIP(r)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		httpapi.WriteError(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	if c.perIP[ip] >= c.cfg.MaxConnsPerIP {
		c.mu.Unlock()
		httpapi.WriteError(w, http.StatusTooManyRequests, "too many web chat connections from this address")
		return
	}
	c.perIP[ip]++
	c.sessions.Add(1)
	c.mu.Unlock()
	defer c.sessions.Done()
	defer func() {
		c.mu.Lock()
		if c.perIP[ip]--; c.perIP[ip] <= 0 {
			delete(c.perIP, ip)
		}
		c.mu.Unlock()
	}()

	// The origin is checked above against the shop's pages, which the library's same-host
	// rule does not know.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept answered
	}
	defer ws.CloseNow()
	ws.SetReadLimit(c.cfg.MaxMessageBytes)
	k := &conn{ws: ws}
	// The request's context is not to be used after a hijack.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.session(ctx, k)
}

// session runs one connection: hello, then messages until it closes.
func (c *Channel) session(ctx context.Context, k *conn) {
	hctx, hcancel := context.WithTimeout(ctx, c.cfg.HelloTimeout)
	typ, b, err := k.ws.Read(hctx)
	hcancel()
	if err != nil {
		return
	}
	var hello clientFrame
	if typ == websocket.MessageText {
		hello, err = parseFrame(b)
	}
	if typ != websocket.MessageText || err != nil || hello.Type != typeHello {
		_ = k.write(ctx, errorFrame(codeNoHello, `the first frame must be {"type":"hello",...}`, "", nil))
		k.close(websocket.StatusPolicyViolation, "hello required")
		waitClosed(ctx, k)
		return
	}
	s := c.identify(ctx, k, hello)
	v := c.register(ctx, k, s)
	defer c.unregister(k, s.visitorID)

	ctx, cancel := context.WithCancel(ctx)
	go c.ping(ctx, k)
	work := make(chan clientFrame, c.cfg.Burst)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for f := range work {
			if f.Type == typeMessage {
				c.accept(ctx, k, s, v, f)
			} else {
				c.receipt(ctx, s, v, f)
			}
		}
	}()
	// A closed connection stops the message in hand: its ack could not arrive, and the widget
	// sends it again on its next connection.
	defer func() { cancel(); close(work); <-done }()

	idle := time.AfterFunc(c.cfg.IdleTimeout, func() { k.close(StatusIdle, "idle") })
	defer idle.Stop()
	for {
		typ, b, err := k.ws.Read(ctx)
		if err != nil {
			return // closed, too big (the library closed it with 1009), or dead
		}
		idle.Reset(c.cfg.IdleTimeout)
		if typ != websocket.MessageText {
			k.close(websocket.StatusPolicyViolation, "text frames only")
			continue
		}
		f, err := parseFrame(b)
		cid := f.ClientID
		if !validClientID(cid) {
			cid = ""
		}
		if !v.limiter.AllowN(c.cfg.Now(), 1) {
			_ = k.write(ctx, errorFrame(codeRateLimited, "too many messages; send this one again in a moment", cid, ptr(true)))
			continue
		}
		switch {
		case err != nil:
			_ = k.write(ctx, errorFrame(codeBadFrame, err.Error(), cid, ptr(false)))
		case f.Type == typeHello:
			_ = k.write(ctx, errorFrame(codeBadFrame, "hello was already sent on this connection", "", ptr(false)))
		default:
			select {
			case work <- f:
			default:
				_ = k.write(ctx, errorFrame(codeRateLimited, "too many messages waiting; send this one again in a moment", f.ClientID, ptr(true)))
			}
		}
	}
}

// waitClosed lets the close handshake finish before the handler returns.
func waitClosed(ctx context.Context, k *conn) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		if _, _, err := k.ws.Read(ctx); err != nil {
			return
		}
	}
}

// session is who a connection speaks for.
type session struct {
	visitorID string
	verified  string
	name      string
	email     string
	locale    string
}

// identify reads a hello: the visitor's id (kept when its token verifies, else a new one) and
// the shop's vouching for a signed-in user. Refusals are error frames; the visitor continues
// anonymous.
func (c *Channel) identify(ctx context.Context, k *conn, h clientFrame) session {
	s := session{visitorID: h.VisitorID, locale: h.Locale}
	if s.visitorID != "" && !validVisitorToken(c.key, s.visitorID, h.VisitorToken) {
		_ = k.write(ctx, errorFrame(codeVisitorToken, "visitorToken does not match visitorId; continuing as a new visitor", "", nil))
		s.visitorID = ""
	}
	if s.visitorID == "" {
		s.visitorID = newVisitorID()
	}
	if h.UserID == "" {
		return s
	}
	switch {
	case c.cfg.Secret == "":
		_ = k.write(ctx, errorFrame(codeIdentity, "identity verification is not configured on this server (MERIDIAN_WEBCHAT_SECRET); continuing anonymous", "", nil))
		return s
	case !validUserHash(c.cfg.Secret, h.UserID, h.UserHash):
		c.cfg.Log.Warn("web chat identity refused: userHash does not verify", "visitor", s.visitorID)
		_ = k.write(ctx, errorFrame(codeIdentity, "userHash is not HMAC-SHA256(userId, secret) in hex; continuing anonymous", "", nil))
		return s
	}
	s.verified, s.name = h.UserID, h.Name
	if h.Email != "" {
		// The user hash covers the user id only: an e-mail address links customers in the
		// identity graph, so it is taken only when the shop signed it too.
		if validUserHash(c.cfg.Secret, h.Email, h.EmailHash) {
			s.email = h.Email
		} else {
			_ = k.write(ctx, errorFrame(codeEmailUnsigned, "email is ignored: emailHash is not HMAC-SHA256(email, secret) in hex", "", nil))
		}
	}
	return s
}

// register makes the connection the visitor's, then welcomes it and hands it the replies
// that waited in its mailbox, before any newer reply can be written to it.
func (c *Channel) register(ctx context.Context, k *conn, s session) *visitor {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	now := c.cfg.Now()
	c.mu.Lock()
	c.sweepLocked(now)
	v := c.visitors[s.visitorID]
	if v == nil {
		v = c.newVisitor(now)
		c.visitors[s.visitorID] = v
	}
	v.conns[k] = struct{}{}
	v.lastSeen = now
	c.conns[k] = struct{}{}
	mail := v.mailbox
	v.mailbox = nil
	c.mu.Unlock()

	_ = k.writeLocked(ctx, serverFrame{Type: typeWelcome, VisitorID: s.visitorID,
		VisitorToken: visitorToken(c.key, s.visitorID), Verified: ptr(s.verified != "")})
	for i, f := range mail {
		if err := k.writeLocked(ctx, f); err != nil {
			c.mu.Lock()
			v.mailbox = append(append([]serverFrame(nil), mail[i:]...), v.mailbox...)
			c.mu.Unlock()
			break
		}
		c.mu.Lock()
		v.remember(f.ID, c.cfg.MailboxSize)
		c.mu.Unlock()
	}
	return v
}

func (c *Channel) unregister(k *conn, visitorID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.conns, k)
	if v := c.visitors[visitorID]; v != nil {
		delete(v.conns, k)
		v.lastSeen = c.cfg.Now()
		if len(v.conns) == 0 && !v.wrote && len(v.mailbox) == 0 {
			delete(c.visitors, visitorID)
		}
	}
}

// ping finds connections whose peer went away without closing.
func (c *Channel) ping(ctx context.Context, k *conn) {
	t := time.NewTicker(c.cfg.PingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, c.cfg.PingEvery)
		err := k.ws.Ping(pctx)
		cancel()
		if err != nil {
			_ = k.ws.CloseNow()
			return
		}
	}
}

// accept hands one message to the intake and acks it once the intake has it.
func (c *Channel) accept(ctx context.Context, k *conn, s session, v *visitor, f clientFrame) {
	id := s.visitorID + ":" + f.ClientID
	m := channels.Message{
		ID: id, Account: c.cfg.Site, Timestamp: c.cfg.Now().UTC(), Kind: "text", Text: f.Text,
		From: channels.Sender{ID: s.visitorID, Name: s.name, Email: s.email, Locale: s.locale, Verified: s.verified},
	}
	ictx, cancel := context.WithTimeout(ctx, c.cfg.IntakeTimeout)
	err := c.cfg.Intake.Receive(ictx, Name, &channels.Delivery{Messages: []channels.Message{m}})
	cancel()
	if err != nil {
		var fe *models.FieldError
		if errors.As(err, &fe) {
			_ = k.write(ctx, errorFrame(codeRejected, "message refused: "+fe.Error(), f.ClientID, ptr(false)))
			return
		}
		if ctx.Err() == nil {
			c.cfg.Log.Error("web chat message not acknowledged", "visitor", s.visitorID, "err", err)
		}
		_ = k.write(ctx, errorFrame(codeNotAccepted, "message not received; send it again", f.ClientID, ptr(true)))
		return
	}
	c.mu.Lock()
	v.wrote = true
	c.mu.Unlock()
	_ = k.write(ctx, serverFrame{Type: typeAck, ClientID: f.ClientID, ID: id})
}

// receipt passes the widget's word that it showed (or the visitor read) a reply on to the
// send ledger. Only replies delivered to this visitor are taken, so nobody marks another
// visitor's replies read. Receipts are best effort: none is re-sent.
func (c *Channel) receipt(ctx context.Context, s session, v *visitor, f clientFrame) {
	c.mu.Lock()
	ours := containsID(v.sent, f.ID)
	c.mu.Unlock()
	if !ours {
		return
	}
	state := channels.StateDelivered
	if f.Type == typeRead {
		state = channels.StateRead
	}
	ictx, cancel := context.WithTimeout(ctx, c.cfg.IntakeTimeout)
	defer cancel()
	st := channels.Status{MessageID: f.ID, State: state, Timestamp: c.cfg.Now().UTC()}
	if err := c.cfg.Intake.Receive(ictx, Name, &channels.Delivery{Statuses: []channels.Status{st}}); err != nil && ctx.Err() == nil {
		c.cfg.Log.Warn("web chat receipt not recorded", "visitor", s.visitorID, "err", err)
	}
}
