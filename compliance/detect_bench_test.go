package compliance

import "testing"

// Typical customer messages: most hold no digit at all; some an order number and a phone
// number; a few a national identifier or bank details.
var benchMessages = map[string]string{
	"plain":   "Hallo, mein Paket ist immer noch nicht angekommen und der Status hat sich seit drei Tagen nicht geändert. Können Sie bitte nachsehen, was los ist? Danke!",
	"numbers": "Bonjour, j'ai passé la commande 4711-2231 le 12/03/2026 et je n'ai rien reçu. Vous pouvez me rappeler au 06 12 34 56 78 ou m'écrire à jean.dupont@exemple.fr, merci.",
	"ids":     "Hi, my SSN is 123-45-6789 and my card 4111 1111 1111 1111 was charged twice for order 98765432; the refund should go to DE89 3704 0044 0532 0130 00 please.",
}

// BenchmarkDetect measures Detect on one message of each kind.
func BenchmarkDetect(b *testing.B) {
	for _, name := range []string{"plain", "numbers", "ids"} {
		msg := benchMessages[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				Detect(msg)
			}
		})
	}
}

// BenchmarkNationalIDs measures the national identifiers' share of Detect: their
// patterns and rules around the numbers of a message (what Detect runs), and over the
// whole message (without the shortcut).
func BenchmarkNationalIDs(b *testing.B) {
	msg := benchMessages["ids"]
	numbers := compiled[3].FindAllStringSubmatchIndex(msg, -1)
	b.Run("around-numbers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var spans []Span
			for _, w := range windows(msg, numbers, 3) {
				spans = detectNationalIDs(msg, w[0], w[1], spans)
			}
		}
	})
	b.Run("whole-message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			detectNationalIDs(msg, 0, len(msg), nil)
		}
	})
}
