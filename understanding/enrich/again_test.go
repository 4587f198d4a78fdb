package enrich_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/stream"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/enrich"
)

// recalling analyses every text as English and notes what the handler's memory told it: how
// many earlier languages of the conversation and how many recent contacts.
type recalling struct{ calls atomic.Int64 }

func (r *recalling) Analyze(_ context.Context, in understanding.Input) understanding.TextAnalysis {
	r.calls.Add(1)
	return understanding.TextAnalysis{Language: "en", LanguageConfidence: 1,
		Note: fmt.Sprintf("previous=%d contacts=%d", len(in.Previous), in.RecentContacts)}
}

// failing refuses its first n publications (ingest timing out), keeping every analysis it was
// given, by message id.
type failing struct {
	n   int
	got map[string][]string
}

func (f *failing) Accept(_ context.Context, _ string, events []models.Event) error {
	for _, e := range events {
		f.got[e.Attributes["message_id"]] = append(f.got[e.Attributes["message_id"]], e.Attributes["note"]+" tier="+e.Customer.Tier)
	}
	if f.n > 0 {
		f.n--
		return errors.New("ingest: context deadline exceeded")
	}
	return nil
}

func encoded(t *testing.T, events ...models.Event) []kafka.Message {
	t.Helper()
	var out []kafka.Message
	for i := range events {
		v, err := stream.EncodeEvent(&events[i])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, kafka.Message{Value: v})
	}
	return out
}

// A message the handler sees again, in a retried batch or twice in one batch, is given the
// analysis it got the first time, without analysing it or asking the CRM again; and the
// memory counted it once, so that the conversation's next message sees it once.
func TestAMessageSeenAgainIsNotAnalysedAgain(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	msg := func(id, conv string, min int) models.Event {
		return models.Event{ID: id, Type: models.MessageReceived, Tenant: "acme", Region: "eu", OccurredAt: at.Add(time.Duration(min) * time.Minute),
			Channel: "email", Direction: models.Inbound, ConversationID: conv, CustomerID: "cus_1", Text: "Where is my parcel?",
			Customer: &models.Customer{Country: "DE", Email: "lena@example.de"}}
	}
	a := &recalling{}
	var asked atomic.Int64
	tiers := []string{"new", "vip"} // the CRM changes its answer between the two askings
	tier := func(context.Context, string, string) (string, error) {
		return tiers[min(int(asked.Add(1))-1, 1)], nil
	}
	out := &failing{n: 1, got: map[string][]string{}}
	h := &enrich.Handler{Region: "eu", Analyzer: a, Publish: out, Tier: tier}

	batch := encoded(t, msg("m1", "c-a", 0), msg("m2", "c-a", 1), msg("m3", "c-b", 2), msg("m2", "c-a", 1))
	if _, err := h.Handle(ctx, batch); err == nil {
		t.Fatal("a batch whose publication failed was reported handled")
	}
	if _, err := h.Handle(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Handle(ctx, encoded(t, msg("m4", "c-a", 3))); err != nil {
		t.Fatal(err)
	}
	if n := a.calls.Load(); n != 4 {
		t.Errorf("%d analyses run, want 4 (m1 to m4, once each)", n)
	}
	if n := asked.Load(); n != 4 {
		t.Errorf("the CRM was asked %d times, want 4 (once a message)", n)
	}
	want := map[string]string{
		"m1": "[previous=0 contacts=1 tier=new previous=0 contacts=1 tier=new]",
		"m2": "[previous=1 contacts=1 tier=vip previous=1 contacts=1 tier=vip previous=1 contacts=1 tier=vip previous=1 contacts=1 tier=vip]",
		"m3": "[previous=0 contacts=2 tier=vip previous=0 contacts=2 tier=vip]",
		"m4": "[previous=2 contacts=2 tier=vip]",
	}
	for id, w := range want {
		if got := fmt.Sprint(out.got[id]); got != w {
			t.Errorf("analyses published of %s: %s, want %s", id, got, w)
		}
	}
}
