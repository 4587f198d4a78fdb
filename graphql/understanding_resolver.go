package graphql

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/translation"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/culture"
	"github.com/meridian-cs/meridian/understanding/sentiment"
	"github.com/meridian-cs/meridian/understanding/urgency"
)

// TextAnalyzer understands texts (understanding.Loader: it waits for the language models).
type TextAnalyzer interface {
	Analyze(ctx context.Context, in understanding.Input) (understanding.TextAnalysis, error)
}

func (r queryResolver) AnalyzeText(ctx context.Context, text string, locale, country *string) (*generated.TextAnalysis, error) {
	if _, err := r.principalFor(ctx, auth.ActionUnderstand, ""); err != nil {
		return nil, err
	}
	if r.analyzer == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "analyzeText: analysis is off on this server (MERIDIAN_ANALYSIS)")
	}
	if len(text) > models.MaxTextLen {
		return nil, statusErrorf(http.StatusBadRequest, "analyzeText: text is %d bytes, over the limit of %d", len(text), models.MaxTextLen)
	}
	in := understanding.Input{Text: text, Locale: deref(locale), Country: strings.ToUpper(strings.TrimSpace(deref(country)))}
	if c := in.Country; c != "" && (len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z') {
		return nil, statusErrorf(http.StatusBadRequest, "analyzeText: country %q is not an ISO 3166-1 alpha-2 code", deref(country))
	}
	a, err := r.analyzer.Analyze(ctx, in)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	return textAnalysis(a), nil
}

// textAnalysis is the GraphQL form of an analysis.
func textAnalysis(a understanding.TextAnalysis) *generated.TextAnalysis {
	emotions := a.Emotions
	reasons := a.UrgencyReasons
	if reasons == nil {
		reasons = []string{}
	}
	return &generated.TextAnalysis{
		Language: a.Language, LanguageConfidence: a.LanguageConfidence, LanguageSource: a.LanguageSource,
		StatedLanguage: optional(a.StatedLanguage), Sentiment: a.Sentiment, SentimentLabel: a.SentimentLabel,
		Emotions: &emotions, Emotion: optional(a.Emotion), Urgency: generated.Urgency(a.Urgency.String()),
		UrgencyReasons: reasons, Intent: a.Intent, IntentConfidence: a.IntentConfidence, IssueType: a.IssueType,
		Note: optional(a.Note), RefinedBy: optional(a.RefinedBy),
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (m messageResolver) Analysis(ctx context.Context, obj *metrics.Message) (*generated.TextAnalysis, error) {
	if obj.Analysis == nil {
		return nil, nil
	}
	return textAnalysis(storedAnalysis(*obj.Analysis)), nil
}

// storedAnalysis reads back what understanding/enrich stored as a message.analyzed event.
func storedAnalysis(s metrics.Analysis) understanding.TextAnalysis {
	at := s.Attributes
	num := func(k string) float64 { f, _ := strconv.ParseFloat(at[k], 64); return f }
	a := understanding.TextAnalysis{
		Language: s.Language, LanguageConfidence: num("language_confidence"), LanguageSource: at["language_source"],
		StatedLanguage: at["stated_language"], Sentiment: s.Sentiment, SentimentLabel: at["sentiment_label"],
		Emotion: at["emotion"], Intent: s.Intent, IntentConfidence: s.IntentConfidence, IssueType: at["issue_type"],
		Note: at["note"], RefinedBy: at["refined_by"], UrgencyReasons: []string{},
	}
	for _, f := range strings.Fields(at["emotions"]) {
		name, v, _ := strings.Cut(f, ":")
		x, _ := strconv.ParseFloat(v, 64)
		switch name {
		case "anger":
			a.Emotions.Anger = x
		case "frustration":
			a.Emotions.Frustration = x
		case "anxiety":
			a.Emotions.Anxiety = x
		case "satisfaction":
			a.Emotions.Satisfaction = x
		}
	}
	a.Urgency, _ = urgency.ParseLevel(at["urgency"])
	if r := at["urgency_reasons"]; r != "" {
		a.UrgencyReasons = strings.Split(r, ",")
	}
	return a
}

func (m messageResolver) Translation(ctx context.Context, obj *metrics.Message, to string, domain *string) (*generated.Translation, error) {
	p, err := m.principal(ctx)
	if err != nil {
		return nil, err
	}
	if p, _, err = m.reader(ctx, p, obj.Region, obj.ConversationID); err != nil {
		return nil, m.fail(ctx, err)
	}
	if err := p.Check(auth.ActionUnderstand, obj.Region); err != nil {
		return nil, m.fail(ctx, err)
	}
	if err := checkLanguageTag("to", to); err != nil {
		return nil, err
	}
	// Only text the role may read in the clear is sent to a provider; the gate audits the read.
	text := m.gate.Text(ctx, p, obj.Region, obj.CustomerID, obj.Text)
	if text != obj.Text || strings.TrimSpace(text) == "" {
		return nil, nil
	}
	lang := obj.Language
	if obj.Analysis != nil && obj.Analysis.Language != "" && obj.Analysis.Language != "und" {
		lang = obj.Analysis.Language
	}
	if m.translator == nil {
		note := "no translation provider is configured (MERIDIAN_TRANSLATE_PROVIDER)"
		return &generated.Translation{Text: text, From: lang, To: to, Provider: "", GlossaryWarnings: []string{}, Note: &note}, nil
	}
	ctx = translation.WithScope(ctx, translation.Scope{Tenant: p.Tenant, Region: obj.Region, Customer: obj.CustomerID})
	rd := translation.ForAgent(ctx, m.translator, text, lang, to, deref(domain))
	if rd.Translation == "" && rd.Note == "" {
		return nil, nil // already in that language
	}
	return rendering(rd, to), nil
}

func rendering(rd translation.Rendering, to string) *generated.Translation {
	out := &generated.Translation{Text: rd.Translation, From: rd.Language, To: to, Provider: rd.Provider,
		GlossaryWarnings: warnings(rd.Violations)}
	if rd.Translation == "" {
		out.Text, out.Note = rd.Original, optional(rd.Note)
	}
	return out
}

func warnings(vs []translation.Violation) []string {
	out := []string{}
	for _, v := range vs {
		if !v.Fixed {
			out = append(out, v.String())
		}
	}
	return out
}

// checkLanguageTag refuses what cannot be a BCP-47 tag, naming the argument.
func checkLanguageTag(arg, tag string) error {
	ok := tag != "" && len(tag) <= 35 && utf8.ValidString(tag)
	for _, part := range strings.Split(tag, "-") {
		if part == "" || len(part) > 8 {
			ok = false
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				ok = false
			}
		}
	}
	if !ok {
		return statusErrorf(http.StatusBadRequest, "%s: %q is not a language tag (BCP-47, e.g. en, pt-BR)", arg, tag)
	}
	return nil
}

func (r queryResolver) TranslateText(ctx context.Context, text, to string, from, domain *string) (*generated.Translation, error) {
	if _, err := r.principalFor(ctx, auth.ActionUnderstand, ""); err != nil {
		return nil, err
	}
	if err := checkLanguageTag("to", to); err != nil {
		return nil, err
	}
	if from != nil {
		if err := checkLanguageTag("from", *from); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(text) == "" {
		return nil, statusErrorf(http.StatusBadRequest, "text: is empty")
	}
	if len(text) > models.MaxTextLen {
		return nil, statusErrorf(http.StatusBadRequest, "text: %d bytes, over the limit of %d", len(text), models.MaxTextLen)
	}
	if r.translator == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "translateText: no translation provider is configured (MERIDIAN_TRANSLATE_PROVIDER)")
	}
	res, err := r.translator.Translate(ctx, translation.Request{Text: []string{text}, Source: deref(from), Target: to, Domain: deref(domain)})
	if err != nil {
		var pe *translation.ProviderError
		if errors.As(err, &pe) {
			return nil, statusErrorf(http.StatusBadGateway, "translateText: %s", translation.Reason(err))
		}
		return nil, r.fail(ctx, err)
	}
	if len(res.Texts) != 1 {
		return nil, statusErrorf(http.StatusBadGateway, "translateText: the provider answered %d texts for 1", len(res.Texts))
	}
	src := deref(from)
	if src == "" {
		src = res.DetectedSource
	}
	return &generated.Translation{Text: res.Texts[0], From: src, To: to, Provider: res.Provider, GlossaryWarnings: warnings(res.Violations)}, nil
}

func (r queryResolver) AdaptReply(ctx context.Context, text, locale string) (*generated.AdaptedReply, error) {
	if _, err := r.principalFor(ctx, auth.ActionUnderstand, ""); err != nil {
		return nil, err
	}
	if err := checkLanguageTag("locale", locale); err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, statusErrorf(http.StatusBadRequest, "text: is empty")
	}
	if len(text) > models.MaxTextLen {
		return nil, statusErrorf(http.StatusBadRequest, "text: %d bytes, over the limit of %d", len(text), models.MaxTextLen)
	}
	a := culture.Adapt(text, locale)
	before := culture.FitOf(text, locale)
	return &generated.AdaptedReply{Text: a.Text, Locale: a.Locale, Profile: a.Profile, Rules: cultureRules(a.Rules),
		CulturalFit: culture.FitOf(a.Text, locale).Score, OriginalFit: before.Score, Issues: cultureRules(before.Issues)}, nil
}

func cultureRules(rs []culture.Rule) []generated.CultureRule {
	out := make([]generated.CultureRule, len(rs))
	for i, r := range rs {
		out[i] = generated.CultureRule{ID: r.ID, Description: r.Description}
	}
	return out
}

func (c conversationResolver) SentimentTrend(ctx context.Context, obj *metrics.Conversation) (*generated.SentimentTrend, error) {
	p, err := c.principal(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := c.engine.Messages(ctx, p, obj.Region, obj.ID, metrics.MaxPageSize)
	if err != nil {
		return nil, c.fail(ctx, fmt.Errorf("messages of %s: %w", obj.ID, err))
	}
	scores := []float64{}
	for _, m := range ms {
		if m.Analysis != nil {
			scores = append(scores, m.Analysis.Sentiment)
		}
	}
	if len(scores) == 0 {
		return nil, nil
	}
	t := sentiment.TrendOf(scores)
	return &generated.SentimentTrend{Direction: t.Direction, Slope: t.Slope, First: t.First, Last: t.Last, Scores: scores}, nil
}
