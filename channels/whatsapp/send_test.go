package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

// cloudAPI is a local WhatsApp Cloud API: it checks the request as Meta documents it and
// answers a message id, or the error the test queued for the recipient.
type cloudAPI struct {
	t        *testing.T
	mu       sync.Mutex
	requests []map[string]any
	fail     map[string]func(w http.ResponseWriter) // by recipient
}

func (a *cloudAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	graphError := func(status, code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"OAuthException","code":%d,"fbtrace_id":"AYx"}}`, msg, code)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v21.0/"+pnid+"/messages" {
		graphError(400, 100, "Unsupported post request "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Header.Get("Authorization") != "Bearer token-1" {
		graphError(401, 190, "Invalid OAuth access token - Cannot parse access token")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		graphError(400, 100, "content type")
		return
	}
	b, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(b, &req); err != nil {
		graphError(400, 100, "Invalid parameter")
		return
	}
	if req["messaging_product"] != "whatsapp" || req["recipient_type"] != "individual" || req["to"] == "" {
		graphError(400, 100, "(#100) The parameter messaging_product is required.")
		return
	}
	a.mu.Lock()
	a.requests = append(a.requests, req)
	fail := a.fail[fmt.Sprint(req["to"])]
	n := len(a.requests)
	a.mu.Unlock()
	if fail != nil {
		fail(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.SENT%d"}]}`, req["to"], req["to"], n)
}

func startAPI(t *testing.T, template string) (*Channel, *cloudAPI) {
	api := &cloudAPI{t: t, fail: map[string]func(http.ResponseWriter){}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c := newChannel(t, Config{AccessToken: "token-1", APIBase: srv.URL + "/", Template: template,
		HTTPClient: srv.Client(), Now: func() time.Time { return now }})
	return c, api
}

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func TestSendShapes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		config   string
		out      channels.Outgoing
		want     map[string]any
		mediaAPI bool
	}{
		{"text inside the window", "", channels.Outgoing{Account: pnid, To: "16505551234", Text: "ご注文は明日届きます 📦", LastInbound: now.Add(-23 * time.Hour)},
			map[string]any{"type": "text", "text": map[string]any{"preview_url": false, "body": "ご注文は明日届きます 📦"}}, false},
		{"configured template after the window", "order_update:ja", channels.Outgoing{Account: pnid, To: "+16505551234", Text: "late", LastInbound: now.Add(-25 * time.Hour)},
			map[string]any{"type": "template", "template": map[string]any{"name": "order_update", "language": map[string]any{"code": "ja"}}}, false},
		{"the reply's template wins", "order_update:ja", channels.Outgoing{Account: pnid, To: "16505551234", Text: "late", LastInbound: now.Add(-48 * time.Hour), Template: "follow_up"},
			map[string]any{"type": "template", "template": map[string]any{"name": "follow_up", "language": map[string]any{"code": "en_US"}}}, false},
		{"no customer message known", "hello_world", channels.Outgoing{Account: pnid, To: "16505551234", Text: "hi"},
			map[string]any{"type": "template", "template": map[string]any{"name": "hello_world", "language": map[string]any{"code": "en_US"}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, api := startAPI(t, tc.config)
			rc, err := c.Send(context.Background(), tc.out)
			if err != nil {
				t.Fatal(err)
			}
			if rc.MessageID != "wamid.SENT1" {
				t.Fatalf("receipt %+v", rc)
			}
			want := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234"}
			for k, v := range tc.want {
				want[k] = v
			}
			if !reflect.DeepEqual(api.requests[0], want) {
				t.Fatalf("request\n got %v\nwant %v", api.requests[0], want)
			}
		})
	}
}

func TestSendMedia(t *testing.T) {
	c, api := startAPI(t, "")
	out := channels.Outgoing{Account: pnid, To: "16505551234", LastInbound: now.Add(-time.Hour)}
	if _, err := c.SendMedia(context.Background(), out, "image", "1003383421387256", "領収書"); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234",
		"type": "image", "image": map[string]any{"id": "1003383421387256", "caption": "領収書"}}
	if !reflect.DeepEqual(api.requests[0], want) {
		t.Fatalf("request %v", api.requests[0])
	}
	if _, err := c.SendMedia(context.Background(), out, "hologram", "1", ""); err == nil {
		t.Fatal("an unknown media kind was sent")
	}
}

func TestSendRefusesWithoutCalling(t *testing.T) {
	c, api := startAPI(t, "")
	for _, tc := range []struct {
		name   string
		out    channels.Outgoing
		reason string
	}{
		{"window closed, no template", channels.Outgoing{Account: pnid, To: "1", Text: "hi", LastInbound: now.Add(-24 * time.Hour)}, "24-hour customer-service window has closed"},
		{"too long", channels.Outgoing{Account: pnid, To: "1", Text: strings.Repeat("ก", MaxText+1), LastInbound: now}, "4097 characters"},
		{"no account", channels.Outgoing{To: "1", Text: "hi", LastInbound: now}, "phone number id"},
		{"empty", channels.Outgoing{Account: pnid, To: "1", LastInbound: now}, "empty text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Send(context.Background(), tc.out)
			var se *channels.SendError
			if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, tc.reason) {
				t.Fatalf("Send = %v, want a permanent error with %q", err, tc.reason)
			}
		})
	}
	if len(api.requests) != 0 {
		t.Fatalf("%d requests reached the API", len(api.requests))
	}
	// Exactly the limit goes, in characters rather than bytes.
	if _, err := c.Send(context.Background(), channels.Outgoing{Account: pnid, To: "1", Text: strings.Repeat("한", MaxText), LastInbound: now}); err != nil {
		t.Fatal(err)
	}
	noToken := newChannel(t, Config{})
	if _, err := noToken.Send(context.Background(), channels.Outgoing{Account: pnid, To: "1", Text: "x", LastInbound: now}); err == nil || !strings.Contains(err.Error(), "MERIDIAN_WHATSAPP_ACCESS_TOKEN") {
		t.Fatalf("send without a token: %v", err)
	}
}

func TestSendErrors(t *testing.T) {
	graph := func(status int, header map[string]string, body string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	for _, tc := range []struct {
		name       string
		answer     func(w http.ResponseWriter)
		retryable  bool
		code       string
		reason     string
		retryAfter time.Duration
	}{
		{"re-engagement", graph(400, nil, `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"A"}}`),
			false, "131047", "(#131047) Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.", 0},
		{"recipient not on whatsapp", graph(400, nil, `{"error":{"message":"(#131026) Message Undeliverable.","type":"OAuthException","code":131026,"fbtrace_id":"B"}}`),
			false, "131026", "(#131026) Message Undeliverable.", 0},
		{"throughput", graph(400, nil, `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."}}}`),
			true, "130429", "(#130429) Rate limit hit: Cloud API message throughput has been reached.", 0},
		{"spam rate limit", graph(400, nil, `{"error":{"message":"(#131048) Spam rate limit hit","code":131048}}`), true, "131048", "(#131048) Spam rate limit hit", 0},
		{"429 retry-after", graph(429, map[string]string{"Retry-After": "7"}, `{"error":{"message":"(#80007) Rate limit issues","code":80007}}`), true, "80007", "(#80007) Rate limit issues", 7 * time.Second},
		{"503", graph(503, nil, `upstream connect error`), true, "", "graph api answered 503 Service Unavailable: upstream connect error", 0},
		{"unknown error", graph(500, nil, `{"error":{"message":"(#131000) Something went wrong","code":131000}}`), true, "131000", "(#131000) Something went wrong", 0},
		{"success without id", graph(200, nil, `{"messaging_product":"whatsapp","messages":[]}`), false, "", "named no message id", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, api := startAPI(t, "")
			api.fail["16505551234"] = tc.answer
			_, err := c.Send(context.Background(), channels.Outgoing{Account: pnid, To: "16505551234", Text: "hi", LastInbound: now})
			var se *channels.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send = %v, want a SendError", err)
			}
			if se.Retryable != tc.retryable || se.Code != tc.code || !strings.Contains(se.Reason, tc.reason) || se.RetryAfter != tc.retryAfter {
				t.Fatalf("got %+v", *se)
			}
		})
	}
}

func TestSendWrongTokenIsPermanent(t *testing.T) {
	c, _ := startAPI(t, "")
	c.cfg.AccessToken = "stale"
	_, err := c.Send(context.Background(), channels.Outgoing{Account: pnid, To: "1", Text: "hi", LastInbound: now})
	var se *channels.SendError
	if !errors.As(err, &se) || se.Retryable || se.Code != "190" || se.Status != 401 {
		t.Fatalf("Send = %#v", err)
	}
}

func TestSendInteractive(t *testing.T) {
	c, api := startAPI(t, "")
	out := channels.Outgoing{Account: pnid, To: "16505551234", Text: "¿Qué desea hacer con su pedido?", LastInbound: now.Add(-time.Hour)}
	if _, err := c.SendButtons(context.Background(), out, []Button{{ID: "track", Title: "Rastrear"}, {ID: "return", Title: "Devolver"}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234", "type": "interactive",
		"interactive": map[string]any{"type": "button", "body": map[string]any{"text": "¿Qué desea hacer con su pedido?"},
			"action": map[string]any{"buttons": []any{
				map[string]any{"type": "reply", "reply": map[string]any{"id": "track", "title": "Rastrear"}},
				map[string]any{"type": "reply", "reply": map[string]any{"id": "return", "title": "Devolver"}}}}}}
	if !reflect.DeepEqual(api.requests[0], want) {
		t.Fatalf("buttons request %v", api.requests[0])
	}
	if _, err := c.SendList(context.Background(), out, "Opciones", []ListRow{{ID: "a", Title: "Cambiar dirección", Description: "Antes del envío"}}); err != nil {
		t.Fatal(err)
	}
	list := api.requests[1]["interactive"].(map[string]any)
	if list["type"] != "list" || list["action"].(map[string]any)["button"] != "Opciones" {
		t.Fatalf("list request %v", api.requests[1])
	}
	for name, send := range map[string]func() error{
		"four buttons": func() error {
			_, err := c.SendButtons(context.Background(), out, []Button{{"a", "A"}, {"b", "B"}, {"c", "C"}, {"d", "D"}})
			return err
		},
		"long title": func() error {
			_, err := c.SendButtons(context.Background(), out, []Button{{"a", strings.Repeat("x", 21)}})
			return err
		},
		"window closed": func() error {
			closed := out
			closed.LastInbound = now.Add(-25 * time.Hour)
			_, err := c.SendButtons(context.Background(), closed, []Button{{"a", "A"}})
			return err
		},
		"eleven rows": func() error {
			_, err := c.SendList(context.Background(), out, "Ver", make([]ListRow, 11))
			return err
		},
	} {
		var se *channels.SendError
		if err := send(); !errors.As(err, &se) || se.Retryable {
			t.Errorf("%s: %v, want a permanent error", name, err)
		}
	}
	if len(api.requests) != 2 {
		t.Fatalf("%d requests reached the API, want 2", len(api.requests))
	}
}
