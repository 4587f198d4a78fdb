package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/store/postgres"
)

// pgx's connection errors name the socket path and the user; what /readyz shows must not.
func TestPublicErrorNamesNoPathOrUser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := pgx.Connect(ctx, "host=/nonexistent/meridian-socket-dir port=5432 user=secret_role dbname=meridian sslmode=disable")
	if err == nil {
		t.Fatal("connected to a socket that does not exist")
	}
	if !strings.Contains(err.Error(), "/nonexistent/meridian-socket-dir") {
		t.Fatalf("pgx's error no longer names the socket (the test needs another example): %v", err)
	}
	got := postgres.PublicError(err).Error()
	if strings.Contains(got, "/") || strings.Contains(got, "secret_role") || !strings.Contains(got, "not running") {
		t.Fatalf("PublicError(%q) = %q", err, got)
	}
	if postgres.PublicError(nil) != nil {
		t.Fatal("PublicError(nil) is not nil")
	}
	dctx, dcancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer dcancel()
	<-dctx.Done()
	if got := postgres.PublicError(dctx.Err()).Error(); got != "postgres: no answer in time" {
		t.Fatalf("deadline: %q", got)
	}
}
