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
// workspace: its lifecycle, assignment (and offers), priority, SLA and notes.
var conversationChanges = map[string]bool{
	models.ConversationOpened: true, models.ConversationQueued: true, models.ConversationAssigned: true,
	models.ConversationTransferred: true, models.ConversationEscalated: true, models.ConversationHandedOff: true,
	models.ConversationResolved: true, models.ConversationReopened: true, models.SLABreached: true, models.NoteAdded: true,
	models.ConversationOffered: true,
}

// Subscription returns the root subscription resolver.
func (r *Resolver) Subscription() generated.SubscriptionResolver { return subscriptionResolver{r} }

type subscriptionResolver struct{ *Resolver }

// subscribe opens a hub subscription for a key that may read conversations, over the
// regions it may read them in; with follow-the-sun, a key of some regions only also hears
// the other regions, for the conversations handed to its own (the grants; see admit).
func (s subscriptionResolver) subscribe(ctx context.Context, field string) (auth.Principal, *live.Subscription, *grantScope, error) {
	p, err := s.principal(ctx)
	if err != nil {
		return p, nil, nil, err
	}
	if s.live == nil {
		return p, nil, nil, statusErrorf(http.StatusServiceUnavailable, "%s: live events are not configured on this server", field)
	}
	var regions []string
	all := s.engine.Regions.Names()
	for _, r := range all {
		if p.Can(auth.ActionReadMetrics, r) {
			regions = append(regions, r)
		}
	}
	if regions == nil {
		regions = []string{} // none: nothing is delivered
	}
	var scope *grantScope
	if s.workspace != nil && s.workspace.Sun != nil && len(regions) > 0 && len(regions) < len(all) {
		into, err := s.workspace.GrantsInto(ctx, p.Tenant, regions)
		if err != nil {
			return p, nil, nil, s.fail(ctx, err)
		}
		scope, regions = &grantScope{p: p, regions: regions, into: into}, all
	}
	return p, s.live.Subscribe(p.Tenant, regions, liveHubBuffer), scope, nil
}

// grantScope follows, for one subscription, which conversations of other regions were handed
// to the key's regions: loaded when it starts, then kept by the hand-offs and resolutions it
// hears (one goroutine reads it).
type grantScope struct {
	p       auth.Principal
	regions []string          // the key's
	into    map[string]string // conversation → the key's region that has it
}

// admit reports whether the subscription may see e, and the region whose work item the
// conversation is for the key: e's own region, or for a conversation handed to one of the
// key's regions that one (the hand-off that takes it away is seen too, then no more).
func (g *grantScope) admit(p auth.Principal, e models.Event) (string, bool) {
	if p.Can(auth.ActionReadMetrics, e.Region) {
		return e.Region, true
	}
	if g == nil {
		return "", false
	}
	r, ok := g.into[e.ConversationID]
	switch {
	case e.Type == models.ConversationHandedOff && slices.Contains(g.regions, e.ToRegion):
		g.into[e.ConversationID] = e.ToRegion
		return e.ToRegion, true
	case ok && (e.Type == models.ConversationHandedOff || e.Type == models.ConversationResolved):
		delete(g.into, e.ConversationID)
	}
	return r, ok
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
// now in region (the work item of a conversation handed there; its home row when that has
// gone), or as the event tells it when the engine has none (routing off).
func (s subscriptionResolver) liveConversation(ctx context.Context, e models.Event, region string) (*metrics.Conversation, engine.Work, bool) {
	if s.workspace != nil {
		for _, r := range slices.Compact([]string{region, e.Region}) {
			if w, ok, err := s.workspace.Store.Find(ctx, r, e.Tenant, e.ConversationID); err == nil && ok {
				return workConversation(r, w), w, true
			} else if err != nil {
				s.log.WarnContext(ctx, "graphql: live conversation state", "conversation", e.ConversationID, "err", err)
				break
			}
		}
	}
	return &metrics.Conversation{ID: e.ConversationID, Region: e.Region, Channel: e.Channel, Language: e.Language,
		CustomerID: e.CustomerID, Status: string(models.StatusOf(e.Type)), LastActivityAt: e.OccurredAt}, engine.Work{}, false
}

func (s subscriptionResolver) ConversationUpdated(ctx context.Context, conversationID *string) (<-chan *metrics.Conversation, error) {
	p, sub, scope, err := s.subscribe(ctx, "conversationUpdated")
	if err != nil {
		return nil, err
	}
	return run(ctx, "conversationUpdated", sub, func(e models.Event) (*metrics.Conversation, bool) {
		region, ok := scope.admit(p, e)
		if !ok || !conversationChanges[e.Type] || (conversationID != nil && e.ConversationID != *conversationID) {
			return nil, false
		}
		c, _, _ := s.liveConversation(ctx, e, region)
		return c, true
	}), nil
}

func (s subscriptionResolver) MessageAdded(ctx context.Context, conversationID *string) (<-chan *metrics.Message, error) {
	p, sub, scope, err := s.subscribe(ctx, "messageAdded")
	if err != nil {
		return nil, err
	}
	return run(ctx, "messageAdded", sub, func(e models.Event) (*metrics.Message, bool) {
		if _, ok := scope.admit(p, e); !ok || !e.IsMessage() || (conversationID != nil && e.ConversationID != *conversationID) {
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
// team of its assignee, "" when unknown; offeredTo: the agent of its open offer, read only
// for the offered filter).
func (in liveInbox) matches(region string, w engine.Work, team, offeredTo string) bool {
	f := in.f
	switch {
	case in.region != "" && region != in.region,
		!slices.Contains(f.Statuses, string(w.Status)),
		len(f.SLA) > 0 && !slices.Contains(f.SLA, w.SLAState(time.Now(), in.lead)),
		f.AgentID != "" && !f.Offered && w.Assignee != f.AgentID,
		f.Offered && offeredTo != f.AgentID,
		f.Team != "" && (w.Assignee == "" || team != f.Team),
		f.Unassigned && w.Assignee != "",
		len(f.Channels) > 0 && !slices.Contains(f.Channels, w.Channel),
		len(f.Languages) > 0 && !slices.Contains(f.Languages, w.Language),
		len(f.Tiers) > 0 && !slices.Contains(f.Tiers, w.Tier),
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
	_, sub, scope, err := s.subscribe(ctx, "inboxChanged")
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
		region, ok := scope.admit(p, e)
		if !ok || !conversationChanges[e.Type] || e.Type == models.NoteAdded {
			return nil, false
		}
		c, w, ok := s.liveConversation(ctx, e, region)
		if !ok {
			return nil, false // not (yet) the engine's: in no inbox
		}
		team := ""
		if in.f.Team != "" && w.Assignee != "" && s.agents != nil {
			if a, err := s.newLoaders().agents.Load(ctx, convKey{region, e.Tenant, w.Assignee}); err == nil && a != nil {
				team = a.Team
			}
		}
		offeredTo := ""
		if in.f.Offered {
			o, _, err := s.workspace.Store.FindOffer(ctx, region, e.Tenant, e.ConversationID)
			if err != nil {
				s.log.WarnContext(ctx, "graphql: live offer state", "conversation", e.ConversationID, "err", err)
			}
			offeredTo = o.AgentID
		}
		k := convKey{region, e.Tenant, e.ConversationID}
		now, was := in.matches(region, w, team, offeredTo), inside[k]
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
