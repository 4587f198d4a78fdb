package webconsole

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

func TestServesTheBuildWithFallbackToIndex(t *testing.T) {
	files := fstest.MapFS{
		"dist/index.html":           {Data: []byte("<!doctype html><title>console</title>")},
		"dist/assets/index-abc.js":  {Data: []byte("console.log(1)")},
		"dist/NOT_BUILT.txt":        {Data: []byte("placeholder")},
		"dist/assets/inter.woff2":   {Data: []byte("font")},
		"dist/assets/sub/chunk.css": {Data: []byte("a{}")},
	}
	h := handler(files)
	for _, path := range []string{"/", "/inbox", "/conversations/c-1", "/index.html"} {
		w := get(t, h, "GET", path)
		if w.Code != 200 || w.Body.String() != "<!doctype html><title>console</title>" {
			t.Errorf("GET %s: %d %q, want index.html", path, w.Code, w.Body.String())
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", path, w.Header().Get("Cache-Control"))
		}
	}
	w := get(t, h, "GET", "/assets/index-abc.js")
	if w.Code != 200 || w.Body.String() != "console.log(1)" || !strings.Contains(w.Header().Get("Content-Type"), "javascript") ||
		w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("asset: %d %q %v", w.Code, w.Body.String(), w.Header())
	}
	if w := get(t, h, "GET", "/assets/missing-123.js"); w.Code != 404 || !strings.Contains(w.Body.String(), "no such file") {
		t.Errorf("missing asset: %d %q", w.Code, w.Body.String())
	}
	if w := get(t, h, "GET", "/assets/"); w.Code != 200 || !strings.Contains(w.Body.String(), "<title>console") {
		t.Errorf("a directory is no listing: %d %q", w.Code, w.Body.String())
	}
	if w := get(t, h, "POST", "/inbox"); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %v", w.Code, w.Header())
	}
	if w := get(t, h, "HEAD", "/inbox"); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD: %d %d bytes", w.Code, w.Body.Len())
	}
}

func TestWithoutTheBuildSaysToRunSetup(t *testing.T) {
	h := handler(fstest.MapFS{"dist/NOT_BUILT.txt": {Data: []byte("placeholder")}})
	for _, path := range []string{"/", "/inbox", "/assets/index.js"} {
		w := get(t, h, "GET", path)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "run scripts/setup.sh") {
			t.Errorf("GET %s: %d %q", path, w.Code, w.Body.String())
		}
	}
}

func TestCompressesTextFilesForClientsThatAcceptGzip(t *testing.T) {
	script := strings.Repeat("export const x = 'meridian';\n", 200)
	h := handler(fstest.MapFS{
		"dist/index.html":          {Data: []byte("<!doctype html>")},
		"dist/assets/index-abc.js": {Data: []byte(script)},
		"dist/assets/font.woff2":   {Data: []byte(strings.Repeat("f", 4000))},
	})
	for _, accept := range []string{"gzip, deflate, br", "br;q=1.0, gzip;q=0.8"} {
		req := httptest.NewRequest("GET", "/assets/index-abc.js", nil)
		req.Header.Set("Accept-Encoding", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("Vary") != "Accept-Encoding" ||
			!strings.Contains(w.Header().Get("Content-Type"), "javascript") || w.Body.Len() >= len(script)/4 {
			t.Fatalf("%q: %d %v, %d bytes", accept, w.Code, w.Header(), w.Body.Len())
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(zr); string(got) != script {
			t.Errorf("%q: the gzip does not hold the script", accept)
		}
	}
	for _, accept := range []string{"", "br", "gzip;q=0"} {
		req := httptest.NewRequest("GET", "/assets/index-abc.js", nil)
		req.Header.Set("Accept-Encoding", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Header().Get("Content-Encoding") != "" || w.Body.String() != script {
			t.Errorf("Accept-Encoding %q: %v, %d bytes", accept, w.Header(), w.Body.Len())
		}
	}
	req := httptest.NewRequest("GET", "/assets/font.woff2", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Header().Get("Content-Encoding") != "" || w.Body.Len() != 4000 {
		t.Errorf("a font: %v, %d bytes", w.Header(), w.Body.Len())
	}
}
