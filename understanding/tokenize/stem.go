package tokenize

import "strings"

// Stem reduces a normalised European or Arabic word to a light stem. These are not Snowball
// stemmers: they remove only plural and gender/case endings (in the spirit of Savoy's
// "light" stemmers), which merges "Preis/Preise/Preises" and "precio/precios" without the
// over-stemming that makes phrases unreadable. Words of unspaced scripts are returned
// unchanged. Unknown languages are returned unchanged, so a wrong language tag costs recall,
// never correctness.
func Stem(lang, w string) string {
	if len(w) < 4 {
		return w
	}
	switch lang {
	case "en":
		return stemEN(w)
	case "de":
		return stemDE(w)
	case "fr":
		return stemFR(w)
	case "es", "pt", "it":
		return stemRomance(lang, w)
	case "ar":
		return stemAR(w)
	}
	return w
}

// cut removes the first matching suffix that leaves at least min runes.
func cut(w string, min int, suffixes ...string) (string, bool) {
	for _, s := range suffixes {
		if strings.HasSuffix(w, s) && len([]rune(w))-len([]rune(s)) >= min {
			return w[:len(w)-len(s)], true
		}
	}
	return w, false
}

func stemEN(w string) string {
	switch {
	case strings.HasSuffix(w, "sses"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	// British and American spellings meet: sterilization/sterilisation, color/colour is left.
	w = strings.Replace(w, "ization", "isation", 1)
	w = strings.Replace(w, "izing", "ising", 1)
	if s, ok := cut(w, 4, "ing", "ed"); ok {
		return s
	}
	return w
}

var umlauts = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss")

func stemDE(w string) string {
	w = umlauts.Replace(w)
	s, _ := cut(w, 3, "ern", "em", "er", "en", "es", "e", "s", "n")
	return s
}

func stemFR(w string) string {
	if s, ok := cut(w, 3, "eaux"); ok {
		return s + "eau"
	}
	if s, ok := cut(w, 3, "aux"); ok {
		return s + "al"
	}
	w, _ = cut(w, 3, "s", "x")
	w, _ = cut(w, 3, "ée", "é", "e")
	return w
}

func stemRomance(lang, w string) string {
	if lang == "pt" {
		if s, ok := cut(w, 2, "ões", "ães"); ok {
			return s + "ão"
		}
	}
	if lang == "es" {
		if s, ok := cut(w, 3, "ces"); ok {
			return s + "z"
		}
		w, _ = cut(w, 3, "es")
	}
	if lang == "it" {
		w, _ = cut(w, 3, "i", "e")
	}
	w, _ = cut(w, 3, "s")
	w, _ = cut(w, 3, "a", "o", "e")
	return w
}

// stemAR strips the definite article and common conjunction/preposition prefixes, and the
// commonest plural and pronoun suffixes, keeping at least three letters (the usual root).
func stemAR(w string) string {
	w, _ = cut2prefix(w, 3, "وال", "بال", "كال", "فال", "لل", "ال")
	w, _ = cut(w, 3, "ات", "ون", "ين", "ان", "ها", "يه", "ه")
	return w
}

func cut2prefix(w string, min int, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if strings.HasPrefix(w, p) && len([]rune(w))-len([]rune(p)) >= min {
			return w[len(p):], true
		}
	}
	return w, false
}
