package stream

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	json "github.com/goccy/go-json"
	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/models/eventjson"
	"github.com/meridian-cs/meridian/models/eventpb"
)

// EventStore stores a region's events. Storing must be idempotent by (tenant, id): a batch can
// be offered again after a crash. It returns the index and reason of events it can never store.
//
// An error whose chain has a Permanent() method answering true says the events, not the
// store, are at fault (a value the store cannot hold): the handler then splits the batch to
// find the events at fault, dead-letters them with the store's reason and stores the rest.
// Any other error is taken as transient and the whole batch is retried.
type EventStore interface {
	StoreEvents(ctx context.Context, events []models.Event) (rejected map[int]string, err error)
}

// ContentHashHeader is the message header in which ingest carries a keyed hash of the event's
// content (as the client sent it, before sealing), for Claimer.
const ContentHashHeader = "content-hash"

// Claimer records the content first accepted under each event id and reports, by index, the
// events whose id was first accepted with other content (hashes[i] is events[i]'s content
// hash, empty when its producer sent none). Claiming must be idempotent: a batch replayed
// after a crash claims what it claimed before and conflicts with nothing.
type Claimer interface {
	Claim(ctx context.Context, events []models.Event, hashes [][]byte) (conflicts map[int]string, err error)
}

// EventHandler decodes a region topic's messages into events once and hands them to every
// store of the region at the same time; the batch counts as stored when all of them have it.
// Messages that do not decode, fail validation or belong to another region are poison, and so
// is an event a store can never take (with that store's reason). With Claims set, an event
// reusing an id that was first accepted with other content is dead-lettered as a conflict
// before any store sees it: the first version stays.
type EventHandler struct {
	Region string
	Stores map[string]EventStore // by name, for metrics and reasons
	Claims Claimer
}

// Handle implements Handler.
func (h EventHandler) Handle(ctx context.Context, msgs []kafka.Message) ([]Rejected, error) {
	prep, err := h.Prepare(ctx, msgs)
	if err != nil {
		return nil, err
	}
	return h.HandlePrepared(ctx, msgs, prep)
}

// preparedEvents is a batch decoded and claimed, ready for the stores.
type preparedEvents struct {
	events  []models.Event
	index   []int          // events[k] came from msgs[index[k]]
	reasons map[int]string // poison and conflicts, by message index
}

// Prepare implements Preparer: it decodes the batch and claims its event ids. Both are safe
// to repeat and need no earlier batch stored (claims are idempotent and the collector claims
// batches in log order), so the sink runs them while the batch ahead is being stored.
func (h EventHandler) Prepare(ctx context.Context, msgs []kafka.Message) (any, error) {
	p := &preparedEvents{events: make([]models.Event, 0, len(msgs)), index: make([]int, 0, len(msgs)), reasons: map[int]string{}}
	for i, m := range msgs {
		e, err := DecodeEvent(m.Value)
		if err == nil && e.Region != h.Region {
			err = fmt.Errorf("event of region %q on %s's topic", e.Region, h.Region)
		}
		if err != nil {
			p.reasons[i] = err.Error()
			continue
		}
		p.events = append(p.events, e)
		p.index = append(p.index, i)
	}
	if len(p.events) == 0 || h.Claims == nil {
		return p, nil
	}
	hashes := make([][]byte, len(p.events))
	for k, i := range p.index {
		for _, hd := range msgs[i].Headers {
			if hd.Key == ContentHashHeader {
				hashes[k] = hd.Value
			}
		}
	}
	conflicts, err := h.Claims.Claim(ctx, p.events, hashes)
	if err != nil {
		return nil, err
	}
	if len(conflicts) > 0 {
		kept, keptIndex := p.events[:0:0], p.index[:0:0]
		for k := range p.events {
			if reason, ok := conflicts[k]; ok {
				p.reasons[p.index[k]] = reason
				continue
			}
			kept, keptIndex = append(kept, p.events[k]), append(keptIndex, p.index[k])
		}
		p.events, p.index = kept, keptIndex
	}
	return p, nil
}

// HandlePrepared implements Preparer: it stores a prepared batch in every store.
func (h EventHandler) HandlePrepared(ctx context.Context, msgs []kafka.Message, prepared any) ([]Rejected, error) {
	p := prepared.(*preparedEvents)
	reasons := maps.Clone(p.reasons)
	if len(p.events) > 0 {
		bad, err := h.store(ctx, p.events)
		if err != nil {
			return nil, err
		}
		for _, name := range slices.Sorted(maps.Keys(bad)) {
			for i, reason := range bad[name] {
				reason = name + ": " + reason
				if prev, ok := reasons[p.index[i]]; ok {
					reason = prev + "; " + reason
				}
				reasons[p.index[i]] = reason
			}
		}
	}
	rejected := make([]Rejected, 0, len(reasons))
	for _, i := range slices.Sorted(maps.Keys(reasons)) {
		rejected = append(rejected, Rejected{Msg: msgs[i], Reason: reasons[i]})
	}
	return rejected, nil
}

// store writes events to every store concurrently (ClickHouse and PostgreSQL work in parallel)
// and returns each store's rejections. The first error fails the batch; the stores that did
// succeed see it again on the retry, which their idempotence absorbs.
func (h EventHandler) store(ctx context.Context, events []models.Event) (map[string]map[int]string, error) {
	type result struct {
		name string
		bad  map[int]string
		err  error
	}
	results := make(chan result, len(h.Stores))
	for name, s := range h.Stores {
		go func() {
			start := time.Now()
			bad, err := storeSplitting(ctx, s, events)
			if err == nil {
				storeSeconds.WithLabelValues(name, h.Region).Observe(time.Since(start).Seconds())
			}
			results <- result{name, bad, err}
		}()
	}
	bad := map[string]map[int]string{}
	var errs []error
	for range h.Stores {
		r := <-results
		if r.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.name, r.err))
		}
		if len(r.bad) > 0 {
			bad[r.name] = r.bad
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return bad, nil
}

// storeSplitting stores events, and when the store refuses them permanently, halves the batch
// until the events at fault are alone: one poison event costs about 2·log2(n) attempts, and
// every event that can be stored is. A transient error anywhere fails the whole batch (the
// parts already stored see it again on the retry, which idempotent stores absorb).
func storeSplitting(ctx context.Context, s EventStore, events []models.Event) (map[int]string, error) {
	bad, err := s.StoreEvents(ctx, events)
	if err == nil || !permanent(err) {
		return bad, err
	}
	if len(events) == 1 {
		return map[int]string{0: err.Error()}, nil
	}
	batchSplits.Inc()
	mid := len(events) / 2
	left, err := storeSplitting(ctx, s, events[:mid])
	if err != nil {
		return nil, err
	}
	right, err := storeSplitting(ctx, s, events[mid:])
	if err != nil {
		return nil, err
	}
	for i, reason := range right {
		if left == nil {
			left = map[int]string{}
		}
		left[mid+i] = reason
	}
	return left, nil
}

func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// EncodeEvent writes an event as the message value the sinks read: the Protocol Buffers form
// of schemas/events/v1/event.proto (models/eventpb).
func EncodeEvent(e *models.Event) ([]byte, error) { return eventpb.Append(nil, e) }

// EncodeEventJSON writes an event as JSON (models/eventjson), the value format for topics
// that other consumers read as JSON.
func EncodeEventJSON(e *models.Event) ([]byte, error) { return eventjson.Append(nil, e) }

// DecodeEvent parses a message value written by ingest, in either form, and checks its
// contract. A value starting with '{' is JSON, anything else Protocol Buffers. Fields it does
// not know are ignored in both: ingest already refused unknown fields at the door, so one
// here was written by a newer Meridian during a rolling upgrade, and its sinks store what they
// know instead of dead-lettering every event.
func DecodeEvent(b []byte) (models.Event, error) {
	var e models.Event
	var err error
	if isJSON(b) {
		err = decode(b, &e)
	} else {
		err = eventpb.Decode(b, &e)
	}
	if err != nil {
		return e, fmt.Errorf("decode: %w", err)
	}
	if err := e.Validate(); err != nil {
		return e, fmt.Errorf("invalid event %q: %w", e.ID, err)
	}
	if e.Tenant == "" || e.Region == "" {
		return e, fmt.Errorf("event %q lacks tenant or region (not written by ingest)", e.ID)
	}
	return e, nil
}

// isJSON reports whether a value is in the JSON form, which Meridian always writes starting
// with '{'. A Protocol Buffers Event never does: its first byte is a field tag, and 0x7B would
// be field 15 as a group, a wire type proto3 never writes.
func isJSON(b []byte) bool { return len(b) > 0 && b[0] == '{' }

// decode takes eventjson's result when it read the whole value. Anything else (an unknown
// field, for one) goes to go-json's Unmarshal, which ignores unknown fields and can panic on
// some malformed input (invalid UTF-8 in a long key); such a message is poison, not a reason
// to crash the sink.
func decode(b []byte, e *models.Event) (err error) {
	if n, ok := eventjson.DecodeObject(b, e); ok && onlySpace(b[n:]) {
		return nil
	}
	*e = models.Event{} // DecodeObject may have read an object with data after it
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed message (decoder panic: %v)", r)
		}
	}()
	return json.Unmarshal(b, e)
}

// onlySpace reports whether b is JSON whitespace, all that may follow the value.
func onlySpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
