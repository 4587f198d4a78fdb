// Package understanding is the one place that understands a customer's text: which language
// it is in, how the customer feels, how urgent it is and what they want. It composes the
// layer's parts (language, sentiment, urgency, intent), each of which works alone, into one
// TextAnalysis, which the stream stores with every inbound message (package enrich), the
// GraphQL analyzeText query answers and the conversation engine reads.
//
// Everything runs on built-in models. When a Refiner is configured (an OpenAI-compatible
// chat-completions endpoint), it may change intent, sentiment, emotions and urgency; the
// built-in result stands whenever it fails, and RefinedBy says when it did not.
package understanding

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"

	"github.com/meridian-cs/meridian/understanding/intent"
	"github.com/meridian-cs/meridian/understanding/language"
	"github.com/meridian-cs/meridian/understanding/refine"
	"github.com/meridian-cs/meridian/understanding/sentiment"
	"github.com/meridian-cs/meridian/understanding/urgency"
)

// Input is a text and what the channel knows about its sender; every field but Text may be
// empty.
type Input struct {
	Text string
	// Locale is a language the sender or platform stated (Telegram's language_code "pt-br",
	// a web page's "es-MX", the language field of an event).
	Locale string
	// Country is the customer's ISO 3166-1 alpha-2 code.
	Country string
	// Tier is the customer's tier; "vip" raises urgency.
	Tier string
	// Previous are the detected languages of earlier messages of the conversation, oldest
	// first.
	Previous []string
	// RecentContacts is how many times the customer wrote about the same thing in the last
	// 24 hours.
	RecentContacts int
}

// Emotions are intensities from 0 to 1.
type Emotions struct {
	Anger        float64 `json:"anger"`
	Frustration  float64 `json:"frustration"`
	Anxiety      float64 `json:"anxiety"`
	Satisfaction float64 `json:"satisfaction"`
}

// TextAnalysis is what Meridian understands of one text.
type TextAnalysis struct {
	Language           string  `json:"language"` // BCP-47 with the regional variant where the text shows it; "und" when unknown
	LanguageConfidence float64 `json:"language_confidence"`
	// LanguageSource says what decided the language: "text", "text+hints", "hints" or
	// "none".
	LanguageSource string `json:"language_source"`
	// StatedLanguage is Input.Locale as given: a stated language is kept beside the detected.
	StatedLanguage string   `json:"stated_language,omitempty"`
	Sentiment      float64  `json:"sentiment"`       // -1..1
	SentimentLabel string   `json:"sentiment_label"` // negative, neutral, positive
	Emotions       Emotions `json:"emotions"`
	// Emotion is the strongest emotion over 0.3, or "".
	Emotion        string        `json:"emotion,omitempty"`
	Urgency        urgency.Level `json:"urgency"`
	UrgencyReasons []string      `json:"urgency_reasons"`
	Intent         string        `json:"intent"`
	IssueType      string        `json:"issue_type"`
	// IntentConfidence is the intent classifier's confidence, 0..1.
	IntentConfidence float64 `json:"intent_confidence"`
	// Note explains an unusual input: "empty", "no evidence", "binary", "truncated",
	// "mixed script".
	Note string `json:"note,omitempty"`
	// RefinedBy names the model that refined the analysis; empty when the built-in models
	// decided alone.
	RefinedBy string `json:"refined_by,omitempty"`
}

// Refiner may change the built-in analysis (refine.Refiner: an LLM).
type Refiner interface {
	Refine(ctx context.Context, text string, b refine.Builtin, intents []string) (refine.Refinement, error)
}

// Analyzer analyses texts. It is safe for concurrent use.
type Analyzer struct {
	Detector *language.Detector
	// Refiner, when set, may refine intent, sentiment, emotions and urgency.
	Refiner Refiner
	// Logger receives a line when the refiner fails (never the text); nil means slog.Default.
	Logger *slog.Logger
}

// Analyze understands one text. It never fails: an empty, binary or unreadable text gets
// language "und" with zero confidence, neutral sentiment and no urgency, and Note says why.
func (a *Analyzer) Analyze(ctx context.Context, in Input) TextAnalysis {
	var prev []string
	for _, p := range in.Previous {
		if p != "" && p != "und" {
			prev = append(prev, p)
		}
	}
	det := a.Detector.Detect(ctx, in.Text, language.Hints{Country: in.Country, Stated: in.Locale, Previous: prev})
	out := TextAnalysis{
		Language:           det.Language,
		LanguageConfidence: det.Confidence,
		LanguageSource:     det.Source,
		StatedLanguage:     strings.TrimSpace(in.Locale),
		Note:               det.Note,
		SentimentLabel:     "neutral",
		UrgencyReasons:     []string{},
	}
	if out.Language == "" {
		out.Language = "und"
	}
	lang := det.Base
	if lang == "und" {
		lang = ""
	}
	u := urgency.Assess(in.Text, urgency.Context{Language: lang, Tier: in.Tier, RecentContacts: in.RecentContacts})
	out.Urgency, out.UrgencyReasons = u.Level, u.Reasons
	s := sentiment.Analyze(in.Text, lang)
	out.Sentiment = round(s.Score)
	out.SentimentLabel = s.Label
	out.Emotions = Emotions{Anger: round(s.Emotions.Anger), Frustration: round(s.Emotions.Frustration),
		Anxiety: round(s.Emotions.Anxiety), Satisfaction: round(s.Emotions.Satisfaction)}
	out.Emotion = s.Emotions.Dominant()
	it := intent.Classify(in.Text, lang)
	out.Intent, out.IssueType, out.IntentConfidence = it.Intent, it.IssueType, round(it.Confidence)
	if a.Refiner != nil && det.Note == "" {
		a.refine(ctx, in.Text, &out)
	}
	return out
}

// refine lets the refiner change out; when it fails, out stands and a line (never the text)
// says why.
func (a *Analyzer) refine(ctx context.Context, text string, out *TextAnalysis) {
	b := refine.Builtin{Language: out.Language, Sentiment: out.Sentiment, Urgency: out.Urgency.String(),
		UrgencyReasons: out.UrgencyReasons, Intent: out.Intent, IssueType: out.IssueType,
		Emotions: map[string]float64{"anger": out.Emotions.Anger, "frustration": out.Emotions.Frustration,
			"anxiety": out.Emotions.Anxiety, "satisfaction": out.Emotions.Satisfaction}}
	r, err := a.Refiner.Refine(ctx, text, b, intents())
	if err != nil {
		log := a.Logger
		if log == nil {
			log = slog.Default()
		}
		log.WarnContext(ctx, "analysis: the refiner failed; the built-in analysis stands", "err", err)
		return
	}
	b = r.Apply(b)
	out.Intent, out.IssueType = b.Intent, b.IssueType
	out.Sentiment, out.SentimentLabel = b.Sentiment, sentiment.LabelOf(b.Sentiment)
	e := sentiment.Emotions{Anger: b.Emotions["anger"], Frustration: b.Emotions["frustration"],
		Anxiety: b.Emotions["anxiety"], Satisfaction: b.Emotions["satisfaction"]}
	out.Emotions = Emotions(e)
	out.Emotion = e.Dominant()
	if l, ok := urgency.ParseLevel(b.Urgency); ok {
		out.Urgency, out.UrgencyReasons = l, b.UrgencyReasons
	}
	out.RefinedBy = r.Model
}

// intents are the labels a refiner may choose from.
func intents() []string { return intent.Intents() }

func round(f float64) float64 { return math.Round(f*1000) / 1000 }

// Loader builds an Analyzer in the background: the language detector takes seconds and about
// 350 MB to load, and a server should answer (and store events) meanwhile.
type Loader struct {
	done chan struct{}
	a    *Analyzer
	err  error
}

// Load starts loading an analyzer with cfg's detector; refiner may be nil.
func Load(cfg language.Config, refiner *refine.Refiner, log *slog.Logger) *Loader {
	l := &Loader{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		d, err := language.New(cfg)
		if err != nil {
			l.err = fmt.Errorf("understanding: %w", err)
			return
		}
		l.a = &Analyzer{Detector: d, Logger: log}
		if refiner != nil {
			l.a.Refiner = refiner
		}
	}()
	return l
}

// Analyzer waits for the analyzer until ctx ends.
func (l *Loader) Analyzer(ctx context.Context) (*Analyzer, error) {
	select {
	case <-l.done:
		return l.a, l.err
	case <-ctx.Done():
		return nil, fmt.Errorf("understanding: the language models are still loading: %w", ctx.Err())
	}
}

// Analyze waits for the analyzer (until ctx ends) and analyses in.
func (l *Loader) Analyze(ctx context.Context, in Input) (TextAnalysis, error) {
	a, err := l.Analyzer(ctx)
	if err != nil {
		return TextAnalysis{}, err
	}
	return a.Analyze(ctx, in), nil
}
