package graphql

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
)

// work runs a workspace action on a conversation the key may act on, and answers the
// conversation as it now stands. A conversation in a region the key may not act in is not
// found, never forbidden: its existence does not leak.
func (r mutationResolver) work(ctx context.Context, field, conv string, act func(region, tenant, by string) (engine.Work, error)) (*metrics.Conversation, error) {
	p, err := r.principalFor(ctx, auth.ActionWork, "")
	if err != nil {
		return nil, err
	}
	if r.workspace == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "%s: the conversation engine is off on this server (MERIDIAN_ROUTING)", field)
	}
	var regions []string
	for _, reg := range r.engine.Regions.Names() {
		if p.Can(auth.ActionWork, reg) {
			regions = append(regions, reg)
		}
	}
	region, _, err := r.workspace.Find(ctx, p.Tenant, conv, regions)
	if err == nil {
		var w engine.Work
		by := p.Role
		if p.Agent != "" {
			by = p.Agent // the agent the key acts for
		}
		if w, err = act(region, p.Tenant, by); err == nil {
			return workConversation(region, w), nil
		}
	}
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return nil, statusErrorf(http.StatusNotFound, "%s.conversationId: no conversation %q waiting for or assigned to a person", field, conv)
	case errors.Is(err, engine.ErrSnoozeUntil):
		return nil, statusErrorf(http.StatusBadRequest, "%s.until: %s", field, err)
	case errors.Is(err, engine.ErrResolved), errors.Is(err, engine.ErrNotResolved), errors.Is(err, engine.ErrNotAssigned),
		errors.Is(err, engine.ErrNoOffer), errors.Is(err, engine.ErrOfferExpired), errors.Is(err, engine.ErrNotYourOffer):
		return nil, statusErrorf(http.StatusConflict, "%s.conversationId: %s", field, err)
	case errors.Is(err, engine.ErrUnknownAgent), errors.Is(err, engine.ErrLanguage):
		return nil, statusErrorf(http.StatusBadRequest, "%s.agentId: %s", field, err)
	}
	return nil, r.fail(ctx, err)
}

// workConversation is a conversation as the engine's state has it, before the history in
// ClickHouse catches up.
func workConversation(region string, w engine.Work) *metrics.Conversation {
	return &metrics.Conversation{ID: w.ConversationID, Region: region, Channel: w.Channel, Language: w.Language, Country: w.Country,
		CustomerID: w.CustomerID, Status: string(w.Status), LastActivityAt: time.Now().UTC()}
}

func (r mutationResolver) AssignConversation(ctx context.Context, conv, agentID string) (*metrics.Conversation, error) {
	return r.work(ctx, "assignConversation", conv, func(region, tenant, by string) (engine.Work, error) {
		return r.workspace.Assign(ctx, region, tenant, conv, agentID, by)
	})
}

func (r mutationResolver) ResolveConversation(ctx context.Context, conv string) (*metrics.Conversation, error) {
	return r.work(ctx, "resolveConversation", conv, func(region, tenant, by string) (engine.Work, error) {
		return r.workspace.Resolve(ctx, region, tenant, conv, by)
	})
}

func (r mutationResolver) ReopenConversation(ctx context.Context, conv string) (*metrics.Conversation, error) {
	return r.work(ctx, "reopenConversation", conv, func(region, tenant, by string) (engine.Work, error) {
		return r.workspace.Reopen(ctx, region, tenant, conv, by)
	})
}

func (r mutationResolver) EscalateConversation(ctx context.Context, conv, reason string) (*metrics.Conversation, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, statusErrorf(http.StatusBadRequest, "escalateConversation.reason: is empty")
	}
	return r.work(ctx, "escalateConversation", conv, func(region, tenant, by string) (engine.Work, error) {
		return r.workspace.Escalate(ctx, region, tenant, conv, reason, by)
	})
}

func (r mutationResolver) AddNote(ctx context.Context, conv, text string) (*metrics.Conversation, error) {
	if strings.TrimSpace(text) == "" {
		return nil, statusErrorf(http.StatusBadRequest, "addNote.text: is empty")
	}
	return r.work(ctx, "addNote", conv, func(region, tenant, by string) (engine.Work, error) {
		return r.workspace.Note(ctx, region, tenant, conv, text, by)
	})
}

func (r mutationResolver) SnoozeConversation(ctx context.Context, conv string, until time.Time) (*metrics.Conversation, error) {
	if now := time.Now(); !until.After(now) || until.Sub(now) > engine.MaxSnooze {
		return nil, statusErrorf(http.StatusBadRequest, "snoozeConversation.until: %s is not in the future and within 30 days", until.UTC().Format(time.RFC3339))
	}
	return r.work(ctx, "snoozeConversation", conv, func(region, tenant, by string) (engine.Work, error) {
		return r.workspace.Snooze(ctx, region, tenant, conv, until, by)
	})
}

func (r mutationResolver) MarkPending(ctx context.Context, conv string) (*metrics.Conversation, error) {
	return r.work(ctx, "markPending", conv, func(region, tenant, by string) (engine.Work, error) {
		return r.workspace.MarkPending(ctx, region, tenant, conv, by)
	})
}

// Status is the conversation's status in the GraphQL enum (QUEUED, ...).
func (conversationResolver) Status(_ context.Context, obj *metrics.Conversation) (generated.ConversationStatus, error) {
	s := generated.ConversationStatus(strings.ToUpper(obj.Status))
	if !s.IsValid() {
		return "", fmt.Errorf("conversation %s: status %q is not one of the model's", obj.ID, obj.Status)
	}
	return s, nil
}

// workOf reads the engine's state of a conversation the key reads.
func (c conversationResolver) workOf(ctx context.Context, obj *metrics.Conversation) (engine.Work, bool, error) {
	p, err := c.principal(ctx)
	if err != nil || c.workspace == nil {
		return engine.Work{}, false, err
	}
	w, err := c.loaders(ctx).work.Load(ctx, convKey{obj.Region, p.Tenant, obj.ID})
	if err != nil {
		return engine.Work{}, false, c.fail(ctx, err)
	}
	if w == nil {
		return engine.Work{}, false, nil
	}
	return *w, true, nil
}

func (c conversationResolver) Assignee(ctx context.Context, obj *metrics.Conversation) (*generated.Assignee, error) {
	w, ok, err := c.workOf(ctx, obj)
	if err != nil || !ok || w.Assignee == "" {
		return nil, err
	}
	if away, ok := engine.AwayIn(w); ok {
		p, _ := auth.FromContext(ctx)
		return c.assigneeAway(ctx, p.Tenant, away, obj.ID)
	}
	out := &generated.Assignee{ID: w.Assignee, Name: w.Assignee}
	if c.agents != nil {
		p, _ := auth.FromContext(ctx)
		if a, err := c.loaders(ctx).agents.Load(ctx, convKey{obj.Region, p.Tenant, w.Assignee}); err == nil && a != nil {
			out.Name = a.Name
		}
	}
	return out, nil
}

func (c conversationResolver) Priority(ctx context.Context, obj *metrics.Conversation) (*generated.Priority, error) {
	w, ok, err := c.workOf(ctx, obj)
	if err != nil || !ok {
		return nil, err
	}
	p := generated.Priority(w.Priority.String())
	return &p, nil
}

func (c conversationResolver) Queue(ctx context.Context, obj *metrics.Conversation) (*string, error) {
	w, ok, err := c.workOf(ctx, obj)
	if err != nil || !ok {
		return nil, err
	}
	return optional(w.Queue), nil
}

// inboxFilter reads the inbox's filters (for the inbox query and inboxChanged; field names
// them in errors) and the one region they may name.
func inboxFilter(field string, p auth.Principal, fs *generated.InboxFilters, warnLead time.Duration) (engine.InboxFilter, string, error) {
	var f engine.InboxFilter
	if fs == nil {
		return f, "", nil
	}
	f = engine.InboxFilter{AgentID: deref(fs.AgentID), Team: deref(fs.Team), Unassigned: deref(fs.Unassigned), Channels: fs.Channel, Tiers: fs.Tier}
	for _, l := range fs.Language {
		f.Languages = append(f.Languages, models.BaseLanguage(l))
	}
	for _, s := range fs.Status {
		f.Statuses = append(f.Statuses, strings.ToLower(string(s)))
	}
	for _, s := range fs.SLA {
		f.SLA = append(f.SLA, strings.ToLower(string(s)))
	}
	f.Now, f.WarnBefore = time.Now(), warnLead
	for _, pr := range fs.Priority {
		v, err := routing.ParsePriority(string(pr))
		if err != nil {
			return f, "", statusErrorf(http.StatusBadRequest, "%s.priority): %s", field, err)
		}
		f.Priorities = append(f.Priorities, v)
	}
	if err := applyMine(field+".mine)", p, fs, &f); err != nil {
		return f, "", err
	}
	if f.Offered = deref(fs.Offered); f.Offered && f.AgentID == "" {
		return f, "", statusErrorf(http.StatusBadRequest, "%s.offered): offered to whom? name the agent (agentId, or mine: true)", field)
	}
	return f, strings.ToLower(deref(fs.Region)), nil
}

func (q queryResolver) Inbox(ctx context.Context, fs *generated.InboxFilters, first *int, after *string) (*generated.InboxConnection, error) {
	p, err := q.principal(ctx)
	if err != nil {
		return nil, err
	}
	if q.workspace == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "inbox: the conversation engine is off on this server (MERIDIAN_ROUTING)")
	}
	inbox, ok := q.workspace.Store.(engine.Inbox)
	if !ok {
		return nil, statusErrorf(http.StatusServiceUnavailable, "inbox: this store keeps no inbox")
	}
	n := deref(first)
	if first == nil {
		n = 50
	}
	if n < 1 || n > metrics.MaxPageSize {
		return nil, statusErrorf(http.StatusBadRequest, "inbox(first): %d is not between 1 and %d", n, metrics.MaxPageSize)
	}
	f, only, err := inboxFilter("inbox(filters", p, fs, q.workspace.WarningLead())
	if err != nil {
		return nil, err
	}
	var cur *engine.InboxCursor
	if after != nil && *after != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*after)
		cur = &engine.InboxCursor{}
		if err != nil || json.Unmarshal(raw, cur) != nil {
			return nil, statusErrorf(http.StatusBadRequest, "inbox(after): not a cursor this query gave")
		}
	}
	type item struct {
		region string
		w      engine.Work
	}
	var all []item
	for _, r := range q.engine.Regions.Names() {
		if (only != "" && r != only) || !p.Can(auth.ActionReadMetrics, r) {
			continue
		}
		ws, err := inbox.Inbox(ctx, r, p.Tenant, f, cur, n+1)
		if err != nil {
			return nil, q.fail(ctx, err)
		}
		for _, w := range ws {
			all = append(all, item{r, w})
		}
	}
	// The regions' pages merged in the inbox's order: priority, wait, id, region.
	slices.SortFunc(all, func(a, b item) int {
		switch {
		case a.w.Priority != b.w.Priority:
			return int(b.w.Priority) - int(a.w.Priority)
		case !a.w.WaitingSince.Equal(b.w.WaitingSince):
			return a.w.WaitingSince.Compare(b.w.WaitingSince)
		case a.w.ConversationID != b.w.ConversationID:
			return strings.Compare(a.w.ConversationID, b.w.ConversationID)
		}
		return strings.Compare(a.region, b.region)
	})
	out := &generated.InboxConnection{PageInfo: &generated.PageInfo{HasNextPage: len(all) > n}, Edges: []generated.InboxEdge{}}
	if len(all) > n {
		all = all[:n]
	}
	for _, it := range all {
		raw, _ := json.Marshal(engine.InboxCursor{Priority: it.w.Priority, WaitingSince: it.w.WaitingSince, ID: it.w.ConversationID, Region: it.region})
		c := base64.RawURLEncoding.EncodeToString(raw)
		out.Edges = append(out.Edges, generated.InboxEdge{Cursor: c, Node: workConversation(it.region, it.w)})
		q.loaders(ctx).work.Prime(convKey{it.region, p.Tenant, it.w.ConversationID}, &it.w) // read already
		out.PageInfo.EndCursor = &c
	}
	return out, nil
}

func (c conversationResolver) SLA(ctx context.Context, obj *metrics.Conversation) (*generated.ConversationSLA, error) {
	w, ok, err := c.workOf(ctx, obj)
	if err != nil || !ok {
		return nil, err
	}
	first, next, resolution := w.Projected(time.Now())
	return &generated.ConversationSLA{FirstResponseDueAt: first, FirstResponseAt: w.FirstResponseAt, NextResponseDueAt: next,
		ResolutionDueAt: resolution, Paused: w.PausedAt != nil, Warned: append([]string{}, w.Warned...),
		Breached: append([]string{}, w.Breached...)}, nil
}

func (r mutationResolver) AcknowledgePage(ctx context.Context, conv string) (*metrics.Conversation, error) {
	return r.work(ctx, "acknowledgePage", conv, func(region, tenant, by string) (engine.Work, error) {
		if _, err := r.workspace.Acknowledge(ctx, region, tenant, conv, by); err != nil {
			if errors.Is(err, engine.ErrNoPage) {
				return engine.Work{}, statusErrorf(http.StatusConflict, "acknowledgePage.conversationId: %s", err)
			}
			return engine.Work{}, err
		}
		w, _, err := r.workspace.Store.Find(ctx, region, tenant, conv)
		return w, err
	})
}

func (c conversationResolver) Page(ctx context.Context, obj *metrics.Conversation) (*generated.ConversationPage, error) {
	p, err := c.principal(ctx)
	if err != nil || c.workspace == nil {
		return nil, err
	}
	pg, err := c.loaders(ctx).pages.Load(ctx, convKey{obj.Region, p.Tenant, obj.ID})
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	if pg == nil {
		return nil, nil
	}
	return &generated.ConversationPage{CreatedAt: pg.CreatedAt, AcknowledgedAt: pg.AcknowledgedAt, StepsPaged: pg.StepsPaged,
		Attempts: pg.Attempts, NextAt: pg.NextAt, LastError: optional(pg.LastError), RespondedAt: pg.RespondedAt}, nil
}

func (q queryResolver) Me(ctx context.Context) (*generated.Me, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, statusErrorf(http.StatusUnauthorized, "me: no API key")
	}
	out := &generated.Me{Tenant: p.Tenant, Role: p.Role, Regions: []string{}, Can: []string{}}
	for _, r := range q.engine.Regions.Names() {
		if p.CanAccess(r) {
			out.Regions = append(out.Regions, r)
		}
	}
	for _, a := range auth.Actions {
		if p.Can(a, "") {
			out.Can = append(out.Can, string(a))
		}
	}
	out.Fields = fieldAccess(q.gate, p, out.Regions)
	return out, nil
}

// fieldAccess is how p sees each field of the gate's policy in regions: per region, and the
// strictest across them (hidden without a region: the key reads none). The console offers
// only the drills the policy lets the key follow.
func fieldAccess(g *compliance.Gate, p auth.Principal, regions []string) []generated.FieldAccess {
	out := make([]generated.FieldAccess, 0, len(compliance.Fields))
	for _, f := range compliance.Fields {
		fa := generated.FieldAccess{Field: string(f), Outcome: compliance.OutcomeHidden, Regions: []generated.RegionAccess{}}
		if len(regions) > 0 {
			fa.Outcome = g.AccessAcross(p, regions, f).Outcome
		}
		for _, r := range regions {
			fa.Regions = append(fa.Regions, generated.RegionAccess{Region: r, Outcome: g.Access(p, r, f).Outcome})
		}
		out = append(out, fa)
	}
	return out
}
