package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/translation"
	"github.com/meridian-cs/meridian/understanding/culture"
)

// Follow-the-sun. A conversation's history never leaves its home region (the one residency
// chose at ingest): its events keep going to the home region's topic, ClickHouse and
// PostgreSQL. What moves is its work item. A hand-off, in one transaction holding both
// regions' routing locks:
//
//   - marks the home region's work row as away (status assigned, assignee "region:<to>", queue
//     "<to>/<language>"): the home engine routes it no more and its SLA clocks keep running at
//     home, where the replies are seen;
//   - writes a work row in the receiving region, queued for its language and routed there at
//     once among that region's agents (their loads, capacity, queue order and sweeps count it
//     like any other), without SLA clocks of its own;
//   - records the hand-off (region_<r>.handoffs) at home and in the receiving region, whose
//     active row is the grant that lets that region's people read the conversation in its
//     home region through the compliance gate (Granted); a third region has no such row;
//   - publishes conversation.handed_off (from_region, to_region) and the routing decision
//     through ingest, to the home region's topic like every event of the conversation.
//
// A conversation resolved anywhere is resolved at home (the home engine reads every
// resolution on its topic and releases the receiving region's row and agent). Moving on from a
// receiving region removes its row; moving back home makes the home row a plain queued one.

// awayPrefix marks the assignee of a home work row whose work item is in another region.
const awayPrefix = "region:"

// AwayIn is the region a conversation's work item was handed to, read from its home row;
// ok is false for a conversation at home.
func AwayIn(w Work) (region string, ok bool) {
	return strings.CutPrefix(w.Assignee, awayPrefix)
}

// Reasons of a hand-off.
const (
	ReasonShiftEnd = "shift_end"
	ReasonTransfer = "transfer"
)

// Errors of hand-offs; the GraphQL layer names the argument at fault.
var (
	// ErrRegionLanguage: nobody in the region writes the conversation's language.
	ErrRegionLanguage = errors.New("no agent of the region writes the conversation's language")
	// ErrUnknownRegion: not a region of this deployment.
	ErrUnknownRegion = errors.New("not a region of this deployment")
	// ErrUnknownTeam: no agent of the conversation's region is in the team.
	ErrUnknownTeam = errors.New("no agent of the conversation's region is in the team")
)

// Handoff is one move of a conversation's work item to another region, with what the
// receiving people are told.
type Handoff struct {
	ID, Tenant, ConversationID string
	Home, From, To             string
	Reason                     string // shift_end or transfer
	// Summary and NextStep are in Language: built from the analysis (intent, sentiment
	// trend, urgency, times), translated into the conversation's language, which every agent
	// it can be routed to writes, when a provider is configured.
	Language, Summary, NextStep string
	At                          time.Time
}

// AcrossTx is a decision's transaction that may act in other regions too (store/postgres):
// what a hand-off needs beyond Tx.
type AcrossTx interface {
	Tx
	Region() string
	// In is the same transaction over another region's state, holding its routing lock.
	In(ctx context.Context, region string) (AcrossTx, error)
	RemoveWork(ctx context.Context, conversationID string) error
	// RecordHandoff makes h the conversation's one active hand-off record in this region.
	RecordHandoff(ctx context.Context, h Handoff) error
	EndHandoffs(ctx context.Context, conversationID string) error
	ActiveHandoff(ctx context.Context, conversationID string) (Handoff, bool, error)
	// Open lists the region's queued conversations and those assigned to its agents, locked.
	Open(ctx context.Context, limit int) ([]Work, error)
}

// HandoffStore is what follow-the-sun needs of the Store beyond it (store/postgres.Engine).
type HandoffStore interface {
	// OpenTenants lists the tenants with open conversations in region.
	OpenTenants(ctx context.Context, region string) ([]string, error)
	// Decided reports whether a decision was recorded.
	Decided(ctx context.Context, region, tenant, decisionID string) (bool, error)
	// Granted returns the conversation's active hand-off into one of regions: the grant to
	// read it in its home region.
	Granted(ctx context.Context, tenant, conversationID string, regions []string) (Handoff, bool, error)
	// Handoffs lists a conversation's hand-offs recorded in region, newest first.
	Handoffs(ctx context.Context, region, tenant, conversationID string) ([]Handoff, error)
	// GrantsInto lists the conversations handed to one of regions and active there, by the
	// region that has them.
	GrantsInto(ctx context.Context, tenant string, regions []string) (map[string]string, error)
}

// FollowTheSun configures hand-offs between regions.
type FollowTheSun struct {
	// Regions are the deployment's regions in the order the sun passes them (east to
	// west, e.g. sea, eu, us): at a region's shift end its conversations go to the first
	// region after it, cyclically, with someone on shift writing their language.
	Regions []string
	// Notify tells a customer something outside any agent's reply (channels.Outbox in
	// serve); nil: nobody is told. key makes the send idempotent.
	Notify Notifier
	// Translator puts the summary and next step into the conversation's language; nil:
	// the structured summary, in English field names.
	Translator translation.Translator
}

// Notifier sends a message to a conversation's customer through the channels' send path:
// text in language, from the culture profiles' template (BackNoticeTemplate), which the
// message.sent it leaves must carry so that it counts as no reply.
type Notifier interface {
	Notify(ctx context.Context, tenant, conversationID, language, template, text, key string) error
}

// in is a copy of h deciding for another region.
func (h *Handler) in(region string) *Handler {
	c := *h
	c.Region = region
	return &c
}

func across(tx Tx) (AcrossTx, error) {
	a, ok := tx.(AcrossTx)
	if !ok {
		return nil, errors.New("engine: this store cannot hand conversations between regions")
	}
	return a, nil
}

// queueRegion is the region part of a queue name ("eu/de" → "eu") when it names one of the
// follow-the-sun regions; "" otherwise (a team's queue, a producer's own name).
func (h *Handler) queueRegion(q string) string {
	r, _, ok := strings.Cut(q, "/")
	if !ok || h.Sun == nil || !slices.Contains(h.Sun.Regions, r) {
		return ""
	}
	return r
}

// handOff moves x's work item from atx's region to region to, routes it there and frees the
// agent who had it. Nothing is changed when to has no agent writing x's language
// (ErrRegionLanguage).
func (h *Handler) handOff(ctx context.Context, atx AcrossTx, x Work, to, reason, by string, at time.Time) ([]models.Event, error) {
	from := atx.Region()
	if to == from {
		return nil, fmt.Errorf("engine: hand-off of %s to its own region %s", x.ConversationID, to)
	}
	home := from
	if rec, ok, err := atx.ActiveHandoff(ctx, x.ConversationID); err != nil {
		return nil, err
	} else if ok && rec.To == from {
		home = rec.Home
	}
	toTx, err := atx.In(ctx, to)
	if err != nil {
		return nil, err
	}
	th := h.in(to)
	agents, err := th.roster(ctx, toTx)
	if err != nil {
		return nil, err
	}
	if x.Language != "" && !slices.ContainsFunc(agents, func(a *routing.Agent) bool { return a.Writes(x.Language) }) {
		return nil, fmt.Errorf("%w (%s in %s)", ErrRegionLanguage, x.Language, to)
	}
	id := "handoff:" + randomID()
	summary, next := Summarize(x, at)
	rec := Handoff{ID: id, ConversationID: x.ConversationID, Home: home, From: from, To: to, Reason: reason,
		Language: "en", Summary: summary, NextStep: next, At: at}
	leaving := x.Assignee
	arriving := x // the receiving region's row, before x is changed
	e := h.event(x, models.ConversationHandedOff, id, at)
	e.FromRegion, e.ToRegion, e.ToQueue, e.Reason, e.AgentID = from, to, routing.QueueName(to, x.Language), reason, leaving
	e.Summary, e.Sentiment = summary+" Next step: "+next, x.SentimentLast
	e.Attributes = map[string]string{"by": by, "home_region": home}
	events := []models.Event{e}

	// Leave from.
	if from == home {
		x.Status, x.Assignee, x.Queue = models.StatusAssigned, awayPrefix+to, routing.QueueName(to, x.Language)
		if leaving != "" {
			x.PreviousAgent = leaving
		}
		if err := atx.SaveWork(ctx, x); err != nil {
			return nil, err
		}
		if err := atx.RecordHandoff(ctx, rec); err != nil {
			return nil, err
		}
	} else {
		if err := atx.RemoveWork(ctx, x.ConversationID); err != nil {
			return nil, err
		}
		if err := atx.EndHandoffs(ctx, x.ConversationID); err != nil {
			return nil, err
		}
	}
	// Arrive in to.
	var more []models.Event
	if to == home {
		y, ok, err := toTx.Work(ctx, x.ConversationID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("engine: %s has no home row in %s", x.ConversationID, home)
		}
		y.Status, y.Assignee = models.StatusQueued, ""
		if err := toTx.EndHandoffs(ctx, x.ConversationID); err != nil {
			return nil, err
		}
		if more, err = th.reroute(ctx, toTx, y, id, nil); err != nil {
			return nil, err
		}
	} else {
		if from != home {
			homeTx, err := atx.In(ctx, home)
			if err != nil {
				return nil, err
			}
			y, ok, err := homeTx.Work(ctx, x.ConversationID)
			if err != nil {
				return nil, err
			}
			if ok {
				y.Assignee, y.Queue = awayPrefix+to, routing.QueueName(to, x.Language)
				if err := homeTx.SaveWork(ctx, y); err != nil {
					return nil, err
				}
			}
			if err := homeTx.RecordHandoff(ctx, rec); err != nil {
				return nil, err
			}
		}
		// The receiving row: routed like the region's own; SLA clocks stay at home.
		arriving.Status, arriving.Assignee, arriving.PreviousAgent = models.StatusQueued, "", ""
		arriving.FirstResponseDue, arriving.FirstResponseAt, arriving.ResolutionDue, arriving.NextResponseDue = nil, nil, nil, nil
		arriving.Breached, arriving.Warned, arriving.PausedAt, arriving.SnoozeUntil = nil, nil, nil, nil
		if err := toTx.RecordHandoff(ctx, rec); err != nil {
			return nil, err
		}
		if more, err = th.reroute(ctx, toTx, arriving, id, nil); err != nil {
			return nil, err
		}
	}
	events = append(events, more...)
	if leaving != "" && !strings.HasPrefix(leaving, awayPrefix) {
		freed, err := h.free(ctx, atx, leaving, id+":freed", at)
		if err != nil {
			return nil, err
		}
		events = append(events, freed...)
	}
	handoffs.WithLabelValues(from, to, reason).Inc()
	return events, nil
}

// SentimentTrend is how the customer's sentiment moved over the conversation's analysed
// messages: "rising", "falling" or "stable" (a change of less than 0.2 on the -1..1 scale);
// "" with fewer than two.
func (w Work) SentimentTrend() string {
	if w.Sentiments < 2 || w.SentimentFirst == nil || w.SentimentLast == nil {
		return ""
	}
	switch d := *w.SentimentLast - *w.SentimentFirst; {
	case d >= 0.2:
		return "rising"
	case d <= -0.2:
		return "falling"
	}
	return "stable"
}

// observe records what the analysis of an inbound message says of the customer (its
// sentiment, when they wrote) for summaries; never its text.
func (w *Work) observe(e models.Event) {
	if e.Sentiment != nil {
		s := *e.Sentiment
		if w.SentimentFirst == nil {
			w.SentimentFirst = &s
		}
		w.SentimentLast = &s
		w.Sentiments++
	}
	if w.LastCustomerAt == nil || e.OccurredAt.After(*w.LastCustomerAt) {
		t := e.OccurredAt.UTC()
		w.LastCustomerAt = &t
	}
}

// Summarize is a conversation's summary and suggested next step, in English, from what the
// engine and the analysis know of it (language, intent, issue type, sentiment and its trend,
// urgency, priority, waiting and reply times), never from its messages' text; unknown fields
// are left out, nothing is guessed. Hand-offs, escalations and Conversation.summary use it.
func Summarize(w Work, at time.Time) (summary, next string) {
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+": "+v)
		}
	}
	add("language", w.Language)
	add("intent", w.Intent)
	add("issue type", w.IssueType)
	if w.SentimentLast != nil {
		add("sentiment", strconv.FormatFloat(*w.SentimentLast, 'f', 2, 64))
	}
	add("sentiment trend", w.SentimentTrend())
	add("urgency", strings.ToLower(w.Urgency))
	add("priority", strings.ToLower(w.Priority.String()))
	if w.LastCustomerAt != nil {
		add("last customer message", stamp(*w.LastCustomerAt))
	}
	if !w.WaitingSince.IsZero() {
		add("waiting since", stamp(w.WaitingSince))
		if at.After(w.WaitingSince) {
			add("waited", at.Sub(w.WaitingSince).Round(time.Minute).String())
		}
	}
	if w.FirstResponseAt != nil {
		add("first reply", stamp(*w.FirstResponseAt))
	} else {
		add("first reply", "none yet")
	}
	if w.FirstResponseDue != nil && w.FirstResponseAt == nil {
		add("first reply due", stamp(*w.FirstResponseDue))
	}
	if w.NextResponseDue != nil {
		add("next reply due", stamp(*w.NextResponseDue))
	}
	summary = strings.Join(parts, "; ")
	switch {
	case w.Urgency == "HIGH" || w.Urgency == "CRITICAL":
		next = "Answer first: the customer's message is " + strings.ToLower(w.Urgency) + " urgency"
	case w.FirstResponseAt == nil:
		next = "Send the first reply: nobody has answered yet"
	case w.SentimentTrend() == "falling":
		next = "Acknowledge the customer's frustration: their sentiment is falling"
	default:
		next = "Reply to the customer's last message"
	}
	if w.Intent != "" {
		next += " (about " + w.Intent + ")"
	}
	if w.FirstResponseDue != nil && w.FirstResponseAt == nil && w.FirstResponseDue.After(at) {
		next += ", before " + stamp(*w.FirstResponseDue)
	}
	return summary, next + "."
}

// handOffDue makes one pass of follow-the-sun over the region: each open conversation whose
// language nobody of the region can take now (nobody online and on shift writes it; an
// assigned one's agent is off shift) goes to the next region with someone online and on shift
// writing it. When no region has anyone, the conversation stays and its customer is told,
// once per gap, when a person will be back. Idempotent: a conversation moved is no longer the
// region's, and a notice is a decision keyed by the conversation and the time a person is
// back.
func (h *Handler) handOffDue(ctx context.Context) error {
	hs, ok := h.Store.(HandoffStore)
	if !ok || h.Sun == nil {
		return nil
	}
	tenants, err := hs.OpenTenants(ctx, h.Region)
	if err != nil {
		return err
	}
	var errs []error
	for _, tenant := range tenants {
		errs = append(errs, h.handOffTenant(ctx, hs, tenant))
	}
	return errors.Join(errs...)
}

// WatchHandoffs runs a follow-the-sun pass (handOffDue) every interval until ctx ends.
func (h *Handler) WatchHandoffs(ctx context.Context, every time.Duration) {
	if h.Sun == nil {
		return
	}
	tick(ctx, every, func(ctx context.Context) {
		if err := h.handOffDue(ctx); err != nil {
			h.log().WarnContext(ctx, "follow-the-sun", "region", h.Region, "err", err)
		}
	})
}

// notice is a customer to tell when a person is back.
type notice struct {
	w    Work
	back time.Time
}

func (h *Handler) handOffTenant(ctx context.Context, hs HandoffStore, tenant string) error {
	var notices []notice
	var moved []Handoff
	id, events, err := h.Store.Sweep(ctx, h.Region, tenant, func(tx Tx) ([]models.Event, error) {
		notices, moved = nil, nil
		atx, err := across(tx)
		if err != nil {
			return nil, err
		}
		open, err := atx.Open(ctx, 1000)
		if err != nil || len(open) == 0 {
			return nil, err
		}
		at := h.now().UTC()
		rosters := map[string][]*routing.Agent{}
		rosterOf := func(region string) ([]*routing.Agent, error) {
			if r, ok := rosters[region]; ok {
				return r, nil
			}
			rtx, err := atx.In(ctx, region)
			if err != nil {
				return nil, err
			}
			r, err := h.in(region).roster(ctx, rtx)
			rosters[region] = r
			return r, err
		}
		here, err := rosterOf(h.Region)
		if err != nil {
			return nil, err
		}
		var events []models.Event
		for _, w := range open {
			if w.Status == models.StatusAssigned && slices.ContainsFunc(here, func(a *routing.Agent) bool { return a.ID == w.Assignee && a.OnShift(at) }) {
				continue // its agent is still on shift
			}
			if staffed(here, w.Language, at) {
				if w.Status != models.StatusAssigned {
					continue // the region still has someone for it: the queue sweep offers it
				}
				// Its agent's shift ended: a colleague on shift takes it, or it waits for one.
				more, err := h.shiftEnded(ctx, atx, w, at)
				if err != nil {
					return nil, err
				}
				events = append(events, more...)
				delete(rosters, h.Region) // its loads changed
				if here, err = rosterOf(h.Region); err != nil {
					return nil, err
				}
				continue
			}
			to := ""
			for _, r := range h.after() {
				agents, err := rosterOf(r)
				if err != nil {
					return nil, err
				}
				if staffed(agents, w.Language, at) {
					to = r
					break
				}
			}
			if to == "" {
				if back, ok := h.backAt(rosterOf, w.Language, at); ok {
					notices = append(notices, notice{w, back})
				}
				continue
			}
			more, err := h.handOff(ctx, atx, w, to, ReasonShiftEnd, "engine", at)
			if err != nil {
				return nil, err
			}
			moved = append(moved, Handoff{ID: more[0].ID, ConversationID: w.ConversationID, To: to, Language: w.Language})
			events = append(events, more...)
			delete(rosters, to) // its loads changed
		}
		return events, nil
	})
	if err != nil {
		return err
	}
	if len(events) > 0 {
		if err := h.Publish.Accept(ctx, tenant, events); err != nil {
			return fmt.Errorf("publish %d events: %w", len(events), err)
		}
		if err := h.Store.MarkPublished(ctx, h.Region, tenant, id); err != nil {
			return err
		}
	}
	h.translateSummaries(ctx, hs, tenant, moved)
	var errs []error
	for _, n := range notices {
		errs = append(errs, h.tell(ctx, hs, tenant, n))
	}
	return errors.Join(errs...)
}

// shiftEnded routes again, within the region and without its agent, a conversation whose
// agent's shift ended while colleagues on shift write its language.
func (h *Handler) shiftEnded(ctx context.Context, tx Tx, w Work, at time.Time) ([]models.Event, error) {
	leaving := w.Assignee
	id := "shiftend:" + w.ConversationID + ":" + at.UTC().Format("20060102T150405Z")
	w.Status, w.Assignee, w.PreviousAgent = models.StatusQueued, "", leaving
	w.Queue = routing.QueueName(h.Region, w.Language)
	e := h.event(w, models.ConversationTransferred, id, at)
	e.ToQueue, e.AgentID, e.Reason, e.Attributes = w.Queue, leaving, ReasonShiftEnd, map[string]string{"by": "engine"}
	more, err := h.reroute(ctx, tx, w, id, []string{leaving})
	if err != nil {
		return nil, err
	}
	return append([]models.Event{e}, more...), nil
}

// after lists the regions after h's in the sun's order, cyclically.
func (h *Handler) after() []string {
	rs := h.Sun.Regions
	i := slices.Index(rs, h.Region)
	var out []string
	for k := 1; k <= len(rs); k++ {
		r := rs[(i+k+len(rs))%len(rs)]
		if r != h.Region && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// staffed reports whether someone online and on shift writes lang ("" is any).
func staffed(agents []*routing.Agent, lang string, at time.Time) bool {
	return slices.ContainsFunc(agents, func(a *routing.Agent) bool {
		return a.Online && (lang == "" || a.Writes(lang)) && a.OnShift(at)
	})
}

// backAt is the first shift start after at of an agent of any region writing lang: when a
// person will be back. ok is false when no agent writing it has shifts.
func (h *Handler) backAt(rosterOf func(string) ([]*routing.Agent, error), lang string, at time.Time) (time.Time, bool) {
	var best time.Time
	for _, r := range h.Sun.Regions {
		agents, err := rosterOf(r)
		if err != nil {
			continue
		}
		for _, a := range agents {
			if lang != "" && !a.Writes(lang) {
				continue
			}
			if t, ok := a.NextShiftStart(at); ok && (best.IsZero() || t.Before(best)) {
				best = t
			}
		}
	}
	return best, !best.IsZero()
}

// tell sends the customer the localised notice of when a person is back, once per
// conversation and gap: the decision "notice:<conversation>:<back>" is recorded after the
// send, and the send is idempotent by the same key, so a crash between them sends nothing
// twice.
func (h *Handler) tell(ctx context.Context, hs HandoffStore, tenant string, n notice) error {
	if h.Sun.Notify == nil {
		return nil
	}
	id := "notice:" + n.w.ConversationID + ":" + n.back.UTC().Format("20060102T1504Z")
	done, err := hs.Decided(ctx, h.Region, tenant, id)
	if err != nil || done {
		return err
	}
	text := BackNotice(n.w.Language, n.w.Country, n.back)
	if err := h.Sun.Notify.Notify(ctx, tenant, n.w.ConversationID, n.w.Language, BackNoticeTemplate, text, id); err != nil {
		return fmt.Errorf("notice to %s: %w", n.w.ConversationID, err)
	}
	_, _, _, err = h.Store.Decide(ctx, h.Region, tenant, id, n.w.ConversationID, func(Tx) ([]models.Event, error) { return nil, nil })
	if err == nil {
		notices.WithLabelValues(h.Region).Inc()
	}
	return err
}

// BackNoticeTemplate is the culture profiles' template of the notice of when a person is
// back; a message.sent carrying it (attribute "template") is no reply: it stops no SLA clock,
// and metrics do not count it as a response.
const BackNoticeTemplate = "human_back"

// BackNotice is the customer's notice, in their language (the culture profiles'
// "human_back" template), of when a person will be back, stated in their country's time
// zone (culture.TimeZone) with the zone's abbreviation or offset.
func BackNotice(language, country string, back time.Time) string {
	local := back.In(culture.TimeZone(country)).Format("2006-01-02 15:04 MST")
	return strings.ReplaceAll(culture.Template(BackNoticeTemplate, language), "{time}", local)
}

// translateSummaries puts the summaries of the hand-offs just made into the conversation's
// language, which every agent they can go to writes, after the decision (a provider's call
// never holds the regions' routing locks). A failure keeps the structured English summary.
func (h *Handler) translateSummaries(ctx context.Context, hs HandoffStore, tenant string, moved []Handoff) {
	t, ok := hs.(summaryStore)
	if h.Sun.Translator == nil || !ok {
		return
	}
	for _, m := range moved {
		if m.Language == "" || m.Language == "en" {
			continue
		}
		recs, err := hs.Handoffs(ctx, m.To, tenant, m.ConversationID)
		if err != nil || len(recs) == 0 || recs[0].ID != m.ID {
			continue
		}
		res, err := h.Sun.Translator.Translate(ctx, translation.Request{Text: []string{recs[0].Summary, recs[0].NextStep}, Source: "en", Target: m.Language})
		if err != nil || len(res.Texts) != 2 {
			h.log().WarnContext(ctx, "follow-the-sun: summary not translated", "conversation", m.ConversationID, "err", err)
			continue
		}
		for _, r := range []string{recs[0].Home, m.To} {
			if err := t.SetSummary(ctx, r, tenant, m.ID, m.Language, res.Texts[0], res.Texts[1]); err != nil {
				h.log().WarnContext(ctx, "follow-the-sun: summary not stored", "conversation", m.ConversationID, "err", err)
			}
		}
	}
}

// summaryStore replaces a hand-off's summary with its translation (store/postgres.Engine).
type summaryStore interface {
	SetSummary(ctx context.Context, region, tenant, handoffID, language, summary, next string) error
}

// resolvedAnywhere applies a conversation.resolved read on the home region's topic: as
// resolved did, and, for a conversation whose work item is in another region (or was resolved
// there), also resolved there: its row removed and its agent freed.
func (h *Handler) resolvedAnywhere(ctx context.Context, tx Tx, e models.Event) ([]models.Event, error) {
	w, ok, err := tx.Work(ctx, e.ConversationID)
	if err != nil || !ok {
		return nil, err
	}
	away := ""
	if r, isAway := strings.CutPrefix(w.Assignee, awayPrefix); isAway {
		away = r
	} else if r := h.queueRegion(e.Queue); r != "" && r != h.Region {
		away = r // resolved by the workspace while it was there
	}
	if away == "" {
		if e.Attributes[originAttr] == originWorkspace {
			return nil, nil // the workspace applied it
		}
		return h.resolved(ctx, tx, e)
	}
	atx, err := across(tx)
	if err != nil {
		return nil, err
	}
	if w.Status != models.StatusResolved {
		w.Status, w.Assignee = models.StatusResolved, ""
		if err := atx.SaveWork(ctx, w); err != nil {
			return nil, err
		}
	}
	if err := atx.EndHandoffs(ctx, w.ConversationID); err != nil {
		return nil, err
	}
	rtx, err := atx.In(ctx, away)
	if err != nil {
		return nil, err
	}
	y, ok, err := rtx.Work(ctx, w.ConversationID)
	if err != nil || !ok {
		return nil, err
	}
	if err := rtx.RemoveWork(ctx, y.ConversationID); err != nil {
		return nil, err
	}
	if err := rtx.EndHandoffs(ctx, y.ConversationID); err != nil {
		return nil, err
	}
	if y.Status == models.StatusAssigned {
		return h.in(away).free(ctx, rtx, y.Assignee, e.ID+":"+away, h.now().UTC())
	}
	return nil, nil
}

// Destination is where transferConversation sends a conversation: an agent, a team of its
// region, another region, or its language's queue (all empty).
type Destination struct {
	Agent, Team, Region, Language string
}

// TransferTo transfers a conversation like Transfer, and also to a team of its region (its
// best available member, else the queue) or to another region (a hand-off; the region must
// have an agent writing the conversation's language, else ErrRegionLanguage and nothing
// changes).
func (w *Workspace) TransferTo(ctx context.Context, region, tenant, conv string, to Destination, by string) (Work, error) {
	switch {
	case to.Region != "":
		if w.Sun != nil && !slices.Contains(w.Sun.Regions, to.Region) {
			return Work{}, fmt.Errorf("%w: %q", ErrUnknownRegion, to.Region)
		}
		x, ok, err := w.Store.Find(ctx, region, tenant, conv)
		if err != nil {
			return x, err
		}
		if !ok {
			return x, ErrNotFound
		}
		if to.Region == region && !strings.HasPrefix(x.Assignee, awayPrefix) {
			return w.Transfer(ctx, region, tenant, conv, "", to.Language, by) // already there: its queue
		}
		return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
			x, err := open(ctx, tx, conv)
			if err != nil {
				return nil, err
			}
			atx, err := across(tx)
			if err != nil {
				return nil, err
			}
			if away, ok := strings.CutPrefix(x.Assignee, awayPrefix); ok {
				// Away in another region: taken from there.
				if away == to.Region {
					return nil, nil
				}
				if atx, err = atx.In(ctx, away); err != nil {
					return nil, err
				}
				var found bool
				if x, found, err = atx.Work(ctx, conv); err != nil || !found {
					return nil, errors.Join(err, ErrNotFound)
				}
				h = h.in(away)
			}
			if to.Language != "" {
				x.Language = baseLanguage(to.Language)
			}
			return h.handOff(ctx, atx, x, to.Region, ReasonTransfer, by, h.now().UTC())
		})
	case to.Team != "":
		return w.act(ctx, region, tenant, conv, func(h *Handler, tx Tx) ([]models.Event, error) {
			return h.toTeam(ctx, tx, conv, to.Team, by)
		})
	}
	return w.Transfer(ctx, region, tenant, conv, to.Agent, to.Language, by)
}

// toTeam gives a conversation to the best available member of a team of its region, or puts
// it back in its queue when none can take it now.
func (h *Handler) toTeam(ctx context.Context, tx Tx, conv, team, by string) ([]models.Event, error) {
	x, err := open(ctx, tx, conv)
	if err != nil {
		return nil, err
	}
	agents, err := h.roster(ctx, tx)
	if err != nil {
		return nil, err
	}
	members := slices.DeleteFunc(slices.Clone(agents), func(a *routing.Agent) bool { return !strings.EqualFold(a.Team, team) })
	if len(members) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTeam, team)
	}
	at := h.now().UTC()
	leaving := x.Assignee
	c := h.conversation(x)
	if leaving != "" {
		c.Exclude = []string{leaving}
	}
	d := h.Router.Route(c, members, at)
	x.Queue = d.Queue
	id := "transfer:" + randomID()
	e := h.event(x, models.ConversationTransferred, id, at)
	e.AgentID, e.ToQueue, e.Team, e.Attributes = leaving, x.Queue, team, map[string]string{"by": by, "team": team}
	events := []models.Event{e, h.decision(id, x, d, at)}
	if d.AgentID == "" {
		x.Status, x.Assignee, x.WaitingSince = models.StatusQueued, "", at
		q := h.event(x, models.ConversationQueued, "queued:"+id, at)
		q.Reason = "no member of team " + team + " available"
		events = append(events, q)
	} else {
		x.Status, x.Assignee = models.StatusAssigned, d.AgentID
		// Its id sorts after the transfer's: at the same instant, the assignment is the
		// status the history keeps.
		events = append(events, h.assigned(x, id+":assigned", at))
	}
	if err := tx.SaveWork(ctx, x); err != nil {
		return nil, err
	}
	if leaving != "" && leaving != x.Assignee {
		freed, err := h.free(ctx, tx, leaving, id+":freed", at)
		if err != nil {
			return nil, err
		}
		events = append(events, freed...)
	}
	return events, nil
}

// Granted returns the home region of a conversation handed to one of regions (the grant,
// recorded with the hand-off, to read it there); ok false when none of them has it.
func (w *Workspace) Granted(ctx context.Context, tenant, conv string, regions []string) (Handoff, bool, error) {
	hs, ok := w.Store.(HandoffStore)
	if !ok {
		return Handoff{}, false, nil
	}
	return hs.Granted(ctx, tenant, conv, regions)
}

// GrantsInto lists the conversations handed to one of regions that are still there (the
// grants to read them at home), by the region that has them; none without follow-the-sun.
func (w *Workspace) GrantsInto(ctx context.Context, tenant string, regions []string) (map[string]string, error) {
	hs, ok := w.Store.(HandoffStore)
	if !ok || w.Sun == nil {
		return map[string]string{}, nil
	}
	return hs.GrantsInto(ctx, tenant, regions)
}

// LatestHandoff is the conversation's latest hand-off recorded in region (its home region, or
// the one it was handed to); ok false when it has none.
func (w *Workspace) LatestHandoff(ctx context.Context, region, tenant, conv string) (Handoff, bool, error) {
	hs, ok := w.Store.(HandoffStore)
	if !ok {
		return Handoff{}, false, nil
	}
	recs, err := hs.Handoffs(ctx, region, tenant, conv)
	if err != nil || len(recs) == 0 {
		return Handoff{}, false, err
	}
	return recs[0], true, nil
}

var handoffs = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_handoffs_total",
	Help: "Conversations handed from one region to another (follow-the-sun and transfers), by from and to region and reason.",
}, []string{"from", "to", "reason"})

var notices = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_coverage_notices_total",
	Help: "Customers told when a person will be back because nobody on shift anywhere writes their language, by region.",
}, []string{"region"})
