package eventjson

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/models"
)

// The types named in encoding errors, as go-json names them; reflect builds errors only.
var (
	timeType    = reflect.TypeFor[time.Time]()
	timePtrType = reflect.TypeFor[*time.Time]()
)

// Append appends the JSON encoding of e to dst and returns the extended buffer. The bytes are
// those go-json's MarshalNoEscape(e) produces. Note that go-json does not know the omitzero
// option, so received_at is written even when it is zero.
//
// A value JSON cannot represent (a NaN or infinite float, a time whose year is outside
// 0-9999 or whose zone offset is 24 hours or more) is an error with go-json's message, as an
// *encoding/json.UnsupportedValueError or *encoding/json.MarshalerError; dst is then returned
// unextended.
func Append(dst []byte, e *models.Event) ([]byte, error) {
	if e == nil {
		return append(dst, "null"...), nil
	}
	b, err := appendEvent(slices.Grow(dst, sizeHint(e)), e)
	if err != nil {
		return dst, err
	}
	return b, nil
}

func appendEvent(b []byte, e *models.Event) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	if e.Version != 0 {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(e.Version), 10)
	}
	b = appendOmitEmpty(b, `,"tenant":`, e.Tenant)
	b = appendOmitEmpty(b, `,"region":`, e.Region)
	b = append(b, `,"occurred_at":`...)
	if b, err = appendTime(b, e.OccurredAt, timeType); err != nil {
		return nil, err
	}
	b = append(b, `,"received_at":`...)
	if b, err = appendTime(b, e.ReceivedAt, timeType); err != nil {
		return nil, err
	}
	b = appendOmitEmpty(b, `,"channel":`, e.Channel)
	b = appendOmitEmpty(b, `,"direction":`, e.Direction)
	b = appendOmitEmpty(b, `,"conversation_id":`, e.ConversationID)
	if c := e.Customer; c != nil {
		b = append(b, `,"customer":{"country":`...)
		b = appendString(b, c.Country)
		b = appendOmitEmpty(b, `,"external_id":`, c.ExternalID)
		b = appendOmitEmpty(b, `,"phone":`, c.Phone)
		b = appendOmitEmpty(b, `,"email":`, c.Email)
		b = appendOmitEmpty(b, `,"name":`, c.Name)
		b = appendOmitEmpty(b, `,"crm_id":`, c.CRMID)
		b = appendOmitEmpty(b, `,"tier":`, c.Tier)
		b = appendOmitEmpty(b, `,"locale":`, c.Locale)
		b = append(b, '}')
	}
	b = appendOmitEmpty(b, `,"customer_id":`, e.CustomerID)
	b = appendOmitEmpty(b, `,"text":`, e.Text)
	b = appendOmitEmpty(b, `,"language":`, e.Language)
	b = appendOmitEmpty(b, `,"platform_message_id":`, e.PlatformMessageID)
	if e.SentAt != nil {
		b = append(b, `,"sent_at":`...)
		if b, err = appendTime(b, *e.SentAt, timePtrType); err != nil {
			return nil, err
		}
	}
	if len(e.Attachments) > 0 {
		b = append(b, `,"attachments":[`...)
		for i := range e.Attachments {
			a := &e.Attachments[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"kind":`...)
			b = appendString(b, a.Kind)
			b = appendOmitEmpty(b, `,"mime_type":`, a.MIMEType)
			if a.SizeBytes != 0 {
				b = append(b, `,"size_bytes":`...)
				b = strconv.AppendInt(b, a.SizeBytes, 10)
			}
			b = appendOmitEmpty(b, `,"url":`, a.URL)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendOmitEmpty(b, `,"agent_id":`, e.AgentID)
	b = appendOmitEmpty(b, `,"team":`, e.Team)
	b = appendOmitEmpty(b, `,"queue":`, e.Queue)
	b = appendOmitEmpty(b, `,"to_queue":`, e.ToQueue)
	b = appendOmitEmpty(b, `,"from_region":`, e.FromRegion)
	b = appendOmitEmpty(b, `,"to_region":`, e.ToRegion)
	b = appendOmitEmpty(b, `,"reason":`, e.Reason)
	b = appendOmitEmpty(b, `,"summary":`, e.Summary)
	if b, err = appendFloatPtr(b, `,"score":`, e.Score); err != nil {
		return nil, err
	}
	b = appendOmitEmpty(b, `,"action":`, e.Action)
	b = appendOmitEmpty(b, `,"intent":`, e.Intent)
	if b, err = appendFloatPtr(b, `,"confidence":`, e.Confidence); err != nil {
		return nil, err
	}
	if b, err = appendFloatPtr(b, `,"sentiment":`, e.Sentiment); err != nil {
		return nil, err
	}
	b = appendOmitEmpty(b, `,"product":`, e.Product)
	if len(e.Skills) > 0 {
		b = append(b, `,"skills":[`...)
		for i, s := range e.Skills {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	}
	if len(e.Attributes) > 0 {
		b = append(b, `,"attributes":`...)
		b = appendAttributes(b, e.Attributes)
	}
	return append(b, '}'), nil
}

// sizeHint is the encoded size of e if no string needs escaping, so that the common case
// allocates the buffer once.
func sizeHint(e *models.Event) int {
	n := 320 + len(e.ID) + len(e.Type) + len(e.Tenant) + len(e.Region) + len(e.Channel) + len(e.Direction) +
		len(e.ConversationID) + len(e.CustomerID) + len(e.Text) + len(e.Language) + len(e.PlatformMessageID) +
		len(e.AgentID) + len(e.Team) + len(e.Queue) + len(e.ToQueue) + len(e.FromRegion) + len(e.ToRegion) +
		len(e.Reason) + len(e.Summary) + len(e.Action) + len(e.Intent) + len(e.Product)
	if c := e.Customer; c != nil {
		n += 110 + len(c.Country) + len(c.ExternalID) + len(c.Phone) + len(c.Email) + len(c.Name) +
			len(c.CRMID) + len(c.Tier) + len(c.Locale)
	}
	for i := range e.Attachments {
		a := &e.Attachments[i]
		n += 70 + len(a.Kind) + len(a.MIMEType) + len(a.URL)
	}
	for _, s := range e.Skills {
		n += 3 + len(s)
	}
	for k, v := range e.Attributes {
		n += 6 + len(k) + len(v)
	}
	return n
}

func appendOmitEmpty(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, key...), s)
}

// appendTime writes t as MarshalJSON does (RFC 3339 with nanoseconds, refusing what RFC 3339
// cannot express) without MarshalJSON's allocation. typ is the field's type, for the error.
func appendTime(b []byte, t time.Time, typ reflect.Type) ([]byte, error) {
	b = append(b, '"')
	out, err := t.AppendText(b) // MarshalJSON's format and checks, appended in place
	if err != nil {
		_, err = t.MarshalJSON() // the same failure with MarshalJSON's wording
		return nil, &json.MarshalerError{Type: typ, Err: err}
	}
	return append(out, '"'), nil
}

// appendFloatPtr writes an omitempty *float64 field the way go-json does: unlike
// encoding/json it keeps strconv's two-digit exponent (1e-07, not 1e-7).
func appendFloatPtr(b []byte, key string, f *float64) ([]byte, error) {
	if f == nil {
		return b, nil
	}
	v := *f
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, &json.UnsupportedValueError{Value: reflect.ValueOf(v), Str: strconv.FormatFloat(v, 'g', -1, 64)}
	}
	b = append(b, key...)
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, v, format, -1, 64), nil
}

// appendAttributes writes the map with its keys in go-json's order: go-json sorts the
// entries by their encoded keys, closing quote included, so "a!" comes before "a" and an
// escaped key sorts by its escape sequence. For keys that need no escaping that is comparing
// key+`"`, which needs no encoding up front.
func appendAttributes(b []byte, m map[string]string) []byte {
	var keysBuf [16]string
	keys := keysBuf[:0]
	plain := true
	for k := range m {
		keys = append(keys, k)
		plain = plain && !needsEscape(k)
	}
	if plain {
		slices.SortFunc(keys, compareQuoted)
	} else {
		sortByEncoding(keys)
	}
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

// compareQuoted compares a+`"` with b+`"`.
func compareQuoted(a, b string) int {
	n := min(len(a), len(b))
	if c := strings.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	next := func(s string) byte {
		if len(s) > n {
			return s[n]
		}
		return '"'
	}
	return int(next(a)) - int(next(b))
}

// sortByEncoding sorts keys by their JSON encodings. Different keys can share one (each
// invalid UTF-8 byte becomes \ufffd); go-json then writes them in map iteration order, which
// no one can reproduce, so these are ordered by the keys themselves.
func sortByEncoding(keys []string) {
	type entry struct{ enc, key string }
	entries := make([]entry, len(keys))
	for i, k := range keys {
		enc := appendString(nil, k)
		entries[i] = entry{string(enc[1 : len(enc)-1]), k}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := compareQuoted(a.enc, b.enc); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for i := range entries {
		keys[i] = entries[i].key
	}
}

// safe holds the bytes that go-json copies unchanged: printable ASCII except the quote, the
// backslash and the HTML characters <, > and &, which go-json escapes even in MarshalNoEscape
// (that name is about Go's escape analysis, not about HTML).
var safe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if !safe[s[i]] {
			return true
		}
	}
	return false
}

const hex = "0123456789abcdef"

// appendString writes s as a JSON string the way go-json does with its default options:
// \n \r \t \" \\ short escapes, other control characters and <>& as \u00XX, U+2028 and
// U+2029 escaped, each byte of invalid UTF-8 as \ufffd, everything else as is.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if safe[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control characters and <>&
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON but line terminators in JavaScript; go-json escapes them.
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
