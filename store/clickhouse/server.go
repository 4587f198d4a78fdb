package clickhouse

import (
	"context"
	"crypto/tls"
	"fmt"
	"reflect"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ServerConfig addresses a ClickHouse server or cluster.
type ServerConfig struct {
	Addrs    []string // host:port of the native protocol (9000), several for failover
	Username string
	Password string
	Cluster  string // when set, DDL runs ON CLUSTER with Replicated and Distributed tables
	Secure   bool
}

// Server is a ClickHouse server reached with clickhouse-go/v2 over the native protocol.
type Server struct {
	conn driver.Conn
}

// OpenServer connects to a ClickHouse server or cluster.
func OpenServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	opts := &ch.Options{
		Addr: cfg.Addrs,
		Auth: ch.Auth{Username: cfg.Username, Password: cfg.Password},
		Settings: ch.Settings{
			"insert_deduplicate": 1,
		},
		DialTimeout:      5 * time.Second,
		ConnOpenStrategy: ch.ConnOpenInOrder,
	}
	if cfg.Secure {
		opts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", strings.Join(cfg.Addrs, ","), err)
	}
	s := &Server{conn: conn}
	if err := s.Ping(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

// Exec runs a statement.
func (s *Server) Exec(ctx context.Context, q string) error {
	if err := s.conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("clickhouse: %w", err)
	}
	return nil
}

// Insert sends one INSERT whose data follows the FORMAT clause; the server parses it.
func (s *Server) Insert(ctx context.Context, table, format string, data []byte, settings ...string) error {
	if err := s.conn.Exec(ctx, "INSERT INTO "+table+settingsClause(settings)+" FORMAT "+format+"\n"+string(data)); err != nil {
		return fmt.Errorf("clickhouse: insert into %s: %w", table, err)
	}
	return nil
}

// Query runs a SELECT and scans every cell into the Go type the driver chooses for it.
func (s *Server) Query(ctx context.Context, q string) (*Result, error) {
	return s.QueryParams(ctx, q, nil)
}

// QueryParams is Query with server-side parameters, sent beside the query by the native protocol.
func (s *Server) QueryParams(ctx context.Context, q string, params Params) (*Result, error) {
	if len(params) > 0 {
		ctx = ch.Context(ctx, ch.WithParameters(ch.Parameters(params)))
	}
	rows, err := s.conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	res := &Result{Columns: make([]Column, len(types))}
	for i, t := range types {
		res.Columns[i] = Column{Name: t.Name(), Type: t.DatabaseTypeName()}
	}
	for rows.Next() {
		ptrs := make([]any, len(types))
		for i, t := range types {
			ptrs[i] = reflect.New(t.ScanType()).Interface()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("clickhouse: scan: %w", err)
		}
		row := make([]any, len(types))
		for i, p := range ptrs {
			row[i] = reflect.ValueOf(p).Elem().Interface()
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	return res, nil
}

// Ping checks the connection.
func (s *Server) Ping(ctx context.Context) error {
	if err := s.conn.Ping(ctx); err != nil {
		return fmt.Errorf("clickhouse: ping: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Server) Close() error { return s.conn.Close() }
