package whatsapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/meta"
)

type intake struct{ got []*channels.Delivery }

func (i *intake) Receive(_ context.Context, _ string, d *channels.Delivery) error {
	i.got = append(i.got, d)
	return nil
}

// Through the /webhooks mount: a signed delivery is taken, an unsigned one answers 401, a
// signed body of another format 400, and the GET handshake echoes the challenge.
func TestThroughTheMount(t *testing.T) {
	c := newChannel(t, Config{VerifyToken: "vt"})
	in := &intake{}
	srv := httptest.NewServer(channels.NewMount([]channels.Channel{{Name: Name, Webhook: c, Outbound: c}}, in, slog.New(slog.DiscardHandler)))
	defer srv.Close()

	post := func(body []byte, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/whatsapp", strings.NewReader(string(body)))
		if sig != "" {
			req.Header.Set(meta.SignatureHeader, sig)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := TextDelivery(pnid, "491701234567", "Jonas", "wamid.M1", "Wo ist meine Bestellung?", at)
	if code := post(body, ""); code != 401 {
		t.Fatalf("unsigned: %d", code)
	}
	if code := post(body, meta.Sign("other", body)); code != 401 {
		t.Fatalf("wrong secret: %d", code)
	}
	other := []byte(`{"object":"page","entry":[]}`)
	if code := post(other, meta.Sign(secret, other)); code != 400 {
		t.Fatalf("messenger body: %d", code)
	}
	if code := post(body, meta.Sign(secret, body)); code != 200 {
		t.Fatalf("signed: %d", code)
	}
	if len(in.got) != 1 || len(in.got[0].Messages) != 1 || in.got[0].Messages[0].ID != "wamid.M1" {
		t.Fatalf("intake got %+v", in.got)
	}
	resp, err := srv.Client().Get(srv.URL + "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=1158201444")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "1158201444" {
		t.Fatalf("handshake %d %q", resp.StatusCode, b)
	}
}
