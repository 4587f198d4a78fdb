package graphql

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/meridian-cs/meridian/answers"
	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
)

func (r queryResolver) Answer(ctx context.Context, question string, language, conversationID *string) (*generated.Answer, error) {
	p, err := r.principalFor(ctx, auth.ActionAnswer, "")
	if err != nil {
		return nil, err
	}
	if r.answers == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "answer: answers are not configured on this server (no knowledge base)")
	}
	a, err := r.answers.Answer(ctx, p.Tenant, answers.Question{Text: question, Language: deref(language), ConversationID: deref(conversationID)})
	var fe *answers.FieldError
	if errors.As(err, &fe) {
		return nil, statusErrorf(http.StatusBadRequest, "answer.%s: %s", fe.Field, fe.Reason)
	}
	if err != nil {
		return nil, r.fail(ctx, fmt.Errorf("answer: %w", err))
	}
	return answerOut(a), nil
}

func answerOut(a answers.Answer) *generated.Answer {
	out := &generated.Answer{ArticleID: optional(a.ArticleID), Text: a.Text, Confidence: a.Confidence, Language: a.Language,
		Handover: a.Handover, Reason: a.Reason}
	if s := a.Source; s != nil {
		out.Source = &generated.AnswerSource{ArticleID: s.ArticleID, Language: s.Language, Title: s.Title, Method: s.Method,
			TranslatedBy: optional(s.TranslatedBy), Model: optional(s.Model), Score: s.Score}
	}
	return out
}

// maxDraftMessages bounds the messages read to find a conversation's latest customer message.
const maxDraftMessages = 1000

func (c conversationResolver) Draft(ctx context.Context, obj *metrics.Conversation) (*generated.Answer, error) {
	p, err := c.principalFor(ctx, auth.ActionAnswer, "")
	if err != nil {
		return nil, err
	}
	if c.answers == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "draft: answers are not configured on this server (no knowledge base)")
	}
	p, region, err := c.reader(ctx, p, obj.Region, obj.ID)
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	ms, err := c.engine.Messages(ctx, p, region, obj.ID, min(max(obj.Messages, 1), maxDraftMessages))
	if err != nil {
		return nil, c.fail(ctx, fmt.Errorf("draft of %s: %w", obj.ID, err))
	}
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		if m.Direction != models.Inbound || m.Text == "" {
			continue
		}
		text := c.gate.Text(ctx, p, m.Region, m.CustomerID, m.Text)
		if text == "" {
			return nil, nil // erased: nothing to answer
		}
		lang := m.Language
		if m.Analysis != nil && m.Analysis.Language != "" && m.Analysis.Language != "und" {
			lang = m.Analysis.Language
		}
		a, err := c.answers.Answer(ctx, p.Tenant, answers.Question{Text: text, Language: lang, ConversationID: obj.ID})
		var fe *answers.FieldError
		if errors.As(err, &fe) {
			return nil, nil // a message no question can be made of (its language unknown, ...)
		}
		if err != nil {
			return nil, c.fail(ctx, fmt.Errorf("draft of %s: %w", obj.ID, err))
		}
		return answerOut(a), nil
	}
	return nil, nil
}
