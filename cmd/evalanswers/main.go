// Command evalanswers measures package answers on its labelled multilingual set
// (answers/testdata/questions.tsv) over the demo's knowledge base (examples/kb): top-1
// article accuracy per language, the share of answerable questions answered without a human
// and of unanswerable ones handed over, both at several confidence thresholds, and the
// latency of an answer without a language model and with one (a local OpenAI-compatible fake
// that answers after 300 to 800 ms, the range of a hosted model's short answer).
//
//	go run ./cmd/evalanswers [-set answers/testdata/questions.tsv] [-report answers/EVALUATION.md] [-analysis=false]
//
// Questions are asked with their labelled language stated. With -analysis (the default), the
// understanding analyzer also runs, as on a server, so complaints, negative sentiment and
// urgency hand questions over as they would there.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/answers"
	"github.com/meridian-cs/meridian/examples/kb"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/language"
	"github.com/meridian-cs/meridian/understanding/refine"
)

type question struct{ lang, article, text string }

type result struct {
	q          question
	a          answers.Answer
	latency    time.Duration
	rejections bool
}

func main() {
	set := flag.String("set", "answers/testdata/questions.tsv", "the labelled questions")
	report := flag.String("report", "answers/EVALUATION.md", "where to write the report (- for stdout)")
	analysis := flag.Bool("analysis", true, "run the understanding analyzer too (loads the language models: seconds, ~350 MB)")
	flag.BoolVar(&withLLM, "llm", true, "also measure answers through the fake language model (about a minute)")
	flag.Parse()
	if err := run(*set, *report, *analysis); err != nil {
		fmt.Fprintln(os.Stderr, "evalanswers:", err)
		os.Exit(1)
	}
}

var withLLM bool

func run(setPath, reportPath string, withAnalysis bool) error {
	ctx := context.Background()
	qs, err := readSet(setPath)
	if err != nil {
		return err
	}
	base := knowledge.New(&memStore{articles: map[string]knowledge.Article{}})
	defer base.Close()
	files, err := knowledge.ReadDir(kb.Files, ".")
	if err != nil {
		return err
	}
	for _, f := range files {
		if _, err := base.Upsert(ctx, "demo", f.Article); err != nil {
			return err
		}
	}
	log := slog.New(slog.DiscardHandler)
	cfg := answers.Config{Knowledge: base, Logger: log, MinConfidence: answers.DefaultMinConfidence}
	if withAnalysis {
		a, err := understanding.Load(language.Config{Logger: log}, nil, log).Analyzer(ctx)
		if err != nil {
			return err
		}
		cfg.Analyzer = loaded{a}
	}
	plain, err := answers.New(cfg)
	if err != nil {
		return err
	}
	// Warm the index and the term cache, as a server's first question would.
	if _, err := plain.Answer(ctx, "demo", answers.Question{Text: "warm up", Language: "en"}); err != nil {
		return err
	}
	without, err := askAll(ctx, plain, qs)
	if err != nil {
		return err
	}

	var with []result
	if withLLM {
		fake := newFakeLLM()
		defer fake.Close()
		gen, err := answers.NewGenerator(refine.Settings{BaseURL: fake.URL, Model: "fake", Timeout: 5 * time.Second})
		if err != nil {
			return err
		}
		cfg.Generator = gen
		llmService, err := answers.New(cfg)
		if err != nil {
			return err
		}
		if with, err = askAll(ctx, llmService, qs); err != nil {
			return err
		}
	}

	var w io.Writer = os.Stdout
	if reportPath != "-" {
		f, err := os.Create(reportPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	writeReport(w, setPath, withAnalysis, without, with)
	return nil
}

func askAll(ctx context.Context, s *answers.Service, qs []question) ([]result, error) {
	out := make([]result, 0, len(qs))
	for _, q := range qs {
		start := time.Now()
		a, err := s.Answer(ctx, "demo", answers.Question{Text: q.text, Language: q.lang})
		if err != nil {
			return nil, fmt.Errorf("%q: %w", q.text, err)
		}
		out = append(out, result{q: q, a: a, latency: time.Since(start), rejections: strings.Contains(a.Reason, "rejected")})
	}
	return out, nil
}

func readSet(path string) ([]question, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []question
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("%s:%d: want language, article, question separated by tabs", path, n)
		}
		out = append(out, question{parts[0], parts[1], parts[2]})
	}
	return out, sc.Err()
}

func writeReport(w io.Writer, setPath string, withAnalysis bool, without, with []result) {
	fmt.Fprintf(w, "# Answers: evaluation\n\nGenerated by `make eval-answers` (cmd/evalanswers) on %s from %s over the demo's knowledge base (examples/kb, 45 articles in 9 languages). ",
		time.Now().UTC().Format("2006-01-02"), setPath)
	fmt.Fprintf(w, "Questions are asked with their language stated; the understanding analyzer %s. Threshold in use: %.2f (answers.DefaultMinConfidence).\n\n",
		map[bool]string{true: "runs too (its complaint, sentiment and urgency handovers count)", false: "is off"}[withAnalysis], answers.DefaultMinConfidence)
	fmt.Fprintln(w, "## Per language (no language model)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| language | answerable | top-1 article | answered by AI (right article, no handover) | unanswerable | handed over |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	type agg struct{ n, top1, answered, un, handed int }
	by := map[string]*agg{}
	total := &agg{}
	for _, r := range without {
		g := by[r.q.lang]
		if g == nil {
			g = &agg{}
			by[r.q.lang] = g
		}
		for _, x := range []*agg{g, total} {
			if r.q.article == "-" {
				x.un++
				if r.a.Handover {
					x.handed++
				}
				continue
			}
			x.n++
			if r.a.ArticleID == r.q.article {
				x.top1++
				if !r.a.Handover {
					x.answered++
				}
			}
		}
	}
	row := func(name string, g *agg) {
		fmt.Fprintf(w, "| %s | %d | %d (%s) | %d (%s) | %d | %d (%s) |\n", name, g.n, g.top1, pct(g.top1, g.n), g.answered, pct(g.answered, g.n), g.un, g.handed, pct(g.handed, g.un))
	}
	for _, l := range slices.Sorted(maps.Keys(by)) {
		row(l, by[l])
	}
	row("**all**", total)
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## Confidence threshold (no language model)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Share of answerable questions whose right article clears the threshold, and of unanswerable ones below it (other handover reasons left out, so that the threshold is seen alone):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| threshold | answerable above it with the right article | unanswerable below it |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, th := range []float64{0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6} {
		var ok, n, below, un int
		for _, r := range without {
			if r.q.article == "-" {
				un++
				if r.a.Confidence < th {
					below++
				}
				continue
			}
			n++
			if r.a.ArticleID == r.q.article && r.a.Confidence >= th {
				ok++
			}
		}
		fmt.Fprintf(w, "| %.2f | %s | %s |\n", th, pct(ok, n), pct(below, un))
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## Handover reasons (no language model)")
	fmt.Fprintln(w)
	reasons := map[string][2]int{}
	for _, r := range without {
		for _, c := range r.a.HandoverReasons {
			v := reasons[c]
			if r.q.article == "-" {
				v[1]++
			} else {
				v[0]++
			}
			reasons[c] = v
		}
	}
	fmt.Fprintln(w, "| reason | answerable questions | unanswerable questions |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, c := range slices.Sorted(maps.Keys(reasons)) {
		fmt.Fprintf(w, "| %s | %d | %d |\n", c, reasons[c][0], reasons[c][1])
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## Latency of one answer")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| | questions | p50 | p99 | generated answers used | rejected by the grounding check |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, c := range []struct {
		name string
		rs   []result
	}{{"without a language model (passage)", without}, {"with a language model (fake, 300–800 ms)", with}} {
		var lat []time.Duration
		gen, rej := 0, 0
		for _, r := range c.rs {
			lat = append(lat, r.latency)
			if r.a.Source != nil && r.a.Source.Method == answers.MethodGenerated {
				gen++
			}
			if r.rejections {
				rej++
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		fmt.Fprintf(w, "| %s | %d | %s | %s | %d | %d |\n", c.name, len(lat), quantile(lat, 0.5), quantile(lat, 0.99), gen, rej)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Latency is measured in-process on a shared 2-core machine (the knowledge base in memory, the analyzer's time included when it runs); a server adds the HTTP round trip and PostgreSQL's revision lookup. The fake model answers with a sentence of the article and its citation, so the latency shows the pipeline's cost around a model, not the quality of a real model's answers.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Misses (no language model)")
	fmt.Fprintln(w)
	for _, r := range without {
		wrong := r.q.article != "-" && r.a.ArticleID != r.q.article
		kept := r.q.article == "-" && !r.a.Handover
		if wrong || kept {
			got := r.a.ArticleID
			if got == "" {
				got = "none"
			}
			fmt.Fprintf(w, "- %s %q: want %s, got %s (confidence %.2f, handover %v)\n", r.q.lang, r.q.text, r.q.article, got, r.a.Confidence, r.a.Handover)
		}
	}
}

func pct(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
}

func quantile(d []time.Duration, q float64) string {
	if len(d) == 0 {
		return "–"
	}
	i := int(q * float64(len(d)-1))
	v := d[i]
	if v < time.Millisecond {
		return fmt.Sprintf("%.2f ms", float64(v.Microseconds())/1000)
	}
	return v.Round(time.Millisecond).String()
}

// loaded adapts a loaded *understanding.Analyzer to answers.Analyzer.
type loaded struct{ a *understanding.Analyzer }

func (l loaded) Analyze(ctx context.Context, in understanding.Input) (understanding.TextAnalysis, error) {
	return l.a.Analyze(ctx, in), nil
}

var articleRE = regexp.MustCompile(`(?s)<<<ARTICLE id="([^"]+)"[^>]*>>>\n(.*?)\n<<<END ARTICLE>>>`)

// newFakeLLM is an OpenAI-compatible chat-completions endpoint that waits 300 to 800 ms and
// answers with the first sentence of the article's body and its citation.
func newFakeLLM() *httptest.Server {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Messages []struct{ Content string } }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) < 2 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		delay := 300*time.Millisecond + time.Duration(rng.IntN(500))*time.Millisecond
		mu.Unlock()
		time.Sleep(delay)
		content := "NO_ANSWER"
		if m := articleRE.FindStringSubmatch(req.Messages[1].Content); m != nil {
			for _, line := range strings.Split(m[2], "\n") {
				if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") && len(l) > 20 {
					content = strings.ReplaceAll(l, "**", "") + " [" + m[1] + "]"
					break
				}
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"model": "fake", "choices": []any{map[string]any{"finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}}})
	}))
}

// memStore is the knowledge base's store in memory: the evaluation measures retrieval and
// answering, not PostgreSQL.
type memStore struct {
	mu       sync.Mutex
	articles map[string]knowledge.Article
	rev      int64
}

func (s *memStore) UpsertArticle(_ context.Context, _ string, a knowledge.Article) (knowledge.Article, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.UpdatedAt = time.Now()
	s.articles[a.ID] = a
	s.rev++
	return a, s.rev, nil
}

func (s *memStore) DeleteArticle(_ context.Context, _ string, id string) (bool, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.articles[id]
	delete(s.articles, id)
	if ok {
		s.rev++
	}
	return ok, s.rev, nil
}

func (s *memStore) Articles(context.Context, string) ([]knowledge.Article, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Values(s.articles)), s.rev, nil
}

func (s *memStore) ArticlesRevision(context.Context, string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rev, nil
}
