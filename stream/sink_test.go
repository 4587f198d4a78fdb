package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chtest"
	"github.com/meridian-cs/meridian/stream"
	"github.com/meridian-cs/meridian/stream/kafkatest"
)

// One chDB per test process (chDB allows one data path per process).
var ch clickhouse.DB

func TestMain(m *testing.M) {
	chtest.Main(m, []string{"eu", "us"}, func(_ context.Context, db clickhouse.DB) error {
		ch = db
		return nil
	})
}

// brokers runs a test against the embedded broker and against Apache Kafka.
// The embedded broker's clients authenticate as its user; the Apache Kafka harness is plaintext.
func brokers(t *testing.T, fn func(t *testing.T, addrs []string, auth stream.Auth, tenant string)) {
	t.Run("embedded", func(t *testing.T) {
		b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		fn(t, b.Addrs(), b.Auth(), "t-embedded-"+t.Name())
	})
	t.Run("apache-kafka", func(t *testing.T) {
		b := kafkatest.Start(t)
		fn(t, []string{b.Addr()}, stream.Auth{}, "t-apache-"+t.Name())
	})
}

func event(tenant, region, id, country string) models.Event {
	return models.Event{ID: id, Type: models.MessageReceived, Tenant: tenant, Region: region, Version: 1,
		OccurredAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), ReceivedAt: time.Now().UTC(),
		Channel: "whatsapp", Direction: models.Inbound, ConversationID: "c-" + id, CustomerID: "cus_1",
		Customer: &models.Customer{Country: country}, Text: "Wo ist meine Bestellung?", Language: "de"}
}

func message(t *testing.T, topic string, e models.Event) kafka.Message {
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return kafka.Message{Topic: topic, Key: []byte(e.ConversationID), Value: b}
}

func count(t *testing.T, region, tenant string) int {
	res, err := ch.Query(context.Background(), fmt.Sprintf("SELECT count() FROM %s.events FINAL WHERE tenant = %s",
		clickhouse.Database(region), clickhouse.Quote(tenant)))
	if err != nil {
		t.Fatal(err)
	}
	return int(clickhouse.Float(res.Rows[0][0]))
}

func runSink(t *testing.T, addrs []string, auth stream.Auth, region string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	s := stream.NewSink(stream.SinkConfig{Name: "test", Brokers: addrs, Auth: auth, Topic: stream.EventsTopic(region),
		Group: "test-" + region, DeadLetterTopic: stream.DeadLetterTopic(region), MaxWait: 50 * time.Millisecond},
		stream.EventHandler{Region: region, Stores: map[string]stream.EventStore{"clickhouse": &clickhouse.EventWriter{DB: ch, Region: region}}})
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sink: %v", err)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSinkStoresEachEventOnceAndDeadLettersPoison(t *testing.T) {
	brokers(t, func(t *testing.T, addrs []string, auth stream.Auth, tenant string) {
		ctx := context.Background()
		topic := stream.EventsTopic("eu")
		if err := stream.EnsureTopics(ctx, addrs, auth, []stream.TopicSpec{{Name: topic, Partitions: 3}, {Name: stream.DeadLetterTopic("eu"), Partitions: 1}}); err != nil {
			t.Fatal(err)
		}
		p := stream.NewProducer(addrs, auth)
		defer p.Close()
		var msgs []kafka.Message
		for i := 0; i < 200; i++ {
			msgs = append(msgs, message(t, topic, event(tenant, "eu", fmt.Sprintf("e%d", i), "DE")))
		}
		// A client retry: the first 50 events again.
		msgs = append(msgs, msgs[:50]...)
		// Poison: not JSON; and an event of another region on this region's topic.
		msgs = append(msgs, kafka.Message{Topic: topic, Key: []byte("x"), Value: []byte("{not json")})
		msgs = append(msgs, message(t, topic, event(tenant, "us", "wrong-region", "US")))
		if err := p.Publish(ctx, msgs...); err != nil {
			t.Fatal(err)
		}

		stop := runSink(t, addrs, auth, "eu")
		waitFor(t, "200 events in ClickHouse", func() bool { return count(t, "eu", tenant) >= 200 })
		// Restarting the sink (a new group member) must not store anything again.
		stop()
		stop = runSink(t, addrs, auth, "eu")
		more := []kafka.Message{message(t, topic, event(tenant, "eu", "after-restart", "DE"))}
		if err := p.Publish(ctx, more...); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the event sent after the restart", func() bool { return count(t, "eu", tenant) == 201 })
		stop()
		if got := count(t, "eu", tenant); got != 201 {
			t.Fatalf("ClickHouse holds %d events, want 201 (200 + 1, duplicates and poison excluded)", got)
		}
		if got := count(t, "us", tenant); got != 0 {
			t.Fatalf("the wrong-region event reached the us database (%d rows)", got)
		}

		r := kafka.NewReader(kafka.ReaderConfig{Brokers: addrs, Dialer: auth.Dialer(10 * time.Second), Topic: stream.DeadLetterTopic("eu"), Partition: 0, MaxWait: 100 * time.Millisecond})
		defer r.Close()
		reasons := map[string]bool{}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for len(reasons) < 2 {
			m, err := r.ReadMessage(rctx)
			if err != nil {
				t.Fatalf("dead-letter topic: got %d messages: %v", len(reasons), err)
			}
			for _, h := range m.Headers {
				if h.Key == "dlq.reason" {
					reasons[string(m.Key)] = true
					t.Logf("dead letter %s: %s", m.Key, h.Value)
				}
			}
		}
		if !reasons["x"] || !reasons["c-wrong-region"] {
			t.Fatalf("dead letters: %v, want the malformed message and the wrong-region event", reasons)
		}
	})
}

// ledger is a second store beside ClickHouse: it fails its first calls, refuses one event id
// for good, and records the ids it stored.
type ledger struct {
	mu       sync.Mutex
	failures int
	refuse   string
	ids      map[string]int
}

func (l *ledger) StoreEvents(_ context.Context, events []models.Event) (map[int]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures > 0 {
		l.failures--
		return nil, errors.New("ledger unavailable")
	}
	var bad map[int]string
	for i, e := range events {
		if e.ID == l.refuse {
			bad = map[int]string{i: "refused by the ledger"}
			continue
		}
		l.ids[e.ID]++
	}
	return bad, nil
}

func (l *ledger) stored() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.ids)
}

// One sink feeds every store of a region: a failing store makes the whole batch retry (the
// other store's copy is absorbed by its idempotence), and an event one store refuses is
// dead-lettered with that store's name in the reason.
func TestSinkFeedsEveryStoreAndRetriesTheBatchWhileOneFails(t *testing.T) {
	ctx := context.Background()
	b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	addrs, auth, tenant, topic := b.Addrs(), b.Auth(), "t-stores", stream.EventsTopic("eu")
	if err := stream.EnsureTopics(ctx, addrs, auth, []stream.TopicSpec{{Name: topic, Partitions: 2}, {Name: stream.DeadLetterTopic("eu"), Partitions: 1}}); err != nil {
		t.Fatal(err)
	}
	p := stream.NewProducer(addrs, auth)
	defer p.Close()
	var msgs []kafka.Message
	for i := range 100 {
		msgs = append(msgs, message(t, topic, event(tenant, "eu", fmt.Sprintf("s%d", i), "DE")))
	}
	msgs = append(msgs, message(t, topic, event(tenant, "eu", "refused", "DE")))
	if err := p.Publish(ctx, msgs...); err != nil {
		t.Fatal(err)
	}

	l := &ledger{failures: 2, refuse: "refused", ids: map[string]int{}}
	sctx, cancel := context.WithCancel(ctx)
	s := stream.NewSink(stream.SinkConfig{Name: "stores", Brokers: addrs, Auth: auth, Topic: topic, Group: stream.StoresGroup("eu"),
		DeadLetterTopic: stream.DeadLetterTopic("eu"), MaxWait: 50 * time.Millisecond},
		stream.EventHandler{Region: "eu", Stores: map[string]stream.EventStore{
			"clickhouse": &clickhouse.EventWriter{DB: ch, Region: "eu"}, "ledger": l}})
	done := make(chan error, 1)
	go func() { done <- s.Run(sctx) }()
	waitFor(t, "100 events in the ledger", func() bool { return len(l.stored()) == 100 })
	waitFor(t, "101 events in ClickHouse", func() bool { return count(t, "eu", tenant) == 101 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for id, n := range l.stored() {
		if n != 1 {
			t.Errorf("the ledger stored %s %d times", id, n)
		}
	}
	if got := count(t, "eu", tenant); got != 101 {
		t.Fatalf("ClickHouse holds %d events after the retries, want 101", got)
	}

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: addrs, Dialer: auth.Dialer(10 * time.Second), Topic: stream.DeadLetterTopic("eu"), Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
	defer rcancel()
	m, err := r.ReadMessage(rctx)
	if err != nil {
		t.Fatalf("dead-letter topic: %v", err)
	}
	var reason string
	for _, h := range m.Headers {
		if h.Key == "dlq.reason" {
			reason = string(h.Value)
		}
	}
	if string(m.Key) != "c-refused" || reason != "ledger: refused by the ledger" {
		t.Fatalf("dead letter %s with reason %q, want c-refused with the ledger's reason", m.Key, reason)
	}
}

// stuckHandler fails every batch that holds the value failOn and records the values it stored
// and how many batches it failed.
type stuckHandler struct {
	failOn  string
	mu      sync.Mutex
	stored  []string
	refused int
}

func (h *stuckHandler) Handle(_ context.Context, msgs []kafka.Message) ([]stream.Rejected, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range msgs {
		if string(m.Value) == h.failOn {
			h.refused++
			return nil, errors.New("store unavailable")
		}
	}
	for _, m := range msgs {
		h.stored = append(h.stored, string(m.Value))
	}
	return nil, nil
}

func (h *stuckHandler) state() ([]string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.stored), h.refused
}

// While one batch cannot be stored the sink collects the next ones, but when it stops it
// commits none of them: the next start is offered the unstored batch and everything after it.
func TestSinkStoppedWhileABatchFailsCommitsNothingAfterIt(t *testing.T) {
	b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ctx := context.Background()
	const topic = "stuck"
	if err := stream.EnsureTopics(ctx, b.Addrs(), b.Auth(), []stream.TopicSpec{{Name: topic, Partitions: 1}}); err != nil {
		t.Fatal(err)
	}
	values := []string{"0", "1", "2", "3", "stuck", "5", "6", "7", "8", "9"}
	var msgs []kafka.Message
	for _, v := range values {
		msgs = append(msgs, kafka.Message{Topic: topic, Value: []byte(v)})
	}
	p := stream.NewProducer(b.Addrs(), b.Auth())
	defer p.Close()
	if err := p.Publish(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	run := func(h *stuckHandler, until func() bool) {
		t.Helper()
		sctx, cancel := context.WithCancel(ctx)
		s := stream.NewSink(stream.SinkConfig{Name: topic, Brokers: b.Addrs(), Auth: b.Auth(), Topic: topic, Group: "g-stuck",
			MaxWait: 20 * time.Millisecond, MaxRows: 3}, h)
		done := make(chan error, 1)
		go func() { done <- s.Run(sctx) }()
		waitFor(t, "the sink", until)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	first := &stuckHandler{failOn: "stuck"}
	run(first, func() bool { _, refused := first.state(); return refused >= 3 })
	if stored, _ := first.state(); !slices.Equal(stored, values[:3]) {
		t.Fatalf("first run stored %v, want %v", stored, values[:3])
	}

	second := &stuckHandler{} // the store works again
	run(second, func() bool { stored, _ := second.state(); return len(stored) >= 7 })
	stored, _ := second.state()
	if want := []string{"3", "stuck", "5", "6", "7", "8", "9"}; !slices.Equal(stored, want) {
		t.Fatalf("after the restart the sink stored %v, want %v", stored, want)
	}
}
