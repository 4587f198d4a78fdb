package answers

import (
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/meridian-cs/meridian/knowledge"
)

var (
	urlRE   = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>()"'\[\]{}]+`)
	emailRE = regexp.MustCompile(`(?i)\b[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}\b`)
	// numberRE finds figures: amounts, prices, percentages, dates, times, versions. Signs,
	// currency symbols and units are not part of the figure; the digits are what must match.
	numberRE = regexp.MustCompile(`\d+(?:[.,:/]\d+)*`)
	// listMarkerRE is a numbered list's "1." or "2)" at the start of a line: a layout, not a
	// figure a model could invent.
	listMarkerRE = regexp.MustCompile(`(?m)^\s*\d{1,2}[.)]\s`)
)

// Ground checks a text a model generated from article a: every number (with the prices,
// percentages, dates and times written with it), URL and e-mail address in text must appear
// in the article (title, body or id), compared after normalisation (NFKC, so full-width
// digits are digits; Arabic-Indic and Thai digits as ASCII; "1,000" and "1.000" are 1000;
// "2,5" is 2.5; addresses ignoring case and a trailing slash or full stop). It returns what
// does not appear, in text order without duplicates; nil means the text passed.
//
// It cannot see figures written in words ("thirty days", 三十天) nor claims made without
// figures; the system prompt asks for neither, and they are the check's known gap.
func Ground(text string, a knowledge.Article) []string {
	source := normalise(a.ID + "\n" + a.Title + "\n" + a.Body)
	have := map[string]bool{}
	for _, u := range urlRE.FindAllString(source, -1) {
		have["url:"+canonicalURL(u)] = true
	}
	for _, e := range emailRE.FindAllString(source, -1) {
		have["email:"+strings.ToLower(e)] = true
	}
	// Addresses are removed before numbers are read so that the digits of a URL in the
	// article do not vouch for a figure the model wrote elsewhere.
	rest := emailRE.ReplaceAllString(urlRE.ReplaceAllString(source, " "), " ")
	for _, n := range numberRE.FindAllString(rest, -1) {
		for _, c := range canonicalNumbers(n) {
			have["num:"+c] = true
		}
	}

	var bad []string
	add := func(s string) {
		if !slices.Contains(bad, s) {
			bad = append(bad, s)
		}
	}
	out := normalise(text)
	for _, u := range urlRE.FindAllString(out, -1) {
		if !have["url:"+canonicalURL(u)] {
			add(strings.TrimRight(u, ".,;:!?"))
		}
	}
	for _, e := range emailRE.FindAllString(out, -1) {
		if !have["email:"+strings.ToLower(e)] {
			add(e)
		}
	}
	rest = emailRE.ReplaceAllString(urlRE.ReplaceAllString(out, " "), " ")
	rest = listMarkerRE.ReplaceAllString(rest, " ")
	for _, n := range numberRE.FindAllString(rest, -1) {
		ok := true
		for _, c := range canonicalNumbers(n) {
			if !have["num:"+c] {
				ok = false
			}
		}
		if !ok {
			add(n)
		}
	}
	return bad
}

// normalise applies NFKC and writes Arabic-Indic, Persian and Thai digits as ASCII.
func normalise(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0x660 && r <= 0x669:
			return '0' + (r - 0x660)
		case r >= 0x6F0 && r <= 0x6F9:
			return '0' + (r - 0x6F0)
		case r >= 0xE50 && r <= 0xE59:
			return '0' + (r - 0xE50)
		case r == 0x66B: // Arabic decimal separator
			return '.'
		case r == 0x66C: // Arabic thousands separator
			return ','
		}
		return r
	}, s)
}

// canonicalNumbers reads a figure: "1,000" and "1.000" (groups of three) are 1000; one
// separator followed by other than three digits is a decimal point ("2,5" is 2.5); dates and
// times ("12.03.2026", "9:30", "03/12") are their parts. Leading zeros are dropped.
func canonicalNumbers(n string) []string {
	groups := strings.FieldsFunc(n, func(r rune) bool { return r == '.' || r == ',' || r == ':' || r == '/' })
	if len(groups) == 1 {
		return []string{trimZeros(n)}
	}
	thousands := !strings.ContainsAny(n, ":/")
	for _, g := range groups[1:] {
		if len(g) != 3 {
			thousands = false
		}
	}
	if thousands {
		return []string{trimZeros(strings.Join(groups, ""))}
	}
	if len(groups) == 2 && !strings.ContainsAny(n, ":/") {
		return []string{trimZeros(groups[0]) + "." + groups[1]}
	}
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = trimZeros(g)
	}
	return out
}

func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

func canonicalURL(u string) string {
	u = strings.ToLower(strings.TrimRight(u, ".,;:!?"))
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	return strings.TrimSuffix(u, "/")
}
