package engine

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/sla"
	"github.com/meridian-cs/meridian/models"
)

// DefaultWarnBefore is how long before a target's due time the engine warns when
// Handler.WarnBefore is zero.
const DefaultWarnBefore = 5 * time.Minute

// Reasons of the conversation.assigned that gives a pending or snoozed conversation back.
const (
	reasonCustomerReplied = "customer_replied"
	reasonSnoozeEnded     = "snooze_ended"
)

// WarningLead is how long before a target's due time the engine warns: WarnBefore, or
// DefaultWarnBefore.
func (h *Handler) WarningLead() time.Duration {
	if h.WarnBefore <= 0 {
		return DefaultWarnBefore
	}
	return h.WarnBefore
}

// clock sets w's first-response and resolution due times from the policy's rule for its
// tier, channel and priority, counted from when it started waiting: once, and again when
// rematch says the priority changed (a higher priority tightens them).
func (h *Handler) clock(w *Work, now time.Time, rematch bool) {
	if w.FirstResponseAt != nil || (!rematch && (w.FirstResponseDue != nil || w.ResolutionDue != nil)) {
		return
	}
	rule := h.SLA.Match(w.Tier, w.Channel, w.Priority.String())
	st := sla.Clock(rule, []sla.Event{{Kind: sla.CustomerMessage, At: w.WaitingSince}}, now)
	w.FirstResponseDue, w.ResolutionDue = st.FirstResponseDueAt, st.ResolutionDueAt
}

// customerWrote starts the next-response clock for a customer message at at, when an agent
// has replied since the customer last wrote (the first response came and no next response
// is running); it reports whether it did.
func (h *Handler) customerWrote(w *Work, at time.Time) bool {
	if w.FirstResponseAt == nil || w.NextResponseDue != nil || at.Before(*w.FirstResponseAt) {
		return false
	}
	target := h.SLA.Match(w.Tier, w.Channel, w.Priority.String()).Targets.NextResponse
	if target <= 0 {
		return false
	}
	due := at.Add(target)
	w.NextResponseDue = &due
	// A new clock: its warning and breach are recorded again.
	w.Warned = slices.DeleteFunc(w.Warned, func(t string) bool { return t == sla.NextResponse })
	w.Breached = slices.DeleteFunc(w.Breached, func(t string) bool { return t == sla.NextResponse })
	return true
}

// resume ends w's pause at at: the running clocks' due times move by the paused span.
func resume(w *Work, at time.Time) {
	if w.PausedAt == nil {
		return
	}
	span := max(at.Sub(*w.PausedAt), 0)
	shift := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := t.Add(span)
		return &v
	}
	if w.FirstResponseAt == nil {
		w.FirstResponseDue = shift(w.FirstResponseDue)
	}
	w.NextResponseDue = shift(w.NextResponseDue)
	w.ResolutionDue = shift(w.ResolutionDue)
	w.PausedAt, w.SnoozeUntil = nil, nil
}

// stop ends w's clocks on resolution: no pause, no next response running (the first
// response and resolution due times stay, for the record; a resolved conversation is
// never overdue).
func stop(w *Work) {
	w.PausedAt, w.SnoozeUntil, w.NextResponseDue = nil, nil, nil
}

// Projected returns w's due times as they stand at now: while w is paused, as if its clocks
// resumed at the snooze's end or, pending, at now.
func (w Work) Projected(now time.Time) (firstResponse, nextResponse, resolution *time.Time) {
	x := w
	if x.PausedAt != nil {
		end := now
		if x.SnoozeUntil != nil && x.SnoozeUntil.After(end) {
			end = *x.SnoozeUntil
		}
		resume(&x, end)
	}
	return x.FirstResponseDue, x.NextResponseDue, x.ResolutionDue
}

// SLA states of a conversation, for the inbox's filter.
const (
	SLAOK       = "ok"
	SLAWarning  = "warning"
	SLABreached = "breached"
)

// responded records an agent's reply: it stops the first-response clock the first time,
// the running next-response clock, and marks the conversation's open pages answered.
func (h *Handler) responded(ctx context.Context, tx Tx, e models.Event) error {
	if e.Attributes["template"] == BackNoticeTemplate {
		return nil // the engine's notice of when a person is back answers nothing
	}
	if err := tx.RespondPages(ctx, e.ConversationID, e.OccurredAt); err != nil {
		return err
	}
	w, ok, err := tx.Work(ctx, e.ConversationID)
	if err != nil || !ok || e.OccurredAt.Before(w.WaitingSince) {
		return err
	}
	changed := false
	if w.FirstResponseAt == nil {
		at := e.OccurredAt
		w.FirstResponseAt, changed = &at, true
	}
	if w.NextResponseDue != nil {
		w.NextResponseDue, changed = nil, true
	}
	if !changed {
		return nil
	}
	return tx.SaveWork(ctx, w)
}

// WatchSLA, every interval until ctx ends, records each target a conversation of the region
// missed (sla.breached) or is about to miss (sla.warning, WarnBefore ahead), once per target
// and clock, gives back the snoozed conversations whose snooze ended, and resolves those the
// AI kept whose customer stayed silent (BotResolveAfter).
func (h *Handler) WatchSLA(ctx context.Context, every time.Duration) {
	tick(ctx, every, h.checkSLA)
}

// checkSLA is one round of WatchSLA.
func (h *Handler) checkSLA(ctx context.Context) {
	now := h.now()
	ended, err := h.Store.SnoozeEnded(ctx, h.Region, now, 500)
	if err != nil {
		h.log().WarnContext(ctx, "snooze watch", "region", h.Region, "err", err)
	}
	for _, o := range ended {
		id := "snooze-end:" + o.ConversationID + ":" + strconv.FormatInt(o.DueAt.UnixMilli(), 10)
		err := h.decide(ctx, o.Tenant, id, o.ConversationID, func(tx Tx) ([]models.Event, error) { return h.snoozeEnded(ctx, tx, o, id) })
		if err != nil {
			h.log().WarnContext(ctx, "snooze end not applied yet", "region", h.Region, "conversation", o.ConversationID, "err", err)
		}
	}
	h.resolveIdleBots(ctx, now)
	overdue, err := h.Store.Overdue(ctx, h.Region, now, h.WarningLead(), 500)
	if err != nil {
		h.log().WarnContext(ctx, "sla watch", "region", h.Region, "err", err)
		return
	}
	for _, o := range overdue {
		id := slaDecisionID(o)
		err := h.decide(ctx, o.Tenant, id, o.ConversationID, func(tx Tx) ([]models.Event, error) { return h.recordSLA(ctx, tx, o, id) })
		if err != nil {
			h.log().WarnContext(ctx, "sla event not recorded yet", "region", h.Region, "conversation", o.ConversationID, "err", err)
		}
	}
}

// slaDecisionID keys an SLA event: per target, and per clock for next responses (which
// restart with every customer turn; a clock is known by its due time).
func slaDecisionID(o Overdue) string {
	kind := "sla:"
	if o.Warning {
		kind = "sla-warning:"
	}
	if o.Target == sla.NextResponse {
		return kind + o.Target + ":" + strconv.FormatInt(o.DueAt.UnixMilli(), 10) + ":" + o.ConversationID
	}
	return kind + o.Target + ":" + o.ConversationID
}

// recordSLA records a breach or a warning of a target, unless already recorded.
func (h *Handler) recordSLA(ctx context.Context, tx Tx, o Overdue, id string) ([]models.Event, error) {
	w, ok, err := tx.Work(ctx, o.ConversationID)
	if err != nil || !ok || slices.Contains(w.Breached, o.Target) || (o.Warning && slices.Contains(w.Warned, o.Target)) {
		return nil, err
	}
	typ := models.SLABreached
	if o.Warning {
		typ = models.SLAWarning
		w.Warned = append(w.Warned, o.Target)
	} else {
		w.Breached = append(w.Breached, o.Target)
	}
	if err := tx.SaveWork(ctx, w); err != nil {
		return nil, err
	}
	e := h.event(w, typ, id, h.now().UTC())
	e.Reason, e.AgentID = o.Target, w.Assignee
	e.Attributes = map[string]string{"due_at": o.DueAt.UTC().Format(time.RFC3339), "priority": w.Priority.String()}
	if o.Warning {
		slaWarnings.WithLabelValues(h.Region, o.Target).Inc()
	} else {
		slaBreaches.WithLabelValues(h.Region, o.Target).Inc()
	}
	return []models.Event{e}, nil
}

// snoozeEnded gives back a conversation whose snooze ended, unless something woke it first.
func (h *Handler) snoozeEnded(ctx context.Context, tx Tx, o Overdue, id string) ([]models.Event, error) {
	w, ok, err := tx.Work(ctx, o.ConversationID)
	if err != nil || !ok || w.Status != models.StatusSnoozed || w.SnoozeUntil == nil || !w.SnoozeUntil.Equal(o.DueAt) {
		return nil, err
	}
	resume(&w, *w.SnoozeUntil)
	return h.wake(ctx, tx, w, id, reasonSnoozeEnded, h.now().UTC())
}

// wake gives a pending or snoozed conversation (its pause already ended) back to its agent
// while they are still an agent of the region, online or not (it is theirs); else it is
// routed again.
func (h *Handler) wake(ctx context.Context, tx Tx, w Work, cause, reason string, at time.Time) ([]models.Event, error) {
	agents, err := tx.Agents(ctx)
	if err != nil {
		return nil, err
	}
	if w.Assignee != "" && slices.ContainsFunc(agents, func(a conversation.Agent) bool { return a.ID == w.Assignee }) {
		w.Status = models.StatusAssigned
		if err := tx.SaveWork(ctx, w); err != nil {
			return nil, err
		}
		e := h.assigned(w, "assign:"+cause, at)
		e.Reason = reason
		return []models.Event{e}, nil
	}
	w.PreviousAgent, w.Assignee, w.Status = w.Assignee, "", models.StatusQueued
	return h.reroute(ctx, tx, w, cause, nil)
}

// SLAState is the state the inbox's SLA filter reads (SLAOK, SLAWarning, SLABreached) of w
// at now: breached when a target was missed or a running clock is past due, warning when a
// running clock comes due within lead. The store's Inbox applies the same rule in SQL.
func (w Work) SLAState(now time.Time, lead time.Duration) string {
	running := w.Status == models.StatusQueued || w.Status == models.StatusAssigned
	due := func(limit time.Time) bool {
		before := func(t *time.Time) bool { return t != nil && t.Before(limit) }
		return running && ((w.FirstResponseAt == nil && before(w.FirstResponseDue)) || before(w.NextResponseDue) || before(w.ResolutionDue))
	}
	switch {
	case len(w.Breached) > 0 || due(now):
		return SLABreached
	case due(now.Add(lead + time.Nanosecond)):
		return SLAWarning
	}
	return SLAOK
}
