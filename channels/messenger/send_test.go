package messenger

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

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// sendAPI is a local Send API: POST /v21.0/me/messages with the token as a bearer, the
// documented body, answered with recipient_id and message_id or the queued error.
type sendAPI struct {
	token    string
	mu       sync.Mutex
	requests []map[string]any
	answer   func(w http.ResponseWriter)
}

func (a *sendAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	graphError := func(status, code int, msg string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"OAuthException","code":%d,"fbtrace_id":"Ax"}}`, msg, code)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v21.0/me/messages" {
		graphError(400, 100, "Unsupported post request")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+a.token {
		graphError(400, 190, "Invalid OAuth access token.")
		return
	}
	b, _ := io.ReadAll(r.Body)
	var req map[string]any
	if json.Unmarshal(b, &req) != nil || req["recipient"] == nil || req["messaging_type"] == nil {
		graphError(400, 100, "(#100) param recipient must be non-empty.")
		return
	}
	a.mu.Lock()
	a.requests = append(a.requests, req)
	n := len(a.requests)
	a.mu.Unlock()
	if a.answer != nil {
		a.answer(w)
		return
	}
	to := req["recipient"].(map[string]any)["id"]
	fmt.Fprintf(w, `{"recipient_id":%q,"message_id":"m_sent_%d"}`, to, n)
}

func start(t *testing.T, instagram bool) (*Channel, *sendAPI) {
	api := &sendAPI{token: "page-token"}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	cfg := Config{AccessToken: "page-token", APIBase: srv.URL, HTTPClient: srv.Client(), Now: func() time.Time { return now }}
	if instagram {
		return newInstagram(t, cfg), api
	}
	return newMessenger(t, cfg), api
}

func TestSendShapes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		instagram bool
		out       channels.Outgoing
		want      map[string]any
	}{
		{"response inside 24 hours", false, channels.Outgoing{Account: pageID, To: psid, Text: "مرحبا! طلبك في الطريق", LastInbound: now.Add(-time.Hour)},
			map[string]any{"messaging_type": "RESPONSE"}},
		{"human agent tag after 24 hours", false, channels.Outgoing{Account: pageID, To: psid, Text: "مرحبا! طلبك في الطريق", LastInbound: now.Add(-3 * 24 * time.Hour)},
			map[string]any{"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}},
		{"another tag has no 7-day limit", false, channels.Outgoing{Account: pageID, To: psid, Text: "مرحبا! طلبك في الطريق", LastInbound: now.Add(-30 * 24 * time.Hour), Template: "POST_PURCHASE_UPDATE"},
			map[string]any{"messaging_type": "MESSAGE_TAG", "tag": "POST_PURCHASE_UPDATE"}},
		{"instagram response", true, channels.Outgoing{Account: igID, To: psid, Text: "مرحبا! طلبك في الطريق", LastInbound: now.Add(-time.Minute)},
			map[string]any{"messaging_type": "RESPONSE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, api := start(t, tc.instagram)
			rc, err := c.Send(context.Background(), tc.out)
			if err != nil {
				t.Fatal(err)
			}
			if rc.MessageID != "m_sent_1" {
				t.Fatalf("receipt %+v", rc)
			}
			want := map[string]any{"recipient": map[string]any{"id": psid}, "message": map[string]any{"text": "مرحبا! طلبك في الطريق"}}
			for k, v := range tc.want {
				want[k] = v
			}
			if !reflect.DeepEqual(api.requests[0], want) {
				t.Fatalf("request\n got %v\nwant %v", api.requests[0], want)
			}
		})
	}
}

func TestSendRefusesWithoutCalling(t *testing.T) {
	for _, tc := range []struct {
		name      string
		instagram bool
		out       channels.Outgoing
		reason    string
	}{
		{"human agent window closed", false, channels.Outgoing{To: psid, Text: "hi", LastInbound: now.Add(-8 * 24 * time.Hour)}, "7-day human agent window has closed"},
		{"no inbound known", false, channels.Outgoing{To: psid, Text: "hi"}, "no customer message is known"},
		{"messenger too long", false, channels.Outgoing{To: psid, Text: strings.Repeat("字", 2001), LastInbound: now}, "2001 characters"},
		{"instagram too long in bytes", true, channels.Outgoing{To: psid, Text: strings.Repeat("字", 334), LastInbound: now}, "1002 bytes"},
		{"no recipient", false, channels.Outgoing{Text: "hi", LastInbound: now}, "recipient"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, api := start(t, tc.instagram)
			_, err := c.Send(context.Background(), tc.out)
			var se *channels.SendError
			if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, tc.reason) {
				t.Fatalf("Send = %v, want a permanent error with %q", err, tc.reason)
			}
			if len(api.requests) != 0 {
				t.Fatal("the request reached the API")
			}
		})
	}
	c, _ := start(t, false)
	if _, err := c.Send(context.Background(), channels.Outgoing{To: psid, Text: strings.Repeat("字", 2000), LastInbound: now}); err != nil {
		t.Fatalf("2,000 characters: %v", err)
	}
	ig := newInstagram(t, Config{})
	if _, err := ig.Send(context.Background(), channels.Outgoing{To: psid, Text: "x", LastInbound: now}); err == nil || !strings.Contains(err.Error(), "MERIDIAN_INSTAGRAM_ACCESS_TOKEN") {
		t.Fatalf("instagram without a token: %v", err)
	}
}

func TestSendErrors(t *testing.T) {
	answer := func(status int, header map[string]string, body string) func(w http.ResponseWriter) {
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
		{"outside the allowed window", answer(400, nil, `{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":"A"}}`),
			false, "10/2018278", "(#10) This message is sent outside of allowed window.", 0},
		{"person unavailable", answer(400, nil, `{"error":{"message":"(#551) This person isn't available right now.","type":"OAuthException","code":551,"error_subcode":1545041}}`),
			false, "551/1545041", "(#551) This person isn't available right now.", 0},
		{"temporary send failure", answer(500, nil, `{"error":{"message":"(#1200) Temporary send message failure. Please try again later","type":"OAuthException","code":1200}}`),
			true, "1200", "(#1200) Temporary send message failure. Please try again later", 0},
		{"page throttled", answer(400, map[string]string{"X-Business-Use-Case-Usage": `{"1234567890":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":3}]}`},
			`{"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32,"fbtrace_id":"B"}}`),
			true, "32", "(#32) Page request limit reached", 3 * time.Minute},
		{"429", answer(429, map[string]string{"Retry-After": "12"}, `{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","code":613}}`),
			true, "613", "(#613) Calls to this api have exceeded the rate limit.", 12 * time.Second},
		{"bad gateway", answer(502, nil, ``), true, "", "graph api answered 502 Bad Gateway", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, api := start(t, false)
			api.answer = tc.answer
			_, err := c.Send(context.Background(), channels.Outgoing{To: psid, Text: "hi", LastInbound: now})
			var se *channels.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send = %v", err)
			}
			if se.Retryable != tc.retryable || se.Code != tc.code || se.Reason != tc.reason || se.RetryAfter != tc.retryAfter {
				t.Fatalf("got %+v", *se)
			}
		})
	}
}
