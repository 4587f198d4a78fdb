// Package graphql serves Meridian's GraphQL API (schema: schemas/graphql/schema.graphql,
// generated code: graphql/generated). It expects the caller's auth.Principal in the request
// context — the server mounts it behind the bearer-key middleware — and answers for that
// principal only: its tenant, the regions its key may access, personal data masked by role
// through the compliance gate. POST /v1/metrics (NewMetricsHandler) runs the same metrics
// query, through the same executor setup and resolver, for notebooks that want Arrow or JSON.
package graphql

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/meridian-cs/meridian/answers"
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

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/commerce"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/compliance/erasure"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/stream/live"
	"github.com/meridian-cs/meridian/translation"
)

// DefaultQueryTimeout is how long one request's resolvers may run by default.
const DefaultQueryTimeout = 30 * time.Second

// Config configures the GraphQL handler.
type Config struct {
	// Engine answers metrics and conversation queries. Required.
	Engine *metrics.Engine
	// Regions is the registry of region databases the planning fields read; nil means the
	// engine's.
	Regions *clickhouse.Regions
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
	// feed into forecasts (the PostgreSQL store is one). Nil: planningEvents and createPlanningEvent
	// answer an error, and forecasts use public holidays only. Forecasts, staffing and
	// follow-the-sun read ClickHouse through Engine.
	PlanningEvents PlanningEventStore
	// Insights answers opportunities, competitorMentions, priceSensitivity and roi
	// (mining.New over the same ClickHouse databases as Engine). Nil: those fields answer an
	// error saying insights are not configured (roiScenarios, the shipped scenarios, needs none).
	Insights *mining.Service
	// Customers (the identity graph) answers customer, customerByIdentity, linkIdentities and
	// unlinkIdentity; Replies sends replies (sendMessage) and reads them. Nil: those fields
	// answer that channels are not configured.
	Customers Customers
	Replies   Replies
	// ChannelSettings configures tenants' own channel accounts (configureChannel); nil: that
	// field answers that channels are not configured.
	ChannelSettings ChannelSettings
	// ChannelsOn names the channels this server has on (the channels field's configured);
	// nil: none.
	ChannelsOn []string
	// Analyzer answers analyzeText (nil: analysis is off); Translator translates messages and
	// texts (translateText, Message.translation, replies; nil: no provider configured).
	Analyzer   TextAnalyzer
	Translator translation.Translator
	// Agents describes agents and their presence (upsertAgent, setAgentPresence, agents,
	// queues); nil: those fields answer that agents are not configured.
	Agents conversation.Agents
	// Knowledge is the knowledge base (articles, upsertArticle, deleteArticle); nil: those
	// fields answer that it is not configured.
	Knowledge *knowledge.Base
	// Answers answers customers' questions from the knowledge base (answer); nil: that field
	// answers that it is not configured.
	Answers *answers.Service
	// Teams describes teams and how their agents get conversations (upsertTeam, teams);
	// nil: those fields answer that teams are not configured.
	Teams conversation.Teams
	// Workspace assigns, transfers, resolves, reopens and escalates conversations and adds
	// notes (the conversation engine's actions); nil: those fields answer that it is off.
	Workspace *engine.Workspace
	// Live feeds the subscriptions (conversationUpdated, messageAdded, inboxChanged) with the
	// events this process tails (stream/live); nil: they answer that live events are off.
	Live *live.Hub
	// Keys authenticates WebSocket connections (subscriptions), whose key comes in the
	// upgrade request's Authorization header or in the connection_init payload; nil: every
	// WebSocket connection is refused.
	Keys Authenticator
	// Audit is the audit trail (compliance/audit): verifyAuditLog and auditLog read it, and
	// administrative mutations append to it. Nil: those fields answer that it is not
	// configured, and mutations are not audited. The gate's reads are audited by Gate's own
	// Auditor (the server gives it the same log).
	Audit *audit.Log
	// Retention applies the retention policy (applyRetention), Residency reports where data
	// is (residencyReport), Consents records consent (setConsent, consents; it needs
	// Customers too). Nil: those fields answer that they are not configured.
	Retention Retention
	Residency Residency
	Consents  ConsentStore
	// Erasure erases customers, exports their data and keeps legal holds (eraseCustomer,
	// exportCustomerData, placeLegalHold, releaseLegalHold, legalHolds, erasureCertificates);
	// nil: those fields answer that erasure is not configured.
	Erasure *erasure.Service
	// Shop is the commerce platform (commerce.FromConfig) the order fields ask, with the
	// ownership check of order answers; nil: those fields are null.
	Shop commerce.Store
}

// Authenticator resolves a bearer key (auth.Authenticator).
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (auth.Principal, error)
}

// NewHandler returns the GraphQL endpoint: POST (and GET) queries for the principal in the
// request context, introspection on, a complexity limit, and the playground for a browser's
// GET (Accept: text/html). Requests without a principal get 401, except WebSocket upgrades
// (subscriptions over graphql-transport-ws), which authenticate themselves (Config.Keys).
func NewHandler(cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	es := executableSchema(cfg)
	srv := handler.New(es)
	srv.AddTransport(transport.Websocket{InitFunc: cfg.websocketInit, InitTimeout: websocketInitTimeout, KeepAlivePingInterval: websocketKeepAlive})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	configure(srv, es, cfg)
	play := NewPlaygroundHandler(cfg.Endpoint)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			play.ServeHTTP(w, r)
			return
		}
		if isWebsocket(r) {
			// A subscription lives as long as its socket: no query timeout.
			srv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), upgradeAuthKey{}, r.Header.Get("Authorization"))))
			return
		}
		if _, ok := auth.FromContext(r.Context()); !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": "unauthenticated: no API key in the request"}}})
			return
		}
		ctx, cancel := cfg.queryContext(r.Context())
		defer cancel()
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withDefaults fills what cfg leaves unset; it panics without an engine.
func (cfg Config) withDefaults() Config {
	if cfg.Engine == nil {
		panic("graphql: Config.Engine is required")
	}
	if cfg.Regions == nil {
		cfg.Regions = cfg.Engine.Regions
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
	return cfg
}

// queryContext is the context a request's resolvers run in: ctx with the query timeout.
func (cfg Config) queryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if cfg.QueryTimeout > 0 {
		return context.WithTimeout(ctx, cfg.QueryTimeout)
	}
	return ctx, func() {}
}

// executableSchema is the schema answered by cfg's resolvers.
func executableSchema(cfg Config) gql.ExecutableSchema {
	res := &Resolver{engine: cfg.Engine, regions: cfg.Regions, gate: cfg.Gate, log: cfg.Logger, planningEvents: cfg.PlanningEvents, insights: cfg.Insights,
		customers: cfg.Customers, replies: cfg.Replies, channelSettings: cfg.ChannelSettings, channelsOn: cfg.ChannelsOn,
		analyzer: cfg.Analyzer, translator: cfg.Translator, agents: cfg.Agents, teams: cfg.Teams, workspace: cfg.Workspace, live: cfg.Live,
		knowledge: cfg.Knowledge, answers: cfg.Answers, audit: cfg.Audit,
		retention: cfg.Retention, residency: cfg.Residency, consents: cfg.Consents, erasure: cfg.Erasure, shop: cfg.Shop}
	return generated.NewExecutableSchema(generated.Config{Resolvers: res, Complexity: complexity(len(cfg.Engine.Regions.Names()))})
}

// operationRunner is what *handler.Server (GraphQL over HTTP) and *executor.Executor (POST
// /v1/metrics) both let configure.
type operationRunner interface {
	Use(gql.HandlerExtension)
	AroundOperations(gql.OperationMiddleware)
	AroundResponses(gql.ResponseMiddleware)
	AroundRootFields(gql.RootFieldMiddleware)
	SetRecoverFunc(gql.RecoverFunc)
}

// configure gives r what every operation gets, whichever endpoint it came through: the
// operation limits, turns for root fields and a recover that hides the panic.
func configure(r operationRunner, es gql.ExecutableSchema, cfg Config) {
	log := cfg.Logger
	// Not gqlgen's FixedComplexityLimit: its walk is exponential in nested fragment spreads.
	r.Use(operationLimits{es: es, limit: cfg.ComplexityLimit})
	r.AroundOperations(func(ctx context.Context, next gql.OperationHandler) gql.ResponseHandler {
		return next(withRootSlots(ctx))
	})
	r.AroundRootFields(rootFieldTurns)
	r.AroundResponses(withLoaderSlot)
	r.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql: panic in resolver", slog.String("panic", fmt.Sprint(v)))
		return statusErrorf(http.StatusInternalServerError, "internal error; the server log has the details")
	})
}

var _ gql.ExecutableSchema = generated.NewExecutableSchema(generated.Config{})
