package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// page_response_seconds is the mean time from paging the on-call person to the first reply
// after it: replies before the page, escalations that paged nobody and pages nobody answered
// do not count.
func TestPageResponseSecondsCountsFromThePageToTheFirstReplyAfterIt(t *testing.T) {
	ctx := context.Background()
	const tenant = "page-response"
	t0 := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	var events []models.Event
	add := func(conv, id, typ string, at time.Time, attrs map[string]string) {
		e := models.Event{ID: id, Type: typ, Tenant: tenant, Region: "eu", Version: models.SchemaVersion, OccurredAt: at, ReceivedAt: at,
			Channel: "whatsapp", ConversationID: conv, CustomerID: "cus-" + conv, Customer: &models.Customer{Country: "DE"}, Text: "x",
			Reason: "urgency:CRITICAL", Attributes: attrs}
		if typ == models.MessageReceived {
			e.Direction = models.Inbound
		}
		if typ == models.MessageSent {
			e.Direction = models.Outbound
		}
		events = append(events, e)
	}
	paged := map[string]string{"paged": "true"}
	// a: a reply before the page, the page, the first reply 90 s after it, another later.
	add("a", "a1", models.MessageReceived, t0, nil)
	add("a", "a2", models.MessageSent, t0.Add(5*time.Second), nil)
	add("a", "a3", models.ConversationEscalated, t0.Add(time.Minute), paged)
	add("a", "a4", models.MessageSent, t0.Add(time.Minute+90*time.Second), nil)
	add("a", "a5", models.MessageSent, t0.Add(time.Minute+200*time.Second), nil)
	// b: answered 30 s after its page.
	add("b", "b1", models.MessageReceived, t0, nil)
	add("b", "b2", models.ConversationEscalated, t0.Add(2*time.Minute), paged)
	add("b", "b3", models.MessageSent, t0.Add(2*time.Minute+30*time.Second), nil)
	// c: escalated, nobody paged: not counted however fast the reply.
	add("c", "c1", models.MessageReceived, t0, nil)
	add("c", "c2", models.ConversationEscalated, t0.Add(time.Minute), nil)
	add("c", "c3", models.MessageSent, t0.Add(time.Minute+time.Second), nil)
	// d: paged, never answered.
	add("d", "d1", models.MessageReceived, t0, nil)
	add("d", "d2", models.ConversationEscalated, t0.Add(time.Minute), paged)
	if _, err := (&clickhouse.EventWriter{DB: regionDB(t, "eu"), Region: "eu"}).StoreEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	r, err := engine.Run(ctx, auth.Principal{Tenant: tenant, Role: auth.RoleAdmin},
		metrics.Query{Measures: []string{"page_response_seconds", "critical_response_seconds", "escalations"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(r); got != "=[60 0 4];" {
		t.Errorf("rows %s, want =[60 0 4]; (mean of 90 s and 30 s; no CRITICAL analysis, so no critical response)", got)
	}
}
