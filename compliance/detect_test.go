package compliance

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// kinds returns what Detect finds in text as "kind:text" pairs.
func kinds(text string) []string {
	var out []string
	for _, s := range Detect(text) {
		out = append(out, string(s.Kind)+":"+text[s.Start:s.End])
	}
	return out
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		// IBANs: the checksum decides; a wrong one is still a number, never an IBAN.
		{"iban FR76 3000 6000 0112 3456 7890 189 merci", []string{"iban:FR76 3000 6000 0112 3456 7890 189"}},
		{"iban fr7630006000011234567890189", []string{"iban:fr7630006000011234567890189"}},
		{"GB29 NWBK 6016 1331 9268 19", []string{"iban:GB29 NWBK 6016 1331 9268 19"}},
		{"DE89-3704-0044-0532-0130-00", []string{"iban:DE89-3704-0044-0532-0130-00"}},
		{"iban FR77 3000 6000 0112 3456 7890 189", []string{"number:FR77 3000 6000 0112 3456 7890 189"}},
		{"ab12 with some words", nil},
		// Card numbers: Luhn decides between card and number.
		{"card 4111 1111 1111 1111 exp", []string{"card:4111 1111 1111 1111"}},
		{"card 4111111111111111", []string{"card:4111111111111111"}},
		{"card 5500-0000-0000-0004", []string{"card:5500-0000-0000-0004"}},
		{"ref 4111111111111112", []string{"number:4111111111111112"}},
		// Phone numbers: E.164 and local formats, spaced, dotted, dashed, with parentheses.
		{"numero 0612345678", []string{"phone:0612345678"}},
		{"appelez le 06 12 34 56 78 svp", []string{"phone:06 12 34 56 78"}},
		{"call +1 (415) 555-2671 now", []string{"phone:+1 (415) 555-2671"}},
		{"+33612345678", []string{"phone:+33612345678"}},
		{"Tel. 030/1234567", []string{"phone:030/1234567"}},
		{"06.12.34.56.78", []string{"phone:06.12.34.56.78"}},
		{"电话０９０-１２３４-５６７８です", []string{"phone:０９０-１２３４-５６７８"}},
		{"mein passwort ist [secret]", nil},
		{"Bestellung 98765432", []string{"number:98765432"}},
		{"order AB12345678X", []string{"number:AB12345678X"}},
		{"only 12345 here", nil},
		// E-mail addresses.
		{"Mail max.mustermann+shop@example.co.uk, danke", []string{"email:max.mustermann+shop@example.co.uk"}},
		{"jean@exemple.fr", []string{"email:jean@exemple.fr"}},
		{"at sign @ alone", nil},
		// Secrets after a password keyword.
		{"mon mot de passe est zorglubquux", []string{"secret:zorglubquux"}},
		{"password: hunter", []string{"secret:hunter"}},
		{"my password Tr0ub4dor&3 please", []string{"secret:Tr0ub4dor&3"}},
		{"Passwort=geheim", []string{"secret:geheim"}},
		{"I need a password reset", nil},
	} {
		got := kinds(c.text)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Detect(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestValidIBANAndLuhn(t *testing.T) {
	for s, want := range map[string]bool{
		"FR7630006000011234567890189": true, "DE89370400440532013000": true, "GB29NWBK60161331926819": true,
		"NL91ABNA0417164300": true, "FR7630006000011234567890188": false, "DE89370400440532013001": false,
		"GB29NWBK6016133192681": false, "XX00": false,
	} {
		if validIBAN(s) != want {
			t.Errorf("validIBAN(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{
		"4111111111111111": true, "5500000000000004": true, "378282246310005": true, "79927398713": true,
		"4111111111111112": false, "79927398710": false,
	} {
		if luhn([]byte(s)) != want {
			t.Errorf("luhn(%q) = %v", s, !want)
		}
	}
}

func TestNumberTokenAndPersonal(t *testing.T) {
	for w, want := range map[string]bool{
		"0612345678": true, "fr76": true, "3000": true, "189": true, "a380": true, "5g": true, "order123": true,
		"６": true, "٣٤٥": true, "covid19": false, "iphone15": false, "2fa": false, "moisture": false, "": false,
	} {
		if NumberToken(w) != want {
			t.Errorf("NumberToken(%q) = %v", w, !want)
		}
	}
	for ph, want := range map[string]bool{
		"numero 0612345678": true, "fr76 3000": true, "jean@exemple.fr": true, "moisture proof": false, "iphone15 case": false,
	} {
		if Personal(ph) != want {
			t.Errorf("Personal(%q) = %v", ph, !want)
		}
	}
}

func TestMask(t *testing.T) {
	got := Mask("Hallo, meine Nummer ist +49 170 1234567, Mail max@example.de, Bestellung 98765432, IBAN DE89 3704 0044 0532 0130 00, Steuer-ID 86 095 742 719, SSN 123-45-6789, Passwort: geheim")
	want := "Hallo, meine Nummer ist [phone], Mail [email], Bestellung [number], IBAN [iban], Steuer-ID [national_id], SSN [national_id], Passwort: [secret]"
	if got != want {
		t.Errorf("Mask = %q\nwant %q", got, want)
	}
}

// The patterns compile as RE2 as they are (ClickHouse uses them verbatim).
func TestPatternsAreRE2(t *testing.T) {
	for _, p := range Patterns {
		re, err := regexp.Compile(p.RE2)
		if err != nil {
			t.Fatal(err)
		}
		if p.Context != (re.NumSubexp() == 2) {
			t.Errorf("%s pattern %q: %d groups, context %v", p.Kind, p.RE2, re.NumSubexp(), p.Context)
		}
	}
}

// FuzzDetect: Detect never panics, returns sorted spans inside the text that do not
// overlap, only in texts Trigger matches, names the scheme of every national identifier
// (and of nothing else), finds the same as without its shortcuts, nothing it detects is
// left in the masked text, and an engine applying Patterns keeps none of it (engineLeaks).
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"numero 0612345678", "iban FR76 3000 6000 0112 3456 7890 189", "card 4111 1111 1111 1111",
		"Mail max@example.de", "mot de passe est zorglub", "+1 (415) 555-2671", "電話０９０-１２３４-５６７８",
		"password Tr0ub4dor&3", "", "@@..", "٠١٢٣٤٥٦٧٨٩",
		"Steuer-ID 86 095 742 719", "NRIC S1234567D", "SSN 123456789", "SSN 123-45-6789", "NI AB 12 34 56 C",
		"NIR 2 91 03 2A 004 123 68", "CPF 390.533.447-05", "DNI 12.345.678-Z NIE X-1234567-L",
	} {
		f.Add(s)
	}
	trigger := regexp.MustCompile(Trigger)
	f.Fuzz(func(t *testing.T, s string) {
		spans := Detect(s)
		if slow := detect(s, false); !slices.Equal(spans, slow) {
			t.Errorf("Detect(%q) = %+v, without shortcuts %+v", s, spans, slow)
		}
		if len(spans) > 0 && !trigger.MatchString(s) {
			t.Errorf("Detect(%q) found %+v but Trigger does not match", s, spans)
		}
		at := 0
		for _, sp := range spans {
			if sp.Start < at || sp.End <= sp.Start || sp.End > len(s) {
				t.Fatalf("Detect(%q): bad span %+v after %d", s, sp, at)
			}
			if (sp.Kind == KindNationalID) != (sp.Scheme != "") {
				t.Errorf("Detect(%q): span %+v", s, sp)
			}
			at = sp.End
		}
		if !utf8.ValidString(s) {
			return
		}
		for _, l := range engineLeaks(s, compiled) {
			t.Errorf("%q: the engine keeps %s", s, l)
		}
		m := Mask(s)
		for _, sp := range Detect(m) {
			// The masks' own brackets never read as data; anything else found is a leak.
			t.Errorf("Mask(%q) = %q still holds %s %q", s, m, sp.Kind, m[sp.Start:sp.End])
		}
	})
}
