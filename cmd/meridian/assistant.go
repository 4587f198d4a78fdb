package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/answers"
	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/commerce"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/models"
)

// assistant builds the engine's AI step (--ai-answers on): the answers service, the
// messages' sealed text kept from arrival to analysis, the engine's outbox for the replies.
// A nil Assistant (off) sends every message to a person.
func (p *platform) assistant() (engine.Assistant, time.Duration, error) {
	after, err := p.cfg.duration("ai-resolve-after")
	if err != nil {
		return nil, 0, err
	}
	if after <= 0 {
		return nil, 0, fmt.Errorf("--ai-resolve-after: %v is not a positive duration", after)
	}
	switch p.cfg.str("ai-answers") {
	case "off":
		return nil, after, nil
	case "on":
	default:
		return nil, 0, fmt.Errorf("--ai-answers: %q is not on or off", p.cfg.str("ai-answers"))
	}
	if p.answers == nil {
		return nil, 0, errors.New("--ai-answers on: the answers service is not configured")
	}
	return &aiAssistant{answers: p.answers, keys: p.keyring, out: p.engineOut, texts: newTextRing(aiTextsKept)}, after, nil
}

// aiTextsKept is how many inbound messages' sealed texts wait for their analysis: far more
// than the analysis is ever behind, so only a restart loses one (and a person takes it).
const aiTextsKept = 50_000

// aiAssistant implements engine.Assistant with package answers: order questions from the
// shop, the rest from the knowledge base.
type aiAssistant struct {
	answers *answers.Service
	keys    *shred.Keyring
	out     *engineOutbox
	texts   *textRing
}

// Observe implements engine.Assistant: it keeps the message's text, sealed as it came.
func (a *aiAssistant) Observe(e models.Event) {
	if e.Text != "" {
		t := sealedText{region: e.Region, customer: e.CustomerID, text: e.Text}
		if e.Customer != nil {
			t.email, t.phone = e.Customer.Email, e.Customer.Phone
		}
		a.texts.put(e.Tenant+"\x00"+e.ID, t)
	}
}

// Answer implements engine.Assistant.
func (a *aiAssistant) Answer(ctx context.Context, e models.Event) (engine.Suggestion, error) {
	id := e.Attributes["message_id"]
	if e.Type == models.MessageReceived {
		id = e.ID
	}
	t, ok := a.texts.get(e.Tenant + "\x00" + id)
	if !ok {
		return engine.Suggestion{Handover: true, Reasons: []string{engine.ReasonTextUnavailable}}, nil
	}
	text, who := t.text, commerce.Customer{Email: t.email, Phone: t.phone}
	if a.keys != nil {
		o, err := a.keys.Opener(ctx, t.region, e.Tenant, t.customer)
		if errors.Is(err, shred.ErrErased) {
			return engine.Suggestion{Handover: true, Reasons: []string{engine.ReasonTextUnavailable}}, nil
		}
		if err != nil {
			return engine.Suggestion{}, err
		}
		for _, f := range []*string{&text, &who.Email, &who.Phone} {
			if *f == "" {
				continue
			}
			if *f, err = o.Open(*f); err != nil {
				return engine.Suggestion{}, fmt.Errorf("the message's personal fields do not open: %w", err)
			}
		}
	}
	q := answers.Question{Text: text, Language: e.Language, ConversationID: e.ConversationID}
	// A question quoting an order number is answered from the shop, to the order's owner only.
	ans, ok, err := a.answers.AnswerOrder(ctx, e.Tenant, q, who)
	if err == nil && !ok {
		ans, err = a.answers.Answer(ctx, e.Tenant, q)
	}
	if err != nil {
		return engine.Suggestion{}, err
	}
	s := engine.Suggestion{Handover: ans.Handover, Reasons: ans.HandoverReasons, ArticleID: ans.ArticleID, Text: ans.Text,
		Language: ans.Language, Confidence: ans.Confidence}
	if ans.Source != nil {
		s.Method, s.OrderNumber = ans.Source.Method, ans.Source.OrderNumber
	}
	return s, nil
}

// Send implements engine.Assistant through the channels' outbox, once per key. A reply the
// channel refused for good (state failed: no token to send with, a recipient it rejects)
// cannot be sent; one left pending is retried by the outbox and counts as sent.
func (a *aiAssistant) Send(ctx context.Context, tenant, conv, language, text, key string) error {
	m, err := a.out.send(ctx, channels.Reply{Tenant: tenant, ConversationID: conv, Text: text, ClientMessageID: key,
		AgentID: engine.AIAgent, Localisation: &channels.Localisation{Language: language}})
	switch {
	case errors.Is(err, channels.ErrNoSender) || errors.Is(err, channels.ErrNoAddress):
		return fmt.Errorf("%w: %w", engine.ErrCannotSend, err)
	case err != nil:
		return err
	case m.State == channels.StateFailed:
		return fmt.Errorf("%w: %s", engine.ErrCannotSend, m.Reason)
	}
	return nil
}

// sealedText is a message's text as it came through Kafka: sealed with its customer's key.
type sealedText struct {
	region, customer, text string
	email, phone           string // the customer's contact as the channel verified it, sealed
}

// textRing keeps the last n texts by key; the oldest goes first.
type textRing struct {
	mu    sync.Mutex
	byKey map[string]sealedText
	keys  []string
	next  int
}

func newTextRing(n int) *textRing {
	return &textRing{byKey: make(map[string]sealedText, n), keys: make([]string, n)}
}

func (r *textRing) put(key string, t sealedText) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byKey[key]; ok {
		r.byKey[key] = t
		return
	}
	delete(r.byKey, r.keys[r.next])
	r.keys[r.next] = key
	r.next = (r.next + 1) % len(r.keys)
	r.byKey[key] = t
}

func (r *textRing) get(key string) (sealedText, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.byKey[key]
	return t, ok
}
