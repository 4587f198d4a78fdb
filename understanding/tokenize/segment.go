package tokenize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Word is one maximal run of letters, digits and marks of one script class in the
// normalised text. Apostrophes between letters stay inside Latin words ("don't").
type Word struct {
	Text   string
	Script Script
}

// Words splits normalised text into script-homogeneous runs. It is a simplification of
// Unicode word segmentation (UAX #29) that is enough for counting: runs break at any
// non-letter/digit and wherever the script class changes ("iPhone15对比" → iphone15, 对比).
func Words(norm string) []Word {
	var out []Word
	start, cur := -1, Other
	flush := func(end int) {
		if start >= 0 {
			out = append(out, Word{Text: norm[start:end], Script: cur})
		}
		start, cur = -1, Other
	}
	for i, r := range norm {
		s := ScriptOf(r)
		if r == '\'' && start >= 0 && cur == Latin {
			next, _ := utf8.DecodeRuneInString(norm[i+1:])
			if unicode.IsLetter(next) && ScriptOf(next) == Latin {
				continue
			}
		}
		if s == Other {
			flush(i)
			continue
		}
		if start >= 0 && s != cur {
			flush(i)
		}
		if start < 0 {
			start, cur = i, s
		}
	}
	flush(len(norm))
	return out
}

// clusters splits a Thai run into base characters each followed by their combining marks.
func clusters(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if unicode.Is(unicode.Mn, r) && start >= 0 {
			continue
		}
		if start >= 0 {
			out = append(out, s[start:i])
		}
		start = i
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// runeBigrams returns the overlapping bigrams of units; a single unit is returned alone.
func unitBigrams(units []string) []string {
	if len(units) == 1 {
		return units
	}
	out := make([]string, 0, len(units)-1)
	for i := 0; i+1 < len(units); i++ {
		out = append(out, units[i]+units[i+1])
	}
	return out
}

func runes(s string) []string {
	out := make([]string, 0, len(s)/3)
	for i, r := range s {
		out = append(out, s[i:i+utf8.RuneLen(r)])
	}
	return out
}

// elisions are French and Italian articles and pronouns that fuse with the next word.
var elisions = []string{"qu'", "l'", "d'", "j'", "m'", "n'", "s'", "t'", "c'", "dell'", "all'", "nell'", "sull'", "dall'", "un'"}

// stripClitics removes elided articles (l'eau → eau) and English possessive 's.
func stripClitics(w string) string {
	for _, e := range elisions {
		if len(w) > len(e)+1 && strings.HasPrefix(w, e) {
			w = w[len(e):]
			break
		}
	}
	return strings.TrimSuffix(w, "'s")
}
