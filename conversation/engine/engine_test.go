package engine_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chtest"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
	"github.com/meridian-cs/meridian/stream"
)

var ch clickhouse.DB

func TestMain(m *testing.M) {
	chtest.Main(m, []string{"eu"}, func(_ context.Context, db clickhouse.DB) error {
		ch = db
		return nil
	})
}

func run(t *testing.T, s *stream.Sink) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (ClickHouse has %v)", what, byType(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// counted is ingest, counting what the engine published.
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

func byType(t *testing.T) map[string]string {
	t.Helper()
	return byTypeOf(t, "acme")
}

// byTypeOf is byType for another tenant, so that tests sharing ClickHouse do not see each
// other's events.
func byTypeOf(t *testing.T, tenant string) map[string]string {
	t.Helper()
	res, err := ch.Query(context.Background(), "SELECT type, arrayStringConcat(arraySort(groupArray(concat(conversation_id, '>', agent_id))), ' ') FROM meridian_eu.events FINAL WHERE tenant = '"+tenant+"' GROUP BY type")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range res.Rows {
		out[fmt.Sprint(r[0])] = fmt.Sprint(r[1])
	}
	return out
}

// Through the real pipeline (ingest, the embedded broker, the store sink with its claims,
// PostgreSQL): an inbound message goes to the best agent with room, the next one waits in
// its language's queue, a conversation resolved frees its agent for the next waiting one at
// once, and a second consumer group replaying the topic decides nothing again.
func TestTheEngineAssignsQueuesAndFreesCapacityOnce(t *testing.T) {
	ctx := context.Background()
	p := startPipeline(t, 2, "eu", "us", "sea")
	addrs, kauth, topic, pg, producer, svc := p.addrs, p.kauth, p.topic, p.pg, p.producer, p.svc
	agents := &postgres.Agents{DB: pg, Regions: []string{"eu", "us", "sea"}}
	for _, a := range []conversation.Agent{
		{ID: "lena", Name: "Lena", Region: "eu", Languages: map[string]int{"de": 5, "en": 4}, MaxConcurrent: 1, Timezone: "Europe/Berlin"},
		{ID: "tom", Name: "Tom", Region: "eu", Languages: map[string]int{"en": 5}, MaxConcurrent: 3, Timezone: "Europe/London"},
	} {
		if _, err := agents.Upsert(ctx, "acme", a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := agents.SetPresence(ctx, "acme", "lena", conversation.Online, nil); err != nil {
		t.Fatal(err)
	}
	p.storeEvents(t)
	engineSink := func(group string) *counted {
		c := &counted{svc: svc}
		run(t, stream.NewSink(stream.SinkConfig{Name: "engine", Brokers: addrs, Auth: kauth, Topic: topic, Group: group, MaxWait: 20 * time.Millisecond},
			&engine.Handler{Region: "eu", Store: &postgres.Engine{DB: pg}, Publish: c, Router: routing.NewRouter(routing.Config{}), Trigger: models.MessageReceived}))
		return c
	}
	publish := func(events ...models.Event) {
		t.Helper()
		msgs, err := svc.Prepare(ctx, auth.Principal{Tenant: "acme", Role: auth.RoleAdmin}, events)
		if err != nil {
			t.Fatal(err)
		}
		if err := producer.Publish(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC().Add(-time.Minute)
	msg := func(id, lang string, at time.Time) models.Event {
		return models.Event{ID: id, Type: models.MessageReceived, OccurredAt: at, Channel: "whatsapp", Direction: models.Inbound,
			ConversationID: "c-" + id, Customer: &models.Customer{Country: "DE", Phone: "+49151" + id}, Text: "…", Language: lang}
	}
	first := engineSink(engine.Group("eu"))
	critical := msg("4", "en", now.Add(3*time.Second))
	critical.Attributes = map[string]string{"urgency": "CRITICAL", "urgency_reasons": "topic:fire"}
	publish(msg("1", "de", now), msg("2", "de", now.Add(time.Second)), msg("3", "en", now.Add(2*time.Second)), critical,
		msg("old", "de", now.Add(-48*time.Hour)))
	// Four decisions: two events each, and an escalation for the critical one.
	waitFor(t, "four decisions of nine events", func() bool { return first.n.Load() == 9 })
	// c-1 and c-2 (German) may reach the engine in either order (two partitions): whichever
	// came first has Lena, the other waits; c-3 (English) waits for Tom, who is offline.
	var got map[string]string
	waitFor(t, "the decisions in ClickHouse", func() bool {
		got = byType(t)
		return len(strings.Fields(got[models.RoutingDecided])) == 4 && len(strings.Fields(got[models.ConversationQueued])) == 3 && got[models.ConversationEscalated] != ""
	})
	first1, other := "c-1", "c-2"
	if got[models.ConversationAssigned] == "c-2>lena" {
		first1, other = "c-2", "c-1"
	}
	want := map[string]string{
		models.ConversationAssigned:  first1 + ">lena",
		models.ConversationQueued:    sorted(other+">", "c-3>", "c-4>"),
		models.RoutingDecided:        sorted(first1+">lena", other+">", "c-3>", "c-4>"),
		models.ConversationEscalated: "c-4>",
	}
	for typ, w := range want {
		if got[typ] != w {
			t.Errorf("%s: %q, want %q (all: %v)", typ, got[typ], w, got)
		}
	}

	// The assigned conversation is resolved: Lena takes the urgent English one at once, before
	// the German one that waited longer (priority first).
	publish(models.Event{ID: "r1", Type: models.ConversationResolved, OccurredAt: time.Now().UTC(), ConversationID: first1,
		Customer: &models.Customer{Country: "DE", Phone: "+49151" + strings.TrimPrefix(first1, "c-")}})
	waitFor(t, "c-4 assigned to Lena", func() bool { return byType(t)[models.ConversationAssigned] == sorted(first1+">lena", "c-4>lena") })
	if n := first.n.Load(); n != 11 {
		t.Errorf("%d events published, want 11", n)
	}

	// A replay from the start of the log decides nothing again.
	replay := engineSink("replay")
	publish(models.Event{ID: "mark", Type: models.ConversationResolved, OccurredAt: time.Now().UTC(), ConversationID: "c-none",
		Customer: &models.Customer{Country: "DE", Phone: "+4915100"}})
	waitFor(t, "the marker stored", func() bool { return byType(t)[models.ConversationResolved] == sorted(first1+">", "c-none>") })
	time.Sleep(time.Second)
	if n := replay.n.Load(); n != 0 {
		t.Errorf("the replay published %d events", n)
	}
	if got := byType(t)[models.RoutingDecided]; got != sorted(first1+">lena", other+">", "c-3>", "c-4>", "c-4>lena") {
		t.Errorf("decisions after the replay: %q", got)
	}

	// Tom comes online without the workspace knowing (his presence stored directly): the
	// queue sweep gives him the English conversation waiting; the German one still waits.
	if _, err := agents.SetPresence(ctx, "acme", "tom", conversation.Online, nil); err != nil {
		t.Fatal(err)
	}
	sweeper := &engine.Handler{Region: "eu", Store: &postgres.Engine{DB: pg}, Publish: &counted{svc: svc}, Router: routing.NewRouter(routing.Config{})}
	sctx, stop := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() { sweeper.WatchQueues(sctx, 100*time.Millisecond); close(swept) }()
	t.Cleanup(func() { stop(); <-swept })
	waitFor(t, "c-3 assigned to Tom", func() bool {
		return byType(t)[models.ConversationAssigned] == sorted(first1+">lena", "c-4>lena", "c-3>tom")
	})
	var n int
	if err := pg.Pool.QueryRow(ctx, `SELECT count(*) FROM region_eu.decisions WHERE decision_id LIKE 'route:sweep:%'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("sweep decisions kept: %d (%v), want 1: a sweep that changes nothing leaves no row", n, err)
	}
}

// sorted is the values as byType lists them: sorted, space-separated.
func sorted(vs ...string) string {
	slices.Sort(vs)
	return strings.Join(vs, " ")
}

// pipeline is what the engine's tests run on for real: the embedded broker with eu's events
// topic, PostgreSQL migrated for the regions, the data-key ring, and ingest publishing to
// the broker.
type pipeline struct {
	addrs    []string
	kauth    stream.Auth
	topic    string
	pg       *postgres.DB
	keys     *shred.Keyring
	producer *stream.Producer
	svc      *ingest.Service
}

func startPipeline(t *testing.T, partitions int, regions ...string) *pipeline {
	t.Helper()
	ctx := context.Background()
	b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	p := &pipeline{addrs: b.Addrs(), kauth: b.Auth(), topic: stream.EventsTopic("eu")}
	if err := stream.EnsureTopics(ctx, p.addrs, p.kauth, []stream.TopicSpec{{Name: p.topic, Partitions: partitions}}); err != nil {
		t.Fatal(err)
	}
	if p.pg, err = postgres.Open(ctx, pgtest.StartForTest(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.pg.Close)
	if _, err := p.pg.Migrate(ctx, regions); err != nil {
		t.Fatal(err)
	}
	if p.keys, err = shred.NewKeyring(p.pg.Keys(), make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	p.producer = stream.NewProducer(p.addrs, p.kauth)
	t.Cleanup(func() { p.producer.Close() })
	p.svc = &ingest.Service{Policy: models.DefaultPolicy(), Publisher: p.producer, Keys: p.keys, Now: time.Now}
	return p
}

// storeEvents runs eu's store sink: the events into ClickHouse, the state into PostgreSQL.
func (p *pipeline) storeEvents(t *testing.T) {
	run(t, stream.NewSink(stream.SinkConfig{Name: "stores", Brokers: p.addrs, Auth: p.kauth, Topic: p.topic, Group: stream.StoresGroup("eu"), MaxWait: 20 * time.Millisecond},
		stream.EventHandler{Region: "eu", Stores: map[string]stream.EventStore{
			"clickhouse": &clickhouse.EventWriter{DB: ch, Region: "eu", Keys: p.keys},
			"postgres":   &postgres.StateWriter{DB: p.pg, Region: "eu"},
		}, Claims: &postgres.EventClaims{DB: p.pg, Region: "eu"}}))
}
