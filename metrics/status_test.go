package metrics_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
)

// One status model for both stores: the workspace reads a conversation's current status from
// PostgreSQL, the dashboards derive it from ClickHouse's history, and for any events, in any
// delivery order and batching, with ties in time, both say the same. Escalations, messages
// and feedback are among the events and leave the status alone; snoozes and pending are
// lifecycle events like the others.
func TestPostgreSQLAndClickHouseAgreeOnEveryConversationsStatus(t *testing.T) {
	ctx := context.Background()
	pg, err := postgres.Open(ctx, pgtest.StartForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.Close)
	if _, err := pg.Migrate(ctx, []string{"eu"}); err != nil {
		t.Fatal(err)
	}
	const tenant = "status-model"
	rng := rand.New(rand.NewPCG(7, 11))
	types := append([]string{models.MessageReceived, models.MessageSent, models.FeedbackCSAT, models.ConversationEscalated, models.SLABreached}, models.LifecycleTypes...)
	day := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var events []models.Event
	for c := range 150 {
		conv := fmt.Sprintf("conv-%03d", c)
		for k := range 1 + rng.IntN(8) {
			typ := types[rng.IntN(len(types))]
			// Few distinct minutes, sub-millisecond offsets: ties in the events table's
			// precision, broken by the event id.
			at := day.Add(time.Duration(rng.IntN(6))*time.Minute + time.Duration(rng.IntN(900))*time.Microsecond)
			e := models.Event{ID: fmt.Sprintf("%c-%s-%d", 'a'+rng.IntN(26), conv, k), Type: typ, Tenant: tenant, Region: "eu",
				Version: models.SchemaVersion, OccurredAt: at, ReceivedAt: at, Channel: "whatsapp", ConversationID: conv,
				CustomerID: "cus-" + conv, Customer: &models.Customer{Country: "DE"}, Text: "x", AgentID: "ag1", Queue: "q",
				ToQueue: "q2", Reason: "r", FromRegion: "eu", ToRegion: "us", Action: "a"}
			switch typ {
			case models.FeedbackCSAT:
				score := 4.0
				e.Score = &score
			case models.ConversationSnoozed:
				e.Attributes = map[string]string{"until": at.Add(time.Hour).Format(time.RFC3339)}
			}
			events = append(events, e)
		}
	}
	// One conversation told in full: assigned, then escalated (the status stays assigned),
	// then snoozed, then the agent has it again.
	for i, typ := range []string{models.ConversationOpened, models.ConversationAssigned, models.ConversationEscalated, models.ConversationSnoozed,
		models.ConversationAssigned, models.ConversationEscalated} {
		at := day.Add(time.Duration(i) * time.Minute)
		events = append(events, models.Event{ID: fmt.Sprintf("told-%d", i), Type: typ, Tenant: tenant, Region: "eu", Version: models.SchemaVersion,
			OccurredAt: at, ReceivedAt: at, Channel: "whatsapp", ConversationID: "conv-told", CustomerID: "cus-told",
			Customer: &models.Customer{Country: "DE"}, AgentID: "ag1", Reason: "r"})
	}
	if _, err := (&clickhouse.EventWriter{DB: regionDB(t, "eu"), Region: "eu"}).StoreEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	w := &postgres.StateWriter{DB: pg, Region: "eu"}
	for len(events) > 0 {
		n := min(len(events), 1+rng.IntN(400)) // large batches fold ties in Go, small ones in SQL
		if _, err := w.StoreEvents(ctx, events[:n]); err != nil {
			t.Fatal(err)
		}
		events = events[n:]
	}
	p := auth.Principal{Tenant: tenant, Role: auth.RoleAdmin}
	seen := map[string]int{}
	for c := range 150 {
		conv := fmt.Sprintf("conv-%03d", c)
		ch, err := engine.Conversation(ctx, p, conv)
		if err != nil || ch == nil {
			t.Fatalf("%s in ClickHouse: %v, %v", conv, ch, err)
		}
		st, err := pg.Conversation(ctx, "eu", tenant, conv)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != ch.Status {
			t.Errorf("%s: PostgreSQL says %s, ClickHouse %s", conv, st.Status, ch.Status)
		}
		seen[st.Status]++
	}
	told, err := pg.Conversation(ctx, "eu", tenant, "conv-told")
	if err != nil {
		t.Fatal(err)
	}
	if ch, err := engine.Conversation(ctx, p, "conv-told"); err != nil || ch == nil || ch.Status != "assigned" || told.Status != "assigned" {
		t.Errorf("assigned, escalated, snoozed, assigned, escalated: PostgreSQL says %s, ClickHouse %v (%v); want assigned", told.Status, ch, err)
	}
	for _, s := range models.ConversationStatuses {
		if s == models.StatusBot {
			continue // set only by the AI answers (issue #19): no event leads there yet
		}
		if seen[string(s)] == 0 {
			t.Errorf("no conversation ended %s: the test does not exercise every status (%v)", s, seen)
		}
	}
}
