package wechat

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/meridian-cs/meridian/channels"
)

type intake struct{ got []*channels.Delivery }

func (i *intake) Receive(_ context.Context, _ string, d *channels.Delivery) error {
	i.got = append(i.got, d)
	return nil
}

func TestThroughTheMount(t *testing.T) {
	c := newChannel(t, "", "")
	in := &intake{}
	mount := channels.NewMount([]channels.Channel{{Name: "wechat", Webhook: c, Outbound: c}}, in, slog.New(slog.DiscardHandler))
	msg := TextDelivery("gh_1", "o1", "123", "你好", now)
	for _, tt := range []struct {
		name, method, url string
		body              []byte
		code              int
		answer            string
	}{
		{"handshake", http.MethodGet, signedURL("/webhooks/wechat", url.Values{"echostr": {"e123"}}), nil, 200, "e123"},
		{"handshake unsigned", http.MethodGet, "/webhooks/wechat?echostr=e123", nil, 401, ""},
		{"message", http.MethodPost, signedURL("/webhooks/wechat", nil), msg, 200, "success"},
		{"unsigned", http.MethodPost, "/webhooks/wechat", msg, 401, ""},
		{"not WeChat XML", http.MethodPost, signedURL("/webhooks/wechat", nil), []byte(`{"a":1}`), 400, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in.got = nil
			w := httptest.NewRecorder()
			mount.ServeHTTP(w, httptest.NewRequest(tt.method, tt.url, bytes.NewReader(tt.body)))
			if w.Code != tt.code || (tt.answer != "" && w.Body.String() != tt.answer) {
				t.Fatalf("%d %q", w.Code, w.Body)
			}
			if want := tt.method == http.MethodPost && tt.code == 200; want != (len(in.got) == 1) {
				t.Fatalf("intake got %d", len(in.got))
			}
		})
	}
}
