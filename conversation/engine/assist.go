package engine

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// AIAgent is the agent id of what the AI sends and decides (message.sent, ai.action,
// conversation.resolved of a conversation it kept).
const AIAgent = "meridian-ai"

// Handover reasons the engine itself gives, beside the Assistant's (answers.Reason*).
const (
	// ReasonTextUnavailable: the message's text was not at hand (an engine restarted between
	// the message and its analysis), so nothing could be answered.
	ReasonTextUnavailable = "text_unavailable"
	// ReasonCannotSend: the conversation's channel cannot send replies here.
	ReasonCannotSend = "channel_cannot_send"
	// ReasonSendFailed: the answer could not be sent (the error is logged).
	ReasonSendFailed = "send_failed"
	// ReasonAssistantFailed: the Assistant failed (its error is logged).
	ReasonAssistantFailed = "assistant_failed"
)

// ErrCannotSend is what Assistant.Send wraps when the conversation cannot be answered
// through a channel here (none configured for sending, or no channel address: its messages
// came through the events API).
var ErrCannotSend = errors.New("the conversation's channel cannot send replies here")

// Assistant answers customers' messages with AI before a person is asked (the answers
// package behind an adapter in cmd/meridian). The engine asks it outside any transaction.
type Assistant interface {
	// Observe sees each inbound message.received of the region, before its analysis: the
	// Assistant keeps what it needs to answer it (its sealed text).
	Observe(e models.Event)
	// Answer answers the customer's message analysed by e (message.analyzed; attribute
	// message_id names the message).
	Answer(ctx context.Context, e models.Event) (Suggestion, error)
	// Send sends text to the conversation's customer once per key (a repeated key sends
	// nothing); ErrCannotSend when its channel cannot send here.
	Send(ctx context.Context, tenant, conversationID, language, text, key string) error
}

// Suggestion is the Assistant's answer to a message.
type Suggestion struct {
	// Handover: a person should take it; Reasons say why (stable codes).
	Handover bool
	Reasons  []string
	// ArticleID is the knowledge base's article the text comes from ("" when none).
	ArticleID, Text, Language string
	// Method is how the text was made (passage, generated, template, order); Confidence is
	// 0..1. OrderNumber is the order an answer from the shop is about.
	Method      string
	Confidence  float64
	OrderNumber string

	// whileQueued: asked for a queued conversation while nobody is on shift for its
	// language (the AI keeps it until a person is back).
	whileQueued bool
}

// nobodyOnShift reports whether w waits in the queue while no agent of the region who writes
// its language is online and on shift: the AI then keeps answering what it can until a
// person is back (follow-the-sun tells the customer when), the conversation staying queued
// for that person.
func (h *Handler) nobodyOnShift(ctx context.Context, tenant string, w Work) (bool, error) {
	if w.Status != models.StatusQueued {
		return false, nil
	}
	as, err := h.Store.Roster(ctx, h.Region, tenant)
	if err != nil {
		return false, err
	}
	return !staffed(routingAgents(as, nil), w.Language, h.now()), nil
}

// DefaultBotResolveAfter is how long a conversation the AI answered stays open, the
// customer silent, before it counts as resolved by the AI.
const DefaultBotResolveAfter = 30 * time.Minute

// eligibleForAI reports whether the AI may answer in a conversation in state w (ok: the
// engine knows it): a new or resolved one, or one the AI already keeps. A person's
// conversation stays theirs.
func eligibleForAI(w Work, ok bool) bool {
	return !ok || w.Status == models.StatusResolved || w.Status == models.StatusBot
}

// ask is the AI's step for an analysed inbound message: nil when there is no Assistant,
// when a person has the conversation or will take it (queued while someone who writes its
// language is on shift), or when this message was decided before (a replay
// asks nothing and sends nothing). An answer is sent before the decision is recorded, keyed
// by the message: a crash in between leaves the customer answered once, and the replay
// finds no text and hands the conversation to a person.
func (h *Handler) ask(ctx context.Context, e models.Event) (*Suggestion, error) {
	if h.Assistant == nil {
		return nil, nil
	}
	if done, err := h.Store.Decided(ctx, h.Region, e.Tenant, e.ID); err != nil || done {
		return nil, err
	}
	w, ok, err := h.Store.Find(ctx, h.Region, e.Tenant, e.ConversationID)
	if err != nil {
		return nil, err
	}
	keeps := false
	if !eligibleForAI(w, ok) {
		if keeps, err = h.nobodyOnShift(ctx, e.Tenant, w); err != nil || !keeps {
			return nil, err
		}
	}
	s, err := h.Assistant.Answer(ctx, e)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		h.log().WarnContext(ctx, "AI answer failed; a person takes it", "region", h.Region, "conversation", e.ConversationID, "err", err)
		s = Suggestion{Handover: true, Reasons: []string{ReasonAssistantFailed}}
	}
	s.whileQueued = keeps
	if s.Handover || s.Text == "" {
		s.Handover = true
		if len(s.Reasons) == 0 {
			s.Reasons = []string{ReasonTextUnavailable}
		}
		return &s, nil
	}
	lang := s.Language
	if lang == "" {
		lang = e.Language
	}
	switch err := h.Assistant.Send(ctx, e.Tenant, e.ConversationID, lang, s.Text, aiReplyKey(e.ID)); {
	case errors.Is(err, ErrCannotSend):
		s.Handover, s.Reasons = true, []string{ReasonCannotSend}
	case err != nil:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Not sent: a person answers rather than the stream waiting on the channel.
		h.log().WarnContext(ctx, "AI answer not sent; a person takes it", "region", h.Region, "conversation", e.ConversationID, "err", err)
		s.Handover, s.Reasons = true, []string{ReasonSendFailed}
	default:
		aiAnswers.WithLabelValues(h.Region).Inc()
	}
	return &s, nil
}

// aiReplyKey is the client message id of the AI's reply to the message analysed by the
// event with id analysisID: one reply per message however often it is asked for.
func aiReplyKey(analysisID string) string { return "ai:" + analysisID }

// automate records that the AI answered: the conversation is the bot's (status bot, no
// queue, no assignee, no clocks), with conversation.automated and ai.action answered.
func (h *Handler) automate(ctx context.Context, tx Tx, w Work, e models.Event, s Suggestion, at time.Time) ([]models.Event, error) {
	w.Status, w.Assignee, w.Queue = models.StatusBot, "", ""
	w.FirstResponseDue, w.ResolutionDue, w.NextResponseDue = nil, nil, nil
	if err := tx.SaveWork(ctx, w); err != nil {
		return nil, err
	}
	c := s.Confidence
	x := h.event(w, models.ConversationAutomated, "automated:"+e.ID, at)
	x.AgentID, x.Confidence = AIAgent, &c
	x.Attributes = aiAttributes(e, s)
	return []models.Event{x, h.aiAnswered(w, e, s, at)}, nil
}

// aiAnswered is the ai.action answered of the AI's reply to the message analysed by e.
func (h *Handler) aiAnswered(w Work, e models.Event, s Suggestion, at time.Time) models.Event {
	c := s.Confidence
	a := h.event(w, models.AIAction, "ai-answered:"+e.ID, at)
	a.Action, a.AgentID, a.Confidence = "answered", AIAgent, &c
	a.Attributes = aiAttributes(e, s)
	return a
}

// answeredWhileQueued records the AI's answer in a conversation that stays queued for the
// person who comes on shift: ai.action answered, nothing else changes.
func (h *Handler) answeredWhileQueued(ctx context.Context, tx Tx, w Work, e models.Event, s Suggestion, at time.Time) ([]models.Event, error) {
	if err := tx.SaveWork(ctx, w); err != nil {
		return nil, err
	}
	a := h.aiAnswered(w, e, s, at)
	a.Attributes["while_queued"] = "true"
	return []models.Event{a}, nil
}

// handover is the ai.action handed_to_agent of a message the AI passed to a person: reason
// the first reason, attribute handover_reasons all of them, and the article of the draft
// (the draft itself is not kept: the agent's workspace asks answer for it, so no text of the
// AI's, which may quote the customer, lies unsealed in the decisions).
func (h *Handler) handover(w Work, e models.Event, s Suggestion, at time.Time) models.Event {
	a := h.event(w, models.AIAction, "ai-handover:"+e.ID, at)
	a.Action, a.AgentID, a.Reason = "handed_to_agent", AIAgent, s.Reasons[0]
	c := s.Confidence
	a.Confidence = &c
	a.Attributes = aiAttributes(e, s)
	a.Attributes["handover_reasons"] = strings.Join(s.Reasons, ",")
	return a
}

func aiAttributes(e models.Event, s Suggestion) map[string]string {
	attrs := map[string]string{"message_id": e.Attributes["message_id"]}
	for k, v := range map[string]string{"article_id": s.ArticleID, "method": s.Method, "answer_language": s.Language, "order_number": s.OrderNumber} {
		if v != "" {
			attrs[k] = v
		}
	}
	return attrs
}

// botResolved resolves a conversation the AI kept whose customer stayed silent: the AI's
// ai.action resolved and conversation.resolved.
func (h *Handler) botResolved(ctx context.Context, tx Tx, o Overdue, id string) ([]models.Event, error) {
	w, ok, err := tx.Work(ctx, o.ConversationID)
	if err != nil || !ok || w.Status != models.StatusBot || w.LastCustomerAt == nil || !w.LastCustomerAt.Equal(o.DueAt) {
		return nil, err // the customer wrote again, or someone else decided
	}
	at := h.now().UTC()
	w.Status, w.PreviousAgent = models.StatusResolved, AIAgent
	stop(&w)
	if err := tx.SaveWork(ctx, w); err != nil {
		return nil, err
	}
	a := h.event(w, models.AIAction, "ai-resolved:"+id, at)
	a.Action, a.AgentID = "resolved", AIAgent
	r := h.event(w, models.ConversationResolved, "resolved:"+id, at)
	r.AgentID, r.Reason = AIAgent, "ai_answered"
	r.Attributes = map[string]string{"by": "engine"}
	return []models.Event{a, r}, nil
}

// resolveIdleBots resolves the region's conversations the AI kept whose customer has been
// silent for BotResolveAfter (one round of WatchSLA).
func (h *Handler) resolveIdleBots(ctx context.Context, now time.Time) {
	if h.Assistant == nil {
		return
	}
	after := h.BotResolveAfter
	if after <= 0 {
		after = DefaultBotResolveAfter
	}
	idle, err := h.Store.BotIdle(ctx, h.Region, now.Add(-after), 500)
	if err != nil {
		h.log().WarnContext(ctx, "AI conversations watch", "region", h.Region, "err", err)
		return
	}
	for _, o := range idle {
		id := "bot-resolved:" + o.ConversationID + ":" + strconv.FormatInt(o.DueAt.UnixMilli(), 10)
		err := h.decide(ctx, o.Tenant, id, o.ConversationID, func(tx Tx) ([]models.Event, error) { return h.botResolved(ctx, tx, o, id) })
		if err != nil {
			h.log().WarnContext(ctx, "AI resolution not recorded yet", "region", h.Region, "conversation", o.ConversationID, "err", err)
		}
	}
}
