// Package language is the one place that says which language a text is in. It turns a
// customer's message, with what the channel knows about the sender (country, a stated
// language such as Telegram's language_code, the languages of earlier messages), into a
// BCP-47 tag ("pt-BR", "zh-Hant", "und") with a confidence. The understanding layer's other
// parts (sentiment, urgency, intent, culture) will sit beside it.
//
// Text evidence comes from github.com/pemistahl/lingua-go in two passes (see New): a
// low-accuracy pass over all 75 of its languages, then, for texts shorter than 120 letters,
// a high-accuracy pass over the configured markets' languages that re-divides the first
// pass's probability among them. Short or uncertain texts then lean on the hints (see
// Detect); long texts trust the text.
package language

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/models"
	"github.com/pemistahl/lingua-go"
)

// DefaultHighAccuracy are the base languages the demo markets speak (ingest/demo/markets.go):
// the embedded default's high-accuracy set.
var DefaultHighAccuracy = []string{"en", "de", "fr", "es", "it", "nl", "sv", "pl", "pt", "ms", "zh", "th", "id", "vi", "ja", "ko", "ar"}

// Config chooses what the detector loads.
type Config struct {
	// HighAccuracy are BCP-47 base languages ("pt", not "pt-BR") detected with lingua-go's
	// high-accuracy models on short texts: the markets' languages. Nil means
	// DefaultHighAccuracy; an empty non-nil slice means none (low accuracy only). Each costs
	// roughly 10-40 MB resident (BENCHMARKS.md).
	HighAccuracy []string
	// AllHigh loads every language in high accuracy (about 1.2 GB resident, 1.9 GB while
	// loading): for evaluation, not the embedded default.
	AllHigh bool
	// MarketPrior is how much likelier a high-accuracy (market) language is than another
	// before the text is read; 0 means 10 (chosen on the development set).
	MarketPrior float64
	// Temper flattens the first pass's probabilities on short texts (p^Temper, then
	// normalised): lingua-go's softmax over summed log-probabilities is sure of itself on
	// two words even when wrong. 0 means 0.5 (chosen on the development set); 1 leaves them.
	Temper float64
	// Lazy leaves the models to load on first use instead of at New.
	Lazy bool
	// Logger receives one line per unusual input (Warn for binary or oversized text, Debug
	// for empty, emoji-only or mixed-script text and unknown stated locales); nil means
	// slog.Default().
	Logger *slog.Logger
}

// Hints are what the channel knows about the sender; every field may be empty.
type Hints struct {
	Country  string   // ISO 3166-1 alpha-2 of the customer ("BR")
	Stated   string   // a language the sender or platform stated: Telegram language_code "pt-br", a locale "es-MX"
	Previous []string // languages (BCP-47) of earlier messages of the conversation, oldest first
}

// Candidate is one language and its probability.
type Candidate struct {
	Language   string  `json:"language"` // BCP-47 base language
	Confidence float64 `json:"confidence"`
}

// Result is a detection. Language is "und" with zero confidence when the text has no usable
// evidence and the hints none either (Source "none"); Note then says why.
type Result struct {
	Language     string      `json:"language"`   // BCP-47 with the regional variant where known: "pt-BR", "zh-Hant", "en", "und"
	Base         string      `json:"base"`       // the base language: "pt", "zh", "und"
	Confidence   float64     `json:"confidence"` // 0..1, of the base language
	Reliable     bool        `json:"reliable"`
	Source       string      `json:"source"` // "text", "text+hints", "hints" or "none"
	Alternatives []Candidate `json:"alternatives,omitempty"`
	Note         string      `json:"note,omitempty"` // "empty", "no evidence" (no letters), "binary", "truncated" (over models.MaxTextLen), "mixed script"
}

// Detector is safe for concurrent use.
type Detector struct {
	low      lingua.LanguageDetector // all languages, trigrams only
	high     lingua.LanguageDetector // the high-accuracy set, 1- to 5-grams; nil if fewer than two
	highSet  map[lingua.Language]bool
	allHigh  bool
	prior    float64
	temper   float64
	log      *slog.Logger
	allCodes int
}

// highPassMaxLetters: lingua-go itself uses only trigrams from 120 letters on, so the second
// pass could not change anything past it.
const highPassMaxLetters = 120

// analyseBytes is how much of a long text is analysed.
const analyseBytes = 1000

// New builds a detector and, unless cfg.Lazy, loads its models: one language at a time, so
// the peak while loading stays near the resident size (lingua-go's own preload decodes every
// language at once and peaks at ~1.6x).
func New(cfg Config) (*Detector, error) {
	d := &Detector{log: cfg.Logger, allHigh: cfg.AllHigh, highSet: map[lingua.Language]bool{}, prior: cfg.MarketPrior}
	if d.prior <= 0 {
		d.prior = 10
	}
	d.temper = cfg.Temper
	if d.temper <= 0 || d.temper > 1 {
		d.temper = 0.5
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	all := lingua.AllLanguages()
	d.allCodes = len(all)
	codes := cfg.HighAccuracy
	if codes == nil {
		codes = DefaultHighAccuracy
	}
	if cfg.AllHigh {
		codes = nil
		for _, l := range all {
			codes = append(codes, strings.ToLower(l.IsoCode639_1().String()))
		}
	}
	var high []lingua.Language
	for _, c := range codes {
		l := linguaOf(c)
		if l == lingua.Unknown {
			return nil, fmt.Errorf("language: high-accuracy language %q is not one lingua-go knows", c)
		}
		if !d.highSet[l] {
			d.highSet[l] = true
			high = append(high, l)
		}
	}
	if !cfg.Lazy {
		for _, l := range all {
			lingua.NewLanguageDetectorBuilder().FromLanguages(l, l).WithLowAccuracyMode().WithPreloadedLanguageModels().Build()
		}
		for _, l := range high {
			lingua.NewLanguageDetectorBuilder().FromLanguages(l, l).WithPreloadedLanguageModels().Build()
			runtime.GC()
		}
	}
	if cfg.AllHigh {
		d.low = lingua.NewLanguageDetectorBuilder().FromAllLanguages().Build()
		return d, nil
	}
	d.low = lingua.NewLanguageDetectorBuilder().FromAllLanguages().WithLowAccuracyMode().Build()
	if len(high) >= 2 {
		d.high = lingua.NewLanguageDetectorBuilder().FromLanguages(high...).Build()
	}
	return d, nil
}

// linguaOf maps a BCP-47 tag's base language to lingua-go's language (Unknown if none).
func linguaOf(tag string) lingua.Language {
	base := baseOf(tag)
	if base == "" {
		return lingua.Unknown
	}
	return lingua.GetLanguageFromIsoCode639_1(lingua.GetIsoCode639_1FromValue(base))
}

// baseOf is the lower-cased primary subtag of a tag ("pt-br", "pt_BR" → "pt"); "" if it
// does not look like one.
func baseOf(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	tag = strings.ToLower(tag)
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for _, r := range tag {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return tag
}

func codeOf(l lingua.Language) string { return strings.ToLower(l.IsoCode639_1().String()) }

// Detect says which language text is in. It never fails: unusable input gives "und" with
// zero confidence (or the hints' language, Source "hints", when the hints name one), and one
// log line for binary or oversized input.
//
// The rule for hints: first, the languages the hints name get the market prior (see
// Config.MarketPrior) in the text pass, as the markets' languages do. Then the text's
// distribution P(l) is smoothed (0.9·P + 0.1/N) and
// multiplied by a weight w(l) = 1 + 3·[l is Stated] + 2·(share of Previous in l) +
// 1·[l is spoken in Country] when the text is short (under 40 letters) or unsure (top
// probability under 0.6; Han characters without kana, which zh and ja share; or the first
// two are close relatives such as ms/id or da/nb, the second at 0.1 or more); a long,
// confident text keeps its own answer and the hints choose only its regional variant.
func (d *Detector) Detect(ctx context.Context, text string, hints Hints) Result {
	in := inspect(text)
	if st := strings.TrimSpace(hints.Stated); st != "" && linguaOf(st) == lingua.Unknown {
		d.log.LogAttrs(ctx, slog.LevelDebug, "language: unknown stated locale ignored", slog.String("stated", st))
	}
	if in.letters == 0 {
		r := d.fromHints(hints, in)
		if r.Note == "" {
			r.Note = in.note
		}
		d.logNote(ctx, r.Note, len(text))
		return r
	}
	d.logNote(ctx, in.note, len(text))
	dist := d.textDistribution(in, hintLanguages(hints))
	if len(dist) == 0 {
		return d.fromHints(hints, in)
	}
	res := Result{Source: "text", Note: in.note}
	useHints := in.letters < 40 || dist[0].Confidence < 0.6 || in.hanOnly || (len(dist) > 1 && kin(dist[0].Language, dist[1].Language) && dist[1].Confidence >= 0.1)
	if useHints && !hints.empty() {
		dist = applyHints(dist, hints, d.allCodes)
		res.Source = "text+hints"
	}
	top := dist[0]
	res.Base = top.Language
	res.Confidence = round(top.Confidence)
	second := 0.0
	if len(dist) > 1 {
		second = dist[1].Confidence
	}
	res.Reliable = top.Confidence >= 0.6 && top.Confidence-second >= 0.2 && in.letters >= 4
	if in.note == "mixed script" {
		res.Confidence = round(top.Confidence * in.dominantShare)
		res.Reliable = res.Reliable && in.dominantShare >= 0.8
	}
	for _, c := range dist[1:] {
		if len(res.Alternatives) == 3 || c.Confidence < 0.01 {
			break
		}
		res.Alternatives = append(res.Alternatives, Candidate{c.Language, round(c.Confidence)})
	}
	res.Language = variant(res.Base, in.text, hints)
	return res
}

// logNote logs one line for unusual input: binary or over the event text limit at Warn
// (the sender or a channel adapter is at fault), the rest (empty, no letters, mixed script)
// at Debug, as stickers, emoji and pasted mixed text are everyday chat.
func (d *Detector) logNote(ctx context.Context, note string, size int) {
	if note == "" {
		return
	}
	level := slog.LevelDebug
	if note == "binary" || note == "truncated" {
		level = slog.LevelWarn
	}
	d.log.LogAttrs(ctx, level, "language: unusual input", slog.String("note", note), slog.Int("bytes", size))
}

// closeKin are groups of languages that short texts hardly tell apart.
var closeKin = map[string]int{"ms": 1, "id": 1, "da": 2, "nb": 2, "nn": 2, "sv": 2, "hr": 3, "sr": 3, "bs": 3,
	"cs": 4, "sk": 4, "ru": 5, "uk": 5, "be": 5, "es": 6, "pt": 6, "ca": 6, "zh": 7, "ja": 7, "ar": 8, "fa": 8, "ur": 8,
	"nl": 9, "af": 9, "bg": 10, "mk": 10}

func kin(a, b string) bool { return closeKin[a] != 0 && closeKin[a] == closeKin[b] }

func round(f float64) float64 { return math.Round(f*1e4) / 1e4 }

func (h Hints) empty() bool {
	return baseOf(h.Stated) == "" && h.Country == "" && len(h.Previous) == 0
}

// fromHints is the answer when the text has no evidence: the hints' best language with a
// confidence of at most 0.5 (never Reliable), or und.
func (d *Detector) fromHints(h Hints, in inspected) Result {
	und := Result{Language: "und", Base: "und", Source: "none", Note: in.note}
	if und.Note == "" {
		und.Note = "no evidence"
	}
	if in.note == "binary" || in.note == "empty" {
		return und
	}
	w := hintWeights(h)
	if len(w) == 0 {
		return und
	}
	var best string
	var bw, total float64
	for l, x := range w {
		total += x
		if x > bw || (x == bw && l < best) {
			best, bw = l, x
		}
	}
	return Result{Language: variant(best, "", h), Base: best, Confidence: round(0.5 * bw / total), Source: "hints", Note: und.Note}
}

// textDistribution is the text's probability per base language, highest first. The
// languages in hinted (from the hints) get the market prior too.
func (d *Detector) textDistribution(in inspected, hinted map[lingua.Language]bool) []Candidate {
	text := in.text
	var out []Candidate
	if in.hanOnly {
		// lingua-go's rules give Han-only text to Chinese; Japanese writes kanji-only
		// phrases too. Japanese-only shinjitai forms decide; otherwise both stay open.
		ja, zh := hanEvidence(text)
		switch {
		case ja > 0 && zh == 0:
			return []Candidate{{"ja", 0.9}, {"zh", 0.1}}
		case zh > 0 && ja == 0:
			return []Candidate{{"zh", 0.8}, {"ja", 0.2}}
		default:
			return []Candidate{{"zh", 0.55}, {"ja", 0.45}}
		}
	}
	vals := d.low.ComputeLanguageConfidenceValues(text)
	if d.high != nil && in.letters < highPassMaxLetters {
		// The markets' languages are a priori more likely: their first-pass probability is
		// multiplied by d.prior before the second pass re-divides it among them.
		m := make(map[lingua.Language]float64, len(vals))
		var massHigh float64
		for _, v := range vals {
			p := math.Pow(v.Value(), d.temper)
			if d.highSet[v.Language()] {
				massHigh += d.prior * p
			} else {
				m[v.Language()] = p
				if hinted[v.Language()] {
					m[v.Language()] = d.prior * p
				}
			}
		}
		if vals[0].Value() == 0 { // no trigram evidence (a word of one or two letters)
			massHigh = 1
		}
		hv := d.high.ComputeLanguageConfidenceValues(text)
		for _, v := range hv {
			m[v.Language()] = massHigh * v.Value()
		}
		out = make([]Candidate, 0, len(m))
		for l, p := range m {
			if p > 0 {
				out = append(out, Candidate{codeOf(l), p})
			}
		}
		return normalise(out)
	}
	for _, v := range vals {
		if v.Value() > 0 {
			out = append(out, Candidate{codeOf(v.Language()), v.Value()})
		}
	}
	return normalise(out)
}

func normalise(c []Candidate) []Candidate {
	var s float64
	for _, x := range c {
		s += x.Confidence
	}
	if s <= 0 {
		return nil
	}
	for i := range c {
		c[i].Confidence /= s
	}
	sort.Slice(c, func(i, j int) bool {
		if c[i].Confidence != c[j].Confidence {
			return c[i].Confidence > c[j].Confidence
		}
		return c[i].Language < c[j].Language
	})
	return c
}

// hintLanguages are the languages the hints name, as lingua-go's.
func hintLanguages(h Hints) map[lingua.Language]bool {
	var out map[lingua.Language]bool
	for b := range hintWeights(h) {
		if l := linguaOf(b); l != lingua.Unknown {
			if out == nil {
				out = map[lingua.Language]bool{}
			}
			out[l] = true
		}
	}
	return out
}

// hintWeights is the extra weight per base language from the hints (Detect's rule, without
// the 1 every language has).
func hintWeights(h Hints) map[string]float64 {
	w := map[string]float64{}
	if b := baseOf(h.Stated); b != "" && linguaOf(b) != lingua.Unknown {
		w[b] += 3
	}
	if n := len(h.Previous); n > 0 {
		for _, p := range h.Previous {
			if b := baseOf(p); b != "" && b != "und" {
				w[b] += 2 / float64(n)
			}
		}
	}
	for _, b := range countryLanguages[strings.ToUpper(strings.TrimSpace(h.Country))] {
		w[b]++
	}
	return w
}

func applyHints(dist []Candidate, h Hints, n int) []Candidate {
	w := hintWeights(h)
	if len(w) == 0 {
		return dist
	}
	floor := 0.1 / float64(n)
	seen := map[string]bool{}
	out := make([]Candidate, 0, len(dist)+len(w))
	for _, c := range dist {
		seen[c.Language] = true
		out = append(out, Candidate{c.Language, (0.9*c.Confidence + floor) * (1 + w[c.Language])})
	}
	for l, x := range w {
		if !seen[l] {
			out = append(out, Candidate{l, floor * (1 + x)})
		}
	}
	return normalise(out)
}

// inspected is a text made safe to analyse, with the counts Detect's rules use.
type inspected struct {
	text          string
	letters       int
	hanOnly       bool    // Han characters, no kana, no other letters
	dominantShare float64 // share of the letters in the most common script
	note          string
}

// inspect cuts text to models.MaxTextLen, rejects binary (invalid UTF-8 or control
// characters over a tenth of the runes) and counts letters per script.
func inspect(text string) inspected {
	var in inspected
	if strings.TrimSpace(text) == "" {
		in.note = "empty"
		return in
	}
	if len(text) > models.MaxTextLen {
		cut := models.MaxTextLen
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
		in.note = "truncated"
	}
	// A few sentences decide as well as a page, and lingua-go's confidence values degrade on
	// very long input (the softmax underflows): analyse at most analyseBytes, cut at a space.
	if len(text) > analyseBytes {
		cut := analyseBytes
		if sp := strings.LastIndexAny(text[:cut], " \n\t"); sp > analyseBytes/2 {
			cut = sp
		}
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	var runes, bad, ctrl int
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		runes++
		if r == utf8.RuneError && n == 1 {
			bad++
		} else if r == 0 || (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t') {
			ctrl++
		}
	}
	if (bad+ctrl)*10 > runes {
		in.note = "binary"
		return in
	}
	if bad > 0 {
		text = strings.ToValidUTF8(text, " ")
	}
	in.text = text
	scripts := map[string]int{}
	var han, kana, other int
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		in.letters++
		s := scriptOf(r)
		scripts[s]++
		switch s {
		case "Han":
			han++
		case "Kana":
			kana++
		default:
			other++
		}
	}
	in.hanOnly = han > 0 && kana == 0 && other == 0
	best := 0
	for _, n := range scripts {
		best = max(best, n)
	}
	if in.letters > 0 {
		in.dominantShare = float64(best) / float64(in.letters)
		// Japanese mixes kana and kanji by nature, and a Latin brand name in another script
		// is common; "mixed" means no script holds four fifths of the letters, Japanese's
		// kana+kanji counted as one.
		if kana > 0 {
			in.dominantShare = math.Max(in.dominantShare, float64(han+kana)/float64(in.letters))
		}
		if in.dominantShare < 0.8 && in.note == "" {
			in.note = "mixed script"
		}
	}
	return in
}

var scriptTables = []struct {
	name string
	t    *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Han", unicode.Han}, {"Kana", unicode.Hiragana}, {"Kana", unicode.Katakana},
	{"Hangul", unicode.Hangul}, {"Thai", unicode.Thai}, {"Arabic", unicode.Arabic}, {"Cyrillic", unicode.Cyrillic},
	{"Greek", unicode.Greek}, {"Hebrew", unicode.Hebrew}, {"Devanagari", unicode.Devanagari},
}

func scriptOf(r rune) string {
	if r < 0x250 {
		return "Latin"
	}
	for _, s := range scriptTables {
		if unicode.Is(s.t, r) {
			return s.name
		}
	}
	return "Other"
}
