package engine_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/models"
)

// assistant answers every message it observed, except the first of conversations named
// "human-…" (a person requested), "mute-…" (a channel that cannot send) and "broken-…" (a send that
// fails); it records every send.
type assistant struct {
	mu       sync.Mutex
	observed []string
	sent     map[string]int // key → sends
	asked    int
	forget   bool            // observe nothing
	handed   map[string]bool // the "human-…" conversations handed over once
}

func (a *assistant) Observe(e models.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.forget {
		a.observed = append(a.observed, e.ID)
	}
}

func (a *assistant) Answer(_ context.Context, e models.Event) (engine.Suggestion, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked++
	if !slices.Contains(a.observed, e.ID) {
		return engine.Suggestion{Handover: true, Reasons: []string{engine.ReasonTextUnavailable}}, nil
	}
	if strings.HasPrefix(e.ConversationID, "human-") && !a.handed[e.ConversationID] {
		if a.handed == nil {
			a.handed = map[string]bool{}
		}
		a.handed[e.ConversationID] = true
		return engine.Suggestion{Handover: true, Reasons: []string{"person_requested"}, ArticleID: "shipping", Text: "draft", Confidence: 0.8}, nil
	}
	return engine.Suggestion{ArticleID: "shipping", Text: "Orders ship within 2 days.", Language: "en", Method: "passage", Confidence: 0.8}, nil
}

func (a *assistant) Send(_ context.Context, _, conv, _, _, key string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if strings.HasPrefix(conv, "mute-") {
		return engine.ErrCannotSend
	}
	if strings.HasPrefix(conv, "broken-") {
		return errors.New("the ledger refused the reply")
	}
	if a.sent == nil {
		a.sent = map[string]int{}
	}
	a.sent[key]++
	return nil
}

// The AI answers a new conversation once (status bot, no person asked, the reply sent once
// even when the message comes again); when the customer then asks for a person, the AI hands
// over with its reason and the person's first-response clock starts at that message; a
// conversation whose channel cannot send goes to a person; and one the AI answered and whose
// customer stayed silent is resolved by the AI once.
func TestTheAIAnswersFirstAndHandsOverWithItsReasons(t *testing.T) {
	c := newClocked(t, statusPolicy)
	a := &assistant{}
	c.h.Assistant, c.h.BotResolveAfter = a, 30*time.Minute
	c.agent(conversation.Agent{ID: "anna", Name: "Anna", Region: "eu", Languages: map[string]int{"en": 5}, MaxConcurrent: 5, Timezone: "UTC"}, true)

	first := c.customer("c1", "en")
	c.feed(first)
	if w := c.work("c1"); w.Status != models.StatusBot || w.Assignee != "" || w.FirstResponseDue != nil {
		t.Fatalf("answered by the AI: %+v", w)
	}
	if got := c.decided("c1"); !slices.Equal(got, []string{"conversation.automated>meridian-ai:", "ai.action>meridian-ai:"}) {
		t.Fatalf("decided %v", got)
	}
	c.feed(first) // the same message again: nothing asked, nothing sent, nothing decided
	if a.asked != 1 || len(a.sent) != 1 || a.sent["ai:"+first.ID] != 1 {
		t.Fatalf("asked %d times, sent %v", a.asked, a.sent)
	}

	c.advance(5 * time.Minute)
	more := c.customer("c1", "en")
	c.feed(more)
	if w := c.work("c1"); w.Status != models.StatusBot {
		t.Fatalf("a second question the AI answers stays the AI's: %+v", w)
	}

	c.advance(time.Minute)
	person := c.customer("human-1", "en")
	c.feed(person)
	w := c.work("human-1")
	if w.Status != models.StatusAssigned || w.Assignee != "anna" {
		t.Fatalf("handed over: %+v", w)
	}
	if got := c.decided("human-1"); !slices.Contains(got, "ai.action>meridian-ai:person_requested") || !slices.Contains(got, "conversation.assigned>anna:") {
		t.Fatalf("decided %v", got)
	}
	if len(a.sent) != 2 {
		t.Fatalf("a handover sends nothing: %v", a.sent)
	}

	mute := c.customer("mute-1", "en")
	c.feed(mute)
	if w := c.work("mute-1"); w.Status != models.StatusAssigned {
		t.Fatalf("a channel that cannot send goes to a person: %+v", w)
	}
	if got := c.decided("mute-1"); !slices.Contains(got, "ai.action>meridian-ai:"+engine.ReasonCannotSend) {
		t.Fatalf("decided %v", got)
	}

	c.feed(c.customer("broken-1", "en")) // a failing send hands over; the stream goes on
	if got := c.decided("broken-1"); !slices.Contains(got, "ai.action>meridian-ai:"+engine.ReasonSendFailed) {
		t.Fatalf("decided %v", got)
	}

	// A conversation the AI keeps whose customer writes what it hands over: a person takes it
	// with a first-response clock from that message.
	c.advance(time.Minute)
	c.feed(c.customer("c2", "en"))
	c.advance(time.Minute)
	a.mu.Lock()
	a.forget = true // as after a restart between the message and its analysis
	a.mu.Unlock()
	c.feed(c.customer("c2", "en"))
	w = c.work("c2")
	if w.Status != models.StatusAssigned || w.FirstResponseDue == nil || !w.FirstResponseDue.Equal(c.now.Add(10*time.Minute)) {
		t.Fatalf("handed over from the AI with a fresh clock: %+v (due %s)", w, at(w.FirstResponseDue))
	}

	// Silent for the resolve-after (c1's customer last wrote 2 minutes ago): resolved by the
	// AI, once.
	c.advance(27 * time.Minute)
	c.h.CheckSLA(context.Background())
	if w := c.work("c1"); w.Status != models.StatusBot {
		t.Fatalf("resolved too early: %+v", w)
	}
	c.advance(2 * time.Minute)
	c.h.CheckSLA(context.Background())
	c.h.CheckSLA(context.Background())
	if w := c.work("c1"); w.Status != models.StatusResolved {
		t.Fatalf("not resolved by the AI: %+v", w)
	}
	if got := c.decided("c1"); count(got, "conversation.resolved>meridian-ai:ai_answered") != 1 || count(got, "ai.action") != 3 {
		t.Fatalf("decided %v", got)
	}
}

// While nobody who writes its language is on shift, the AI answers what it can in a queued
// conversation, which stays queued for the person who comes on shift; while someone is on
// shift, a queued conversation is theirs to take and the AI stays out of it.
func TestTheAIKeepsAQueuedConversationWhileNobodyIsOnShift(t *testing.T) {
	c := newClocked(t, statusPolicy)
	a := &assistant{}
	c.h.Assistant = a
	c.agent(conversation.Agent{ID: "lena", Name: "Lena", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "UTC"}, true)

	c.feed(c.customer("human-ja", "ja")) // handed over: nobody writes Japanese
	if w := c.work("human-ja"); w.Status != models.StatusQueued {
		t.Fatalf("human-ja: %+v", w)
	}
	c.advance(time.Minute)
	later := c.customer("human-ja", "ja")
	c.feed(later)
	if w := c.work("human-ja"); w.Status != models.StatusQueued || a.sent["ai:"+later.ID] != 1 {
		t.Fatalf("answered while queued: %+v, sent %v", w, a.sent)
	}
	if got := c.decided("human-ja"); !slices.Equal(got, []string{"ai.action>meridian-ai:person_requested", "conversation.queued>:no agent online for ja in eu", "ai.action>meridian-ai:"}) {
		t.Fatalf("decided %v", got)
	}

	c.feed(c.customer("human-de1", "de")) // Lena takes it
	c.feed(c.customer("human-de2", "de")) // Lena is full: it waits
	if w := c.work("human-de2"); w.Status != models.StatusQueued {
		t.Fatalf("human-de2: %+v", w)
	}
	c.advance(time.Minute)
	asked := a.asked
	again := c.customer("human-de2", "de")
	c.feed(again)
	if a.asked != asked || a.sent["ai:"+again.ID] != 0 {
		t.Fatalf("the AI answered a queued conversation while Lena is on shift: asked %d→%d, sent %v", asked, a.asked, a.sent)
	}
}
