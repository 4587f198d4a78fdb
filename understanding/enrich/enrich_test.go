package enrich_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chtest"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
	"github.com/meridian-cs/meridian/stream"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/enrich"
	"github.com/meridian-cs/meridian/understanding/language"
)

var ch clickhouse.DB

func TestMain(m *testing.M) {
	chtest.Main(m, []string{"eu"}, func(_ context.Context, db clickhouse.DB) error {
		ch = db
		return nil
	})
}

type pipeline struct {
	addrs    []string
	auth     stream.Auth
	pg       *postgres.DB
	keys     *shred.Keyring
	svc      *ingest.Service
	analyzer *understanding.Analyzer
}

func run(t *testing.T, ctx context.Context, s *stream.Sink) {
	t.Helper()
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(sctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

// counted is ingest, counting the analyses it acknowledged.
type counted struct {
	svc *ingest.Service
	n   atomic.Int64
}

func (c *counted) Accept(ctx context.Context, tenant string, events []models.Event) error {
	err := c.svc.Accept(ctx, tenant, events)
	if err == nil {
		c.n.Add(int64(len(events)))
	}
	return err
}

func (p *pipeline) analysisSink(t *testing.T, ctx context.Context, group string) *counted {
	c := &counted{svc: p.svc}
	// A stand-in for the insights lexicons (tested in insights/): orders are "retention" here.
	retention := func(text string) bool { return strings.Contains(text, "order") }
	h := &enrich.Handler{Region: "eu", Analyzer: p.analyzer, Keys: p.keys, Publish: c, Retention: retention}
	run(t, ctx, stream.NewSink(stream.SinkConfig{Name: "understanding", Brokers: p.addrs, Auth: p.auth,
		Topic: stream.EventsTopic("eu"), Group: group, MaxWait: 20 * time.Millisecond}, h))
	return c
}

// openStore opens a migrated PostgreSQL database of t's own and the keyring over its keys.
func openStore(t *testing.T, ctx context.Context) (*postgres.DB, *shred.Keyring) {
	t.Helper()
	pg, err := postgres.Open(ctx, pgtest.StartForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.Close)
	if _, err := pg.Migrate(ctx, []string{"eu", "us", "sea"}); err != nil {
		t.Fatal(err)
	}
	keys, err := shred.NewKeyring(pg.Keys(), make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return pg, keys
}

func query(t *testing.T, sql string) [][]any {
	t.Helper()
	res, err := ch.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Every inbound message is analysed once: the analyses reach ClickHouse through the real
// pipeline (ingest, the embedded broker, the store sink with its claims), with the detected
// language beside the stated one and no text; a second consumer group replaying the whole
// topic adds no row; a message of an erased customer is not analysed.
func TestEveryInboundMessageIsAnalysedOnce(t *testing.T) {
	ctx := context.Background()
	b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	p := &pipeline{addrs: b.Addrs(), auth: b.Auth()}
	topic := stream.EventsTopic("eu")
	if err := stream.EnsureTopics(ctx, p.addrs, p.auth, []stream.TopicSpec{{Name: topic, Partitions: 2}}); err != nil {
		t.Fatal(err)
	}
	p.pg, p.keys = openStore(t, ctx)
	producer := stream.NewProducer(p.addrs, p.auth)
	t.Cleanup(func() { producer.Close() })
	p.svc = &ingest.Service{Policy: models.DefaultPolicy(), Publisher: producer, Keys: p.keys, Now: time.Now}
	det, err := language.New(language.Config{HighAccuracy: []string{"en", "de", "fr", "pt", "ja"}})
	if err != nil {
		t.Fatal(err)
	}
	p.analyzer = &understanding.Analyzer{Detector: det}
	run(t, ctx, stream.NewSink(stream.SinkConfig{Name: "stores", Brokers: p.addrs, Auth: p.auth, Topic: topic,
		Group: stream.StoresGroup("eu"), MaxWait: 20 * time.Millisecond},
		stream.EventHandler{Region: "eu", Stores: map[string]stream.EventStore{
			"clickhouse": &clickhouse.EventWriter{DB: ch, Region: "eu", Keys: p.keys},
			"postgres":   &postgres.StateWriter{DB: p.pg, Region: "eu"},
		}, Claims: &postgres.EventClaims{DB: p.pg, Region: "eu"}}))

	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	msg := func(id, text, lang string, c models.Customer) models.Event {
		return models.Event{ID: id, Type: models.MessageReceived, OccurredAt: at, Channel: "whatsapp", Direction: models.Inbound,
			ConversationID: "c-" + id, Customer: &c, Text: text, Language: lang}
	}
	events := []models.Event{
		msg("m1", "Dringend: der Heizlüfter raucht und riecht verbrannt!", "", models.Customer{Country: "DE", Phone: "+4915112345678"}),
		msg("m2", "Where is my order? It has not arrived yet.", "de", models.Customer{Country: "DE", Phone: "+4915112345679"}),
		msg("m3", "Obrigada, chegou tudo certinho!", "", models.Customer{Country: "PT", Phone: "+351912345678", Tier: "vip"}),
		msg("m4", "Meine Daten bitte löschen", "", models.Customer{Country: "DE", Phone: "+4915100000000"}),
		{ID: "r1", Type: models.ConversationResolved, OccurredAt: at, ConversationID: "c-m2", Customer: &models.Customer{Country: "DE", Phone: "+4915112345679"}},
	}
	msgs, err := p.svc.Prepare(ctx, auth.Principal{Tenant: "acme", Role: auth.RoleAdmin}, events)
	if err != nil {
		t.Fatal(err)
	}
	// m4's customer is erased before the analysis runs.
	if err := p.keys.Erase(ctx, "eu", "acme", events[3].CustomerID); err != nil {
		t.Fatal(err)
	}
	if err := producer.Publish(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	p.analysisSink(t, ctx, enrich.Group("eu"))

	const analyses = "SELECT attributes['message_id'], language, attributes['stated_language'], attributes['urgency'], sentiment, text, attributes['retention'] FROM meridian_eu.events FINAL WHERE tenant = 'acme' AND type = 'message.analyzed' ORDER BY 1"
	waitFor(t, "three analyses in ClickHouse", func() bool { return len(query(t, analyses)) == 3 })
	rows := query(t, analyses)
	want := [][2]string{{"m1", "de"}, {"m2", "en"}, {"m3", "pt-PT"}}
	for i, r := range rows {
		if fmt.Sprint(r[0]) != want[i][0] || fmt.Sprint(r[1]) != want[i][1] {
			t.Errorf("analysis %d: message %v language %v, want %v", i, r[0], r[1], want[i])
		}
		if fmt.Sprint(r[5]) != "" {
			t.Errorf("analysis of %v carries text %q", r[0], r[5])
		}
	}
	if r := fmt.Sprintf("%v|%v|%v", rows[0][6], rows[1][6], rows[2][6]); r != "|true|" {
		t.Errorf("retention attributes of m1, m2, m3: %q, want only m2's true", r)
	}
	if fmt.Sprint(rows[1][2]) != "de" {
		t.Errorf("m2's stated language: %v, want de kept beside the detected en", rows[1][2])
	}
	if u := fmt.Sprint(rows[0][3]); u != "CRITICAL" {
		t.Errorf("m1's urgency: %s, want CRITICAL (explicit word and smoke)", u)
	}
	if s := clickhouse.Float(rows[2][4]); s <= 0 {
		t.Errorf("m3's sentiment: %v, want positive", s)
	}

	// A second group replays the topic from its start: the same analyses, no new rows.
	replay := p.analysisSink(t, ctx, "replay")
	waitFor(t, "the replay's three analyses acknowledged", func() bool { return replay.n.Load() == 3 })
	// The store sink has them once they are in PostgreSQL's claims and ClickHouse; a
	// conversation.resolved sent after them marks when.
	canary := []models.Event{{ID: "after-replay", Type: models.ConversationResolved, OccurredAt: at, ConversationID: "c-m1", Customer: &models.Customer{Country: "DE", Phone: "+4915112345678"}}}
	cm, err := p.svc.Prepare(ctx, auth.Principal{Tenant: "acme", Role: auth.RoleAdmin}, canary)
	if err != nil {
		t.Fatal(err)
	}
	if err := producer.Publish(ctx, cm...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the event sent after the replay", func() bool {
		return len(query(t, "SELECT 1 FROM meridian_eu.events WHERE tenant = 'acme' AND id = 'after-replay'")) == 1
	})
	if n := clickhouse.Float(query(t, "SELECT count() FROM meridian_eu.events FINAL WHERE tenant = 'acme' AND type = 'message.analyzed'")[0][0]); n != 3 {
		t.Errorf("after the replay %v analyses, want 3", n)
	}
}
