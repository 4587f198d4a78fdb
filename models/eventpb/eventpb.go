// Package eventpb encodes models.Event in the Protocol Buffers wire format described by
// schemas/events/v1/event.proto: the compact form of an event on Meridian's Kafka topics.
//
// The wire code is generated from event.proto (package eventv1, protoc-gen-go and vtprotobuf,
// make generate); this package only copies between models.Event and eventv1.Event and checks
// what the generated code does not: finite numbers, timestamps a Timestamp can hold, UTF-8
// strings. Every event is encoded once by ingest and decoded by every sink, so the copies
// reuse pooled messages, and decoding copies the value once into a buffer that every string
// field of the event then points into (vtprotobuf's unsafe unmarshal).
//
// Decoding follows proto3's rules: unknown fields are skipped (a newer Meridian's events
// during a rolling upgrade), the last occurrence of a scalar wins, embedded messages merge,
// repeated fields and map entries accumulate.
package eventpb

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/schemas/events/v1/eventv1"
)

// Append appends the encoding of e to dst. A NaN or infinite number, which the JSON form
// cannot hold, or a time outside the years 1-9999, which a Timestamp cannot, is an error
// naming the field, and dst is then returned unextended. Attributes are written sorted, so
// that an event always encodes to the same bytes.
func Append(dst []byte, e *models.Event) ([]byte, error) {
	if err := errors.Join(finite("score", e.Score), finite("confidence", e.Confidence), finite("sentiment", e.Sentiment)); err != nil {
		return dst, err
	}
	sc := scratchPool.Get().(*scratch)
	defer func() {
		*sc = scratch{} // drops the event's strings and maps
		scratchPool.Put(sc)
	}()
	m, occurred, received, sent, customer := &sc.m, &sc.occurred, &sc.received, &sc.sent, &sc.customer
	var attachments []eventv1.Attachment
	m.Id, m.Type, m.Version, m.Tenant, m.Region = e.ID, e.Type, int32(e.Version), e.Tenant, e.Region
	for _, t := range [...]struct {
		name string
		t    *time.Time
		pb   *timestamppb.Timestamp
		dst  **timestamppb.Timestamp
	}{{"occurred_at", &e.OccurredAt, occurred, &m.OccurredAt}, {"received_at", &e.ReceivedAt, received, &m.ReceivedAt}, {"sent_at", e.SentAt, sent, &m.SentAt}} {
		if t.t == nil || (t.dst == &m.ReceivedAt && t.t.IsZero()) {
			continue
		}
		if sec := t.t.Unix(); sec < minSeconds || sec > maxSeconds {
			return dst, fmt.Errorf("eventpb: %s %s is outside the years 1-9999", t.name, t.t.Format(time.RFC3339))
		}
		t.pb.Seconds, t.pb.Nanos = t.t.Unix(), int32(t.t.Nanosecond())
		*t.dst = t.pb
	}
	m.Channel, m.Direction, m.ConversationId = e.Channel, e.Direction, e.ConversationID
	if c := e.Customer; c != nil {
		*customer = eventv1.Customer{Country: c.Country, ExternalId: c.ExternalID, Phone: c.Phone, Email: c.Email,
			Name: c.Name, CrmId: c.CRMID, Tier: c.Tier, Locale: c.Locale}
		m.Customer = customer
	}
	m.CustomerId, m.Text, m.Language, m.PlatformMessageId = e.CustomerID, e.Text, e.Language, e.PlatformMessageID
	if len(e.Attachments) > 0 {
		attachments = make([]eventv1.Attachment, len(e.Attachments))
		m.Attachments = make([]*eventv1.Attachment, len(e.Attachments))
		for i, a := range e.Attachments {
			attachments[i] = eventv1.Attachment{Kind: a.Kind, MimeType: a.MIMEType, SizeBytes: a.SizeBytes, Url: a.URL}
			m.Attachments[i] = &attachments[i]
		}
	}
	m.AgentId, m.Team, m.Queue, m.ToQueue = e.AgentID, e.Team, e.Queue, e.ToQueue
	m.FromRegion, m.ToRegion, m.Reason, m.Summary = e.FromRegion, e.ToRegion, e.Reason, e.Summary
	m.Score, m.Action, m.Intent, m.Confidence, m.Sentiment = e.Score, e.Action, e.Intent, e.Confidence, e.Sentiment
	m.Product, m.Skills, m.Attributes = e.Product, e.Skills, e.Attributes
	if len(m.Attributes) > 1 {
		// vtprotobuf writes a map in Go's random order; the runtime's deterministic mode sorts
		// the keys, so that an event always encodes to the same bytes.
		return proto.MarshalOptions{Deterministic: true}.MarshalAppend(dst, m)
	}
	n := m.SizeVT()
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	if _, err := m.MarshalToSizedBufferVT(dst[start:]); err != nil {
		return dst[:start], err
	}
	return dst, nil
}

// scratch holds the messages Append fills, reused: allocating them cost four allocations per
// event.
type scratch struct {
	m                        eventv1.Event
	occurred, received, sent timestamppb.Timestamp
	customer                 eventv1.Customer
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Decode parses b into e, which it resets first. vtprotobuf's code reads the wire format;
// Decode then checks what that code leaves out (strings are UTF-8, numbers finite, timestamps
// within the years 1-9999) and copies the message into e. It does not validate the event
// against its contract; callers do.
func Decode(b []byte, e *models.Event) error {
	*e = models.Event{}
	m := messagePool.Get().(*eventv1.Event)
	defer func() {
		*m = eventv1.Event{}
		messagePool.Put(m)
	}()
	// One copy of the value, which every string of the event then points into (the unsafe
	// variant does not copy each string): it outlives b, which the caller may reuse.
	if err := m.UnmarshalVTUnsafe(bytes.Clone(b)); err != nil {
		return err
	}
	if err := fromProto(m, e); err != nil {
		*e = models.Event{}
		return err
	}
	return nil
}

var messagePool = sync.Pool{New: func() any { return new(eventv1.Event) }}

func fromProto(m *eventv1.Event, e *models.Event) error {
	var err error
	e.ID, e.Type, e.Version, e.Tenant, e.Region = m.Id, m.Type, int(m.Version), m.Tenant, m.Region
	if m.OccurredAt != nil {
		if e.OccurredAt, err = timeOf(m.OccurredAt); err != nil {
			return err
		}
	}
	if m.ReceivedAt != nil {
		if e.ReceivedAt, err = timeOf(m.ReceivedAt); err != nil {
			return err
		}
	}
	if m.SentAt != nil {
		t, err := timeOf(m.SentAt)
		if err != nil {
			return err
		}
		e.SentAt = &t
	}
	e.Channel, e.Direction, e.ConversationID = m.Channel, m.Direction, m.ConversationId
	if c := m.Customer; c != nil {
		e.Customer = &models.Customer{Country: c.Country, ExternalID: c.ExternalId, Phone: c.Phone, Email: c.Email,
			Name: c.Name, CRMID: c.CrmId, Tier: c.Tier, Locale: c.Locale}
		if !validUTF8(c.Country, c.ExternalId, c.Phone, c.Email, c.Name, c.CrmId, c.Tier, c.Locale) {
			return errors.New("customer: string is not valid UTF-8")
		}
	}
	e.CustomerID, e.Text, e.Language, e.PlatformMessageID = m.CustomerId, m.Text, m.Language, m.PlatformMessageId
	if len(m.Attachments) > 0 {
		e.Attachments = make([]models.Attachment, len(m.Attachments))
		for i, a := range m.Attachments {
			e.Attachments[i] = models.Attachment{Kind: a.Kind, MIMEType: a.MimeType, SizeBytes: a.SizeBytes, URL: a.Url}
			if !validUTF8(a.Kind, a.MimeType, a.Url) {
				return errors.New("attachment: string is not valid UTF-8")
			}
		}
	}
	e.AgentID, e.Team, e.Queue, e.ToQueue = m.AgentId, m.Team, m.Queue, m.ToQueue
	e.FromRegion, e.ToRegion, e.Reason, e.Summary = m.FromRegion, m.ToRegion, m.Reason, m.Summary
	e.Score, e.Action, e.Intent, e.Confidence, e.Sentiment = m.Score, m.Action, m.Intent, m.Confidence, m.Sentiment
	e.Product, e.Skills, e.Attributes = m.Product, m.Skills, m.Attributes
	if err := errors.Join(finite("score", e.Score), finite("confidence", e.Confidence), finite("sentiment", e.Sentiment)); err != nil {
		return err
	}
	if !validUTF8(e.ID, e.Type, e.Tenant, e.Region, e.Channel, e.Direction, e.ConversationID, e.CustomerID, e.Text,
		e.Language, e.PlatformMessageID, e.AgentID, e.Team, e.Queue, e.ToQueue, e.FromRegion, e.ToRegion, e.Reason,
		e.Summary, e.Action, e.Intent, e.Product) || !validUTF8(e.Skills...) {
		return errors.New("string is not valid UTF-8")
	}
	for k, v := range e.Attributes {
		if !validUTF8(k, v) {
			return errors.New("attributes: string is not valid UTF-8")
		}
	}
	return nil
}

func validUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// timeOf is the instant of a timestamp, refusing what google.protobuf.Timestamp does not allow.
func timeOf(t *timestamppb.Timestamp) (time.Time, error) {
	if t.Seconds < minSeconds || t.Seconds > maxSeconds || t.Nanos < 0 || t.Nanos > 999_999_999 {
		return time.Time{}, fmt.Errorf("timestamp %d s %d ns out of range", t.Seconds, t.Nanos)
	}
	return time.Unix(t.Seconds, int64(t.Nanos)).UTC(), nil
}

// finite refuses a NaN or infinite number, which the JSON form of an event cannot hold.
func finite(name string, f *float64) error {
	if f != nil && (math.IsNaN(*f) || math.IsInf(*f, 0)) {
		return fmt.Errorf("eventpb: %s is %v, which the JSON form cannot hold either", name, *f)
	}
	return nil
}

// The range of google.protobuf.Timestamp: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const (
	minSeconds = -62135596800
	maxSeconds = 253402300799
)
