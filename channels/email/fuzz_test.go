package email

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no raw message panics the parser and that whatever parses has an
// id, a sender and text an event can hold.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		// Large seeds (long.eml) make the fuzzer's minimising crawl; TestParseFixtures has them.
		if b, err := os.ReadFile(name); err == nil && len(b) < 16<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<div class=gmail_quote>q</div>\r\n--x"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, "", received)
		if err != nil {
			return
		}
		if m.ID == "" || m.From.ID == "" || m.Kind != Kind {
			t.Fatalf("parsed without id, sender or kind: %+v", m)
		}
		if !utf8.ValidString(m.Text) || !utf8.ValidString(m.Subject) || !utf8.ValidString(m.From.Name) {
			t.Fatalf("invalid UTF-8 in %+v", m)
		}
		for k, v := range m.Attributes {
			if !utf8.ValidString(v) {
				t.Fatalf("attribute %s is not UTF-8: %q", k, v)
			}
		}
		_ = ThreadKey(m)
	})
}
