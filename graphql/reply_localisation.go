package graphql

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/translation"
	"github.com/meridian-cs/meridian/understanding/culture"
)

// localise puts a reply into the customer's language and culture: a template instead of
// text, a translation from the agent's language, the culture profile's adaptation; and it
// scores the sent text's cultural fit for analytics. The customer's language is the detected
// language of their latest message. Nothing is sent when a translation is needed and cannot
// be made: the agent chooses a template or writes in the customer's language.
func (r mutationResolver) localise(ctx context.Context, p auth.Principal, in generated.SendMessageInput) (string, *channels.Localisation, error) {
	text := deref(in.Text)
	switch {
	case in.Template != nil && in.Text != nil:
		return "", nil, statusErrorf(http.StatusBadRequest, "sendMessage.input.template: give text or a template, not both")
	case in.Template == nil && strings.TrimSpace(text) == "":
		return "", nil, statusErrorf(http.StatusBadRequest, "sendMessage.input.text: is empty (give text or a template)")
	case in.Template != nil && !slices.Contains(culture.TemplateKeys, *in.Template):
		return "", nil, statusErrorf(http.StatusBadRequest, "sendMessage.input.template: %q is not a template (%s)", *in.Template, strings.Join(culture.TemplateKeys, ", "))
	}
	if in.Language != nil {
		if err := checkLanguageTag("sendMessage.input.language", *in.Language); err != nil {
			return "", nil, err
		}
	}
	if r.replies == nil || r.engine == nil {
		return text, nil, nil
	}
	a, err := r.replies.Address(ctx, p.Tenant, in.ConversationID)
	if errors.Is(err, channels.ErrNoAddress) {
		return "", nil, statusErrorf(http.StatusBadRequest, "sendMessage.input.conversationId: %s", err)
	} else if err != nil {
		return "", nil, r.fail(ctx, err)
	}
	if !p.Can(auth.ActionReply, a.Region) {
		return "", nil, statusErrorf(http.StatusForbidden, "sendMessage.input.conversationId: %s", channels.ErrForbidden)
	}
	lang, err := r.engine.CustomerLanguage(ctx, p, a.Region, in.ConversationID)
	if err != nil {
		if in.Language == nil && in.Template == nil && !deref(in.Adapt) {
			// The reply does not depend on it: it goes out without a fit score.
			r.log.WarnContext(ctx, "sendMessage: the customer's language is unknown; the reply is sent unscored", "err", err)
			return text, nil, nil
		}
		return "", nil, r.fail(ctx, err)
	}
	loc := &channels.Localisation{Language: lang}
	if in.Template != nil {
		if lang == "" {
			return "", nil, statusErrorf(http.StatusConflict, "sendMessage.input.template: the customer's language is not known yet (their messages are not analysed): write the reply")
		}
		text, loc.Template = culture.Template(*in.Template, lang), *in.Template
	}
	if in.Language != nil && lang != "" && in.Template == nil && models.BaseLanguage(*in.Language) != models.BaseLanguage(lang) {
		if r.translator == nil {
			return "", nil, statusErrorf(http.StatusConflict, "sendMessage.input.language: the customer writes %s and no translation provider is configured (MERIDIAN_TRANSLATE_PROVIDER): send a template or write in %s", lang, lang)
		}
		tctx := translation.WithScope(ctx, translation.Scope{Tenant: p.Tenant, Region: a.Region, Customer: a.CustomerID})
		res, err := translation.ForCustomer(tctx, r.translator, text, *in.Language, lang, "")
		if err != nil {
			return "", nil, statusErrorf(http.StatusBadGateway, "sendMessage.input.language: nothing sent: the translation into %s failed: %s", lang, translation.Reason(err))
		}
		if len(res.Texts) != 1 || strings.TrimSpace(res.Texts[0]) == "" {
			return "", nil, statusErrorf(http.StatusBadGateway, "sendMessage.input.language: nothing sent: the translation provider answered no text")
		}
		loc.OriginalText, loc.OriginalLanguage, loc.TranslatedBy = text, *in.Language, res.Provider
		text = res.Texts[0]
	} else if in.Language != nil && lang == "" {
		loc.Language = *in.Language
	}
	if deref(in.Adapt) && loc.Language != "" {
		ad := culture.Adapt(text, loc.Language)
		text = ad.Text
		for _, rule := range ad.Rules {
			loc.Adapted = append(loc.Adapted, rule.ID)
		}
	}
	if loc.Language != "" {
		fit := culture.FitOf(text, loc.Language)
		loc.CulturalFit = &fit.Score
		for _, issue := range fit.Issues {
			loc.CultureIssues = append(loc.CultureIssues, issue.ID)
		}
	}
	return text, loc, nil
}

func (r outboundMessageResolver) Localisation(ctx context.Context, m *channels.OutboundMessage) (*generated.ReplyLocalisation, error) {
	l := m.Localisation
	if l == nil {
		return nil, nil
	}
	out := &generated.ReplyLocalisation{Language: optional(l.Language), OriginalLanguage: optional(l.OriginalLanguage),
		TranslatedBy: optional(l.TranslatedBy), Template: optional(l.Template), CulturalFit: l.CulturalFit,
		CultureRules: append([]string{}, l.Adapted...), CultureIssues: append([]string{}, l.CultureIssues...)}
	if l.OriginalText != "" {
		p, _ := auth.FromContext(ctx)
		out.OriginalText = optional(r.gate.Text(ctx, p, m.Region, m.CustomerID, l.OriginalText))
	}
	return out, nil
}
