package email

import (
	"strings"
	"testing"
	"time"
)

// A message at the listener's size limit parses in bounded time, whether it is many lines
// or one.
func TestParseLargeMessagesQuickly(t *testing.T) {
	for name, body := range map[string]string{
		"many lines": strings.Repeat("On this line someone wrote: 0301234567 -- text\n> quoted\n", 100_000),
		"one line":   strings.Repeat("abc 012-345 ", 1_500_000),
		"html":       strings.Repeat("<div class=x><p>text <b>bold</b></p><blockquote type=cite>q</blockquote></div>\n", 200_000),
	} {
		raw := Compose("a@example.com", "s@shop.example", "big", body, "big@example.com", "", time.Now())
		if name == "html" {
			raw = []byte("From: a@example.com\r\nContent-Type: text/html\r\n\r\n" + body)
		}
		start := time.Now()
		m, err := Parse(raw, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: %d bytes parsed in %v", name, len(raw), d)
		}
		t.Logf("%s: %d bytes in %v, text %d bytes", name, len(raw), time.Since(start), len(m.Text))
	}
}
