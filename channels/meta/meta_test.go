package meta

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

func TestSignMatchesTheKnownVector(t *testing.T) {
	// HMAC-SHA256("It's a Secret to Everybody", "Hello, World!"): GitHub documents this vector
	// for the same sha256=<hex> header scheme.
	got := Sign("It's a Secret to Everybody", []byte("Hello, World!"))
	want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"object":"page","entry":[]}`)
	good := Sign("s3cret", body)
	for _, tc := range []struct {
		name, secret, header string
		ok                   bool
	}{
		{"good", "s3cret", good, true},
		{"missing", "s3cret", "", false},
		{"wrong secret", "other", good, false},
		{"sha1 prefix", "s3cret", "sha1=" + strings.TrimPrefix(good, "sha256="), false},
		{"not hex", "s3cret", "sha256=zz", false},
		{"truncated", "s3cret", good[:len(good)-2], false},
		{"upper-case hex", "s3cret", "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), true},
		{"no secret configured", "", Sign("", body), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/webhooks/messenger", nil)
			if tc.header != "" {
				r.Header.Set(SignatureHeader, tc.header)
			}
			err := Verify(tc.secret, r, body)
			if tc.ok && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !tc.ok && !errors.Is(err, channels.ErrSignature) {
				t.Fatalf("Verify = %v, want ErrSignature", err)
			}
		})
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set(SignatureHeader, good)
	if err := Verify("s3cret", r, append(body, ' ')); !errors.Is(err, channels.ErrSignature) {
		t.Fatalf("a changed body verified: %v", err)
	}
}

func TestHandshake(t *testing.T) {
	for _, tc := range []struct {
		name, token, query string
		code               int
		body               string
	}{
		{"answers the challenge", "tok", "hub.mode=subscribe&hub.verify_token=tok&hub.challenge=1158201444", 200, "1158201444"},
		{"wrong token", "tok", "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", 403, ""},
		{"missing token", "tok", "hub.mode=subscribe&hub.challenge=1", 403, ""},
		{"wrong mode", "tok", "hub.mode=unsubscribe&hub.verify_token=tok&hub.challenge=1", 403, ""},
		{"no token configured", "", "hub.mode=subscribe&hub.verify_token=&hub.challenge=1", 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			Handshake(w, httptest.NewRequest(http.MethodGet, "/webhooks/whatsapp?"+tc.query, nil), tc.token)
			if w.Code != tc.code {
				t.Fatalf("code %d, want %d", w.Code, tc.code)
			}
			if tc.code == 200 {
				if w.Body.String() != tc.body || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
					t.Fatalf("answer %q (%s), want %q as text/plain", w.Body, w.Header().Get("Content-Type"), tc.body)
				}
				return
			}
			var e struct{ Error string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("403 body %q is not a JSON error", w.Body)
			}
		})
	}
}

func TestReadError(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     http.Header
		body       string
		retryable  bool
		code       string
		reason     string
		retryAfter time.Duration
	}{
		{"re-engagement is permanent", 400, nil,
			`{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"AbC"}}`,
			false, "131047", "(#131047) Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.", 0},
		{"cloud api throughput", 400, nil,
			`{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},"fbtrace_id":"x"}}`,
			true, "130429", "(#130429) Rate limit hit: Cloud API message throughput has been reached.", 0},
		{"pair rate limit", 400, nil, `{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","code":131056}}`,
			true, "131056", "(#131056) (Business Account, Consumer Account) pair rate limit hit", 0},
		{"app throttling with usage header", 403,
			http.Header{"X-Business-Use-Case-Usage": {`{"112233":[{"type":"messenger","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":5}]}`}},
			`{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true,"fbtrace_id":"y"}}`,
			true, "4", "(#4) Application request limit reached", 5 * time.Minute},
		{"messenger outside window", 400, nil,
			`{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":"z"}}`,
			false, "10/2018278", "(#10) This message is sent outside of allowed window.", 0},
		{"expired token", 401, nil, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}`,
			false, "190/463", "Error validating access token: Session has expired", 0},
		{"transient flag", 400, nil, `{"error":{"message":"temporary","code":9999,"is_transient":true}}`, true, "9999", "temporary", 0},
		{"429 with retry-after", 429, http.Header{"Retry-After": {"30"}}, `{"error":{"message":"slow down","code":80007}}`, true, "80007", "slow down", 30 * time.Second},
		{"502 html", 502, nil, `<html>Bad Gateway</html>`, true, "", "graph api answered 502 Bad Gateway: <html>Bad Gateway</html>", 0},
		{"500 graph error", 500, nil, `{"error":{"message":"An unknown error occurred","type":"OAuthException","code":1}}`, true, "1", "An unknown error occurred", 0},
		{"400 not json", 400, nil, `nope`, false, "", "graph api answered 400 Bad Request: nope", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			se := ReadError(tc.status, h, []byte(tc.body))
			if se.Retryable != tc.retryable || se.Code != tc.code || se.Reason != tc.reason || se.RetryAfter != tc.retryAfter || se.Status != tc.status {
				t.Fatalf("got %+v\nwant retryable=%v code=%q reason=%q retryAfter=%v", *se, tc.retryable, tc.code, tc.reason, tc.retryAfter)
			}
		})
	}
}

func TestPost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" || r.URL.Query().Has("access_token") {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":{"message":"Invalid OAuth access token.","code":190}}`))
			return
		}
		if r.URL.Path == "/garbled" {
			_, _ = w.Write([]byte(`not json`))
			return
		}
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	var out struct{ A string }
	if err := Post(context.Background(), srv.Client(), srv.URL+"/ok", "tok", map[string]string{"a": "b"}, &out); err != nil || out.A != "b" {
		t.Fatalf("Post = %v, %+v", err, out)
	}
	err := Post(context.Background(), srv.Client(), srv.URL+"/ok", "bad", nil, &out)
	var se *channels.SendError
	if !errors.As(err, &se) || se.Retryable || se.Code != "190" {
		t.Fatalf("bad token: %v", err)
	}
	// Sent but unreadable: not retried, which could send twice.
	if err := Post(context.Background(), srv.Client(), srv.URL+"/garbled", "tok", nil, &out); !errors.As(err, &se) || se.Retryable {
		t.Fatalf("garbled answer: %v", err)
	}
	srv.Close()
	err = Post(context.Background(), srv.Client(), srv.URL+"/ok", "tok", nil, &out)
	if ok, _ := channels.Retryable(err); !ok || errors.As(err, &se) {
		t.Fatalf("unreachable server: %v should be retryable and no SendError", err)
	}
}

func TestEventIDIsStable(t *testing.T) {
	a := EventID("x", []byte(`{"a":1}`))
	if a != EventID("x", []byte(`{"a":1}`)) || a == EventID("x", []byte(`{"a":2}`)) || !strings.HasPrefix(a, "x:") {
		t.Fatalf("EventID %q", a)
	}
}
