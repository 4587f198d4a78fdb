package sentiment

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// A Report is an evaluation of Analyze on a labelled set.
type Report struct {
	Languages []LanguageReport // sorted by language
	Misses    []Miss           // lines where the label or the dominant emotion is wrong
}

// LanguageReport counts one language's lines.
type LanguageReport struct {
	Lang string
	// N lines, of which LabelCorrect have the expected label and EmotionCorrect the expected
	// dominant emotion (none expected and none found counts as correct).
	N, LabelCorrect, EmotionCorrect int
	// KnownFailures lines are marked as such in the set (sarcasm); they count like the
	// others, and KnownFailuresCorrect of them got the right label.
	KnownFailures, KnownFailuresCorrect int
}

// LabelAccuracy is LabelCorrect / N.
func (l LanguageReport) LabelAccuracy() float64 { return ratio(l.LabelCorrect, l.N) }

// EmotionAccuracy is EmotionCorrect / N.
func (l LanguageReport) EmotionAccuracy() float64 { return ratio(l.EmotionCorrect, l.N) }

// A Miss is one line Analyze got wrong.
type Miss struct {
	Lang, Text                   string
	WantLabel, WantEmotion, Note string
	Got                          Result
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// LabelAccuracy is the label accuracy over all lines.
func (r Report) LabelAccuracy() float64 {
	n, c := 0, 0
	for _, l := range r.Languages {
		n += l.N
		c += l.LabelCorrect
	}
	return ratio(c, n)
}

// MacroLabelAccuracy is the mean of the languages' label accuracies.
func (r Report) MacroLabelAccuracy() float64 {
	return r.macro(LanguageReport.LabelAccuracy)
}

// MacroEmotionAccuracy is the mean of the languages' dominant-emotion accuracies.
func (r Report) MacroEmotionAccuracy() float64 {
	return r.macro(LanguageReport.EmotionAccuracy)
}

func (r Report) macro(f func(LanguageReport) float64) float64 {
	if len(r.Languages) == 0 {
		return 0
	}
	var s float64
	for _, l := range r.Languages {
		s += f(l)
	}
	return s / float64(len(r.Languages))
}

var (
	validLabels   = map[string]bool{Negative: true, Neutral: true, Positive: true}
	validEmotions = map[string]bool{"anger": true, "frustration": true, "anxiety": true, "satisfaction": true, "none": true}
)

// Evaluate reads a labelled set, one message a line: lang<TAB>label<TAB>emotion<TAB>text, with
// an optional fifth column noting a known failure ("sarcasm"). Label is negative, neutral or
// positive; emotion is anger, frustration, anxiety, satisfaction or none. Blank lines and
// lines starting with # are skipped.
func Evaluate(r io.Reader) (Report, error) {
	per := map[string]*LanguageReport{}
	var rep Report
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 4 && len(p) != 5 {
			return Report{}, fmt.Errorf("sentiment: evaluate line %d: %d columns, want 4 or 5", n, len(p))
		}
		lang, label, emotion, text := p[0], p[1], p[2], p[3]
		if !validLabels[label] || !validEmotions[emotion] {
			return Report{}, fmt.Errorf("sentiment: evaluate line %d: label %q emotion %q", n, label, emotion)
		}
		note := ""
		if len(p) == 5 {
			note = p[4]
		}
		got := Analyze(text, lang)
		l := per[lang]
		if l == nil {
			l = &LanguageReport{Lang: lang}
			per[lang] = l
		}
		l.N++
		okLabel := got.Label == label
		dom := got.Emotions.Dominant()
		if dom == "" {
			dom = "none"
		}
		okEmotion := dom == emotion
		if okLabel {
			l.LabelCorrect++
		}
		if okEmotion {
			l.EmotionCorrect++
		}
		if note != "" {
			l.KnownFailures++
			if okLabel {
				l.KnownFailuresCorrect++
			}
		}
		if !okLabel || !okEmotion {
			rep.Misses = append(rep.Misses, Miss{Lang: lang, Text: text, WantLabel: label, WantEmotion: emotion, Note: note, Got: got})
		}
	}
	if err := sc.Err(); err != nil {
		return Report{}, fmt.Errorf("sentiment: evaluate: %w", err)
	}
	for _, l := range per {
		rep.Languages = append(rep.Languages, *l)
	}
	sort.Slice(rep.Languages, func(i, j int) bool { return rep.Languages[i].Lang < rep.Languages[j].Lang })
	return rep, nil
}

// Markdown renders the report as a table per language with macro totals.
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("| language | messages | label accuracy | dominant-emotion accuracy | known failures (label right) |\n")
	b.WriteString("|---|---:|---:|---:|---:|\n")
	n, lc, ec, kf, kc := 0, 0, 0, 0, 0
	for _, l := range r.Languages {
		fmt.Fprintf(&b, "| %s | %d | %.2f | %.2f | %d (%d) |\n", l.Lang, l.N, l.LabelAccuracy(), l.EmotionAccuracy(), l.KnownFailures, l.KnownFailuresCorrect)
		n += l.N
		lc += l.LabelCorrect
		ec += l.EmotionCorrect
		kf += l.KnownFailures
		kc += l.KnownFailuresCorrect
	}
	fmt.Fprintf(&b, "| **macro** | %d | **%.2f** | **%.2f** | %d (%d) |\n", n, r.MacroLabelAccuracy(), r.MacroEmotionAccuracy(), kf, kc)
	fmt.Fprintf(&b, "| all messages | %d | %.2f | %.2f | |\n", n, ratio(lc, n), ratio(ec, n))
	return b.String()
}
