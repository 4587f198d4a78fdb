package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// svcTenant holds the service-analytics fixtures, apart from the hand-counted ones:
//
//	eu s-a whatsapp: received t0, ai answered +5s, sent +6s, resolved +100s   (contained)
//	eu s-b email:    received t0, assigned +10s, sent +60s, received, sent, resolved +300s
//	us s-c whatsapp: received t0, ai answered, escalated +20s, sent +30s, handed off eu→us
//	eu s-d whatsapp: sent t0-10s (proactive), received t0, no reply
//	eu s-e whatsapp: received t0, ai answered, then handed over (low confidence), not resolved
//
// so first response (6+60+30)/3 = 32 s, resolution (100+300)/2 = 200 s, AI containment 1/5
// (s-e answered but not resolved does not count).
const svcTenant = "svc"

var svcOnce sync.Once

func svcSetup(t *testing.T) {
	t.Helper()
	var err error
	svcOnce.Do(func() {
		t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		n := 0
		ev := func(region, conv, channel, typ string, secs float64) models.Event {
			n++
			e := models.Event{
				ID: conv + "-" + string(rune('a'+n)), Type: typ, Version: models.SchemaVersion, Tenant: svcTenant, Region: region,
				OccurredAt: t0.Add(time.Duration(secs * float64(time.Second))), Channel: channel, ConversationID: conv,
				CustomerID: "cust-" + conv, Language: "en", Customer: &models.Customer{Country: "GB", Tier: "vip"},
			}
			e.ReceivedAt = e.OccurredAt
			e.Normalize()
			return e
		}
		ai := func(e models.Event) models.Event { e.Action = "answered"; return e }
		orderIntent := func(e models.Event) models.Event { e.Intent = "order_status"; return e }
		handover := func(e models.Event) models.Event { e.Action, e.Reason = "handed_to_agent", "low_confidence"; return e }
		ho := ev("us", "s-c", "whatsapp", models.ConversationHandedOff, 40)
		ho.FromRegion, ho.ToRegion = "eu", "us"
		byRegion := map[string][]models.Event{
			"eu": {
				orderIntent(ev("eu", "s-a", "whatsapp", models.MessageReceived, 0)), ai(ev("eu", "s-a", "whatsapp", models.AIAction, 5)),
				ev("eu", "s-a", "whatsapp", models.MessageSent, 6), ev("eu", "s-a", "whatsapp", models.ConversationResolved, 100),
				ev("eu", "s-b", "email", models.MessageReceived, 0), ev("eu", "s-b", "email", models.ConversationAssigned, 10),
				ev("eu", "s-b", "email", models.MessageSent, 60), ev("eu", "s-b", "email", models.MessageReceived, 70),
				ev("eu", "s-b", "email", models.MessageSent, 80), ev("eu", "s-b", "email", models.ConversationResolved, 300),
				ev("eu", "s-d", "whatsapp", models.MessageSent, -10), ev("eu", "s-d", "whatsapp", models.MessageReceived, 0),
				ev("eu", "s-e", "whatsapp", models.MessageReceived, 0), ai(ev("eu", "s-e", "whatsapp", models.AIAction, 3)),
				handover(ev("eu", "s-e", "whatsapp", models.AIAction, 50)),
			},
			"us": {
				ev("us", "s-c", "whatsapp", models.MessageReceived, 0), ai(ev("us", "s-c", "whatsapp", models.AIAction, 5)),
				ev("us", "s-c", "whatsapp", models.ConversationEscalated, 20), ev("us", "s-c", "whatsapp", models.MessageSent, 30), ho,
			},
		}
		for r, evs := range byRegion {
			if _, err = (&clickhouse.EventWriter{DB: regionDB(t, r), Region: r}).StoreEvents(context.Background(), evs); err != nil {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestServiceMeasures(t *testing.T) {
	svcSetup(t)
	p := auth.Principal{Tenant: svcTenant, Role: auth.RoleSupervisor}
	tests := []struct {
		name string
		q    metrics.Query
		want string
	}{
		{"totals over both regions", metrics.Query{Measures: []string{"first_response_seconds", "resolution_seconds", "ai_containment", "contacts"}}, "=[32 200 0.2 5];"},
		{"per region", metrics.Query{Measures: []string{"first_response_seconds", "ai_containment"}, Dimensions: []string{"region"}}, "eu=[33 0.25];us=[30 0];"},
		{"mixed with event measures per channel", metrics.Query{Measures: []string{"messages", "first_response_seconds", "contacts"}, Dimensions: []string{"channel"}}, "email=[4 60 1];whatsapp=[7 18 4];"},
		{"hand-offs by from and to region", metrics.Query{Measures: []string{"handoffs"}, Dimensions: []string{"from_region", "to_region"}, Filters: []metrics.Filter{{Dimension: "type", Values: []string{models.ConversationHandedOff}}}}, "eu/us=[1];"},
		{"order enquiries automated", metrics.Query{Measures: []string{"order_automation", "ai_order_answers"}}, "=[1 0];"},
		{"AI answers and handovers by reason", metrics.Query{Measures: []string{"ai_answers", "ai_handovers"}, Dimensions: []string{"reason"}}, "=[3 0];low_confidence=[0 1];"},
		{"a filter narrows the conversations' events", metrics.Query{Measures: []string{"contacts", "ai_containment"}, Filters: []metrics.Filter{{Dimension: "channel", Values: []string{"email"}}}}, "=[1 0];"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := engine.Run(context.Background(), p, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := rows(res); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestServiceMeasuresRefuseEventDimensions(t *testing.T) {
	_, err := engine.Run(context.Background(), admin, metrics.Query{Measures: []string{"ai_containment"}, Dimensions: []string{"type"}})
	var ve *metrics.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "per conversation") {
		t.Fatalf("got %v, want a validation error naming per-conversation measures", err)
	}
}

func TestCatalogListsServiceMeasuresAndHandoffDimensions(t *testing.T) {
	var ms, ds []string
	for _, f := range metrics.Measures() {
		ms = append(ms, f.Name)
	}
	for _, f := range metrics.Dimensions() {
		ds = append(ds, f.Name)
	}
	for _, want := range []string{"first_response_seconds", "resolution_seconds", "ai_containment", "contacts", "handoffs", "csat_avg", "nps", "sentiment_avg"} {
		if !strings.Contains(","+strings.Join(ms, ",")+",", ","+want+",") {
			t.Errorf("measures lack %s", want)
		}
	}
	for _, want := range []string{"from_region", "to_region"} {
		if !strings.Contains(","+strings.Join(ds, ",")+",", ","+want+",") {
			t.Errorf("dimensions lack %s", want)
		}
	}
}

// The latest message of each conversation asked for, in either direction, in one read; a
// conversation of another region, or without messages, is not in the answer.
func TestLastMessages(t *testing.T) {
	svcSetup(t)
	p := auth.Principal{Tenant: svcTenant, Role: auth.RoleSupervisor}
	got, err := engine.LastMessages(context.Background(), p, "eu", []string{"s-a", "s-b", "s-d", "s-c", "nothing"})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, id := range []string{"s-a", "s-b", "s-c", "s-d", "nothing"} {
		if m, ok := got[id]; ok {
			lines = append(lines, fmt.Sprintf("%s:%s:%s:%s", id, m.Type, m.Direction, m.OccurredAt.Format("15:04:05")))
		}
	}
	if want := "s-a:message.sent:outbound:09:00:06 s-b:message.sent:outbound:09:01:20 s-d:message.received:inbound:09:00:00"; strings.Join(lines, " ") != want {
		t.Errorf("last messages %v, want %s", lines, want)
	}
	if _, err := engine.LastMessages(context.Background(), auth.Principal{Tenant: svcTenant, Role: auth.RoleSupervisor, Regions: []string{"us"}}, "eu", []string{"s-a"}); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("another region's key: %v", err)
	}
}
