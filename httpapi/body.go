package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// MaxBodyBytes is the largest request body any endpoint reads: a batch of events, or a GraphQL
// query with its variables (whose largest real form, a staffing plan of 5,952 intervals, is
// ~100 KB; the operation limits, not the body's size, bound a query's work).
const MaxBodyBytes = 8 << 20

// ReadBody reads r's body, at most limit bytes (an *http.MaxBytesError beyond). With a
// Content-Length (what clients send) the buffer is allocated once at that size: io.ReadAll
// grows it from 512 bytes, which cost a 500-event request ten allocations and copies of its body.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(nil, r.Body, limit)
	n := r.ContentLength
	if n <= 0 || n > limit {
		return io.ReadAll(body)
	}
	buf := make([]byte, 0, n+1) // +1: room for the read that finds the end
	for {
		k, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 512)
		}
	}
}

// TooLarge is the message of a 413 answer.
func TooLarge(limit int64) string {
	return fmt.Sprintf("body is larger than %d bytes", limit)
}

// LimitBody reads the request body, at most limit bytes, before next runs: a larger body is
// answered 413 (at once when its Content-Length says so, without reading it), so a handler
// that reads its body whole never holds more than limit bytes of it.
func LimitBody(limit int64, onError ErrorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			onError(w, http.StatusRequestEntityTooLarge, TooLarge(limit))
			return
		}
		body, err := ReadBody(r, limit)
		if err != nil {
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				onError(w, http.StatusRequestEntityTooLarge, TooLarge(limit))
				return
			}
			onError(w, http.StatusBadRequest, "reading body: "+err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}
