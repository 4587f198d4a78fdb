package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/models"
)

// StateWriter projects a region's event stream onto the current state of its customers and
// conversations. Every write is an idempotent upsert guarded by the event time, so replays
// and out-of-order delivery converge on the same state.
type StateWriter struct {
	DB     *DB
	Region string
}

// statusAfter is the conversation status an event leaves behind ("" = unchanged).
func statusAfter(t string) string {
	switch t {
	case models.ConversationOpened, models.ConversationReopened, models.ConversationHandedOff, models.MessageReceived:
		return "open"
	case models.ConversationAssigned, models.ConversationTransferred:
		return "assigned"
	case models.ConversationEscalated:
		return "escalated"
	case models.ConversationResolved:
		return "resolved"
	}
	return ""
}

// StoreEvents implements stream.EventStore.
func (w *StateWriter) StoreEvents(ctx context.Context, events []models.Event) (map[int]string, error) {
	schema := RegionSchema(w.Region)
	upsertCustomer := fmt.Sprintf(`INSERT INTO %s.customers AS c (tenant_id, customer_id, country, tier, preferred_channel, first_seen_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (tenant_id, customer_id) DO UPDATE SET
			first_seen_at = LEAST(c.first_seen_at, EXCLUDED.first_seen_at),
			last_seen_at = GREATEST(c.last_seen_at, EXCLUDED.last_seen_at),
			tier = CASE WHEN EXCLUDED.tier <> '' AND EXCLUDED.last_seen_at >= c.last_seen_at THEN EXCLUDED.tier ELSE c.tier END,
			preferred_channel = CASE WHEN EXCLUDED.preferred_channel <> '' AND EXCLUDED.last_seen_at >= c.last_seen_at THEN EXCLUDED.preferred_channel ELSE c.preferred_channel END`, schema)
	upsertConversation := fmt.Sprintf(`INSERT INTO %s.conversations AS v (tenant_id, conversation_id, customer_id, channel, status, queue, agent_id, language, opened_at, last_event_at)
		VALUES ($1, $2, $3, $4, COALESCE(NULLIF($5, ''), 'open'), $6, $7, $8, $9, $9)
		ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET
			opened_at = LEAST(v.opened_at, EXCLUDED.opened_at),
			channel = COALESCE(NULLIF(v.channel, ''), EXCLUDED.channel),
			language = COALESCE(NULLIF(v.language, ''), EXCLUDED.language),
			status = CASE WHEN $5 <> '' AND EXCLUDED.last_event_at >= v.last_event_at THEN $5 ELSE v.status END,
			queue = CASE WHEN EXCLUDED.queue <> '' AND (v.queue = '' OR EXCLUDED.last_event_at >= v.last_event_at) THEN EXCLUDED.queue ELSE v.queue END,
			agent_id = CASE WHEN EXCLUDED.agent_id <> '' AND (v.agent_id = '' OR EXCLUDED.last_event_at >= v.last_event_at) THEN EXCLUDED.agent_id ELSE v.agent_id END,
			last_event_at = GREATEST(v.last_event_at, EXCLUDED.last_event_at)`, schema)
	b := &pgx.Batch{}
	for i := range events {
		e := &events[i]
		if e.Customer == nil || e.ConversationID == "" {
			continue
		}
		channel := ""
		if e.Direction == models.Inbound {
			channel = e.Channel
		}
		b.Queue(upsertCustomer, e.Tenant, e.CustomerID, e.Customer.Country, e.Customer.Tier, channel, e.OccurredAt)
		queue := e.Queue
		if e.ToQueue != "" {
			queue = e.ToQueue
		}
		b.Queue(upsertConversation, e.Tenant, e.ConversationID, e.CustomerID, e.Channel, statusAfter(e.Type), queue, e.AgentID, e.Language, e.OccurredAt)
	}
	if b.Len() == 0 {
		return nil, nil
	}
	if err := w.DB.Pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("postgres %s: project %d events: %w", w.Region, len(events), err)
	}
	return nil, nil
}

// ConversationState is a conversation's current state.
type ConversationState struct {
	ID, CustomerID, Channel, Status, Queue, AgentID, Language string
}

// Conversation reads one conversation's state.
func (db *DB) Conversation(ctx context.Context, region, tenant, id string) (ConversationState, error) {
	var s ConversationState
	err := db.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT conversation_id, customer_id, channel, status, queue, agent_id, language
		FROM %s.conversations WHERE tenant_id = $1 AND conversation_id = $2`, RegionSchema(region)), tenant, id).
		Scan(&s.ID, &s.CustomerID, &s.Channel, &s.Status, &s.Queue, &s.AgentID, &s.Language)
	if err == pgx.ErrNoRows {
		return s, ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("postgres: conversation %s: %w", id, err)
	}
	return s, nil
}
