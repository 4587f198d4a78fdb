package culture

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// IDs of the issues FitOf finds, and what each costs.
const (
	IssueEmpty             = "reply.empty"           // 1.0: nothing to send
	IssueFlatRefusal       = "refusal.flat"          // 0.35: a flat refusal where FlatRefusalOK is false
	IssuePoliteFormMissing = "polite_form.missing"   // 0.3 to 0.4: ja/ko sentences without the polite form
	IssueHonorificMissing  = "honorific.missing"     // 0.15: さん/あなた/당신/씨 for a customer
	IssueInformalYou       = "register.informal_you" // 0.25: "du", "tu", "ты"… in a formal culture
	IssueCasual            = "register.casual"       // 0.15: "hey", "salut", "ㅋㅋ"… in a formal culture
	IssueGreetingMissing   = "greeting.missing"      // 0.15: no greeting where one is expected
	IssueClosingMissing    = "closing.missing"       // 0.1: no closing where one is expected
	IssueFiller            = "concise.filler"        // 0.1: filler in a low-context culture
	IssueLongApology       = "concise.long_apology"  // 0.1: a long stock apology in a low-context culture
	IssueLongClosing       = "concise.long_closing"  // 0.05: a long stock closing in a low-context culture
	IssuePadded            = "concise.padded"        // 0.25: filler and stock phrases are 30% or more of the reply
)

// Fit is how well a reply fits the customer's culture: Score is 1 minus the cost of the
// issues found, floored at 0.
type Fit struct {
	Score  float64
	Issues []Rule
}

// FitOf scores the cultural fit of a reply an agent wrote for a customer in locale, the
// reply being in that locale's language. A reply to an unknown locale (the neutral
// profile) scores 1 unless it is empty. The score is a heuristic for analytics and
// coaching, comparable across replies to one locale, not a measure of quality.
func FitOf(text, locale string) Fit {
	p := profiles[profileIndex(locale)]
	a := &adapter{p: p, l: languages[p.Language], text: clean(text)}
	if core(a.text) == "" {
		return Fit{Score: 0, Issues: []Rule{{ID: IssueEmpty, Description: "the reply is empty"}}}
	}
	if a.l == nil {
		return Fit{Score: 1}
	}
	var fit Fit
	cost := 0.0
	issue := func(id string, c float64, desc string) {
		fit.Issues = append(fit.Issues, Rule{ID: id, Description: desc})
		cost += c
	}
	l := a.l
	f := fold(a.text)
	if !p.FlatRefusalOK {
		for _, seg := range sentences(a.text) {
			if a.refusal(seg) != noRefusal {
				issue(IssueFlatRefusal, 0.35, fmt.Sprintf("a flat refusal (%q) to a culture that expects it softened", strings.TrimSpace(seg)))
				break
			}
		}
	}
	if len(l.PoliteMarkers) > 0 {
		if plain, all := a.plainSentences(); plain > 0 {
			// Any plain sentence to a customer is a misfit; more of them, a worse one.
			issue(IssuePoliteFormMissing, 0.3+0.1*float64(plain)/float64(all),
				fmt.Sprintf("%d of %d sentences lack the polite form (%s)", plain, all, p.Honorifics.Speech))
		}
	}
	if a.missingHonorific() {
		issue(IssueHonorificMissing, 0.15, fmt.Sprintf("the customer is not addressed with %s", p.Honorifics.Name))
	}
	if p.Formality == "formal" {
		if w := firstFound(f, l.InformalYou, l.Substring); w != "" {
			issue(IssueInformalYou, 0.25, fmt.Sprintf("informal %q to a customer who expects %s", w, p.Honorifics.Pronoun))
		}
		if w := firstFound(f, l.Casual, l.Substring); w != "" {
			issue(IssueCasual, 0.15, fmt.Sprintf("casual %q in a formal culture", w))
		}
	}
	if p.ExpectsGreeting() && !a.hasGreeting() {
		issue(IssueGreetingMissing, 0.15, fmt.Sprintf("no greeting (such as %q)", p.Greetings[0]))
	}
	if p.ExpectsClosing() && !a.hasClosing() {
		issue(IssueClosingMissing, 0.1, fmt.Sprintf("no closing (such as %q)", p.Closings[0]))
	}
	if p.Context == "low" {
		padding := 0 // bytes of filler and stock phrases
		filler := ""
		for _, pat := range slices.Concat(l.FillerSentences, l.FillerPrefixes) {
			for _, sp := range f.find(pat, l.Substring) {
				padding += sp[1] - sp[0]
				if filler == "" {
					filler = pat
				}
			}
		}
		if filler != "" {
			issue(IssueFiller, 0.1, fmt.Sprintf("filler %q in a low-context culture", filler))
		}
		apology, closing := false, false
		for _, sh := range l.Shorten {
			spans := f.find(sh.From, l.Substring)
			if len(spans) == 0 {
				continue
			}
			for _, sp := range spans {
				padding += sp[1] - sp[0]
			}
			if sh.Kind == "closing" && !closing {
				closing = true
				issue(IssueLongClosing, 0.05, "a long stock closing where a short one does")
			} else if sh.Kind != "closing" && !apology {
				apology = true
				issue(IssueLongApology, 0.1, "a long stock apology where a short one does")
			}
		}
		if share := float64(padding) / float64(len(a.text)); share >= 0.3 {
			issue(IssuePadded, 0.25, fmt.Sprintf("%.0f%% of the reply is filler or stock phrases", 100*share))
		}
	}
	fit.Score = math.Round(max(0, 1-cost)*1000) / 1000
	return fit
}

func firstFound(f folded, pats []string, substring bool) string {
	for _, p := range pats {
		if len(f.find(p, substring)) > 0 {
			return p
		}
	}
	return ""
}

// plainSentences counts the sentences without a polite-form marker, and all sentences
// checked (address lines such as "田中様" and fragments of a few letters are skipped).
func (a *adapter) plainSentences() (plain, all int) {
	for _, seg := range sentences(a.text) {
		c := core(seg)
		if utf8.RuneCountInString(c) < 4 || strings.HasSuffix(c, "様") || strings.HasSuffix(c, "님") {
			continue
		}
		all++
		if !a.polite(c) {
			plain++
		}
	}
	return plain, all
}

func (a *adapter) polite(sentence string) bool {
	if !a.l.PoliteFinal {
		return fold(sentence).containsAny(a.l.PoliteMarkers, true)
	}
	// Korean: the polite form is a sentence ending, so a clause must end with a marker.
	for clause := range strings.SplitSeq(sentence, ",") {
		c := core(clause)
		for _, m := range a.l.PoliteMarkers {
			if strings.HasSuffix(c, m) {
				return true
			}
		}
	}
	return false
}

func (a *adapter) missingHonorific() bool {
	switch a.p.Language {
	case "ja":
		if strings.Contains(a.text, "あなた") || strings.Contains(a.text, "お客さん") {
			return true
		}
		m := jaNameSan.FindStringSubmatch(a.text)
		return m != nil && !strings.HasSuffix(m[0], "さま")
	case "ko":
		return strings.Contains(a.text, "당신") || koNameSsi.MatchString(a.text)
	}
	return false
}
