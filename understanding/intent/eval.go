package intent

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Report is Classify measured on a labelled set.
type Report struct {
	// Languages are per-language counts, sorted by language.
	Languages []Counts
	// Total sums every language.
	Total Counts
	// Confusions are the intent mistakes, most frequent first.
	Confusions []Confusion
	// Misses are the messages whose intent or issue type was wrong, in file order.
	Misses []Miss
}

// Counts are how many messages were classified and how many got each label right.
type Counts struct {
	Lang                       string
	N, IntentRight, IssueRight int
}

// IntentAccuracy is the share of messages with the right intent (0 for none).
func (c Counts) IntentAccuracy() float64 { return ratio(c.IntentRight, c.N) }

// IssueTypeAccuracy is the share of messages with the right issue type (0 for none).
func (c Counts) IssueTypeAccuracy() float64 { return ratio(c.IssueRight, c.N) }

// Confusion is one kind of intent mistake and how often it happened.
type Confusion struct {
	Want, Got string
	Count     int
}

// Miss is one message classified wrongly.
type Miss struct {
	Lang, Text            string
	WantIntent, WantIssue string
	Got                   Result
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Evaluate classifies every message of a set in the testdata format
// (lang<TAB>intent<TAB>issue_type<TAB>text; blank lines and "#" comments skipped) and
// counts the right answers. A line with fewer fields or an unknown label is an error.
func Evaluate(r io.Reader) (Report, error) {
	per := map[string]*Counts{}
	conf := map[[2]string]int{}
	var rep Report
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			return Report{}, fmt.Errorf("intent: evaluate line %d: want 4 tab-separated fields, got %d", n, len(f))
		}
		lang, want, issue, text := f[0], f[1], f[2], f[3]
		if !slices.Contains(Intents(), want) {
			return Report{}, fmt.Errorf("intent: evaluate line %d: unknown intent %q", n, want)
		}
		if issue != Enquiry && issue != Complaint && issue != AfterSales {
			return Report{}, fmt.Errorf("intent: evaluate line %d: unknown issue type %q", n, issue)
		}
		got := Classify(text, lang)
		c := per[lang]
		if c == nil {
			c = &Counts{Lang: lang}
			per[lang] = c
		}
		for _, k := range []*Counts{c, &rep.Total} {
			k.N++
			if got.Intent == want {
				k.IntentRight++
			}
			if got.IssueType == issue {
				k.IssueRight++
			}
		}
		if got.Intent != want {
			conf[[2]string{want, got.Intent}]++
		}
		if got.Intent != want || got.IssueType != issue {
			rep.Misses = append(rep.Misses, Miss{Lang: lang, Text: text, WantIntent: want, WantIssue: issue, Got: got})
		}
	}
	if err := sc.Err(); err != nil {
		return Report{}, fmt.Errorf("intent: evaluate: %w", err)
	}
	for _, c := range per {
		rep.Languages = append(rep.Languages, *c)
	}
	sort.Slice(rep.Languages, func(i, j int) bool { return rep.Languages[i].Lang < rep.Languages[j].Lang })
	for k, n := range conf {
		rep.Confusions = append(rep.Confusions, Confusion{Want: k[0], Got: k[1], Count: n})
	}
	sort.Slice(rep.Confusions, func(i, j int) bool {
		a, b := rep.Confusions[i], rep.Confusions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Want != b.Want {
			return a.Want < b.Want
		}
		return a.Got < b.Got
	})
	return rep, nil
}

// Markdown renders the report: a table per language with intent and issue-type accuracy
// and the totals, then the most common intent confusions.
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("| language | messages | intent accuracy | issue-type accuracy |\n|---|---:|---:|---:|\n")
	row := func(c Counts, name string) {
		fmt.Fprintf(&b, "| %s | %d | %.2f (%d) | %.2f (%d) |\n", name, c.N, c.IntentAccuracy(), c.IntentRight, c.IssueTypeAccuracy(), c.IssueRight)
	}
	for _, c := range r.Languages {
		row(c, c.Lang)
	}
	row(r.Total, "**all**")
	if len(r.Confusions) > 0 {
		b.WriteString("\nMost common intent mistakes:\n\n| expected | classified as | count |\n|---|---|---:|\n")
		for i, c := range r.Confusions {
			if i == 10 {
				break
			}
			fmt.Fprintf(&b, "| %s | %s | %d |\n", c.Want, c.Got, c.Count)
		}
	}
	return b.String()
}
