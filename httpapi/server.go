package httpapi

import (
	"net/http"
	"time"
)

// Timeouts bound how long a client may hold a connection without making progress.
type Timeouts struct {
	// Read bounds reading one request, headers and body: a body that never finishes is cut
	// off and its connection closed.
	Read time.Duration
	// Idle bounds how long a kept-alive connection waits for its next request.
	Idle time.Duration
}

// maxHeaderWait bounds reading the request line and headers, which honest clients send at once.
const maxHeaderWait = 10 * time.Second

// NewServer returns the HTTP server of Meridian's API with t's timeouts. There is no write
// timeout: the answer of a GraphQL query may take as long as its query timeout, and the
// handlers bound their own work.
func NewServer(h http.Handler, t Timeouts) *http.Server {
	header := maxHeaderWait
	if t.Read > 0 && t.Read < header {
		header = t.Read
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: header,
		ReadTimeout:       t.Read,
		IdleTimeout:       t.Idle,
	}
}
