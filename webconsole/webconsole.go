// Package webconsole serves Meridian's web console: the single-page application built with
// npm from console/ (scripts/build-console.sh, run by scripts/setup.sh) into dist/, which the
// binary embeds, so the console works with no internet. A checkout that has not built it has
// only dist/NOT_BUILT.txt; the binary still builds and its console page says to run setup.
package webconsole

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/httpapi"
)

//go:embed dist
var embedded embed.FS

// CSP lets the console load only this server's files and talk only to this server (its
// GraphQL endpoint, over HTTP and WebSocket). No inline or evaluated script; inline styles
// are allowed because the component library sets style attributes and CSS variables at run
// time. Fonts and icons are the build's own files.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'"

const notBuiltPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Meridian</title></head>
<body>
<h1>Meridian</h1>
<p>The web console's files are not in this binary: run scripts/setup.sh (it builds them with npm) and build meridian again.</p>
<p>The GraphQL API is at <a href="/graphql">/graphql</a>.</p>
</body>
</html>
`

// Handler serves the console: a file of the build when the path names one (the hashed
// files under /assets/ may be cached for a year), else index.html, so that the console's
// own paths (/inbox, /conversations/ID) load the application, which routes them. Only GET
// and HEAD; other methods get 405.
func Handler() http.Handler {
	return handler(embedded)
}

func handler(files fs.FS) http.Handler {
	dist, err := fs.Sub(files, "dist")
	if err != nil {
		panic(err) // a fixed embed directory: cannot fail
	}
	index, err := fs.ReadFile(dist, "index.html")
	built := err == nil
	if !built {
		index = []byte(notBuiltPage)
	}
	fileServer := http.FileServerFS(dist)
	gz := &compressed{files: map[string][]byte{}}
	return httpapi.HTMLPage(CSP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httpapi.WriteError(w, http.StatusMethodNotAllowed, "the console answers GET and HEAD only")
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if built && name != "" && name != "index.html" {
			if st, err := fs.Stat(dist, name); err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					// Their names carry a hash of their content.
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				if z, ok := gz.get(dist, name); ok && acceptsGzip(r) {
					w.Header().Set("Content-Encoding", "gzip")
					w.Header().Add("Vary", "Accept-Encoding")
					http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(z))
					return
				}
				fileServer.ServeHTTP(w, r)
				return
			}
			if path.Ext(name) != "" {
				// A missing file, not a page of the application.
				httpapi.WriteError(w, http.StatusNotFound, "no such file: /"+name)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(index)
	}))
}

// Built reports whether the npm build is embedded (false: the placeholder page is served).
func Built() bool {
	_, err := fs.Stat(embedded, "dist/index.html")
	return err == nil
}

// compressed keeps the gzip of each text file of the build, made on its first request: the
// files never change while the binary runs, and the scripts shrink to about a third.
type compressed struct {
	mu    sync.Mutex
	files map[string][]byte // nil: not worth compressing
}

func (c *compressed) get(dist fs.FS, name string) ([]byte, bool) {
	switch path.Ext(name) {
	case ".js", ".css", ".svg", ".json", ".txt", ".map":
	default:
		return nil, false // fonts and images are compressed already
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if z, ok := c.files[name]; ok {
		return z, z != nil
	}
	raw, err := fs.ReadFile(dist, name)
	if err != nil {
		return nil, false
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	var z []byte
	if b.Len() < len(raw) {
		z = b.Bytes()
	}
	c.files[name] = z
	return z, z != nil
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}
