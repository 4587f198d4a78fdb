// Package urgency says how urgent a customer's message is, and why. It is part of the
// understanding layer beside package language; nothing wires it yet.
//
// Assess reads three kinds of evidence:
//
//   - explicit words ("urgent", "dringend", "至急", "긴급", "urgente", "عاجل", "ด่วน", …),
//     which make a message High unless a negation governs them ("not urgent", "keine Eile",
//     "急ぎではありません", "不着急", "ليس عاجل", "ไม่ด่วน"), in which case the reason is
//     recorded as "negated:<code>" and the level is not raised;
//   - what the message is about (fire or smoke, burns, an electric shock, a child swallowing
//     something or a battery or magnet being swallowed, a medical device alarm or failure, an
//     account taken over, a card used by someone else), which makes it Critical even without
//     an urgency word;
//   - context: a VIP tier and three or more recent contacts about the same thing each raise
//     the level by one (a message that is None, such as a plain thank-you, stays None).
//
// Lexicons are data (see lexicon.go), one per language, keyed by concept. Languages without
// spaces between words (ja, zh, th) and those where particles or suffixes attach to words
// (ko, ar) are matched by substring; the others token by token, where a term ending in "*"
// matches any word that starts with it.
//
// Limits: this is a keyword heuristic. Negation is recognised only in a short window (a
// negator followed by at most three filler words such as "is", "so", "really", or a
// negating suffix or prefix directly attached), not through clauses or double negatives.
// Praise only weakens a safety topic when the message has no problem cue, so "the kettle is
// fire, love it" is not Critical but "love the kettle but it caught fire" is. Sarcasm,
// hypotheticals ("what if it catches fire?") and reported speech are not understood, and
// spelling mistakes or transliteration (romanised Japanese, Arabizi) are not matched. With
// Context.Language "" every lexicon is tried, which is about ten times slower than one
// language and lets a word of one language that looks like an urgency word of another
// count; pass the language detected by package language when it is known. Levels are
// capped at Critical, and context alone can make a message Critical (a VIP with three
// recent contacts about an explicitly urgent message).
package urgency

import (
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/meridian-cs/meridian/models"
)

// Level is how urgent a message is.
type Level int

// Levels, from least to most urgent.
const (
	None Level = iota
	Normal
	High
	Critical
)

// String returns "NONE", "NORMAL", "HIGH" or "CRITICAL".
func (l Level) String() string {
	switch l {
	case None:
		return "NONE"
	case Normal:
		return "NORMAL"
	case High:
		return "HIGH"
	case Critical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// ParseLevel reads a level's String form (NONE, NORMAL, HIGH, CRITICAL).
func ParseLevel(s string) (Level, bool) {
	for l := None; l <= Critical; l++ {
		if l.String() == s {
			return l, true
		}
	}
	return None, false
}

// Context is what is known about the message besides its text.
type Context struct {
	// Language is the BCP-47 tag of the message (only the base, "pt" of "pt-BR", is used);
	// "" or an unsupported language tries every lexicon.
	Language string
	// Tier is the customer's tier; "vip" raises the level by one.
	Tier string
	// RecentContacts is how many times the customer contacted about the same thing in the
	// last 24 hours; 3 or more raises the level by one.
	RecentContacts int
}

// Result is an assessment: a level and the reasons that set it.
type Result struct {
	Level Level
	// Reasons are stable machine-readable codes such as "explicit:urgent", "topic:fire",
	// "negated:urgent", "weakened:topic:fire", "context:vip", "context:repeat_contacts",
	// sorted.
	Reasons []string
}

// Assess says how urgent text is.
func Assess(text string, c Context) Result {
	var lexs []*lexicon
	if l, ok := lexicons[models.BaseLanguage(c.Language)]; ok {
		lexs = []*lexicon{l}
	} else {
		lexs = allLexicons
	}
	reasons := map[string]bool{}
	level := None
	if hasLetters(text) {
		base := Normal
		greeting, problem := false, false
		var norm [2]string // spaced, substring; each computed once
		for _, lx := range lexs {
			i := 0
			if lx.substring {
				i = 1
			}
			if norm[i] == "" {
				norm[i] = normalise(text, lx.substring)
			}
			m := &match{lx: lx, s: norm[i], cached: map[string]bool{}}
			lvl, g, p := m.assess(reasons)
			level = max(level, lvl)
			greeting = greeting || g
			problem = problem || p
		}
		if greeting && !problem && !strings.ContainsAny(text, "?？؟") {
			base = None
		}
		level = max(level, base)
	}
	if level > None {
		if strings.EqualFold(strings.TrimSpace(c.Tier), "vip") {
			reasons["context:vip"] = true
			level = min(level+1, Critical)
		}
		if c.RecentContacts >= 3 {
			reasons["context:repeat_contacts"] = true
			level = min(level+1, Critical)
		}
	}
	out := make([]string, 0, len(reasons))
	for r := range reasons {
		out = append(out, r)
	}
	sort.Strings(out)
	return Result{Level: level, Reasons: out}
}

func hasLetters(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// boundary marks a clause break in the normalised text of a spaced language.
const boundary = "|"

// normalise lower-cases s; for spaced languages it also turns it into " tok tok | tok ",
// words separated by single spaces, clause punctuation kept as "|".
func normalise(s string, substring bool) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
			space = false
		case substring && !unicode.IsSpace(r):
			b.WriteRune(r)
			space = false
		case !substring && strings.ContainsRune(".,;:!?。，、！？؟،؛…()", r):
			if !space {
				b.WriteByte(' ')
			}
			b.WriteString(boundary + " ")
			space = true
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

type match struct {
	lx     *lexicon
	s      string // normalised, masked as matching proceeds
	cached map[string]bool
}

// find returns the byte spans of term in m.s.
func (m *match) find(t term) [][2]int {
	var spans [][2]int
	for from := 0; from < len(m.s); {
		i := strings.Index(m.s[from:], t.needle)
		if i < 0 {
			break
		}
		start := from + i
		end := start + len(t.needle)
		if !m.lx.substring {
			start++ // leading space
			if t.prefix {
				end += strings.IndexByte(m.s[end:], ' ')
			} else {
				end-- // trailing space
			}
		}
		spans = append(spans, [2]int{start, end})
		from = end
	}
	return spans
}

func (m *match) mask(sp [2]int) {
	m.s = m.s[:sp[0]] + strings.Repeat("#", sp[1]-sp[0]) + m.s[sp[1]:]
	clear(m.cached)
}

func (m *match) has(concept string) bool {
	if v, ok := m.cached[concept]; ok {
		return v
	}
	v := false
	for _, t := range m.lx.concepts[concept] {
		if len(m.find(t)) > 0 {
			v = true
			break
		}
	}
	m.cached[concept] = v
	return v
}

// negated reports whether the explicit word at sp is governed by a negation.
func (m *match) negated(sp [2]int) bool {
	before, after := m.s[:sp[0]], m.s[sp[1]:]
	if m.lx.substring {
		b := strings.TrimRight(before, " ")
		for _, p := range negPrefixes {
			if strings.HasSuffix(b, p) {
				return true
			}
		}
		a := strings.TrimLeft(after, " ")
		for _, p := range negSuffixes {
			if strings.HasPrefix(a, p) {
				return true
			}
		}
		return false
	}
	toks := strings.Fields(before)
	for i, n := len(toks)-1, 0; i >= 0 && n <= 3; i, n = i-1, n+1 {
		t := toks[i]
		if negators[t] {
			return true
		}
		if !fillers[t] {
			break
		}
	}
	next := strings.Fields(after)
	for i := 0; i < len(next) && i < 3; i++ {
		if postNegators[next[i]] {
			return true
		}
		if !fillers[next[i]] {
			break
		}
	}
	return false
}

// assess adds reasons found with one lexicon and returns the level they set, whether the
// message reads as a greeting or thanks, and whether it names a problem.
func (m *match) assess(reasons map[string]bool) (Level, bool, bool) {
	level := None
	for _, t := range m.lx.concepts["benign"] {
		for _, sp := range m.find(t) {
			m.mask(sp)
		}
	}
	for _, e := range m.lx.explicit {
		for _, sp := range m.find(e.term) {
			if m.negated(sp) {
				reasons["negated:"+e.code] = true
			} else {
				reasons["explicit:"+e.code] = true
				level = max(level, High)
			}
			m.mask(sp)
		}
	}
	for _, tp := range topics {
		hit := false
		for _, alt := range tp.all {
			ok := true
			for _, c := range alt {
				if !m.has(c) {
					ok = false
					break
				}
			}
			if ok {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		if m.has("praise") && !m.has("problem") {
			reasons["weakened:topic:"+tp.code] = true
			continue
		}
		reasons["topic:"+tp.code] = true
		level = Critical
	}
	return level, m.has("greeting") || m.has("praise"), level > None || m.has("problem")
}

type term struct {
	needle string
	prefix bool
}

type explicitTerm struct {
	term
	code string
}

type lexicon struct {
	substring bool
	concepts  map[string][]term
	explicit  []explicitTerm // longest first
}

type topic struct {
	code string
	all  [][]string // any alternative whose concepts are all present
}

var topics = []topic{
	{"fire", [][]string{{"fire"}, {"smoke"}}},
	{"burn", [][]string{{"burn"}}},
	{"electric_shock", [][]string{{"shock"}}},
	{"child_ingestion", [][]string{{"child", "swallow"}, {"swallow", "small_part"}, {"eat", "small_part"}}},
	{"medical_device_alarm", [][]string{{"medical_device", "device_fault"}}},
	{"account_takeover", [][]string{{"hacked"}, {"account", "someone_else"}}},
	{"card_fraud", [][]string{{"card", "someone_else"}, {"card", "fraud"}}},
}

var (
	lexicons    = map[string]*lexicon{}
	allLexicons []*lexicon
)

func init() {
	data := map[string]map[string]string{}
	for _, src := range []map[string]map[string]string{lexiconData, moreLexiconData} {
		for l, d := range src {
			data[l] = d
		}
	}
	langs := make([]string, 0, len(data))
	for l := range data {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		d := data[lang]
		lx := &lexicon{substring: substringLangs[lang], concepts: map[string][]term{}}
		for key, list := range d {
			for _, raw := range strings.Split(list, "|") {
				raw = strings.TrimSpace(raw)
				if raw == "" {
					continue
				}
				t := term{}
				if strings.HasSuffix(raw, "*") {
					t.prefix = true
					raw = strings.TrimSuffix(raw, "*")
				}
				n := normalise(raw, lx.substring)
				if lx.substring {
					t.needle = strings.TrimSpace(n)
				} else if t.prefix {
					t.needle = strings.TrimRight(n, " ")
				} else {
					t.needle = n
				}
				if code, ok := strings.CutPrefix(key, "explicit:"); ok {
					lx.explicit = append(lx.explicit, explicitTerm{t, code})
				} else {
					lx.concepts[key] = append(lx.concepts[key], t)
				}
			}
		}
		slices.SortStableFunc(lx.explicit, func(a, b explicitTerm) int {
			if d := len(b.needle) - len(a.needle); d != 0 {
				return d
			}
			return strings.Compare(a.needle, b.needle)
		})
		lexicons[lang] = lx
		allLexicons = append(allLexicons, lx)
	}
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
