package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/models"
)

// Offer-and-accept: a team may choose (conversation.Team.Assignment) to have its agents
// offered the conversations the router picks them for instead of assigned at once. The
// engine then publishes conversation.offered (the agent, attributes expires_at) beside a
// conversation.queued, and the conversation keeps waiting in its queue, for nobody else,
// counted in the agent's load. The agent accepts (Workspace.Accept: assigned) or declines
// (Workspace.Decline); an offer nobody answered before it expired is passed on by
// WatchOffers. Passed on, it goes to the next candidate without the agents who declined or
// let it expire, or waits in its queue when there is none (where the sweep and freed
// capacity offer it again to whoever can take it).

// Offer is a conversation's offer state.
type Offer struct {
	ConversationID string
	// ID is the open offer's conversation.offered event id; AgentID its agent (both empty
	// while nobody is offered the conversation).
	ID, AgentID string
	ExpiresAt   time.Time
	// Declined are the agents who declined it or let it expire while it waited.
	Declined []string
}

// ExpiredOffer is an open offer past its expiry.
type ExpiredOffer struct {
	Tenant string
	Offer
}

// OfferTx is what offer-and-accept needs of a decision's transaction.
type OfferTx interface {
	// Team is a team of the region; ok false when nobody described it (it assigns directly).
	Team(ctx context.Context, teamID string) (conversation.Team, bool, error)
	// Offer returns the conversation's offer state, locked until the transaction ends; ok
	// false when it has none.
	Offer(ctx context.Context, conversationID string) (Offer, bool, error)
	SaveOffer(ctx context.Context, o Offer) error
	// OffersTo lists the open offers to an agent, locked until the transaction ends.
	OffersTo(ctx context.Context, agentID string) ([]Offer, error)
	// Declined maps the waiting conversations that agents declined (or let expire) to those
	// agents, so that the sweep and freed capacity do not offer them again.
	Declined(ctx context.Context) (map[string][]string, error)
}

// OfferStore is what offer-and-accept needs of the Store outside decisions.
type OfferStore interface {
	// ExpiredOffers lists a region's open offers that expired before now, oldest first.
	ExpiredOffers(ctx context.Context, region string, now time.Time, limit int) ([]ExpiredOffer, error)
	// FindOffer reads a conversation's offer state; ok false when it has none.
	FindOffer(ctx context.Context, region, tenant, conversationID string) (Offer, bool, error)
}

// Errors of accepting and declining.
var (
	// ErrNoOffer: the conversation is offered to nobody now (accepted, passed on, or never).
	ErrNoOffer = errors.New("the conversation is offered to nobody")
	// ErrOfferExpired: the offer's time ran out; it is being passed to the next agent.
	ErrOfferExpired = errors.New("the offer expired")
	// ErrNotYourOffer: the conversation is offered to another agent.
	ErrNotYourOffer = errors.New("the conversation is offered to another agent")
)

// give hands w to the agent the router chose: assigned at once (id is the
// conversation.assigned event's), or, when the agent's team works by offer, offered. It sets
// w's status and assignee; the caller saves w.
func (h *Handler) give(ctx context.Context, tx Tx, w *Work, agents []*routing.Agent, agentID, id string, at time.Time) ([]models.Event, error) {
	team := ""
	if i := slices.IndexFunc(agents, func(a *routing.Agent) bool { return a.ID == agentID }); i >= 0 {
		team = agents[i].Team
	}
	if team != "" {
		t, ok, err := tx.Team(ctx, team)
		if err != nil {
			return nil, err
		}
		if ok && t.Assignment == conversation.Offer {
			return h.offer(ctx, tx, w, agentID, t.OfferTimeout, offerID(strings.TrimPrefix(id, "assign:")), at)
		}
	}
	w.Status, w.Assignee = models.StatusAssigned, agentID
	return []models.Event{h.assigned(*w, id, at)}, nil
}

// offerID is the id of an offer caused by cause. An offer passed on is caused by the one
// before it, so ids would grow with every pass; past a length they are a digest of the cause
// instead, as deterministic (a replay finds the same id) and within the events' 200 bytes.
func offerID(cause string) string {
	id := "offer:" + cause
	if len(id) <= 96 {
		return id
	}
	sum := sha256.Sum256([]byte(cause))
	return "offer:" + hex.EncodeToString(sum[:16])
}

// offer offers w to an agent until timeout: it waits in its queue meanwhile (a
// conversation.queued says so to the history), for that agent only.
func (h *Handler) offer(ctx context.Context, tx Tx, w *Work, agentID string, timeout time.Duration, id string, at time.Time) ([]models.Event, error) {
	o, _, err := tx.Offer(ctx, w.ConversationID)
	if err != nil {
		return nil, err
	}
	o.ConversationID, o.ID, o.AgentID, o.ExpiresAt = w.ConversationID, id, agentID, at.Add(timeout)
	if err := tx.SaveOffer(ctx, o); err != nil {
		return nil, err
	}
	w.Status, w.Assignee = models.StatusQueued, ""
	q := h.event(*w, models.ConversationQueued, "queued:"+id, at)
	q.Reason = "offered to " + agentID
	e := h.event(*w, models.ConversationOffered, id, at)
	e.AgentID = agentID
	e.Attributes = map[string]string{"expires_at": o.ExpiresAt.UTC().Format(time.RFC3339Nano)}
	offers.WithLabelValues(h.Region, "offered").Inc()
	return []models.Event{q, e}, nil
}

// offeredBy gives a routing.decided whose agent was offered the conversation rather than
// assigned it the reason "offered", so that the history and the decision metric tell them
// apart.
func offeredBy(decided *models.Event, given []models.Event) {
	if countType(given, models.ConversationOffered) > 0 {
		decided.Reason = "offered"
	}
}

// offerState is w's offer: whether it waits for an agent's answer now, and the agents who
// declined it (the router passes them over).
func (h *Handler) offerState(ctx context.Context, tx Tx, w Work) (open bool, declined []string, err error) {
	if w.Status != models.StatusQueued {
		return false, nil, nil
	}
	o, ok, err := tx.Offer(ctx, w.ConversationID)
	if err != nil || !ok {
		return false, nil, err
	}
	return o.AgentID != "", o.Declined, nil
}

// pass takes an offer from its agent (declined, expired, or the agent went away) and offers
// w to the next candidate without the agents who had it, or leaves it waiting in its queue.
func (h *Handler) pass(ctx context.Context, tx Tx, w Work, o Offer, cause, why string, at time.Time) ([]models.Event, error) {
	if !slices.Contains(o.Declined, o.AgentID) {
		o.Declined = append(o.Declined, o.AgentID)
	}
	o.ID, o.AgentID = "", ""
	if err := tx.SaveOffer(ctx, o); err != nil {
		return nil, err
	}
	agents, err := h.roster(ctx, tx)
	if err != nil {
		return nil, err
	}
	l := h.learn(tx, agents, at)
	c := l.conversation(w, nil)
	c.Exclude = o.Declined
	d := l.router.Route(c, agents, at)
	w.Queue = d.Queue
	decided := h.decision(cause, w, d, at)
	decided.Attributes["offer"] = why
	events := []models.Event{decided}
	if d.AgentID == "" {
		q := h.event(w, models.ConversationQueued, "queued:"+cause, at)
		q.Reason = d.Reason
		events = append(events, q)
	} else {
		given, err := h.give(ctx, tx, &w, agents, d.AgentID, "assign:"+cause, at)
		if err != nil {
			return nil, err
		}
		offeredBy(&events[0], given)
		events = append(events, given...)
	}
	return events, tx.SaveWork(ctx, w)
}

// WatchOffers passes on, every interval until ctx ends, the region's offers that expired
// unanswered: each once (the decision is keyed by the offer), whichever process sees it.
func (h *Handler) WatchOffers(ctx context.Context, every time.Duration) {
	tick(ctx, every, h.checkOffers)
}

// checkOffers is one round of WatchOffers.
func (h *Handler) checkOffers(ctx context.Context) {
	expired, err := h.Store.ExpiredOffers(ctx, h.Region, h.now(), 500)
	if err != nil {
		h.log().WarnContext(ctx, "offer watch", "region", h.Region, "err", err)
		return
	}
	for _, x := range expired {
		id := "expired:" + x.ID
		err := h.decide(ctx, x.Tenant, id, x.ConversationID, func(tx Tx) ([]models.Event, error) { return h.expire(ctx, tx, x, id) })
		if err != nil {
			h.log().WarnContext(ctx, "expired offer not passed on yet", "region", h.Region, "conversation", x.ConversationID, "err", err)
		}
	}
}

// expire passes on an expired offer, unless it was answered or passed on meanwhile.
func (h *Handler) expire(ctx context.Context, tx Tx, x ExpiredOffer, cause string) ([]models.Event, error) {
	w, ok, err := tx.Work(ctx, x.ConversationID)
	if err != nil || !ok || w.Status != models.StatusQueued {
		return nil, err
	}
	o, ok, err := tx.Offer(ctx, x.ConversationID)
	if err != nil || !ok || o.ID != x.ID {
		return nil, err
	}
	offers.WithLabelValues(h.Region, "expired").Inc()
	return h.pass(ctx, tx, w, o, cause, "expired", h.now().UTC())
}

// openOffer returns the conversation's open offer for its agent's answer.
func openOffer(ctx context.Context, tx Tx, conv, agentID string, now time.Time) (Work, Offer, error) {
	x, err := open(ctx, tx, conv)
	if err != nil {
		return x, Offer{}, err
	}
	o, ok, err := tx.Offer(ctx, conv)
	switch {
	case err != nil:
		return x, o, err
	case !ok || o.AgentID == "" || x.Status != models.StatusQueued:
		return x, o, ErrNoOffer
	case o.AgentID != agentID:
		return x, o, ErrNotYourOffer
	case !now.Before(o.ExpiresAt):
		return x, o, ErrOfferExpired
	}
	return x, o, nil
}

// Accept assigns an offered conversation to the agent it is offered to (agentID, their
// answer) before the offer expires.
func (w *Workspace) Accept(ctx context.Context, region, tenant, conv, agentID string) (Work, error) {
	return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
		at := h.now().UTC()
		x, o, err := openOffer(ctx, tx, conv, agentID, at)
		if err != nil {
			return nil, err
		}
		x.Status, x.Assignee = models.StatusAssigned, o.AgentID
		if err := tx.SaveWork(ctx, x); err != nil { // the offer goes with the wait (0015_offers.sql)
			return nil, err
		}
		e := h.assigned(x, "assign:"+o.ID, at)
		e.Reason = "offer accepted"
		e.Attributes = map[string]string{"by": agentID, "offer": o.ID}
		offers.WithLabelValues(h.Region, "accepted").Inc()
		return []models.Event{e}, nil
	})
}

// Decline passes an offered conversation from the agent it is offered to (agentID, their
// answer) to the next candidate, or back to its queue when nobody else can take it.
func (w *Workspace) Decline(ctx context.Context, region, tenant, conv, agentID string) (Work, error) {
	return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
		at := h.now().UTC()
		x, o, err := openOffer(ctx, tx, conv, agentID, at)
		if err != nil {
			return nil, err
		}
		offers.WithLabelValues(h.Region, "declined").Inc()
		events, err := h.pass(ctx, tx, x, o, "decline:"+o.ID, "declined", at)
		if err == nil && len(events) > 0 {
			events[0].Attributes["by"] = agentID
		}
		return events, err
	})
}

// holder is the agent whose seat x takes: its assignee, or the agent of its open offer (an
// offer counts in its agent's load), so that an action ending either frees that seat at once.
func (h *Handler) holder(ctx context.Context, tx Tx, x Work) (string, error) {
	if x.Assignee != "" || x.Status != models.StatusQueued {
		return x.Assignee, nil
	}
	o, _, err := tx.Offer(ctx, x.ConversationID)
	return o.AgentID, err
}

// passAway passes on the open offers to an agent who went away or offline.
func (h *Handler) passAway(ctx context.Context, tx Tx, agentID, cause string, at time.Time) ([]models.Event, error) {
	open, err := tx.OffersTo(ctx, agentID)
	if err != nil {
		return nil, err
	}
	var events []models.Event
	for _, o := range open {
		w, ok, err := tx.Work(ctx, o.ConversationID)
		if err != nil {
			return nil, err
		}
		if !ok || w.Status != models.StatusQueued {
			continue
		}
		more, err := h.pass(ctx, tx, w, o, cause+":"+o.ConversationID, "agent away", at)
		if err != nil {
			return nil, err
		}
		events = append(events, more...)
	}
	return events, nil
}

var offers = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_offers_total",
	Help: "Offers of conversations to agents of offer-and-accept teams, by region and what happened: offered, accepted, declined, expired.",
}, []string{"region", "event"})

// countType counts the events of a type.
func countType(events []models.Event, typ string) int {
	n := 0
	for _, e := range events {
		if e.Type == typ {
			n++
		}
	}
	return n
}
