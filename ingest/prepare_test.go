package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/compliance/shred/shredtest"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/stream"
)

func testService(t testing.TB) (*Service, *shred.Keyring) {
	kr, err := shred.NewKeyring(&shredtest.Keys{}, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &Service{Policy: models.DefaultPolicy(), Keys: kr, Now: time.Now}, kr
}

// Each event becomes a message on its region's topic, keyed by its conversation, with its
// personal fields sealed under its customer's key; many events of one request share the
// request's buffers, so every message is checked after all were made.
func TestPrepareRoutesByRegionAndSealsPersonalFields(t *testing.T) {
	ctx := context.Background()
	svc, kr := testService(t)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	countries := []string{"DE", "US", "SG", "FR"}
	var events, want []models.Event
	for i := range 200 {
		e := models.Event{ID: fmt.Sprintf("e%d", i), Type: models.MessageReceived, OccurredAt: at, Channel: "whatsapp",
			ConversationID: fmt.Sprintf("conv-%d", i%37), Text: strings.Repeat("Wo ist meine Bestellung? ", 1+i%9),
			Customer: &models.Customer{Country: countries[i%4], ExternalID: fmt.Sprintf("49151%07d", i%23), Name: fmt.Sprintf("Kundin %d", i%23)}}
		c := *e.Customer
		w := e
		w.Customer = &c
		events, want = append(events, e), append(want, w)
	}
	msgs, err := svc.Prepare(ctx, auth.Principal{Tenant: "acme", Role: auth.RoleAdmin}, events)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages for %d events", len(msgs), len(want))
	}
	regions := map[string]string{"DE": "eu", "FR": "eu", "US": "us", "SG": "sea"}
	for i, m := range msgs {
		w := want[i]
		region := regions[w.Customer.Country]
		if m.Topic != stream.EventsTopic(region) || string(m.Key) != w.ConversationID {
			t.Fatalf("event %d: topic %q key %q, want %q %q", i, m.Topic, m.Key, stream.EventsTopic(region), w.ConversationID)
		}
		if len(m.Headers) != 3 || string(m.Headers[0].Value) != "meridian.event.v1" || string(m.Headers[1].Value) != "acme" ||
			m.Headers[2].Key != stream.ContentHashHeader || len(m.Headers[2].Value) != 16 {
			t.Fatalf("event %d: headers %v", i, m.Headers)
		}
		got, err := stream.DecodeEvent(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		if got.Region != region || got.Tenant != "acme" || got.ID != w.ID {
			t.Fatalf("event %d: region %q tenant %q id %q", i, got.Region, got.Tenant, got.ID)
		}
		o, err := kr.Opener(ctx, region, "acme", got.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []struct{ name, sealed, plain string }{
			{"text", got.Text, w.Text}, {"external_id", got.Customer.ExternalID, w.Customer.ExternalID}, {"name", got.Customer.Name, w.Customer.Name},
		} {
			if strings.Contains(f.sealed, f.plain) {
				t.Fatalf("event %d: %s is in the clear: %q", i, f.name, f.sealed)
			}
			if plain, err := o.Open(f.sealed); err != nil || plain != f.plain {
				t.Fatalf("event %d: %s opens to %q, %v; want %q", i, f.name, plain, err, f.plain)
			}
		}
	}
}

// BenchmarkPrepare measures turning a 500-event request of demo traffic, whose customers'
// keys are cached, into Kafka messages.
func BenchmarkPrepare(b *testing.B) {
	ctx := context.Background()
	svc, _ := testService(b)
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	g := demo.New(demo.Config{Seed: 7, Tenant: "default", Start: start, End: start.Add(24 * time.Hour), MessagesPerHour: 40000})
	var pool []models.Event
	_ = g.Each(ctx, func(e models.Event) error {
		if len(pool) == 500 {
			return context.Canceled
		}
		pool = append(pool, e)
		return nil
	})
	p := auth.Principal{Tenant: "default", Role: auth.RoleAdmin}
	batch := make([]models.Event, len(pool))
	copyPool := func() {
		copy(batch, pool)
		for i := range batch {
			c := *pool[i].Customer
			batch[i].Customer = &c
		}
	}
	copyPool()
	if _, err := svc.Prepare(ctx, p, batch); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		copyPool()
		b.StartTimer()
		if _, err := svc.Prepare(ctx, p, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}

// An event dated after its arrival by more than MaxFuture is refused naming occurred_at: one
// event dated ten years ahead stretched every time axis and the ROI window.
func TestPrepareRefusesEventsFromTheFuture(t *testing.T) {
	svc, _ := testService(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	p := auth.Principal{Tenant: "acme", Role: auth.RoleAdmin}
	ev := func(at time.Time) []models.Event {
		return []models.Event{{ID: "a", Type: models.ConversationResolved, OccurredAt: at, ConversationID: "c", Customer: &models.Customer{Country: "DE"}}}
	}
	if _, err := svc.Prepare(context.Background(), p, ev(now.Add(23*time.Hour))); err != nil {
		t.Fatalf("an event 23 hours ahead (clock drift) refused: %v", err)
	}
	_, err := svc.Prepare(context.Background(), p, ev(time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)))
	var e *Error
	if !errors.As(err, &e) || e.Status != 400 || e.Field != "occurred_at" {
		t.Fatalf("an event dated 2036: got %v, want 400 naming occurred_at", err)
	}
	svc.MaxFuture = time.Hour
	if _, err := svc.Prepare(context.Background(), p, ev(now.Add(2*time.Hour))); !errors.As(err, &e) || e.Field != "occurred_at" {
		t.Fatalf("MaxFuture of an hour: got %v for an event two hours ahead", err)
	}
}

// The content hash tells versions of an event id apart: a retry of the same event (sealed
// again with new nonces, received later) has the same hash; another text under the id has
// another one, and the hash is keyed, not a digest anyone could recompute from a guess.
func TestPrepareHashesWhatTheClientSent(t *testing.T) {
	ctx := context.Background()
	svc, _ := testService(t)
	p := auth.Principal{Tenant: "acme", Role: auth.RoleAdmin}
	ev := func(text string) []models.Event {
		return []models.Event{{ID: "m1", Type: models.MessageReceived, OccurredAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
			Channel: "whatsapp", ConversationID: "c1", Text: text, Customer: &models.Customer{Country: "DE", Name: "Anna"}}}
	}
	hash := func(s *Service, text string) string {
		msgs, err := s.Prepare(ctx, p, ev(text))
		if err != nil {
			t.Fatal(err)
		}
		return string(msgs[0].Headers[2].Value)
	}
	a := hash(svc, "Wo ist meine Bestellung?")
	svc.Now = func() time.Time { return time.Now().Add(time.Minute) }
	if b := hash(svc, "Wo ist meine Bestellung?"); b != a {
		t.Fatal("a retry of the same event hashes differently")
	}
	if b := hash(svc, "Ich will mein Geld zurück"); b == a {
		t.Fatal("another text under the same id hashes the same")
	}
	other, _ := testService(t)
	other.Keys, _ = shred.NewKeyring(&shredtest.Keys{}, bytes32(7))
	if b := hash(other, "Wo ist meine Bestellung?"); b == a {
		t.Fatal("the hash does not depend on the key")
	}
}

func bytes32(b byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = b
	}
	return k
}
