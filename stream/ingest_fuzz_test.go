package stream_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
	"github.com/meridian-cs/meridian/stream"
)

// FuzzIngestNeverStopsARegion feeds arbitrary request bodies through ingest (decode, validate,
// seal, publish with acks=all) into the real sinks (embedded broker, chDB, PostgreSQL state
// and claims). Whatever a body holds, a canary event sent after it must be stored in both
// stores: no accepted request may stop its region's pipeline. The seeds are the requests that
// used to stop it.
func FuzzIngestNeverStopsARegion(f *testing.F) {
	const at = "2026-11-20T10:00:00Z"
	ev := func(id, typ, occurred, extra string) string {
		return fmt.Sprintf(`{"id":%q,"type":%q,"occurred_at":%q,"channel":"whatsapp","conversation_id":"c-%s","customer":{"country":"DE"}%s}`,
			id, typ, occurred, id, extra)
	}
	var backfill []string
	for i := range 150 {
		backfill = append(backfill, ev(fmt.Sprintf("b%d", i), "message.received",
			time.Date(2014, 1, 10, 9, 0, 0, 0, time.UTC).AddDate(0, i, 0).Format(time.RFC3339), `,"text":"hallo"`))
	}
	for _, seed := range []string{
		"[" + ev("s1", "message.received", at, `,"text":"Wo ist meine Bestellung?"`) + "]",
		"[" + ev("n1", "routing.decision", at, `,"queue":"q\u0000x"`) + "]",
		"[" + strings.Replace(ev("n3", "routing.decision", at, `,"queue":"billing"`), `"country":"DE"`, `"country":"DE","tier":"v\u0000ip"`, 1) + "]",
		"[" + ev("t2", "message.received", "1900-01-01T00:00:00Z", `,"text":"x"`) + "]",
		"[" + ev("t4", "message.received", "9999-12-31T00:00:00Z", `,"text":"x"`) + "]",
		"[" + strings.Join(backfill, ",") + "]",
		"[" + ev("s1", "message.received", at, `,"text":"another body under s1"`) + "]",
		"[" + strings.Replace(ev("u1", "message.received", at, `,"text":"hi"`), `"DE"`, `"UK"`, 1) + "]",
		ev("nd", "conversation.resolved", at, `,"attributes":{"k":"v"}`) + "\n" + ev("nd2", "feedback.csat", at, `,"score":5`),
	} {
		f.Add([]byte(seed))
	}

	ctx := context.Background()
	b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(b.Close)
	addrs, kafkaAuth, region := b.Addrs(), b.Auth(), "eu"
	topic := stream.EventsTopic(region)
	if err := stream.EnsureTopics(ctx, addrs, kafkaAuth, []stream.TopicSpec{{Name: topic, Partitions: 1}, {Name: stream.DeadLetterTopic(region), Partitions: 1}}); err != nil {
		f.Fatal(err)
	}
	pg, err := postgres.Open(ctx, pgtest.StartForTest(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(pg.Close)
	if _, err := pg.Migrate(ctx, []string{"eu", "us", "sea"}); err != nil {
		f.Fatal(err)
	}
	keys, err := shred.NewKeyring(pg.Keys(), make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	producer := stream.NewProducer(addrs, kafkaAuth)
	f.Cleanup(func() { producer.Close() })
	svc := &ingest.Service{Policy: models.DefaultPolicy(), Publisher: producer, Keys: keys, Now: time.Now}
	// Only this region's sink runs: events of other regions wait on their own topics.
	sctx, cancel := context.WithCancel(ctx)
	sink := stream.NewSink(stream.SinkConfig{Name: "stores", Brokers: addrs, Auth: kafkaAuth, Topic: topic, Group: stream.StoresGroup(region),
		DeadLetterTopic: stream.DeadLetterTopic(region), MaxWait: 20 * time.Millisecond},
		stream.EventHandler{Region: region, Stores: map[string]stream.EventStore{
			"clickhouse": &clickhouse.EventWriter{DB: ch, Region: region, Keys: keys},
			"postgres":   &postgres.StateWriter{DB: pg, Region: region},
		}, Claims: &postgres.EventClaims{DB: pg, Region: region}})
	done := make(chan error, 1)
	go func() { done <- sink.Run(sctx) }()
	f.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			f.Error(err)
		}
	})
	principal := auth.Principal{Tenant: "fuzz", Role: auth.RoleAdmin}
	n := 0
	f.Fuzz(func(t *testing.T, body []byte) {
		if events, err := ingest.Decode(body); err == nil {
			if msgs, err := svc.Prepare(ctx, principal, events); err == nil {
				if err := producer.Publish(ctx, msgs...); err != nil {
					t.Fatal(err)
				}
			}
		}
		n++
		id := fmt.Sprintf("canary-%d-%d", time.Now().UnixNano(), n)
		canary := []models.Event{{ID: id, Type: models.MessageReceived, OccurredAt: time.Now().UTC(), Channel: "webchat",
			ConversationID: id, Customer: &models.Customer{Country: "DE"}, Text: "canary"}}
		msgs, err := svc.Prepare(ctx, principal, canary)
		if err != nil {
			t.Fatal(err)
		}
		if err := producer.Publish(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			res, err := ch.Query(ctx, "SELECT count() FROM meridian_eu.events FINAL WHERE tenant = 'fuzz' AND id = "+clickhouse.Quote(id))
			if err != nil {
				t.Fatal(err)
			}
			inCH := clickhouse.Float(res.Rows[0][0]) == 1
			_, err = pg.Conversation(ctx, region, "fuzz", id)
			if inCH && err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the canary sent after %q was not stored within 30 s (ClickHouse %v, PostgreSQL %v; sink: %v)", body, inCH, err, sink.Health())
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
