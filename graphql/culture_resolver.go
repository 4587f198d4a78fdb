package graphql

import (
	"context"
	"strings"

	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/understanding/culture"
)

// Culture is the culture profile of the customer's language (their latest message's) and
// the conversation's country: what the reply box suggests and adaptReply applies.
func (c conversationResolver) Culture(ctx context.Context, obj *metrics.Conversation) (*generated.CultureProfile, error) {
	p, err := c.principal(ctx)
	if err != nil {
		return nil, err
	}
	p, region, err := c.reader(ctx, p, obj.Region, obj.ID)
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	lang, err := c.engine.CustomerLanguage(ctx, p, region, obj.ID)
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	if lang == "" || lang == "und" {
		return nil, nil
	}
	locale := lang
	if !strings.Contains(lang, "-") && obj.Country != "" {
		locale = lang + "-" + obj.Country
	}
	return cultureProfile(culture.ProfileFor(locale)), nil
}

func cultureProfile(pr culture.Profile) *generated.CultureProfile {
	out := &generated.CultureProfile{Locale: pr.Locale, Name: pr.Name, Formality: pr.Formality, Directness: pr.Directness,
		Context: pr.Context, HonorificName: pr.Honorifics.Name, HonorificSpeech: pr.Honorifics.Speech,
		HonorificPronoun: pr.Honorifics.Pronoun, ExpectsGreeting: pr.ExpectsGreeting(), ExpectsClosing: pr.ExpectsClosing(),
		FlatRefusalOk: pr.FlatRefusalOK, Greetings: append([]string{}, pr.Greetings...), Closings: append([]string{}, pr.Closings...),
		Templates: make([]generated.ReplyTemplate, 0, len(culture.TemplateKeys))}
	for _, k := range culture.TemplateKeys {
		out.Templates = append(out.Templates, generated.ReplyTemplate{Key: k, Text: culture.Template(k, pr.Locale)})
	}
	return out
}

// Tier is the customer's tier as the engine holds it (routing and SLA use it).
func (c conversationResolver) Tier(ctx context.Context, obj *metrics.Conversation) (*string, error) {
	w, ok, err := c.workOf(ctx, obj)
	if err != nil || !ok {
		return nil, err
	}
	return optional(w.Tier), nil
}
