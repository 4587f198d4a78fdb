package eventjson

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/models"
)

// DecodeObject decodes the JSON object at the start of data (after optional whitespace) into
// e, which it zeroes first, and returns the number of bytes up to and including the closing
// brace; what follows is the caller's business. ok is false when the object is not in the
// subset this decoder handles (see the package comment); e is then zero and the caller
// decodes data with a general decoder. When ok, e is what encoding/json's Decoder with
// DisallowUnknownFields would produce from data[:n]. A bare null, which encoding/json would
// take as a zero event, is refused: it is not an object, and callers report it as such.
func DecodeObject(data []byte, e *models.Event) (n int, ok bool) {
	*e = models.Event{}
	d := decoder{data: data, text: string(data)}
	d.skipSpace()
	if !d.event(e) {
		*e = models.Event{}
		return 0, false
	}
	return d.pos, true
}

// DecodeArray decodes data that is exactly one JSON array of event objects, with optional
// whitespace around it. It reports false, as DecodeObject does, for anything outside its
// subset; otherwise the events are what encoding/json with DisallowUnknownFields produces
// ([] gives an empty, non-nil slice, and a null element a zero event).
func DecodeArray(data []byte) ([]models.Event, bool) {
	d := decoder{data: data, text: string(data)}
	d.skipSpace()
	events := []models.Event{}
	ok := d.elements(func() bool {
		events = append(events, models.Event{})
		return d.null() || d.event(&events[len(events)-1])
	})
	d.skipSpace()
	if !ok || d.pos != len(d.data) {
		return nil, false
	}
	return events, true
}

// decoder is a cursor over the input. Its methods return false at the first thing outside
// the subset, and the whole decode is abandoned.
type decoder struct {
	data []byte
	// text is data converted once: strings without escapes are slices of it, so an event
	// costs one copy of its input instead of one allocation per field. The events pin that
	// copy, which is fine for their short life in a request or a sink batch.
	text    string
	pos     int
	scratch []byte // unescaped strings, reused
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// consume skips c if it is the next byte.
func (d *decoder) consume(c byte) bool {
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// next is called after a member or element: it consumes the comma that announces another
// one (more) or the closing byte of the container.
func (d *decoder) next(closing byte) (more, ok bool) {
	d.skipSpace()
	if d.consume(',') {
		d.skipSpace()
		return true, true
	}
	return false, d.consume(closing)
}

// members reads an object, calling member with each key once the cursor is on its value;
// member reads the value, or reports false to abandon the decode.
func (d *decoder) members(member func(key []byte) bool) bool {
	return d.container('{', '}', func() bool {
		key, ok := d.key()
		return ok && member(key)
	})
}

// elements reads an array, calling element for each element with the cursor on it.
func (d *decoder) elements(element func() bool) bool {
	return d.container('[', ']', element)
}

func (d *decoder) container(opening, closing byte, item func() bool) bool {
	if !d.consume(opening) {
		return false
	}
	d.skipSpace()
	if d.consume(closing) {
		return true
	}
	for {
		if !item() {
			return false
		}
		more, ok := d.next(closing)
		if !ok || !more {
			return ok
		}
	}
}

// null consumes the literal null if it is next. For null, encoding/json leaves a string,
// number, bool or struct as it is and sets a pointer, slice or map to nil: the zero value
// each field already has when its value is read (fields start zero and each is read once).
func (d *decoder) null() bool {
	if len(d.text)-d.pos >= 4 && d.text[d.pos:d.pos+4] == "null" {
		d.pos += 4
		return true
	}
	return false
}

// key reads a member name and the colon after it. The name may live in d.scratch, so it is
// only good until the next string is read.
func (d *decoder) key() ([]byte, bool) {
	raw, escaped, ok := d.scanString()
	if !ok {
		return nil, false
	}
	if escaped {
		raw = d.unescape(raw)
	}
	d.skipSpace()
	if !d.consume(':') {
		return nil, false
	}
	d.skipSpace()
	return raw, true
}

// Bits of the fields seen in an object, to refuse duplicates: encoding/json merges a repeated
// object into the first, which a decoder that starts each value afresh would not.
const (
	fID = iota
	fType
	fVersion
	fTenant
	fRegion
	fOccurredAt
	fReceivedAt
	fChannel
	fDirection
	fConversationID
	fCustomer
	fCustomerID
	fText
	fLanguage
	fPlatformMessageID
	fSentAt
	fAttachments
	fAgentID
	fTeam
	fQueue
	fToQueue
	fFromRegion
	fToRegion
	fReason
	fSummary
	fScore
	fAction
	fIntent
	fConfidence
	fSentiment
	fProduct
	fSkills
	fAttributes
)

// once marks field bit f as seen and reports whether it was new.
func once(seen *uint64, f uint) bool {
	if *seen&(1<<f) != 0 {
		return false
	}
	*seen |= 1 << f
	return true
}

func (d *decoder) event(e *models.Event) bool {
	var seen uint64
	return d.members(func(key []byte) bool {
		switch string(key) {
		case "id":
			return once(&seen, fID) && d.string(&e.ID)
		case "type":
			return once(&seen, fType) && d.word(&e.Type)
		case "version":
			return once(&seen, fVersion) && d.int(&e.Version)
		case "tenant":
			return once(&seen, fTenant) && d.string(&e.Tenant)
		case "region":
			return once(&seen, fRegion) && d.string(&e.Region)
		case "occurred_at":
			return once(&seen, fOccurredAt) && d.timestamp(&e.OccurredAt)
		case "received_at":
			return once(&seen, fReceivedAt) && d.timestamp(&e.ReceivedAt)
		case "channel":
			return once(&seen, fChannel) && d.word(&e.Channel)
		case "direction":
			return once(&seen, fDirection) && d.word(&e.Direction)
		case "conversation_id":
			return once(&seen, fConversationID) && d.string(&e.ConversationID)
		case "customer":
			return once(&seen, fCustomer) && d.customer(&e.Customer)
		case "customer_id":
			return once(&seen, fCustomerID) && d.string(&e.CustomerID)
		case "text":
			return once(&seen, fText) && d.string(&e.Text)
		case "language":
			return once(&seen, fLanguage) && d.string(&e.Language)
		case "platform_message_id":
			return once(&seen, fPlatformMessageID) && d.string(&e.PlatformMessageID)
		case "sent_at":
			return once(&seen, fSentAt) && d.timestampPointer(&e.SentAt)
		case "attachments":
			return once(&seen, fAttachments) && d.attachments(&e.Attachments)
		case "agent_id":
			return once(&seen, fAgentID) && d.string(&e.AgentID)
		case "team":
			return once(&seen, fTeam) && d.string(&e.Team)
		case "queue":
			return once(&seen, fQueue) && d.string(&e.Queue)
		case "to_queue":
			return once(&seen, fToQueue) && d.string(&e.ToQueue)
		case "from_region":
			return once(&seen, fFromRegion) && d.string(&e.FromRegion)
		case "to_region":
			return once(&seen, fToRegion) && d.string(&e.ToRegion)
		case "reason":
			return once(&seen, fReason) && d.string(&e.Reason)
		case "summary":
			return once(&seen, fSummary) && d.string(&e.Summary)
		case "score":
			return once(&seen, fScore) && d.float(&e.Score)
		case "action":
			return once(&seen, fAction) && d.string(&e.Action)
		case "intent":
			return once(&seen, fIntent) && d.string(&e.Intent)
		case "confidence":
			return once(&seen, fConfidence) && d.float(&e.Confidence)
		case "sentiment":
			return once(&seen, fSentiment) && d.float(&e.Sentiment)
		case "product":
			return once(&seen, fProduct) && d.string(&e.Product)
		case "skills":
			return once(&seen, fSkills) && d.stringList(&e.Skills)
		case "attributes":
			return once(&seen, fAttributes) && d.attributes(&e.Attributes)
		}
		return false // unknown, or a case-insensitive match the fallback resolves
	})
}

func (d *decoder) customer(dst **models.Customer) bool {
	if d.null() {
		*dst = nil
		return true
	}
	c := new(models.Customer)
	*dst = c
	var seen uint64
	return d.members(func(key []byte) bool {
		var f uint
		var s *string
		switch string(key) {
		case "country":
			f, s = 0, &c.Country
		case "external_id":
			f, s = 1, &c.ExternalID
		case "phone":
			f, s = 2, &c.Phone
		case "email":
			f, s = 3, &c.Email
		case "name":
			f, s = 4, &c.Name
		case "crm_id":
			f, s = 5, &c.CRMID
		case "tier":
			f, s = 6, &c.Tier
		case "locale":
			f, s = 7, &c.Locale
		default:
			return false
		}
		return once(&seen, f) && d.string(s)
	})
}

func (d *decoder) attachments(dst *[]models.Attachment) bool {
	if d.null() {
		*dst = nil
		return true
	}
	list := []models.Attachment{} // encoding/json makes [] an empty, non-nil slice
	ok := d.elements(func() bool {
		list = append(list, models.Attachment{})
		return d.null() || d.attachment(&list[len(list)-1])
	})
	*dst = list
	return ok
}

func (d *decoder) attachment(a *models.Attachment) bool {
	var seen uint64
	return d.members(func(key []byte) bool {
		switch string(key) {
		case "kind":
			return once(&seen, 0) && d.string(&a.Kind)
		case "mime_type":
			return once(&seen, 1) && d.string(&a.MIMEType)
		case "size_bytes":
			return once(&seen, 2) && d.int64(&a.SizeBytes)
		case "url":
			return once(&seen, 3) && d.string(&a.URL)
		}
		return false
	})
}

func (d *decoder) stringList(dst *[]string) bool {
	if d.null() {
		*dst = nil
		return true
	}
	list := []string{}
	ok := d.elements(func() bool {
		list = append(list, "")
		return d.string(&list[len(list)-1])
	})
	*dst = list
	return ok
}

// attributes reads a string map. A repeated key replaces the earlier value, as in
// encoding/json; a null value is stored as "".
func (d *decoder) attributes(dst *map[string]string) bool {
	if d.null() {
		*dst = nil
		return true
	}
	m := map[string]string{}
	*dst = m
	return d.members(func(key []byte) bool {
		k := string(key) // copied before the value may reuse the scratch buffer
		var v string
		if !d.string(&v) {
			return false
		}
		m[k] = v
		return true
	})
}

// string reads a JSON string into dst: a slice of text, or one allocation if it had escapes.
// null leaves dst as it is.
func (d *decoder) string(dst *string) bool {
	if d.null() {
		return true
	}
	raw, escaped, ok := d.scanString()
	if !ok {
		return false
	}
	if escaped {
		*dst = string(d.unescape(raw))
	} else {
		*dst = d.text[d.pos-1-len(raw) : d.pos-1]
	}
	return true
}

// vocabulary maps the values of the closed sets (types, channels, directions) to themselves,
// so that word can use the constant instead of allocating a copy.
var vocabulary = func() map[string]string {
	m := map[string]string{models.Inbound: models.Inbound, models.Outbound: models.Outbound}
	for t := range models.EventTypes {
		m[t] = t
	}
	for _, c := range models.Channels {
		m[c] = c
	}
	return m
}()

// word reads a string as string does, for fields whose values nearly always come from a
// closed set: a known value costs no allocation.
func (d *decoder) word(dst *string) bool {
	if d.null() {
		return true
	}
	start := d.pos
	raw, escaped, ok := d.scanString()
	if !ok {
		return false
	}
	if !escaped {
		if w, known := vocabulary[string(raw)]; known {
			*dst = w
			return true
		}
	}
	d.pos = start
	return d.string(dst)
}

// timestamp parses a string with (*time.Time).UnmarshalJSON, given the quoted token as
// encoding/json gives it (escapes and all), so the result and the failures are the same.
// null leaves t as it is, as UnmarshalJSON does.
func (d *decoder) timestamp(t *time.Time) bool {
	if d.null() {
		return true
	}
	start := d.pos
	if _, _, ok := d.scanString(); !ok {
		return false
	}
	return t.UnmarshalJSON(d.data[start:d.pos]) == nil
}

// timestampPointer reads a timestamp into a new time.Time, or null as nil.
func (d *decoder) timestampPointer(dst **time.Time) bool {
	if d.null() {
		*dst = nil
		return true
	}
	t := new(time.Time)
	*dst = t
	return d.timestamp(t)
}

// float reads a number into a new float64 as encoding/json does: strconv.ParseFloat, and a
// number out of float64's range is an error there. null gives nil.
func (d *decoder) float(dst **float64) bool {
	if d.null() {
		*dst = nil
		return true
	}
	tok, _, ok := d.scanNumber()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return false
	}
	*dst = &f
	return true
}

// int64 reads an integer; null leaves dst as it is.
func (d *decoder) int64(dst *int64) bool {
	if d.null() {
		return true
	}
	tok, integer, ok := d.scanNumber()
	if !ok || !integer {
		return false // encoding/json refuses 1.0 and 1e3 for an integer field
	}
	n, ok := parseInt(tok)
	*dst = n
	return ok
}

func (d *decoder) int(dst *int) bool {
	n := int64(*dst) // kept by null
	if !d.int64(&n) || int64(int(n)) != n {
		return false
	}
	*dst = int(n)
	return true
}

// parseInt parses -?[0-9]+ (already checked) and reports false on overflow.
func parseInt(tok []byte) (int64, bool) {
	neg := tok[0] == '-'
	if neg {
		tok = tok[1:]
	}
	var u uint64
	for _, c := range tok {
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case neg && u <= 1<<63:
		return -int64(u), true // -(1<<63) wraps to itself, which is right
	case !neg && u <= math.MaxInt64:
		return int64(u), true
	}
	return 0, false
}

// scanNumber reads a token in JSON's number grammar and reports whether it is a plain
// integer (no fraction, no exponent).
func (d *decoder) scanNumber() (tok []byte, integer, ok bool) {
	data, start := d.data, d.pos
	i := start
	digits := func() bool {
		j := i
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case !digits():
		return nil, false, false
	}
	integer = true
	if i < len(data) && data[i] == '.' {
		i++
		if !digits() {
			return nil, false, false
		}
		integer = false
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false, false
		}
		integer = false
	}
	d.pos = i
	return data[start:i], integer, true
}

// special marks the bytes that end a run of string content: the quote, the backslash and
// the control characters, which JSON does not allow unescaped.
var special = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// specials flags (in the top bit of each byte) the special bytes among the 8 in w. The
// lowest flag is exact; flags above it can be false, borrows of the subtractions.
func specials(w uint64) uint64 {
	q, bs := w^(lsb*'"'), w^(lsb*'\\')
	return ((q-lsb)&^q | (bs-lsb)&^bs | (w-lsb*0x20)&^w) & msb
}

// scanString reads a string token and returns what is between the quotes, checked: the
// escapes are well-formed, there are no control characters, and the UTF-8 is valid (where
// encoding/json would substitute U+FFFD, this decoder leaves it to the fallback).
func (d *decoder) scanString() (raw []byte, escaped, ok bool) {
	data := d.data
	if d.pos >= len(data) || data[d.pos] != '"' {
		return nil, false, false
	}
	start := d.pos + 1
	i := start
	var high uint64 // the bytes seen, or-ed: the top bit says whether any was not ASCII
	for {
		// Skip plain content 8 bytes at a time, then byte by byte to the next special byte.
		for i+8 <= len(data) {
			w := binary.LittleEndian.Uint64(data[i:])
			high |= w
			if m := specials(w); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		for i < len(data) && !special[data[i]] {
			high |= uint64(data[i])
			i++
		}
		if i >= len(data) {
			return nil, false, false // unterminated
		}
		switch data[i] {
		case '"':
			raw = data[start:i]
			if high&msb != 0 && !utf8.Valid(raw) {
				return nil, false, false
			}
			d.pos = i + 1
			return raw, escaped, true
		case '\\':
			escaped = true
			if i+1 >= len(data) {
				return nil, false, false
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) || hex4(data[i+2:i+6]) < 0 {
					return nil, false, false
				}
				i += 6
			default:
				return nil, false, false
			}
		default:
			return nil, false, false // a control character
		}
	}
}

// hex4 decodes four hex digits, or returns -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unescape decodes the escapes of a string scanString accepted, into d.scratch. A \u escape
// that is half of a surrogate pair without its other half becomes U+FFFD, as in
// encoding/json.
func (d *decoder) unescape(raw []byte) []byte {
	b := d.scratch[:0]
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch c = raw[i+1]; c {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = hex4(raw[i+2:])
				}
				if r = utf16.DecodeRune(r, r2); r != utf8.RuneError {
					i += 6 // the pair's second half
				}
			}
			b = utf8.AppendRune(b, r)
			continue
		default: // " \ /
			b = append(b, c)
		}
		i += 2
	}
	d.scratch = b
	return b
}
