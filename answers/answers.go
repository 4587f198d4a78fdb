// Package answers answers customers' routine questions from the tenant's knowledge base
// (package knowledge), in the customer's language, and says when a human should take the
// conversation instead. Nothing here pretends: every answer comes from an article Meridian
// can show (Answer.Source), or it is not given (Answer.ArticleID is empty and Handover true).
//
// # How a question is answered
//
//  1. Language: the one given, else the one the understanding analyzer detects.
//  2. Retrieval: the knowledge base is searched in that language (knowledge.Base.Search). When
//     no article there is good enough and a translation.Translator is configured, the question
//     is translated into the pivot language (English) and the articles in it are searched; the
//     passage that answers is translated back. Without a Translator there are no
//     cross-language answers, and the reason says so.
//  3. Confidence (see confidence.go): how much of the question the best article covers,
//     weighted by how rare each question term is among the tenant's articles in that language
//     (so that an article containing every distinctive word of the question scores 1, the best
//     possible), discounted when the second-best article scores nearly as high as the best
//     (an ambiguous question). Below Config.MinConfidence (MERIDIAN_ANSWER_MIN_CONFIDENCE)
//     the answer is handed over.
//  4. Text: without a language model, the article's most relevant section or paragraph (by the
//     same weighted term overlap), adapted to the customer's culture (understanding/culture:
//     greeting, closing, honorifics). With an OpenAI-compatible endpoint (Generator), the
//     answer is generated from that article alone and then checked against it (Ground): a
//     number, date, price, percentage, URL or e-mail address the article does not contain
//     rejects the generated text, and the passage is used instead. A failing endpoint (down,
//     slow, 429, 500, an answer that is not a chat completion) also falls back to the passage;
//     the reason records each of these.
//  5. Handover (a human takes it; the attempted answer stays in Text as the agent's draft):
//     confidence below the threshold, no article, a complaint, negative sentiment, HIGH or
//     CRITICAL urgency (all from the analyzer), or an explicit request for a person in any of
//     the demo's languages (handover.go).
//
// The question and the article are data: they go to a language model only as delimited user
// content, never into the system prompt, and what the model says is only used once Ground
// has found nothing in it the article does not say. Instructions written into a question or
// an article ("ignore previous instructions…") can change wording at most, never a figure,
// date, link or address.
//
// Limits: confidence is lexical (shared terms), so a question worded with none of the
// article's words scores low even when the article answers it, and one that shares the words
// but asks something else scores high; Ground checks figures, dates, URLs and e-mail
// addresses, not claims made in words ("free", "always"), nor numbers written as words.
package answers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/translation"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/culture"
	"github.com/meridian-cs/meridian/understanding/urgency"
)

const (
	// MaxQuestionBytes is the longest question accepted: a pasted 10 KB message is answered
	// (retrieval reads its first knowledge.MaxQueryBytes); a longer one is a field error.
	MaxQuestionBytes = 16 << 10
	// DefaultMinConfidence is the threshold when Config.MinConfidence is 0, chosen on the
	// labelled set (answers/EVALUATION.md) to hand most unanswerable questions to a human at
	// the cost of handing over about half the answerable ones: with lexical confidence, a
	// lower threshold lets questions the knowledge base does not answer through.
	DefaultMinConfidence = 0.35
	// PivotLanguage is the language searched when the customer's has no good article and a
	// translator is configured: the demo's originals are English.
	PivotLanguage = "en"
	// searchLimit is how many hits are read: the best, and the runner-up for the margin.
	searchLimit = 5
)

// Handover reason codes, in Answer.HandoverReasons (stable: a metrics dimension).
const (
	ReasonNoArticle        = "no_article"
	ReasonLowConfidence    = "low_confidence"
	ReasonComplaint        = "complaint"
	ReasonNegative         = "negative_sentiment"
	ReasonUrgent           = "urgency"
	ReasonPersonRequested  = "person_requested"
	ReasonLanguageUnknown  = "language_unknown"
	ReasonTranslationError = "translation_failed"
	ReasonKnowledgeError   = "knowledge_unavailable"
)

// KnowledgeBase is what answers need of the knowledge base (*knowledge.Base).
type KnowledgeBase interface {
	Search(ctx context.Context, tenant, language, q string, limit int) ([]knowledge.Hit, error)
	Articles(ctx context.Context, tenant, language string) ([]knowledge.Article, error)
}

// Analyzer understands a question (*understanding.Loader).
type Analyzer interface {
	Analyze(ctx context.Context, in understanding.Input) (understanding.TextAnalysis, error)
}

// Config configures a Service.
type Config struct {
	Knowledge KnowledgeBase
	// Analyzer detects the language of questions asked without one and says whether the
	// customer complains, is upset or in a hurry; nil: the language must be given and those
	// handovers do not happen.
	Analyzer Analyzer
	// Translator, when set, lets articles in another language answer; nil: only articles in
	// the question's language do.
	Translator translation.Translator
	// Shop, when set, answers questions quoting an order number (AnswerOrder); nil: they
	// are answered from the knowledge base like any other.
	Shop Shop
	// Generator, when set, words answers with a language model (checked by Ground); nil:
	// answers are passages.
	Generator *Generator
	// MinConfidence is the threshold below which a human takes the question (0:
	// DefaultMinConfidence).
	MinConfidence float64
	// Logger receives failures of the outside services (never the texts); nil: slog.Default.
	Logger *slog.Logger
}

// Service answers questions. It is safe for concurrent use.
type Service struct {
	cfg Config
}

// New returns a Service; a threshold outside 0..1 is an error.
func New(cfg Config) (*Service, error) {
	if cfg.Knowledge == nil {
		return nil, errors.New("answers: no knowledge base")
	}
	if cfg.MinConfidence < 0 || cfg.MinConfidence > 1 {
		return nil, fmt.Errorf("answers: minimum confidence %v is not within 0..1", cfg.MinConfidence)
	}
	if cfg.MinConfidence == 0 {
		cfg.MinConfidence = DefaultMinConfidence
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg}, nil
}

// MinConfidence is the threshold in use.
func (s *Service) MinConfidence() float64 { return s.cfg.MinConfidence }

// Question is what a customer asked.
type Question struct {
	Text string
	// Language is a BCP-47 tag; "" to detect it.
	Language string
	// ConversationID names the conversation the question belongs to, for the log; optional.
	ConversationID string
}

// Source says where an answer's text comes from.
type Source struct {
	ArticleID string
	// Language and Title are the article's.
	Language, Title string
	// Method is MethodPassage or MethodGenerated.
	Method string
	// TranslatedBy names the translation provider when the article is in another language
	// than the question; "" when it is not.
	TranslatedBy string
	// Model names the language model that worded a generated answer.
	Model string
	// Score is the retrieval score (knowledge.Hit.Score) of the article.
	Score float64
	// OrderNumber is the order an order answer (MethodOrder) comes from; Title then names
	// the shop's platform.
	OrderNumber string
}

// How an answer's text was made.
const (
	MethodPassage   = "passage"
	MethodGenerated = "generated"
	// MethodTemplate: no article; the text is the localised "a colleague takes over" line.
	MethodTemplate = "template"
)

// Answer is the answer to a question.
type Answer struct {
	// ArticleID is the article that answers; "" when none is good enough.
	ArticleID string
	// Text is in Language; when Handover is true it is the draft for the agent.
	Text string
	// Confidence is 0..1 (see the package comment).
	Confidence float64
	Language   string
	// Handover is true when a human should take the conversation; HandoverReasons says why
	// (Reason* codes).
	Handover        bool
	HandoverReasons []string
	// Reason says in words how the answer came about and, with Handover, why a human should
	// take it.
	Reason string
	// Source is the article (or its translation) the text comes from; nil without one.
	Source *Source
}

// FieldError is a question the caller must fix; Field is the GraphQL argument's name
// (question, language, conversationId).
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// candidate is the best article found for a question in one language.
type candidate struct {
	hit        knowledge.Hit
	confidence float64
	terms      []term // the question's terms in the article's language, weighted
	query      string // the question as searched (translated for cross-language)
	language   string // the language searched
}

// Answer answers q for tenant. Errors are *FieldError for a question that cannot be asked,
// or the knowledge base's failure; every other failure (analyzer, translator, language
// model) becomes a handover or a passage answer with its reason.
func (s *Service) Answer(ctx context.Context, tenant string, q Question) (Answer, error) {
	lang, r, done, err := s.understand(ctx, q)
	if err != nil || done != nil {
		return deref(done), err
	}
	best, err := s.retrieve(ctx, tenant, q.Text, lang, lang)
	if err != nil {
		return Answer{}, err
	}
	if best != nil && best.confidence < s.cfg.MinConfidence || best == nil {
		if lang != PivotLanguage {
			if s.cfg.Translator == nil {
				r.note("no good enough article in %s; articles in other languages are not used because no translator is configured", lang)
			} else if other, err := s.crossLanguage(ctx, tenant, q.Text, lang); err != nil {
				s.cfg.Logger.Warn("answers: translating the question failed", "conversation", q.ConversationID, "err", err)
				r.note("no good enough article in %s, and the question could not be translated to search other languages (%s)", lang, translation.Reason(err))
			} else if other != nil && (best == nil || other.confidence > best.confidence) {
				best = other
			}
		}
	}
	if best == nil {
		r.handover(ReasonNoArticle, "no article answers the question")
		return r.answer(Answer{Language: lang, Text: culture.Template("transfer_to_human", lang),
			Source: nil}), nil
	}
	out := Answer{ArticleID: best.hit.Article.ID, Language: lang, Confidence: best.confidence,
		Source: &Source{ArticleID: best.hit.Article.ID, Language: best.hit.Article.Language, Title: best.hit.Article.Title, Score: best.hit.Score}}
	if best.language != lang {
		r.note("article %s (%s) found by translating the question, as no article in %s was good enough", best.hit.Article.ID, best.language, lang)
	} else {
		r.note("article %s found in %s", best.hit.Article.ID, lang)
	}
	r.note("confidence %.2f (threshold %.2f)", best.confidence, s.cfg.MinConfidence)
	if best.confidence < s.cfg.MinConfidence {
		r.handover(ReasonLowConfidence, "confidence %.2f is below the threshold %.2f", best.confidence, s.cfg.MinConfidence)
	}

	passage := Passage(best.hit.Article, best.terms)
	text, generated := "", false
	if s.cfg.Generator != nil {
		text, generated = s.generate(ctx, best.hit.Article, q, lang, &r, out.Source)
	}
	if !generated {
		out.Source.Method = MethodPassage
		text = passage
		if best.language != lang {
			res, err := s.cfg.Translator.Translate(ctx, translation.Request{Text: []string{passage}, Source: best.language, Target: lang, Domain: "ecommerce"})
			if err != nil || len(res.Texts) != 1 || strings.TrimSpace(res.Texts[0]) == "" {
				s.cfg.Logger.Warn("answers: translating the passage failed", "conversation", q.ConversationID, "err", err)
				// The agent reads the untranslated passage; the customer is sent nothing.
				r.handover(ReasonTranslationError, "the passage could not be translated into %s (%s); the draft is in %s", lang, translation.Reason(orBad(err)), best.language)
				out.Text = passage
				return r.answer(out), nil
			}
			text = res.Texts[0]
			out.Source.TranslatedBy = res.Provider
			r.note("passage translated from %s by %s", best.language, res.Provider)
		}
	}
	out.Text = culture.Adapt(text, lang).Text
	return r.answer(out), nil
}

// understand checks q, finds its language (given, or detected) and the handover signals
// (complaint, sentiment, urgency, a person asked for). done is the answer when nothing more
// can be done (the language is unknown).
func (s *Service) understand(ctx context.Context, q Question) (lang string, r reasons, done *Answer, err error) {
	if strings.TrimSpace(q.Text) == "" {
		return "", r, nil, &FieldError{Field: "question", Reason: "empty"}
	}
	if len(q.Text) > MaxQuestionBytes {
		return "", r, nil, &FieldError{Field: "question", Reason: fmt.Sprintf("%d bytes, over the limit of %d", len(q.Text), MaxQuestionBytes)}
	}
	if len(q.ConversationID) > knowledge.MaxIDBytes {
		return "", r, nil, &FieldError{Field: "conversationId", Reason: fmt.Sprintf("longer than %d bytes", knowledge.MaxIDBytes)}
	}
	if strings.TrimSpace(q.Language) != "" {
		var ok bool
		if lang, ok = knowledge.BaseLanguage(q.Language); !ok {
			return "", r, nil, &FieldError{Field: "language", Reason: fmt.Sprintf("%.40q is not a BCP-47 language tag (en, de, pt-BR, ...)", q.Language)}
		}
	}
	if lang == "" && s.cfg.Analyzer == nil {
		return "", r, nil, &FieldError{Field: "language", Reason: "required: this server does not detect languages (analysis is off)"}
	}

	if s.cfg.Analyzer != nil {
		a, err := s.cfg.Analyzer.Analyze(ctx, understanding.Input{Text: q.Text, Locale: lang})
		switch {
		case err != nil:
			s.cfg.Logger.Warn("answers: analysis failed", "conversation", q.ConversationID, "err", err)
			r.note("the question could not be analysed (%v), so complaints, sentiment and urgency were not checked", errors.Unwrap(err))
		default:
			if lang == "" {
				if l, ok := knowledge.BaseLanguage(a.Language); ok && a.Language != "und" {
					lang = l
				}
			}
			s.signals(a, &r)
		}
	}
	if lang == "" {
		r.handover(ReasonLanguageUnknown, "the question's language could not be detected")
		a := r.answer(Answer{Language: "und", Text: culture.Template("transfer_to_human", "en")})
		return "", r, &a, nil
	}
	if who := PersonRequest(q.Text); who != "" {
		r.handover(ReasonPersonRequested, "the customer asks for a person (%q)", who)
	}

	return lang, r, nil, nil
}

func deref(a *Answer) Answer {
	if a == nil {
		return Answer{}
	}
	return *a
}

// orBad gives Reason an error to word when the translator answered without one but with
// nothing usable.
func orBad(err error) error {
	if err != nil {
		return err
	}
	return translation.ErrBadResponse
}

// signals records the handovers the analysis calls for.
func (s *Service) signals(a understanding.TextAnalysis, r *reasons) {
	if a.IssueType == "complaint" {
		r.handover(ReasonComplaint, "the customer complains")
	}
	if a.SentimentLabel == "negative" {
		r.handover(ReasonNegative, "negative sentiment (%.2f)", a.Sentiment)
	}
	if a.Urgency >= urgency.High {
		r.handover(ReasonUrgent, "urgency %s", a.Urgency)
	}
}

// retrieve searches one language for q and returns the best article with its confidence,
// or nil when nothing is found. termLang is the language q is written in.
func (s *Service) retrieve(ctx context.Context, tenant, q, searchLang, termLang string) (*candidate, error) {
	hits, err := s.cfg.Knowledge.Search(ctx, tenant, searchLang, q, searchLimit)
	if err != nil {
		return nil, fmt.Errorf("answers: search: %w", err)
	}
	if len(hits) == 0 {
		return nil, nil
	}
	arts, err := s.cfg.Knowledge.Articles(ctx, tenant, searchLang)
	if err != nil {
		return nil, fmt.Errorf("answers: articles: %w", err)
	}
	terms := weighTerms(q, termLang, arts)
	c := &candidate{hit: hits[0], terms: terms, query: q, language: searchLang}
	second := 0.0
	if len(hits) > 1 {
		second = hits[1].Score
	}
	c.confidence = Confidence(Coverage(terms, articleTerms(hits[0].Article)), hits[0].Score, second)
	return c, nil
}

// crossLanguage translates q into the pivot language and searches there.
func (s *Service) crossLanguage(ctx context.Context, tenant, q, lang string) (*candidate, error) {
	if len(q) > knowledge.MaxQueryBytes {
		q = clip(q, knowledge.MaxQueryBytes) // only what retrieval reads is worth translating
	}
	res, err := s.cfg.Translator.Translate(ctx, translation.Request{Text: []string{q}, Source: lang, Target: PivotLanguage, Domain: "ecommerce"})
	if err != nil {
		return nil, err
	}
	if len(res.Texts) != 1 || strings.TrimSpace(res.Texts[0]) == "" {
		return nil, translation.ErrBadResponse
	}
	return s.retrieve(ctx, tenant, res.Texts[0], PivotLanguage, PivotLanguage)
}

// generate asks the language model and checks its answer; false means the passage is used,
// with the reason recorded.
func (s *Service) generate(ctx context.Context, a knowledge.Article, q Question, lang string, r *reasons, src *Source) (string, bool) {
	start := time.Now()
	g, err := s.cfg.Generator.Generate(ctx, a, q.Text, lang)
	if err != nil {
		s.cfg.Logger.Warn("answers: the language model failed", "conversation", q.ConversationID, "after", time.Since(start).Round(time.Millisecond), "err", err)
		r.note("the language model failed (%s); the article's passage is used", modelReason(err))
		return "", false
	}
	if g.NoAnswer {
		r.note("the language model found no answer in the article; the article's passage is used")
		return "", false
	}
	if bad := Ground(g.Text, a); len(bad) > 0 {
		r.note("the generated answer was rejected: %s not in the article; the article's passage is used", strings.Join(quoteAll(bad), ", "))
		return "", false
	}
	src.Method, src.Model = MethodGenerated, g.Model
	r.note("answer generated by %s from the article and checked against it", g.Model)
	return g.Text, true
}

func quoteAll(s []string) []string {
	out := make([]string, 0, len(s))
	for i, v := range s {
		if i == 5 {
			out = append(out, fmt.Sprintf("and %d more", len(s)-5))
			break
		}
		out = append(out, fmt.Sprintf("%q", v))
	}
	return out
}

// reasons collects what is said about an answer, in order.
type reasons struct {
	notes []string
	codes []string
	human bool
}

func (r *reasons) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *reasons) handover(code, format string, args ...any) {
	r.human = true
	for _, c := range r.codes {
		if c == code {
			return
		}
	}
	r.codes = append(r.codes, code)
	r.notes = append(r.notes, "handover: "+fmt.Sprintf(format, args...))
}

func (r *reasons) answer(a Answer) Answer {
	a.Handover = r.human
	a.HandoverReasons = append([]string{}, r.codes...)
	a.Reason = strings.Join(r.notes, "; ")
	return a
}
