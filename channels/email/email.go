// Package email is Meridian's e-mail channel. Mail comes in two ways: an SMTP listener that
// takes mail forwarded to Meridian, and an IMAP poller that reads an existing support
// mailbox; both parse each message (MIME, charsets, quoted replies, signatures) into a
// channels.Message and acknowledge it only once the intake did. Replies go out through an
// SMTP relay with Message-IDs derived from the send ledger's key, so a retried send is the
// same message.
//
// E-mail has no webhook: the core starts Channel.Run with its intake instead of mounting it
// under /webhooks.
//
// MIME is read with github.com/emersion/go-message (from the author of go-smtp and go-imap,
// which this package uses too): its charset package covers ISO-2022-JP, Shift_JIS, EUC-KR,
// GB18030, Big5, windows-125x and ISO-8859-x, and it stays small where enmime would bring its
// own HTML and charset stack. HTML-only mail is turned into text with
// github.com/k3a/html2text after the quoted part is cut with golang.org/x/net/html.
package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/meridian-cs/meridian/channels"
)

// Name is the channel's name in models.Channels.
const Name = "email"

// Defaults of Config.
const (
	DefaultMaxMessageBytes = 25 << 20
	DefaultMaxRecipients   = 50
	DefaultMailbox         = "INBOX"
	DefaultPollEvery       = 30 * time.Second
)

// TLS modes of the relay (MERIDIAN_SMTP_TLS) and the IMAP server (MERIDIAN_IMAP_TLS).
const (
	TLSImplicit = "tls"
	TLSStart    = "starttls"
	TLSNone     = "none" // only to a loopback address
)

// Receiver takes a parsed e-mail onto the ingest path; channels.Intake is one. It returns
// nil once the delivery is acknowledged, and only then is the mail acknowledged upstream.
type Receiver interface {
	Receive(ctx context.Context, channel string, d *channels.Delivery) error
}

// Config is the e-mail channel's settings. Each of the three parts is on when its address
// is set: Listen, Relay, IMAPAddr.
type Config struct {
	// Listen is the SMTP listener's address (MERIDIAN_SMTP_LISTEN).
	Listen string
	// Domain is what the listener announces and the right side of sent Message-IDs
	// (MERIDIAN_SMTP_DOMAIN).
	Domain string
	// Username and Password authenticate to the relay and, when set, are required by the
	// listener with AUTH PLAIN (MERIDIAN_SMTP_USERNAME, MERIDIAN_SMTP_PASSWORD).
	Username, Password string
	// ListenTLS, when set, offers STARTTLS on the listener. Without it AUTH is allowed only
	// on a loopback listener.
	ListenTLS *tls.Config
	// MaxMessageBytes bounds one inbound message (SMTP 552 above it); 0 = 25 MiB.
	MaxMessageBytes int64
	// MaxRecipients bounds RCPT TO per message; 0 = 50.
	MaxRecipients int

	// Relay is host:port of the outbound SMTP server (MERIDIAN_SMTP_RELAY).
	Relay string
	// From is the address replies are sent from (MERIDIAN_SMTP_FROM).
	From string
	// TLS is how the relay is reached: starttls (default), tls or none (MERIDIAN_SMTP_TLS).
	TLS string

	// IMAPAddr is host:port of the polled mailbox's server (MERIDIAN_IMAP_ADDR).
	IMAPAddr                   string
	IMAPUsername, IMAPPassword string
	// IMAPMailbox is the polled mailbox (MERIDIAN_IMAP_MAILBOX); "" = INBOX.
	IMAPMailbox string
	// IMAPPollEvery is the polling interval (MERIDIAN_IMAP_POLL_EVERY); 0 = 30 s.
	IMAPPollEvery time.Duration
	// IMAPTLS is tls (default), starttls or none (MERIDIAN_IMAP_TLS).
	IMAPTLS string
	// IMAPAccount is the address mail in the mailbox counts as reaching; "" = IMAPUsername
	// when it is an address, else each message's Delivered-To or To.
	IMAPAccount string

	// ClientTLS configures TLS to the relay and the IMAP server (tests: a test CA); nil =
	// the system roots with the host's name.
	ClientTLS *tls.Config
	// Now is the clock (receipt time of mail without a Date, Date of sent mail).
	Now func() time.Time
	Log *slog.Logger
}

// Channel is a configured e-mail channel.
type Channel struct {
	cfg Config
}

var _ channels.Outbound = (*Channel)(nil)

// New checks the settings. A relay without credentials (other than plain to localhost), an
// IMAP mailbox without a password, or a listener whose AUTH could only go in clear text
// off this machine is refused with the setting that is missing.
func New(cfg Config) (*Channel, error) {
	if cfg.Listen == "" && cfg.Relay == "" && cfg.IMAPAddr == "" {
		return nil, errors.New("email: none of MERIDIAN_SMTP_LISTEN, MERIDIAN_SMTP_RELAY, MERIDIAN_IMAP_ADDR is set")
	}
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.IMAPMailbox == "" {
		cfg.IMAPMailbox = DefaultMailbox
	}
	if cfg.IMAPPollEvery <= 0 {
		cfg.IMAPPollEvery = DefaultPollEvery
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStart
	}
	if cfg.IMAPTLS == "" {
		cfg.IMAPTLS = TLSImplicit
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Listen != "" {
		if (cfg.Username == "") != (cfg.Password == "") {
			return nil, errors.New("email: the listener's AUTH needs both MERIDIAN_SMTP_USERNAME and MERIDIAN_SMTP_PASSWORD")
		}
		if cfg.Username != "" && cfg.ListenTLS == nil && !loopback(cfg.Listen) {
			return nil, fmt.Errorf("email: AUTH on %s would send the password in clear text: listen on localhost or give the listener a TLS certificate", cfg.Listen)
		}
	}
	if cfg.Relay != "" {
		if err := checkMode("MERIDIAN_SMTP_TLS", cfg.TLS, cfg.Relay); err != nil {
			return nil, err
		}
		if _, err := mail.ParseAddress(cfg.From); err != nil {
			return nil, fmt.Errorf("email: MERIDIAN_SMTP_FROM %q is not an address: %w", cfg.From, err)
		}
		if cfg.Username == "" && !loopback(cfg.Relay) {
			return nil, errors.New("email: MERIDIAN_SMTP_USERNAME is missing: a relay off this machine needs authentication")
		}
		if cfg.Username != "" && cfg.Password == "" {
			return nil, errors.New("email: MERIDIAN_SMTP_PASSWORD is missing")
		}
	}
	if cfg.IMAPAddr != "" {
		if err := checkMode("MERIDIAN_IMAP_TLS", cfg.IMAPTLS, cfg.IMAPAddr); err != nil {
			return nil, err
		}
		if cfg.IMAPUsername == "" {
			return nil, errors.New("email: MERIDIAN_IMAP_USERNAME is missing")
		}
		if cfg.IMAPPassword == "" {
			return nil, errors.New("email: MERIDIAN_IMAP_PASSWORD is missing")
		}
		if cfg.IMAPAccount == "" && strings.Contains(cfg.IMAPUsername, "@") {
			cfg.IMAPAccount = cfg.IMAPUsername
		}
	}
	return &Channel{cfg: cfg}, nil
}

func checkMode(setting, mode, addr string) error {
	switch mode {
	case TLSImplicit, TLSStart:
		return nil
	case TLSNone:
		if !loopback(addr) {
			return fmt.Errorf("email: %s=none is allowed only to localhost, not %s", setting, addr)
		}
		return nil
	}
	return fmt.Errorf("email: %s must be tls, starttls or none, not %q", setting, mode)
}

// loopback reports whether addr (host:port) is on this machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run receives mail until ctx ends: the SMTP listener and the IMAP poller, whichever are
// configured, hand each message to r. It returns nil when ctx ends, or the error that
// stopped a part (the listener's address in use).
func (c *Channel) Run(ctx context.Context, r Receiver) error {
	g, ctx := errgroup.WithContext(ctx)
	if c.cfg.Listen != "" {
		l, err := c.Listener(r)
		if err != nil {
			return err
		}
		g.Go(func() error { return l.ListenAndServe(ctx) })
	}
	if c.cfg.IMAPAddr != "" {
		p := c.Poller(r)
		g.Go(func() error { return p.Run(ctx) })
	}
	return g.Wait()
}

func (c *Channel) clientTLS(addr string) *tls.Config {
	var t *tls.Config
	if c.cfg.ClientTLS != nil {
		t = c.cfg.ClientTLS.Clone()
	} else {
		t = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if t.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		t.ServerName = host
	}
	return t
}
