package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/models"
)

// Unsealer opens a customer's sealed personal fields.
type Unsealer interface {
	Opener(ctx context.Context, region, tenant, subject string) (*shred.Opener, error)
}

// EventWriter stores a region's events in its events table. Text arrives sealed and is stored
// in the clear, because the region's database is where that customer's data may live and
// where erasure deletes rows outright; a customer already erased is stored without text.
type EventWriter struct {
	DB     DB
	Region string
	Keys   Unsealer
}

type eventRow struct {
	Tenant            string            `json:"tenant"`
	ID                string            `json:"id"`
	Type              string            `json:"type"`
	Version           int               `json:"version"`
	OccurredAt        string            `json:"occurred_at"`
	ReceivedAt        string            `json:"received_at"`
	Channel           string            `json:"channel"`
	Direction         string            `json:"direction"`
	ConversationID    string            `json:"conversation_id"`
	CustomerID        string            `json:"customer_id"`
	Country           string            `json:"country"`
	Language          string            `json:"language"`
	Tier              string            `json:"tier"`
	Text              string            `json:"text"`
	PlatformMessageID string            `json:"platform_message_id"`
	AgentID           string            `json:"agent_id"`
	Team              string            `json:"team"`
	Queue             string            `json:"queue"`
	ToQueue           string            `json:"to_queue"`
	FromRegion        string            `json:"from_region"`
	ToRegion          string            `json:"to_region"`
	Reason            string            `json:"reason"`
	Summary           string            `json:"summary"`
	Score             *float64          `json:"score"`
	Action            string            `json:"action"`
	Intent            string            `json:"intent"`
	Confidence        *float64          `json:"confidence"`
	Sentiment         *float64          `json:"sentiment"`
	Product           string            `json:"product"`
	Attachments       int               `json:"attachments"`
	Attributes        map[string]string `json:"attributes"`
}

// TimeFormat is how DateTime64(3) values are written.
const TimeFormat = "2006-01-02 15:04:05.000"

func chTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// StoreEvents inserts events in one INSERT. Events whose sealed fields do not open are rejected.
func (w *EventWriter) StoreEvents(ctx context.Context, events []models.Event) (map[int]string, error) {
	var rejected map[int]string
	openers := map[string]*shred.Opener{}
	buf := make([]byte, 0, len(events)*512)
	for i := range events {
		e := &events[i]
		text, summary := e.Text, e.Summary
		if (text != "" || summary != "") && w.Keys != nil {
			o, ok := openers[e.Tenant+"\x00"+e.CustomerID]
			if !ok {
				var err error
				o, err = w.Keys.Opener(ctx, w.Region, e.Tenant, e.CustomerID)
				if err != nil && !errors.Is(err, shred.ErrErased) {
					return nil, fmt.Errorf("events %s: %w", w.Region, err)
				}
				openers[e.Tenant+"\x00"+e.CustomerID] = o
			}
			if o == nil { // erased: the text is gone for good
				text, summary = "", ""
			} else {
				var err1, err2 error
				text, err1 = o.Open(text)
				summary, err2 = o.Open(summary)
				if err := errors.Join(err1, err2); err != nil {
					if rejected == nil {
						rejected = map[int]string{}
					}
					rejected[i] = err.Error()
					continue
				}
			}
		}
		row := eventRow{
			Tenant: e.Tenant, ID: e.ID, Type: e.Type, Version: e.Version,
			OccurredAt: chTime(e.OccurredAt), ReceivedAt: chTime(e.ReceivedAt),
			Channel: e.Channel, Direction: e.Direction, ConversationID: e.ConversationID,
			CustomerID: e.CustomerID, Language: e.Language, Text: text,
			PlatformMessageID: e.PlatformMessageID, AgentID: e.AgentID, Team: e.Team,
			Queue: e.Queue, ToQueue: e.ToQueue, FromRegion: e.FromRegion, ToRegion: e.ToRegion,
			Reason: e.Reason, Summary: summary, Score: e.Score, Action: e.Action, Intent: e.Intent,
			Confidence: e.Confidence, Sentiment: e.Sentiment, Product: e.Product,
			Attachments: len(e.Attachments), Attributes: e.Attributes,
		}
		if e.Customer != nil {
			row.Country, row.Tier = e.Customer.Country, e.Customer.Tier
		}
		b, err := json.Marshal(&row)
		if err != nil {
			return nil, fmt.Errorf("events %s: encode %q: %w", w.Region, e.ID, err)
		}
		buf = append(buf, b...)
		buf = append(buf, '\n')
	}
	if len(buf) == 0 {
		return rejected, nil
	}
	if err := w.DB.Insert(ctx, Database(w.Region)+".events", "JSONEachRow", buf); err != nil {
		return nil, err
	}
	return rejected, nil
}
