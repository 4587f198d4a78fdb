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

// The engine telling a customer when a person is back (a message.sent from the template
// human_back) is no response: first_response_seconds counts to the first person's reply.
func TestTheBackNoticeIsNoFirstResponse(t *testing.T) {
	ctx := context.Background()
	const tenant = "back-notice"
	t0 := time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC)
	ev := func(id, typ, dir string, at time.Time, attrs map[string]string) models.Event {
		return models.Event{ID: id, Type: typ, Tenant: tenant, Region: "eu", Version: models.SchemaVersion, OccurredAt: at, ReceivedAt: at,
			Channel: "whatsapp", Direction: dir, ConversationID: "n", CustomerID: "cus-n", Customer: &models.Customer{Country: "DE"}, Text: "x", Attributes: attrs}
	}
	events := []models.Event{
		ev("n1", models.MessageReceived, models.Inbound, t0, nil),
		ev("n2", models.MessageSent, models.Outbound, t0.Add(10*time.Second), map[string]string{"template": "human_back"}),
		ev("n3", models.MessageSent, models.Outbound, t0.Add(9*time.Hour), nil),
	}
	if _, err := (&clickhouse.EventWriter{DB: regionDB(t, "eu"), Region: "eu"}).StoreEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	r, err := engine.Run(ctx, auth.Principal{Tenant: tenant, Role: auth.RoleAdmin}, metrics.Query{Measures: []string{"first_response_seconds"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(r); got != "=[32400];" {
		t.Errorf("rows %s, want =[32400]; (nine hours to the person's reply, not ten seconds to the notice)", got)
	}
}
