// Package ingest is the front door for events: POST /v1/events decodes a JSON array or NDJSON,
// checks every event against its contract, picks each event's residency region from the
// customer's country, seals personal fields with the customer's data key, and answers only
// after Kafka acknowledged every event of the request. Channel webhooks feed the same path.
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/httpapi"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/models/eventjson"
	"github.com/meridian-cs/meridian/stream"
)

// Publisher writes messages to Kafka and returns once all are acknowledged.
type Publisher interface {
	Publish(ctx context.Context, msgs ...kafka.Message) error
}

// Keyring seals personal fields and names customers pseudonymously.
type Keyring interface {
	Pseudonym(tenant, identity string) string
	// ContentHash appends a keyed hash of an event's content to dst.
	ContentHash(dst []byte, tenant string, content []byte) []byte
	Sealer(ctx context.Context, region, tenant, subject string) (*shred.Sealer, error)
	// Sealers returns one sealer per subject, creating the missing keys together.
	Sealers(ctx context.Context, region, tenant string, subjects []string) ([]*shred.Sealer, error)
}

// Limits on one request.
const (
	MaxBodyBytes = httpapi.MaxBodyBytes
	MaxEvents    = 10000
)

var (
	ingestedEvents = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "meridian_ingest_events_total",
		Help: "Events acknowledged at /v1/events and from channel webhooks, by region.",
	}, []string{"region"})
	ingestRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "meridian_ingest_requests_total",
		Help: "Requests to /v1/events by HTTP status, including those refused before ingest (401, 429).",
	}, []string{"code"})
	ingestSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "meridian_ingest_ack_seconds",
		Help:    "Time from receiving a request to acknowledging it.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
)

// Service accepts events.
type Service struct {
	Policy    *models.ResidencyPolicy
	Publisher Publisher
	Keys      Keyring
	Logger    *slog.Logger
	Now       func() time.Time
	// Encode writes an event as its Kafka message value; nil means stream.EncodeEvent.
	Encode func(*models.Event) ([]byte, error)
	// MaxFuture is how far after its arrival an event's occurred_at may lie (clocks drift;
	// a date years ahead is a bug that would stretch every time axis); 0 means DefaultMaxFuture.
	MaxFuture time.Duration
}

// DefaultMaxFuture is Service.MaxFuture's default.
const DefaultMaxFuture = 24 * time.Hour

// Error is a request-level error with the HTTP status it maps to.
type Error struct {
	Status int    `json:"-"`
	Msg    string `json:"error"`
	Index  *int   `json:"index,omitempty"`
	Field  string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Index != nil {
		return fmt.Sprintf("event %d: %s", *e.Index, e.Msg)
	}
	return e.Msg
}

func badEvent(i int, err error) *Error {
	e := &Error{Status: http.StatusBadRequest, Msg: err.Error(), Index: &i}
	var fe *models.FieldError
	if errors.As(err, &fe) {
		e.Field = fe.Field
	}
	return e
}

// ServeHTTP handles POST /v1/events. Instrument counts and times it.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, err := s.handle(r)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			s.Logger.Error("ingest failed", "err", err)
			e = &Error{Status: http.StatusServiceUnavailable, Msg: "events not acknowledged: " + err.Error() + "; retry the request"}
		}
		httpapi.WriteJSON(w, e.Status, e)
		return
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"accepted": n})
}

// Instrument counts every request next answers in meridian_ingest_requests_total by its
// status, and times the acknowledged ones (202) in meridian_ingest_ack_seconds. It wraps the
// whole /v1/events chain, so what the auth middleware and the rate limiter answer themselves
// (401, 429) is counted with the rest.
func Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK // nothing written: net/http answers 200
		}
		if sw.status == http.StatusAccepted {
			ingestSeconds.Observe(time.Since(start).Seconds())
		}
		ingestRequests.WithLabelValues(strconv.Itoa(sw.status)).Inc()
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flushing).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Service) handle(r *http.Request) (int, error) {
	if r.Method != http.MethodPost {
		return 0, &Error{Status: http.StatusMethodNotAllowed, Msg: "use POST"}
	}
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return 0, &Error{Status: http.StatusUnauthorized, Msg: "not authenticated"}
	}
	if err := p.Check(auth.ActionWriteEvents, ""); err != nil {
		return 0, &Error{Status: http.StatusForbidden, Msg: err.Error()}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
		return 0, &Error{Status: http.StatusUnsupportedMediaType, Msg: "Content-Type must be application/json or application/x-ndjson"}
	}
	body, err := readBody(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return 0, &Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("body is larger than %d bytes; split the batch", MaxBodyBytes)}
		}
		return 0, &Error{Status: http.StatusBadRequest, Msg: "reading body: " + err.Error()}
	}
	events, err := Decode(body)
	if err != nil {
		return 0, err
	}
	msgs, err := s.Prepare(r.Context(), p, events)
	if err != nil {
		return 0, err
	}
	if err := s.publish(r.Context(), msgs); err != nil {
		return 0, err
	}
	return len(msgs), nil
}

// publish writes msgs and counts them once Kafka acknowledged them.
func (s *Service) publish(ctx context.Context, msgs []kafka.Message) error {
	if err := s.Publisher.Publish(ctx, msgs...); err != nil {
		return err
	}
	for _, m := range msgs {
		ingestedEvents.WithLabelValues(regionOfTopic(m.Topic)).Inc()
	}
	return nil
}

// readBody reads the body, at most MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	return httpapi.ReadBody(r, MaxBodyBytes)
}

func regionOfTopic(t string) string {
	t = strings.TrimPrefix(t, "meridian.")
	r, _, _ := strings.Cut(t, ".")
	return r
}

// Decode parses a JSON array of events or NDJSON (one event per line). Unknown fields are
// errors: a misspelt optional field would otherwise vanish silently.
//
// Bodies are decoded by eventjson, a decoder written for models.Event (several times faster
// than encoding/json) that takes what clients write, explicit nulls included. Whatever it
// leaves (malformed JSON, keys in another case or repeated, ...) is decoded again by
// decodeStrict (encoding/json), so every error is reported exactly as before: same status,
// message, event index and field. FuzzDecodeMatchesStrict checks that both paths give the
// same events and the same errors.
func Decode(body []byte) ([]models.Event, error) {
	if events, ok := decodeFast(body); ok {
		if err := validate(events); err != nil {
			return nil, err
		}
		return events, nil
	}
	return decodeStrict(body)
}

// decodeFast decodes a body eventjson accepts as a whole, or reports false. eventjson refuses
// invalid UTF-8, which encoding/json would replace, so the body need not be checked first.
func decodeFast(body []byte) ([]models.Event, bool) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, false
	}
	var events []models.Event
	if trimmed[0] == '[' {
		var ok bool
		if events, ok = eventjson.DecodeArray(trimmed); !ok {
			return nil, false
		}
	} else {
		for rest := trimmed; len(rest) > 0; {
			line := rest
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				line, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			var e models.Event
			if n, ok := eventjson.DecodeObject(line, &e); !ok || n != len(line) {
				return nil, false
			}
			events = append(events, e)
		}
	}
	if len(events) == 0 || len(events) > MaxEvents {
		return nil, false // the strict path reports these
	}
	return events, true
}

// decodeStrict is Decode with encoding/json; it gives every error its status, index and field.
func decodeStrict(body []byte) ([]models.Event, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, &Error{Status: http.StatusBadRequest, Msg: "empty body: send a JSON array of events or NDJSON"}
	}
	var events []models.Event
	decodeOne := func(i int, raw []byte) error {
		if len(events) >= MaxEvents {
			return &Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("more than %d events in one request; split the batch", MaxEvents)}
		}
		var e models.Event
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return badEvent(i, fmt.Errorf("malformed event: %s", jsonMsg(err)))
		}
		if dec.More() {
			return badEvent(i, errors.New("malformed event: trailing data after the object"))
		}
		events = append(events, e)
		return nil
	}
	if trimmed[0] == '[' {
		// One pass over the array: each element is decoded as it is reached.
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if _, err := dec.Token(); err != nil {
			return nil, &Error{Status: http.StatusBadRequest, Msg: "malformed JSON: " + jsonMsg(err)}
		}
		for i := 0; dec.More(); i++ {
			if len(events) >= MaxEvents {
				return nil, &Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("more than %d events in one request; split the batch", MaxEvents)}
			}
			var e models.Event
			if err := dec.Decode(&e); err != nil {
				var se *json.SyntaxError
				if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
					return nil, &Error{Status: http.StatusBadRequest, Msg: "malformed JSON: " + jsonMsg(err)}
				}
				return nil, badEvent(i, fmt.Errorf("malformed event: %s", jsonMsg(err)))
			}
			events = append(events, e)
		}
		if _, err := dec.Token(); err != nil {
			return nil, &Error{Status: http.StatusBadRequest, Msg: "malformed JSON: " + jsonMsg(err)}
		}
		if dec.More() {
			return nil, &Error{Status: http.StatusBadRequest, Msg: "malformed JSON: data after the closing ]"}
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(trimmed))
		sc.Buffer(make([]byte, 0, 64<<10), MaxBodyBytes)
		i := 0
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			if line[0] != '{' {
				return nil, badEvent(i, errors.New("malformed JSON: each NDJSON line must be one event object"))
			}
			if err := decodeOne(i, line); err != nil {
				return nil, err
			}
			i++
		}
		if err := sc.Err(); err != nil {
			return nil, &Error{Status: http.StatusBadRequest, Msg: "reading NDJSON: " + err.Error()}
		}
	}
	if len(events) == 0 {
		return nil, &Error{Status: http.StatusBadRequest, Msg: "no events in the request"}
	}
	if err := validate(events); err != nil {
		return nil, err
	}
	return events, nil
}

// validate checks every decoded event against its contract.
func validate(events []models.Event) error {
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return badEvent(i, err)
		}
		// Personal fields are checked here, before sealing makes them longer.
		if err := checkSealedLengths(&events[i]); err != nil {
			return badEvent(i, err)
		}
	}
	return nil
}

// maxPersonalLen bounds the short personal fields (names, phone numbers, ids).
const maxPersonalLen = 1 << 10

func checkSealedLengths(e *models.Event) error {
	for _, f := range [...]struct {
		name  string
		v     string
		limit int
	}{{"text", e.Text, models.MaxTextLen}, {"summary", e.Summary, models.MaxTextLen}} {
		if len(f.v) > f.limit {
			return &models.FieldError{Field: f.name, Reason: fmt.Sprintf("is longer than %d bytes", f.limit)}
		}
	}
	if c := e.Customer; c != nil {
		for _, f := range [...]struct{ name, v string }{{"customer.external_id", c.ExternalID}, {"customer.phone", c.Phone},
			{"customer.email", c.Email}, {"customer.name", c.Name}, {"customer.crm_id", c.CRMID}} {
			if len(f.v) > maxPersonalLen {
				return &models.FieldError{Field: f.name, Reason: fmt.Sprintf("is longer than %d bytes", maxPersonalLen)}
			}
		}
	}
	return nil
}

func jsonMsg(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q must be %s, not %s", te.Field, te.Type.String(), te.Value)
	}
	return err.Error()
}

// Identity is the identity key a customer is known by within a tenant, strongest first: the
// CRM id, then e-mail, then phone, then the channel's user id.
func Identity(c *models.Customer) string {
	switch {
	case c.CRMID != "":
		return "crm:" + c.CRMID
	case c.Email != "":
		return "email:" + strings.ToLower(strings.TrimSpace(c.Email))
	case c.Phone != "":
		return "phone:" + digits(c.Phone)
	case c.ExternalID != "":
		return "ext:" + c.ExternalID
	}
	return ""
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Prepare turns validated events into Kafka messages: tenant and region assigned, personal
// fields sealed. It fails without side effects other than creating data keys. The data keys of
// a request's customers are looked up together, per region: a request's new customers get
// their keys in one round trip to the key store.
func (s *Service) Prepare(ctx context.Context, p auth.Principal, events []models.Event) ([]kafka.Message, error) {
	return s.prepare(ctx, p, events, false)
}

// Accept takes events that a component of Meridian produced after verifying their source
// (channel webhooks, whose platforms signed them): they are validated like a request's, keep
// the CustomerID the identity graph gave them, and Accept returns once Kafka acknowledged all.
func (s *Service) Accept(ctx context.Context, tenant string, events []models.Event) error {
	if err := validate(events); err != nil {
		return err
	}
	for i := range events {
		if events[i].CustomerID == "" {
			return badEvent(i, &models.FieldError{Field: "customer_id", Reason: "is required of events produced inside Meridian"})
		}
	}
	msgs, err := s.prepare(ctx, auth.Principal{Tenant: tenant, Role: auth.RoleIngest}, events, true)
	if err != nil {
		return err
	}
	return s.publish(ctx, msgs)
}

func (s *Service) prepare(ctx context.Context, p auth.Principal, events []models.Event, resolved bool) ([]kafka.Message, error) {
	now := s.Now().UTC()
	type regionSubjects struct {
		subjects []string
		events   []int // events[k] uses subjects[k]
	}
	var byRegion map[string]*regionSubjects
	var last *regionSubjects // most requests hold one region's events
	var lastRegion string
	maxFuture := s.MaxFuture
	if maxFuture == 0 {
		maxFuture = DefaultMaxFuture
	}
	latest := now.Add(maxFuture)
	for i := range events {
		e := &events[i]
		e.Normalize()
		e.Tenant = p.Tenant
		e.ReceivedAt = now
		if e.OccurredAt.After(latest) {
			return nil, badEvent(i, &models.FieldError{Field: "occurred_at",
				Reason: fmt.Sprintf("%s is more than %s after the server's time %s", e.OccurredAt.Format(time.RFC3339), maxFuture, now.Format(time.RFC3339))})
		}
		if e.Customer == nil {
			return nil, badEvent(i, &models.FieldError{Field: "customer", Reason: "is required to place the event in its residency region"})
		}
		e.Region = string(s.Policy.RegionFor(e.Customer.Country))
		if !p.Can(auth.ActionWriteEvents, e.Region) {
			idx := i
			return nil, &Error{Status: http.StatusForbidden, Index: &idx, Field: "customer.country",
				Msg: fmt.Sprintf("this key may not write to region %q (customer country %s)", e.Region, e.Customer.Country)}
		}
		id := Identity(e.Customer)
		if id == "" {
			id = "conversation:" + e.ConversationID
		}
		if !resolved {
			e.CustomerID = s.Keys.Pseudonym(e.Tenant, id)
		}
		rs := last
		if rs == nil || lastRegion != e.Region {
			if byRegion == nil {
				byRegion = map[string]*regionSubjects{}
			}
			rs = byRegion[e.Region]
			if rs == nil {
				rs = &regionSubjects{}
				byRegion[e.Region] = rs
			}
			last, lastRegion = rs, e.Region
		}
		rs.subjects = append(rs.subjects, e.CustomerID)
		rs.events = append(rs.events, i)
	}
	sealers := make([]*shred.Sealer, len(events))
	for region, rs := range byRegion {
		ss, err := s.Keys.Sealers(ctx, region, p.Tenant, rs.subjects)
		if err != nil {
			return nil, fmt.Errorf("data key: %w", err)
		}
		for k, i := range rs.events {
			sealers[i] = ss[k]
		}
	}
	// What the messages share is made once per request: one array of headers, one topic name
	// per region, one block for the keys, one for the content hashes, one for the sealed
	// fields, one array of customer copies.
	msgs := make([]kafka.Message, len(events))
	schema, tenant := []byte("meridian.event.v1"), []byte(p.Tenant)
	headers := make([]kafka.Header, 3*len(events))
	hashes := make([]byte, 0, 16*len(events))
	var canonical []byte
	topics := make(map[string]string, len(byRegion))
	for region := range byRegion {
		topics[region] = stream.EventsTopic(region)
	}
	keyBytes := 0
	for i := range events {
		keyBytes += len(events[i].ConversationID)
	}
	keys := make([]byte, 0, keyBytes)
	customers := make([]models.Customer, len(events))
	var sealed shred.Batch
	encode := s.Encode
	if encode == nil {
		encode = stream.EncodeEvent
	}
	for i := range events {
		e := &events[i]
		sealer := sealers[i]
		// The content hash covers the event as the client sent it (normalised, before
		// sealing, whose nonces differ on every retry), without its arrival time.
		received := e.ReceivedAt
		e.ReceivedAt = time.Time{}
		var err error
		canonical, err = eventjson.Append(canonical[:0], e)
		if err != nil {
			return nil, fmt.Errorf("encode event %d: %w", i, err)
		}
		e.ReceivedAt = received
		hashes = s.Keys.ContentHash(hashes, p.Tenant, canonical)
		c := &customers[i]
		*c = *e.Customer
		c.ExternalID, c.Phone, c.Email = sealer.Seal(&sealed, c.ExternalID), sealer.Seal(&sealed, c.Phone), sealer.Seal(&sealed, c.Email)
		c.Name, c.CRMID = sealer.Seal(&sealed, c.Name), sealer.Seal(&sealed, c.CRMID)
		e.Customer = c
		e.Text, e.Summary = sealer.Seal(&sealed, e.Text), sealer.Seal(&sealed, e.Summary)
		value, err := encode(e)
		if err != nil {
			return nil, fmt.Errorf("encode event %d: %w", i, err)
		}
		keys = append(keys, e.ConversationID...)
		msgs[i] = kafka.Message{
			Topic:   topics[e.Region],
			Key:     keys[len(keys)-len(e.ConversationID) : len(keys) : len(keys)],
			Value:   value,
			Headers: headers[3*i : 3*i+3 : 3*i+3],
		}
		msgs[i].Headers[0] = kafka.Header{Key: "schema", Value: schema}
		msgs[i].Headers[1] = kafka.Header{Key: "tenant", Value: tenant}
		msgs[i].Headers[2] = kafka.Header{Key: stream.ContentHashHeader, Value: hashes[len(hashes)-16 : len(hashes) : len(hashes)]}
	}
	return msgs, nil
}
