package main

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

// The server's logger, in both formats, masks personal data a log line quotes.
func TestLoggerMasksPersonalData(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		cfg := bindConfig(fs)
		if err := fs.Parse([]string{"--log-format", format, "--log-level", "info"}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		log, err := newLogger(cfg, &buf)
		if err != nil {
			t.Fatal(err)
		}
		log.Error("reply to max@example.de failed", "to", "+33 6 12 34 56 78", "err", errors.New("NIR 2 95 10 99 126 111 93 unknown"))
		out := buf.String()
		for _, want := range []string{"reply to [email] failed", "[phone]", "NIR [national_id] unknown"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s log lacks %q: %s", format, want, out)
			}
		}
		for _, raw := range []string{"example.de", "12 34 56 78", "126 111 93"} {
			if strings.Contains(out, raw) {
				t.Errorf("%s log holds %q: %s", format, raw, out)
			}
		}
	}
}
