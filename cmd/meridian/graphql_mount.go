package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/compliance/erasure"
	"github.com/meridian-cs/meridian/compliance/residency"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/httpapi"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/stream"
)

// mountGraphQL serves /graphql, and POST /v1/metrics (the metrics query for notebooks, as
// Arrow or JSON), behind the bearer-key middleware, the key's rate limit and the body limit,
// in that order (a refused request's body is never read). Both take from one rate limiter,
// so a key has the same budget of queries whichever it uses. The playground page holds no
// data, so a browser's GET (which carries no key) gets it without one; its queries then send
// the key the user types into the playground's headers. A WebSocket upgrade (subscriptions)
// goes to the API directly, which checks its key itself.
func (p *platform) mountGraphQL(mux *http.ServeMux, hc httpConfig) {
	// One gate for the API and the insight models, so that both apply the same policy
	// (startPlatform loaded it).
	// The gate records every read of personal data in the audit trail (a log line without
	// one, as in tests that mount the API alone).
	var auditor compliance.Auditor
	if p.audit != nil {
		auditor = p.audit
	}
	gate := compliance.NewGate(auditor)
	gate.Policy = p.fields // nil (the default policy) where no configuration loaded one
	cfg := graphql.Config{
		Engine:         &metrics.Engine{Regions: p.chReg},
		Regions:        p.chReg,
		Gate:           gate,
		Logger:         p.log,
		PlanningEvents: p.pg,
		Insights:       &mining.Service{Regions: p.chReg, Competitors: mining.DemoCompetitors(), Gate: gate},
		QueryTimeout:   hc.queryTimeout,
		Translator:     p.translator,
		Agents:         &postgres.Agents{DB: p.pg, Regions: p.regions},
		Knowledge:      p.knowledge,
		Answers:        p.answers,
		Teams:          &postgres.Teams{DB: p.pg, Regions: p.regions},
		Workspace:      p.workspace,
		Live:           p.live,
		Keys:           p.auth,
		Audit:          p.audit,
	}
	if p.analysis != nil {
		cfg.Analyzer = p.analysis
	}
	if p.business.shop != nil {
		cfg.Shop = p.business.shop
	}
	if p.retainer != nil {
		cfg.Retention = p.retainer
	}
	if p.policy != nil {
		cfg.Residency = &residency.Reporter{Policy: p.policy, ClickHouse: p.chReg, Postgres: &postgres.Residency{DB: p.pg},
			Topics: func(r string) []string { return []string{stream.EventsTopic(r), stream.DeadLetterTopic(r)} }}
	}
	if p.pg != nil && p.keyring != nil && p.holds != nil {
		graph := &postgres.Graph{DB: p.pg, Keys: p.keyring, Regions: p.regions,
			RegionOf: func(country string) string { return string(p.policy.RegionFor(country)) }}
		if p.channels != nil {
			graph = p.channels.graph
		}
		cfg.Erasure = &erasure.Service{DB: p.pg, Regions: p.regions, Keys: p.keyring, Graph: graph, ClickHouse: p.chReg,
			Holds: p.holds}
		if p.cfg != nil {
			cfg.Erasure.ClickHouseCluster = p.cfg.str("clickhouse-cluster")
		}
	}
	if p.channels != nil {
		cfg.Customers = &channels.Directory{Graph: p.channels.graph, Ingest: p.ingest, Now: time.Now}
		cfg.Replies = p.channels.outbox
		cfg.ChannelSettings = p.channels.tenants
		cfg.ChannelsOn = p.channels.on
		cfg.Consents = &postgres.Consents{DB: p.pg}
	}
	api := graphql.NewHandler(cfg)
	playground := graphql.NewPlaygroundHandler("/graphql")
	onError := func(w http.ResponseWriter, status int, msg string) {
		httpapi.WriteJSON(w, status, map[string]any{"errors": []map[string]string{{"message": msg}}})
	}
	limiter := httpapi.NewRateLimiter(hc.graphqlRate)
	limited := limiter.Middleware(auth.KeyID, onError, httpapi.LimitBody(httpapi.MaxBodyBytes, onError, api))
	authed := p.auth.Middleware(limited, onError)
	rest := limiter.Middleware(auth.KeyID, httpapi.WriteError, httpapi.LimitBody(httpapi.MaxBodyBytes, httpapi.WriteError, graphql.NewMetricsHandler(cfg)))
	mux.Handle("/v1/metrics", audit.Middleware(p.auth.Middleware(rest, httpapi.WriteError)))
	mux.Handle("/playground", playground)
	mux.Handle("GET "+graphql.PlaygroundAssetsPath, graphql.PlaygroundAssets())
	mux.Handle("/graphql", audit.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			playground.ServeHTTP(w, r)
			return
		}
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			// Subscriptions: the socket authenticates itself, by the upgrade's Authorization
			// header or its connection_init payload (a browser cannot set headers on one).
			api.ServeHTTP(w, r)
			return
		}
		authed.ServeHTTP(w, r)
	})))
}

// fieldPolicy is the personal-data policy the gate applies: --field-policy (empty = the
// shipped default), its region overrides checked against the residency policy's regions
// (when known), with --insights-min-customers for the rules that give no k.
func fieldPolicy(cfg config, residency *models.ResidencyPolicy) (compliance.Policy, error) {
	path := cfg.str("field-policy")
	pol, err := compliance.LoadPolicy(path)
	if err != nil {
		return compliance.Policy{}, err
	}
	if residency != nil {
		regions := make([]string, len(residency.Regions))
		for i, r := range residency.Regions {
			regions[i] = string(r)
		}
		if err := pol.CheckRegions(regions); err != nil {
			return compliance.Policy{}, fmt.Errorf("field policy %s: %w", path, err)
		}
	}
	k, err := cfg.int("insights-min-customers")
	if err != nil {
		return compliance.Policy{}, err
	}
	if pol, err = pol.WithMinCustomers(k); err != nil {
		return compliance.Policy{}, fmt.Errorf("--insights-min-customers: %w", err)
	}
	return pol, nil
}
