package culture

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/meridian-cs/meridian/models"
)

// FitThreshold is the score from which a reply counts as fitting its culture in Evaluate.
const FitThreshold = 0.7

// LanguageReport is the evaluation of one language's replies. "Unfit" is the positive
// class: Precision and Recall are those of FitOf flagging a reply labelled unfit (Score
// below FitThreshold).
type LanguageReport struct {
	Language string
	Replies  int
	Correct  int
	// TruePositive, FalsePositive and FalseNegative count unfit flags.
	TruePositive, FalsePositive, FalseNegative int
	// Unfit is how many replies were labelled unfit; Repaired how many of those fit after
	// Adapt.
	Unfit, Repaired int
}

// Accuracy is the share of replies FitOf classified as labelled.
func (l LanguageReport) Accuracy() float64 { return ratio(l.Correct, l.Replies) }

// Precision is the share of replies flagged unfit that were labelled unfit.
func (l LanguageReport) Precision() float64 {
	return ratio(l.TruePositive, l.TruePositive+l.FalsePositive)
}

// Recall is the share of replies labelled unfit that were flagged.
func (l LanguageReport) Recall() float64 {
	return ratio(l.TruePositive, l.TruePositive+l.FalseNegative)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Report is the evaluation of a labelled set of replies, per base language and in total.
type Report struct {
	Languages []LanguageReport
	Total     LanguageReport
}

// Evaluate reads a labelled set, one reply a line, "locale<TAB>label<TAB>text" (label 1 when
// the reply fits the customer's culture, 0 when it does not; "\n" in text is a line break;
// blank lines and lines starting with "#" are skipped), and reports how well FitOf
// separates the two and how many unfit replies Adapt repairs.
func Evaluate(r io.Reader) (Report, error) {
	by := map[string]*LanguageReport{}
	total := LanguageReport{Language: "all"}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || (f[1] != "0" && f[1] != "1") {
			return Report{}, fmt.Errorf("culture: evaluation line %d: want locale<TAB>0|1<TAB>text", n)
		}
		locale, fits, text := f[0], f[1] == "1", strings.ReplaceAll(f[2], `\n`, "\n")
		lang := models.BaseLanguage(locale)
		lr := by[lang]
		if lr == nil {
			lr = &LanguageReport{Language: lang}
			by[lang] = lr
		}
		for _, l := range []*LanguageReport{lr, &total} {
			l.count(text, locale, fits)
		}
	}
	if err := sc.Err(); err != nil {
		return Report{}, fmt.Errorf("culture: read evaluation set: %w", err)
	}
	rep := Report{Total: total}
	for _, l := range by {
		rep.Languages = append(rep.Languages, *l)
	}
	sort.Slice(rep.Languages, func(i, j int) bool { return rep.Languages[i].Language < rep.Languages[j].Language })
	return rep, nil
}

func (l *LanguageReport) count(text, locale string, fits bool) {
	flagged := FitOf(text, locale).Score < FitThreshold
	l.Replies++
	switch {
	case flagged && !fits:
		l.TruePositive++
		l.Correct++
	case flagged && fits:
		l.FalsePositive++
	case !flagged && !fits:
		l.FalseNegative++
	default:
		l.Correct++
	}
	if !fits {
		l.Unfit++
		if FitOf(Adapt(text, locale).Text, locale).Score >= FitThreshold {
			l.Repaired++
		}
	}
}

// Markdown renders the report as a table, one row a language and a total.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| language | replies | accuracy | unfit precision | unfit recall | unfit | fit after Adapt |\n")
	fmt.Fprintf(&b, "|---|---:|---:|---:|---:|---:|---:|\n")
	for _, l := range append(r.Languages, r.Total) {
		fmt.Fprintf(&b, "| %s | %d | %.2f | %.2f | %.2f | %d | %d |\n",
			l.Language, l.Replies, l.Accuracy(), l.Precision(), l.Recall(), l.Unfit, l.Repaired)
	}
	return b.String()
}
