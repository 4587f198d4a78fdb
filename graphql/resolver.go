package graphql

import (
	"context"
	"errors"
	"fmt"
	"github.com/meridian-cs/meridian/answers"
	"log/slog"
	"net/http"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/commerce"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/compliance/erasure"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/staffing"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/stream/live"
	"github.com/meridian-cs/meridian/translation"
)

// Resolver implements the schema. Resolvers stay thin: queries go to the metrics engine, and
// every personal field (message text, customer id) goes through the compliance gate.
type Resolver struct {
	engine  *metrics.Engine
	regions *clickhouse.Regions // region databases of the planning fields
	gate    *compliance.Gate
	log     *slog.Logger
	// planningEvents feeds the planning fields (planning_resolver.go); nil: not configured.
	planningEvents PlanningEventStore
	// insights answers the insight fields (insights_resolver.go); nil: not configured.
	insights *mining.Service
	// customers and replies answer the channel fields (channels_resolver.go); nil: not
	// configured.
	customers       Customers
	replies         Replies
	channelSettings ChannelSettings
	channelsOn      []string // the channels field's configured ones
	// analyzer answers analyzeText; translator translates (nil: none configured).
	analyzer   TextAnalyzer
	translator translation.Translator
	// agents describes and lists agents (workspace_resolver.go); nil: not configured.
	agents conversation.Agents
	// teams describes and lists teams (teams_resolver.go); nil: not configured.
	teams conversation.Teams
	// workspace applies the workspace's actions (work_resolver.go); nil: the engine is off.
	workspace *engine.Workspace
	// live feeds the subscriptions (live_resolver.go); nil: they answer that it is off.
	live *live.Hub
	// knowledge is the knowledge base (knowledge_resolver.go); nil: not configured.
	knowledge *knowledge.Base
	// answers answers customers' questions (answers_resolver.go); nil: not configured.
	answers *answers.Service
	// audit is the audit trail (audit_resolver.go); nil: not configured.
	audit *audit.Log
	// retention, residency and consents answer the compliance fields of
	// retention_resolver.go; nil: those fields answer that they are not configured.
	retention Retention
	residency Residency
	consents  ConsentStore
	// erasure erases, exports and holds customers (erasure_resolver.go); nil: not configured.
	erasure *erasure.Service
	// shop answers the order fields (orders_resolver.go); nil: they are null.
	shop commerce.Store
}

// Query returns the root query resolver.
func (r *Resolver) Query() generated.QueryResolver { return queryResolver{r} }

// Conversation returns the Conversation field resolver.
func (r *Resolver) Conversation() generated.ConversationResolver { return conversationResolver{r} }

// Message returns the Message field resolver.
func (r *Resolver) Message() generated.MessageResolver { return messageResolver{r} }

type (
	queryResolver        struct{ *Resolver }
	conversationResolver struct{ *Resolver }
	messageResolver      struct{ *Resolver }
)

// principal returns the caller, or an error for callers that may not read metrics.
func (r *Resolver) principal(ctx context.Context) (auth.Principal, error) {
	return r.principalFor(ctx, auth.ActionReadMetrics, "")
}

// principalFor returns the caller if it may do a in region ("" = none named), else the
// refusal as the caller sees it.
func (r *Resolver) principalFor(ctx context.Context, a auth.Action, region string) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return auth.Principal{}, statusErrorf(http.StatusUnauthorized, "unauthenticated: no API key in the request")
	}
	if err := p.Check(a, region); err != nil {
		return auth.Principal{}, r.fail(ctx, err)
	}
	if p.Tenant == "" {
		return auth.Principal{}, statusErrorf(http.StatusForbidden, "forbidden: the key has no tenant")
	}
	return p, nil
}

// fail is the one place a resolver's error becomes what the caller sees: errors the caller
// must fix (validation of every package, with their messages) and refusals as they are;
// anything else logged and reported as an internal error, so SQL and driver details never
// leave the process.
func (r *Resolver) fail(ctx context.Context, err error) error {
	var (
		ge  *gqlerror.Error
		mve *metrics.ValidationError
		ive *mining.ValidationError
	)
	switch {
	case errors.As(err, &ge):
		return err
	case errors.As(err, &mve):
		return statusErrorf(http.StatusBadRequest, "%s", mve.Msg)
	case errors.As(err, &ive):
		return statusErrorf(http.StatusBadRequest, "%s", ive.Msg)
	case errors.Is(err, forecasting.ErrInvalid), errors.Is(err, staffing.ErrInvalid), errors.Is(err, errPlanningInput):
		return statusErrorf(http.StatusBadRequest, "%s", err.Error())
	case errors.Is(err, auth.ErrForbidden):
		return statusErrorf(http.StatusForbidden, "%s", forbiddenMsg(err))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return statusErrorf(http.StatusGatewayTimeout, "request cancelled or timed out")
	}
	r.log.ErrorContext(ctx, "graphql: query failed", slog.Any("err", err))
	return statusErrorf(http.StatusInternalServerError, "internal error; the server log has the details")
}

// forbiddenMsg is a refusal's message: auth's own, or the wrapping one's.
func forbiddenMsg(err error) string {
	var f *auth.Forbidden
	if errors.As(err, &f) {
		return f.Error()
	}
	return err.Error()
}

// statusError is an error a caller sees, with the HTTP status a REST endpoint answers it
// with (POST /v1/metrics); GraphQL shows only its message, as it did before it had a status.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func statusErrorf(status int, format string, args ...any) *gqlerror.Error {
	return gqlerror.Wrap(&statusError{status: status, msg: fmt.Sprintf(format, args...)})
}

func filters(in []generated.FilterInput) []metrics.Filter {
	out := make([]metrics.Filter, len(in))
	for i, f := range in {
		out[i] = metrics.Filter{Dimension: f.Dimension, Values: f.Values}
		if f.Op != nil {
			out[i].Op = *f.Op
		}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Metrics answers the metrics query, for GraphQL and for POST /v1/metrics (metrics_http.go),
// which runs this same field with its body as the arguments.
func (q queryResolver) Metrics(ctx context.Context, measures, dimensions []string, fs []generated.FilterInput, from, to *time.Time, granularity *string, limit *int, orderBy []generated.OrderInput) (*metrics.Result, error) {
	p, err := q.principal(ctx)
	if err != nil {
		return nil, err
	}
	fl, where, _, err := q.mentionFilter(p, filters(fs))
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	query := metrics.Query{
		Measures: measures, Dimensions: dimensions, Filters: fl, From: from, To: to,
		Granularity: deref(granularity), Limit: deref(limit), Where: where,
	}
	for _, o := range orderBy {
		query.OrderBy = append(query.OrderBy, metrics.Order{Field: o.Field, Desc: deref(o.Desc)})
	}
	res, err := q.engine.Run(ctx, p, query)
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	keepResult(ctx, res)
	return res, nil
}

func (q queryResolver) Conversation(ctx context.Context, id string) (*metrics.Conversation, error) {
	p, err := q.principal(ctx)
	if err != nil {
		return nil, err
	}
	c, err := q.engine.Conversation(ctx, p, id)
	if err == nil && c == nil {
		c, err = q.grantedConversation(ctx, p, id) // handed to one of the key's regions
	}
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	return c, nil
}

func (q queryResolver) Conversations(ctx context.Context, fs []generated.FilterInput, from, to *time.Time, first *int, after *string) (*generated.ConversationConnection, error) {
	p, err := q.principal(ctx)
	if err != nil {
		return nil, err
	}
	fl, where, searched, err := q.mentionFilter(p, filters(fs))
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	page, err := q.engine.Conversations(ctx, p, metrics.ConversationQuery{
		Filters: fl, From: from, To: to, First: deref(first), After: deref(after), Where: where,
	})
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	if searched {
		// Listed for what their messages say: each is a read of its texts, audited.
		for _, e := range page.Edges {
			q.gate.Matched(ctx, p, e.Conversation.Region, e.Conversation.ID)
		}
	}
	out := &generated.ConversationConnection{
		Edges:      make([]generated.ConversationEdge, len(page.Edges)),
		PageInfo:   &generated.PageInfo{HasNextPage: page.HasNextPage},
		TotalCount: page.TotalCount,
	}
	for i := range page.Edges {
		out.Edges[i] = generated.ConversationEdge{Cursor: page.Edges[i].Cursor, Node: &page.Edges[i].Conversation}
	}
	if page.EndCursor != "" {
		out.PageInfo.EndCursor = &page.EndCursor
	}
	return out, nil
}

func (c conversationResolver) CustomerID(ctx context.Context, obj *metrics.Conversation) (string, error) {
	p, err := c.principal(ctx)
	if err != nil {
		return "", err
	}
	if p, _, err = c.reader(ctx, p, obj.Region, obj.ID); err != nil {
		return "", c.fail(ctx, err)
	}
	return c.gate.CustomerID(ctx, p, obj.Region, obj.CustomerID), nil
}

func (c conversationResolver) MessageCount(_ context.Context, obj *metrics.Conversation) (int, error) {
	return obj.Messages, nil
}

func (c conversationResolver) Messages(ctx context.Context, obj *metrics.Conversation, first *int) ([]metrics.Message, error) {
	p, err := c.principal(ctx)
	if err != nil {
		return nil, err
	}
	n := metrics.DefaultPageSize
	if first != nil {
		n = *first
	}
	if n == 0 {
		return []metrics.Message{}, nil
	}
	p, region, err := c.reader(ctx, p, obj.Region, obj.ID)
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	ms, err := c.engine.Messages(ctx, p, region, obj.ID, n)
	if err == nil && len(ms) == 0 {
		// Shown as a receiving region's work item (the inbox): its history is at home.
		if hp, home, ok, herr := c.handedHere(ctx, p, region, obj.ID); herr != nil {
			err = herr
		} else if ok {
			ms, err = c.engine.Messages(ctx, hp, home, obj.ID, n)
		}
	}
	if err != nil {
		return nil, c.fail(ctx, fmt.Errorf("messages of %s: %w", obj.ID, err))
	}
	return ms, nil
}

func (c conversationResolver) LastMessage(ctx context.Context, obj *metrics.Conversation) (*metrics.Message, error) {
	p, err := c.principal(ctx)
	if err != nil {
		return nil, err
	}
	_, region, err := c.reader(ctx, p, obj.Region, obj.ID)
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	m, err := c.loaders(ctx).lastMessages.Load(ctx, convKey{region, p.Tenant, obj.ID})
	if err != nil {
		return nil, c.fail(ctx, fmt.Errorf("last message of %s: %w", obj.ID, err))
	}
	return m, nil
}

func (m messageResolver) Text(ctx context.Context, obj *metrics.Message) (string, error) {
	p, err := m.principal(ctx)
	if err != nil {
		return "", err
	}
	if p, _, err = m.reader(ctx, p, obj.Region, obj.ConversationID); err != nil {
		return "", m.fail(ctx, err)
	}
	return m.gate.Text(ctx, p, obj.Region, obj.CustomerID, obj.Text), nil
}
