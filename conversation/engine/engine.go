// Package engine is the conversation engine: each region's consumer group
// (meridian.conversations.<region>) reads the region's events and decides, for every
// inbound message Meridian has understood (message.analyzed), who answers it: the best
// available agent (conversation/routing), or the region's queue for its language. Every
// decision is itself an event (routing.decided, then conversation.assigned or
// conversation.queued) published through ingest, so analytics see it, and the current state
// (status, assignee, queue, priority) is written to PostgreSQL in the same transaction as the
// decision, keyed by its cause: replaying the topic after a crash decides nothing twice, and
// a decision whose events Kafka had not acknowledged is published again with the same ids.
// A conversation resolved (conversation.resolved, from the workspace or an integration)
// frees its agent, who is offered the next waiting conversation at once.
//
// Statuses are models.ConversationStatus: queued, assigned, pending (the agent waits on the
// customer), snoozed (put aside until a time), resolved; bot while the AI keeps it (assist.go). Pending and snoozed conversations stay their agent's but do not
// count against their capacity. The customer writing to one, or a snooze reaching its end
// (WatchSLA), gives it back: conversation.assigned to the same agent (reason customer_replied
// or snooze_ended) while the agent is still in the region, online or not, else routed again.
//
// Beside the stream it keeps SLA clocks (WatchSLA): first response, next response (each
// customer message after an agent's reply starts one, the next reply stops it) and
// resolution; pending and snoozed pause them (their due times move by the paused span when
// the pause ends), resolving stops them; sla.warning a lead before a target's due time
// (WarnBefore) and sla.breached when it passes, each once per target and clock. It pages the
// on-call rota for escalations and records when the first reply after a page came
// (WatchPages), and sweeps the queues for agents who can take a waiting conversation now
// (WatchQueues). A team may choose offer-and-accept (offer.go; WatchOffers passes on expired
// offers). With Sun (handoff.go) it hands conversations nobody on shift at home can take to
// the next region on shift that writes their language (WatchHandoffs), and tells customers
// when nobody anywhere is when a person is back. Escalations and hand-offs carry a summary
// built from the analysis (Summarize). With an Assistant (assist.go) the AI answers first: a
// new conversation, or one it keeps, is answered from the knowledge base when it can (status
// bot, the reply sent once), else handed to a person with the draft and the reasons.
// Messages older than MaxAge (history imported by a backfill) are not routed.
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/conversation/sla"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/stream"
)

// Group is the consumer group of a region's engine.
func Group(region string) string { return "meridian.conversations." + region }

// Work is where a conversation stands in the engine.
type Work struct {
	ConversationID, CustomerID, Country, Tier, Channel, Kind string
	// Status: queued, bot, assigned, pending, snoozed or resolved.
	Status                               models.ConversationStatus
	Assignee, PreviousAgent, Queue       string
	Priority                             routing.Priority
	Language, Intent, IssueType, Urgency string
	WaitingSince                         time.Time
	// SLA: when the first response and the resolution are due (nil: no target), when the
	// first response came, when the running next response is due (nil: none runs), and the
	// targets already warned about and breached (a next response's entries go when the next
	// clock starts: once per target and clock).
	FirstResponseDue, FirstResponseAt, ResolutionDue, NextResponseDue *time.Time
	Breached, Warned                                                  []string
	// PausedAt is when the conversation became pending or snoozed (nil: its clocks run);
	// SnoozeUntil when its snooze ends.
	PausedAt, SnoozeUntil *time.Time
	// What the analysis said of the customer's messages (never their text), for summaries:
	// the first and latest sentiment (-1..1), how many messages had one, and when the
	// customer last wrote.
	SentimentFirst, SentimentLast *float64
	Sentiments                    int
	LastCustomerAt                *time.Time
}

// Tx is one decision's transaction in a region (store/postgres.Engine).
type Tx interface {
	// Tenant is the tenant the decision is for.
	Tenant() string
	// Work returns the conversation's state, locked until the transaction ends.
	Work(ctx context.Context, conversationID string) (Work, bool, error)
	SaveWork(ctx context.Context, w Work) error
	// Agents are the region's agents; Loads counts each agent's assigned conversations.
	Agents(ctx context.Context) ([]conversation.Agent, error)
	Loads(ctx context.Context) (map[string]int, error)
	// Queued lists conversations waiting in the region, highest priority and longest wait
	// first, at most limit.
	Queued(ctx context.Context, limit int) ([]Work, error)
	// Assigned lists the conversations an agent has.
	Assigned(ctx context.Context, agentID string) ([]Work, error)
	// OpenPage starts paging for an escalation.
	OpenPage(ctx context.Context, p Page) error
	// RespondPages records at as the first reply after the conversation's pages opened
	// before it that have none yet.
	RespondPages(ctx context.Context, conversationID string, at time.Time) error
	OfferTx
}

// Overdue is a conversation whose SLA target has passed (or, with Warning, comes due within
// the warning lead) without being met or recorded; or, with Target "snooze", a snoozed
// conversation whose snooze ended at DueAt.
type Overdue struct {
	Tenant, ConversationID, Target string
	DueAt                          time.Time
	Warning                        bool
}

// Store keeps decisions and the state they change (store/postgres.Engine).
type Store interface {
	// Decide runs decide in one transaction of the region, recording its events under
	// decisionID. A decision already made is not made again: its stored events come back
	// with whether Kafka acknowledged them, and fresh is false.
	Decide(ctx context.Context, region, tenant, decisionID, conversationID string, decide func(Tx) ([]models.Event, error)) (events []models.Event, published, fresh bool, err error)
	MarkPublished(ctx context.Context, region, tenant, decisionID string) error
	// Find reads a conversation's state outside a decision; ok false when the engine has none.
	Find(ctx context.Context, region, tenant, conversationID string) (Work, bool, error)
	// Overdue lists a region's running SLA clocks past their target at now, or within
	// warnBefore of it, not yet recorded as breached or warned about.
	Overdue(ctx context.Context, region string, now time.Time, warnBefore time.Duration, limit int) ([]Overdue, error)
	// SnoozeEnded lists a region's snoozed conversations whose snooze ended at now.
	SnoozeEnded(ctx context.Context, region string, now time.Time, limit int) ([]Overdue, error)
	// TakePages leases the region's pages due at now until until; PageDone records what
	// their delivery did; Acknowledge stops a conversation's page.
	TakePages(ctx context.Context, region string, now, until time.Time, limit int) ([]Page, error)
	PageDone(ctx context.Context, region string, p Page) error
	Acknowledge(ctx context.Context, region, tenant, conversationID, by string, at time.Time) (Page, error)
	LatestPage(ctx context.Context, region, tenant, conversationID string) (Page, bool, error)
	// QueuedTenants lists the tenants with conversations waiting in the region.
	QueuedTenants(ctx context.Context, region string) ([]string, error)
	// Sweep runs sweep in one transaction of the region and records a decision (id
	// returned) only when it produced events: a sweep that changed nothing leaves no row.
	Sweep(ctx context.Context, region, tenant string, sweep func(Tx) ([]models.Event, error)) (decisionID string, events []models.Event, err error)
	// Decided reports whether a decision was recorded.
	Decided(ctx context.Context, region, tenant, decisionID string) (bool, error)
	// Roster reads the region's agents outside any decision.
	Roster(ctx context.Context, region, tenant string) ([]conversation.Agent, error)
	// BotIdle lists a region's conversations the AI keeps (status bot) whose customer last
	// wrote before before (Overdue.DueAt: when).
	BotIdle(ctx context.Context, region string, before time.Time, limit int) ([]Overdue, error)
	// Unpublished lists decisions made before before whose events Kafka has not acknowledged.
	Unpublished(ctx context.Context, region string, before time.Time, limit int) ([]Unpublished, error)
	OfferStore
}

// Unpublished is a decision whose events still wait for Kafka's acknowledgement.
type Unpublished struct {
	Tenant, ID string
	Events     []models.Event
}

// Publisher takes events produced inside Meridian (ingest.Service.Accept).
type Publisher interface {
	Accept(ctx context.Context, tenant string, events []models.Event) error
}

// Handler is the stream.Handler of one region's engine.
type Handler struct {
	Region  string
	Store   Store
	Publish Publisher
	Router  *routing.Router
	// SLA sets the conversations' targets; the zero Policy sets none.
	SLA sla.Policy
	// WarnBefore is how long before a target's due time sla.warning is recorded; 0 means
	// DefaultWarnBefore. A target shorter than it warns as soon as its clock starts.
	WarnBefore time.Duration
	// Pager pages the on-call person of escalated conversations; nil: nobody is paged.
	Pager *Pager
	// Sun hands conversations to the next region on shift (handoff.go); nil: none.
	Sun *FollowTheSun
	// Trigger is the event type that starts a routing decision: message.analyzed (the
	// default), or message.received when the analysis is off.
	Trigger string
	// MaxAge: messages that occurred longer ago are history, not routed; 0 means
	// DefaultMaxAge.
	MaxAge time.Duration
	Now    func() time.Time
	Log    *slog.Logger

	// History is what routing learned from ClickHouse (conversation/history.Learner); nil,
	// or no snapshot for a tenant yet, routes without it (learned.go).
	History History

	// Assistant answers with AI before a person is asked (assist.go); nil: every message
	// goes to a person. BotResolveAfter is how long a conversation the AI answered waits
	// for the customer before the AI resolves it (0: DefaultBotResolveAfter).
	Assistant       Assistant
	BotResolveAfter time.Duration
}

// Handle implements stream.Handler, one event after the other in the log's order.
func (h *Handler) Handle(ctx context.Context, msgs []kafka.Message) ([]stream.Rejected, error) {
	for _, m := range msgs {
		e, err := stream.DecodeEvent(m.Value)
		if err != nil || e.Region != h.Region {
			continue // the store sink dead-letters what does not decode
		}
		if h.Assistant != nil && e.Type == models.MessageReceived && e.Direction == models.Inbound {
			h.Assistant.Observe(e)
		}
		switch {
		case e.Type == h.trigger() && e.Direction == models.Inbound:
			if h.now().Sub(e.OccurredAt) > h.maxAge() {
				continue
			}
			var s *Suggestion
			if s, err = h.ask(ctx, e); err == nil {
				err = h.decide(ctx, e.Tenant, e.ID, e.ConversationID, func(tx Tx) ([]models.Event, error) { return h.route(ctx, tx, e, s) })
			}
		case e.Type == models.ConversationResolved && e.Attributes[originAttr] != originWorkspace:
			err = h.decide(ctx, e.Tenant, e.ID, e.ConversationID, func(tx Tx) ([]models.Event, error) { return h.resolvedAnywhere(ctx, tx, e) })
		case e.Type == models.ConversationResolved && h.queueRegion(e.Queue) != "" && h.queueRegion(e.Queue) != h.Region:
			// Resolved by the workspace in the region it was handed to: resolved at home too.
			err = h.decide(ctx, e.Tenant, e.ID, e.ConversationID, func(tx Tx) ([]models.Event, error) { return h.resolvedAnywhere(ctx, tx, e) })
		case e.Type == models.MessageSent:
			err = h.decide(ctx, e.Tenant, e.ID, e.ConversationID, func(tx Tx) ([]models.Event, error) { return nil, h.responded(ctx, tx, e) })
		}
		if err != nil {
			return nil, fmt.Errorf("engine %s: event %s: %w", h.Region, e.ID, err)
		}
	}
	return nil, nil
}

// decide makes a decision once and publishes its events until Kafka acknowledged them.
func (h *Handler) decide(ctx context.Context, tenant, id, conv string, fn func(Tx) ([]models.Event, error)) error {
	events, published, fresh, err := h.Store.Decide(ctx, h.Region, tenant, id, conv, fn)
	if err != nil || published || len(events) == 0 {
		return err
	}
	if err := h.Publish.Accept(ctx, tenant, events); err != nil {
		return fmt.Errorf("publish %d events: %w", len(events), err)
	}
	if fresh {
		decisions.WithLabelValues(h.Region, events[0].Reason).Inc()
	}
	return h.Store.MarkPublished(ctx, h.Region, tenant, id)
}

func (h *Handler) trigger() string {
	if h.Trigger == "" {
		return models.MessageAnalyzed
	}
	return h.Trigger
}

// DefaultMaxAge is Handler.MaxAge's default: older messages are history, not routed.
const DefaultMaxAge = time.Hour

func (h *Handler) maxAge() time.Duration {
	if h.MaxAge <= 0 {
		return DefaultMaxAge
	}
	return h.MaxAge
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// route decides who answers a conversation with a new inbound message: nobody new while an
// agent has it; the AI when it answered (s, from ask); else the best eligible agent with
// room, or its queue, with the AI's draft and reasons when it handed the message over.
func (h *Handler) route(ctx context.Context, tx Tx, e models.Event, s *Suggestion) ([]models.Event, error) {
	w, ok, err := tx.Work(ctx, e.ConversationID)
	if err != nil {
		return nil, err
	}
	at := h.now().UTC()
	ai := s != nil && (eligibleForAI(w, ok) || s.whileQueued && w.Status == models.StatusQueued)
	if ok && w.Status != models.StatusResolved {
		w.observe(e)
	}
	switch {
	case ok && w.Status == models.StatusAssigned:
		// Its agent answers; a message after their reply starts the next-response clock.
		h.customerWrote(&w, e.OccurredAt)
		return nil, tx.SaveWork(ctx, w)
	case ok && (w.Status == models.StatusPending || w.Status == models.StatusSnoozed):
		resume(&w, e.OccurredAt)
		h.customerWrote(&w, e.OccurredAt)
		return h.wake(ctx, tx, w, e.ID, reasonCustomerReplied, at)
	}
	// An offered conversation waits for its agent's answer (or the offer's expiry).
	offered, declined, err := h.offerState(ctx, tx, w)
	if err != nil || offered {
		return nil, err
	}
	if !ok || w.Status == models.StatusResolved {
		w = Work{ConversationID: e.ConversationID, CustomerID: e.CustomerID, Channel: e.Channel, Kind: routing.KindOfChannel(e.Channel),
			WaitingSince: e.OccurredAt, PreviousAgent: w.PreviousAgent}
		if e.Customer != nil {
			w.Country, w.Tier = e.Customer.Country, e.Customer.Tier
		}
		w.observe(e)
	}
	w.Language, w.Intent, w.Urgency = baseLanguage(e.Language), e.Intent, e.Attributes["urgency"]
	w.IssueType = e.Attributes["issue_type"]
	if ai && !s.Handover {
		if w.Status == models.StatusQueued {
			return h.answeredWhileQueued(ctx, tx, w, e, *s, at)
		}
		return h.automate(ctx, tx, w, e, *s, at)
	}
	if w.Status == models.StatusBot {
		// The AI hands over: the person's clocks start now, not at the AI's first answer.
		w.WaitingSince, w.FirstResponseAt = e.OccurredAt, nil
	}
	before := w.Priority
	w.Priority = max(w.Priority, h.priorityOf(tx, w))
	// A high or critical message escalates at once, the first time it raises the priority.
	escalate := (w.Urgency == "HIGH" || w.Urgency == "CRITICAL") && w.Priority > before
	h.clock(&w, at, w.Priority != before)
	agents, err := h.roster(ctx, tx)
	if err != nil {
		return nil, err
	}
	l := h.learn(tx, agents, at)
	c := l.conversation(w, &e)
	c.Exclude = declined
	d := l.router.Route(c, agents, at)
	w.Queue = d.Queue
	events := []models.Event{h.decision(e.ID, w, d, at)}
	if ai {
		events = append(events, h.handover(w, e, *s, at))
	}
	if d.AgentID == "" {
		w.Status = models.StatusQueued
		q := h.event(w, models.ConversationQueued, "queued:"+e.ID, at)
		q.Reason = d.Reason
		events = append(events, q)
	} else {
		given, err := h.give(ctx, tx, &w, agents, d.AgentID, "assign:"+e.ID, at)
		if err != nil {
			return nil, err
		}
		offeredBy(&events[0], given)
		events = append(events, given...)
	}
	if err := tx.SaveWork(ctx, w); err != nil {
		return nil, err
	}
	if escalate {
		x := h.escalation(w, "escalate:"+e.ID, at)
		x.Reason, x.AgentID = "urgency:"+w.Urgency, w.Assignee
		x.Attributes["urgency_reasons"], x.Attributes["by"] = e.Attributes["urgency_reasons"], "engine"
		if err := h.openPage(ctx, tx, w, &x, at); err != nil {
			return nil, err
		}
		events = append(events, x)
	}
	return events, nil
}

// openPage starts paging the on-call person for an escalation (with a Pager), and marks
// the escalation paged (attribute paged), which metrics' page_response_seconds counts from.
func (h *Handler) openPage(ctx context.Context, tx Tx, w Work, escalation *models.Event, at time.Time) error {
	if h.Pager == nil {
		return nil
	}
	escalation.Attributes["paged"] = "true"
	return tx.OpenPage(ctx, Page{ID: "page:" + escalation.ID, ConversationID: w.ConversationID, Urgency: w.Urgency,
		Reason: escalation.Reason, CreatedAt: at, NextAt: &at})
}

// resolved frees the agent of a resolved conversation and offers them the next one waiting.
func (h *Handler) resolved(ctx context.Context, tx Tx, e models.Event) ([]models.Event, error) {
	w, ok, err := tx.Work(ctx, e.ConversationID)
	if err != nil || !ok || w.Status == models.StatusResolved {
		return nil, err
	}
	agent := w.Assignee
	w.Status, w.PreviousAgent, w.Assignee = models.StatusResolved, agent, ""
	stop(&w)
	if err := tx.SaveWork(ctx, w); err != nil {
		return nil, err
	}
	return h.free(ctx, tx, agent, e.ID, h.now().UTC())
}

// free offers an agent who has room again the first waiting conversation they may take, and
// assigns it to them; no events when nobody waits for them.
func (h *Handler) free(ctx context.Context, tx Tx, agent, cause string, at time.Time) ([]models.Event, error) {
	if agent == "" {
		return nil, nil
	}
	agents, err := h.roster(ctx, tx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(agents, func(a *routing.Agent) bool { return a.ID == agent })
	if i < 0 {
		return nil, nil
	}
	waiting, err := tx.Queued(ctx, 1000)
	if err != nil {
		return nil, err
	}
	declined, err := tx.Declined(ctx)
	if err != nil {
		return nil, err
	}
	l := h.learn(tx, agents, at)
	q := routing.NewQueue()
	for _, x := range waiting {
		c := l.conversation(x, nil)
		c.Exclude = declined[x.ConversationID]
		q.Push(c)
	}
	c, d, ok := l.router.Next(q, agents[i], at)
	if !ok {
		return nil, nil
	}
	next, _, err := tx.Work(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	given, err := h.give(ctx, tx, &next, agents, agent, "assign:"+cause+":"+next.ConversationID, at)
	if err != nil {
		return nil, err
	}
	if err := tx.SaveWork(ctx, next); err != nil {
		return nil, err
	}
	d.Reason = "freed capacity"
	return append([]models.Event{h.decision(cause, next, d, at)}, given...), nil
}

// WatchQueues offers, every interval until ctx ends, the region's waiting conversations to
// the agents who can take them now: an agent whose shift just started, skills relaxed for
// conversations that waited long enough. Freeing capacity and coming online offer at once;
// this catches what time alone changes.
func (h *Handler) WatchQueues(ctx context.Context, every time.Duration) {
	tick(ctx, every, h.sweepQueues)
}

// tick calls round every interval until ctx ends, the first time one interval from now.
func tick(ctx context.Context, every time.Duration, round func(ctx context.Context)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		round(ctx)
	}
}

// sweepQueues is one round of WatchQueues.
func (h *Handler) sweepQueues(ctx context.Context) {
	h.republish(ctx)
	tenants, err := h.Store.QueuedTenants(ctx, h.Region)
	if err != nil {
		h.log().WarnContext(ctx, "queue sweep", "region", h.Region, "err", err)
		return
	}
	for _, tenant := range tenants {
		if err := h.sweep(ctx, tenant); err != nil {
			h.log().WarnContext(ctx, "queue sweep", "region", h.Region, "tenant", tenant, "err", err)
		}
	}
}

// republish publishes again the decisions whose publication failed (Kafka down when a
// workspace action or a sweep was committed): the same events, which the claims count once.
func (h *Handler) republish(ctx context.Context) {
	stale, err := h.Store.Unpublished(ctx, h.Region, h.now().Add(-republishAfter), 100)
	if err != nil {
		h.log().WarnContext(ctx, "republish", "region", h.Region, "err", err)
		return
	}
	for _, u := range stale {
		if err := h.Publish.Accept(ctx, u.Tenant, u.Events); err != nil {
			h.log().WarnContext(ctx, "republish", "region", h.Region, "decision", u.ID, "err", err)
			return
		}
		if err := h.Store.MarkPublished(ctx, h.Region, u.Tenant, u.ID); err != nil {
			h.log().WarnContext(ctx, "republish", "region", h.Region, "decision", u.ID, "err", err)
		}
	}
}

// republishAfter is how old an unpublished decision must be before the sweep publishes it:
// the decider itself normally does it within milliseconds.
const republishAfter = 30 * time.Second

// sweep routes a tenant's waiting conversations again, in queue order.
func (h *Handler) sweep(ctx context.Context, tenant string) error {
	id, events, err := h.Store.Sweep(ctx, h.Region, tenant, func(tx Tx) ([]models.Event, error) {
		waiting, err := tx.Queued(ctx, 1000)
		if err != nil || len(waiting) == 0 {
			return nil, err
		}
		agents, err := h.roster(ctx, tx)
		if err != nil {
			return nil, err
		}
		declined, err := tx.Declined(ctx)
		if err != nil {
			return nil, err
		}
		at := h.now().UTC()
		cause := "sweep:" + randomID()
		l := h.learn(tx, agents, at)
		var events []models.Event
		for _, w := range waiting {
			c := l.conversation(w, nil)
			c.Exclude = declined[w.ConversationID]
			d := l.router.Route(c, agents, at)
			if d.AgentID == "" {
				continue
			}
			given, err := h.give(ctx, tx, &w, agents, d.AgentID, "assign:"+cause+":"+w.ConversationID, at)
			if err != nil {
				return nil, err
			}
			if err := tx.SaveWork(ctx, w); err != nil {
				return nil, err
			}
			for _, a := range agents {
				if a.ID == d.AgentID {
					a.Load[routing.KindMessaging]++
				}
			}
			d.Reason = "agent available"
			events = append(append(events, h.decision(cause+":"+w.ConversationID, w, d, at)), given...)
		}
		return events, nil
	})
	if err != nil || len(events) == 0 {
		return err
	}
	if err := h.Publish.Accept(ctx, tenant, events); err != nil {
		return fmt.Errorf("publish %d events: %w", len(events), err)
	}
	decisions.WithLabelValues(h.Region, "agent available").Add(float64(countType(events, models.RoutingDecided)))
	return h.Store.MarkPublished(ctx, h.Region, tenant, id)
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// roster is the region's agents as the router sees them, with their current loads.
func (h *Handler) roster(ctx context.Context, tx Tx) ([]*routing.Agent, error) {
	as, err := tx.Agents(ctx)
	if err != nil {
		return nil, err
	}
	loads, err := tx.Loads(ctx)
	if err != nil {
		return nil, err
	}
	out := routingAgents(as, loads)
	h.withHistory(tx, out)
	return out, nil
}

// routingAgents are agents as the router sees them, with their loads (nil: none known).
func routingAgents(as []conversation.Agent, loads map[string]int) []*routing.Agent {
	out := make([]*routing.Agent, len(as))
	for i, a := range as {
		shifts := make([]routing.Shift, len(a.Shifts))
		for j, s := range a.Shifts {
			shifts[j] = routing.Shift(s)
		}
		capacity := map[string]int{routing.KindMessaging: a.MaxConcurrent}
		for k, n := range a.Capacity {
			capacity[k] = n
		}
		out[i] = &routing.Agent{ID: a.ID, Name: a.Name, Region: a.Region, Team: a.Team, Languages: a.Languages,
			Skills: a.Skills, Tiers: a.Tiers, Capacity: capacity, Timezone: a.Timezone, Shifts: shifts,
			Online: a.Presence == conversation.Online, Load: map[string]int{routing.KindMessaging: loads[a.ID]}}
	}
	return out
}

func (h *Handler) conversation(w Work) routing.Conversation {
	return routing.Conversation{ID: w.ConversationID, Region: h.Region, Language: w.Language, Channel: w.Channel,
		Kind: w.Kind, Tier: w.Tier, Intent: w.Intent, IssueType: w.IssueType, Priority: w.Priority,
		WaitingSince: w.WaitingSince, PreviousAgent: w.PreviousAgent}
}

// event is an event of the engine about w.
func (h *Handler) event(w Work, typ, id string, at time.Time) models.Event {
	return models.Event{ID: id, Type: typ, OccurredAt: at, Channel: w.Channel, ConversationID: w.ConversationID,
		Customer: &models.Customer{Country: w.Country, Tier: w.Tier}, CustomerID: w.CustomerID, Queue: w.Queue, Intent: w.Intent}
}

// escalation is a conversation.escalated event that hands over what the person taking it
// needs to see at once: the summary and suggested next step (Summarize), the intent and the
// latest sentiment, with its trend and the priority in the attributes.
func (h *Handler) escalation(w Work, id string, at time.Time) models.Event {
	e := h.event(w, models.ConversationEscalated, id, at)
	summary, next := Summarize(w, at)
	e.Summary, e.Sentiment = summary+" Next step: "+next, w.SentimentLast
	e.Attributes = map[string]string{"priority": w.Priority.String()}
	if t := w.SentimentTrend(); t != "" {
		e.Attributes["sentiment_trend"] = t
	}
	return e
}

func (h *Handler) assigned(w Work, id string, at time.Time) models.Event {
	e := h.event(w, models.ConversationAssigned, id, at)
	e.AgentID = w.Assignee
	return e
}

// decision is the routing.decided event of a decision caused by cause (an event id, or an
// action's): the queue, the agent, and the top candidates.
func (h *Handler) decision(cause string, w Work, d routing.Decision, at time.Time) models.Event {
	e := h.event(w, models.RoutingDecided, "route:"+cause, at)
	e.AgentID, e.Reason = d.AgentID, d.Reason
	cands := make([]string, 0, len(d.Candidates))
	for _, c := range d.Candidates {
		cands = append(cands, c.AgentID+":"+strconv.FormatFloat(c.Score, 'f', 2, 64))
	}
	e.Attributes = map[string]string{"priority": w.Priority.String(), "relaxed": strconv.FormatBool(d.Relaxed),
		"candidates": strings.Join(cands, ",")}
	explain(e.Attributes, d)
	if msg, ok := strings.CutPrefix(cause, "analysis:"); ok {
		e.Attributes["message_id"] = msg
	}
	return e
}

func baseLanguage(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if base == "und" {
		return ""
	}
	return base
}

// InboxFilter narrows the inbox; empty fields do not filter.
type InboxFilter struct {
	AgentID, Team string
	Unassigned    bool
	Statuses      []string // models.ConversationStatus values; default all but resolved
	Channels      []string
	Languages     []string // base languages
	Priorities    []routing.Priority
	Tiers         []string // customer tiers; "" is a customer without one
	// SLA keeps conversations in any of these states at Now (SLAOK, SLAWarning,
	// SLABreached): breached when a target was missed or a running clock is past due,
	// warning when a running clock comes due within WarnBefore, ok otherwise.
	SLA        []string
	Now        time.Time
	WarnBefore time.Duration
	// Offered: AgentID is the agent the conversations are offered to (an open offer waiting
	// for their answer), not their assignee.
	Offered bool
}

// InboxCursor is where a page of the inbox ends: its order is priority (highest first),
// waiting since (oldest first), conversation id.
type InboxCursor struct {
	Priority     routing.Priority `json:"p"`
	WaitingSince time.Time        `json:"w"`
	ID           string           `json:"id"`
	Region       string           `json:"r"`
}

// Inbox reads a region's conversations in the inbox's order (Store).
type Inbox interface {
	Inbox(ctx context.Context, region, tenant string, f InboxFilter, after *InboxCursor, limit int) ([]Work, error)
}
