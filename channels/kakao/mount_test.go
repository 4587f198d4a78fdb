package kakao

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/channels"
)

type intake struct{ got []*channels.Delivery }

func (i *intake) Receive(_ context.Context, _ string, d *channels.Delivery) error {
	i.got = append(i.got, d)
	return nil
}

func TestThroughTheMount(t *testing.T) {
	c := newChannel(t)
	in := &intake{}
	mount := channels.NewMount([]channels.Channel{{Name: "kakaotalk", Webhook: c, Outbound: c}}, in, slog.New(slog.DiscardHandler))
	msg := TextDelivery("bot1", "user1", "안녕하세요", "")
	for _, tt := range []struct {
		name, query, header string
		body                []byte
		code                int
		answer              string
	}{
		{"header", "", secret, msg, 200, `"simpleText":{"text":"` + DefaultAck + `"}`},
		{"query", "?secret=" + secret, "", msg, 200, `"version":"2.0"`},
		{"no secret", "", "", msg, 401, ""},
		{"not a skill request", "", secret, []byte(`{"update_id":1}`), 400, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in.got = nil
			r := httptest.NewRequest(http.MethodPost, "/webhooks/kakaotalk"+tt.query, bytes.NewReader(tt.body))
			if tt.header != "" {
				Sign(r.Header, tt.header)
			}
			w := httptest.NewRecorder()
			mount.ServeHTTP(w, r)
			if w.Code != tt.code || (tt.code == 200) != (len(in.got) == 1) || !strings.Contains(w.Body.String(), tt.answer) {
				t.Fatalf("%d %s; intake got %d", w.Code, w.Body, len(in.got))
			}
		})
	}
}
