package line

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
	mount := channels.NewMount([]channels.Channel{{Name: "line", Webhook: c, Outbound: c}}, in, slog.New(slog.DiscardHandler))
	msg := TextDelivery("Ubot", "Uuser", "01EVT", "สวัสดี", time.Now())
	verify := fixture(t, "verify.json")
	for _, tt := range []struct {
		name     string
		body     []byte
		sig      string
		code     int
		messages int
	}{
		{"message", msg, Sign(secret, msg), 200, 1},
		{"console verification", verify, Sign(secret, verify), 200, 0},
		{"unsigned", msg, "", 401, -1},
		{"signed with another secret", msg, Sign("x", msg), 401, -1},
		{"signed but not LINE", []byte(`{"hello":1}`), Sign(secret, []byte(`{"hello":1}`)), 400, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in.got = nil
			r := httptest.NewRequest(http.MethodPost, "/webhooks/line", bytes.NewReader(tt.body))
			if tt.sig != "" {
				r.Header.Set(SignatureHeader, tt.sig)
			}
			w := httptest.NewRecorder()
			mount.ServeHTTP(w, r)
			if w.Code != tt.code {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if tt.messages >= 0 && (len(in.got) != 1 || len(in.got[0].Messages) != tt.messages) {
				t.Fatalf("intake got %+v", in.got)
			}
			if tt.messages < 0 && len(in.got) != 0 {
				t.Fatal("a refused delivery reached the intake")
			}
		})
	}
}
