package culture

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rule is a rule Adapt applied or an issue FitOf found. ID is stable (see the Rule* and
// Issue* constants; a closing rule's ID comes from the profile, such as
// "closing.ja.yoroshiku"); Description says what happened in this reply, in English.
type Rule struct {
	ID          string
	Description string
}

// IDs of the rules Adapt applies.
const (
	RuleGreetingAdd           = "greeting.add"
	RuleGreetingReplaceCasual = "greeting.replace_casual"
	RuleClosingAdd            = "closing.add" // when a profile names no closing rule
	RuleRefusalSoften         = "refusal.soften"
	RuleTrimFiller            = "concise.trim_filler"
	RuleShortApology          = "concise.short_apology"
	RuleShortClosing          = "concise.short_closing"
	RuleHonorificSama         = "honorific.sama"
	RuleHonorificOkyakusama   = "honorific.okyakusama"
	RuleHonorificNim          = "honorific.nim"
	RuleHonorificNin          = "honorific.nin"
)

// AdaptedReply is a reply adapted to a locale's culture.
type AdaptedReply struct {
	Text string
	// Locale is the locale asked for; Profile the locale of the profile applied ("und" for
	// the neutral default, which changes nothing but surrounding white space).
	Locale  string
	Profile string
	// Rules are the rules applied, each once, in the order they were applied.
	Rules []Rule
}

type adapter struct {
	p     Profile
	l     *language
	text  string
	rules []Rule
}

func (a *adapter) record(id, desc string) {
	for _, r := range a.rules {
		if r.ID == id {
			return
		}
	}
	a.rules = append(a.rules, Rule{ID: id, Description: desc})
}

// Adapt applies the culture profile of locale to a reply already written in that locale's
// language: it fixes honorifics it can fix reliably, trims filler and long stock phrases in
// low-context cultures, softens flat refusals where they are not acceptable, and adds the
// greeting and closing a culture expects unless the reply has them. Adapting an adapted
// reply changes nothing. It never translates.
func Adapt(text, locale string) AdaptedReply {
	p := profiles[profileIndex(locale)]
	a := &adapter{p: p, l: languages[p.Language], text: clean(text)}
	if a.l != nil && core(a.text) != "" {
		// The order matters for idempotence: trimming can bring a casual opener to the
		// front, and a greeting added after an address splits the sentence that follows.
		a.honorifics()
		if p.Context == "low" {
			a.trimFiller()
			a.shorten()
		}
		if p.Formality == "formal" {
			a.replaceCasualGreeting()
		}
		if p.ExpectsGreeting() {
			a.addGreeting()
		}
		if !p.FlatRefusalOK {
			a.softenRefusals()
		}
		if p.ExpectsClosing() {
			a.addClosing()
		}
	}
	return AdaptedReply{Text: strings.TrimSpace(a.text), Locale: strings.TrimSpace(locale), Profile: p.Locale, Rules: a.rules}
}

// clean makes text valid UTF-8 with "\n" line ends and no surrounding white space.
func clean(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.TrimSpace(text)
}

var (
	// A Japanese name opening the reply, addressed with さん: "田中さん、" (kanji, katakana
	// or Latin names only, so that hiragana words such as たくさん are left alone).
	jaNameSan = regexp.MustCompile(`^([\p{Han}\p{Katakana}\p{Latin}ー・]{1,12}(?:\s[\p{Han}\p{Katakana}\p{Latin}ー・]{1,12})?)(?:さん|さま|くん|君|ちゃん)`)
	// A Korean name opening the reply, addressed with 씨: "민수 씨,".
	koNameSsi = regexp.MustCompile(`^(\p{Hangul}{1,4}(?: \p{Hangul}{1,4})?) ?씨([,.!\s]|$)`)
	// An opening address that a softener goes after: a name with 様 or 님 and a comma or a
	// line break ("田中様、", "민수 님, ").
	addressPrefix = regexp.MustCompile(`^[^\n。、,.!?]{1,20}(?:様|님)(?:[、,][ \t]*|[ \t]*\n)`)
	// An opening address that a greeting goes after: a line of its own ending in 様 or 님
	// ("김민수 고객님,\n"), or a Japanese name with 様 and a comma ("田中様、").
	addressLine = regexp.MustCompile(`^[^\n。、,.!?]{1,20}(?:様|님)[、,]?[ \t]*(?:\n|$)|^[^\n。、,.!?]{1,20}様[、,][ \t]*`)
)

// Japanese and Korean words for "you" and customers that have a reliable polite form.
var (
	jaPolite = []rewrite{{"あなた様", "お客様"}, {"あなたさま", "お客様"}, {"あなた", "お客様"}, {"お客さん", "お客様"}}
	jaSama   = []rewrite{{"皆さん", "皆様"}, {"みなさん", "皆様"}}
	koPolite = []rewrite{{"당신", "고객님"}}
)

func replaceAll(s string, rw []rewrite) (string, bool) {
	changed := false
	for _, r := range rw {
		if strings.Contains(s, r.From) {
			s = strings.ReplaceAll(s, r.From, r.To)
			changed = true
		}
	}
	return s, changed
}

func (a *adapter) honorifics() {
	switch a.p.Language {
	case "ja":
		var changed bool
		if a.text, changed = replaceAll(a.text, jaPolite); changed {
			a.record(RuleHonorificOkyakusama, "addressed the customer as お客様")
		}
		sama := false
		if a.text, changed = replaceAll(a.text, jaSama); changed {
			sama = true
		}
		if m := jaNameSan.FindStringSubmatchIndex(a.text); m != nil {
			a.text = a.text[:m[3]] + "様" + a.text[m[1]:]
			sama = true
		}
		if sama {
			a.record(RuleHonorificSama, "addressed the customer by name with 様")
		}
	case "zh":
		// 你 → 您 is safe character by character, except in 迷你 ("mini").
		var b strings.Builder
		prev, changed := rune(0), false
		for _, r := range a.text {
			if r == '你' && prev != '迷' {
				r, changed = '您', true
			}
			b.WriteRune(r)
			prev = r
		}
		if changed {
			a.text = b.String()
			a.record(RuleHonorificNin, "addressed the customer with the polite 您")
		}
	case "ko":
		var changed bool
		if a.text, changed = replaceAll(a.text, koPolite); changed {
			a.record(RuleHonorificNim, "addressed the customer as 고객님 instead of 당신")
		}
		if m := koNameSsi.FindStringSubmatchIndex(a.text); m != nil {
			a.text = a.text[:m[3]] + " 님" + a.text[m[4]:]
			a.record(RuleHonorificNim, "addressed the customer by name with 님")
		}
	}
}

// replaceCasualGreeting replaces a casual opening word ("Hey") with the profile's greeting
// in a formal culture.
func (a *adapter) replaceCasualGreeting() {
	if a.l.Substring || len(a.p.Greetings) == 0 {
		return
	}
	f := fold(a.text)
	for _, c := range a.l.Casual {
		sp := f.find(c, false)
		if len(sp) == 0 || sp[0][0] != 0 {
			continue
		}
		g := strings.TrimRightFunc(a.p.Greetings[0], func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
		if len(strings.Fields(g)) > 4 {
			return // a greeting that is a sentence ("Halo, terima kasih telah …") is added, not swapped in
		}
		rest := a.text[sp[0][1]:]
		if core(rest) == "" {
			rest = ""
		}
		a.text = g + rest
		a.record(RuleGreetingReplaceCasual, fmt.Sprintf("replaced a casual greeting with %q", g))
		return
	}
}

// trimFiller removes filler sentences and filler openers of clauses.
func (a *adapter) trimFiller() {
	for range 32 { // each pass removes one phrase; bounded so that a pathological text stays linear
		removed := false
		f := fold(a.text)
		for _, pat := range a.l.FillerSentences {
			for _, sp := range f.find(pat, a.l.Substring) {
				if !clauseStart(a.text, sp[0]) {
					continue
				}
				end := sentenceStop(a.text, sp[1])
				a.text = a.cut(sp[0], end)
				removed = true
				break
			}
			if removed {
				break
			}
		}
		if !removed {
			for _, pat := range a.l.FillerPrefixes {
				for _, sp := range f.find(pat, a.l.Substring) {
					if !clauseStart(a.text, sp[0]) {
						continue
					}
					end := sp[1]
					for end < len(a.text) && strings.IndexByte(",:; ", a.text[end]) >= 0 {
						end++
					}
					if core(a.text[end:sentenceStop(a.text, end)]) == "" {
						continue // nothing would be left of the sentence
					}
					a.text = a.cut(sp[0], end)
					removed = true
					break
				}
				if removed {
					break
				}
			}
		}
		if !removed {
			return
		}
		a.record(RuleTrimFiller, "removed filler a low-context reader skips")
	}
}

// clauseStart says whether i starts a sentence or a clause (after ",", ":" or ";").
func clauseStart(s string, i int) bool {
	r := lastNonSpace(s[:i])
	return r == 0 || sentenceEnd(r) || r == ',' || r == ':' || r == ';' || r == '、'
}

func lastNonSpace(s string) rune {
	t := strings.TrimRightFunc(s, unicode.IsSpace)
	if t == "" {
		if strings.Contains(s, "\n") {
			return '\n'
		}
		return 0
	}
	if strings.ContainsRune(s[len(t):], '\n') {
		return '\n'
	}
	r, _ := utf8.DecodeLastRuneInString(t)
	return r
}

// sentenceStop returns the offset just after the sentence that contains i, with its
// terminators and the spaces that follow.
func sentenceStop(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if sentenceEnd(r) {
			break
		}
		i += size
	}
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\n' || (!sentenceEnd(r) && !unicode.IsSpace(r)) {
			break
		}
		i += size
	}
	return i
}

// cut removes s[i:j] and fixes the case of what now starts the clause.
func (a *adapter) cut(i, j int) string {
	s := a.text
	head, tail := s[:i], s[j:]
	switch {
	case strings.TrimSpace(head) == "":
		head, tail = "", strings.TrimLeftFunc(tail, unicode.IsSpace)
	case strings.HasSuffix(head, " ") || strings.HasSuffix(head, "\n"):
		tail = strings.TrimLeft(tail, " \t")
	}
	if strings.TrimSpace(tail) == "" {
		head = strings.TrimRightFunc(head, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == ':' || r == ';' })
	}
	return head + a.fixCase(head, tail)
}

// fixCase capitalises tail's first letter at a sentence start and, after a comma in
// languages that do not capitalise nouns, lower-cases it unless it looks like "I" or an
// acronym.
func (a *adapter) fixCase(head, tail string) string {
	r, size := utf8.DecodeRuneInString(tail)
	if size == 0 || !unicode.IsLetter(r) {
		return tail
	}
	prev := lastNonSpace(head)
	if prev == 0 || sentenceEnd(prev) {
		return string(unicode.ToUpper(r)) + tail[size:]
	}
	if a.l.KeepCase || !unicode.IsUpper(r) {
		return tail
	}
	next, _ := utf8.DecodeRuneInString(tail[size:])
	if r == 'I' && !unicode.IsLetter(next) || unicode.IsUpper(next) {
		return tail
	}
	return string(unicode.ToLower(r)) + tail[size:]
}

// shorten replaces long stock apologies and closings with short ones.
func (a *adapter) shorten() {
	f := fold(a.text)
	for _, sh := range a.l.Shorten {
		sp := f.find(sh.From, a.l.Substring)
		if len(sp) == 0 {
			continue
		}
		for k := len(sp) - 1; k >= 0; k-- {
			to := sh.To
			if r, _ := utf8.DecodeRuneInString(a.text[sp[k][0]:]); unicode.IsUpper(r) {
				to = capitalise(to)
			}
			a.text = a.text[:sp[k][0]] + to + a.text[sp[k][1]:]
		}
		f = fold(a.text)
		if sh.Kind == "closing" {
			a.record(RuleShortClosing, "replaced a long closing phrase with a short one")
		} else {
			a.record(RuleShortApology, "replaced a long apology with a short one")
		}
	}
}

func capitalise(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// softenRefusals softens each sentence that refuses flatly: a bare "no" becomes the
// profile's soft no; a refusal phrase gets the first softener in front (and, in Japanese,
// できません becomes いたしかねます).
func (a *adapter) softenRefusals() {
	if len(a.p.Softeners) == 0 {
		return
	}
	segs := sentences(a.text)
	n := 0
	for i, seg := range segs {
		kind := a.refusal(seg)
		if kind == noRefusal {
			continue
		}
		lead := seg[:leadingSpace(seg)]
		if a.p.Language == "ja" || a.p.Language == "ko" {
			lead += addressPrefix.FindString(seg[len(lead):])
		}
		body := seg[len(lead):]
		if core(body) == "" {
			continue
		}
		if kind == bareNo {
			trail := body[len(strings.TrimRightFunc(body, unicode.IsSpace)):]
			segs[i] = lead + a.p.SoftNo + trail
			n++
			continue
		}
		for _, rw := range a.l.RefusalRewrites {
			body = strings.ReplaceAll(body, rw.From, rw.To)
		}
		soft := a.p.Softeners[0]
		segs[i] = lead + soft + a.fixCase(soft, body)
		n++
	}
	if n > 0 {
		a.text = strings.Join(segs, "")
		a.record(RuleRefusalSoften, fmt.Sprintf("softened %d flat refusal(s) with %q", n, strings.TrimSpace(a.p.Softeners[0])))
	}
}

type refusalKind int

const (
	noRefusal refusalKind = iota
	bareNo
	phrase
)

// refusal says whether a sentence is a flat refusal: a bare "no", or a refusal phrase with
// nothing softening it.
func (a *adapter) refusal(seg string) refusalKind {
	f := fold(seg)
	if f.containsAny(a.l.SoftenedBy, a.l.Substring) {
		return noRefusal
	}
	c := foldStr(core(seg))
	for _, no := range a.l.BareNo {
		if c == no {
			return bareNo
		}
	}
	if f.containsAny(a.l.Refusals, a.l.Substring) {
		return phrase
	}
	return noRefusal
}

// addressEnd is the length of an opening address line ("田中様、") that a greeting follows.
func (a *adapter) addressEnd() int {
	if a.p.Language != "ja" && a.p.Language != "ko" {
		return 0
	}
	return len(addressLine.FindString(a.text))
}

// hasGreeting says whether the first sentence after any address is a greeting.
func (a *adapter) hasGreeting() bool {
	rest := a.text[a.addressEnd():]
	segs := sentences(rest)
	if len(segs) == 0 {
		return false
	}
	return fold(segs[0]).containsAny(a.l.Greetings, a.l.Substring)
}

func (a *adapter) addGreeting() {
	if a.hasGreeting() {
		return
	}
	g := a.p.Greetings[0]
	i := a.addressEnd()
	head := a.text[:i]
	if head != "" && !strings.HasSuffix(head, "\n") {
		head = strings.TrimRight(head, " \t") + "\n"
	}
	a.text = head + g + "\n" + a.text[i:]
	a.record(RuleGreetingAdd, fmt.Sprintf("added the greeting %q", g))
}

// hasClosing says whether one of the last two lines, not counting the first of several
// (the greeting's: "Halo, terima kasih telah menghubungi kami." holds a closing word), has
// a closing formula.
func (a *adapter) hasClosing() bool {
	ls := lines(a.text)
	if len(ls) > 1 {
		ls = ls[max(1, len(ls)-2):]
	}
	for _, l := range ls {
		if fold(l).containsAny(a.l.Closings, a.l.Substring) {
			return true
		}
	}
	return false
}

func (a *adapter) addClosing() {
	if a.hasClosing() {
		return
	}
	c := a.p.Closings[0]
	a.text += "\n" + c
	a.record(a.p.ClosingRule, fmt.Sprintf("added the closing %q", c))
}
