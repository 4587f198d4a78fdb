package tokenize

import (
	"strings"

	"github.com/meridian-cs/meridian/compliance"
)

// A Phrase is a countable unit of text: Key is what is counted (stemmed, normalised) and
// Surface is a readable form of one occurrence, for showing to people.
type Phrase struct {
	Key     string
	Surface string
}

// A Token is one unit after segmentation, stop-word removal and stemming. Stop-words are
// kept, marked, so that phrases never join words across a removed one. Personal data
// (compliance.Detect) and number words (compliance.NumberToken) are kept the same way as
// Personal tokens with no text, so that no phrase holds or spans them.
type Token struct {
	Key      string
	Surface  string
	Script   Script
	Stop     bool
	Personal bool
}

var personal = Token{Stop: true, Personal: true}

// Tokens normalises text and turns it into tokens for lang (a primary language tag such as
// "de"; empty when unknown, see IsStop and Stem). Unspaced scripts yield character bigrams
// (see the package comment); one-letter Latin words are dropped; personal data and numbers
// become Personal tokens.
func Tokens(text, lang string) []Token {
	norm := Normalize(text)
	var out []Token
	at := 0
	for _, sp := range compliance.Detect(norm) {
		out = appendTokens(out, norm[at:sp.Start], lang)
		out = append(out, personal)
		at = sp.End
	}
	return appendTokens(out, norm[at:], lang)
}

// appendTokens appends the tokens of normalised text without personal data spans.
func appendTokens(out []Token, norm, lang string) []Token {
	for _, w := range Words(norm) {
		switch w.Script {
		case CJK:
			for _, g := range unitBigrams(runes(w.Text)) {
				out = append(out, Token{Key: g, Surface: g, Script: CJK, Stop: isCJKStop(lang, g)})
			}
		case Thai:
			for _, g := range unitBigrams(clusters(w.Text)) {
				out = append(out, Token{Key: g, Surface: g, Script: Thai})
			}
		case Hangul:
			stop := IsStop("ko", w.Text)
			rs := runes(w.Text)
			if len(rs) > 2 || len(rs) == 1 {
				out = append(out, Token{Key: w.Text, Surface: w.Text, Script: Hangul, Stop: stop})
			}
			if len(rs) >= 2 {
				for _, g := range unitBigrams(rs) {
					out = append(out, Token{Key: g, Surface: g, Script: Hangul, Stop: stop})
				}
			}
		default:
			s := w.Text
			if w.Script == Latin {
				s = stripClitics(s)
			}
			if compliance.NumberToken(s) {
				out = append(out, personal)
				continue
			}
			if w.Script == Latin && len(s) < 2 {
				continue
			}
			l := lang
			if w.Script == Arabic {
				l = "ar"
			}
			out = append(out, Token{Key: Stem(l, s), Surface: s, Script: w.Script, Stop: IsStop(lang, s) || IsStop(l, s)})
		}
	}
	return out
}

// isCJKStop drops bigrams made only of hiragana (mostly particles and verb endings: です,
// ます, から) and bigrams containing a Chinese structural particle, which carry no topic.
func isCJKStop(lang, g string) bool {
	if IsStop("ja", g) || IsStop("zh", g) {
		return true
	}
	allHira := true
	for _, r := range g {
		if r < 0x3040 || r > 0x309F {
			allHira = false
		}
		if strings.ContainsRune("的了吗呢吧啊么", r) {
			return true
		}
	}
	return allHira
}

// Phrases returns the unigrams and bigrams of text after stop-word removal. Bigrams join
// adjacent non-stop words of spaced scripts only: for unspaced scripts the tokens already
// are bigrams. Each phrase is returned once per occurrence.
func Phrases(text, lang string) []Phrase {
	toks := Tokens(text, lang)
	out := make([]Phrase, 0, 2*len(toks))
	for i, t := range toks {
		if t.Stop {
			continue
		}
		out = append(out, Phrase{Key: t.Key, Surface: t.Surface})
		if i+1 < len(toks) {
			n := toks[i+1]
			if !n.Stop && !t.Script.Unspaced() && !n.Script.Unspaced() {
				out = append(out, Phrase{Key: t.Key + " " + n.Key, Surface: t.Surface + " " + n.Surface})
			}
		}
	}
	return out
}
