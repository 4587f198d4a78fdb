// Package sentiment says how a customer's message feels: a polarity score in [-1, 1], a
// label (negative, neutral, positive), the intensity of four emotions that matter in
// customer service (anger, frustration, anxiety, satisfaction), and the cues that set them.
// TrendOf follows the scores over a conversation. It is part of the understanding layer
// beside packages language and urgency; Of is the older aggregate scorer that
// insights/competitors uses, now reading the same lexicons.
//
// Analyze is a lexicon scorer. Lexicons are data (lexicon.go), one per language for en, de,
// fr, es, pt, it, nl, ja, ko, zh, ar, th, id, vi, tr and ru: polar words with weights, emotion
// words (which also carry polarity), intensifiers, negators and contrast words. A term under
// a negation flips ("not happy", "nicht zufrieden", "不太满意", "좋지 않아요", "memnun
// değilim"), more weakly for a negated complaint ("not bad"); an intensifier next to a term
// ("very", "sehr", "とても", "很", "มาก") raises it by half; after the last contrast word
// ("but", "aber", "但是", "が、", "지만", "แต่") terms weigh three times what they weigh
// before it, so thanks after a problem reads as positive and praise before a complaint as
// negative. Exclamation marks and words in capitals raise intensity; emoji are cues of
// their own; "?!" adds anger and "??" frustration, each with a little negative polarity.
// The weighted sum s gives Score = tanh(0.6·s), and |Score| < 0.2 is neutral. Each emotion
// is tanh of its weighted sum; positive words add to satisfaction, and emotions opposed to
// the label are halved.
//
// Limits: it is a bag of cues, not a reader. Sarcasm ("oh great, another broken charger")
// reads as praise; irony, rhetorical questions, reported speech ("my friend said it was
// terrible") and comparisons ("better than before" vs "better elsewhere") are not
// understood. Negation is seen only in a short window (three words before or, for de, fr,
// nl and tr, three words after; a prefix or suffix attached to the term in ja, zh, th, ko
// and ar), not across clauses or double negatives. Overlapping terms do not add up: the
// longest wins, so "still not working" counts as a complaint but loses the frustration of
// "still not" (likewise ยังไม่ in ยังไม่ได้รับ, vẫn chưa in chưa nhận được), and strong
// complaint words such as "worst" or 최악 carry no anger of their own. Japanese, Chinese,
// Thai, Korean and Arabic are matched by substring, which can fire inside unrelated words
// (the lexicons mask the common traps such as 好几, 不好意思, เสียง); Turkish and Russian rely
// on prefix terms for their suffixes. Politeness formulas are not fully known: "I'm
// afraid…" in a polite complaint reads as anxiety. Misspellings, slang and transliteration
// (romanised Japanese, Arabizi) are not matched. With language "" or an unsupported one
// every lexicon written in the text's scripts is tried and the one with the most cues
// wins, which for Latin-script text costs about six times one lexicon (about 100 µs
// against 17 µs a message on a shared 2-core machine) and can pick a wrong language on a
// one-word message; Of always works this way. Two acronyms in a row ("DHL UPS") count as
// capitals. Figures on the evaluation sets in testdata are optimistic: the author of the
// lexicons wrote them.
package sentiment

import (
	"bytes"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/understanding/tokenize"
)

// Emotion indexes, in the order Dominant breaks ties.
const (
	anger = iota
	frustration
	anxiety
	satisfaction
	numEmotions
)

var emotionNames = [numEmotions]string{"anger", "frustration", "anxiety", "satisfaction"}

// emotionPolarity is the polarity an emotion word carries per unit of weight.
var emotionPolarity = [numEmotions]float64{-1.2, -0.8, -0.6, 1.0}

// Emotions are 0..1 intensities.
type Emotions struct {
	Anger, Frustration, Anxiety, Satisfaction float64
}

// Dominant is the strongest emotion over 0.3 ("anger", "frustration", "anxiety",
// "satisfaction") or "". Ties go to the earlier in that order.
func (e Emotions) Dominant() string {
	best, name := 0.3, ""
	for i, v := range [numEmotions]float64{e.Anger, e.Frustration, e.Anxiety, e.Satisfaction} {
		if v > best {
			best, name = v, emotionNames[i]
		}
	}
	return name
}

// Result is the sentiment of one message.
type Result struct {
	Score    float64 // -1..1
	Label    string  // "negative", "neutral" or "positive"
	Emotions Emotions
	// Cues are stable codes of what set it, sorted: "pos:<term>", "neg:<term>",
	// "emotion:<emotion>:<term>", "negated:<term>", "intens:<word>", "contrast:<word>",
	// "emoji:<emoji>", "punct:!", "punct:?!", "punct:??", "caps". A term is written as in
	// the lexicon, normalised (lower case, Arabic letter variants folded as
	// tokenize.Normalize does), without a trailing "*" and with spaces as "_".
	Cues []string
}

// Labels and the score beyond which a message is not neutral.
const (
	Negative = "negative"
	Neutral  = "neutral"
	Positive = "positive"

	neutralBand = 0.2
)

// LabelOf is the label of a score: |score| < 0.2 is neutral.
func LabelOf(score float64) string {
	switch {
	case score >= neutralBand:
		return Positive
	case score <= -neutralBand:
		return Negative
	}
	return Neutral
}

const (
	kindPos = iota
	kindNeg
	kindEmotion
	kindMask
)

type term struct {
	needle  string
	bneedle []byte
	prefix  bool
	code    string
	kind    int
	emotion int
	weight  float64
}

type lexicon struct {
	lang      string
	substring bool
	scripts   uint8  // bit per tokenize.Script its terms are written in
	terms     []term // longest first
	intens    []string
	contrast  []string
	negator   []string
	postneg   []string
}

var (
	lexicons    = map[string]*lexicon{}
	allLexicons []*lexicon
)

func init() {
	langs := make([]string, 0, len(lexiconData))
	for l := range lexiconData {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		lx := compile(lang, lexiconData[lang])
		lexicons[lang] = lx
		allLexicons = append(allLexicons, lx)
	}
}

func compile(lang string, d map[string]string) *lexicon {
	lx := &lexicon{lang: lang, substring: substringLangs[lang]}
	words := func(key string) []string {
		var out []string
		for _, raw := range split(d[key]) {
			// Spaced languages keep the padding: " not " is looked up in " w w ".
			if n := normalise(raw, lx.substring); strings.TrimSpace(n) != "" {
				out = append(out, n)
			}
		}
		return out
	}
	lx.intens, lx.contrast, lx.negator, lx.postneg = words("intens"), words("contrast"), words("negator"), words("postneg")
	add := func(key string, kind, emotion int) {
		for _, raw := range split(d[key]) {
			t := term{kind: kind, emotion: emotion, weight: 1}
			if i := strings.LastIndexByte(raw, '='); i > 0 {
				if w, err := strconv.ParseFloat(raw[i+1:], 64); err == nil {
					t.weight, raw = w, raw[:i]
				}
			}
			if strings.HasSuffix(raw, "*") {
				t.prefix, raw = true, strings.TrimSuffix(raw, "*")
			}
			n := normalise(raw, lx.substring)
			if strings.TrimSpace(n) == "" {
				continue
			}
			t.code = strings.ReplaceAll(strings.TrimSpace(n), " ", "_")
			switch {
			case lx.substring:
				t.needle = n
			case t.prefix:
				t.needle = strings.TrimRight(n, " ")
			default:
				t.needle = n
			}
			lx.terms = append(lx.terms, t)
		}
	}
	add("mask", kindMask, -1)
	add("pos", kindPos, -1)
	add("neg", kindNeg, -1)
	for e, name := range emotionNames {
		add(name, kindEmotion, e)
	}
	// Terms that contain a mask come first (好几个星期 is frustration), then masks, so that a
	// longer term cannot cut into one (几个星期 into 好几个星期), then longer terms first, so
	// that "thank you so much" wins over "thank you".
	var masks []string
	for _, t := range lx.terms {
		if t.kind == kindMask {
			masks = append(masks, t.needle)
		}
	}
	rank := func(t term) int {
		if t.kind == kindMask {
			return 1
		}
		for _, m := range masks {
			if strings.Contains(t.needle, m) {
				return 0
			}
		}
		return 2
	}
	sort.SliceStable(lx.terms, func(i, j int) bool {
		if ri, rj := rank(lx.terms[i]), rank(lx.terms[j]); ri != rj {
			return ri < rj
		}
		return len(lx.terms[i].needle) > len(lx.terms[j].needle)
	})
	for i := range lx.terms {
		lx.terms[i].bneedle = []byte(lx.terms[i].needle)
		lx.scripts |= scriptsOf(lx.terms[i].needle)
	}
	return lx
}

func split(list string) []string {
	var out []string
	for _, s := range strings.Split(list, "|") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// normalise lower-cases s and folds Arabic spellings (tokenize.Normalize). For spaced
// languages it also turns s into " tok tok | tok ": words separated by single spaces,
// apostrophes kept inside words, clause punctuation kept as "|".
func normalise(s string, substring bool) string {
	s = tokenize.Normalize(s)
	if substring {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	var prev rune
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
			space = false
		case r == '\'' && unicode.IsLetter(prev) && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			b.WriteRune(r)
		case strings.ContainsRune(".,;:!?。，、！？؟،؛…()¡¿\n", r):
			if !space {
				b.WriteByte(' ')
			}
			b.WriteString("| ")
			space = true
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
		prev = r
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

type hit struct {
	t          *term
	start, end int
	negated    bool
	intens     string
}

// scan finds the terms of lx in text and the context of each.
func (lx *lexicon) scan(text string) (s string, hits []hit) {
	s = normalise(text, lx.substring)
	masked := []byte(s)
	for i := range lx.terms {
		t := &lx.terms[i]
		for from := 0; from < len(masked); {
			j := bytes.Index(masked[from:], t.bneedle)
			if j < 0 {
				break
			}
			start, end := from+j, from+j+len(t.needle)
			if !lx.substring {
				start++ // leading space
				if t.prefix {
					end += bytes.IndexByte(masked[end:], ' ')
				} else {
					end-- // trailing space
				}
			}
			for k := start; k < end; k++ {
				masked[k] = '#'
			}
			from = end
			if t.kind != kindMask {
				hits = append(hits, hit{t: t, start: start, end: end})
			}
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].start < hits[j].start })
	for i := range hits {
		h := &hits[i]
		h.negated = lx.negated(s, h.start, h.end)
		h.intens = lx.intensifier(s, h.start, h.end)
	}
	return s, hits
}

// lastContrast returns the last contrast word in s and where it ends, or -1.
func (lx *lexicon) lastContrast(s string) (string, int, int) {
	word, at, end := "", -1, -1
	for _, c := range lx.contrast {
		if i := strings.LastIndex(s, c); i > at {
			word, at, end = strings.TrimSpace(c), i, i+len(c)
		}
	}
	return word, at, end
}

func (lx *lexicon) negated(s string, start, end int) bool {
	if lx.substring {
		before := strings.TrimRight(s[max(0, start-contextBytes):start], " ")
		for _, p := range lx.negator {
			if strings.HasSuffix(before, p) {
				return true
			}
		}
		after := strings.TrimLeft(s[end:min(len(s), end+contextBytes)], " ")
		for _, p := range lx.postneg {
			if strings.HasPrefix(after, p) {
				return true
			}
		}
		return false
	}
	return containsWord(windowBefore(s, start, 3), lx.negator) != "" ||
		containsWord(windowAfter(s, end, 3), lx.postneg) != ""
}

func (lx *lexicon) intensifier(s string, start, end int) string {
	if lx.substring {
		before := lastRunes(strings.TrimRight(s[max(0, start-contextBytes):start], " "), 4)
		after := firstRunes(strings.TrimLeft(s[end:min(len(s), end+contextBytes)], " "), 3)
		for _, w := range lx.intens {
			if strings.Contains(before, w) || strings.Contains(after, w) {
				return w
			}
		}
		return ""
	}
	if w := containsWord(windowBefore(s, start, 2), lx.intens); w != "" {
		return strings.TrimSpace(w)
	}
	return strings.TrimSpace(containsWord(windowAfter(s, end, 1), lx.intens))
}

// contextBytes bounds how far around a term its context is read, so that an enormous
// message without punctuation stays linear.
const contextBytes = 256

// windowBefore returns up to k words before pos in the same clause, as " w w ".
func windowBefore(s string, pos, k int) string {
	before := s[:pos]
	cut := len(before) > contextBytes
	if cut {
		before = before[len(before)-contextBytes:]
	}
	if i := strings.LastIndexByte(before, '|'); i >= 0 {
		before, cut = before[i+1:], false
	}
	f := strings.Fields(before)
	if cut && len(f) > 0 {
		f = f[1:] // may start inside a word or a rune
	}
	if len(f) > k {
		f = f[len(f)-k:]
	}
	return " " + strings.Join(f, " ") + " "
}

// windowAfter returns up to k words after pos in the same clause, as " w w ".
func windowAfter(s string, pos, k int) string {
	after := s[pos:]
	cut := len(after) > contextBytes
	if cut {
		after = after[:contextBytes]
	}
	if i := strings.IndexByte(after, '|'); i >= 0 {
		after, cut = after[:i], false
	}
	f := strings.Fields(after)
	if cut && len(f) > 0 {
		f = f[:len(f)-1]
	}
	if len(f) > k {
		f = f[:k]
	}
	return " " + strings.Join(f, " ") + " "
}

// containsWord returns the first of words (padded with spaces) found in window.
func containsWord(window string, words []string) string {
	for _, w := range words {
		if strings.Contains(window, w) {
			return w
		}
	}
	return ""
}

func lastRunes(s string, n int) string {
	i := len(s)
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}

func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// analysis is one lexicon's reading of a message, before the message-wide signals.
type analysis struct {
	sum      float64
	emotions [numEmotions]float64
	cues     map[string]bool
	pos, neg int // hits by effective polarity, for Of
	mass     float64
}

func (lx *lexicon) analyse(text string) analysis {
	a := analysis{cues: map[string]bool{}}
	s, hits := lx.scan(text)
	cword, cstart, cend := "", -1, -1
	if len(hits) > 0 {
		cword, cstart, cend = lx.lastContrast(s)
	}
	for _, h := range hits {
		t := h.t
		w := t.weight
		if h.intens != "" {
			w *= 1.5
			a.cues["intens:"+strings.ReplaceAll(h.intens, " ", "_")] = true
		}
		if cstart >= 0 {
			switch {
			case h.end <= cstart:
				w *= 0.5
			case h.start >= cend:
				w *= 1.5
			}
			a.cues["contrast:"+strings.ReplaceAll(cword, " ", "_")] = true
		}
		var p float64
		switch t.kind {
		case kindPos:
			p = w
		case kindNeg:
			p = -w
		case kindEmotion:
			p = w * emotionPolarity[t.emotion]
		}
		switch {
		case h.negated && p > 0:
			p = -0.8 * p
		case h.negated:
			p = -0.5 * p
		}
		switch {
		case h.negated:
			a.cues["negated:"+t.code] = true
		case t.kind == kindEmotion:
			a.emotions[t.emotion] += w
			a.cues["emotion:"+emotionNames[t.emotion]+":"+t.code] = true
		case t.kind == kindPos:
			a.emotions[satisfaction] += 0.5 * w
			a.cues["pos:"+t.code] = true
		default:
			a.cues["neg:"+t.code] = true
		}
		if p > 0 {
			a.pos++
		} else if p < 0 {
			a.neg++
		}
		a.sum += p
		a.mass += math.Abs(p)
	}
	return a
}

// read analyses text with the lexicon of lang, or with the best of all lexicons when lang
// is "" or unsupported: the one with the most cues, then the most weight.
func read(text, lang string) analysis {
	if lx, ok := lexicons[models.BaseLanguage(lang)]; ok {
		return lx.analyse(text)
	}
	best := analysis{cues: map[string]bool{}}
	// A lexicon none of whose scripts occur in text cannot match it; skipping it changes
	// nothing but the cost.
	scripts := scriptsOf(text)
	for _, lx := range allLexicons {
		if lx.scripts&scripts == 0 {
			continue
		}
		a := lx.analyse(text)
		if a.pos+a.neg+len(a.cues) > best.pos+best.neg+len(best.cues) ||
			(a.pos+a.neg+len(a.cues) == best.pos+best.neg+len(best.cues) && a.mass > best.mass) {
			best = a
		}
	}
	return best
}

func scriptsOf(s string) uint8 {
	var m uint8
	for _, r := range s {
		if sc := tokenize.ScriptOf(r); sc != tokenize.Other {
			m |= 1 << sc
		}
	}
	return m
}

// Languages lists the languages with a lexicon.
func Languages() []string {
	out := make([]string, 0, len(lexicons))
	for l := range lexicons {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Analyze reads the sentiment and emotions of one message. lang is a BCP-47 tag (only its
// base, "pt" of "pt-BR", is used); "" or an unsupported language tries every lexicon.
func Analyze(text, lang string) Result {
	a := read(text, lang)
	signals(text, &a)
	score := math.Tanh(0.6 * a.sum)
	if math.IsNaN(score) {
		score = 0
	}
	r := Result{Score: score, Label: LabelOf(score)}
	e := a.emotions
	switch r.Label {
	case Negative:
		e[satisfaction] *= 0.5
	case Positive:
		e[anger] *= 0.5
		e[frustration] *= 0.5
		e[anxiety] *= 0.5
	}
	for i := range e {
		e[i] = math.Tanh(e[i])
	}
	r.Emotions = Emotions{Anger: e[anger], Frustration: e[frustration], Anxiety: e[anxiety], Satisfaction: e[satisfaction]}
	r.Cues = make([]string, 0, len(a.cues))
	for c := range a.cues {
		r.Cues = append(r.Cues, c)
	}
	sort.Strings(r.Cues)
	return r
}

var punctuation = strings.NewReplacer("！", "!", "？", "?", "؟", "?")

// signals adds what every language shares: emoji, exclamation marks, "?!" and "??", and
// words in capitals, which scale the whole message.
func signals(text string, a *analysis) {
	for _, em := range emoji {
		if n := strings.Count(text, em.r); n > 0 {
			w := em.weight * float64(min(n, 3))
			a.sum += w
			if em.emotion >= 0 {
				a.emotions[em.emotion] += math.Abs(w)
			}
			a.cues["emoji:"+em.r] = true
		}
	}
	norm := punctuation.Replace(text)
	m := 1.0
	if n := strings.Count(norm, "!"); n > 0 {
		m += 0.15 * float64(min(n, 3))
		a.cues["punct:!"] = true
	}
	if strings.Contains(norm, "?!") || strings.Contains(norm, "!?") {
		a.emotions[anger] += 0.4
		a.sum -= 0.3
		a.cues["punct:?!"] = true
	} else if strings.Contains(norm, "??") {
		a.emotions[frustration] += 0.4
		a.sum -= 0.2
		a.cues["punct:??"] = true
	}
	if shouting(text) {
		m += 0.3
		a.cues["caps"] = true
	}
	a.sum *= m
	for i := range a.emotions {
		a.emotions[i] *= m
	}
}

// shouting reports words in capitals: two words of three or more upper-case letters, or a
// message of at least six letters all in capitals. Scripts without case never shout.
func shouting(text string) bool {
	words, letters, upper := 0, 0, 0
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		n, u := 0, 0
		for _, r := range f {
			n++
			if unicode.IsUpper(r) {
				u++
			} else if !unicode.IsLower(r) {
				n = -1000 // a caseless script
			}
		}
		if n <= 0 {
			continue
		}
		letters += n
		upper += u
		if n >= 3 && u == n {
			words++
		}
	}
	return words >= 2 || (letters >= 6 && upper == letters)
}

// Trend is the direction of a conversation's sentiment.
type Trend struct {
	Direction   string // "improving", "worsening", "stable"
	Slope       float64
	First, Last float64
}

// TrendOf is the trend of a conversation's message scores, oldest first. Slope is the
// least-squares slope per message; the direction is improving or worsening when the fitted
// change over the whole conversation, Slope × (n − 1), is at least 0.2 up or down. Scores
// that are not finite are skipped; fewer than two scores are stable.
func TrendOf(scores []float64) Trend {
	var ys []float64
	for _, y := range scores {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			ys = append(ys, y)
		}
	}
	t := Trend{Direction: "stable"}
	if len(ys) == 0 {
		return t
	}
	t.First, t.Last = ys[0], ys[len(ys)-1]
	n := float64(len(ys))
	if len(ys) < 2 {
		return t
	}
	var sx, sy, sxx, sxy float64
	for i, y := range ys {
		x := float64(i)
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	t.Slope = (n*sxy - sx*sy) / (n*sxx - sx*sx)
	switch change := t.Slope * (n - 1); {
	case change >= 0.2:
		t.Direction = "improving"
	case change <= -0.2:
		t.Direction = "worsening"
	}
	return t
}

// A Score is the polarity of a text by counting: (positive − negative) / (positive +
// negative) cues, in [−1, 1], 0 when no polar word was found. It is what insights
// aggregates over many sentences; Analyze is the reading of one message.
type Score struct {
	Value    float64 `json:"value"`
	Positive int     `json:"positive"`
	Negative int     `json:"negative"`
}

// Of scores a text of unknown language by counting polar cues (after negation) with the
// lexicon that recognises most of it.
func Of(text string) Score {
	a := read(text, "")
	s := Score{Positive: a.pos, Negative: a.neg}
	if n := s.Positive + s.Negative; n > 0 {
		s.Value = float64(s.Positive-s.Negative) / float64(n)
	}
	return s
}
