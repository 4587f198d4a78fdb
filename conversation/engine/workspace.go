package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/models"
)

// Errors of the workspace's actions; the GraphQL layer names the argument at fault.
var (
	// ErrNotFound: no conversation the engine knows in the regions the caller may act in.
	ErrNotFound = errors.New("no such conversation")
	// ErrResolved: the action needs an open conversation.
	ErrResolved = errors.New("the conversation is resolved")
	// ErrNotResolved: only a resolved conversation can be reopened.
	ErrNotResolved = errors.New("the conversation is not resolved")
	// ErrUnknownAgent: no such agent in the conversation's region.
	ErrUnknownAgent = errors.New("no such agent in the conversation's region")
	// ErrLanguage: the agent does not write the conversation's language.
	ErrLanguage = errors.New("the agent does not write the conversation's language")
	// ErrNotAssigned: snoozing and waiting on the customer need a conversation an agent has
	// (status assigned).
	ErrNotAssigned = errors.New("the conversation is not assigned to an agent")
	// ErrSnoozeUntil: a snooze ends in the future, within MaxSnooze.
	ErrSnoozeUntil = errors.New("a snooze must end in the future and within 30 days")
)

// MaxSnooze is the longest a conversation may be snoozed.
const MaxSnooze = 30 * 24 * time.Hour

// Workspace applies agents' and supervisors' actions as decisions of the engine: the same
// transaction, state and events, published through ingest; each action is an event.
type Workspace struct {
	*Handler
}

// Find is the region and state of a conversation among regions.
func (w *Workspace) Find(ctx context.Context, tenant, conversationID string, regions []string) (string, Work, error) {
	for _, r := range regions {
		x, ok, err := w.Store.Find(ctx, r, tenant, conversationID)
		if err != nil {
			return "", x, err
		}
		if ok {
			// Handed off: the work item is in the region that has it (handoff.go).
			if away, isAway := strings.CutPrefix(x.Assignee, awayPrefix); isAway && slices.Contains(regions, away) {
				if y, found, err := w.Store.Find(ctx, away, tenant, conversationID); err == nil && found {
					return away, y, nil
				}
			}
			return r, x, nil
		}
	}
	return "", Work{}, ErrNotFound
}

// act runs one action as a decision of region's engine and publishes its events.
func (w *Workspace) act(ctx context.Context, region, tenant, conv string, fn func(*Handler, Tx) ([]models.Event, error)) (Work, error) {
	h := *w.Handler
	h.Region = region
	id := "action:" + randomID()
	var after Work
	err := h.decide(ctx, tenant, id, conv, func(tx Tx) ([]models.Event, error) {
		events, err := fn(&h, tx)
		if err != nil {
			return nil, err
		}
		after, _, err = tx.Work(ctx, conv)
		return events, err
	})
	return after, err
}

// open returns the conversation's state for an action that needs it open.
func open(ctx context.Context, tx Tx, conv string) (Work, error) {
	x, ok, err := tx.Work(ctx, conv)
	switch {
	case err != nil:
		return x, err
	case !ok:
		return x, ErrNotFound
	case x.Status == models.StatusResolved:
		return x, ErrResolved
	}
	return x, nil
}

// Assign gives a conversation to an agent of its region (a supervisor's choice: capacity
// and shifts do not bind it, the language does). The agent who had it gets room for the
// next one waiting.
func (w *Workspace) Assign(ctx context.Context, region, tenant, conv, agentID, by string) (Work, error) {
	return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
		x, err := open(ctx, tx, conv)
		if err != nil {
			return nil, err
		}
		if err := h.checkAgent(ctx, tx, x, agentID); err != nil {
			return nil, err
		}
		at := h.now().UTC()
		before, err := h.holder(ctx, tx, x)
		if err != nil {
			return nil, err
		}
		resume(&x, at)
		x.Status, x.Assignee = models.StatusAssigned, agentID
		if err := tx.SaveWork(ctx, x); err != nil {
			return nil, err
		}
		e := h.assigned(x, "assign:"+randomID(), at)
		e.Attributes = map[string]string{"by": by}
		events := []models.Event{e}
		if before != "" && before != agentID {
			more, err := h.free(ctx, tx, before, e.ID, at)
			if err != nil {
				return nil, err
			}
			events = append(events, more...)
		}
		return events, nil
	})
}

func (h *Handler) checkAgent(ctx context.Context, tx Tx, x Work, agentID string) error {
	agents, err := h.roster(ctx, tx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(agents, func(a *routing.Agent) bool { return a.ID == agentID })
	if i < 0 {
		return ErrUnknownAgent
	}
	if x.Language != "" && agents[i].Languages[x.Language] < 2 {
		return fmt.Errorf("%w (%s)", ErrLanguage, x.Language)
	}
	return nil
}

// Resolve closes a conversation and gives its agent's capacity to the next one waiting.
func (w *Workspace) Resolve(ctx context.Context, region, tenant, conv, by string) (Work, error) {
	return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
		x, err := open(ctx, tx, conv)
		if err != nil {
			return nil, err
		}
		at := h.now().UTC()
		agent := x.Assignee
		seat, err := h.holder(ctx, tx, x)
		if err != nil {
			return nil, err
		}
		x.Status, x.PreviousAgent, x.Assignee = models.StatusResolved, agent, ""
		stop(&x)
		if err := tx.SaveWork(ctx, x); err != nil {
			return nil, err
		}
		e := h.event(x, models.ConversationResolved, "resolve:"+randomID(), at)
		e.AgentID, e.Attributes = agent, map[string]string{"by": by, originAttr: originWorkspace}
		more, err := h.free(ctx, tx, seat, e.ID, at)
		return append([]models.Event{e}, more...), err
	})
}

// Reopen puts a resolved conversation back in its queue and routes it, offered first to the
// agent who had it.
func (w *Workspace) Reopen(ctx context.Context, region, tenant, conv, by string) (Work, error) {
	return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
		x, ok, err := tx.Work(ctx, conv)
		switch {
		case err != nil:
			return nil, err
		case !ok:
			return nil, ErrNotFound
		case x.Status != models.StatusResolved:
			return nil, ErrNotResolved
		}
		at := h.now().UTC()
		x.Status, x.WaitingSince = models.StatusQueued, at
		e := h.event(x, models.ConversationReopened, "reopen:"+randomID(), at)
		e.Attributes = map[string]string{"by": by}
		more, err := h.reroute(ctx, tx, x, e.ID, nil)
		return append([]models.Event{e}, more...), err
	})
}

// Transfer hands a conversation to an agent of its region, or back to its queue (optionally
// another language's), routed again without the agent it leaves.
func (w *Workspace) Transfer(ctx context.Context, region, tenant, conv, toAgent, toLanguage, by string) (Work, error) {
	if toAgent != "" {
		return w.Assign(ctx, region, tenant, conv, toAgent, by)
	}
	return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
		x, err := open(ctx, tx, conv)
		if err != nil {
			return nil, err
		}
		at := h.now().UTC()
		leaving := x.Assignee
		seat, err := h.holder(ctx, tx, x)
		if err != nil {
			return nil, err
		}
		if toLanguage != "" {
			x.Language = baseLanguage(toLanguage)
		}
		resume(&x, at)
		x.Status, x.Assignee, x.WaitingSince = models.StatusQueued, "", at
		x.Queue = routing.QueueName(region, x.Language)
		e := h.event(x, models.ConversationTransferred, "transfer:"+randomID(), at)
		e.ToQueue, e.AgentID, e.Attributes = x.Queue, leaving, map[string]string{"by": by}
		var exclude []string
		if leaving != "" {
			exclude = []string{leaving}
		}
		more, err := h.reroute(ctx, tx, x, e.ID, exclude)
		if err != nil {
			return nil, err
		}
		events := append([]models.Event{e}, more...)
		freed, err := h.free(ctx, tx, seat, e.ID, at)
		return append(events, freed...), err
	})
}

// reroute routes x again (assigned or queued) and saves it.
func (h *Handler) reroute(ctx context.Context, tx Tx, x Work, cause string, exclude []string) ([]models.Event, error) {
	agents, err := h.roster(ctx, tx)
	if err != nil {
		return nil, err
	}
	_, declined, err := h.offerState(ctx, tx, x)
	if err != nil {
		return nil, err
	}
	c := h.conversation(x)
	c.Exclude = append(slices.Clip(exclude), declined...)
	now := h.now().UTC()
	d := h.Router.Route(c, agents, now)
	x.Queue = d.Queue
	decided := h.decision(cause, x, d, now)
	if d.AgentID == "" {
		x.Status = models.StatusQueued
		if err := tx.SaveWork(ctx, x); err != nil {
			return nil, err
		}
		q := h.event(x, models.ConversationQueued, "queued:"+cause, now)
		q.Reason = d.Reason
		return []models.Event{decided, q}, nil
	}
	given, err := h.give(ctx, tx, &x, agents, d.AgentID, "assign:"+cause, now)
	if err != nil {
		return nil, err
	}
	offeredBy(&decided, given)
	if err := tx.SaveWork(ctx, x); err != nil {
		return nil, err
	}
	return append([]models.Event{decided}, given...), nil
}

// Escalate raises a conversation to urgent priority with the reason (paging the on-call
// person is not wired yet).
func (w *Workspace) Escalate(ctx context.Context, region, tenant, conv, reason, by string) (Work, error) {
	return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
		x, err := open(ctx, tx, conv)
		if err != nil {
			return nil, err
		}
		x.Priority = routing.Urgent
		h.clock(&x, h.now().UTC(), true)
		if err := tx.SaveWork(ctx, x); err != nil {
			return nil, err
		}
		at := h.now().UTC()
		e := h.escalation(x, "escalate:"+randomID(), at)
		e.Reason, e.AgentID = reason, x.Assignee
		e.Attributes["by"], e.Attributes["priority"] = by, routing.Urgent.String()
		if err := h.openPage(ctx, tx, x, &e, at); err != nil {
			return nil, err
		}
		return []models.Event{e}, nil
	})
}

// Snooze puts an assigned conversation aside until until (in the future, within
// MaxSnooze): status snoozed, its clocks paused, its agent's capacity free for the next one
// waiting. The customer writing, or until passing, gives it back to the agent.
func (w *Workspace) Snooze(ctx context.Context, region, tenant, conv string, until time.Time, by string) (Work, error) {
	now := w.now()
	if !until.After(now) || until.Sub(now) > MaxSnooze {
		return Work{}, ErrSnoozeUntil
	}
	until = until.UTC()
	return w.pause(ctx, region, tenant, conv, models.StatusSnoozed, &until, by)
}

// MarkPending records that the agent waits on the customer (Zendesk's Pending): status
// pending, the clocks paused and the agent's capacity free until the customer writes.
func (w *Workspace) MarkPending(ctx context.Context, region, tenant, conv, by string) (Work, error) {
	return w.pause(ctx, region, tenant, conv, models.StatusPending, nil, by)
}

func (w *Workspace) pause(ctx context.Context, region, tenant, conv string, status models.ConversationStatus, until *time.Time, by string) (Work, error) {
	return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
		x, err := open(ctx, tx, conv)
		if err != nil {
			return nil, err
		}
		if x.Status != models.StatusAssigned {
			return nil, fmt.Errorf("%w (it is %s)", ErrNotAssigned, x.Status)
		}
		at := h.now().UTC()
		x.Status, x.PausedAt, x.SnoozeUntil = status, &at, until
		if err := tx.SaveWork(ctx, x); err != nil {
			return nil, err
		}
		typ, prefix := models.ConversationPending, "pending:"
		if status == models.StatusSnoozed {
			typ, prefix = models.ConversationSnoozed, "snooze:"
		}
		e := h.event(x, typ, prefix+randomID(), at)
		e.AgentID, e.Attributes = x.Assignee, map[string]string{"by": by}
		if until != nil {
			e.Attributes["until"] = until.Format(time.RFC3339)
		}
		more, err := h.free(ctx, tx, x.Assignee, e.ID, at)
		return append([]models.Event{e}, more...), err
	})
}

// Note adds an internal note (never sent to the customer): a note.added event whose text is
// sealed like a message's.
func (w *Workspace) Note(ctx context.Context, region, tenant, conv, text, by string) (Work, error) {
	text = strings.TrimSpace(text)
	return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
		x, ok, err := tx.Work(ctx, conv)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrNotFound
		}
		e := h.event(x, models.NoteAdded, "note:"+randomID(), h.now().UTC())
		e.Text, e.AgentID = text, by
		return []models.Event{e}, nil
	})
}

func randomID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("engine: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Presence follows an agent's presence change: going away or offline puts their open
// conversations back in the queue, each routed again without them; coming online offers
// them the conversations waiting, up to their capacity.
func (w *Workspace) Presence(ctx context.Context, region, tenant, agentID string, online bool) error {
	_, err := w.act(ctx, region, tenant, "agent:"+agentID, func(h *Handler, tx Tx) ([]models.Event, error) {
		at := h.now().UTC()
		cause := "presence:" + randomID()
		if online {
			var events []models.Event
			for range maxOffers {
				more, err := h.free(ctx, tx, agentID, cause+":"+strconv.Itoa(len(events)), at)
				if err != nil || len(more) == 0 {
					return events, err
				}
				events = append(events, more...)
			}
			return events, nil
		}
		held, err := tx.Assigned(ctx, agentID)
		if err != nil {
			return nil, err
		}
		// What was offered to them goes to the next agent.
		events, err := h.passAway(ctx, tx, agentID, cause, at)
		if err != nil {
			return nil, err
		}
		for _, x := range held {
			x.PreviousAgent, x.Assignee, x.Status = agentID, "", models.StatusQueued
			more, err := h.reroute(ctx, tx, x, cause+":"+x.ConversationID, []string{agentID})
			if err != nil {
				return nil, err
			}
			events = append(events, more...)
		}
		return events, nil
	})
	return err
}

// originAttr marks the events the workspace decided: the engine has applied them already
// when it reads them back from the stream.
const (
	originAttr      = "origin"
	originWorkspace = "workspace"
)

// maxOffers bounds what one agent coming online is given at once (their capacity bounds it
// first).
const maxOffers = 100

// Acknowledge records that a person took an escalated conversation's page: nobody further
// is paged for it.
func (w *Workspace) Acknowledge(ctx context.Context, region, tenant, conv, by string) (Page, error) {
	return w.Store.Acknowledge(ctx, region, tenant, conv, by, w.now().UTC())
}
