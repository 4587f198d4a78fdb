package urgency

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Report is Assess measured on a labelled set: precision and recall of HIGH-or-above.
type Report struct {
	// Languages are per-language counts, sorted by language.
	Languages []Counts
	// Total sums every language.
	Total Counts
	// Misses are the messages assessed on the wrong side of HIGH, in file order.
	Misses []Miss
}

// Counts are the confusion counts of "HIGH or above" for one language (or all).
type Counts struct {
	Lang string
	// N messages; TP assessed HIGH+ and labelled so, FP assessed HIGH+ but labelled not,
	// FN labelled HIGH+ but assessed below.
	N, TP, FP, FN int
}

// Precision is TP/(TP+FP), 1 when nothing was assessed HIGH or above.
func (c Counts) Precision() float64 {
	if c.TP+c.FP == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FP)
}

// Recall is TP/(TP+FN), 1 when nothing was labelled HIGH or above.
func (c Counts) Recall() float64 {
	if c.TP+c.FN == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FN)
}

// Miss is one message assessed on the wrong side of HIGH.
type Miss struct {
	Lang, Text string
	WantHigh   bool
	Got        Result
}

// Evaluate assesses every message of a set in the testdata format (lang<TAB>label<TAB>text,
// label 1 when HIGH or above is expected, 0 otherwise; blank lines and "#" comments
// skipped) with the message's language as context, and counts the outcomes. A line with
// fewer fields or a label other than 0 or 1 is an error.
func Evaluate(r io.Reader) (Report, error) {
	per := map[string]*Counts{}
	var rep Report
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			return Report{}, fmt.Errorf("urgency: evaluate line %d: want 3 tab-separated fields, got %d", n, len(f))
		}
		if f[1] != "0" && f[1] != "1" {
			return Report{}, fmt.Errorf("urgency: evaluate line %d: label %q, want 0 or 1", n, f[1])
		}
		lang, want, text := f[0], f[1] == "1", f[2]
		got := Assess(text, Context{Language: lang})
		high := got.Level >= High
		c := per[lang]
		if c == nil {
			c = &Counts{Lang: lang}
			per[lang] = c
		}
		for _, k := range []*Counts{c, &rep.Total} {
			k.N++
			switch {
			case high && want:
				k.TP++
			case high:
				k.FP++
			case want:
				k.FN++
			}
		}
		if high != want {
			rep.Misses = append(rep.Misses, Miss{Lang: lang, Text: text, WantHigh: want, Got: got})
		}
	}
	if err := sc.Err(); err != nil {
		return Report{}, fmt.Errorf("urgency: evaluate: %w", err)
	}
	for _, c := range per {
		rep.Languages = append(rep.Languages, *c)
	}
	sort.Slice(rep.Languages, func(i, j int) bool { return rep.Languages[i].Lang < rep.Languages[j].Lang })
	return rep, nil
}

// Markdown renders the report as a table: per language and in total, the number of messages,
// how many were labelled HIGH or above, and precision and recall of HIGH-or-above.
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("| language | messages | labelled HIGH+ | precision | recall |\n|---|---:|---:|---:|---:|\n")
	row := func(c Counts, name string) {
		fmt.Fprintf(&b, "| %s | %d | %d | %.2f | %.2f |\n", name, c.N, c.TP+c.FN, c.Precision(), c.Recall())
	}
	for _, c := range r.Languages {
		row(c, c.Lang)
	}
	row(r.Total, "**all**")
	return b.String()
}
