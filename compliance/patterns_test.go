package compliance

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// engineLeaks applies Patterns the way ClickHouse does for phrase mining (insights/chsql):
// the text lower-cased, each pattern's matches replaced in turn by " 0 " (a context
// pattern keeps its first group), the result split on ASCII non-alphanumerics, and number
// words (NumberToken) dropped. It returns the kept words that hold any byte of what Detect
// reports in text, apart from groups of letters alone inside an IBAN or a national
// identifier (a bank code, a National Insurance number's letters), which the contract on
// Patterns allows.
func engineLeaks(text string, patterns []*regexp.Regexp) []string {
	// cur is the text being rewritten; from[i] is the byte of text that cur[i] came from,
	// -1 for the replacements' bytes.
	var b strings.Builder
	var from []int
	for i, r := range text {
		l := unicode.ToLower(r)
		if r == utf8.RuneError {
			l = r
		}
		n, _ := b.WriteRune(l)
		for range n {
			from = append(from, i)
		}
	}
	cur := b.String()
	for i, re := range patterns {
		p := Patterns[i]
		var nb strings.Builder
		var nf []int
		at := 0
		for _, m := range re.FindAllStringSubmatchIndex(cur, -1) {
			nb.WriteString(cur[at:m[0]])
			nf = append(nf, from[at:m[0]]...)
			if p.Context && m[2] >= 0 {
				nb.WriteString(cur[m[2]:m[3]])
				nf = append(nf, from[m[2]:m[3]]...)
			}
			nb.WriteString(" 0 ")
			nf = append(nf, -1, -1, -1)
			at = m[1]
		}
		nb.WriteString(cur[at:])
		nf = append(nf, from[at:]...)
		cur, from = nb.String(), nf
	}
	spans := Detect(text)
	in := func(off int) *Span {
		for i := range spans {
			if off >= spans[i].Start && off < spans[i].End {
				return &spans[i]
			}
		}
		return nil
	}
	var leaks []string
	word := func(s, e int) {
		w := cur[s:e]
		if NumberToken(w) || len(w) > 2*utf8.RuneCountInString(w) {
			return // a number word, or a run of an unspaced script (only its letters count)
		}
		digits := strings.IndexFunc(w, unicode.IsDigit) >= 0
		for _, off := range from[s:e] {
			if off < 0 {
				continue
			}
			if sp := in(off); sp != nil {
				if !digits && (sp.Kind == KindIBAN || sp.Kind == KindNationalID) {
					continue
				}
				leaks = append(leaks, string(sp.Kind)+" "+text[sp.Start:sp.End]+" → "+w)
				return
			}
		}
	}
	start := -1
	for i := 0; i <= len(cur); i++ {
		alnum := i < len(cur) && (cur[i] >= 0x80 || cur[i] >= '0' && cur[i] <= '9' || cur[i] >= 'a' && cur[i] <= 'z' || cur[i] >= 'A' && cur[i] <= 'Z')
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			word(start, i)
			start = -1
		}
	}
	return leaks
}

// contractTexts hold every kind Detect reports, national identifiers in each way they are
// written.
var contractTexts = []string{
	"iban FR76 3000 6000 0112 3456 7890 189 merci", "GB29 NWBK 6016 1331 9268 19", "DE89-3704-0044-0532-0130-00",
	"card 4111 1111 1111 1111 exp", "call +1 (415) 555-2671 now", "电话０９０-１２３４-５６７８です", "order AB12345678X",
	"Mail max.mustermann+shop@example.co.uk, danke", "mon mot de passe est zorglubquux", "my password Tr0ub4dor&3 please",
	"Meine Steuer-ID ist 86 095 742 719, danke", "Steuerliche Identifikationsnummer: 36574261809",
	"My NRIC is S1234567D.", "我的身份证号码是T1234567J。", "FIN: F1234567N / G1234567X, work pass M1234567K",
	"My SSN is 123-45-6789.", "social security number: 123 45 6789", "SSN 123456789 please",
	"My NI number is AB 12 34 56 C thanks", "national insurance jg103759a",
	"Mon numéro de sécurité sociale est le 2 95 10 99 126 111 93.", "né à Ajaccio : 2 91 03 2A 004 123 68",
	"Meu CPF é 390.533.447-05, obrigado", "cpf 52998224725",
	"Mi DNI es 12345678Z.", "DNI 12.345.678-Z y NIE X1234567L", "NIE Y-1234567-X", "DNI 12345678 Z",
}

// The contract on Patterns: an engine applying them with NumberToken's rule keeps no word
// of what Detect reports, national identifiers included (their letters alone aside).
func TestPatternsCoverDetect(t *testing.T) {
	for _, text := range contractTexts {
		if len(Detect(text)) == 0 {
			t.Errorf("Detect(%q) finds nothing", text)
		}
		for _, l := range engineLeaks(text, compiled) {
			t.Errorf("%q: the engine keeps %s", text, l)
		}
	}
	// The check can fail: without the secret patterns, the secret stays. (Identifiers'
	// digits are also number words: NumberToken's rule alone drops them.)
	if len(engineLeaks("my password Tr0ub4dor&3 please", compiled[:1])) == 0 {
		t.Error("engineLeaks misses a secret the patterns leave")
	}
}
