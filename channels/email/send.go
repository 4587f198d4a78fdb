package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/meridian-cs/meridian/channels"
)

// MessageIDFor is the Message-ID (without <>) of the reply with the send ledger's key: the
// same key always gives the same id, so a send retried after a crash is recognisably the
// same mail.
func MessageIDFor(key, domain string) string {
	sum := sha256.Sum256([]byte("meridian-email\x00" + key))
	return hex.EncodeToString(sum[:16]) + "@" + domain
}

// Send mails a reply through the relay: a UTF-8 text/plain message From the configured
// address To m.To, threaded under m.Thread (In-Reply-To its last id, References all of
// them), its Message-ID derived from m.Key. The relay's 4xx answers are retryable
// SendErrors, 5xx permanent ones with the server's code and text.
func (c *Channel) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	if c.cfg.Relay == "" {
		return channels.Receipt{}, &channels.SendError{Reason: "e-mail replies are off: MERIDIAN_SMTP_RELAY is not set"}
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return channels.Receipt{}, &channels.SendError{Reason: fmt.Sprintf("recipient %q is not an e-mail address", m.To)}
	}
	from, _ := mail.ParseAddress(c.cfg.From) // checked by New
	key := m.Key
	if key == "" {
		// Without a ledger key the content names the message, which still makes a resend of
		// the same reply the same mail.
		key = strings.Join(append([]string{m.To, m.Subject, m.Text}, m.Thread...), "\x00")
	}
	id := MessageIDFor(key, c.cfg.Domain)
	var thread []string
	for _, t := range m.Thread {
		if t = strings.Trim(strings.TrimSpace(t), "<>"); t != "" {
			thread = append(thread, t)
		}
	}
	d := draft{
		from:       &gomail.Address{Name: from.Name, Address: from.Address},
		to:         &gomail.Address{Address: to.Address},
		subject:    oneLine(ReplySubject(m.Subject)),
		text:       m.Text,
		messageID:  id,
		references: thread,
		date:       c.cfg.Now(),
	}
	if len(thread) > 0 {
		d.inReplyTo = thread[len(thread)-1]
	}
	raw, err := d.build()
	if err != nil {
		return channels.Receipt{}, &channels.SendError{Reason: "building the message: " + err.Error()}
	}
	if err := c.relay(ctx, from.Address, to.Address, raw); err != nil {
		return channels.Receipt{}, err
	}
	return channels.Receipt{MessageID: id}, nil
}

// relay runs one SMTP transaction with the relay.
func (c *Channel) relay(ctx context.Context, from, to string, raw []byte) error {
	if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) > 2*time.Minute {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.cfg.Relay)
	if err != nil {
		return fmt.Errorf("email: connecting to %s: %w", c.cfg.Relay, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	var cl *smtp.Client
	switch c.cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(conn, c.clientTLS(c.cfg.Relay))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return sendErr(ctx, "tls", err)
		}
		cl = smtp.NewClient(tc)
	case TLSStart:
		cl, err = smtp.NewClientStartTLS(conn, c.clientTLS(c.cfg.Relay))
		if err != nil {
			conn.Close()
			return sendErr(ctx, "starttls", err)
		}
	default:
		cl = smtp.NewClient(conn)
	}
	defer cl.Close()
	if err := cl.Hello(c.cfg.Domain); err != nil {
		return sendErr(ctx, "hello", err)
	}
	if c.cfg.Username != "" {
		if ok, _ := cl.Extension("AUTH"); !ok {
			return &channels.SendError{Reason: "the relay offers no AUTH", Retryable: false}
		}
		if err := cl.Auth(sasl.NewPlainClient("", c.cfg.Username, c.cfg.Password)); err != nil {
			return sendErr(ctx, "auth", err)
		}
	}
	if err := cl.SendMail(from, []string{to}, bytes.NewReader(raw)); err != nil {
		return sendErr(ctx, "send", err)
	}
	_ = cl.Quit()
	return nil
}

// sendErr maps the relay's answer: 4xx retryable, 5xx permanent with the server's code and
// text; anything that is not an SMTP answer (network, TLS) stays a plain error, which
// channels.Retryable treats as retryable.
func sendErr(ctx context.Context, step string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		code := strconv.Itoa(se.Code)
		if se.EnhancedCode != (smtp.EnhancedCode{}) && se.EnhancedCode != smtp.NoEnhancedCode {
			code += fmt.Sprintf(" %d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
		}
		return &channels.SendError{
			Code:      code,
			Reason:    oneLine(se.Message),
			Retryable: se.Code/100 == 4,
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("email: %s: %w (%w)", step, ctx.Err(), err)
	}
	return fmt.Errorf("email: %s: %w", step, err)
}
