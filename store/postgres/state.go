package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meridian-cs/meridian/models"
)

// StateWriter projects a region's event stream onto the current state of its customers and
// conversations. Every write is an idempotent upsert guarded by the event time, so replays
// and out-of-order delivery converge on the same state.
type StateWriter struct {
	DB     *DB
	Region string
}

// StoreEvents implements stream.EventStore. A batch is folded per customer and per
// conversation first, then written with one MERGE per table: one row operation per
// conversation instead of two upserts per event. The fold keeps exactly the result of
// applying the batch's events one by one (TestStateOfABatchEqualsItsEventsOneByOne checks it).
//
// The rules, per event in delivery order, against the row's current state: opened_at and
// first_seen_at only move back, last_event_at and last_seen_at only forward; the status is
// that of the latest lifecycle event (models.LifecycleStatus, models.LaterLifecycle: the same
// rule ClickHouse's history applies), whatever order they arrive in; tier and
// preferred_channel take the event's value when it has one and is not older than the row's
// last event; queue and agent likewise, except that an empty one takes the first value
// whatever its age; channel and language keep their first value.
func (w *StateWriter) StoreEvents(ctx context.Context, events []models.Event) (map[int]string, error) {
	customers, conversations := fold(events)
	if len(conversations) == 0 {
		return nil, nil
	}
	schema := RegionSchema(w.Region)
	b := &pgx.Batch{}
	b.Queue(fmt.Sprintf(mergeCustomers, schema), customerColumns(customers)...)
	b.Queue(fmt.Sprintf(mergeConversations, schema), conversationColumns(conversations)...)
	if err := w.DB.Pool.SendBatch(ctx, b).Close(); err != nil {
		err = fmt.Errorf("postgres %s: project %d events: %w", w.Region, len(events), err)
		if isDataError(err) {
			return nil, &DataError{err}
		}
		return nil, err
	}
	return nil, nil
}

// DataError is a write PostgreSQL refused because of the values, not because of the server:
// writing them again fails the same way, so the sink looks for the events at fault instead
// of retrying the batch forever.
type DataError struct{ Err error }

func (e *DataError) Error() string   { return e.Err.Error() }
func (e *DataError) Unwrap() error   { return e.Err }
func (e *DataError) Permanent() bool { return true }

// isDataError reports an error of SQLSTATE class 22 (data exception: NUL or invalid UTF-8 in
// text, a value out of range) or 54 (program limit: a key too long for its index). A unique
// violation (23505) is not one: a concurrent writer inserting the same new row causes it, and
// the retry succeeds.
func isDataError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "54"))
}

// latest is the value of the last event that had one and was not older than every event
// before it in the batch: the only one that can still win against the stored row.
type latest struct {
	val string
	at  time.Time
}

// see records event value v at time t; before is the latest event time seen so far.
func (l *latest) see(v string, t, before time.Time) {
	if v != "" && !t.Before(before) {
		l.val, l.at = v, t
	}
}

// sticky is latest for fields an empty row takes whatever the event's age (queue, agent).
type sticky struct {
	first string
	latest
	afterFirst bool // latest came from an event after the first one with a value
}

func (s *sticky) see(v string, t, before time.Time) {
	if v == "" {
		return
	}
	if s.first == "" {
		s.first = v
		s.latest.see(v, t, before)
		return
	}
	if !t.Before(before) {
		s.latest = latest{v, t}
		s.afterFirst = true
	}
}

type customerRow struct {
	tenant, id, country string
	tier, channel       latest
	first, last         time.Time
}

type conversationRow struct {
	tenant, id, customer, channel, language string
	opened, last                            time.Time
	status                                  lifecycle
	queue, agent                            sticky
}

// lifecycle is the latest lifecycle event of a batch for one conversation.
type lifecycle struct {
	status models.ConversationStatus // "" = none in the batch
	at     time.Time
	event  string
}

func (l *lifecycle) see(e *models.Event) {
	s, ok := models.LifecycleStatus(e.Type)
	if ok && (l.status == "" || models.LaterLifecycle(e.OccurredAt, e.ID, l.at, l.event)) {
		*l = lifecycle{s, e.OccurredAt.Truncate(time.Millisecond), e.ID}
	}
}

func fold(events []models.Event) ([]*customerRow, []*conversationRow) {
	type key struct{ tenant, id string }
	customers := map[key]*customerRow{}
	conversations := map[key]*conversationRow{}
	for i := range events {
		e := &events[i]
		if e.Customer == nil || e.ConversationID == "" {
			continue
		}
		t := e.OccurredAt
		c := customers[key{e.Tenant, e.CustomerID}]
		if c == nil {
			c = &customerRow{tenant: e.Tenant, id: e.CustomerID, country: e.Customer.Country, first: t}
			customers[key{e.Tenant, e.CustomerID}] = c
		}
		c.tier.see(e.Customer.Tier, t, c.last)
		if e.Direction == models.Inbound {
			c.channel.see(e.Channel, t, c.last)
		}
		c.first, c.last = minTime(c.first, t), maxTime(c.last, t)

		v := conversations[key{e.Tenant, e.ConversationID}]
		if v == nil {
			v = &conversationRow{tenant: e.Tenant, id: e.ConversationID, customer: e.CustomerID, opened: t}
			conversations[key{e.Tenant, e.ConversationID}] = v
		}
		if v.channel == "" {
			v.channel = e.Channel
		}
		if v.language == "" {
			v.language = e.Language
		}
		v.status.see(e)
		queue := e.Queue
		if e.ToQueue != "" {
			queue = e.ToQueue
		}
		v.queue.see(queue, t, v.last)
		v.agent.see(e.AgentID, t, v.last)
		v.opened, v.last = minTime(v.opened, t), maxTime(v.last, t)
	}
	// Rows in key order: concurrent writers of overlapping rows lock them in the same order.
	cs := slices.SortedFunc(maps.Values(customers), func(a, b *customerRow) int {
		return cmp.Or(strings.Compare(a.tenant, b.tenant), strings.Compare(a.id, b.id))
	})
	vs := slices.SortedFunc(maps.Values(conversations), func(a, b *conversationRow) int {
		return cmp.Or(strings.Compare(a.tenant, b.tenant), strings.Compare(a.id, b.id))
	})
	return cs, vs
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// MERGE rather than INSERT … ON CONFLICT: the update needs the batch's candidate times, which
// ON CONFLICT's EXCLUDED row cannot carry. A concurrent writer inserting the same new row
// makes MERGE fail with a unique violation; the sink then offers the batch again.
const mergeCustomers = `MERGE INTO %s.customers AS c
USING unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
	AS s(tenant_id, customer_id, country, tier, tier_at, preferred_channel, channel_at, first_seen_at, last_seen_at)
ON c.tenant_id = s.tenant_id AND c.customer_id = s.customer_id
WHEN MATCHED THEN UPDATE SET
	first_seen_at = LEAST(c.first_seen_at, s.first_seen_at),
	last_seen_at = GREATEST(c.last_seen_at, s.last_seen_at),
	tier = CASE WHEN s.tier <> '' AND s.tier_at >= c.last_seen_at THEN s.tier ELSE c.tier END,
	preferred_channel = CASE WHEN s.preferred_channel <> '' AND s.channel_at >= c.last_seen_at THEN s.preferred_channel ELSE c.preferred_channel END
WHEN NOT MATCHED THEN INSERT (tenant_id, customer_id, country, tier, preferred_channel, first_seen_at, last_seen_at)
	VALUES (s.tenant_id, s.customer_id, s.country, s.tier, s.preferred_channel, s.first_seen_at, s.last_seen_at)`

const mergeConversations = `MERGE INTO %s.conversations AS v
USING unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[],
		$8::text[], $9::timestamptz[], $10::text[], $11::text[], $12::timestamptz[], $13::bool[],
		$14::text[], $15::text[], $16::timestamptz[], $17::bool[], $18::text[])
	AS s(tenant_id, conversation_id, customer_id, channel, language, opened_at, last_event_at,
		status, status_at, queue_first, queue, queue_at, queue_after_first,
		agent_first, agent_id, agent_at, agent_after_first, status_event)
ON v.tenant_id = s.tenant_id AND v.conversation_id = s.conversation_id
WHEN MATCHED THEN UPDATE SET
	opened_at = LEAST(v.opened_at, s.opened_at),
	channel = COALESCE(NULLIF(v.channel, ''), s.channel),
	language = COALESCE(NULLIF(v.language, ''), s.language),
	status = CASE WHEN s.status <> '' AND (s.status_at, s.status_event) > (v.status_at, v.status_event) THEN s.status ELSE v.status END,
	status_event = CASE WHEN s.status <> '' AND (s.status_at, s.status_event) > (v.status_at, v.status_event) THEN s.status_event ELSE v.status_event END,
	status_at = CASE WHEN s.status <> '' AND (s.status_at, s.status_event) > (v.status_at, v.status_event) THEN s.status_at ELSE v.status_at END,
	queue = CASE
		WHEN v.queue = '' THEN CASE WHEN s.queue_after_first AND s.queue_at >= v.last_event_at THEN s.queue ELSE s.queue_first END
		WHEN s.queue <> '' AND s.queue_at >= v.last_event_at THEN s.queue ELSE v.queue END,
	agent_id = CASE
		WHEN v.agent_id = '' THEN CASE WHEN s.agent_after_first AND s.agent_at >= v.last_event_at THEN s.agent_id ELSE s.agent_first END
		WHEN s.agent_id <> '' AND s.agent_at >= v.last_event_at THEN s.agent_id ELSE v.agent_id END,
	last_event_at = GREATEST(v.last_event_at, s.last_event_at)
WHEN NOT MATCHED THEN INSERT (tenant_id, conversation_id, customer_id, channel, status, status_at, status_event, queue, agent_id, language, opened_at, last_event_at)
	VALUES (s.tenant_id, s.conversation_id, s.customer_id, s.channel, COALESCE(NULLIF(s.status, ''), 'queued'),
		CASE WHEN s.status <> '' THEN s.status_at ELSE '-infinity' END, s.status_event,
		CASE WHEN s.queue_after_first THEN s.queue ELSE s.queue_first END,
		CASE WHEN s.agent_after_first THEN s.agent_id ELSE s.agent_first END,
		s.language, s.opened_at, s.last_event_at)`

func customerColumns(rows []*customerRow) []any {
	n := len(rows)
	tenant, id, country, tier, channel := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	tierAt, channelAt, first, last := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	for i, r := range rows {
		tenant[i], id[i], country[i] = r.tenant, r.id, r.country
		tier[i], tierAt[i], channel[i], channelAt[i] = r.tier.val, r.tier.at, r.channel.val, r.channel.at
		first[i], last[i] = r.first, r.last
	}
	return []any{tenant, id, country, tier, tierAt, channel, channelAt, first, last}
}

func conversationColumns(rows []*conversationRow) []any {
	n := len(rows)
	tenant, id, customer, channel, language := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	opened, last, statusAt, queueAt, agentAt := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	status, statusEvent, queueFirst, queue, agentFirst, agent := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	queueAfter, agentAfter := make([]bool, n), make([]bool, n)
	for i, r := range rows {
		tenant[i], id[i], customer[i], channel[i], language[i] = r.tenant, r.id, r.customer, r.channel, r.language
		opened[i], last[i] = r.opened, r.last
		status[i], statusAt[i], statusEvent[i] = string(r.status.status), r.status.at, r.status.event
		queueFirst[i], queue[i], queueAt[i], queueAfter[i] = r.queue.first, r.queue.val, r.queue.at, r.queue.afterFirst
		agentFirst[i], agent[i], agentAt[i], agentAfter[i] = r.agent.first, r.agent.val, r.agent.at, r.agent.afterFirst
	}
	return []any{tenant, id, customer, channel, language, opened, last, status, statusAt,
		queueFirst, queue, queueAt, queueAfter, agentFirst, agent, agentAt, agentAfter, statusEvent}
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
