package postgres

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// PublicError restates err, from pinging or querying PostgreSQL, in words that can be shown
// outside (on /readyz): pgx's connection errors name the host or socket path and the user,
// e.g. "failed to connect to `host=/tmp/... user=postgres database=meridian`", which callers
// have no business seeing. The full error belongs in the server's log. nil stays nil.
func PublicError(err error) error {
	if err == nil {
		return nil
	}
	return errors.New("postgres: " + reason(err))
}

func reason(err error) string {
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case errors.Is(err, context.Canceled):
		return "check cancelled"
	case errors.As(err, &pgErr):
		// The SQLSTATE says what happened; the server's message may name roles and databases.
		switch pgErr.Code {
		case "57P03":
			return "the server is starting up or shutting down (57P03)"
		case "57P01", "57P02":
			return "the server is shutting down (" + pgErr.Code + ")"
		case "53300":
			return "too many connections (53300)"
		case "28000", "28P01":
			return "authentication failed (" + pgErr.Code + ")"
		case "3D000":
			return "the database does not exist (3D000)"
		}
		return "server error " + pgErr.Code
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOENT):
		return "the server is not running (no socket)"
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return "connection timed out"
	}
	var cerr *pgconn.ConnectError
	if errors.As(err, &cerr) {
		return "cannot connect"
	}
	return "unavailable"
}
