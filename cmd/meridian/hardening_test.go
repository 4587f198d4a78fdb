package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestServeProtectsItsEndpoints runs the binary with short limits and checks what every
// endpoint shares: security headers, body limits, rate limits per key, cut-off slow bodies,
// and the GraphQL operation limits behind any valid key.
func TestServeProtectsItsEndpoints(t *testing.T) {
	const (
		throttledKey = "throttled-key-0123"
		ingestKey    = "ingest-only-key-0123"
		slowKey      = "slow-client-key-0123"
	)
	s := startServer(t, t.TempDir(),
		"MERIDIAN_API_KEYS="+testKey+","+throttledKey+","+ingestKey+":ingest,"+slowKey,
		"MERIDIAN_READ_TIMEOUT=1s",
		"MERIDIAN_GRAPHQL_RATE=1", "MERIDIAN_GRAPHQL_BURST=2",
		"MERIDIAN_INGEST_RATE=1", "MERIDIAN_INGEST_BURST=1",
	)
	base := "http://" + s.addr
	do := func(t *testing.T, method, path, key, accept, body string) *http.Response {
		t.Helper()
		resp := s.request(t, method, path, key, accept, body)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	t.Run("security headers on API answers and the playground", func(t *testing.T) {
		// API answers are never cached; the console's pages (any other GET, /nowhere among
		// them) are revalidated on every load.
		for path, cache := range map[string]string{"/healthz": "no-store", "/graphql": "no-store", "/v1/events": "no-store", "/v1/nowhere": "no-store", "/nowhere": "no-cache"} {
			h := do(t, http.MethodGet, path, "", "", "").Header
			for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": cache, "X-Frame-Options": "DENY"} {
				if got := h.Get(k); got != want {
					t.Errorf("GET %s: %s %q, want %q", path, k, got, want)
				}
			}
		}
		resp := do(t, http.MethodGet, "/graphql", "", "text/html", "")
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("playground CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "http") {
			t.Errorf("playground CSP %q allows another origin", csp)
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Frame-Options") != "DENY" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("playground: %d %v", resp.StatusCode, resp.Header)
		}
	})

	t.Run("a GraphQL body over 8 MiB is refused with 413, like an events body", func(t *testing.T) {
		body := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 9<<20) + `"}}`
		resp := do(t, http.MethodPost, "/graphql", testKey, "", body)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), `{"errors":[{"message":"body is larger than 8388608 bytes"}]}`) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})

	t.Run("nested fragments are refused for any key, at once", func(t *testing.T) {
		var doc strings.Builder
		doc.WriteString("query { ...F0 } ")
		for i := range 40 {
			fmt.Fprintf(&doc, "fragment F%d on Query { ...F%d ...F%d } ", i, i+1, i+1)
		}
		doc.WriteString("fragment F40 on Query { __typename }")
		q, _ := json.Marshal(doc.String())
		client := &http.Client{Timeout: 10 * time.Second} // the old server never answered
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":`+string(q)+`}`))
		req.Header.Set("Authorization", "Bearer "+ingestKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), "fields once its fragments are expanded") {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})

	t.Run("rate limits per key: 429 with Retry-After, other keys unaffected", func(t *testing.T) {
		// Burst 2 at 1 request/s: of ten requests in a row, the third or a later one is refused.
		var refused *http.Response
		for range 10 {
			resp := do(t, http.MethodPost, "/graphql", throttledKey, "", `{"query":"{ __typename }"}`)
			if resp.StatusCode == http.StatusTooManyRequests {
				refused = resp
				break
			}
		}
		if refused == nil {
			t.Fatal("ten GraphQL requests at 1 request/s burst 2: none refused")
		}
		b, _ := io.ReadAll(refused.Body)
		if ra, err := strconv.Atoi(refused.Header.Get("Retry-After")); err != nil || ra < 1 || !strings.Contains(string(b), `"errors":[{"message":"rate limit of this API key exceeded`) {
			t.Fatalf("429 with Retry-After %q and body %s", refused.Header.Get("Retry-After"), b)
		}
		if resp := do(t, http.MethodPost, "/graphql", testKey, "", `{"query":"{ __typename }"}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("another key's request: %d", resp.StatusCode)
		}
		// Ingest has its own limit, in requests: burst 1 at 1/s.
		var codes []int
		for range 5 {
			resp := do(t, http.MethodPost, "/v1/events", ingestKey, "", contractBody)
			codes = append(codes, resp.StatusCode)
			if resp.StatusCode == http.StatusTooManyRequests {
				b, _ := io.ReadAll(resp.Body)
				if resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), `{"error":"rate limit of this API key exceeded`) {
					t.Fatalf("ingest 429: Retry-After %q, body %s", resp.Header.Get("Retry-After"), b)
				}
				return
			}
		}
		t.Fatalf("five ingest requests at 1 request/s burst 1: %v, none refused", codes)
	})

	t.Run("a body that never finishes is cut off after the read timeout", func(t *testing.T) {
		for _, path := range []string{"/v1/events", "/graphql"} {
			conn, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{\"id\":", path, s.addr, slowKey)
			// The read timeout is 1 s; 5 s is the bound of this test, not of the server.
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = io.Copy(io.Discard, bufio.NewReader(conn))
			if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("%s: the connection of a half-sent body is still open after 5 s", path)
			}
		}
	})
}
