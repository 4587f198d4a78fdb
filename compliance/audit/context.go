package audit

import (
	"context"
	"net"
	"net/http"
)

type remoteKey struct{}

// WithRemoteAddr returns ctx carrying the caller's address, which entries record as from.
func WithRemoteAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey{}, addr)
}

// RemoteAddr returns the caller's address in ctx, or "".
func RemoteAddr(ctx context.Context) string {
	a, _ := ctx.Value(remoteKey{}).(string)
	return a
}

// Middleware puts the request's remote address (its IP, without the port) in the context of
// the handlers after it. It is the peer of the connection: a proxy's forwarding headers can be
// set by anyone and are not trusted.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := r.RemoteAddr
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		next.ServeHTTP(w, r.WithContext(WithRemoteAddr(r.Context(), addr)))
	})
}
