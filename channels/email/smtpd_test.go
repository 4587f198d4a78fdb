package email

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/meridian-cs/meridian/models"
)

// startListener runs the channel's listener on a loopback port until the test ends.
func startListener(t *testing.T, cfg Config, in *intake) string {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.Log = quiet
	ch, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ch.Listener(in)
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestListenerAcknowledgesAfterIntake(t *testing.T) {
	in := &intake{}
	addr := startListener(t, Config{Domain: "meridian.test"}, in)
	ctx := context.Background()
	raw := fixture(t, "iso2022jp.eml")
	if err := Deliver(ctx, addr, "taro@example.jp", []string{"Support@Shop.example"}, raw); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	got := in.messages()
	if len(got) != 1 {
		t.Fatalf("intake got %d messages", len(got))
	}
	m := got[0]
	if m.ID != "jis-1@example.jp" || m.Account != "support@shop.example" || m.Subject != "商品が届きません" || m.From.Email != "taro@example.jp" {
		t.Errorf("message = %+v", m)
	}
	if m.Attributes["envelope_from"] != "taro@example.jp" {
		t.Errorf("envelope_from = %q", m.Attributes["envelope_from"])
	}

	// The intake failing answers 451: the sender keeps the mail and retries.
	in.setFail(errors.New("kafka down"))
	err := Deliver(ctx, addr, "a@example.com", []string{"support@shop.example"}, fixture(t, "emoji.eml"))
	if smtpCode(err) != 451 {
		t.Errorf("intake failure: err = %v, want 451", err)
	}
	// A store refusing the message answers 554: retrying cannot help.
	in.setFail(&models.FieldError{Field: "id", Reason: "too long"})
	if err := Deliver(ctx, addr, "a@example.com", []string{"support@shop.example"}, fixture(t, "emoji.eml")); smtpCode(err) != 554 {
		t.Errorf("field error: err = %v, want 554", err)
	}
	in.setFail(nil)
	if err := Deliver(ctx, addr, "a@example.com", []string{"support@shop.example"}, fixture(t, "emoji.eml")); err != nil {
		t.Errorf("retry: %v", err)
	}
	if n := len(in.messages()); n != 2 {
		t.Errorf("intake has %d messages, want 2", n)
	}
}

func TestListenerRefusals(t *testing.T) {
	in := &intake{}
	addr := startListener(t, Config{MaxMessageBytes: 4096, MaxRecipients: 2}, in)
	ctx := context.Background()

	err := Deliver(ctx, addr, "a@example.com", []string{"s@shop.example"}, fixture(t, "malformed.eml"))
	if smtpCode(err) != 554 || !strings.Contains(err.Error(), "message refused") {
		t.Errorf("malformed: err = %v, want 554 with a reason", err)
	}
	err = Deliver(ctx, addr, "a@example.com", []string{"s@shop.example"}, fixture(t, "long.eml"))
	if smtpCode(err) != 552 {
		t.Errorf("too large: err = %v, want 552", err)
	}
	err = Deliver(ctx, addr, "a@example.com", []string{"a@shop.example", "b@shop.example", "c@shop.example"}, fixture(t, "emoji.eml"))
	if smtpCode(err) != 452 {
		t.Errorf("too many recipients: err = %v, want 452", err)
	}
	if n := len(in.messages()); n != 0 {
		t.Errorf("intake got %d messages", n)
	}
}

func TestListenerMultipleRecipients(t *testing.T) {
	in := &intake{}
	addr := startListener(t, Config{}, in)
	if err := Deliver(context.Background(), addr, "a@example.com", []string{"first@shop.example", "second@shop.example"}, fixture(t, "thai.eml")); err != nil {
		t.Fatal(err)
	}
	got := in.messages()
	if len(got) != 1 || got[0].Account != "first@shop.example" || got[0].Attributes["recipients"] != "first@shop.example,second@shop.example" {
		t.Errorf("got %+v", got)
	}
}

func TestListenerAuth(t *testing.T) {
	in := &intake{}
	addr := startListener(t, Config{Username: "forwarder", Password: "s3cret"}, in)
	raw := fixture(t, "chinese_utf8.eml")

	if err := Deliver(context.Background(), addr, "a@example.com", []string{"s@shop.example"}, raw); smtpCode(err)/100 != 5 {
		t.Errorf("without AUTH: err = %v, want a refusal", err)
	}
	send := func(user, pass string) error {
		c, err := smtp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Auth(sasl.NewPlainClient("", user, pass)); err != nil {
			return err
		}
		return c.SendMail("a@example.com", []string{"s@shop.example"}, bytes.NewReader(raw))
	}
	if err := send("forwarder", "wrong"); smtpCode(err) != 535 {
		t.Errorf("wrong password: err = %v, want 535", err)
	}
	if err := send("forwarder", "s3cret"); err != nil {
		t.Errorf("with AUTH: %v", err)
	}
	if n := len(in.messages()); n != 1 {
		t.Errorf("intake got %d messages, want 1", n)
	}
}

func TestListenerAuthOverSTARTTLS(t *testing.T) {
	srvTLS, cliTLS := testTLS(t)
	in := &intake{}
	cfg := Config{Username: "forwarder", Password: "s3cret", ListenTLS: srvTLS}
	addr := startListener(t, cfg, in)
	c, err := smtp.DialStartTLS(addr, cliTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "forwarder", "s3cret")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("a@example.com", []string{"s@shop.example"}, bytes.NewReader(fixture(t, "arabic.eml"))); err != nil {
		t.Fatal(err)
	}
	if n := len(in.messages()); n != 1 {
		t.Errorf("intake got %d messages, want 1", n)
	}
}

func TestListenerStopsWithContext(t *testing.T) {
	ch, err := New(Config{Listen: "127.0.0.1:0", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ch.Run(ctx, &intake{}) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
