// Package live delivers Meridian's events to the subscribers of this process as they happen
// (the GraphQL subscriptions of the workspace). Every process tails each region's topic
// itself, from its end and without a consumer group, so that each one sees every event and
// several processes behind a load balancer all deliver them; a Hub fans each event out to
// the subscriptions of its tenant and region. Delivery never waits for a subscriber: one
// whose buffer is full is closed (ErrSlow) and must subscribe again, so a slow client cannot
// hold up the others or the tail.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/stream"
)

// ErrSlow ends a subscription that did not keep up: its buffer was full when an event came.
var ErrSlow = errors.New("live: the subscriber fell behind and was dropped; subscribe again")

var (
	delivered = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "meridian_live_events_total",
		Help: "Events this process read from a region's topic for its live subscribers, by region.",
	}, []string{"region"})
	dropped = promauto.NewCounter(prometheus.CounterOpts{
		Name: "meridian_live_subscribers_dropped_total",
		Help: "Live subscriptions closed because their buffer was full (a client that did not keep up).",
	})
	subscribers = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "meridian_live_subscriptions",
		Help: "Live subscriptions open in this process.",
	})
)

// Hub fans events out to this process's subscriptions. The zero value is not usable; use
// NewHub.
type Hub struct {
	mu      sync.RWMutex
	subs    map[*Subscription]struct{}
	tailing map[string]bool // regions whose tail has its starting offsets
}

// NewHub returns a hub without subscriptions.
func NewHub() *Hub { return &Hub{subs: map[*Subscription]struct{}{}, tailing: map[string]bool{}} }

// Tailing reports whether region's tail has found the end of every partition: events
// written after that are delivered.
func (h *Hub) Tailing(region string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.tailing[region]
}

// Subscription receives the events of one tenant in some regions.
type Subscription struct {
	hub     *Hub
	tenant  string
	regions []string // nil: every region

	mu     sync.Mutex // guards ch against a send after close
	ch     chan models.Event
	closed bool
	err    error
}

// Subscribe opens a subscription to tenant's events in regions (nil: every region), holding
// at most buffer events not yet read. Close it when done.
func (h *Hub) Subscribe(tenant string, regions []string, buffer int) *Subscription {
	s := &Subscription{hub: h, tenant: tenant, regions: slices.Clone(regions), ch: make(chan models.Event, max(1, buffer))}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	subscribers.Inc()
	return s
}

// Events delivers the subscription's events in each partition's order; it is closed when
// the subscription ends (Err says why).
func (s *Subscription) Events() <-chan models.Event { return s.ch }

// Err is ErrSlow once the hub dropped the subscription, else nil.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription; it is safe to call more than once.
func (s *Subscription) Close() { s.end(nil) }

func (s *Subscription) end(err error) {
	s.mu.Lock()
	if !s.closed {
		s.closed, s.err = true, err
		close(s.ch)
		subscribers.Dec()
	}
	s.mu.Unlock()
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
}

// offer hands e to the subscription without waiting; false when its buffer is full.
func (s *Subscription) offer(e models.Event) (ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return true
	}
	select {
	case s.ch <- e:
		return true
	default:
		return false
	}
}

// Publish delivers e to every subscription of its tenant and region, dropping those whose
// buffer is full. It never blocks.
func (h *Hub) Publish(e models.Event) {
	var slow []*Subscription
	h.mu.RLock()
	for s := range h.subs {
		if s.tenant != e.Tenant || (s.regions != nil && !slices.Contains(s.regions, e.Region)) {
			continue
		}
		if !s.offer(e) {
			slow = append(slow, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		dropped.Inc()
		s.end(ErrSlow)
	}
}

// Len is the number of open subscriptions.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// Unsealer opens a customer's sealed personal fields (shred.Keyring).
type Unsealer interface {
	Opener(ctx context.Context, region, tenant, subject string) (*shred.Opener, error)
}

// TailConfig configures the tail of one region's topic.
type TailConfig struct {
	Brokers []string
	Auth    stream.Auth
	Region  string
	Hub     *Hub
	// Keys opens messages' sealed text before they are published to the hub (the GraphQL
	// layer then masks it by role, as it does for stored messages). Nil: texts are cleared,
	// never delivered sealed.
	Keys Unsealer
	Log  *slog.Logger
}

// Tail reads cfg.Region's topic from its end, every partition, without a consumer group,
// and publishes each event to the hub until ctx ends. Values that do not decode are skipped
// (the stores' sink dead-letters them).
func Tail(ctx context.Context, cfg TailConfig) error {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	topic := stream.EventsTopic(cfg.Region)
	log := cfg.Log.With("live", cfg.Region)
	// The end of every partition first, so that once Tailing says so, every event written
	// afterwards is delivered.
	var offsets map[int]int64
	for {
		var err error
		if offsets, err = lastOffsets(ctx, cfg, topic); err == nil {
			break
		}
		log.Warn("live: cannot find the end of the topic; retrying", "topic", topic, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	cfg.Hub.mu.Lock()
	cfg.Hub.tailing[cfg.Region] = true
	cfg.Hub.mu.Unlock()
	var wg sync.WaitGroup
	for p, off := range offsets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tailPartition(ctx, cfg, topic, p, off, log)
		}()
	}
	wg.Wait()
	return nil
}

// lastOffsets are the offsets the next events of each of topic's partitions will have.
func lastOffsets(ctx context.Context, cfg TailConfig, topic string) (map[int]int64, error) {
	d := cfg.Auth.Dialer(10 * time.Second)
	partitions, err := lookupPartitions(ctx, cfg, topic)
	if err != nil {
		return nil, err
	}
	if len(partitions) == 0 {
		return nil, fmt.Errorf("topic %s has no partitions", topic)
	}
	out := map[int]int64{}
	for _, p := range partitions {
		conn, err := d.DialLeader(ctx, "tcp", fmt.Sprintf("%s:%d", p.Leader.Host, p.Leader.Port), topic, p.ID)
		if err != nil {
			return nil, err
		}
		off, err := conn.ReadLastOffset()
		conn.Close()
		if err != nil {
			return nil, fmt.Errorf("partition %d: %w", p.ID, err)
		}
		out[p.ID] = off
	}
	return out, nil
}

func lookupPartitions(ctx context.Context, cfg TailConfig, topic string) ([]kafka.Partition, error) {
	d := cfg.Auth.Dialer(10 * time.Second)
	var errs []error
	for _, b := range cfg.Brokers {
		ps, err := d.LookupPartitions(ctx, "tcp", b, topic)
		if err == nil {
			return ps, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// tailPartition reads one partition from offset until ctx ends. A fetch returns as soon as
// one event is there (MinBytes 1): delivery latency is the point of a live tail.
func tailPartition(ctx context.Context, cfg TailConfig, topic string, partition int, offset int64, log *slog.Logger) {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:   cfg.Brokers,
		Dialer:    cfg.Auth.Dialer(10 * time.Second),
		Topic:     topic,
		Partition: partition,
		MinBytes:  1,
		MaxBytes:  8 << 20,
		MaxWait:   500 * time.Millisecond,
		// kafka-go retries and reconnects by itself; errors it gives up on come back below.
		MaxAttempts: 10,
	})
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		log.Error("live: cannot start at the end of the partition", "partition", partition, "err", err)
		return
	}
	openers := map[string]*shred.Opener{}
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("live: read failed; retrying", "partition", partition, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		e, err := stream.DecodeEvent(m.Value)
		if err != nil || e.Region != cfg.Region {
			continue
		}
		if err := open(ctx, cfg.Keys, openers, &e); err != nil {
			log.Warn("live: cannot open the event's text; delivered without it", "event", e.ID, "err", err)
		}
		delivered.WithLabelValues(cfg.Region).Inc()
		cfg.Hub.Publish(e)
	}
}

// open replaces e's sealed text and summary by their plaintext ("" when the customer was
// erased, when there are no keys, or when they do not open), caching openers by customer.
func open(ctx context.Context, keys Unsealer, openers map[string]*shred.Opener, e *models.Event) error {
	if e.Text == "" && e.Summary == "" {
		return nil
	}
	sealed := [2]string{e.Text, e.Summary}
	e.Text, e.Summary = "", ""
	if keys == nil {
		return nil
	}
	k := e.Tenant + "\x00" + e.CustomerID
	o, ok := openers[k]
	if !ok {
		var err error
		o, err = keys.Opener(ctx, e.Region, e.Tenant, e.CustomerID)
		if errors.Is(err, shred.ErrErased) {
			return nil // the text is gone for good
		}
		if err != nil {
			return fmt.Errorf("open %s: %w", e.ID, err)
		}
		if len(openers) > 10000 {
			clear(openers)
		}
		openers[k] = o
	}
	text, err1 := o.Open(sealed[0])
	summary, err2 := o.Open(sealed[1])
	if err := errors.Join(err1, err2); err != nil {
		delete(openers, k) // the customer's key may have changed (erased, then a new one)
		return err
	}
	e.Text, e.Summary = text, summary
	return nil
}
