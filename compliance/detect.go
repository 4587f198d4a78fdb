package compliance

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of personal data Detect found.
type Kind string

// Kinds of personal data. A secret is the word after a password keyword ("password: x",
// "mot de passe est x"); a national identifier is one of the Schemes (the span names it).
const (
	KindEmail      Kind = "email"
	KindPhone      Kind = "phone"
	KindIBAN       Kind = "iban"
	KindCard       Kind = "card"
	KindNationalID Kind = "national_id"
	KindNumber     Kind = "number"
	KindSecret     Kind = "secret"
)

// A Span is one piece of personal data in a text: text[Start:End], in bytes. Scheme names
// the identifier of a KindNationalID span ("US-SSN"), and is empty for other kinds.
type Span struct {
	Start, End int
	Kind       Kind
	Scheme     Scheme
}

// A Pattern is one of the detector's regular expressions, in RE2 syntax so that engines
// that split text themselves (ClickHouse's replaceRegexpAll) apply the same rule. With
// Context, the first group is context to keep (a password keyword) and the second the data.
type Pattern struct {
	Kind    Kind
	RE2     string
	Context bool
}

// Password keywords: Latin ones as whole words, the others as they are written.
const (
	secretLatin  = `(?:passwords?|passwort|passwd|pwd|passcode|kennwort|wachtwoord|contraseña|contrasena|senha|mdp|pin|otp|mot de passe)`
	secretOther  = `(?:パスワード|暗証番号|密码|密碼|비밀번호|รหัสผ่าน|пароль|كلمة المرور)`
	secretPrefix = `(?i)((?:\b` + secretLatin + `|` + secretOther + `)`
)

// Patterns are the detector's patterns that need no checksum, most specific first. IBANs,
// card numbers and national identifiers are validated in Go (mod 97, Luhn, each scheme's
// rule), but their digits are also matched by the number pattern, so an engine applying
// these patterns and NumberToken's rule removes everything Detect reports, and more: every
// e-mail address, secret and word with a digit in it. What it may leave are groups of
// letters alone inside an IBAN or identifier (a bank code, the letters of a UK National
// Insurance number written "AB 12 34 56 C", the letter after a Spanish DNI's hyphen), which
// identify no one.
var Patterns = []Pattern{
	{Kind: KindEmail, RE2: `[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`},
	// After a colon, an equals sign or a verb ("is", "est", "ist", …) any word is the secret;
	// right after the keyword only a word with a digit or symbol is ("password reset" is not).
	{Kind: KindSecret, RE2: secretPrefix + `(?:\s*[:=]\s*|\s+(?:is|est|ist|es|é|era|was|lautet|c'est)\s+))(\S+)`, Context: true},
	{Kind: KindSecret, RE2: secretPrefix + `\s+)(\S*[\p{Nd}\p{S}#%&*@_]\S*)`, Context: true},
	// Six or more digits with at most two separators between them (phone numbers in any
	// format, card and account numbers), with the letters and digits of the word around them
	// in spaced scripts (in Chinese or Japanese the word would be the whole sentence).
	{Kind: KindNumber, RE2: `[+(]?[\p{Latin}\p{Greek}\p{Cyrillic}\p{N}]*\p{Nd}(?:[ .\-/()]{0,2}\p{Nd}){5,}[\p{Latin}\p{Greek}\p{Cyrillic}\p{N}]*`},
}

// Trigger matches every text Detect can find something in (a digit, an @ or a password
// keyword), and few others: engines skip the patterns for texts it does not match.
var Trigger = `(?i)[\p{Nd}@]|\b` + secretLatin + `\b|` + secretOther

// NumberRun is the length of a digit run that makes a word a number (NumberToken).
const NumberRun = 3

var (
	compiled = func() []*regexp.Regexp {
		out := make([]*regexp.Regexp, len(Patterns))
		for i, p := range Patterns {
			out[i] = regexp.MustCompile(p.RE2)
		}
		return out
	}()
	ibanRe = regexp.MustCompile(`(?i)\b[a-z]{2}[0-9]{2}(?:[ \-]?[a-z0-9]{4}){2,7}(?:[ \-]?[a-z0-9]{1,3})?\b`)
)

// masks are Mask's replacements.
var masks = map[string]bool{}

func init() {
	for _, k := range []Kind{KindEmail, KindPhone, KindIBAN, KindCard, KindNationalID, KindNumber, KindSecret} {
		masks["["+string(k)+"]"] = true
	}
}

// masked reports whether w starts with a mask Mask wrote ("[secret]!0", where a secret
// merged with a number was masked and a mark after it was not).
func masked(w string) bool {
	if w[0] != '[' {
		return false
	}
	end := strings.IndexByte(w, ']')
	return end > 0 && masks[w[:end+1]]
}

// Detect returns the personal data in text, sorted and not overlapping: e-mail addresses,
// secrets after password keywords, IBANs (valid mod-97 checksum), national identifiers
// (valid by their scheme's rule: see Scheme), card numbers (Luhn, 13–19 digits), phone
// numbers (E.164 or local, spaced, dotted or dashed) and other numbers of six or more
// digits. Overlapping finds merge into one span of the earlier kind in that list.
func Detect(text string) []Span {
	return detect(text, true)
}

// detect is Detect; with fast, it skips the patterns that cannot match (e-mail addresses
// need an @, secrets a keyword, numbers a digit) and looks for national identifiers only
// around numbers, which finds the same (FuzzDetect compares both ways).
func detect(text string, fast bool) []Span {
	var spans []Span // in priority order
	add := func(p Pattern, matches [][]int) {
		for _, m := range matches {
			s, e := m[0], m[1]
			if p.Context {
				s, e = m[4], m[5]
			}
			if s >= e || masks[text[s:e]] || p.Context && masked(text[s:e]) {
				continue // a mask Mask wrote is not data, nor the word a secret's mask leads
			}
			k := p.Kind
			if k == KindNumber {
				k = classify(text[s:e])
			}
			spans = append(spans, Span{Start: s, End: e, Kind: k})
		}
	}
	at, digit := true, true
	if fast {
		at, digit = scan(text)
	}
	if at {
		add(Patterns[0], compiled[0].FindAllStringSubmatchIndex(text, -1))
	}
	if !fast || keyword(text) {
		add(Patterns[1], compiled[1].FindAllStringSubmatchIndex(text, -1))
		add(Patterns[2], compiled[2].FindAllStringSubmatchIndex(text, -1))
	}
	if !digit {
		return merge(spans)
	}
	for _, m := range ibanRe.FindAllStringIndex(text, -1) {
		if validIBAN(text[m[0]:m[1]]) {
			spans = append(spans, Span{Start: m[0], End: m[1], Kind: KindIBAN})
		}
	}
	numbers := compiled[3].FindAllStringSubmatchIndex(text, -1)
	if fast {
		// Every national identifier's digits are in a number the number pattern matches,
		// with at most three bytes of letters before them and after: look only there.
		for _, w := range windows(text, numbers, 3) {
			spans = detectNationalIDs(text, w[0], w[1], spans)
		}
	} else {
		spans = detectNationalIDs(text, 0, len(text), spans)
	}
	add(Patterns[3], numbers)
	return merge(spans)
}

// merge sorts spans (in priority order) and merges overlapping ones into one span of the
// kind found first, so that nothing any of them covers is left out.
func merge(spans []Span) []Span {
	if len(spans) < 2 {
		return spans
	}
	prio := make(map[Span]int, len(spans))
	for i, s := range spans {
		if _, ok := prio[s]; !ok {
			prio[s] = i
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	out := spans[:1]
	rank := []int{prio[spans[0]]}
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.Start >= last.End {
			out = append(out, s)
			rank = append(rank, prio[s])
			continue
		}
		last.End = max(last.End, s.End)
		if r := prio[s]; r < rank[len(rank)-1] {
			last.Kind, last.Scheme, rank[len(rank)-1] = s.Kind, s.Scheme, r
		}
	}
	return out
}

// scan reports whether text has an @ and whether it has a decimal digit (\p{Nd}).
func scan(text string) (at, digit bool) {
	for i := 0; i < len(text); i++ {
		switch b := text[i]; {
		case b == '@':
			at = true
		case b >= '0' && b <= '9':
			digit = true
		case b >= utf8.RuneSelf && !digit:
			r, n := utf8.DecodeRuneInString(text[i:])
			digit = unicode.IsDigit(r)
			i += n - 1
		}
		if at && digit {
			break
		}
	}
	return at, digit
}

// secretWords are the password keywords of the secret patterns, case-folded (fold).
var secretWords = func() []string {
	var out []string
	for _, alt := range []string{secretLatin, secretOther} {
		for _, w := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(alt, "(?:"), ")"), "|") {
			out = append(out, fold(strings.TrimSuffix(w, "s?")))
		}
	}
	return out
}()

// keyword reports whether text holds one of secretWords, as the patterns' (?i) matches it.
func keyword(text string) bool {
	f := fold(text)
	for _, w := range secretWords {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

// fold maps each rune to the smallest of those that match it case-insensitively (what
// (?i) folds together: s, S and ſ are all S), so that folded texts compare as (?i) does.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
		default:
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if f < r {
					r = f
				}
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Mask replaces each span Detect finds with its kind in brackets: "[email]", "[phone]",
// "[iban]", "[card]", "[national_id]", "[number]", "[secret]".
func Mask(text string) string {
	spans := Detect(text)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	at := 0
	for _, s := range spans {
		b.WriteString(text[at:s.Start])
		b.WriteString("[" + string(s.Kind) + "]")
		at = s.End
	}
	b.WriteString(text[at:])
	return b.String()
}

// NumberToken reports whether a word (letters and digits, no spaces) is a number rather
// than a word: at least half its characters are digits, or it has NumberRun digits in a
// row. Such words are never counted as phrases: postcodes, order numbers, the groups of a
// spaced phone or IBAN, "fr76", "a380", "5g" (but not "covid19" or "iphone15").
func NumberToken(w string) bool {
	n, d, run, best := 0, 0, 0, 0
	for _, r := range w {
		n++
		if unicode.IsDigit(r) {
			d++
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return d > 0 && (2*d >= n || best >= NumberRun)
}

// Personal reports whether a phrase contains personal data by Detect or a number word by
// NumberToken: the last check before a phrase mined from messages is shown.
func Personal(phrase string) bool {
	if len(Detect(phrase)) > 0 {
		return true
	}
	for _, w := range strings.FieldsFunc(phrase, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) }) {
		if NumberToken(w) {
			return true
		}
	}
	return false
}

// classify names a number span: a card number (Luhn, 13–19 digits), a phone number (led
// by + or written with separators, or 9–12 digits led by 0) or another number.
func classify(m string) Kind {
	var digits []byte
	seps, letters := false, false
	for _, r := range m {
		switch {
		case unicode.IsDigit(r):
			digits = append(digits, byte('0'+digitValue(r)))
		case unicode.IsLetter(r):
			letters = true
		default:
			seps = true
		}
	}
	n := len(digits)
	switch {
	case letters:
		return KindNumber
	case n >= 13 && n <= 19 && m[0] != '+' && luhn(digits):
		return KindCard
	case (seps || m[0] == '+') && n >= 7 && n <= 15, !seps && n >= 9 && n <= 12 && digits[0] == '0':
		return KindPhone
	}
	return KindNumber
}

// digitValue is a decimal digit's value in any script: Unicode lays each script's digits
// out as a run of ten code points from zero (runs can follow each other).
func digitValue(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	k := 0
	for unicode.IsDigit(r - rune(k) - 1) {
		k++
	}
	return k % 10
}

// luhn checks the Luhn checksum of ASCII digits.
func luhn(d []byte) bool {
	sum := 0
	for i := range d {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// ValidIBAN reports whether s is an IBAN (ISO 13616) by its length (15–34 characters) and
// mod-97 checksum; spaces and hyphens between groups are allowed, letters in either case.
// It does not check the country's own length.
func ValidIBAN(s string) bool { return validIBAN(s) }

// validIBAN checks an IBAN's length (15–34) and its mod-97 checksum (ISO 13616): the first
// four characters moved to the end, letters as 10–35, the number modulo 97 must be 1.
func validIBAN(s string) bool {
	var c []byte
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b == ' ' || b == '-':
		case b >= 'a' && b <= 'z':
			c = append(c, b-'a'+'A')
		case b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
			c = append(c, b)
		default:
			return false
		}
	}
	if len(c) < 15 || len(c) > 34 {
		return false
	}
	rem := 0
	for i := range c {
		b := c[(i+4)%len(c)] // the first four characters last

		if b >= 'A' {
			v := int(b-'A') + 10
			rem = (rem*100 + v) % 97
		} else {
			rem = (rem*10 + int(b-'0')) % 97
		}
	}
	return rem == 1
}
