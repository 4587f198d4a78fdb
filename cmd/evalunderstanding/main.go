// Command evalunderstanding reports how well the understanding layer's built-in models do on
// their labelled sets: urgency (precision and recall of HIGH or above), intent and issue type
// (accuracy), sentiment and dominant emotion (accuracy), the cultural fit of replies, per language. Every held-back set is
// reported apart from the development set its package was tuned on; the sets' READMEs say who
// wrote them and what that means for the figures.
//
//	go run ./cmd/evalunderstanding [-report understanding/EVALUATION.md]
//	go run ./cmd/evalunderstanding -bench 20s   # speed and memory on the demo traffic
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/understanding/culture"
	"github.com/meridian-cs/meridian/understanding/intent"
	"github.com/meridian-cs/meridian/understanding/sentiment"
	"github.com/meridian-cs/meridian/understanding/urgency"
)

// set is one labelled file and the package that reads it.
type set struct {
	title, path, note string
	eval              func(io.Reader) (interface{ Markdown() string }, error)
}

func main() {
	report := flag.String("report", "understanding/EVALUATION.md", "where to write the report (- for stdout)")
	benchFor := flag.Duration("bench", 0, "instead: measure the analyzer on the demo traffic for this long (make bench-understanding)")
	flag.Parse()
	if *benchFor > 0 {
		if err := bench(*benchFor); err != nil {
			fmt.Fprintln(os.Stderr, "evalunderstanding:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*report); err != nil {
		fmt.Fprintln(os.Stderr, "evalunderstanding:", err)
		os.Exit(1)
	}
}

func run(report string) error {
	urg := func(r io.Reader) (interface{ Markdown() string }, error) { return urgency.Evaluate(r) }
	itn := func(r io.Reader) (interface{ Markdown() string }, error) { return intent.Evaluate(r) }
	sen := func(r io.Reader) (interface{ Markdown() string }, error) { return sentiment.Evaluate(r) }
	cul := func(r io.Reader) (interface{ Markdown() string }, error) { return culture.Evaluate(r) }
	sets := []set{
		{"Urgency, held-back set", "understanding/urgency/testdata/heldout.tsv", "never tuned on", urg},
		{"Urgency, development set", "understanding/urgency/testdata/dev.tsv", "the lexicons were tuned on it", urg},
		{"Intent and issue type, held-back set 4", "understanding/intent/testdata/heldout4.tsv", "products and situations the lexicons had not seen, phrased without their words on purpose: pessimistic; its first run gave 0.28 intent, 0.46 issue type, and one fix (Thai and Indonesian 'this' inside 'today') came after its misses were read", itn},
		{"Intent and issue type, held-back set 2", "understanding/intent/testdata/heldout2.tsv", "NOT clean any more: its first run with the rules frozen gave 0.47 intent, 0.57 issue type (the fairest figure for unseen phrasing); the lexicons grew after its misses were read", itn},
		{"Intent and issue type, held-back set 3", "understanding/intent/testdata/heldout3.tsv", "first run 0.98 / 0.88, but the lexicon growth that preceded it was prompted by set 2's misses", itn},
		{"Intent and issue type, held-back set 1", "understanding/intent/testdata/heldout.tsv", "first run 0.98 / 0.99, written minutes before the lexicons (optimistic); not clean since a fix prompted by its misses", itn},
		{"Intent and issue type, development sets", "understanding/intent/testdata/dev.tsv", "tuned on", itn},
		{"Sentiment and emotion, held-back set", "understanding/sentiment/testdata/heldout.tsv", "run once with the rules frozen; its failures were read, no rule changed after", sen},
		{"Sentiment and emotion, development set", "understanding/sentiment/testdata/dev.tsv", "tuned on", sen},
		{"Cultural fit of replies, held-back set", "understanding/culture/testdata/heldout.tsv", "its first run was read before the issue costs were tuned on the development set (then 0.91 accuracy, 0.86 recall of unfit replies); 'fit after Adapt' is FitOf grading Adapt by the same rules", cul},
		{"Cultural fit of replies, development set", "understanding/culture/testdata/dev.tsv", "tuned on", cul},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Understanding: evaluation\n\nWritten by `make eval-language` (`go run ./cmd/evalunderstanding`) on %s. "+
		"Each package's built-in model alone (no LLM refiner), given the set's language. All sets were written by Meridian's developers, "+
		"not labelled by native speakers from real traffic: they show that the lexicons cover the phrasings their authors think of, "+
		"not how real customer messages fare. See each set's README (testdata/README.md) for its history.\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	for _, s := range sets {
		f, err := os.Open(s.path)
		if err != nil {
			return err
		}
		rep, err := s.eval(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		fmt.Fprintf(&b, "\n## %s\n\n`%s` (%s).\n\n%s\n", s.title, filepath.ToSlash(s.path), s.note, strings.TrimSpace(rep.Markdown()))
	}
	if report == "-" {
		_, err := io.WriteString(os.Stdout, b.String())
		return err
	}
	return os.WriteFile(report, []byte(b.String()), 0o644)
}
