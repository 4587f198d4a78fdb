package metrics

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Page sizes of the conversation drill-down.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// ConversationQuery selects the conversations behind a metrics cell: the same filters and time
// range as a Query, so the page's TotalCount equals the cell's "conversations" measure and the
// conversations' Messages add up to its "messages" measure.
type ConversationQuery struct {
	Filters  []Filter
	From, To *time.Time
	// Where adds conditions over the events table, as Query.Where does.
	Where []Condition
	// First is the page size (default DefaultPageSize, at most MaxPageSize).
	First int
	// After is the EndCursor of the previous page; empty for the first page.
	After string
}

// Conversation is one conversation aggregated from the events that match a drill-down's
// filters and time range. Only Status looks at the conversation's whole history.
//
// CustomerID is pseudonymous but still personal data: the API layer passes it through the
// compliance gate before showing it.
type Conversation struct {
	ID         string
	Region     string
	Channel    string // of the first matching event that has one
	Language   string
	Country    string
	CustomerID string
	// FirstMessageAt and LastMessageAt bound the matching messages; nil when none match.
	FirstMessageAt, LastMessageAt *time.Time
	// LastActivityAt is the latest matching event; conversations are ordered by it, newest first.
	LastActivityAt time.Time
	Messages       int // matching message.received and message.sent events
	Events         int // matching events of any type
	Status         string
}

// ConversationEdge is a conversation and the cursor that resumes after it.
type ConversationEdge struct {
	Cursor       string
	Conversation Conversation
}

// ConversationPage is one page of a drill-down.
type ConversationPage struct {
	Edges       []ConversationEdge
	HasNextPage bool
	EndCursor   string // empty when the page is empty
	TotalCount  int
}

// Message is one message of a conversation. Text is personal data in the clear: the API layer
// must pass it through the compliance gate before it leaves the process.
type Message struct {
	ID             string
	Region         string
	ConversationID string
	CustomerID     string
	Type           string
	Direction      string
	Channel        string
	Language       string
	OccurredAt     time.Time
	Text           string
	// Analysis is what Meridian understood of an inbound message (its message.analyzed
	// event); nil until the analysis is stored, and for replies.
	Analysis *Analysis
}

// Analysis is a message.analyzed event's values: the detected language, sentiment, intent
// (and its confidence) as columns, the rest as attributes (understanding/enrich writes them).
type Analysis struct {
	Language         string
	Sentiment        float64
	Intent           string
	IntentConfidence float64
	Attributes       map[string]string
}

// cursor is the sort key of a conversation: LastActivityAt descending, then region, then id.
type cursor struct {
	T  int64  `json:"t"` // LastActivityAt, Unix milliseconds
	R  string `json:"r"`
	ID string `json:"id"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // cannot fail for this type
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" || c.R == "" {
		return cursor{}, invalidf("invalid cursor %q: pass the endCursor of a previous page", s)
	}
	return c, nil
}

// convColumns aggregate one conversation's matching events.
var convColumns = strings.Join([]string{
	"conversation_id",
	"toUnixTimestamp64Milli(max(occurred_at)) AS last_ms",
	"toString(argMinIf(channel, occurred_at, channel != '')) AS first_channel",
	"toString(argMinIf(language, occurred_at, language != '')) AS first_language",
	"toString(argMinIf(country, occurred_at, country != '')) AS first_country",
	"argMinIf(customer_id, occurred_at, customer_id != '') AS first_customer",
	"countIf(" + isMessage + ") AS messages",
	"count() AS n_events",
	"toUnixTimestamp64Milli(minIf(occurred_at, " + isMessage + ")) AS first_msg_ms",
	"toUnixTimestamp64Milli(maxIf(occurred_at, " + isMessage + ")) AS last_msg_ms",
}, ", ")

// conversationRows runs with the parameters of cond and having, bound on b.
func (e *Engine) conversationRows(ctx context.Context, region string, b *clickhouse.Binder, cond, having string, limit int) ([]Conversation, error) {
	db, err := e.db(region)
	if err != nil {
		return nil, err
	}
	sql := fmt.Sprintf("SELECT %s FROM %s.events FINAL WHERE %s AND conversation_id != '' GROUP BY conversation_id", convColumns, clickhouse.Database(region), cond)
	if having != "" {
		sql += " HAVING " + having
	}
	sql += fmt.Sprintf(" ORDER BY last_ms DESC, conversation_id ASC LIMIT %d", limit)
	res, err := e.query(ctx, region, db, b.Query(sql))
	if err != nil {
		return nil, fmt.Errorf("metrics: conversations in region %s: %w", region, err)
	}
	out := make([]Conversation, 0, len(res.Rows))
	for _, row := range res.Rows {
		if len(row) != 10 {
			return nil, fmt.Errorf("metrics: conversations in region %s: got %d columns, want 10", region, len(row))
		}
		c := Conversation{
			ID:             clickhouse.String(row[0]),
			Region:         region,
			LastActivityAt: millis(row[1]),
			Channel:        clickhouse.String(row[2]),
			Language:       clickhouse.String(row[3]),
			Country:        clickhouse.String(row[4]),
			CustomerID:     clickhouse.String(row[5]),
			Messages:       int(clickhouse.Float(row[6])),
			Events:         int(clickhouse.Float(row[7])),
			Status:         string(models.StatusQueued),
		}
		if c.Messages > 0 {
			first, last := millis(row[8]), millis(row[9])
			c.FirstMessageAt, c.LastMessageAt = &first, &last
		}
		out = append(out, c)
	}
	return out, nil
}

func millis(v any) time.Time { return time.UnixMilli(int64(clickhouse.Float(v))).UTC() }

// statuses fills in the status of conversations of one region from their latest lifecycle
// event over all time, whatever the drill-down's filters.
func (e *Engine) statuses(ctx context.Context, tenant, region string, convs []*Conversation) error {
	if len(convs) == 0 {
		return nil
	}
	db, err := e.db(region)
	if err != nil {
		return err
	}
	ids := make([]string, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
	}
	lifecycle := typeIn(models.LifecycleTypes...)
	var b clickhouse.Binder
	sql := fmt.Sprintf("SELECT conversation_id, toString(argMax(type, (occurred_at, id))) FROM %s.events FINAL WHERE tenant = %s AND conversation_id IN %s AND %s GROUP BY conversation_id",
		clickhouse.Database(region), b.String(tenant), b.Strings(ids), lifecycle)
	res, err := e.query(ctx, region, db, b.Query(sql))
	if err != nil {
		return fmt.Errorf("metrics: conversation status in region %s: %w", region, err)
	}
	last := map[string]string{}
	for _, row := range res.Rows {
		if len(row) == 2 {
			last[clickhouse.String(row[0])] = clickhouse.String(row[1])
		}
	}
	for _, c := range convs {
		c.Status = string(models.StatusOf(last[c.ID]))
	}
	return nil
}

// Conversations returns a page of the conversations behind the events that match q, newest
// activity first, for principal p: only p's tenant and the regions p may access.
func (e *Engine) Conversations(ctx context.Context, p auth.Principal, q ConversationQuery) (*ConversationPage, error) {
	if err := readable(p); err != nil {
		return nil, err
	}
	if err := validateFilters(q.Filters); err != nil {
		return nil, err
	}
	if err := validateRange(q.From, q.To); err != nil {
		return nil, err
	}
	switch {
	case q.First < 0:
		return nil, invalidf("first %d is negative", q.First)
	case q.First == 0:
		q.First = DefaultPageSize
	case q.First > MaxPageSize:
		return nil, invalidf("first %d is above the maximum %d", q.First, MaxPageSize)
	}
	var after *cursor
	if q.After != "" {
		c, err := decodeCursor(q.After)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	regions, err := regionsFor(e.Regions.Names(), p.CanAccess, q.Filters)
	if err != nil {
		return nil, err
	}
	pages := make([][]Conversation, len(regions))
	totals := make([]int, len(regions))
	err = forEachRegion(regions, func(i int, region string) error {
		db, err := e.db(region)
		if err != nil {
			return err
		}
		var b clickhouse.Binder
		cond := and(where(&b, p.Tenant, q.Filters, q.From, q.To), &b, q.Where)
		res, err := e.query(ctx, region, db, b.Query(fmt.Sprintf("SELECT uniqExact(conversation_id) FROM %s.events FINAL WHERE %s AND conversation_id != ''", clickhouse.Database(region), cond)))
		if err != nil {
			return fmt.Errorf("metrics: count conversations in region %s: %w", region, err)
		}
		if len(res.Rows) == 1 && len(res.Rows[0]) == 1 {
			totals[i] = int(clickhouse.Float(res.Rows[0][0]))
		}
		having := ""
		if after != nil {
			t := b.Int64(after.T)
			switch c := strings.Compare(region, after.R); {
			case c == 0:
				having = fmt.Sprintf("last_ms < %s OR (last_ms = %s AND conversation_id > %s)", t, t, b.String(after.ID))
			case c > 0:
				having = "last_ms <= " + t
			default:
				having = "last_ms < " + t
			}
		}
		pages[i], err = e.conversationRows(ctx, region, &b, cond, having, q.First+1)
		return err
	})
	if err != nil {
		return nil, err
	}

	var all []Conversation
	out := &ConversationPage{}
	for i := range regions {
		all = append(all, pages[i]...)
		out.TotalCount += totals[i]
	}
	sort.Slice(all, func(a, b int) bool { return lessConv(&all[a], &all[b]) })
	if len(all) > q.First {
		all = all[:q.First]
		out.HasNextPage = true
	}
	byRegion := map[string][]*Conversation{}
	for i := range all {
		byRegion[all[i].Region] = append(byRegion[all[i].Region], &all[i])
	}
	err = forEachRegion(regions, func(_ int, region string) error {
		return e.statuses(ctx, p.Tenant, region, byRegion[region])
	})
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		out.Edges = append(out.Edges, ConversationEdge{Cursor: encodeCursor(cursor{T: c.LastActivityAt.UnixMilli(), R: c.Region, ID: c.ID}), Conversation: c})
	}
	if n := len(out.Edges); n > 0 {
		out.EndCursor = out.Edges[n-1].Cursor
	}
	return out, nil
}

func lessConv(a, b *Conversation) bool {
	if !a.LastActivityAt.Equal(b.LastActivityAt) {
		return a.LastActivityAt.After(b.LastActivityAt)
	}
	if a.Region != b.Region {
		return a.Region < b.Region
	}
	return a.ID < b.ID
}

// Conversation returns one conversation over all its events, or nil when no region p may
// access holds it.
func (e *Engine) Conversation(ctx context.Context, p auth.Principal, id string) (*Conversation, error) {
	if err := readable(p); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalidf("conversation id is empty")
	}
	regions, err := regionsFor(e.Regions.Names(), p.CanAccess, nil)
	if err != nil {
		return nil, err
	}
	found := make([]*Conversation, len(regions))
	err = forEachRegion(regions, func(i int, region string) error {
		var b clickhouse.Binder
		cond := "tenant = " + b.String(p.Tenant) + " AND conversation_id = " + b.String(id)
		rows, err := e.conversationRows(ctx, region, &b, cond, "", 1)
		if err != nil || len(rows) == 0 {
			return err
		}
		found[i] = &rows[0]
		return e.statuses(ctx, p.Tenant, region, found[i:i+1])
	})
	if err != nil {
		return nil, err
	}
	for _, c := range found {
		if c != nil {
			return c, nil
		}
	}
	return nil, nil
}

// Messages lists up to first messages of a conversation in a region, oldest first. The text
// is in the clear; see Message.
func (e *Engine) Messages(ctx context.Context, p auth.Principal, region, conversationID string, first int) ([]Message, error) {
	if err := readable(p); err != nil {
		return nil, err
	}
	if !e.Regions.Has(region) {
		return nil, fmt.Errorf("%w: region %q is outside this key's scope", auth.ErrForbidden, region)
	}
	if err := p.Check(auth.ActionReadMetrics, region); err != nil {
		return nil, err
	}
	switch {
	case first < 0:
		return nil, invalidf("first %d is negative", first)
	case first == 0:
		first = DefaultPageSize
	case first > MaxPageSize:
		return nil, invalidf("first %d is above the maximum %d", first, MaxPageSize)
	}
	db, err := e.db(region)
	if err != nil {
		return nil, err
	}
	var b clickhouse.Binder
	sql := fmt.Sprintf("SELECT id, toString(type), toString(direction), toString(channel), toString(language), toUnixTimestamp64Milli(occurred_at), text, customer_id FROM %s.events FINAL WHERE tenant = %s AND conversation_id = %s AND %s ORDER BY occurred_at, id LIMIT %d",
		clickhouse.Database(region), b.String(p.Tenant), b.String(conversationID), isMessage, first)
	res, err := e.query(ctx, region, db, b.Query(sql))
	if err != nil {
		return nil, fmt.Errorf("metrics: messages of a conversation in region %s: %w", region, err)
	}
	out := make([]Message, 0, len(res.Rows))
	for _, row := range res.Rows {
		if len(row) != 8 {
			return nil, fmt.Errorf("metrics: messages in region %s: got %d columns, want 8", region, len(row))
		}
		out = append(out, Message{
			ID: clickhouse.String(row[0]), Region: region, ConversationID: conversationID,
			Type: clickhouse.String(row[1]), Direction: clickhouse.String(row[2]),
			Channel: clickhouse.String(row[3]), Language: clickhouse.String(row[4]),
			OccurredAt: millis(row[5]), Text: clickhouse.String(row[6]), CustomerID: clickhouse.String(row[7]),
		})
	}
	if err := e.attachAnalyses(ctx, p, region, db, conversationID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// LastMessages reads the latest message (either direction) of each of a region's
// conversations ids in one query, by conversation id; conversations without a message are
// left out. The text is in the clear; see Message.
func (e *Engine) LastMessages(ctx context.Context, p auth.Principal, region string, ids []string) (map[string]Message, error) {
	if err := readable(p); err != nil {
		return nil, err
	}
	if !e.Regions.Has(region) {
		return nil, fmt.Errorf("%w: region %q is outside this key's scope", auth.ErrForbidden, region)
	}
	if err := p.Check(auth.ActionReadMetrics, region); err != nil {
		return nil, err
	}
	out := map[string]Message{}
	if len(ids) == 0 {
		return out, nil
	}
	db, err := e.db(region)
	if err != nil {
		return nil, err
	}
	var b clickhouse.Binder
	sql := fmt.Sprintf("SELECT conversation_id, id, toString(type), toString(direction), toString(channel), toString(language), toUnixTimestamp64Milli(occurred_at), text, customer_id FROM %s.events FINAL WHERE tenant = %s AND conversation_id IN %s AND %s ORDER BY conversation_id, occurred_at DESC, id DESC LIMIT 1 BY conversation_id",
		clickhouse.Database(region), b.String(p.Tenant), b.Strings(ids), isMessage)
	res, err := e.query(ctx, region, db, b.Query(sql))
	if err != nil {
		return nil, fmt.Errorf("metrics: last messages in region %s: %w", region, err)
	}
	for _, row := range res.Rows {
		if len(row) != 9 {
			return nil, fmt.Errorf("metrics: last messages in region %s: got %d columns, want 9", region, len(row))
		}
		conv := clickhouse.String(row[0])
		out[conv] = Message{
			ID: clickhouse.String(row[1]), Region: region, ConversationID: conv,
			Type: clickhouse.String(row[2]), Direction: clickhouse.String(row[3]),
			Channel: clickhouse.String(row[4]), Language: clickhouse.String(row[5]),
			OccurredAt: millis(row[6]), Text: clickhouse.String(row[7]), CustomerID: clickhouse.String(row[8]),
		}
	}
	return out, nil
}

// attachAnalyses reads the analyses of a conversation's inbound messages (one query) and
// attaches each to its message.
func (e *Engine) attachAnalyses(ctx context.Context, p auth.Principal, region string, db clickhouse.DB, conversationID string, msgs []Message) error {
	byID := map[string]*Message{}
	for i := range msgs {
		if msgs[i].Direction == models.Inbound {
			byID[msgs[i].ID] = &msgs[i]
		}
	}
	if len(byID) == 0 {
		return nil
	}
	var b clickhouse.Binder
	sql := fmt.Sprintf("SELECT attributes['message_id'], toString(language), toFloat64(ifNull(sentiment, 0)), toString(intent), toFloat64(ifNull(confidence, 0)), attributes FROM %s.events FINAL WHERE tenant = %s AND conversation_id = %s AND %s",
		clickhouse.Database(region), b.String(p.Tenant), b.String(conversationID), typeIn(models.MessageAnalyzed))
	res, err := e.query(ctx, region, db, b.Query(sql))
	if err != nil {
		return fmt.Errorf("metrics: analyses of a conversation in region %s: %w", region, err)
	}
	for _, row := range res.Rows {
		if len(row) != 6 {
			return fmt.Errorf("metrics: analyses in region %s: got %d columns, want 6", region, len(row))
		}
		m := byID[clickhouse.String(row[0])]
		if m == nil {
			continue
		}
		attrs := map[string]string{}
		if mp, ok := row[5].(map[string]any); ok {
			for k, v := range mp {
				attrs[k] = clickhouse.String(v)
			}
		} else if mp, ok := row[5].(map[string]string); ok {
			attrs = mp
		}
		m.Analysis = &Analysis{Language: clickhouse.String(row[1]), Sentiment: clickhouse.Float(row[2]),
			Intent: clickhouse.String(row[3]), IntentConfidence: clickhouse.Float(row[4]), Attributes: attrs}
	}
	return nil
}

// CustomerLanguage is the language a conversation's customer writes in: the detected language
// of their latest analysed message, else the language their latest message stated; "" when
// neither is known.
func (e *Engine) CustomerLanguage(ctx context.Context, p auth.Principal, region, conversationID string) (string, error) {
	if err := p.Check(auth.ActionReadMetrics, region); err != nil {
		return "", err
	}
	db, err := e.db(region)
	if err != nil {
		return "", err
	}
	var b clickhouse.Binder
	sql := fmt.Sprintf("SELECT toString(language) FROM %s.events FINAL WHERE tenant = %s AND conversation_id = %s AND language NOT IN ('', 'und') AND (%s OR (%s AND direction = 'inbound')) ORDER BY type = %s DESC, occurred_at DESC LIMIT 1",
		clickhouse.Database(region), b.String(p.Tenant), b.String(conversationID), typeIn(models.MessageAnalyzed), typeIn(models.MessageReceived), b.String(models.MessageAnalyzed))
	res, err := e.query(ctx, region, db, b.Query(sql))
	if err != nil {
		return "", fmt.Errorf("metrics: the customer's language in region %s: %w", region, err)
	}
	if len(res.Rows) == 0 || len(res.Rows[0]) != 1 {
		return "", nil
	}
	return clickhouse.String(res.Rows[0][0]), nil
}
