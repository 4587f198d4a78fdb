package email

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
)

// draft is one message to build.
type draft struct {
	from, to   *mail.Address
	subject    string
	text       string
	messageID  string // without <>
	inReplyTo  string
	references []string
	date       time.Time
}

// build writes the draft as an RFC 5322 message: UTF-8 text/plain, quoted-printable for
// mostly-ASCII text and base64 for the rest (CJK, Thai, Arabic stay shorter), RFC 2047
// headers.
func (d draft) build() ([]byte, error) {
	var h mail.Header
	h.SetDate(d.date)
	h.SetAddressList("From", []*mail.Address{d.from})
	h.SetAddressList("To", []*mail.Address{d.to})
	if d.subject != "" {
		h.SetSubject(d.subject)
	}
	h.SetMessageID(d.messageID)
	if d.inReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{d.inReplyTo})
	}
	if len(d.references) > 0 {
		h.SetMsgIDList("References", d.references)
	}
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	enc := "quoted-printable"
	if mostlyNonASCII(d.text) {
		enc = "base64"
	}
	h.Set("Content-Transfer-Encoding", enc)
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("writing the header: %w", err)
	}
	text := strings.ReplaceAll(normalizeNewlines(d.text), "\n", "\r\n")
	if _, err := io.WriteString(w, text); err != nil {
		return nil, fmt.Errorf("writing the body: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("writing the body: %w", err)
	}
	return buf.Bytes(), nil
}

func mostlyNonASCII(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			n++
		}
	}
	return n*3 > len(s)
}

var replyPrefix = regexp.MustCompile(`(?i)^\s*(re|aw|sv|antw|回复|答复|返信)\s*(\[\d+\])?\s*[:：]`)

// ReplySubject is the subject of a reply: "Re: " before the original unless it already
// starts with a reply prefix (Re:, RE:, AW:, 回复:), so a long thread does not become
// "Re: Re: Re:".
func ReplySubject(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || replyPrefix.MatchString(s) {
		return s
	}
	return "Re: " + s
}

// Compose builds a raw RFC 5322 message, for the demo's traffic generator and tests.
// messageID and inReplyTo are without <>; an empty inReplyTo starts a thread. Addresses
// may carry display names ("Name <a@b>"). It returns nil only when the values cannot make a
// header.
func Compose(from, to, subject, text, messageID, inReplyTo string, at time.Time) []byte {
	d := draft{
		from:      addressOrBare(from),
		to:        addressOrBare(to),
		subject:   oneLine(subject),
		text:      text,
		messageID: oneLine(strings.Trim(messageID, "<>")),
		inReplyTo: oneLine(strings.Trim(inReplyTo, "<>")),
		date:      at,
	}
	if d.inReplyTo != "" {
		d.references = []string{d.inReplyTo}
	}
	raw, err := d.build()
	if err != nil {
		return nil
	}
	return raw
}

func addressOrBare(s string) *mail.Address {
	if a, err := mail.ParseAddress(s); err == nil {
		return a
	}
	return &mail.Address{Address: strings.TrimSpace(s)}
}

// Deliver hands a raw message to the SMTP server at addr (host:port) in plain text, as a
// mail server forwarding to Meridian's listener would. It is for the demo's traffic
// generator and tests on this machine; an SMTP error comes back as *smtp.SMTPError.
func Deliver(ctx context.Context, addr, from string, to []string, raw []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := c.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		return fmt.Errorf("delivering to %s: %w", addr, err)
	}
	return c.Quit()
}

// oneLine keeps a header value on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
