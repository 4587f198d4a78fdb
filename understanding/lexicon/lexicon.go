// Package lexicon finds dictionary terms (competitor names, price words, sentiment words)
// in multilingual text, matching the way each script is written: whole words for scripts
// with spaces, so that "Kia" does not fire inside "Nokia" and "cost" not inside "Costco",
// and substrings for Chinese, Japanese, Korean and Thai, which have no spaces to bound a
// word (도요타와, トヨタの and 丰田的 all contain their brand).
package lexicon

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/understanding/tokenize"
)

// A Term is one surface form to look for and the key it reports, e.g. Text "丰田" with Key
// "toyota". A trailing * on a spaced-script term matches any word starting with it
// ("discount*" matches "discounts", "discounted").
type Term struct {
	Text string
	Key  string
}

// A Match is one occurrence: the term's key and text, its byte span in the normalised text,
// and the sentence around it (normalised), for scoring sentiment near the mention.
type Match struct {
	Key        string
	Term       string
	Start, End int
	Sentence   string
}

type compiled struct {
	Term
	norm     string
	unspaced bool
	prefix   bool
	arabic   bool
}

// A Matcher holds compiled terms. It is safe for concurrent use after New.
type Matcher struct {
	terms []compiled
}

// New compiles terms. Terms are normalised like the text (tokenize.Normalize); empty terms
// are skipped. Longer terms are tried first so that "toyota corolla" wins over "toyota"
// at the same position.
func New(terms []Term) *Matcher {
	m := &Matcher{}
	for _, t := range terms {
		n := tokenize.Normalize(strings.TrimSpace(t.Text))
		prefix := strings.HasSuffix(n, "*")
		n = strings.TrimSuffix(n, "*")
		if n == "" {
			continue
		}
		first, _ := utf8.DecodeRuneInString(n)
		m.terms = append(m.terms, compiled{
			Term:     t,
			norm:     n,
			unspaced: tokenize.HasUnspaced(n),
			prefix:   prefix,
			arabic:   tokenize.ScriptOf(first) == tokenize.Arabic,
		})
	}
	sort.SliceStable(m.terms, func(i, j int) bool { return len(m.terms[i].norm) > len(m.terms[j].norm) })
	return m
}

// Find returns the non-overlapping matches in text, in text order.
func (m *Matcher) Find(text string) []Match {
	return m.FindNormalized(tokenize.Normalize(text))
}

// FindNormalized is Find for text already passed through tokenize.Normalize, for callers
// that run several matchers over one message.
func (m *Matcher) FindNormalized(norm string) []Match {
	var out []Match
	taken := func(s, e int) bool {
		for _, o := range out {
			if s < o.End && o.Start < e {
				return true
			}
		}
		return false
	}
	for _, t := range m.terms {
		for off := 0; off < len(norm); {
			i := strings.Index(norm[off:], t.norm)
			if i < 0 {
				break
			}
			s, e := off+i, off+i+len(t.norm)
			off = s + 1
			if !t.unspaced {
				if !leftBoundary(norm, s, t.arabic) {
					continue
				}
				if t.prefix {
					for e < len(norm) {
						r, n := utf8.DecodeRuneInString(norm[e:])
						if !isWord(r) {
							break
						}
						e += n
					}
				} else if !rightBoundary(norm, e) {
					continue
				}
			}
			if taken(s, e) {
				continue
			}
			out = append(out, Match{Key: t.Key, Term: t.Text, Start: s, End: e})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	for i := range out {
		out[i].Sentence = sentence(norm, out[i].Start, out[i].End)
	}
	return out
}

// Keys returns the distinct keys found in text, sorted.
func (m *Matcher) Keys(text string) []string {
	seen := map[string]bool{}
	var keys []string
	for _, mt := range m.Find(text) {
		if !seen[mt.Key] {
			seen[mt.Key] = true
			keys = append(keys, mt.Key)
		}
	}
	sort.Strings(keys)
	return keys
}

func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// arabicProclitics may be written joined to the next word: "and", "with", "the", ….
var arabicProclitics = map[string]bool{"و": true, "ب": true, "ل": true, "ف": true, "ك": true, "ال": true, "وال": true, "بال": true, "لل": true, "فال": true, "كال": true, "وب": true, "ول": true}

func leftBoundary(s string, i int, arabic bool) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	if !isWord(r) {
		return true
	}
	if !arabic {
		return false
	}
	j := i
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if !isWord(r) {
			break
		}
		j -= n
	}
	return arabicProclitics[s[j:i]]
}

func rightBoundary(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWord(r)
}

// sentence returns the sentence of s containing [start, end): bounded by . ! ? and their
// CJK, Arabic and Thai-space equivalents, or by line breaks.
func sentence(s string, start, end int) string {
	const stops = ".!?。！？؟\n;；"
	a := strings.LastIndexAny(s[:start], stops)
	if a < 0 {
		a = 0
	} else {
		_, n := utf8.DecodeRuneInString(s[a:])
		a += n
	}
	b := strings.IndexAny(s[end:], stops)
	if b < 0 {
		b = len(s)
	} else {
		b += end
	}
	return strings.TrimSpace(s[a:b])
}
