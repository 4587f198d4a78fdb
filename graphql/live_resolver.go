package graphql

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/stream/live"
)

// Buffers of a subscription: events from the hub not yet looked at, and answers not yet
// written to the socket. Either full means the client (or this subscription's reads of
// PostgreSQL) did not keep up: the subscription ends with an error instead of holding up
// the tail or the other subscribers.
const (
	liveHubBuffer = 256
	liveOutBuffer = 32
	// inboxSeed bounds how much of an inbox inboxChanged reads when it starts, to tell a
	// conversation leaving it from one that was never in it.
	inboxSeed = 500
)

// conversationChanges are the events after which a conversation reads differently in the
// workspace: its lifecycle, assignment, priority, SLA and notes.
var conversationChanges = map[string]bool{
	models.ConversationOpened: true, models.ConversationQueued: true, models.ConversationAssigned: true,
	models.ConversationTransferred: true, models.ConversationEscalated: true, models.ConversationHandedOff: true,
	models.ConversationResolved: true, models.ConversationReopened: true, models.SLABreached: true, models.NoteAdded: true,
}

// Subscription returns the root subscription resolver.
func (r *Resolver) Subscription() generated.SubscriptionResolver { return subscriptionResolver{r} }

type subscriptionResolver struct{ *Resolver }

// subscribe opens a hub subscription for a key that may read conversations, over the
// regions it may read them in.
func (s subscriptionResolver) subscribe(ctx context.Context, field string) (auth.Principal, *live.Subscription, error) {
	p, err := s.principal(ctx)
	if err != nil {
		return p, nil, err
	}
	if s.live == nil {
		return p, nil, statusErrorf(http.StatusServiceUnavailable, "%s: live events are not configured on this server", field)
	}
	var regions []string
	for _, r := range s.engine.Regions.Names() {
		if p.Can(auth.ActionReadMetrics, r) {
			regions = append(regions, r)
		}
	}
	if regions == nil {
		regions = []string{} // none: nothing is delivered
	}
	return p, s.live.Subscribe(p.Tenant, regions, liveHubBuffer), nil
}

// run feeds out from sub until the client leaves or sub ends: each event that each passes
// is sent without waiting. A subscriber that fell behind gets an error naming field.
func run[T any](ctx context.Context, field string, sub *live.Subscription, each func(models.Event) (T, bool)) <-chan T {
	out := make(chan T, liveOutBuffer)
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-sub.Events():
				if !ok {
					if sub.Err() != nil {
						tooSlow(ctx, field)
					}
					return
				}
				v, ok := each(e)
				if !ok {
					continue
				}
				select {
				case out <- v:
				default:
					tooSlow(ctx, field)
					return
				}
			}
		}
	}()
	return out
}

// tooSlow tells a WebSocket client why its subscription ends (gqlgen sends it as the
// subscription's error message instead of complete).
func tooSlow(ctx context.Context, field string) {
	defer func() { _ = recover() }() // transports other than the WebSocket carry no subscription errors
	transport.AddSubscriptionError(ctx, gqlerror.Errorf("%s: the subscriber fell behind and was dropped; subscribe again and read the inbox to catch up", field))
}

// liveConversation is the conversation an event is about, as the engine's state has it
// now, or as the event tells it when the engine has none (routing off).
func (s subscriptionResolver) liveConversation(ctx context.Context, e models.Event) (*metrics.Conversation, engine.Work, bool) {
	if s.workspace != nil {
		if w, ok, err := s.workspace.Store.Find(ctx, e.Region, e.Tenant, e.ConversationID); err == nil && ok {
			return workConversation(e.Region, w), w, true
		} else if err != nil {
			s.log.WarnContext(ctx, "graphql: live conversation state", "conversation", e.ConversationID, "err", err)
		}
	}
	return &metrics.Conversation{ID: e.ConversationID, Region: e.Region, Channel: e.Channel, Language: e.Language,
		CustomerID: e.CustomerID, Status: string(models.StatusOf(e.Type)), LastActivityAt: e.OccurredAt}, engine.Work{}, false
}

func (s subscriptionResolver) ConversationUpdated(ctx context.Context, conversationID *string) (<-chan *metrics.Conversation, error) {
	_, sub, err := s.subscribe(ctx, "conversationUpdated")
	if err != nil {
		return nil, err
	}
	return run(ctx, "conversationUpdated", sub, func(e models.Event) (*metrics.Conversation, bool) {
		if !conversationChanges[e.Type] || (conversationID != nil && e.ConversationID != *conversationID) {
			return nil, false
		}
		c, _, _ := s.liveConversation(ctx, e)
		return c, true
	}), nil
}

func (s subscriptionResolver) MessageAdded(ctx context.Context, conversationID *string) (<-chan *metrics.Message, error) {
	_, sub, err := s.subscribe(ctx, "messageAdded")
	if err != nil {
		return nil, err
	}
	return run(ctx, "messageAdded", sub, func(e models.Event) (*metrics.Message, bool) {
		if !e.IsMessage() || (conversationID != nil && e.ConversationID != *conversationID) {
			return nil, false
		}
		// The text was opened by the tail; Message.text masks it by role through the gate.
		return &metrics.Message{ID: e.ID, Region: e.Region, ConversationID: e.ConversationID, CustomerID: e.CustomerID, Type: e.Type,
			Direction: e.Direction, Channel: e.Channel, Language: e.Language, OccurredAt: e.OccurredAt, Text: e.Text}, true
	}), nil
}

// liveInbox is what inboxChanged matches conversations against: the inbox query's filters.
type liveInbox struct {
	f      engine.InboxFilter
	region string
	lead   time.Duration // for the SLA filter
}

// liveInboxFilter reads inboxChanged's filters as the inbox query does.
func liveInboxFilter(p auth.Principal, fs *generated.InboxFilters, lead time.Duration) (liveInbox, error) {
	f, region, err := inboxFilter("inboxChanged(filters", p, fs, lead)
	if len(f.Statuses) == 0 {
		f.Statuses = openStatuses
	}
	return liveInbox{f: f, region: region, lead: lead}, err
}

// openStatuses are the statuses an inbox shows when its filters name none.
var openStatuses = []string{string(models.StatusQueued), string(models.StatusBot), string(models.StatusAssigned),
	string(models.StatusPending), string(models.StatusSnoozed)}

// applyMine narrows f to the key's agent when the filters ask for mine: true.
func applyMine(field string, p auth.Principal, fs *generated.InboxFilters, f *engine.InboxFilter) error {
	if fs == nil || !deref(fs.Mine) {
		return nil
	}
	if p.Agent == "" {
		return statusErrorf(http.StatusBadRequest, "%s: this API key acts for no agent (bind it to one: KEY:ROLE:REGIONS:TENANT:AGENT)", field)
	}
	if f.AgentID != "" && f.AgentID != p.Agent {
		return statusErrorf(http.StatusBadRequest, "%s: asks for the key's agent %q, agentId for %q", field, p.Agent, f.AgentID)
	}
	f.AgentID = p.Agent
	return nil
}

// matches reports whether the conversation w of region belongs in the inbox (team: the
// team of its assignee, "" when unknown).
func (in liveInbox) matches(region string, w engine.Work, team string) bool {
	f := in.f
	switch {
	case in.region != "" && region != in.region,
		!slices.Contains(f.Statuses, string(w.Status)),
		len(f.SLA) > 0 && !slices.Contains(f.SLA, w.SLAState(time.Now(), in.lead)),
		f.AgentID != "" && w.Assignee != f.AgentID,
		f.Team != "" && (w.Assignee == "" || team != f.Team),
		f.Unassigned && w.Assignee != "",
		len(f.Channels) > 0 && !slices.Contains(f.Channels, w.Channel),
		len(f.Languages) > 0 && !slices.Contains(f.Languages, w.Language),
		len(f.Priorities) > 0 && !slices.Contains(f.Priorities, w.Priority):
		return false
	}
	return true
}

func (s subscriptionResolver) InboxChanged(ctx context.Context, fs *generated.InboxFilters) (<-chan *generated.InboxEvent, error) {
	p, err := s.principal(ctx)
	if err != nil {
		return nil, err
	}
	if s.workspace == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "inboxChanged: the conversation engine is off on this server (MERIDIAN_ROUTING)")
	}
	in, err := liveInboxFilter(p, fs, s.workspace.WarningLead())
	if err != nil {
		return nil, err
	}
	_, sub, err := s.subscribe(ctx, "inboxChanged")
	if err != nil {
		return nil, err
	}
	// What is in the inbox now, so that a conversation leaving it is told apart from one that
	// was never in it; subscribed first, so no change falls between the two.
	inside := map[convKey]bool{}
	if inbox, ok := s.workspace.Store.(engine.Inbox); ok {
		for _, r := range s.engine.Regions.Names() {
			if (in.region != "" && r != in.region) || !p.Can(auth.ActionReadMetrics, r) {
				continue
			}
			f := in.f
			f.Now = time.Now()
			ws, err := inbox.Inbox(ctx, r, p.Tenant, f, nil, inboxSeed)
			if err != nil {
				sub.Close()
				return nil, s.fail(ctx, err)
			}
			for _, w := range ws {
				inside[convKey{r, p.Tenant, w.ConversationID}] = true
			}
		}
	}
	return run(ctx, "inboxChanged", sub, func(e models.Event) (*generated.InboxEvent, bool) {
		if !conversationChanges[e.Type] || e.Type == models.NoteAdded {
			return nil, false
		}
		c, w, ok := s.liveConversation(ctx, e)
		if !ok {
			return nil, false // not (yet) the engine's: in no inbox
		}
		team := ""
		if in.f.Team != "" && w.Assignee != "" && s.agents != nil {
			if a, err := s.newLoaders().agents.Load(ctx, convKey{e.Region, e.Tenant, w.Assignee}); err == nil && a != nil {
				team = a.Team
			}
		}
		k := convKey{e.Region, e.Tenant, e.ConversationID}
		now, was := in.matches(e.Region, w, team), inside[k]
		var change generated.InboxChange
		switch {
		case now && !was:
			change, inside[k] = generated.InboxChangeEntered, true
		case now:
			change = generated.InboxChangeChanged
		case was:
			change = generated.InboxChangeLeft
			delete(inside, k)
		default:
			return nil, false
		}
		return &generated.InboxEvent{Change: change, Cause: e.Type, Conversation: c}, true
	}), nil
}

// Me returns the Me field resolver.
func (r *Resolver) Me() generated.MeResolver { return meResolver{r} }

type meResolver struct{ *Resolver }

// Agent is the agent the key acts for, looked up in the regions it may read.
func (r meResolver) Agent(ctx context.Context, _ *generated.Me) (*conversation.Agent, error) {
	p, ok := auth.FromContext(ctx)
	if !ok || p.Agent == "" || r.agents == nil {
		return nil, nil
	}
	for _, reg := range r.engine.Regions.Names() {
		if !p.CanAccess(reg) {
			continue
		}
		a, err := r.loaders(ctx).agents.Load(ctx, convKey{reg, p.Tenant, p.Agent})
		if err != nil {
			return nil, r.fail(ctx, err)
		}
		if a != nil {
			return a, nil
		}
	}
	return nil, nil
}
