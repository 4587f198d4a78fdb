package compliance

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scheme names the national identifier of a KindNationalID span.
type Scheme string

// National identifiers of Meridian's main markets that Detect recognises by their check
// digits or validity rules.
const (
	SchemeDETaxID Scheme = "DE-IdNr" // German tax identification number (Steuer-IdNr)
	SchemeSGNRIC  Scheme = "SG-NRIC" // Singapore NRIC or FIN
	SchemeUSSSN   Scheme = "US-SSN"  // US Social Security number
	SchemeGBNINO  Scheme = "GB-NINO" // UK National Insurance number
	SchemeFRNIR   Scheme = "FR-NIR"  // French social security number (INSEE)
	SchemeBRCPF   Scheme = "BR-CPF"  // Brazilian CPF
	SchemeESDNI   Scheme = "ES-DNI"  // Spanish DNI, or NIE of a foreigner
)

// A nationalID finds the candidates of one scheme (ASCII letters and digits, as the
// identifiers are written: no (?i), which would also fold in ſ or the Kelvin sign) and
// keeps those its rule accepts.
type nationalID struct {
	scheme Scheme
	digits int // the fewest digits it is written with
	re     *regexp.Regexp
	valid  func(text string, m []int) bool
}

// nationalIDs are tried in this order; where two overlap, the earlier one names the span.
var nationalIDs = []nationalID{
	{SchemeSGNRIC, 7, regexp.MustCompile(`\b[STFGMstfgm]\d{7}[A-Za-z]\b`), func(text string, m []int) bool {
		return validNRIC(text[m[0]:m[1]])
	}},
	{SchemeGBNINO, 6, regexp.MustCompile(`\b[A-CEGHJ-PR-TW-Za-ceghj-pr-tw-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Da-d]\b`), func(text string, m []int) bool {
		return validNINO(text[m[0]:m[1]])
	}},
	{SchemeESDNI, 7, regexp.MustCompile(`\b(?:[XYZxyz][- ]?\d{7}|\d{2}\.?\d{3}\.?\d{3})[- ]?[A-Za-z]\b`), func(text string, m []int) bool {
		return validDNI(text[m[0]:m[1]])
	}},
	{SchemeFRNIR, 14, regexp.MustCompile(`\b[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}\b`), func(text string, m []int) bool {
		return validNIR(text[m[0]:m[1]])
	}},
	// Three groups of digits: dashed, always an SSN when valid; spaced or unbroken, only
	// with "SSN" or "social security" just before (else every 9-digit number would be one).
	{SchemeUSSSN, 9, regexp.MustCompile(`\b\d{3}([- ]?)\d{2}([- ]?)\d{4}\b`), func(text string, m []int) bool {
		sep1, sep2 := text[m[2]:m[3]], text[m[4]:m[5]]
		if sep1 != sep2 || !validSSN(digitsOf(text[m[0]:m[1]])) {
			return false
		}
		return sep1 == "-" || ssnContext(text[:m[0]])
	}},
	{SchemeDETaxID, 11, regexp.MustCompile(`\b[1-9]\d(?: ?\d{3}){3}\b`), func(text string, m []int) bool {
		return validDETaxID(digitsOf(text[m[0]:m[1]]))
	}},
	{SchemeBRCPF, 11, regexp.MustCompile(`\b\d{3}\.?\d{3}\.?\d{3}[-/]?\d{2}\b`), func(text string, m []int) bool {
		return validCPF(digitsOf(text[m[0]:m[1]]))
	}},
}

// detectNationalIDs appends the national identifiers in text[from:to] to spans, trying
// only the schemes that fit in its number of digits.
func detectNationalIDs(text string, from, to int, spans []Span) []Span {
	digits := 0
	for i := from; i < to; i++ {
		if text[i] >= '0' && text[i] <= '9' {
			digits++
		}
	}
	for _, id := range nationalIDs {
		if digits < id.digits {
			continue
		}
		for _, m := range id.re.FindAllStringSubmatchIndex(text[from:to], -1) {
			for i := range m {
				if m[i] >= 0 {
					m[i] += from
				}
			}
			if standalone(text, m[0], m[1]) && id.valid(text, m) {
				spans = append(spans, Span{Start: m[0], End: m[1], Kind: KindNationalID, Scheme: id.scheme})
			}
		}
	}
	return spans
}

// windows returns the byte ranges of text around matches, widened by pad bytes (to whole
// runes) on each side, overlapping ones joined.
func windows(text string, matches [][]int, pad int) [][2]int {
	var out [][2]int
	for _, m := range matches {
		s, e := max(m[0]-pad, 0), min(m[1]+pad, len(text))
		for s > 0 && !utf8.RuneStart(text[s]) {
			s--
		}
		for e < len(text) && !utf8.RuneStart(text[e]) {
			e++
		}
		if n := len(out); n > 0 && s <= out[n-1][1] {
			out[n-1][1] = e
			continue
		}
		out = append(out, [2]int{s, e})
	}
	return out
}

// standalone reports whether text[s:e] is a whole identifier, not part of a longer word
// or number: no digit or letter of a spaced script touches it (\b sees ASCII only; in
// Chinese or Japanese the words around touch it), no digit follows or precedes it across
// one separator, and no + leads it (a phone number's country code).
func standalone(text string, s, e int) bool {
	before, n := utf8.DecodeLastRuneInString(text[:s])
	if n > 0 {
		if before == '+' || wordRune(before) {
			return false
		}
		if strings.ContainsRune(" .-/", before) {
			if r, _ := utf8.DecodeLastRuneInString(text[:s-n]); unicode.IsDigit(r) {
				return false
			}
		}
	}
	after, n := utf8.DecodeRuneInString(text[e:])
	if n > 0 {
		if wordRune(after) {
			return false
		}
		if strings.ContainsRune(" .-/", after) {
			if r, _ := utf8.DecodeRuneInString(text[e+n:]); unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}

// wordRune reports whether r is a digit or a letter of a spaced script, as the number
// pattern counts them.
func wordRune(r rune) bool {
	return unicode.IsDigit(r) || unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic)
}

// digitsOf returns the ASCII digits of s.
func digitsOf(s string) []byte {
	d := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	return d
}

// compact returns s upper-cased without separators.
func compact(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '-' || c == '.' || c == '/':
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// spacedLower reports whether s is written with a space and in lower case: its one-letter
// suffix then reads as a word ("order 12345678 a …").
func spacedLower(s string) bool {
	return strings.Contains(s, " ") && s != strings.ToUpper(s)
}

// validDETaxID checks a German tax identification number (StIdV § 1; BZSt): 11 digits, the
// first not 0; in the first ten exactly one digit appears twice or three times and the
// others at most once, a tripled digit never in three adjacent places; the eleventh is
// the ISO 7064 MOD 11,10 check digit of the first ten.
func validDETaxID(d []byte) bool {
	if len(d) != 11 || d[0] == '0' {
		return false
	}
	var count [10]int
	for _, c := range d[:10] {
		count[c-'0']++
	}
	repeated := 0
	for _, n := range count {
		switch {
		case n > 3:
			return false
		case n > 1:
			repeated++
		}
	}
	if repeated != 1 {
		return false
	}
	for i := 2; i < 10; i++ {
		if d[i] == d[i-1] && d[i] == d[i-2] {
			return false
		}
	}
	p := 10
	for _, c := range d[:10] {
		s := (int(c-'0') + p) % 10
		if s == 0 {
			s = 10
		}
		p = 2 * s % 11
	}
	return (11-p)%10 == int(d[10]-'0')
}

// validNRIC checks a Singapore NRIC or FIN (ICA): the seven digits weighted 2,7,6,5,4,3,2,
// plus 4 for T and G, 3 for M, modulo 11 pick the check letter from the prefix's table.
func validNRIC(s string) bool {
	s = strings.ToUpper(s)
	sum := 0
	for i, w := range [7]int{2, 7, 6, 5, 4, 3, 2} {
		sum += w * int(s[1+i]-'0')
	}
	var table string
	switch s[0] {
	case 'S':
		table = "JZIHGFEDCBA"
	case 'T':
		sum, table = sum+4, "JZIHGFEDCBA"
	case 'F':
		table = "XWUTRQPNMLK"
	case 'G':
		sum, table = sum+4, "XWUTRQPNMLK"
	case 'M':
		sum, table = sum+3, "XWUTRQPNJLK"
	}
	return s[8] == table[sum%11]
}

// validSSN checks a US Social Security number's parts (SSA): area not 000, 666 or 900–999,
// group not 00, serial not 0000.
func validSSN(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	area, group, serial := string(d[:3]), string(d[3:5]), string(d[5:])
	return area != "000" && area != "666" && d[0] != '9' && group != "00" && serial != "0000"
}

// ssnWords are the words that make a spaced or unbroken 9-digit number an SSN when they
// come just before it.
var ssnWords = []string{"ssn", "ss#", "social security", "soc. sec", "soc sec", "seguro social", "社会安全", "社會安全", "사회보장"}

// ssnContext reports whether one of ssnWords is in the last 55 bytes before the number
// (the keyword and about a short clause: "SSN is", "social security number: ").
func ssnContext(before string) bool {
	if len(before) > 55 {
		before = before[len(before)-55:]
	}
	before = strings.ToLower(before)
	for _, w := range ssnWords {
		if strings.Contains(before, w) {
			return true
		}
	}
	return false
}

// validNINO checks a UK National Insurance number's format (HMRC NIM39110): no D, F, I, Q,
// U or V in the prefix and no O second, not the prefixes BG, GB, KN, NK, NT, TN or ZZ,
// six digits, a suffix A–D. Written with spaces, its letters must be capitals.
func validNINO(s string) bool {
	if spacedLower(s) {
		return false
	}
	c := compact(s)
	if c[1] == 'O' {
		return false
	}
	switch c[:2] {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// validNIR checks a French NIR (INSEE): sex 1 or 2 (3, 4, 7, 8 for provisional numbers), a
// month 01–12, 20 or 30–42 (unknown or provisional) or 50–99, and the key 97 − (the first
// thirteen digits mod 97), Corsica's 2A and 2B counted as 19 and 18.
func validNIR(s string) bool {
	c := compact(s)
	if len(c) != 15 {
		return false
	}
	month := int(c[3]-'0')*10 + int(c[4]-'0')
	if !(month >= 1 && month <= 12 || month == 20 || month >= 30 && month <= 42 || month >= 50) {
		return false
	}
	dept := c[5:7]
	switch dept {
	case "2A":
		dept = "19"
	case "2B":
		dept = "18"
	}
	n := 0
	for _, b := range []byte(c[:5] + dept + c[7:13]) {
		n = n*10 + int(b-'0')
	}
	key := int(c[13]-'0')*10 + int(c[14]-'0')
	return key == 97-n%97
}

// validCPF checks a Brazilian CPF (Receita Federal): 11 digits, not all the same, the last
// two the mod-11 check digits of the nine before them (weights 10…2, then 11…2).
func validCPF(d []byte) bool {
	if len(d) != 11 || strings.Count(string(d), string(d[0])) == 11 {
		return false
	}
	for k := 9; k <= 10; k++ {
		sum := 0
		for i := range k {
			sum += int(d[i]-'0') * (k + 1 - i)
		}
		if sum*10%11%10 != int(d[k]-'0') {
			return false
		}
	}
	return true
}

// validDNI checks a Spanish DNI or NIE (Real Decreto 1553/2005; Orden INT/2058/2008): the
// letter is TRWAGMYFPDXBNJZSQVHLCKE at the number modulo 23, an NIE's X, Y or Z counting
// as 0, 1 or 2 in front. Written with spaces, its letters must be capitals.
func validDNI(s string) bool {
	if spacedLower(s) {
		return false
	}
	c := compact(s)
	n := 0
	for _, r := range c[:len(c)-1] {
		switch {
		case r >= 'X' && r <= 'Z':
			n = int(r - 'X')
		default:
			n = n*10 + int(r-'0')
		}
	}
	return c[len(c)-1] == "TRWAGMYFPDXBNJZSQVHLCKE"[n%23]
}
