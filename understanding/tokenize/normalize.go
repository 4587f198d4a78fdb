// Package tokenize splits customer messages in many languages into comparable tokens and
// phrases, so that a phrase can be counted the same way in a German e-mail, a Japanese LINE
// message and a Thai WhatsApp chat.
//
// Scripts that separate words with spaces (Latin, Cyrillic, Greek, Arabic) are cut into
// words at Unicode letter/digit boundaries, lower-cased, stop-worded and lightly stemmed.
// Scripts without spaces get character n-grams instead of a dictionary segmenter: Han and
// Kana runs become character bigrams, Thai runs become bigrams of character clusters (a base
// character with its combining vowel and tone marks), and Korean keeps each space-delimited
// eojeol and adds its character bigrams (particles attach to nouns, so bigrams recover the
// noun: 도요타와 and 도요타를 share 도요 and 요타). Bigrams over-generate, but keyness
// testing discards the ones that are not distinctive, and no dictionary has to ship.
package tokenize

import (
	"strings"
	"unicode"
)

// Normalize prepares text for matching and tokenising: lower case, full-width ASCII folded
// to ASCII, typographic apostrophes to ', and for Arabic: alef variants (أ إ آ ٱ) to ا,
// alef maqsura ى to ي, ta marbuta ة to ه, and diacritics (harakat) and tatweel removed, so
// that the many spellings of one Arabic word compare equal.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFF01 - 0x21
		case r == '\u2019' || r == '\u2018' || r == '\u02BC' || r == '\uFF07':
			r = '\''
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			r = 'ا'
		case r == 'ى':
			r = 'ي'
		case r == 'ة':
			r = 'ه'
		case r == '\u0640' || (r >= '\u064B' && r <= '\u0652') || r == '\u0670':
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Script is the writing-system class a token came from; it decides how it is segmented.
type Script uint8

// Script classes. CJK joins Han, Hiragana and Katakana, because Japanese mixes them
// within one word.
const (
	Other Script = iota
	Latin        // and every other script written with spaces: Cyrillic, Greek, …
	Arabic
	CJK
	Hangul
	Thai
)

// ScriptOf classifies a letter, digit or mark. The prolonged-sound mark ー and the
// iteration marks count as CJK although Unicode files them as Common.
func ScriptOf(r rune) Script {
	switch {
	case r < 0x80:
		if isWordRune(r) {
			return Latin
		}
		return Other
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r),
		r == 'ー', r == '々', r == '〆':
		return CJK
	case unicode.Is(unicode.Hangul, r):
		return Hangul
	case unicode.Is(unicode.Thai, r):
		return Thai
	case unicode.Is(unicode.Arabic, r):
		if isWordRune(r) {
			return Arabic
		}
		return Other
	case isWordRune(r):
		return Latin
	}
	return Other
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// Unspaced reports whether a script is written without spaces between words, where
// matching must use substrings instead of word boundaries.
func (s Script) Unspaced() bool { return s == CJK || s == Hangul || s == Thai }

// HasUnspaced reports whether s contains a rune of an unspaced script.
func HasUnspaced(s string) bool {
	for _, r := range s {
		if ScriptOf(r).Unspaced() {
			return true
		}
	}
	return false
}
