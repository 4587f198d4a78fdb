package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The web console is served at / and at its own paths (the same index.html, with its
// Content-Security-Policy), built or not; API paths and other methods keep the API's JSON 404.
func TestServeAnswersTheConsoleAndKeepsAPI404s(t *testing.T) {
	s := startServer(t, t.TempDir())
	get := func(method, path string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+s.addr+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	code, h, index := get("GET", "/")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(index, "<title>Meridian</title>") {
		t.Fatalf("GET /: %d %v %q", code, h, index)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "'unsafe-eval'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("GET /: CSP %q", csp)
	}
	if code, _, body := get("GET", "/conversations/c-1"); code != 200 || body != index {
		t.Errorf("GET /conversations/c-1: %d, not the console's index.html", code)
	}
	for _, c := range []struct{ method, path string }{{"POST", "/"}, {"GET", "/v1/nope"}, {"GET", "/graphql/nope"}, {"DELETE", "/inbox"}} {
		code, h, body := get(c.method, c.path)
		if code != 404 || h.Get("Content-Type") != "application/json" || !strings.Contains(body, "no such endpoint: "+c.path) {
			t.Errorf("%s %s: %d %s %q", c.method, c.path, code, h.Get("Content-Type"), body)
		}
	}
}
