package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers ISO-2022-JP, Shift_JIS, EUC-KR, GB18030, Big5, windows-125x, ISO-8859-x
	"github.com/emersion/go-message/mail"
	"github.com/k3a/html2text"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

// Kind is the Message.Kind of every e-mail.
const Kind = "email"

// Limits that keep one e-mail within what an event holds.
const (
	maxPartBytes      = 8 << 20 // text read from one body part; the rest is counted, not kept
	maxSignatureBytes = 2 << 10
	maxIDBytes        = 180 // longer Message-IDs are hashed: event ids hold 200 bytes
	maxSplitBytes     = 4 * models.MaxTextLen
	maxHTMLBytes      = 16 * models.MaxTextLen // markup is most of an HTML body
)

// Parse reads one raw RFC 5322 message into a Message. account is the mailbox it reached
// (the SMTP recipient, the polled mailbox); empty takes Delivered-To, X-Original-To or the
// first To address. received stands in for a missing or absurd Date. A message without a
// header or without a sender is an error wrapping channels.ErrFormat.
func Parse(raw []byte, account string, received time.Time) (channels.Message, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return channels.Message{}, fmt.Errorf("%w: empty message", channels.ErrFormat)
	}
	ent, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return channels.Message{}, fmt.Errorf("%w: reading the header: %v", channels.ErrFormat, err)
	}
	h := mail.Header{Header: ent.Header}

	from := firstAddress(h, "From", "Sender", "Reply-To")
	if from == nil {
		return channels.Message{}, fmt.Errorf("%w: no sender address (From)", channels.ErrFormat)
	}

	m := channels.Message{
		Kind:       Kind,
		Account:    strings.ToLower(account),
		Attributes: map[string]string{},
	}
	m.From = channels.Sender{
		ID:    strings.ToLower(from.Address),
		Email: strings.ToLower(from.Address),
		Name:  clean(from.Name),
	}
	if m.Account == "" {
		if a := firstAddress(h, "Delivered-To", "X-Original-To", "To"); a != nil {
			m.Account = strings.ToLower(a.Address)
		}
	}

	m.ID = messageID(h, raw)
	inReplyTo := msgIDs(h, "In-Reply-To")
	refs := msgIDs(h, "References")
	m.Thread = dedupe(append(append([]string{}, inReplyTo...), refs...))
	if len(inReplyTo) > 0 {
		m.Attributes["in_reply_to"] = strings.Join(inReplyTo, " ")
	}
	if len(refs) > 0 {
		m.Attributes["references"] = strings.Join(refs, " ")
	}
	m.Attributes["thread_key"] = threadKey(m.ID, inReplyTo, refs)

	if s, err := h.Subject(); err == nil {
		m.Subject = clean(s)
	} else {
		m.Subject = clean(h.Get("Subject"))
	}

	m.Timestamp = received
	if d, err := h.Date(); err == nil && !d.Before(models.MinTime) && d.Before(models.MaxTime) {
		m.Timestamp = d
	}

	body, err := readBody(ent, m.ID)
	if err != nil {
		return channels.Message{}, err
	}
	m.Attachments = body.attachments
	for i, name := range body.names {
		if name != "" {
			m.Attributes["attachment_"+strconv.Itoa(i+1)+"_name"] = name
		}
	}
	text := body.plain
	htmlQuoted := false
	if strings.TrimSpace(text) == "" && body.html != "" {
		text, body.htmlSignature, htmlQuoted = htmlToText(truncate(body.html, maxHTMLBytes))
	}
	// What is kept is at most MaxTextLen; reading replies and signatures in a few times
	// that bounds the work a huge message costs.
	text = normalizeNewlines(clean(truncate(text, maxSplitBytes)))
	msg := SplitReply(text)
	if msg.Signature == "" && body.htmlSignature != "" {
		msg.Signature = body.htmlSignature
	}
	m.Text = truncate(msg.Body, models.MaxTextLen)
	if len(m.Text) < len(msg.Body) {
		m.Attributes["truncated"] = "true"
	}
	if msg.Quoted || htmlQuoted {
		m.Attributes["quoted_stripped"] = "true"
	}
	if msg.Signature != "" {
		m.Attributes["signature"] = truncate(msg.Signature, maxSignatureBytes)
		if phones := Phones(msg.Signature); len(phones) > 0 {
			m.Attributes["signature_phones"] = strings.Join(phones, ",")
		}
	}
	if body.warning != "" {
		m.Attributes["parse_warning"] = body.warning
	}
	if len(m.Attributes) == 0 {
		m.Attributes = nil
	}
	return m, nil
}

// ThreadKey is the conversation a parsed e-mail belongs to: the first id of References (the
// thread's root), else In-Reply-To, else the message's own Message-ID. Replies Meridian sends
// carry the conversation's ids oldest first in References, so a customer's answer to them
// keys to the same root.
func ThreadKey(m channels.Message) string {
	if k := m.Attributes["thread_key"]; k != "" {
		return k
	}
	return threadKey(m.ID, m.Thread, strings.Fields(m.Attributes["references"]))
}

func threadKey(id string, inReplyTo, refs []string) string {
	switch {
	case len(refs) > 0:
		return refs[0]
	case len(inReplyTo) > 0:
		return inReplyTo[0]
	}
	return id
}

func firstAddress(h mail.Header, keys ...string) *mail.Address {
	for _, k := range keys {
		if h.Get(k) == "" {
			continue
		}
		if l, err := h.AddressList(k); err == nil && len(l) > 0 && l[0].Address != "" {
			return l[0]
		}
		// Fall back to a lenient read: "user@host" bare or with junk around it.
		if a := looseAddress(h.Get(k)); a != nil {
			return a
		}
	}
	return nil
}

func looseAddress(v string) *mail.Address {
	if i, j := strings.LastIndexByte(v, '<'), strings.LastIndexByte(v, '>'); i >= 0 && j > i {
		addr := strings.TrimSpace(v[i+1 : j])
		if validAddr(addr) {
			name := strings.Trim(strings.TrimSpace(v[:i]), `"`)
			if dec, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
				name = dec
			}
			return &mail.Address{Name: name, Address: addr}
		}
	}
	for _, f := range strings.Fields(v) {
		f = strings.Trim(f, "<>,;\"'()")
		if validAddr(f) {
			return &mail.Address{Address: f}
		}
	}
	return nil
}

func validAddr(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n<>") && utf8.ValidString(s)
}

// messageID is the Message-ID without <>, or a hash of the raw message when it has none, so
// a redelivered copy keeps its id.
func messageID(h mail.Header, raw []byte) string {
	id, err := h.MessageID()
	if err != nil || id == "" {
		id = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	id = strings.Join(strings.Fields(id), "")
	if id == "" || len(id) > maxIDBytes || !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		sum := sha256.Sum256(raw)
		return "sha256-" + hex.EncodeToString(sum[:16])
	}
	return id
}

func msgIDs(h mail.Header, key string) []string {
	v := h.Get(key)
	if v == "" {
		return nil
	}
	ids, err := h.MsgIDList(key)
	if err != nil || len(ids) == 0 {
		// Lenient: anything between <> or whitespace-separated tokens.
		ids = nil
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n' }) {
			if f = strings.Trim(f, "<>"); f != "" {
				ids = append(ids, f)
			}
		}
	}
	out := ids[:0]
	for _, id := range ids {
		if id != "" && len(id) <= maxIDBytes && utf8.ValidString(id) {
			out = append(out, id)
		}
	}
	return out
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

type body struct {
	plain, html   string
	htmlSignature string
	attachments   []models.Attachment
	names         []string
	warning       string
}

// readBody walks the MIME tree: the text/plain parts make the text, else the text/html ones;
// every other leaf (and any part marked attachment) is attachment metadata.
func readBody(ent *message.Entity, id string) (body, error) {
	var b body
	var plain, html strings.Builder
	part := 0
	err := ent.Walk(func(path []int, e *message.Entity, err error) error {
		if e.MultipartReader() != nil {
			return nil
		}
		part++
		mt, _, _ := e.Header.ContentType()
		if mt == "" {
			mt = "text/plain"
		}
		disp, dparams, _ := e.Header.ContentDisposition()
		filename := dparams["filename"]
		if filename == "" {
			_, cparams, _ := e.Header.ContentType()
			filename = cparams["name"]
		}
		filename = clean(filename)
		isText := (mt == "text/plain" || mt == "text/html") && disp != "attachment" && filename == ""
		if isText {
			data, rerr := io.ReadAll(io.LimitReader(e.Body, maxPartBytes))
			if rerr != nil {
				b.warning = fmt.Sprintf("part %d: %v", part, rerr)
			}
			_, _ = io.Copy(io.Discard, e.Body)
			dst := &plain
			if mt == "text/html" {
				dst = &html
			}
			if dst.Len() > 0 {
				dst.WriteString("\n")
			}
			dst.Write(data)
			return nil
		}
		n, rerr := io.Copy(io.Discard, e.Body)
		if rerr != nil {
			b.warning = fmt.Sprintf("part %d: %v", part, rerr)
		}
		ref := "email-media:" + url.PathEscape(id) + "/" + strconv.Itoa(part)
		if filename != "" {
			ref += "/" + url.PathEscape(filename)
		}
		b.attachments = append(b.attachments, models.Attachment{
			Kind:      attachmentKind(mt),
			MIMEType:  clean(mt),
			SizeBytes: n,
			URL:       ref,
		})
		b.names = append(b.names, filename)
		return nil
	})
	b.plain, b.html = plain.String(), html.String()
	if err != nil {
		if b.plain == "" && b.html == "" && len(b.attachments) == 0 {
			return b, fmt.Errorf("%w: reading the body: %v", channels.ErrFormat, err)
		}
		b.warning = err.Error()
	}
	b.warning = clean(b.warning)
	return b, nil
}

func attachmentKind(mt string) string {
	switch {
	case strings.HasPrefix(mt, "image/"):
		return "image"
	case strings.HasPrefix(mt, "video/"):
		return "video"
	case strings.HasPrefix(mt, "audio/"):
		return "audio"
	}
	return "file"
}

// clean makes s valid UTF-8 without NULs (an event's text fields refuse both).
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// htmlToText converts an HTML body with its quoted replies (Gmail's gmail_quote, Apple's
// blockquote type=cite, Outlook's divRplyFwdMsg) removed; the text of a gmail_signature comes
// back apart.
func htmlToText(doc string) (text, signature string, quoted bool) {
	doc, sig, quoted := stripHTMLQuotes(doc)
	text = html2text.HTML2TextWithOptions(doc, html2text.WithUnixLineBreaks())
	if sig != "" {
		signature = strings.TrimSpace(html2text.HTML2TextWithOptions(sig, html2text.WithUnixLineBreaks()))
	}
	return text, signature, quoted
}
