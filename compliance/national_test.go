package compliance

import (
	"strconv"
	"strings"
	"testing"
)

// schemes returns what Detect finds in text as "kind/scheme:text" for national identifiers
// and "kind:text" for the rest.
func schemes(text string) []string {
	var out []string
	for _, s := range Detect(text) {
		k := string(s.Kind)
		if s.Scheme != "" {
			k += "/" + string(s.Scheme)
		}
		out = append(out, k+":"+text[s.Start:s.End])
	}
	return out
}

// Valid identifiers (examples published with each scheme's rule, or built by it) are found
// in sentences of several languages; the same with a failing check letter or digit, or a
// part the rules never issue, is at most a number.
func TestDetectNationalIDs(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		// German tax id: ISO 7064 MOD 11,10 and the digit-repetition rule.
		{"Meine Steuer-ID ist 86 095 742 719, danke", []string{"national_id/DE-IdNr:86 095 742 719"}},
		{"Steuerliche Identifikationsnummer: 36574261809", []string{"national_id/DE-IdNr:36574261809"}},
		{"my German tax id is 12345678995.", []string{"national_id/DE-IdNr:12345678995"}},
		{"Steuer-ID 86 095 742 710", []string{"phone:86 095 742 710"}},
		{"Steuer-ID 36574261808", []string{"number:36574261808"}},
		// Singapore NRIC and FIN: the check letter of each series.
		{"My NRIC is S1234567D.", []string{"national_id/SG-NRIC:S1234567D"}},
		{"我的身份证号码是T1234567J。", []string{"national_id/SG-NRIC:T1234567J"}},
		{"FIN: F1234567N / G1234567X, work pass M1234567K", []string{"national_id/SG-NRIC:F1234567N", "national_id/SG-NRIC:G1234567X", "national_id/SG-NRIC:M1234567K"}},
		{"nric s1234567d ok", []string{"national_id/SG-NRIC:s1234567d"}},
		{"My NRIC is S1234567A.", []string{"number:S1234567A"}},
		{"FIN G1234567N", []string{"number:G1234567N"}},
		// US SSN: dashed anywhere, spaced or unbroken only after "SSN" or "social security".
		{"My SSN is 123-45-6789.", []string{"national_id/US-SSN:123-45-6789"}},
		{"Mi número de seguro social es 219-09-9998", []string{"national_id/US-SSN:219-09-9998"}},
		{"social security number: 123 45 6789", []string{"national_id/US-SSN:123 45 6789"}},
		{"SSN 123456789 please", []string{"national_id/US-SSN:123456789"}},
		{"社会安全号码：123456789", []string{"national_id/US-SSN:123456789"}},
		{"order 123456789 please", []string{"number:123456789"}},
		{"SSN? No. My order number, which you asked for yesterday, is 123456789", []string{"number:123456789"}},
		{"SSN 000-12-3456", []string{"phone:000-12-3456"}},
		{"SSN 666-12-3456", []string{"phone:666-12-3456"}},
		{"SSN 912-12-3456", []string{"phone:912-12-3456"}},
		{"SSN 123-00-4567", []string{"phone:123-00-4567"}},
		{"SSN 123-45-0000", []string{"phone:123-45-0000"}},
		{"SSN 123-456789", []string{"phone:123-456789"}},
		// UK National Insurance number: format rules (no check character).
		{"My NI number is AB 12 34 56 C thanks", []string{"national_id/GB-NINO:AB 12 34 56 C"}},
		{"national insurance jg103759a", []string{"national_id/GB-NINO:jg103759a"}},
		{"NINO QQ 12 34 56 C", []string{"number:12 34 56"}},
		{"NINO GB 12 34 56 A", []string{"number:12 34 56"}},
		{"NINO AO123456B", []string{"number:AO123456B"}},
		{"NINO AB123456E", []string{"number:AB123456E"}},
		// French NIR: key 97 − n mod 97, Corsica's 2A and 2B.
		{"Mon numéro de sécurité sociale est le 2 95 10 99 126 111 93.", []string{"national_id/FR-NIR:2 95 10 99 126 111 93"}},
		{"NIR 184127645108946", []string{"national_id/FR-NIR:184127645108946"}},
		{"né à Ajaccio : 2 91 03 2A 004 123 68", []string{"national_id/FR-NIR:2 91 03 2A 004 123 68"}},
		{"NIR 295109912611199", []string{"number:295109912611199"}},
		{"NIR 2 91 03 2B 004 123 68", []string{"number:2 91 03 2B", "phone:004 123 68"}},
		// Brazilian CPF: two mod-11 check digits.
		{"Meu CPF é 390.533.447-05, obrigado", []string{"national_id/BR-CPF:390.533.447-05"}},
		{"cpf 52998224725", []string{"national_id/BR-CPF:52998224725"}},
		{"Meu CPF é 231.002.999-00", []string{"phone:231.002.999-00"}},
		{"CPF 111.111.111-11", []string{"phone:111.111.111-11"}},
		// Spanish DNI and NIE: letter = number mod 23.
		{"Mi DNI es 12345678Z.", []string{"national_id/ES-DNI:12345678Z"}},
		{"DNI 12.345.678-Z y NIE X1234567L", []string{"national_id/ES-DNI:12.345.678-Z", "national_id/ES-DNI:X1234567L"}},
		{"NIE Y-1234567-X", []string{"national_id/ES-DNI:Y-1234567-X"}},
		{"Mi DNI es 12345678A.", []string{"number:12345678A"}},
		{"NIE X1234567M", []string{"number:X1234567M"}},
		{"pedido 12345667 a domicilio", []string{"number:12345667"}},
		// Part of something longer: never an identifier.
		{"ref XS1234567D", []string{"number:XS1234567D"}},
		{"ref 9123-45-6789", []string{"phone:9123-45-6789"}},
		{"+1 123-45-6789", []string{"phone:+1 123-45-6789"}},
	} {
		got := schemes(c.text)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Detect(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// Numbers of the same lengths that are no identifier stay numbers or phone numbers:
// dates, times, phone numbers of the markets, order and tracking numbers. What remains: an
// unbroken 11-digit number passes the German rule one time in 300 and the CPF's one time in
// 100, a 15-digit one the NIR's one time in 130 (e.g. "Kundennummer 10023456788" reads as
// a German tax id); such numbers are masked as identifiers instead of numbers.
func TestDetectNoNationalIDInLookalikes(t *testing.T) {
	for _, text := range []string{
		"Lieferung am 15.01.2024 um 14:30", "delivered 2024-01-15T10:00:00Z", "le 15/01/2024",
		"+49 170 1234567", "0171 2345678", "030 12345678", "(415) 555-2671", "+1 415-555-2671",
		"+65 9123 4567", "+44 20 7946 0958", "07700 900123", "+33 6 12 34 56 78", "+55 11 98765-4321",
		"(11) 98765-4321", "+34 612 34 56 78", "Bestellung 98765432", "order #123456789",
		"commande 4711-2231", "tracking 1Z999AA10123456784", "pedido 12345678", "Rechnung RE-2024-000123",
		"Kundennummer 10023456788", "numéro 0612345678", "IBAN DE89 3704 0044 0532 0130 00",
		"card 4111 1111 1111 1111",
	} {
		for _, s := range Detect(text) {
			if s.Kind == KindNationalID {
				t.Errorf("Detect(%q) found %s %q", text, s.Scheme, text[s.Start:s.End])
			}
		}
	}
}

// The German rule rejects ten digits without exactly one repeated digit, or with a digit
// three times in a row, whatever the check digit; a digit three times apart is allowed.
func TestValidDETaxIDRepetitionRule(t *testing.T) {
	count := func(first10 string) int {
		n := 0
		for c := range 10 {
			if validDETaxID([]byte(first10 + strconv.Itoa(c))) {
				n++
			}
		}
		return n
	}
	for first10, want := range map[string]int{
		"1234567890": 0, // no digit repeated
		"1123456788": 0, // two digits repeated
		"1112345678": 0, // one digit three times in a row
		"1121345678": 1, // three times, not in a row
		"1123456789": 1, // one digit twice
		"1111234567": 0, // four times
		"0123456789": 0, // leading zero
	} {
		if got := count(first10); got != want {
			t.Errorf("%s?: %d check digits valid, want %d", first10, got, want)
		}
	}
}
