// Package chstoretest generates deterministic contact histories for tests that forecast from
// ClickHouse: one conversation per contact, with a daily and weekly rhythm.
package chstoretest

import (
	"fmt"
	"math"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// Series describes one generated contact series.
type Series struct {
	Channel, Language, Country string
	// Level is the contacts per hour at the weekday peak.
	Level float64
}

// shape is the relative demand of an hour (UTC) of a weekday: open 07-19, busiest at noon.
func shape(h int) float64 {
	if h < 7 || h >= 19 {
		return 0
	}
	return 0.4 + 0.6*math.Sin(math.Pi*float64(h-7)/12)
}

// Contacts returns the contact events of tenant for weeks from start (a Monday 00:00 UTC):
// per hour round(Level × shape × weekday factor × noise) conversations, Saturdays at half,
// Sundays closed, noise ±20% from a fixed hash. Every conversation opens with a
// message.received; every third also has a conversation.opened a minute before, and every
// conversation a follow-up message, neither of which is a new contact.
func Contacts(tenant string, start time.Time, weeks int, series []Series) []models.Event {
	var out []models.Event
	for si, s := range series {
		for h := 0; h < weeks*168; h++ {
			t := start.Add(time.Duration(h) * time.Hour)
			f := shape(t.Hour())
			switch t.Weekday() {
			case time.Saturday:
				f *= 0.5
			case time.Sunday:
				f = 0
			}
			noise := 0.8 + 0.4*float64((h*7919+si*104729)%1000)/1000
			n := int(math.Round(s.Level * f * noise))
			for k := range n {
				id := fmt.Sprintf("%s-%s-%s-%d-%d", tenant, s.Language, s.Channel, t.Unix(), k)
				at := t.Add(time.Duration(k*59/max(n, 1)) * time.Minute)
				base := models.Event{Version: models.SchemaVersion, Tenant: tenant, Channel: s.Channel, ConversationID: "c" + id,
					CustomerID: "u" + id, Language: s.Language, Customer: &models.Customer{Country: s.Country}}
				if k%3 == 0 {
					e := base
					e.ID, e.Type, e.OccurredAt, e.ReceivedAt = "o"+id, models.ConversationOpened, at, at
					out = append(out, e)
				}
				e := base
				e.ID, e.Type, e.OccurredAt, e.ReceivedAt, e.Text = "m"+id, models.MessageReceived, at.Add(time.Minute), at.Add(time.Minute), "hello"
				f := base
				f.ID, f.Type, f.OccurredAt, f.ReceivedAt, f.Text = "f"+id, models.MessageReceived, at.Add(90*time.Minute), at.Add(90*time.Minute), "and?"
				out = append(out, e, f)
			}
		}
	}
	return out
}
