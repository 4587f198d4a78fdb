package stream_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/stream"
)

// refusal is how a store says the events, not the store, are at fault.
type refusal struct{ msg string }

func (r refusal) Error() string   { return r.msg }
func (r refusal) Permanent() bool { return true }

// picky is a store that refuses, as a whole, every batch holding an event of the queue it
// cannot hold (as PostgreSQL refuses a whole statement for one NUL byte; ingest now refuses
// NUL, so a valid value stands in for what no validation foresaw), and fails transiently
// while down is set.
type picky struct {
	mu    sync.Mutex
	down  atomic.Bool
	calls int
	ids   map[string]int
}

func (p *picky) StoreEvents(_ context.Context, events []models.Event) (map[int]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.down.Load() {
		return nil, errors.New("dial unix /var/run/postgresql/.s.PGSQL.5432: connect: no such file or directory")
	}
	for _, e := range events {
		if e.Queue == "unstorable" {
			return nil, refusal{`invalid byte sequence for encoding "UTF8": 0x00`}
		}
	}
	for _, e := range events {
		p.ids[e.ID]++
	}
	return nil, nil
}

func (p *picky) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ids)
}

// One event a store can never hold used to make the sink retry its batch forever, and every
// later event of the region was acknowledged and never stored. The batch is now halved until
// the event at fault is alone: it goes to the dead-letter topic with the store's reason, every
// other event is stored in every store, and later batches flow.
func TestAnEventAStoreRefusesIsDeadLetteredAndTheRestStored(t *testing.T) {
	ctx := context.Background()
	b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	addrs, auth, tenant, topic := b.Addrs(), b.Auth(), "t-poison", stream.EventsTopic("eu")
	if err := stream.EnsureTopics(ctx, addrs, auth, []stream.TopicSpec{{Name: topic, Partitions: 1}, {Name: stream.DeadLetterTopic("eu"), Partitions: 1}}); err != nil {
		t.Fatal(err)
	}
	p := stream.NewProducer(addrs, auth)
	defer p.Close()
	var msgs []kafka.Message
	for i := range 300 {
		e := event(tenant, "eu", fmt.Sprintf("p%d", i), "DE")
		if i == 137 || i == 138 || i == 250 {
			e.Queue = "unstorable"
		}
		msgs = append(msgs, message(t, topic, e))
	}
	if err := p.Publish(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	store := &picky{ids: map[string]int{}}
	sctx, cancel := context.WithCancel(ctx)
	s := stream.NewSink(stream.SinkConfig{Name: "stores", Brokers: addrs, Auth: auth, Topic: topic, Group: stream.StoresGroup("eu"),
		DeadLetterTopic: stream.DeadLetterTopic("eu"), MaxWait: 200 * time.Millisecond, StallAfter: 300 * time.Millisecond},
		stream.EventHandler{Region: "eu", Stores: map[string]stream.EventStore{
			"clickhouse": &clickhouse.EventWriter{DB: ch, Region: "eu"}, "postgres": store}})
	done := make(chan error, 1)
	go func() { done <- s.Run(sctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitFor(t, "297 events in the refusing store", func() bool { return store.count() == 297 })
	waitFor(t, "300 events in ClickHouse", func() bool { return count(t, "eu", tenant) == 300 })

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: addrs, Dialer: auth.Dialer(5 * time.Second), Topic: stream.DeadLetterTopic("eu"), Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
	defer rcancel()
	dead := map[string]string{}
	for len(dead) < 3 {
		m, err := r.ReadMessage(rctx)
		if err != nil {
			t.Fatalf("dead-letter topic: %d messages: %v", len(dead), err)
		}
		for _, h := range m.Headers {
			if h.Key == "dlq.reason" {
				dead[string(m.Key)] = string(h.Value)
			}
		}
	}
	for _, id := range []string{"p137", "p138", "p250"} {
		if reason := dead["c-"+id]; reason != `postgres: invalid byte sequence for encoding "UTF8": 0x00` {
			t.Errorf("dead letter of %s: reason %q", id, reason)
		}
	}
	if err := s.Health(); err != nil {
		t.Fatalf("the sink reports %v after finding its poison events", err)
	}

	// A store that is down is not poison: nothing is dead-lettered, the sink reports the stall
	// (without the socket's path), and once the store is back the batch is stored.
	store.down.Store(true)
	if err := p.Publish(ctx, message(t, topic, event(tenant, "eu", "during-outage", "DE"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sink to report the stall", func() bool { return s.Health() != nil })
	if msg := s.Health().Error(); strings.Contains(msg, "/var/run") || !strings.Contains(msg, "connect: no such file or directory") {
		t.Fatalf("health: %q, want the store's reason without its path", msg)
	}
	lag := stream.NewLagCollector(addrs, auth, map[string]string{stream.StoresGroup("eu"): topic}, nil)
	if l, err := lag.Lag(ctx, stream.StoresGroup("eu")); err != nil || l[0] != 1 {
		t.Fatalf("lag while stalled: %v, %v; want 1 on partition 0", l, err)
	}
	store.down.Store(false)
	waitFor(t, "the event sent during the outage", func() bool { return store.count() == 298 })
	waitFor(t, "the sink to recover", func() bool { return s.Health() == nil })
	waitFor(t, "lag 0", func() bool { l, err := lag.Lag(ctx, stream.StoresGroup("eu")); return err == nil && l[0] == 0 })
	rctx2, rcancel2 := context.WithTimeout(ctx, time.Second)
	defer rcancel2()
	if m, err := r.ReadMessage(rctx2); err == nil {
		t.Fatalf("an outage dead-lettered %s", m.Key)
	}
}
