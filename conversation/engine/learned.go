package engine

import (
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation/history"
	"github.com/meridian-cs/meridian/conversation/predict"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/models"
)

// History gives the engine what routing learned from ClickHouse: the latest snapshot of a
// region's tenant, nil when there is none yet (conversation/history.Learner). It must not
// block: decisions call it inside their transaction.
type History interface {
	Snapshot(region, tenant string) *history.Snapshot
}

func (h *Handler) snapshot(tx Tx) *history.Snapshot {
	if h.History == nil {
		return nil
	}
	return h.History.Snapshot(h.Region, tx.Tenant())
}

// withHistory gives the roster's agents their records (shared, read-only maps).
func (h *Handler) withHistory(tx Tx, agents []*routing.Agent) {
	s := h.snapshot(tx)
	if s == nil {
		return
	}
	for _, a := range agents {
		a.Stats = s.Agents[a.ID]
	}
}

// priorityOf is a conversation's priority from its urgency and tier, a tier the ROI
// values make valuable counting as a VIP's (routing.PriorityOfValue).
func (h *Handler) priorityOf(tx Tx, w Work) routing.Priority {
	s := h.snapshot(tx)
	if s == nil {
		return routing.PriorityOf(w.Urgency, w.Tier)
	}
	return routing.PriorityOfValue(w.Urgency, w.Tier, s.TierValue(w.Tier))
}

// learned is one decision's (or sweep's) view of history: the router centred on the
// region's record, and the expected waits per language, computed once.
type learned struct {
	h      *Handler
	s      *history.Snapshot // nil: a cold start
	router *routing.Router
	agents []*routing.Agent
	at     time.Time
	waits  map[string]time.Duration // base language → expected wait
}

func (h *Handler) learn(tx Tx, agents []*routing.Agent, at time.Time) *learned {
	l := &learned{h: h, s: h.snapshot(tx), router: h.Router, agents: agents, at: at}
	if l.s != nil {
		l.router = l.s.Router(h.Router)
	}
	return l
}

// conversation is w as the router sees it, with what history predicts for it; trigger is
// the message being routed (nil in a sweep or when capacity frees), whose analysis says
// whether it needs retention and gives its sentiment.
func (l *learned) conversation(w Work, trigger *models.Event) routing.Conversation {
	c := l.h.conversation(w)
	features := predict.Features{Language: w.Language, Channel: w.Channel, Intent: w.Intent, IssueType: w.IssueType,
		Tier: w.Tier, Urgency: w.Urgency, Messages: 1}
	if trigger != nil {
		c.NeedsRetention = trigger.Attributes[models.AttrRetention] == "true"
		if trigger.Sentiment != nil {
			features.Sentiment = *trigger.Sentiment
		}
	}
	if l.s == nil {
		return c
	}
	c.CustomerValue = l.s.TierValue(w.Tier)
	if l.s.Handle != nil {
		c.HandleSeconds = l.s.Handle.HandleSeconds(features)
	}
	c.ExpectedWait = l.wait(c)
	return c
}

// wait is the expected wait in c's language: Erlang C over the language's demand and the
// capacity for c's kind of work of the region's agents online and on shift who speak it.
func (l *learned) wait(c routing.Conversation) time.Duration {
	lang := baseLanguage(c.Language)
	if lang == "" {
		return 0
	}
	if w, ok := l.waits[lang]; ok {
		return w
	}
	servers := l.router.Staffing(l.h.Region, lang, c.Kind, l.agents, l.at)
	w := l.s.WaitFor(lang, l.at, servers)
	if l.waits == nil {
		l.waits = map[string]time.Duration{}
	}
	l.waits[lang] = w
	return w
}

// explain adds to a routing.decided's attributes what a supervisor needs to see why:
// each candidate's reasons (language, skills, history:resolution, history:csat, load,
// fairness...), the predicted handling time and the expected wait that weighed the load
// and the skills.
func explain(attrs map[string]string, d routing.Decision) {
	if len(d.Candidates) > 0 {
		parts := make([]string, len(d.Candidates))
		for i, c := range d.Candidates {
			parts[i] = c.AgentID + ":" + strings.Join(c.Reasons, " ")
		}
		attrs["candidate_reasons"] = strings.Join(parts, "|")
	}
	if d.HandleSeconds > 0 {
		attrs["handle_seconds"] = strconv.FormatFloat(d.HandleSeconds, 'f', 0, 64)
	}
	switch {
	case d.ExpectedWait == predict.Unbounded:
		attrs["expected_wait_seconds"] = "unbounded"
	case d.ExpectedWait > 0:
		attrs["expected_wait_seconds"] = strconv.FormatFloat(d.ExpectedWait.Seconds(), 'f', 0, 64)
	}
}
