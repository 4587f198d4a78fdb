// Package culture adapts replies to the customer's culture and scores how well an agent's
// reply fits it. It is part of the understanding layer; nothing wires it yet.
//
// Each locale has a Profile (profiles.yaml, embedded): Hall's context level (high or low,
// from Edward T. Hall, Beyond Culture, 1976), Hofstede's country scores for power distance,
// individualism and uncertainty avoidance (0..100, as published in Hofstede, Hofstede &
// Minkov, Cultures and Organizations, 3rd ed., 2010, and the Hofstede Insights country
// comparison; Saudi Arabia and the UAE are Hofstede Insights' estimates), and the
// conventions a reply should follow: formality, honorifics, greetings and closings,
// directness, tolerance for waiting, task or relationship orientation, whether a flat
// refusal is acceptable, and phrases that soften one. Only the context level and the
// Hofstede scores come from published work, and they describe national averages of survey
// answers, decades old, whose dimensions are disputed (Minkov, Cross Cultural & Strategic
// Management, 2018, finds uncertainty avoidance incoherent). Adapt and FitOf use the
// context level (filler is trimmed in low-context cultures) but not the scores, which are
// there for analytics. The conventions, which the rules use most, are the author's
// judgement, informed by Hall, Hofstede and Meyer (The Culture Map, 2014), and want review
// by native speakers.
//
// Adapt applies a profile's rules to a reply Meridian or an agent wrote, recording every
// rule it applied (greeting.add, refusal.soften, concise.trim_filler, honorific.sama, …);
// FitOf scores a reply 0..1 and lists the issues found (refusal.flat, polite_form.missing,
// register.informal_you, …). Template returns short localised replies for use when no
// translator is configured. Evaluate measures FitOf against a labelled set of replies (see
// testdata/README.md for who wrote it and what it cannot show).
//
// Limits: the rules are deterministic string rules, not grammar. The adapter adds greetings
// and closings, trims filler and long stock phrases, softens refusals it can recognise by
// pattern and fixes a few honorifics it can fix reliably (さん → 様 in the opening
// address, あなた → お客様, 당신 → 고객님, 씨 → 님, 你 → 您); beyond a refusal that ends a
// sentence (返品できない。→ 返品いたしかねます。, 안 돼. → 안 됩니다.) it cannot turn plain
// Japanese or Korean into the polite form, change German "du" into "Sie" or rewrite a
// sentence, so FitOf reports what Adapt cannot repair. It relies on the text already being in the locale's language (it
// never translates) and on the locale being right: given a Japanese locale and English
// text it adds a Japanese greeting. Refusals are recognised from short phrase lists, so a
// refusal worded otherwise is missed, and a sentence that merely contains "cannot" may be
// softened. Thai polite particles depend on the writer's gender; the Thai profile uses ค่ะ.
// Cultures are not countries' individuals: the profiles describe defaults, and a customer
// who writes casually may prefer a casual answer.
package culture

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/meridian-cs/meridian/models"

	"gopkg.in/yaml.v3"
)

//go:embed profiles.yaml
var profilesYAML []byte

// Honorifics are the forms of address and speech a locale expects towards a customer.
type Honorifics struct {
	// Name is how a customer's name is honoured ("様" after it in Japanese, "Frau / Herr"
	// before it in German).
	Name string `yaml:"name"`
	// Speech is the polite speech level ("です・ます" in Japanese, "합니다체" in Korean).
	Speech string `yaml:"speech"`
	// Pronoun is the polite "you" ("Sie", "vous", "お客様").
	Pronoun string `yaml:"pronoun"`
}

// Profile is the culture profile of a locale. Context and the Hofstede scores are published
// measures (see the package doc); the other fields are conventions.
type Profile struct {
	// Locale is the BCP-47 tag ("ja-JP"); "und" for the neutral default.
	Locale string `yaml:"locale"`
	// Name is an English name for the locale.
	Name string `yaml:"name"`
	// Language is the base language ("ja").
	Language string `yaml:"-"`
	// Context is Hall's context level, "high" or "low"; "" for the neutral default.
	Context string `yaml:"context"`
	// PowerDistance, Individualism and UncertaintyAvoidance are Hofstede's country scores,
	// 0..100; -1 for the neutral default.
	PowerDistance        int `yaml:"power_distance"`
	Individualism        int `yaml:"individualism"`
	UncertaintyAvoidance int `yaml:"uncertainty_avoidance"`
	// Formality is the register a reply should use: "formal", "neutral" or "casual".
	Formality  string     `yaml:"formality"`
	Honorifics Honorifics `yaml:"honorifics"`
	// Greetings and Closings are in the locale's language; the first of each is what Adapt
	// adds, the others are also recognised.
	Greetings []string `yaml:"greetings"`
	Closings  []string `yaml:"closings"`
	// Directness is "direct" or "indirect".
	Directness string `yaml:"directness"`
	// WaitingTolerance is "low", "medium" or "high": how patiently a customer is expected
	// to wait for an answer.
	WaitingTolerance string `yaml:"waiting_tolerance"`
	// RelationshipOrientation is "task" or "relationship".
	RelationshipOrientation string `yaml:"relationship_orientation"`
	// FlatRefusalOK says whether a bare refusal ("we cannot do that") is acceptable.
	FlatRefusalOK bool `yaml:"flat_refusal_ok"`
	// Softeners soften a refusal; the first is what Adapt puts in front of one.
	Softeners []string `yaml:"softeners"`
	// SoftNo replaces a reply that is only "no".
	SoftNo string `yaml:"soft_no"`
	// ClosingRule is the Rule.ID Adapt records when it adds the closing.
	ClosingRule string `yaml:"closing_rule"`
	// Aliases are other tags that select this profile ("zh-Hant" for zh-TW).
	Aliases []string `yaml:"aliases"`
	// DefaultForLanguage marks the profile used for a tag with only this base language.
	DefaultForLanguage bool `yaml:"default_for_language"`
	// Templates are localised replies by key (see Template).
	Templates map[string]string `yaml:"templates"`
}

// ExpectsGreeting says whether a reply should open with a greeting: in relationship
// cultures and formal registers.
func (p Profile) ExpectsGreeting() bool {
	return len(p.Greetings) > 0 && (p.RelationshipOrientation == "relationship" || p.Formality == "formal")
}

// ExpectsClosing says whether a reply should end with a closing formula; the same cultures
// as ExpectsGreeting.
func (p Profile) ExpectsClosing() bool {
	return len(p.Closings) > 0 && (p.RelationshipOrientation == "relationship" || p.Formality == "formal")
}

// shorten is a long stock phrase and its short form.
type shorten struct {
	Kind string `yaml:"kind"` // "apology" or "closing"
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

type rewrite struct {
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

// language is the lexical data shared by the locales of one language.
type language struct {
	Substring       bool      `yaml:"substring"`
	KeepCase        bool      `yaml:"keep_case"`
	Greetings       []string  `yaml:"greetings"`
	Closings        []string  `yaml:"closings"`
	FillerSentences []string  `yaml:"filler_sentences"`
	FillerPrefixes  []string  `yaml:"filler_prefixes"`
	Shorten         []shorten `yaml:"shorten"`
	Refusals        []string  `yaml:"refusals"`
	RefusalRewrites []rewrite `yaml:"refusal_rewrites"`
	BareNo          []string  `yaml:"bare_no"`
	SoftenedBy      []string  `yaml:"softened_by"`
	InformalYou     []string  `yaml:"informal_you"`
	Casual          []string  `yaml:"casual"`
	PoliteMarkers   []string  `yaml:"polite_markers"`
	PoliteFinal     bool      `yaml:"polite_final"`
}

type data struct {
	Languages map[string]*language `yaml:"languages"`
	Profiles  []Profile            `yaml:"profiles"`
}

var (
	profiles  []Profile
	byTag     map[string]int       // lower-cased tag or alias → index in profiles
	byLang    map[string]int       // base language → its default profile
	languages map[string]*language // base language → lexical data (folded)
	neutral   int                  // index of "und"
)

// TemplateKeys are the keys every profile's templates have (the neutral default falls back
// to English).
var TemplateKeys = []string{"greeting", "acknowledge", "looking_into_it", "closing", "transfer_to_human", "voice_note_received"}

func init() {
	if err := load(profilesYAML); err != nil {
		panic(err) // embedded data; TestProfilesLoad keeps it valid
	}
}

func load(b []byte) error {
	var d data
	if err := yaml.Unmarshal(b, &d); err != nil {
		return fmt.Errorf("culture: parse profiles.yaml: %w", err)
	}
	profiles = d.Profiles
	byTag = map[string]int{}
	byLang = map[string]int{}
	neutral = -1
	for i := range profiles {
		p := &profiles[i]
		p.Language = models.BaseLanguage(p.Locale)
		if p.ClosingRule == "" {
			p.ClosingRule = RuleClosingAdd
		}
		if p.Templates == nil {
			p.Templates = map[string]string{}
		}
		if _, ok := p.Templates["greeting"]; !ok && len(p.Greetings) > 0 {
			p.Templates["greeting"] = p.Greetings[0]
		}
		if _, ok := p.Templates["closing"]; !ok && len(p.Closings) > 0 {
			p.Templates["closing"] = p.Closings[0]
		}
		for _, t := range append([]string{p.Locale}, p.Aliases...) {
			k := strings.ToLower(t)
			if _, dup := byTag[k]; dup {
				return fmt.Errorf("culture: tag %q used twice", t)
			}
			byTag[k] = i
		}
		if p.Locale == "und" {
			neutral = i
		}
		if p.DefaultForLanguage {
			if _, dup := byLang[p.Language]; dup {
				return fmt.Errorf("culture: two default profiles for %q", p.Language)
			}
			byLang[p.Language] = i
		}
	}
	if neutral < 0 {
		return fmt.Errorf("culture: no neutral profile \"und\"")
	}
	// A language with a single profile is its own default.
	for i, p := range profiles {
		if _, ok := byLang[p.Language]; !ok && p.Language != "und" {
			byLang[p.Language] = i
		}
	}
	languages = map[string]*language{}
	for code, l := range d.Languages {
		// Profiles' own greetings, closings and softeners are recognised too, so that
		// adapting an adapted reply adds nothing.
		for _, p := range profiles {
			if p.Language == code {
				l.Greetings = append(l.Greetings, p.Greetings...)
				l.Closings = append(l.Closings, p.Closings...)
				l.SoftenedBy = append(l.SoftenedBy, p.Softeners...)
			}
		}
		for _, list := range []*[]string{&l.Greetings, &l.Closings, &l.FillerSentences, &l.FillerPrefixes,
			&l.Refusals, &l.BareNo, &l.SoftenedBy, &l.InformalYou, &l.Casual, &l.PoliteMarkers} {
			*list = foldAll(*list)
		}
		for i := range l.Shorten {
			l.Shorten[i].From = foldStr(l.Shorten[i].From)
		}
		// Longest first, so that "we cannot" is matched before "cannot".
		for _, list := range []*[]string{&l.FillerSentences, &l.FillerPrefixes, &l.Refusals} {
			slices.SortStableFunc(*list, func(a, b string) int { return len(b) - len(a) })
		}
		languages[code] = l
	}
	for _, p := range profiles {
		if p.Language != "und" && languages[p.Language] == nil {
			return fmt.Errorf("culture: profile %s has no language data", p.Locale)
		}
	}
	return nil
}

// foldAll folds each phrase and drops trailing punctuation, so that "Guten Tag," is
// recognised as "guten tag".
func foldAll(list []string) []string {
	out := make([]string, 0, len(list))
	seen := map[string]bool{}
	for _, s := range list {
		f := strings.TrimFunc(foldStr(s), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// ProfileFor returns the profile that best matches a BCP-47 tag: the exact locale or an
// alias ("zh-Hant" → zh-TW, "es-419" → es-MX, "en-AU" → en-GB), then the default profile
// of its base language ("pt" → pt-BR, "de-LU" → de-DE), then the neutral default (Locale
// "und"). Case and "_" instead of "-" are accepted. It never fails.
func ProfileFor(locale string) Profile {
	return profiles[profileIndex(locale)].clone()
}

// clone copies p's slices and map, so that a caller's edits do not reach the shared data.
func (p Profile) clone() Profile {
	p.Greetings = slices.Clone(p.Greetings)
	p.Closings = slices.Clone(p.Closings)
	p.Softeners = slices.Clone(p.Softeners)
	p.Aliases = slices.Clone(p.Aliases)
	p.Templates = maps.Clone(p.Templates)
	return p
}

func profileIndex(locale string) int {
	tag := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(locale), "_", "-"))
	if i, ok := byTag[tag]; ok {
		return i
	}
	parts := strings.Split(tag, "-")
	// Try language-script and language-region of longer tags ("zh-hant-hk" → "zh-hant").
	for _, p := range parts[1:] {
		if i, ok := byTag[parts[0]+"-"+p]; ok {
			return i
		}
	}
	if i, ok := byLang[parts[0]]; ok {
		return i
	}
	return neutral
}

// Profiles returns every profile, the neutral default last.
func Profiles() []Profile {
	out := make([]Profile, 0, len(profiles))
	for i, p := range profiles {
		if i != neutral {
			out = append(out, p.clone())
		}
	}
	return append(out, profiles[neutral].clone())
}

// Template returns the localised reply template for key ("greeting", "acknowledge",
// "looking_into_it", "closing", "transfer_to_human", "voice_note_received"; and
// "human_back", the engine's notice of when a person will be back, with a {time} placeholder
// and so not a sendMessage template) in the best profile for locale, falling back to US
// English; "" for an unknown key.
func Template(key, locale string) string {
	if s, ok := profiles[profileIndex(locale)].Templates[key]; ok {
		return s
	}
	return profiles[byTag["en-us"]].Templates[key]
}
