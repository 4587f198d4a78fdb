// Package metricstest holds the chDB fixtures the metrics and graphql tests share: a small,
// hand-counted set of events for tenant "acme" in regions eu and us (with replayed duplicates
// and a second tenant that must never show up), and a bulk tenant for pagination.
package metricstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chtest"
)

// Tenants and regions of the fixtures.
const (
	Tenant     = "acme"  // the hand-counted fixtures
	Other      = "other" // another tenant in the same databases
	BulkTenant = "bulk"  // many conversations with tied timestamps, for pagination
)

// Regions the fixtures migrate; "sea" holds only the other tenant's data.
var Regions = []string{"eu", "sea", "us"}

// Bulk conversations per region of BulkTenant.
var Bulk = map[string]int{"eu": 12, "us": 13, "sea": 4}

// Day is the fixtures' first day.
var Day = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func at(day, hour, minute int) time.Time {
	return Day.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

func f(v float64) *float64 { return &v }

type conv struct {
	id, channel, language, country, customer, tier, product string
}

func ev(tenant, region string, c conv, id, typ string, t time.Time) models.Event {
	e := models.Event{
		ID: id, Type: typ, Version: models.SchemaVersion, Tenant: tenant, Region: region,
		OccurredAt: t, ReceivedAt: t.Add(time.Second),
		Channel: c.channel, ConversationID: c.id, CustomerID: c.customer, Language: c.language,
		Product:  c.product,
		Customer: &models.Customer{Country: c.country, Tier: c.tier},
	}
	e.Normalize()
	return e
}

func msg(tenant, region string, c conv, id, typ string, t time.Time, text string) models.Event {
	e := ev(tenant, region, c, id, typ, t)
	e.Text = text
	return e
}

// PhoneText is the text of eu message e1: a phone number and an e-mail address.
const PhoneText = "Hallo, meine Nummer ist +49 170 1234567, Mail max@example.de, Bestellung 98765432"

// Events returns the fixture events by region. In tenant acme:
//
//	eu  c-eu-1 whatsapp de DE vip: received e1 (PhoneText), sent e2, escalated, csat 4, sentiment -0.5 on e1
//	eu  c-eu-2 whatsapp de AT:     received e5, resolved
//	eu  c-eu-3 email    fr FR:     received e7 (next day), sent e8, nps 9
//	us  c-us-1 whatsapp en US:     received e10, sent e11, csat 2, sentiment 0.5 on e10
//	us  c-us-2 webchat  es US:     received e12 (next day), from the customer of c-us-1
//	us  c-us-3 whatsapp de US:     received e13
//
// so messages: eu 5, us 4; whatsapp & de: 3 conversations, 4 messages.
func Events() map[string][]models.Event {
	a := Tenant
	eu1 := conv{"c-eu-1", "whatsapp", "de", "DE", "cust-eu-1", "vip", "sterilizer"}
	eu2 := conv{"c-eu-2", "whatsapp", "de", "AT", "cust-eu-2", "new", "bottle"}
	eu3 := conv{"c-eu-3", "email", "fr", "FR", "cust-eu-3", "returning", "bottle"}
	us1 := conv{"c-us-1", "whatsapp", "en", "US", "cust-us-1", "new", "sterilizer"}
	us2 := conv{"c-us-2", "webchat", "es", "US", "cust-us-1", "new", "bottle"} // cust-us-1 also writes on WhatsApp
	us3 := conv{"c-us-3", "whatsapp", "de", "US", "cust-us-3", "vip", "sterilizer"}

	e1 := msg(a, "eu", eu1, "e1", models.MessageReceived, at(0, 10, 0), PhoneText)
	e1.Sentiment = f(-0.5)
	esc := ev(a, "eu", eu1, "e3", models.ConversationEscalated, at(0, 10, 6))
	esc.Reason = "angry"
	csat1 := ev(a, "eu", eu1, "e4", models.FeedbackCSAT, at(0, 10, 30))
	csat1.Score = f(4)
	nps := ev(a, "eu", eu3, "e9", models.FeedbackNPS, at(1, 9, 20))
	nps.Score = f(9)
	e10 := msg(a, "us", us1, "e10", models.MessageReceived, at(0, 15, 0), "Where is my order? Call me at (555) 123-4567")
	e10.Sentiment = f(0.5)
	csat2 := ev(a, "us", us1, "e14", models.FeedbackCSAT, at(0, 15, 30))
	csat2.Score = f(2)

	out := map[string][]models.Event{
		"eu": {
			e1,
			msg(a, "eu", eu1, "e2", models.MessageSent, at(0, 10, 5), "Danke, wir melden uns."),
			esc, csat1,
			msg(a, "eu", eu2, "e5", models.MessageReceived, at(0, 11, 0), "Wo ist mein Paket?"),
			ev(a, "eu", eu2, "e6", models.ConversationResolved, at(0, 11, 30)),
			msg(a, "eu", eu3, "e7", models.MessageReceived, at(1, 9, 0), "Bonjour"),
			msg(a, "eu", eu3, "e8", models.MessageSent, at(1, 9, 10), "Bonjour, comment puis-je vous aider ?"),
			nps,
			// Another tenant in the same database: never visible to acme.
			msg(Other, "eu", eu1, "o1", models.MessageReceived, at(0, 10, 0), "other tenant"),
		},
		"us": {
			e10,
			msg(a, "us", us1, "e11", models.MessageSent, at(0, 15, 1), "On its way."),
			csat2,
			msg(a, "us", us2, "e12", models.MessageReceived, at(1, 16, 0), "Hola"),
			msg(a, "us", us3, "e13", models.MessageReceived, at(0, 17, 0), "Guten Tag"),
		},
		"sea": {
			msg(Other, "sea", conv{"c-sea-1", "line", "th", "TH", "cust-sea-1", "", ""}, "o2", models.MessageReceived, at(0, 3, 0), "sawasdee"),
		},
	}
	// Bulk: conversations of BulkTenant whose last activity ties across and within regions.
	for _, r := range Regions {
		for i := range Bulk[r] {
			c := conv{fmt.Sprintf("b-%s-%02d", r, i), "telegram", "en", "GB", fmt.Sprintf("bulk-%s-%02d", r, i), "", ""}
			t := at(2, 12, i%3) // three distinct timestamps, many ties
			out[r] = append(out[r], msg(BulkTenant, r, c, "b-"+c.id, models.MessageReceived, t, "hi"))
		}
	}
	return out
}

// store writes the fixtures into their regions' migrated databases, replaying some of them as
// a retrying sink would.
func store(ctx context.Context, db clickhouse.DB) error {
	for r, events := range Events() {
		w := &clickhouse.EventWriter{DB: db, Region: r}
		// The first two events of each region are delivered twice, in separate inserts.
		for _, batch := range [][]models.Event{events, events[:min(2, len(events))]} {
			if _, err := w.StoreEvents(ctx, batch); err != nil {
				return fmt.Errorf("metricstest: store %s: %w", r, err)
			}
		}
	}
	return nil
}

// Main is a TestMain for packages that query the fixtures: it loads them into chDB, hands
// the engine over them to use, runs the tests and exits.
func Main(m *testing.M, use func(*metrics.Engine)) {
	chtest.Main(m, Regions, func(ctx context.Context, db clickhouse.DB) error {
		use(metrics.NewEngine(db, Regions))
		return store(ctx, db)
	})
}
