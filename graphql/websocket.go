package graphql

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/meridian-cs/meridian/auth"
)

// The WebSocket (subscriptions): a client has websocketInitTimeout to send connection_init
// after the upgrade; clients of the older graphql-ws protocol get a keep-alive every
// websocketKeepAlive (graphql-transport-ws clients ping when they want to).
const (
	websocketInitTimeout = 10 * time.Second
	websocketKeepAlive   = 15 * time.Second
)

// Close codes of graphql-transport-ws.
const (
	closeForbidden     = 4403 // no key, or an unknown one
	closeInternalError = 4500 // the key could not be checked now
)

// upgradeAuthKey carries the upgrade request's Authorization header to websocketInit.
type upgradeAuthKey struct{}

// isWebsocket reports whether r asks to become a WebSocket.
func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// websocketInit authenticates a WebSocket by the bearer key of its upgrade request's
// Authorization header, else of its connection_init payload ({"Authorization": "Bearer
// KEY"}). Without a valid key the connection is closed with 4403 (Forbidden), as the
// graphql-transport-ws protocol has it.
func (cfg Config) websocketInit(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	refuse := func(code int, msg string) (context.Context, *transport.InitPayload, error) {
		return transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, msg), code), nil, errors.New(msg)
	}
	header, _ := ctx.Value(upgradeAuthKey{}).(string)
	key, ok := auth.BearerKey(header)
	if !ok {
		key, ok = auth.BearerKey(payload.Authorization())
	}
	if !ok {
		return refuse(closeForbidden, `unauthenticated: no API key (connection_init payload {"Authorization": "Bearer KEY"})`)
	}
	if cfg.Keys == nil {
		return refuse(closeForbidden, "forbidden: this server authenticates no WebSocket")
	}
	p, err := cfg.Keys.Authenticate(ctx, key)
	switch {
	case errors.Is(err, auth.ErrUnknownKey):
		return refuse(closeForbidden, "forbidden: invalid API key")
	case err != nil:
		cfg.Logger.WarnContext(ctx, "graphql: websocket key check", "err", err)
		return refuse(closeInternalError, "cannot check the API key now; retry")
	}
	return auth.WithPrincipal(ctx, p), nil, nil
}
