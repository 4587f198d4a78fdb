package httpapi

import "net/http"

// APIContentSecurityPolicy is the policy of every answer that does not set its own: an API
// answer is never a page, so it may load nothing and be framed by nobody.
const APIContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// SecureHeaders sets the headers every answer carries. API answers are per key and may hold
// personal data, so nothing may cache them (no-store), browsers may not guess a type other
// than the declared one (nosniff), and no URL leaks to other sites (no-referrer). Pages that
// load scripts replace the Content-Security-Policy with their own (see HTMLPage).
func SecureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", APIContentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// HTMLPage serves an HTML page under csp, which must say what the page loads; the page may
// not be framed (X-Frame-Options for browsers that ignore frame-ancestors).
func HTMLPage(csp string, next http.Handler) http.Handler {
	csp += "; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
