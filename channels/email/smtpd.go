package email

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

// Listener is the SMTP server that takes mail forwarded to Meridian. A message is answered
// 250 only once the receiver acknowledged it; the receiver's failure answers 451 so the
// sending server keeps it and retries; a message that is not mail answers 554 with why.
type Listener struct {
	cfg  Config
	recv Receiver
	log  *slog.Logger
	srv  *smtp.Server
}

// Listener makes the channel's SMTP listener handing mail to r.
func (c *Channel) Listener(r Receiver) (*Listener, error) {
	if c.cfg.Listen == "" {
		return nil, errors.New("email: MERIDIAN_SMTP_LISTEN is not set")
	}
	l := &Listener{cfg: c.cfg, recv: r, log: c.cfg.Log.With("channel", Name, "part", "smtp")}
	s := smtp.NewServer(smtp.BackendFunc(l.newSession))
	s.Addr = c.cfg.Listen
	s.Domain = c.cfg.Domain
	s.MaxMessageBytes = c.cfg.MaxMessageBytes
	s.MaxRecipients = c.cfg.MaxRecipients
	s.TLSConfig = c.cfg.ListenTLS
	s.ReadTimeout = 5 * time.Minute
	s.WriteTimeout = time.Minute
	s.EnableSMTPUTF8 = true
	// AUTH in clear text only on a loopback listener; elsewhere after STARTTLS.
	s.AllowInsecureAuth = loopback(c.cfg.Listen)
	l.srv = s
	return l, nil
}

// ListenAndServe listens on Config.Listen until ctx ends.
func (l *Listener) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", l.cfg.Listen)
	if err != nil {
		return fmt.Errorf("email: listening on %s: %w", l.cfg.Listen, err)
	}
	return l.Serve(ctx, ln)
}

// Serve answers SMTP on ln until ctx ends, then closes the server and its connections.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	l.log.Info("smtp listener up", "addr", ln.Addr().String())
	done := make(chan error, 1)
	go func() { done <- l.srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("email: smtp listener: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := l.srv.Shutdown(sctx); err != nil {
			_ = l.srv.Close()
		}
		<-done
		return nil
	}
}

type session struct {
	l      *Listener
	remote string
	authed bool
	from   string
	rcpts  []string
}

func (l *Listener) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{l: l, remote: c.Conn().RemoteAddr().String()}, nil
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string {
	if s.l.cfg.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if s.l.cfg.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		u := subtle.ConstantTimeCompare([]byte(username), []byte(s.l.cfg.Username))
		p := subtle.ConstantTimeCompare([]byte(password), []byte(s.l.cfg.Password))
		if u&p != 1 || (identity != "" && identity != username) {
			s.l.log.Warn("smtp auth failed", "remote", s.remote)
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.l.cfg.Username != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !validAddr(to) {
		return &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "recipient is not an address"}
	}
	s.rcpts = append(s.rcpts, strings.ToLower(to))
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se // 552 over MaxMessageBytes
		}
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "reading the message failed; try again"}
	}
	now := s.l.cfg.Now()
	m, err := Parse(raw, s.rcpts[0], now)
	if err != nil {
		s.l.log.Warn("smtp message refused", "remote", s.remote, "from", s.from, "err", err)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message refused: " + oneLine(err.Error())}
	}
	if m.Attributes == nil {
		m.Attributes = map[string]string{}
	}
	m.Attributes["envelope_from"] = clean(s.from)
	if len(s.rcpts) > 1 {
		m.Attributes["recipients"] = strings.Join(s.rcpts, ",")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.l.recv.Receive(ctx, Name, &channels.Delivery{Messages: []channels.Message{m}}); err != nil {
		var fe *models.FieldError
		if errors.As(err, &fe) {
			// No store can hold it; a retry cannot help, so the sender gets a bounce.
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message refused: " + oneLine(err.Error())}
		}
		// Not its Message-ID: it may name the sender's domain, and logs are not erased.
		s.l.log.Error("smtp message not acknowledged", "account", m.Account, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "not stored; try again later"}
	}
	s.l.log.Debug("smtp message acknowledged", "account", m.Account)
	return nil
}

func (s *session) Reset() {
	s.from = ""
	s.rcpts = nil
}

func (s *session) Logout() error { return nil }
