package telegram

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

type intake struct{ got []*channels.Delivery }

func (i *intake) Receive(_ context.Context, _ string, d *channels.Delivery) error {
	i.got = append(i.got, d)
	return nil
}

func TestThroughTheMount(t *testing.T) {
	c := newChannel(t, "")
	in := &intake{}
	mount := channels.NewMount([]channels.Channel{{Name: "telegram", Webhook: c, Outbound: c}}, in, slog.New(slog.DiscardHandler))
	msg := TextDelivery(1, 42, 7, "Mai", "th", "สวัสดี", time.Now())
	for _, tt := range []struct {
		name   string
		body   []byte
		secret string
		code   int
	}{
		{"message", msg, secretToken, 200},
		{"no secret", msg, "", 401},
		{"wrong secret", msg, "nope", 401},
		{"not an update", []byte(`{"events":[]}`), secretToken, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in.got = nil
			r := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", bytes.NewReader(tt.body))
			if tt.secret != "" {
				Sign(r.Header, tt.secret)
			}
			w := httptest.NewRecorder()
			mount.ServeHTTP(w, r)
			if w.Code != tt.code || (tt.code == 200) != (len(in.got) == 1) {
				t.Fatalf("%d %s; intake got %d", w.Code, w.Body, len(in.got))
			}
		})
	}
}
