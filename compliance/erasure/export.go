package erasure

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/postgres"
)

// Export is everything Meridian holds on one person (GDPR Art. 15 and 20). Texts and
// identity values are as stored; the API shows them through the compliance gate.
type Export struct {
	CustomerID    string               `json:"customer_id"`
	MergedIDs     []string             `json:"merged_ids"`
	Region        string               `json:"region"`
	Country       string               `json:"country"`
	Channels      []string             `json:"channels"`
	Identities    []ExportIdentity     `json:"identities"`
	Conversations []ExportConversation `json:"conversations"`
	// Events are every event naming the customer: their messages, the replies sent to them,
	// agents' notes in their conversations, analyses, status changes.
	Events []ExportEvent `json:"events"`
	// Consents are the person's answers to messages outside a conversation.
	Consents     []ExportConsent `json:"consents"`
	LegalHolds   []Hold          `json:"legal_holds"`
	Certificates []Certificate   `json:"erasure_certificates"`
	ExportedAt   time.Time       `json:"exported_at"`
}

// ExportConsent is the person's latest answer for one channel and purpose.
type ExportConsent struct {
	Channel   string    `json:"channel"`
	Purpose   string    `json:"purpose"`
	Granted   bool      `json:"granted"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ExportIdentity is one key the person is known by (a phone number, an e-mail address, a
// platform user id, an order number).
type ExportIdentity struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	Origin    string    `json:"origin"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportConversation is one of the person's conversations.
type ExportConversation struct {
	ID            string    `json:"id"`
	Status        string    `json:"status"`
	Channel       string    `json:"channel"`
	OpenedAt      time.Time `json:"opened_at"`
	LastInboundAt time.Time `json:"last_inbound_at"`
}

// ExportEvent is one stored event of the person.
type ExportEvent struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	OccurredAt     time.Time `json:"occurred_at"`
	Channel        string    `json:"channel"`
	Direction      string    `json:"direction"`
	ConversationID string    `json:"conversation_id"`
	Language       string    `json:"language"`
	Text           string    `json:"text"`
	Summary        string    `json:"summary"`
	AgentID        string    `json:"agent_id"`
}

// Export collects what is held on sub in their region.
func (s *Service) Export(ctx context.Context, tenant string, sub Subject) (Export, error) {
	x := Export{CustomerID: sub.CustomerID, MergedIDs: sub.IDs[1:], Region: sub.Region, Identities: []ExportIdentity{},
		Conversations: []ExportConversation{}, Events: []ExportEvent{}, Consents: []ExportConsent{}, Channels: []string{}, ExportedAt: s.now()}
	if sub.Live && s.Graph != nil {
		c, err := s.Graph.Customer(ctx, tenant, sub.CustomerID)
		if err != nil && !errors.Is(err, identity.ErrNotFound) {
			return Export{}, err
		}
		x.Country = c.Country
		x.Channels = append(x.Channels, c.Channels...)
		for _, cv := range c.Conversations {
			x.Conversations = append(x.Conversations, ExportConversation{ID: cv.ID, Status: cv.Status, Channel: cv.Channel, OpenedAt: cv.OpenedAt, LastInboundAt: cv.LastInboundAt})
		}
		for _, id := range c.Identities {
			x.Identities = append(x.Identities, ExportIdentity{Kind: id.Key.Kind, Value: id.Key.Value, Origin: id.Origin, CreatedAt: id.CreatedAt})
		}
	}
	if s.ClickHouse != nil {
		db, err := s.ClickHouse.DB(sub.Region)
		if err != nil {
			return Export{}, err
		}
		q := "SELECT id, type, toString(occurred_at), channel, direction, conversation_id, language, text, summary, agent_id FROM " +
			clickhouse.Database(sub.Region) + ".events FINAL WHERE tenant = {tenant:String} AND customer_id IN {ids:Array(String)} ORDER BY occurred_at, id"
		res, err := db.QueryParams(ctx, q, clickhouse.Params{"tenant": tenant, "ids": arrayParam(sub.IDs)})
		if err != nil {
			return Export{}, fmt.Errorf("export %s: %w", sub.Region, err)
		}
		for _, r := range res.Rows {
			at, _ := time.Parse("2006-01-02 15:04:05.000", clickhouse.String(r[2]))
			x.Events = append(x.Events, ExportEvent{ID: clickhouse.String(r[0]), Type: clickhouse.String(r[1]), OccurredAt: at, Channel: clickhouse.String(r[3]),
				Direction: clickhouse.String(r[4]), ConversationID: clickhouse.String(r[5]), Language: clickhouse.String(r[6]),
				Text: clickhouse.String(r[7]), Summary: clickhouse.String(r[8]), AgentID: clickhouse.String(r[9])})
		}
	}
	var err error
	if x.Consents, err = s.consentsOf(ctx, sub, tenant); err != nil {
		return Export{}, err
	}
	if x.LegalHolds, err = s.holdsOf(ctx, sub, tenant); err != nil {
		return Export{}, err
	}
	if x.Certificates, err = s.Certificates(ctx, tenant, sub.CustomerID); err != nil {
		return Export{}, err
	}
	return x, nil
}

func (s *Service) consentsOf(ctx context.Context, sub Subject, tenant string) ([]ExportConsent, error) {
	cs, err := (&postgres.Consents{DB: s.DB}).ListMerged(ctx, sub.Region, tenant, sub.IDs)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", sub.Region, err)
	}
	out := make([]ExportConsent, len(cs))
	for i, c := range cs {
		out[i] = ExportConsent{Channel: c.Channel, Purpose: c.Purpose, Granted: c.Granted, UpdatedAt: c.UpdatedAt}
	}
	return out, nil
}

func (s *Service) holdsOf(ctx context.Context, sub Subject, tenant string) ([]Hold, error) {
	all, err := s.Holds.List(ctx, sub.Region, tenant, true)
	if err != nil {
		return nil, err
	}
	out := []Hold{}
	for _, h := range all {
		for _, id := range sub.IDs {
			if h.CustomerID == id {
				out = append(out, h)
			}
		}
	}
	return out, nil
}

// arrayParam is vs as the text of an Array(String) query parameter.
func arrayParam(vs []string) string {
	b := []byte{'['}
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, clickhouse.Quote(v)...)
	}
	return string(append(b, ']'))
}
