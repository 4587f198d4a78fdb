package translation

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/models"

	"gopkg.in/yaml.v3"
)

//go:embed glossaries/*.yaml
var builtinFS embed.FS

// Entry is one glossary term for a language pair.
type Entry struct {
	// Source are the term's forms in the source language, the first being the term
	// itself; they match as whole words, case-insensitively.
	Source []string `yaml:"source"`
	// Target are the accepted renderings, the first being the required one (what
	// providers with glossaries and the chat prompt receive).
	Target []string `yaml:"target"`
	// Replace maps wrong renderings to the right one, for Enforce to correct when
	// that is unambiguous.
	Replace map[string]string `yaml:"replace"`
	// Ref is where the terminology comes from.
	Ref string `yaml:"ref"`

	source, target []*regexp.Regexp
	wrong          []wrongForm
}

type wrongForm struct {
	re   *regexp.Regexp
	word string
	fix  string
}

type glossaryFile struct {
	Domain string             `yaml:"domain"`
	Pairs  map[string][]Entry `yaml:"pairs"`
}

type domainGlossary struct {
	pairs  map[string][]*Entry // "de-en"
	digest string
}

// Glossaries are per-domain glossaries, per language pair.
//
// Each YAML file holds one domain:
//
//	domain: finance
//	pairs:
//	  de-en:
//	    - source: [Darlehen, Darlehens]   # the term, then its inflected forms
//	      target: [loan, loans]           # required rendering first, then accepted ones
//	      replace: {credit: loan}         # wrong renderings Enforce may correct
//	      ref: "BGB § 488"                # terminology source
//
// Languages are matched on their primary subtags (de-AT uses de-en).
type Glossaries struct {
	domains map[string]*domainGlossary
}

var builtin = sync.OnceValue(func() *Glossaries {
	g, err := LoadGlossaries(builtinFS)
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return g
})

// BuiltinGlossaries returns the glossaries embedded from glossaries/*.yaml.
func BuiltinGlossaries() *Glossaries { return builtin() }

// LoadGlossaries reads every *.yaml file under glossaries/ in fsys (or at its root).
func LoadGlossaries(fsys fs.FS) (*Glossaries, error) {
	g := &Glossaries{domains: map[string]*domainGlossary{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml") {
			return err
		}
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var f glossaryFile
		if err := yaml.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("glossary %s: %w", p, err)
		}
		if f.Domain == "" {
			return fmt.Errorf("glossary %s: no domain", p)
		}
		dg := &domainGlossary{pairs: map[string][]*Entry{}}
		sum := sha256.Sum256(raw)
		dg.digest = hex.EncodeToString(sum[:8])
		for pair, entries := range f.Pairs {
			src, tgt, ok := strings.Cut(strings.ToLower(pair), "-")
			if !ok || src == "" || tgt == "" {
				return fmt.Errorf("glossary %s: pair %q is not source-target", p, pair)
			}
			for i := range entries {
				e := entries[i]
				if len(e.Source) == 0 || len(e.Target) == 0 {
					return fmt.Errorf("glossary %s: %s entry %d needs source and target", p, pair, i)
				}
				e.compile(src, tgt)
				dg.pairs[src+"-"+tgt] = append(dg.pairs[src+"-"+tgt], &e)
			}
		}
		key := domainKey(f.Domain)
		if _, dup := g.domains[key]; dup {
			return fmt.Errorf("glossary %s: domain %q defined twice", p, f.Domain)
		}
		g.domains[key] = dg
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// domainKey folds "E-Commerce", "e_commerce" and "ecommerce" together.
func domainKey(d string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, d)
}

func (e *Entry) compile(src, tgt string) {
	for _, s := range e.Source {
		e.source = append(e.source, phrase(s))
	}
	for _, t := range e.Target {
		e.target = append(e.target, phrase(t))
	}
	words := make([]string, 0, len(e.Replace))
	for w := range e.Replace {
		words = append(words, w)
	}
	// Longest first, so "credit agreement" is seen before "credit".
	sort.Slice(words, func(i, j int) bool {
		if len(words[i]) != len(words[j]) {
			return len(words[i]) > len(words[j])
		}
		return words[i] < words[j]
	})
	for _, w := range words {
		e.wrong = append(e.wrong, wrongForm{re: phrase(w), word: strings.ToLower(w), fix: e.Replace[w]})
	}
}

// phrase matches s case-insensitively, its spaces as any run of white space.
func phrase(s string) *regexp.Regexp {
	parts := strings.Fields(s)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`(?i)` + strings.Join(parts, `\s+`))
}

// Domains lists the glossary domains.
func (g *Glossaries) Domains() []string {
	var out []string
	for d := range g.domains {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// Terms returns the entries of a domain for a language pair, nil when there are none.
func (g *Glossaries) Terms(domain, source, target string) []Entry {
	var out []Entry
	for _, e := range g.entries(domain, source, target) {
		out = append(out, *e)
	}
	return out
}

func (g *Glossaries) entries(domain, source, target string) []*Entry {
	if g == nil || domain == "" {
		return nil
	}
	dg := g.domains[domainKey(domain)]
	if dg == nil {
		return nil
	}
	return dg.pairs[models.BaseLanguage(source)+"-"+models.BaseLanguage(target)]
}

// Digest identifies a domain's glossary content ("" for an unknown domain), so that
// caches and provider-side glossaries change when it does.
func (g *Glossaries) Digest(domain string) string {
	if g == nil {
		return ""
	}
	if dg := g.domains[domainKey(domain)]; dg != nil {
		return dg.digest
	}
	return ""
}

// Violation is a glossary term whose required rendering the translation lacks.
type Violation struct {
	// Index is the text's position in the batch (0 from Enforce).
	Index int
	// Term is the source term, Want its required rendering.
	Term, Want string
	// Found is the wrong rendering seen in the output, "" when none was recognised.
	Found string
	// Fixed says Enforce replaced Found with Want; unfixed violations need a human look.
	Fixed bool
}

func (v Violation) String() string {
	switch {
	case v.Fixed:
		return fmt.Sprintf("%q: %q corrected to %q", v.Term, v.Found, v.Want)
	case v.Found != "":
		return fmt.Sprintf("%q should read %q, the translation has %q", v.Term, v.Want, v.Found)
	default:
		return fmt.Sprintf("%q should read %q", v.Term, v.Want)
	}
}

// Enforce checks translated against the built-in glossary of domain; see
// [Glossaries.Enforce].
func Enforce(domain, source, target, srcText, translated string) (string, []Violation) {
	return BuiltinGlossaries().Enforce(domain, source, target, srcText, translated)
}

type span struct{ start, end int }

func overlaps(s span, in []span) bool {
	for _, o := range in {
		if s.start < o.end && o.start < s.end {
			return true
		}
	}
	return false
}

// matches finds whole-word matches of re in text that do not overlap taken.
func matches(re *regexp.Regexp, text string, words bool, taken []span) []span {
	var out []span
	for _, m := range re.FindAllStringIndex(text, -1) {
		s := span{m[0], m[1]}
		if words && !wordBounded(text, s) {
			continue
		}
		if overlaps(s, taken) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func wordBounded(text string, s span) bool {
	if r, _ := utf8.DecodeLastRuneInString(text[:s.start]); s.start > 0 && isWordRune(r) {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(text[s.end:]); s.end < len(text) && isWordRune(r) {
		return false
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) }

// spaceless languages write words without spaces (or glue particles to them), so
// matching there is by substring.
func spaceless(lang string) bool {
	switch models.BaseLanguage(lang) {
	case "ja", "zh", "th", "ko", "lo", "km", "my":
		return true
	}
	return false
}

// Enforce checks that each glossary term of domain found in srcText (source → target
// pair) is rendered in translated as the glossary requires, corrects what it safely
// can, and reports the rest.
//
// A term is satisfied when any of its accepted renderings is in the output. When none
// is, Enforce looks for the entry's known wrong renderings: it replaces them only when
// that is unambiguous, that is when the wrong word occurs exactly as many times as the
// term does in the source, no other term in the source legitimately renders as that
// word, and no other unsatisfied term claims it. Otherwise it reports a Violation and
// changes nothing. So with a provider that renders both Kredit and Darlehen as
// "credit", "Das Darlehen ..." becomes "The loan ...", while "Kredit und Darlehen" →
// "credit and credit" is reported, since which "credit" is the loan cannot be told.
func (g *Glossaries) Enforce(domain, source, target, srcText, translated string) (string, []Violation) {
	entries := g.entries(domain, source, target)
	if len(entries) == 0 || srcText == "" {
		return translated, nil
	}
	srcWords, tgtWords := !spaceless(source), !spaceless(target)

	// Terms in the source, longest forms first so "schwerwiegendes Vorkommnis" is not
	// also counted as "Vorkommnis".
	type form struct {
		e  *Entry
		re *regexp.Regexp
		n  int
	}
	var forms []form
	for _, e := range entries {
		for i, re := range e.source {
			forms = append(forms, form{e: e, re: re, n: len(e.Source[i])})
		}
	}
	sort.SliceStable(forms, func(i, j int) bool { return forms[i].n > forms[j].n })
	count := map[*Entry]int{}
	var present []*Entry
	var taken []span
	for _, f := range forms {
		m := matches(f.re, srcText, srcWords, taken)
		if len(m) == 0 {
			continue
		}
		if count[f.e] == 0 {
			present = append(present, f.e)
		}
		count[f.e] += len(m)
		taken = append(taken, m...)
	}
	if len(present) == 0 {
		return translated, nil
	}

	// Accepted renderings in the output, longest first across the present terms.
	var tforms []form
	for _, e := range present {
		for i, re := range e.target {
			tforms = append(tforms, form{e: e, re: re, n: len(e.Target[i])})
		}
	}
	sort.SliceStable(tforms, func(i, j int) bool { return tforms[i].n > tforms[j].n })
	rendered := map[*Entry][]span{}
	var good []span
	for _, f := range tforms {
		m := matches(f.re, translated, tgtWords, good)
		rendered[f.e] = append(rendered[f.e], m...)
		good = append(good, m...)
	}

	// Who renders a word correctly (owners) and who lacks its rendering (claimants).
	owners := func(word string) int {
		n := 0
		for _, e := range present {
			for _, t := range e.Target {
				if strings.EqualFold(t, word) {
					n += count[e]
				}
			}
		}
		return n
	}
	claimants := map[string]int{}
	var missing []*Entry
	for _, e := range present {
		if len(rendered[e]) > 0 {
			continue
		}
		missing = append(missing, e)
		for _, w := range e.wrong {
			claimants[w.word]++
		}
	}

	var vs []Violation
	type edit struct {
		span
		fix string
	}
	var edits []edit
	var editSpans []span
	for _, e := range missing {
		v := Violation{Term: e.Source[0], Want: e.Target[0]}
		for _, w := range e.wrong {
			// Occurrences of the wrong word, not inside a longer correct rendering
			// ("credit" in "credit agreement") nor an edit already planned.
			var occ []span
			for _, s := range matches(w.re, translated, tgtWords, editSpans) {
				inside := false
				for _, gs := range good {
					if gs.start <= s.start && s.end <= gs.end && (gs.end-gs.start) > (s.end-s.start) {
						inside = true
						break
					}
				}
				if !inside {
					occ = append(occ, s)
				}
			}
			if len(occ) == 0 {
				continue
			}
			v.Found = translated[occ[0].start:occ[0].end]
			if owners(w.word) == 0 && claimants[w.word] == 1 && len(occ) == count[e] {
				for _, s := range occ {
					edits = append(edits, edit{s, matchCase(translated[s.start:s.end], w.fix)})
					editSpans = append(editSpans, s)
				}
				v.Fixed = true
			}
			break
		}
		vs = append(vs, v)
	}
	if len(edits) > 0 {
		sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
		for _, ed := range edits {
			translated = translated[:ed.start] + ed.fix + translated[ed.end:]
		}
	}
	return translated, vs
}

// matchCase gives fix the capitalisation of found: all capitals, a capital first
// letter, or as written in the glossary.
func matchCase(found, fix string) string {
	if found == strings.ToUpper(found) && found != strings.ToLower(found) && utf8.RuneCountInString(found) > 1 {
		return strings.ToUpper(fix)
	}
	r, _ := utf8.DecodeRuneInString(found)
	f, n := utf8.DecodeRuneInString(fix)
	if unicode.IsUpper(r) && unicode.IsLower(f) {
		return string(unicode.ToUpper(f)) + fix[n:]
	}
	return fix
}

// enforceResult applies the domain's glossary to every text of res.
func (g *Glossaries) enforceResult(req Request, res *Result) {
	if req.Domain == "" {
		return
	}
	src := req.Source
	if src == "" {
		src = res.DetectedSource
	}
	if src == "" {
		return
	}
	for i := range res.Texts {
		if i >= len(req.Text) {
			break
		}
		out, vs := g.Enforce(req.Domain, src, req.Target, req.Text[i], res.Texts[i])
		res.Texts[i] = out
		for _, v := range vs {
			v.Index = i
			res.Violations = append(res.Violations, v)
		}
	}
}
