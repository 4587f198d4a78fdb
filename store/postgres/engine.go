package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/models"
)

// Engine is engine.Store: decisions and the conversations' state (region_<r>.decisions,
// region_<r>.work), read by the workspace.
type Engine struct {
	DB *DB
}

// Decide implements engine.Store.
func (s *Engine) Decide(ctx context.Context, region, tenant, decisionID, conversationID string, decide func(engine.Tx) ([]models.Event, error)) ([]models.Event, bool, bool, error) {
	schema := RegionSchema(region)
	tx, err := s.DB.Pool.Begin(ctx)
	if err != nil {
		return nil, false, false, fmt.Errorf("engine %s: %w", region, err)
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.decisions (tenant_id, decision_id, conversation_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, schema), tenant, decisionID, conversationID)
	if err != nil {
		return nil, false, false, fmt.Errorf("engine %s: %w", region, err)
	}
	if tag.RowsAffected() == 0 {
		var raw []byte
		var published bool
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT events, published FROM %s.decisions WHERE tenant_id = $1 AND decision_id = $2`, schema), tenant, decisionID).Scan(&raw, &published)
		if err != nil {
			return nil, false, false, fmt.Errorf("engine %s: %w", region, err)
		}
		var events []models.Event
		if err := json.Unmarshal(raw, &events); err != nil {
			return nil, false, false, fmt.Errorf("engine %s: decision %s: %w", region, decisionID, err)
		}
		return events, published, false, nil
	}
	// One decision at a time per region and tenant, across processes: two conversations
	// routed at once must not both take an agent's last free slot.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "engine/"+schema+"/"+tenant); err != nil {
		return nil, false, false, fmt.Errorf("engine %s: %w", region, err)
	}
	events, err := decide(&engineTx{tx: tx, schema: schema, tenant: tenant, region: region})
	if err != nil {
		return nil, false, false, err
	}
	raw, err := json.Marshal(nonNilSlice(events))
	if err != nil {
		return nil, false, false, err
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s.decisions SET events = $3, published = $4 WHERE tenant_id = $1 AND decision_id = $2`, schema), tenant, decisionID, raw, len(events) == 0); err != nil {
		return nil, false, false, fmt.Errorf("engine %s: %w", region, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, false, false, fmt.Errorf("engine %s: %w", region, err)
	}
	return events, len(events) == 0, true, nil
}

// MarkPublished implements engine.Store.
func (s *Engine) MarkPublished(ctx context.Context, region, tenant, decisionID string) error {
	_, err := s.DB.Pool.Exec(ctx, fmt.Sprintf(`UPDATE %s.decisions SET published = true WHERE tenant_id = $1 AND decision_id = $2`, RegionSchema(region)), tenant, decisionID)
	return err
}

// Find implements engine.Store.
func (s *Engine) Find(ctx context.Context, region, tenant, conversationID string) (engine.Work, bool, error) {
	w, err := scanWork(s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT `+workColumns+` FROM %s.work WHERE tenant_id = $1 AND conversation_id = $2`, RegionSchema(region)), tenant, conversationID))
	if errors.Is(err, pgx.ErrNoRows) {
		return engine.Work{}, false, nil
	}
	if err != nil {
		return w, false, fmt.Errorf("engine %s: %w", region, err)
	}
	return w, true, nil
}

type engineTx struct {
	tx                     pgx.Tx
	schema, tenant, region string
	// others are the other regions this transaction acts in (In), by name.
	others map[string]*engineTx
}

// Tenant is the tenant whose decision the transaction makes.
func (t *engineTx) Tenant() string { return t.tenant }

const workColumns = `conversation_id, customer_id, country, tier, channel, kind, status, assignee, previous_agent, queue, priority, language, intent, issue_type, urgency, waiting_since, first_response_due, first_response_at, resolution_due, breached, next_response_due, warned, paused_at, snooze_until, sentiment_first, sentiment_last, sentiments, last_customer_at`

func scanWork(row pgx.Row) (engine.Work, error) {
	var w engine.Work
	var status string
	var priority int
	err := row.Scan(&w.ConversationID, &w.CustomerID, &w.Country, &w.Tier, &w.Channel, &w.Kind, &status, &w.Assignee, &w.PreviousAgent,
		&w.Queue, &priority, &w.Language, &w.Intent, &w.IssueType, &w.Urgency, &w.WaitingSince,
		&w.FirstResponseDue, &w.FirstResponseAt, &w.ResolutionDue, &w.Breached, &w.NextResponseDue, &w.Warned, &w.PausedAt, &w.SnoozeUntil,
		&w.SentimentFirst, &w.SentimentLast, &w.Sentiments, &w.LastCustomerAt)
	w.Status, w.Priority = models.ConversationStatus(status), routing.Priority(priority)
	return w, err
}

func (t *engineTx) Work(ctx context.Context, conversationID string) (engine.Work, bool, error) {
	w, err := scanWork(t.tx.QueryRow(ctx, fmt.Sprintf(`SELECT `+workColumns+` FROM %s.work WHERE tenant_id = $1 AND conversation_id = $2 FOR UPDATE`, t.schema), t.tenant, conversationID))
	if errors.Is(err, pgx.ErrNoRows) {
		return engine.Work{}, false, nil
	}
	if err != nil {
		return w, false, fmt.Errorf("engine %s: %w", t.region, err)
	}
	return w, true, nil
}

func (t *engineTx) SaveWork(ctx context.Context, w engine.Work) error {
	_, err := t.tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.work (tenant_id, `+workColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)
ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET status = excluded.status, assignee = excluded.assignee, previous_agent = excluded.previous_agent,
  queue = excluded.queue, priority = excluded.priority, language = excluded.language, intent = excluded.intent, issue_type = excluded.issue_type,
  urgency = excluded.urgency, waiting_since = excluded.waiting_since, tier = excluded.tier, first_response_due = excluded.first_response_due,
  first_response_at = excluded.first_response_at, resolution_due = excluded.resolution_due, breached = excluded.breached,
  next_response_due = excluded.next_response_due, warned = excluded.warned, paused_at = excluded.paused_at, snooze_until = excluded.snooze_until,
  sentiment_first = excluded.sentiment_first, sentiment_last = excluded.sentiment_last, sentiments = excluded.sentiments, last_customer_at = excluded.last_customer_at, updated_at = now()`, t.schema),
		t.tenant, w.ConversationID, w.CustomerID, w.Country, w.Tier, w.Channel, w.Kind, string(w.Status), w.Assignee, w.PreviousAgent,
		w.Queue, int(w.Priority), w.Language, w.Intent, w.IssueType, w.Urgency, w.WaitingSince,
		w.FirstResponseDue, w.FirstResponseAt, w.ResolutionDue, nonNilSlice(w.Breached), w.NextResponseDue, nonNilSlice(w.Warned), w.PausedAt, w.SnoozeUntil,
		w.SentimentFirst, w.SentimentLast, w.Sentiments, w.LastCustomerAt)
	if err != nil {
		return fmt.Errorf("engine %s: save %s: %w", t.region, w.ConversationID, err)
	}
	return nil
}

func (t *engineTx) Agents(ctx context.Context) ([]conversation.Agent, error) {
	rows, err := t.tx.Query(ctx, fmt.Sprintf(`SELECT `+agentColumns+` FROM %s.agents WHERE tenant_id = $1 ORDER BY agent_id`, t.schema), t.tenant)
	if err != nil {
		return nil, fmt.Errorf("engine %s: agents: %w", t.region, err)
	}
	defer rows.Close()
	return collect(rows, func(r pgx.Row) (conversation.Agent, error) { return scanAgent(r, t.region) })
}

func (t *engineTx) Loads(ctx context.Context) (map[string]int, error) {
	// Open offers count in their agents' loads (offer-and-accept, offers.go).
	rows, err := t.tx.Query(ctx, fmt.Sprintf(`SELECT assignee, count(*) FROM %[1]s.work WHERE tenant_id = $1 AND status = 'assigned' GROUP BY assignee
UNION ALL SELECT agent_id, count(*) FROM %[1]s.offers WHERE tenant_id = $1 AND agent_id <> '' GROUP BY agent_id`, t.schema), t.tenant)
	if err != nil {
		return nil, fmt.Errorf("engine %s: loads: %w", t.region, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] += n
	}
	return out, rows.Err()
}

func (t *engineTx) Queued(ctx context.Context, limit int) ([]engine.Work, error) {
	// An offered conversation waits for its agent's answer, not for anybody else.
	return t.works(ctx, fmt.Sprintf(`SELECT `+workColumns+` FROM %[1]s.work w WHERE tenant_id = $1 AND status = 'queued'
  AND NOT EXISTS (SELECT 1 FROM %[1]s.offers o WHERE o.tenant_id = w.tenant_id AND o.conversation_id = w.conversation_id AND o.agent_id <> '')
ORDER BY priority DESC, waiting_since LIMIT $2`, t.schema), t.tenant, limit)
}

func (t *engineTx) Assigned(ctx context.Context, agentID string) ([]engine.Work, error) {
	return t.works(ctx, fmt.Sprintf(`SELECT `+workColumns+` FROM %s.work WHERE tenant_id = $1 AND status = 'assigned' AND assignee = $2 ORDER BY priority DESC, waiting_since FOR UPDATE`, t.schema), t.tenant, agentID)
}

func (t *engineTx) works(ctx context.Context, sql string, args ...any) ([]engine.Work, error) {
	rows, err := t.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("engine %s: %w", t.region, err)
	}
	defer rows.Close()
	return collect(rows, scanWork)
}

// Inbox implements engine.Inbox.
func (s *Engine) Inbox(ctx context.Context, region, tenant string, f engine.InboxFilter, after *engine.InboxCursor, limit int) ([]engine.Work, error) {
	schema := RegionSchema(region)
	where := []string{"w.tenant_id = $1"}
	args := []any{tenant}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []string{string(models.StatusQueued), string(models.StatusBot), string(models.StatusAssigned),
			string(models.StatusPending), string(models.StatusSnoozed)}
	}
	where = append(where, "w.status = ANY("+arg(statuses)+")")
	if len(f.SLA) > 0 {
		now, lead := arg(f.Now), arg(f.WarnBefore.Microseconds())
		breached := fmt.Sprintf("(cardinality(w.breached) > 0 OR %s)", runningDue("< "+now))
		warning := fmt.Sprintf("(NOT %s AND %s)", breached, runningDue(fmt.Sprintf("<= %s::timestamptz + %s::bigint * interval '1 microsecond'", now, lead)))
		var ors []string
		for _, st := range f.SLA {
			switch st {
			case engine.SLABreached:
				ors = append(ors, breached)
			case engine.SLAWarning:
				ors = append(ors, warning)
			case engine.SLAOK:
				ors = append(ors, fmt.Sprintf("(NOT %s AND NOT %s)", breached, warning))
			default:
				return nil, fmt.Errorf("inbox %s: SLA state %q", region, st)
			}
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	switch {
	case f.AgentID != "" && f.Offered:
		where = append(where, fmt.Sprintf("EXISTS (SELECT 1 FROM %s.offers o WHERE o.tenant_id = $1 AND o.conversation_id = w.conversation_id AND o.agent_id = %s)", schema, arg(f.AgentID)))
	case f.AgentID != "":
		where = append(where, "w.assignee = "+arg(f.AgentID))
	}
	if f.Team != "" {
		where = append(where, fmt.Sprintf("w.assignee IN (SELECT agent_id FROM %s.agents WHERE tenant_id = $1 AND team = %s)", schema, arg(f.Team)))
	}
	if f.Unassigned {
		where = append(where, "w.assignee = ''")
	}
	if len(f.Channels) > 0 {
		where = append(where, "w.channel = ANY("+arg(f.Channels)+")")
	}
	if len(f.Languages) > 0 {
		where = append(where, "w.language = ANY("+arg(f.Languages)+")")
	}
	if len(f.Tiers) > 0 {
		where = append(where, "w.tier = ANY("+arg(f.Tiers)+")")
	}
	if len(f.Priorities) > 0 {
		ps := make([]int, len(f.Priorities))
		for i, p := range f.Priorities {
			ps[i] = int(p)
		}
		where = append(where, "w.priority = ANY("+arg(ps)+")")
	}
	if after != nil {
		p, t, id := arg(int(after.Priority)), arg(after.WaitingSince), arg(after.ID)
		where = append(where, fmt.Sprintf("(w.priority < %s OR (w.priority = %s AND (w.waiting_since > %s OR (w.waiting_since = %s AND w.conversation_id > %s))))", p, p, t, t, id))
	}
	sql := fmt.Sprintf(`SELECT %s FROM %s.work w WHERE %s ORDER BY w.priority DESC, w.waiting_since, w.conversation_id LIMIT %s`,
		prefixed("w.", workColumns), schema, strings.Join(where, " AND "), arg(limit))
	rows, err := s.DB.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("inbox %s: %w", region, err)
	}
	defer rows.Close()
	return collect(rows, scanWork)
}

// runningDue is true when a running SLA clock of w (a queued or assigned conversation: a
// paused or resolved one has none) has its due time cmp.
func runningDue(cmp string) string {
	return fmt.Sprintf(`(w.status IN ('queued', 'assigned') AND ((w.first_response_at IS NULL AND w.first_response_due %[1]s)
 OR w.next_response_due %[1]s OR w.resolution_due %[1]s))`, cmp)
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, columns string) string {
	cs := strings.Split(columns, ", ")
	for i := range cs {
		cs[i] = alias + cs[i]
	}
	return strings.Join(cs, ", ")
}

// Overdue implements engine.Store: the running clocks (of queued and assigned
// conversations: pending and snoozed ones are paused) past due and not recorded as
// breached, and those within warnBefore of it, not yet past, not yet warned about.
func (s *Engine) Overdue(ctx context.Context, region string, now time.Time, warnBefore time.Duration, limit int) ([]engine.Overdue, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`
WITH clocks AS (
  SELECT tenant_id, conversation_id, 'first_response' AS target, first_response_due AS due, breached, warned FROM %[1]s.work
   WHERE first_response_at IS NULL AND status IN ('queued', 'assigned') AND first_response_due < $1::timestamptz + $2::bigint * interval '1 microsecond'
  UNION ALL
  SELECT tenant_id, conversation_id, 'next_response', next_response_due, breached, warned FROM %[1]s.work
   WHERE status IN ('queued', 'assigned') AND next_response_due < $1::timestamptz + $2::bigint * interval '1 microsecond'
  UNION ALL
  SELECT tenant_id, conversation_id, 'resolution', resolution_due, breached, warned FROM %[1]s.work
   WHERE status IN ('queued', 'assigned') AND resolution_due < $1::timestamptz + $2::bigint * interval '1 microsecond'
)
SELECT tenant_id, conversation_id, target, due, due >= $1 FROM clocks
 WHERE NOT (target = ANY(breached)) AND (due < $1 OR NOT (target = ANY(warned)))
ORDER BY 4 LIMIT $3`, RegionSchema(region)), now, warnBefore.Microseconds(), limit)
	if err != nil {
		return nil, fmt.Errorf("engine %s: overdue: %w", region, err)
	}
	defer rows.Close()
	var out []engine.Overdue
	for rows.Next() {
		var o engine.Overdue
		if err := rows.Scan(&o.Tenant, &o.ConversationID, &o.Target, &o.DueAt, &o.Warning); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SnoozeEnded implements engine.Store.
func (s *Engine) SnoozeEnded(ctx context.Context, region string, now time.Time, limit int) ([]engine.Overdue, error) {
	return s.due(ctx, region, "snoozes", "snooze", `SELECT tenant_id, conversation_id, snooze_until FROM %s.work
 WHERE status = 'snoozed' AND snooze_until <= $1 ORDER BY snooze_until LIMIT $2`, now, limit)
}

// BotIdle implements engine.Store.
func (s *Engine) BotIdle(ctx context.Context, region string, before time.Time, limit int) ([]engine.Overdue, error) {
	return s.due(ctx, region, "AI conversations", "bot_idle", `SELECT tenant_id, conversation_id, last_customer_at FROM %s.work
 WHERE status = 'bot' AND last_customer_at < $1 ORDER BY last_customer_at LIMIT $2`, before, limit)
}

// due lists the region's conversations a query (tenant, conversation, due time; %s the
// region's schema) finds, as Overdue of target.
func (s *Engine) due(ctx context.Context, region, what, target, query string, args ...any) ([]engine.Overdue, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(query, RegionSchema(region)), args...)
	if err != nil {
		return nil, fmt.Errorf("engine %s: %s: %w", region, what, err)
	}
	defer rows.Close()
	var out []engine.Overdue
	for rows.Next() {
		o := engine.Overdue{Target: target}
		if err := rows.Scan(&o.Tenant, &o.ConversationID, &o.DueAt); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (t *engineTx) RespondPages(ctx context.Context, conversationID string, at time.Time) error {
	_, err := t.tx.Exec(ctx, fmt.Sprintf(`UPDATE %s.pages SET responded_at = $3
 WHERE tenant_id = $1 AND conversation_id = $2 AND responded_at IS NULL AND created_at <= $3`, t.schema), t.tenant, conversationID, at)
	if err != nil {
		return fmt.Errorf("engine %s: page response: %w", t.region, err)
	}
	return nil
}

func (t *engineTx) OpenPage(ctx context.Context, p engine.Page) error {
	_, err := t.tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.pages (tenant_id, page_id, conversation_id, urgency, reason, created_at, next_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, t.schema), t.tenant, p.ID, p.ConversationID, p.Urgency, p.Reason, p.CreatedAt, p.NextAt)
	if err != nil {
		return fmt.Errorf("engine %s: page: %w", t.region, err)
	}
	return nil
}

const pageColumns = `tenant_id, page_id, conversation_id, urgency, reason, created_at, acknowledged_at, steps_paged, next_at, attempts, last_error, responded_at`

func scanPage(row pgx.Row) (engine.Page, error) {
	var p engine.Page
	err := row.Scan(&p.Tenant, &p.ID, &p.ConversationID, &p.Urgency, &p.Reason, &p.CreatedAt, &p.AcknowledgedAt, &p.StepsPaged, &p.NextAt, &p.Attempts, &p.LastError, &p.RespondedAt)
	return p, err
}

// TakePages implements engine.Store: the due pages, leased until until in one statement.
func (s *Engine) TakePages(ctx context.Context, region string, now, until time.Time, limit int) ([]engine.Page, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`UPDATE %[1]s.pages SET next_at = $2 WHERE (tenant_id, page_id) IN (
  SELECT tenant_id, page_id FROM %[1]s.pages WHERE next_at <= $1 AND acknowledged_at IS NULL ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING `+pageColumns, RegionSchema(region)), now, until, limit)
	if err != nil {
		return nil, fmt.Errorf("pages %s: %w", region, err)
	}
	defer rows.Close()
	return collect(rows, scanPage)
}

// PageDone implements engine.Store. An acknowledgement that came meanwhile keeps next_at null.
func (s *Engine) PageDone(ctx context.Context, region string, p engine.Page) error {
	_, err := s.DB.Pool.Exec(ctx, fmt.Sprintf(`UPDATE %s.pages SET steps_paged = $3, attempts = $4, last_error = $5,
  next_at = CASE WHEN acknowledged_at IS NULL THEN $6::timestamptz END WHERE tenant_id = $1 AND page_id = $2`, RegionSchema(region)),
		p.Tenant, p.ID, p.StepsPaged, p.Attempts, p.LastError, p.NextAt)
	return err
}

// Acknowledge implements engine.Store: the conversation's latest page waiting for one.
func (s *Engine) Acknowledge(ctx context.Context, region, tenant, conv, by string, at time.Time) (engine.Page, error) {
	p, err := scanPage(s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`UPDATE %[1]s.pages SET acknowledged_at = $3, acknowledged_by = $4, next_at = NULL
WHERE (tenant_id, page_id) = (SELECT tenant_id, page_id FROM %[1]s.pages WHERE tenant_id = $1 AND conversation_id = $2 AND acknowledged_at IS NULL ORDER BY created_at DESC LIMIT 1)
RETURNING `+pageColumns, RegionSchema(region)), tenant, conv, at, by))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, engine.ErrNoPage
	}
	return p, err
}

// LatestPage implements engine.Store.
func (s *Engine) LatestPage(ctx context.Context, region, tenant, conv string) (engine.Page, bool, error) {
	p, err := scanPage(s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT `+pageColumns+` FROM %s.pages WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at DESC LIMIT 1`, RegionSchema(region)), tenant, conv))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	}
	return p, err == nil, err
}

// QueuedTenants implements engine.Store.
func (s *Engine) QueuedTenants(ctx context.Context, region string) ([]string, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT DISTINCT tenant_id FROM %s.work WHERE status = 'queued'`, RegionSchema(region)))
	if err != nil {
		return nil, fmt.Errorf("engine %s: %w", region, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Sweep implements engine.Store.
func (s *Engine) Sweep(ctx context.Context, region, tenant string, sweep func(engine.Tx) ([]models.Event, error)) (string, []models.Event, error) {
	schema := RegionSchema(region)
	tx, err := s.DB.Pool.Begin(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("engine %s: %w", region, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "engine/"+schema+"/"+tenant); err != nil {
		return "", nil, fmt.Errorf("engine %s: %w", region, err)
	}
	events, err := sweep(&engineTx{tx: tx, schema: schema, tenant: tenant, region: region})
	if err != nil || len(events) == 0 {
		return "", nil, err
	}
	raw, err := json.Marshal(events)
	if err != nil {
		return "", nil, err
	}
	id := events[0].ID
	if _, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.decisions (tenant_id, decision_id, conversation_id, events) VALUES ($1, $2, $3, $4)`, schema),
		tenant, id, events[0].ConversationID, raw); err != nil {
		return "", nil, fmt.Errorf("engine %s: %w", region, err)
	}
	return id, events, tx.Commit(ctx)
}

// Unpublished implements engine.Store.
func (s *Engine) Unpublished(ctx context.Context, region string, before time.Time, limit int) ([]engine.Unpublished, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT tenant_id, decision_id, events FROM %s.decisions WHERE NOT published AND created_at < $1 ORDER BY created_at LIMIT $2`, RegionSchema(region)), before, limit)
	if err != nil {
		return nil, fmt.Errorf("engine %s: %w", region, err)
	}
	defer rows.Close()
	var out []engine.Unpublished
	for rows.Next() {
		var u engine.Unpublished
		var raw []byte
		if err := rows.Scan(&u.Tenant, &u.ID, &raw); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &u.Events); err != nil {
			return nil, fmt.Errorf("engine %s: decision %s: %w", region, u.ID, err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
