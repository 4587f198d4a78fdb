package compliance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// card is a LogValuer that logs a card number.
type card struct{ number string }

func (c card) LogValue() slog.Value { return slog.StringValue("card " + c.number) }

// Whatever a log line quotes, in the message, attributes, groups, attributes added with
// With, errors or LogValuers, reaches the log masked; keys, numbers and addresses do not
// change.
func TestMaskingHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(MaskingHandler(slog.NewJSONHandler(&buf, nil))).
		With("customer", "max@example.de").WithGroup("req")
	log.Info("reply to max@example.de failed",
		"phone", "+49 170 1234567",
		slog.Group("bank", "iban", "DE89 3704 0044 0532 0130 00", "ssn", "SSN 123-45-6789"),
		"err", fmt.Errorf("send: %w", errors.New("mailbox jean@exemple.fr full")),
		"payment", card{"4111 1111 1111 1111"},
		"addr", "127.0.0.1:8080", "attempts", 1234567, "plain", "no data here")
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, buf.Bytes())
	}
	req, _ := got["req"].(map[string]any)
	bank, _ := req["bank"].(map[string]any)
	for _, c := range []struct {
		name string
		got  any
		want any
	}{
		{"msg", got["msg"], "reply to [email] failed"},
		{"customer (With)", got["customer"], "[email]"},
		{"phone", req["phone"], "[phone]"},
		{"bank.iban", bank["iban"], "[iban]"},
		{"bank.ssn", bank["ssn"], "SSN [national_id]"},
		{"err", req["err"], "send: mailbox [email] full"},
		{"payment (LogValuer)", req["payment"], "card [card]"},
		{"addr", req["addr"], "127.0.0.1:8080"},
		{"attempts", req["attempts"], float64(1234567)},
		{"plain", req["plain"], "no data here"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	for _, raw := range []string{"example.de", "1234567\"", "0532", "6789", "exemple.fr", "1111"} {
		if strings.Contains(buf.String(), raw) {
			t.Errorf("the log holds %q: %s", raw, buf.String())
		}
	}
}

// The wrapped handler's level decides; nothing is masked for records it drops.
func TestMaskingHandlerKeepsLevel(t *testing.T) {
	var buf bytes.Buffer
	h := MaskingHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelWarn) {
		t.Error("Enabled does not follow the wrapped handler's level")
	}
	log := slog.New(h)
	log.Info("call 0612345678")
	log.Warn("call 0612345678", "nil error", (*myErr)(nil))
	if out := buf.String(); strings.Count(out, "\n") != 1 || !strings.Contains(out, "call [phone]") || strings.Contains(out, "0612345678") {
		t.Errorf("log = %q", out)
	}
}

type myErr struct{ s string }

func (e *myErr) Error() string { return e.s }
