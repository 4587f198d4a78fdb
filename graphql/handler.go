// Package graphql serves Meridian's GraphQL API (schema: schemas/graphql/schema.graphql,
// generated code: graphql/generated). It expects the caller's auth.Principal in the request
// context — the server mounts it behind the bearer-key middleware — and answers for that
// principal only: its tenant, the regions its key may access, personal data masked by role
// through the compliance gate.
package graphql

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/metrics"
)

// DefaultQueryTimeout is how long one request's resolvers may run by default.
const DefaultQueryTimeout = 30 * time.Second

// Config configures the GraphQL handler.
type Config struct {
	// Engine answers metrics and conversation queries. Required.
	Engine *metrics.Engine
	// Gate shows personal data by role and region and audits every read; nil means a gate
	// that audits to slog.Default.
	Gate *compliance.Gate
	// Logger receives internal errors and recovered panics; nil means slog.Default.
	Logger *slog.Logger
	// ComplexityLimit bounds a query's cost; 0 means DefaultComplexityLimit.
	ComplexityLimit int
	// QueryTimeout is the deadline of every request's resolvers: their context ends then and
	// the answer says the request timed out. 0 means DefaultQueryTimeout; negative, none.
	QueryTimeout time.Duration
	// Endpoint is the path the playground sends queries to; "" means "/graphql".
	Endpoint string
	// PlanningEvents keeps the planning events the workforce-planning fields list, create and
	// feed into forecasts (*postgres.DB is one). Nil: planningEvents and createPlanningEvent
	// answer an error, and forecasts use public holidays only. Forecasts, staffing and
	// follow-the-sun read ClickHouse through Engine.
	PlanningEvents PlanningEventStore
	// Insights answers opportunities, competitorMentions, priceSensitivity and roi
	// (mining.New over the same ClickHouse databases as Engine). Nil: those fields answer an
	// error saying insights are not configured.
	Insights *mining.Service
}

// NewHandler returns the GraphQL endpoint: POST (and GET) queries for the principal in the
// request context, introspection on, a complexity limit, and the playground for a browser's
// GET (Accept: text/html). Requests without a principal get 401.
func NewHandler(cfg Config) http.Handler {
	if cfg.Engine == nil {
		panic("graphql: Config.Engine is required")
	}
	if cfg.Gate == nil {
		cfg.Gate = compliance.NewGate(nil)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ComplexityLimit == 0 {
		cfg.ComplexityLimit = DefaultComplexityLimit
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "/graphql"
	}
	if cfg.QueryTimeout == 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	log := cfg.Logger
	res := &Resolver{engine: cfg.Engine, gate: cfg.Gate, log: log, planningEvents: cfg.PlanningEvents, insights: cfg.Insights}
	es := generated.NewExecutableSchema(generated.Config{Resolvers: res, Complexity: complexity(len(cfg.Engine.Regions))})
	srv := handler.New(es)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	// Not gqlgen's FixedComplexityLimit: its walk is exponential in nested fragment spreads.
	srv.Use(operationLimits{es: es, limit: cfg.ComplexityLimit})
	srv.AroundOperations(func(ctx context.Context, next gql.OperationHandler) gql.ResponseHandler {
		return next(withRootSlots(ctx))
	})
	srv.AroundRootFields(rootFieldTurns)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql: panic in resolver", slog.String("panic", fmt.Sprint(v)))
		return gqlerror.Errorf("internal error; the server log has the details")
	})
	play := NewPlaygroundHandler(cfg.Endpoint)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			play.ServeHTTP(w, r)
			return
		}
		if _, ok := auth.FromContext(r.Context()); !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": "unauthenticated: no API key in the request"}}})
			return
		}
		if cfg.QueryTimeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), cfg.QueryTimeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		srv.ServeHTTP(w, r)
	})
}

var _ gql.ExecutableSchema = generated.NewExecutableSchema(generated.Config{})
