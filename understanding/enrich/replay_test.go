package enrich_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/stream"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/enrich"
	"github.com/meridian-cs/meridian/understanding/language"
)

// lateAck is ingest whose first acknowledgement comes too late: the analyses reach Kafka, but
// Accept reports a timeout, as it does on a loaded machine, and the sink retries the batch.
// It keeps what each call published, by analysis id.
type lateAck struct {
	svc *ingest.Service
	mu  sync.Mutex
	ok  int                       // calls that returned nil
	got []map[string]models.Event // per call
}

func (l *lateAck) Accept(ctx context.Context, tenant string, events []models.Event) error {
	seen := map[string]models.Event{}
	for _, e := range events {
		e.Attributes = maps.Clone(e.Attributes)
		seen[e.ID] = e
	}
	err := l.svc.Accept(ctx, tenant, events)
	l.mu.Lock()
	defer l.mu.Unlock()
	first := len(l.got) == 0
	l.got = append(l.got, seen)
	if err != nil {
		return err
	}
	if first {
		return fmt.Errorf("publish: %w", context.DeadlineExceeded)
	}
	l.ok++
	return nil
}

func (l *lateAck) calls() (ok int, got []map[string]models.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok, append([]map[string]models.Event(nil), l.got...)
}

// A batch whose analyses reached Kafka but whose publication the handler saw fail is analysed
// again by the retry: the retry must publish the very same analyses, so that the stores'
// claims absorb them and dead-letter nothing. The batch holds what the handler's memory
// remembers: a customer's three conversations (repeat contacts) and a conversation whose
// later messages hint the language of its first. The same handler re-reading the topic
// publishes them unchanged too.
func TestARetriedBatchRepublishesTheSameAnalyses(t *testing.T) {
	ctx := context.Background()
	b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	addrs, kauth := b.Addrs(), b.Auth()
	topic, dlq := stream.EventsTopic("eu"), stream.DeadLetterTopic("eu")
	if err := stream.EnsureTopics(ctx, addrs, kauth, []stream.TopicSpec{{Name: topic, Partitions: 1}, {Name: dlq, Partitions: 1}}); err != nil {
		t.Fatal(err)
	}
	pg, keys := openStore(t, ctx)
	producer := stream.NewProducer(addrs, kauth)
	t.Cleanup(func() { producer.Close() })
	svc := &ingest.Service{Policy: models.DefaultPolicy(), Publisher: producer, Keys: keys, Now: time.Now}
	det, err := language.New(language.Config{HighAccuracy: []string{"en", "de", "fr", "pt", "ja"}})
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, stream.NewSink(stream.SinkConfig{Name: "stores", Brokers: addrs, Auth: kauth, Topic: topic,
		Group: stream.StoresGroup("eu"), DeadLetterTopic: dlq, MaxWait: 20 * time.Millisecond},
		stream.EventHandler{Region: "eu", Stores: map[string]stream.EventStore{"postgres": &postgres.StateWriter{DB: pg, Region: "eu"}},
			Claims: &postgres.EventClaims{DB: pg, Region: "eu"}}))

	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	lena := models.Customer{Country: "DE", Email: "lena@example.de"}
	joao := models.Customer{Country: "PT", Phone: "+351912345678"}
	msg := func(id, conv string, min int, text string, c models.Customer) models.Event {
		return models.Event{ID: id, Type: models.MessageReceived, OccurredAt: at.Add(time.Duration(min) * time.Minute), Channel: "whatsapp",
			Direction: models.Inbound, ConversationID: conv, Customer: &c, Text: text}
	}
	events := []models.Event{
		msg("a-01", "c-a", 0, "My parcel has not arrived, please help.", lena),
		msg("b-01", "c-b", 5, "The invoice for my order is wrong.", lena),
		msg("c-01", "c-c", 10, "Still no answer about my refund?", lena),
		msg("p-01", "c-p", 0, "ok", joao),
		msg("p-02", "c-p", 1, "A minha encomenda ainda não chegou, podem verificar por favor?", joao),
		msg("p-03", "c-p", 2, "Preciso dela até sexta-feira, obrigado.", joao),
	}
	msgs, err := svc.Prepare(ctx, auth.Principal{Tenant: "acme", Role: auth.RoleAdmin}, events)
	if err != nil {
		t.Fatal(err)
	}
	if err := producer.Publish(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	pub := &lateAck{svc: svc}
	h := &enrich.Handler{Region: "eu", Analyzer: &understanding.Analyzer{Detector: det}, Keys: keys, Publish: pub}
	run(t, ctx, stream.NewSink(stream.SinkConfig{Name: "understanding", Brokers: addrs, Auth: kauth,
		Topic: topic, Group: enrich.Group("eu"), MaxWait: 200 * time.Millisecond}, h))

	waitFor(t, "the retried batch published", func() bool { ok, _ := pub.calls(); return ok >= 1 })
	lag := stream.NewLagCollector(addrs, kauth, map[string]string{stream.StoresGroup("eu"): topic, "dead letters": dlq}, nil)
	total := func(group string) int64 {
		l, err := lag.Lag(ctx, group)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, v := range l {
			n += v
		}
		return n
	}
	// The store sink commits a batch after dead-lettering its conflicts.
	waitFor(t, "the stores to take both publications", func() bool { return total(stream.StoresGroup("eu")) == 0 })

	_, got := pub.calls()
	if len(got) < 2 {
		t.Fatalf("%d publications, want the first and the retry", len(got))
	}
	if len(got[0]) != len(events) {
		t.Fatalf("the first publication holds %d analyses, want %d", len(got[0]), len(events))
	}
	for id, first := range got[0] {
		again, ok := got[1][id]
		if !ok {
			t.Errorf("the retry did not publish %s", id)
			continue
		}
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Errorf("the retry published %s otherwise:\nfirst %s\nretry %s", id, a, b)
		}
	}
	if n := total("dead letters"); n != 0 {
		t.Errorf("%d analyses dead-lettered as conflicts, want none", n)
	}

	// The same handler reading the topic again from its start (as after a rebalance gives it
	// partitions back from their last commit) publishes the same analyses once more.
	run(t, ctx, stream.NewSink(stream.SinkConfig{Name: "understanding", Brokers: addrs, Auth: kauth,
		Topic: topic, Group: "re-read", MaxWait: 200 * time.Millisecond}, h))
	waitFor(t, "the re-read published", func() bool { ok, _ := pub.calls(); return ok >= 2 })
	waitFor(t, "the stores to take the re-read", func() bool { return total(stream.StoresGroup("eu")) == 0 })
	if _, got = pub.calls(); len(got) != 3 || len(got[2]) != len(events) {
		t.Fatalf("%d publications, the last of %d analyses; want 3, the last of %d", len(got), len(got[len(got)-1]), len(events))
	}
	for id, first := range got[0] {
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(got[2][id])
		if string(a) != string(b) {
			t.Errorf("the re-read published %s otherwise:\nfirst %s\nagain %s", id, a, b)
		}
	}
	if n := total("dead letters"); n != 0 {
		t.Errorf("after the re-read %d analyses dead-lettered as conflicts, want none", n)
	}
}
