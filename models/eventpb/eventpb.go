// Package eventpb encodes models.Event in the Protocol Buffers wire format described by
// schemas/events/v1/event.proto: the compact form of an event on Meridian's Kafka topics.
//
// Every event is encoded once by ingest and decoded by every sink, so the codec is written
// against the wire format directly (google.golang.org/protobuf/encoding/protowire) instead of
// through generated message types: encoding appends each field of the Go struct, and decoding
// copies the value into one string that every string field of the event then shares.
//
// The wire format is standard proto3, so any Protocol Buffers library reads these values with
// event.proto. Decoding follows proto3's rules: unknown fields are skipped (a newer Meridian's
// events during a rolling upgrade), the last occurrence of a scalar wins, repeated fields and
// map entries accumulate. Strings must be valid UTF-8, as proto3 requires.
package eventpb

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/meridian-cs/meridian/models"
)

// Field numbers of event.proto; TestFieldNumbersMatchTheProto keeps them in step with it.
const (
	fID                = 1
	fType              = 2
	fVersion           = 3
	fTenant            = 4
	fRegion            = 5
	fOccurredAt        = 6
	fReceivedAt        = 7
	fChannel           = 8
	fDirection         = 9
	fConversationID    = 10
	fCustomer          = 11
	fCustomerID        = 12
	fText              = 13
	fLanguage          = 14
	fPlatformMessageID = 15
	fSentAt            = 16
	fAttachments       = 17
	fAgentID           = 18
	fTeam              = 19
	fQueue             = 20
	fToQueue           = 21
	fFromRegion        = 22
	fToRegion          = 23
	fReason            = 24
	fSummary           = 25
	fScore             = 26
	fAction            = 27
	fIntent            = 28
	fConfidence        = 29
	fSentiment         = 30
	fProduct           = 31
	fSkills            = 32
	fAttributes        = 33

	cCountry    = 1
	cExternalID = 2
	cPhone      = 3
	cEmail      = 4
	cName       = 5
	cCRMID      = 6
	cTier       = 7
	cLocale     = 8

	aKind      = 1
	aMIMEType  = 2
	aSizeBytes = 3
	aURL       = 4

	tSeconds = 1
	tNanos   = 2

	mKey   = 1
	mValue = 2
)

// Append appends the encoding of e to dst. Empty strings, zero numbers, nil pointers and
// empty lists are left out, as proto3 does; occurred_at is always written, received_at when
// it is not zero. Timestamps are instants: a zone offset is not kept. A time outside the
// years 1–9999, which google.protobuf.Timestamp cannot hold, or a NaN or infinite number, which
// JSON cannot, is an error, and dst is then returned unextended.
func Append(dst []byte, e *models.Event) ([]byte, error) {
	if err := errors.Join(finite("score", e.Score), finite("confidence", e.Confidence), finite("sentiment", e.Sentiment)); err != nil {
		return dst, err
	}
	for _, t := range [...]struct {
		name string
		t    *time.Time
	}{{"occurred_at", &e.OccurredAt}, {"received_at", &e.ReceivedAt}, {"sent_at", e.SentAt}} {
		if t.t != nil {
			if sec := t.t.Unix(); sec < minSeconds || sec > maxSeconds {
				return dst, fmt.Errorf("eventpb: %s %s is outside the years 1-9999", t.name, t.t.Format(time.RFC3339))
			}
		}
	}
	dst = slices.Grow(dst, sizeEstimate(e))
	dst = appendString(dst, fID, e.ID)
	dst = appendString(dst, fType, e.Type)
	if e.Version != 0 {
		dst = protowire.AppendTag(dst, fVersion, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(int64(e.Version)))
	}
	dst = appendString(dst, fTenant, e.Tenant)
	dst = appendString(dst, fRegion, e.Region)
	dst = appendTime(dst, fOccurredAt, e.OccurredAt)
	if !e.ReceivedAt.IsZero() {
		dst = appendTime(dst, fReceivedAt, e.ReceivedAt)
	}
	dst = appendString(dst, fChannel, e.Channel)
	dst = appendString(dst, fDirection, e.Direction)
	dst = appendString(dst, fConversationID, e.ConversationID)
	if c := e.Customer; c != nil {
		dst = protowire.AppendTag(dst, fCustomer, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(customerSize(c)))
		dst = appendString(dst, cCountry, c.Country)
		dst = appendString(dst, cExternalID, c.ExternalID)
		dst = appendString(dst, cPhone, c.Phone)
		dst = appendString(dst, cEmail, c.Email)
		dst = appendString(dst, cName, c.Name)
		dst = appendString(dst, cCRMID, c.CRMID)
		dst = appendString(dst, cTier, c.Tier)
		dst = appendString(dst, cLocale, c.Locale)
	}
	dst = appendString(dst, fCustomerID, e.CustomerID)
	dst = appendString(dst, fText, e.Text)
	dst = appendString(dst, fLanguage, e.Language)
	dst = appendString(dst, fPlatformMessageID, e.PlatformMessageID)
	if e.SentAt != nil {
		dst = appendTime(dst, fSentAt, *e.SentAt)
	}
	for i := range e.Attachments {
		a := &e.Attachments[i]
		dst = protowire.AppendTag(dst, fAttachments, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(attachmentSize(a)))
		dst = appendString(dst, aKind, a.Kind)
		dst = appendString(dst, aMIMEType, a.MIMEType)
		if a.SizeBytes != 0 {
			dst = protowire.AppendTag(dst, aSizeBytes, protowire.VarintType)
			dst = protowire.AppendVarint(dst, uint64(a.SizeBytes))
		}
		dst = appendString(dst, aURL, a.URL)
	}
	dst = appendString(dst, fAgentID, e.AgentID)
	dst = appendString(dst, fTeam, e.Team)
	dst = appendString(dst, fQueue, e.Queue)
	dst = appendString(dst, fToQueue, e.ToQueue)
	dst = appendString(dst, fFromRegion, e.FromRegion)
	dst = appendString(dst, fToRegion, e.ToRegion)
	dst = appendString(dst, fReason, e.Reason)
	dst = appendString(dst, fSummary, e.Summary)
	dst = appendDouble(dst, fScore, e.Score)
	dst = appendString(dst, fAction, e.Action)
	dst = appendString(dst, fIntent, e.Intent)
	dst = appendDouble(dst, fConfidence, e.Confidence)
	dst = appendDouble(dst, fSentiment, e.Sentiment)
	dst = appendString(dst, fProduct, e.Product)
	for _, s := range e.Skills {
		// A repeated string writes empty elements too, or the list would lose them.
		dst = protowire.AppendTag(dst, fSkills, protowire.BytesType)
		dst = protowire.AppendString(dst, s)
	}
	// Sorted, so that an event always encodes to the same bytes.
	var keys []string
	if len(e.Attributes) > 0 {
		keys = slices.Sorted(maps.Keys(e.Attributes))
	}
	for _, k := range keys {
		v := e.Attributes[k]
		dst = protowire.AppendTag(dst, fAttributes, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(stringSize(mKey, k)+stringSize(mValue, v)))
		dst = appendString(dst, mKey, k)
		dst = appendString(dst, mValue, v)
	}
	return dst, nil
}

// finite refuses a NaN or infinite number, which the JSON form of an event cannot hold.
func finite(name string, f *float64) error {
	if f != nil && (math.IsNaN(*f) || math.IsInf(*f, 0)) {
		return fmt.Errorf("eventpb: %s is %v, which the JSON form cannot hold either", name, *f)
	}
	return nil
}

// sizeEstimate is a little more than an event's encoding usually takes, so that Append grows
// its buffer once.
func sizeEstimate(e *models.Event) int {
	n := 96 + len(e.ID) + len(e.Type) + len(e.Tenant) + len(e.Region) + len(e.Channel) +
		len(e.Direction) + len(e.ConversationID) + len(e.CustomerID) + len(e.Text) +
		len(e.Language) + len(e.PlatformMessageID) + len(e.AgentID) + len(e.Team) +
		len(e.Queue) + len(e.ToQueue) + len(e.FromRegion) + len(e.ToRegion) + len(e.Reason) +
		len(e.Summary) + len(e.Action) + len(e.Intent) + len(e.Product)
	if c := e.Customer; c != nil {
		n += 24 + customerSize(c)
	}
	for _, a := range e.Attachments {
		n += 8 + attachmentSize(&a)
	}
	for _, s := range e.Skills {
		n += 4 + len(s)
	}
	for k, v := range e.Attributes {
		n += 8 + len(k) + len(v)
	}
	return n
}

func appendString(dst []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return dst
	}
	dst = protowire.AppendTag(dst, num, protowire.BytesType)
	return protowire.AppendString(dst, s)
}

func stringSize(num protowire.Number, s string) int {
	if s == "" {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeBytes(len(s))
}

func customerSize(c *models.Customer) int {
	return stringSize(cCountry, c.Country) + stringSize(cExternalID, c.ExternalID) +
		stringSize(cPhone, c.Phone) + stringSize(cEmail, c.Email) + stringSize(cName, c.Name) +
		stringSize(cCRMID, c.CRMID) + stringSize(cTier, c.Tier) + stringSize(cLocale, c.Locale)
}

func attachmentSize(a *models.Attachment) int {
	n := stringSize(aKind, a.Kind) + stringSize(aMIMEType, a.MIMEType) + stringSize(aURL, a.URL)
	if a.SizeBytes != 0 {
		n += protowire.SizeTag(aSizeBytes) + protowire.SizeVarint(uint64(a.SizeBytes))
	}
	return n
}

// appendTime writes t as a google.protobuf.Timestamp: seconds since the Unix epoch and the
// nanoseconds within that second.
func appendTime(dst []byte, num protowire.Number, t time.Time) []byte {
	sec, nsec := t.Unix(), int64(t.Nanosecond())
	n := 0
	if sec != 0 {
		n += protowire.SizeTag(tSeconds) + protowire.SizeVarint(uint64(sec))
	}
	if nsec != 0 {
		n += protowire.SizeTag(tNanos) + protowire.SizeVarint(uint64(nsec))
	}
	dst = protowire.AppendTag(dst, num, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(n))
	if sec != 0 {
		dst = protowire.AppendTag(dst, tSeconds, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(sec))
	}
	if nsec != 0 {
		dst = protowire.AppendTag(dst, tNanos, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(nsec))
	}
	return dst
}

func appendDouble(dst []byte, num protowire.Number, f *float64) []byte {
	if f == nil {
		return dst
	}
	dst = protowire.AppendTag(dst, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(dst, math.Float64bits(*f))
}

// Decode parses b into e, which it resets first. It does not validate the event against its
// contract; callers do.
func Decode(b []byte, e *models.Event) error {
	*e = models.Event{}
	d := decoder{b: b, s: string(b), end: len(b)} // one copy; every string field of e points into it
	if err := d.event(e); err != nil {
		*e = models.Event{}
		return err
	}
	return nil
}

// decoder reads fields from b[pos:end]; s holds the same bytes, for the strings.
type decoder struct {
	b        []byte
	s        string
	pos, end int
}

// next reads the next field's tag.
func (d *decoder) next() (num protowire.Number, typ protowire.Type, err error) {
	b := d.bytes()
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return 0, 0, fmt.Errorf("field tag at byte %d: %w", d.pos, protowire.ParseError(n))
	}
	d.pos += n
	return num, typ, nil
}

// bytes returns the unread part of the message.
func (d *decoder) bytes() []byte { return d.b[d.pos:d.end] }

// field returns the bytes of a length-delimited field as offsets into s.
func (d *decoder) field(typ protowire.Type) (start, end int, err error) {
	if typ != protowire.BytesType {
		return 0, 0, fmt.Errorf("byte %d: wire type %d where a length-delimited field belongs", d.pos, typ)
	}
	v, n := protowire.ConsumeBytes(d.bytes())
	if n < 0 {
		return 0, 0, fmt.Errorf("byte %d: %w", d.pos, protowire.ParseError(n))
	}
	start = d.pos + n - len(v)
	d.pos += n
	return start, start + len(v), nil
}

func (d *decoder) str(typ protowire.Type) (string, error) {
	start, end, err := d.field(typ)
	if err != nil {
		return "", err
	}
	s := d.s[start:end]
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("byte %d: string is not valid UTF-8", start)
	}
	return s, nil
}

func (d *decoder) varint(typ protowire.Type) (uint64, error) {
	if typ != protowire.VarintType {
		return 0, fmt.Errorf("byte %d: wire type %d where a varint belongs", d.pos, typ)
	}
	v, n := protowire.ConsumeVarint(d.bytes())
	if n < 0 {
		return 0, fmt.Errorf("byte %d: %w", d.pos, protowire.ParseError(n))
	}
	d.pos += n
	return v, nil
}

func (d *decoder) double(typ protowire.Type) (*float64, error) {
	if typ != protowire.Fixed64Type {
		return nil, fmt.Errorf("byte %d: wire type %d where a double belongs", d.pos, typ)
	}
	v, n := protowire.ConsumeFixed64(d.bytes())
	if n < 0 {
		return nil, fmt.Errorf("byte %d: %w", d.pos, protowire.ParseError(n))
	}
	f := math.Float64frombits(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("byte %d: %v is not a number an event can hold", d.pos, f)
	}
	d.pos += n
	return &f, nil
}

// skip passes over a field this version does not know.
func (d *decoder) skip(num protowire.Number, typ protowire.Type) error {
	n := protowire.ConsumeFieldValue(num, typ, d.bytes())
	if n < 0 {
		return fmt.Errorf("field %d at byte %d: %w", num, d.pos, protowire.ParseError(n))
	}
	d.pos += n
	return nil
}

// sub returns a decoder of the embedded message of a length-delimited field.
func (d *decoder) sub(typ protowire.Type) (decoder, error) {
	start, end, err := d.field(typ)
	return decoder{b: d.b, s: d.s, pos: start, end: end}, err
}

func (d *decoder) event(e *models.Event) error {
	for d.pos < d.end {
		num, typ, err := d.next()
		if err != nil {
			return err
		}
		var s *string
		switch num {
		case fID:
			s = &e.ID
		case fType:
			s = &e.Type
		case fTenant:
			s = &e.Tenant
		case fRegion:
			s = &e.Region
		case fChannel:
			s = &e.Channel
		case fDirection:
			s = &e.Direction
		case fConversationID:
			s = &e.ConversationID
		case fCustomerID:
			s = &e.CustomerID
		case fText:
			s = &e.Text
		case fLanguage:
			s = &e.Language
		case fPlatformMessageID:
			s = &e.PlatformMessageID
		case fAgentID:
			s = &e.AgentID
		case fTeam:
			s = &e.Team
		case fQueue:
			s = &e.Queue
		case fToQueue:
			s = &e.ToQueue
		case fFromRegion:
			s = &e.FromRegion
		case fToRegion:
			s = &e.ToRegion
		case fReason:
			s = &e.Reason
		case fSummary:
			s = &e.Summary
		case fAction:
			s = &e.Action
		case fIntent:
			s = &e.Intent
		case fProduct:
			s = &e.Product
		case fVersion:
			v, err := d.varint(typ)
			if err != nil {
				return err
			}
			if int64(v) != int64(int32(v)) {
				return fmt.Errorf("version %d out of range", int64(v))
			}
			e.Version = int(int32(v))
		case fOccurredAt:
			e.OccurredAt, err = d.time(typ)
		case fReceivedAt:
			e.ReceivedAt, err = d.time(typ)
		case fSentAt:
			var t time.Time
			if t, err = d.time(typ); err == nil {
				e.SentAt = &t
			}
		case fCustomer:
			if e.Customer == nil {
				e.Customer = &models.Customer{}
			}
			err = d.customer(typ, e.Customer)
		case fAttachments:
			var a models.Attachment
			if err = d.attachment(typ, &a); err == nil {
				e.Attachments = append(e.Attachments, a)
			}
		case fScore:
			e.Score, err = d.double(typ)
		case fConfidence:
			e.Confidence, err = d.double(typ)
		case fSentiment:
			e.Sentiment, err = d.double(typ)
		case fSkills:
			var v string
			if v, err = d.str(typ); err == nil {
				e.Skills = append(e.Skills, v)
			}
		case fAttributes:
			var k, v string
			if k, v, err = d.mapEntry(typ); err == nil {
				if e.Attributes == nil {
					e.Attributes = map[string]string{}
				}
				e.Attributes[k] = v
			}
		default:
			err = d.skip(num, typ)
		}
		if s != nil {
			*s, err = d.str(typ)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) customer(typ protowire.Type, c *models.Customer) error {
	m, err := d.sub(typ)
	if err != nil {
		return err
	}
	for m.pos < m.end {
		num, typ, err := m.next()
		if err != nil {
			return err
		}
		var s *string
		switch num {
		case cCountry:
			s = &c.Country
		case cExternalID:
			s = &c.ExternalID
		case cPhone:
			s = &c.Phone
		case cEmail:
			s = &c.Email
		case cName:
			s = &c.Name
		case cCRMID:
			s = &c.CRMID
		case cTier:
			s = &c.Tier
		case cLocale:
			s = &c.Locale
		default:
			err = m.skip(num, typ)
		}
		if s != nil {
			*s, err = m.str(typ)
		}
		if err != nil {
			return fmt.Errorf("customer: %w", err)
		}
	}
	return nil
}

func (d *decoder) attachment(typ protowire.Type, a *models.Attachment) error {
	m, err := d.sub(typ)
	if err != nil {
		return err
	}
	for m.pos < m.end {
		num, typ, err := m.next()
		if err != nil {
			return err
		}
		switch num {
		case aKind:
			a.Kind, err = m.str(typ)
		case aMIMEType:
			a.MIMEType, err = m.str(typ)
		case aURL:
			a.URL, err = m.str(typ)
		case aSizeBytes:
			var v uint64
			v, err = m.varint(typ)
			a.SizeBytes = int64(v)
		default:
			err = m.skip(num, typ)
		}
		if err != nil {
			return fmt.Errorf("attachment: %w", err)
		}
	}
	return nil
}

func (d *decoder) mapEntry(typ protowire.Type) (k, v string, err error) {
	m, err := d.sub(typ)
	if err != nil {
		return "", "", err
	}
	for m.pos < m.end {
		num, typ, err := m.next()
		if err != nil {
			return "", "", err
		}
		switch num {
		case mKey:
			k, err = m.str(typ)
		case mValue:
			v, err = m.str(typ)
		default:
			err = m.skip(num, typ)
		}
		if err != nil {
			return "", "", fmt.Errorf("attributes: %w", err)
		}
	}
	return k, v, nil
}

// time reads a google.protobuf.Timestamp, refusing what that type does not allow (years
// outside 1–9999, nanoseconds outside 0–999,999,999).
func (d *decoder) time(typ protowire.Type) (time.Time, error) {
	m, err := d.sub(typ)
	if err != nil {
		return time.Time{}, err
	}
	var sec int64
	var nsec uint64
	for m.pos < m.end {
		num, typ, err := m.next()
		if err != nil {
			return time.Time{}, err
		}
		switch num {
		case tSeconds:
			var v uint64
			v, err = m.varint(typ)
			sec = int64(v)
		case tNanos:
			nsec, err = m.varint(typ)
		default:
			err = m.skip(num, typ)
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("timestamp: %w", err)
		}
	}
	if sec < minSeconds || sec > maxSeconds || nsec > 999_999_999 {
		return time.Time{}, fmt.Errorf("timestamp %d s %d ns out of range", sec, nsec)
	}
	return time.Unix(sec, int64(nsec)).UTC(), nil
}

// The range of google.protobuf.Timestamp: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const (
	minSeconds = -62135596800
	maxSeconds = 253402300799
)
