package understanding_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/language"
	"github.com/meridian-cs/meridian/understanding/refine"
	"github.com/meridian-cs/meridian/understanding/urgency"
)

var (
	once     sync.Once
	detector *language.Detector
	loadErr  error
)

func analyzer(t *testing.T) *understanding.Analyzer {
	t.Helper()
	once.Do(func() {
		detector, loadErr = language.New(language.Config{HighAccuracy: []string{"en", "de", "ja", "pt", "es", "ar"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return &understanding.Analyzer{Detector: detector}
}

func TestAnalyzeComposesTheParts(t *testing.T) {
	a := analyzer(t)
	for _, c := range []struct {
		in                      understanding.Input
		lang, intent, issue     string
		level                   urgency.Level
		label, emotion, dropped string
	}{
		{in: understanding.Input{Text: "Dringend! Der Wasserkocher raucht und mein Kind hat sich verbrannt.", Country: "DE"},
			lang: "de", level: urgency.Critical},
		{in: understanding.Input{Text: "I was charged twice for order 4471, this is unacceptable. I want my money back!", Country: "US"},
			lang: "en-US", intent: "refund", issue: "complaint", level: urgency.Normal, label: "negative", emotion: "anger"},
		{in: understanding.Input{Text: "急ぎではありませんが、注文の配送状況を教えてください。", Country: "JP"},
			lang: "ja", intent: "order_status", level: urgency.Normal},
		{in: understanding.Input{Text: "Muito obrigada, chegou tudo certinho! Adorei.", Country: "BR", Tier: "vip"},
			lang: "pt-BR", level: urgency.None, label: "positive", emotion: "satisfaction"},
	} {
		got := a.Analyze(context.Background(), c.in)
		if got.Language != c.lang || got.Urgency != c.level {
			t.Errorf("%q: language %s urgency %s (%v), want %s %s", c.in.Text, got.Language, got.Urgency, got.UrgencyReasons, c.lang, c.level)
		}
		if c.intent != "" && got.Intent != c.intent {
			t.Errorf("%q: intent %s, want %s", c.in.Text, got.Intent, c.intent)
		}
		if c.issue != "" && got.IssueType != c.issue {
			t.Errorf("%q: issue type %s, want %s", c.in.Text, got.IssueType, c.issue)
		}
		if c.label != "" && got.SentimentLabel != c.label {
			t.Errorf("%q: sentiment %s (%v), want %s", c.in.Text, got.SentimentLabel, got.Sentiment, c.label)
		}
		if c.emotion != "" && got.Emotion != c.emotion {
			t.Errorf("%q: emotion %q (%+v), want %s", c.in.Text, got.Emotion, got.Emotions, c.emotion)
		}
		if got.RefinedBy != "" {
			t.Errorf("%q: refined by %q without a refiner", c.in.Text, got.RefinedBy)
		}
	}
}

// A stated language is kept beside the detected one.
func TestAStatedLanguageIsKept(t *testing.T) {
	got := analyzer(t).Analyze(context.Background(), understanding.Input{Text: "Where is my parcel? It was due on Monday.", Locale: "de-DE"})
	if got.Language != "en" || got.StatedLanguage != "de-DE" {
		t.Errorf("language %s stated %s, want en and de-DE", got.Language, got.StatedLanguage)
	}
}

func TestBadInputGivesAClearResult(t *testing.T) {
	a := analyzer(t)
	for name, c := range map[string]struct {
		text, note string
	}{
		"empty":    {"", "empty"},
		"spaces":   {"   \n\t", "empty"},
		"binary":   {"\x00\x01\x02\xff\xfe\x89PNG\x00\x00", "binary"},
		"emoji":    {"👍🙏😊", "no evidence"},
		"enormous": {strings.Repeat("Mein Paket ist nicht angekommen. ", models.MaxTextLen/30), "truncated"},
	} {
		got := a.Analyze(context.Background(), understanding.Input{Text: c.text, Locale: "xx-unknown"})
		if got.Note != c.note {
			t.Errorf("%s: note %q, want %q", name, got.Note, c.note)
		}
		if c.note != "truncated" && (got.Language != "und" || got.LanguageConfidence != 0) {
			t.Errorf("%s: language %s (%v), want und with zero confidence", name, got.Language, got.LanguageConfidence)
		}
		if got.UrgencyReasons == nil || got.SentimentLabel == "" {
			t.Errorf("%s: an incomplete result %+v", name, got)
		}
	}
}

// chat is an OpenAI-compatible chat-completions endpoint answering with content, or with the
// documented error body and status.
type chat struct {
	status  int
	content string
	calls   int
	mu      sync.Mutex
}

func (c *chat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	var req struct {
		Model    string `json:"model"`
		Messages []struct{ Role, Content string }
	}
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer k" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`)
		return
	}
	if c.status != 0 {
		w.WriteHeader(c.status)
		fmt.Fprint(w, `{"error":{"message":"The server had an error","type":"server_error"}}`)
		return
	}
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": c.content}}}})
	w.Header().Set("Content-Type", "application/json")
	w.Write(b.Bytes())
}

// With a refiner, its labels replace the built-in ones and the analysis says who refined
// it; when it fails, the built-in analysis stands and says nobody did.
func TestARefinerMayChangeTheAnalysisAndNeverBreaksIt(t *testing.T) {
	c := &chat{content: `{"intent":"billing","issue_type":"complaint","sentiment":-0.8,"urgency":"HIGH","reasons":["double_charge"],"emotions":{"anger":0.9}}`}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	r, err := refine.New(refine.Settings{BaseURL: srv.URL, APIKey: "k", Model: "gpt-test"})
	if err != nil {
		t.Fatal(err)
	}
	a := analyzer(t)
	a.Refiner = r
	in := understanding.Input{Text: "You took the money two times from my card.", Country: "GB"}
	got := a.Analyze(context.Background(), in)
	if got.RefinedBy != "gpt-test" || got.Intent != "billing" || got.Urgency != urgency.High || got.Emotion != "anger" || got.SentimentLabel != "negative" {
		t.Fatalf("refined: %+v", got)
	}
	c.status = http.StatusInternalServerError
	builtin := analyzer(t).Analyze(context.Background(), in)
	got = a.Analyze(context.Background(), in)
	if got.RefinedBy != "" || got.Intent != builtin.Intent || got.Urgency != builtin.Urgency {
		t.Fatalf("with a failing refiner: %+v, want the built-in %+v", got, builtin)
	}
	calls := c.calls
	a.Analyze(context.Background(), understanding.Input{Text: "\x00\x01binary"})
	if c.calls != calls {
		t.Errorf("a text with no evidence was sent to the refiner")
	}
}

func BenchmarkAnalyze(b *testing.B) {
	once.Do(func() { detector, loadErr = language.New(language.Config{}) })
	if loadErr != nil {
		b.Fatal(loadErr)
	}
	a := &understanding.Analyzer{Detector: detector}
	texts := []understanding.Input{
		{Text: "Where is my order?", Country: "US"},
		{Text: "Mein Paket ist seit einer Woche nicht angekommen, bitte prüfen Sie das dringend.", Country: "DE"},
		{Text: "注文した商品がまだ届きません。", Country: "JP"},
		{Text: "Oi, meu pedido ainda não chegou", Country: "BR"},
		{Text: "أريد استرداد المبلغ من فضلك", Country: "SA"},
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Analyze(context.Background(), texts[i%len(texts)])
	}
}
