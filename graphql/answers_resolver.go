package graphql

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/meridian-cs/meridian/answers"
	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql/generated"
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
	out := &generated.Answer{ArticleID: optional(a.ArticleID), Text: a.Text, Confidence: a.Confidence, Language: a.Language,
		Handover: a.Handover, Reason: a.Reason}
	if s := a.Source; s != nil {
		out.Source = &generated.AnswerSource{ArticleID: s.ArticleID, Language: s.Language, Title: s.Title, Method: s.Method,
			TranslatedBy: optional(s.TranslatedBy), Model: optional(s.Model), Score: s.Score}
	}
	return out, nil
}
