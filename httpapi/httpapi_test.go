package httpapi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestWriteErrorWritesTheRESTErrorShape(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, http.StatusNotFound, `no such endpoint: /x"`)
	if w.Code != 404 || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != `{"error":"no such endpoint: /x\""}`+"\n" {
		t.Fatalf("%d %v %q", w.Code, w.Header(), w.Body.String())
	}
}

// unread fails the test if the body is read.
type unread struct{ t *testing.T }

func (u unread) Read([]byte) (int, error) {
	u.t.Error("the body of a request announced too large was read")
	return 0, io.EOF
}

func TestLimitBodyAnswers413BeyondTheLimit(t *testing.T) {
	var got []byte
	h := LimitBody(10, WriteError, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	tests := []struct {
		name   string
		body   io.Reader
		length int64
		status int
	}{
		{"announced too large: refused unread", unread{t}, 11, 413},
		{"chunked too large", strings.NewReader("0123456789x"), -1, 413},
		{"chunked at the limit", strings.NewReader("0123456789"), -1, 204},
		{"announced at the limit", strings.NewReader("0123456789"), 10, 204},
		{"empty", http.NoBody, 0, 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			r := httptest.NewRequest(http.MethodPost, "/graphql", io.NopCloser(tt.body))
			r.ContentLength = tt.length
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (%s)", w.Code, tt.status, w.Body.String())
			}
			if tt.status == 413 && w.Body.String() != `{"error":"body is larger than 10 bytes"}`+"\n" {
				t.Fatalf("413 body %q", w.Body.String())
			}
			if tt.status == 204 && tt.length != 0 && string(got) != "0123456789" {
				t.Fatalf("the handler read %q", got)
			}
		})
	}
}

func TestRateLimitIsPerKeyWithRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	l := NewRateLimiter(Rate{PerSecond: 0.5, Burst: 2})
	l.now = func() time.Time { return now }
	h := l.Middleware(func(r *http.Request) string { return r.Header.Get("Key") }, WriteError,
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	call := func(key string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1/events", nil)
		r.Header.Set("Key", key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 2 {
		if w := call("a"); w.Code != 204 {
			t.Fatalf("request %d within the burst: %d", i, w.Code)
		}
	}
	w := call("a")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "2" ||
		w.Body.String() != `{"error":"rate limit of this API key exceeded (0.5 requests/s, bursts of 2); retry after 2 s"}`+"\n" {
		t.Fatalf("over the burst: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body.String())
	}
	// Refusals take no token: retrying early does not push the key further back.
	call("a")
	if w := call("b"); w.Code != 204 {
		t.Fatalf("another key: %d", w.Code)
	}
	now = now.Add(2 * time.Second)
	if w := call("a"); w.Code != 204 {
		t.Fatalf("after Retry-After: %d", w.Code)
	}
	if w := call("a"); w.Code != http.StatusTooManyRequests {
		t.Fatalf("one token back after 2 s at 0.5/s, the next request: %d", w.Code)
	}
	// Idle keys are forgotten once their bucket would be full again.
	now = now.Add(time.Hour)
	call("c")
	if n := len(l.buckets); n != 1 {
		t.Fatalf("%d buckets after an hour, want only c's", n)
	}
}

func TestAnOffRateLimitsNothing(t *testing.T) {
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	h := NewRateLimiter(Rate{}).Middleware(func(*http.Request) string { return "k" }, WriteError, next)
	for range 1000 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	api := SecureHeaders(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { WriteJSON(w, 200, "ok") }))
	page := SecureHeaders(HTMLPage("default-src 'none'; script-src https://cdn.example/x.js", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})))
	for name, c := range map[string]struct {
		h   http.Handler
		csp string
	}{
		"API answer": {api, "default-src 'none'; frame-ancestors 'none'"},
		"page":       {page, "default-src 'none'; script-src https://cdn.example/x.js; frame-ancestors 'none'"},
	} {
		w := httptest.NewRecorder()
		c.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		want := map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
			"X-Frame-Options": "DENY", "Content-Security-Policy": c.csp}
		for k, v := range want {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s: %s %q, want %q", name, k, got, v)
			}
		}
	}
}

func TestTheServerCutsOffABodyThatNeverFinishes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			WriteError(w, http.StatusBadRequest, "reading body: "+err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}), Timeouts{Read: 200 * time.Millisecond, Idle: time.Second})
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	resp, err := http.Post("http://"+ln.Addr().String(), "application/json", strings.NewReader("[]"))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("a whole body: %v %v", resp, err)
	}
	resp.Body.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[{")
	// The bound of this test, far above the server's 200 ms.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(bufio.NewReader(conn))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the connection is still open after 5 s (read %q)", b)
	}
	if !strings.Contains(string(b), "400 Bad Request") || !strings.Contains(string(b), "timeout") {
		t.Fatalf("answer %q", b)
	}
}
