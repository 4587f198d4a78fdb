package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/metrics"
)

// mountGraphQL serves /graphql behind the bearer-key middleware. The playground page holds no
// data, so a browser's GET (which carries no key) gets it without one; its queries then send
// the key the user types into the playground's headers.
func (p *platform) mountGraphQL(mux *http.ServeMux) {
	// One gate for the API and the insight models, so that both apply the same k.
	gate := compliance.NewGate(nil)
	if p.cfg != nil {
		if pol, err := insightsPolicy(p.cfg); err != nil {
			p.log.Error("insights: keeping the default k", "k", compliance.DefaultMinCustomers, "err", err)
		} else {
			gate.Policy = &pol
		}
	}
	api := graphql.NewHandler(graphql.Config{
		Engine:         &metrics.Engine{DBs: p.ch, Regions: p.regions},
		Gate:           gate,
		Logger:         p.log,
		PlanningEvents: p.pg,
		Insights:       &mining.Service{DBs: p.ch, Regions: p.regions, Competitors: mining.DemoCompetitors(), Gate: gate},
	})
	playground := graphql.NewPlaygroundHandler("/graphql")
	authed := p.auth.Middleware(api, func(w http.ResponseWriter, status int, msg string) {
		ingest.WriteJSON(w, status, map[string]any{"errors": []map[string]string{{"message": msg}}})
	})
	mux.Handle("/playground", playground)
	mux.Handle("/graphql", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			playground.ServeHTTP(w, r)
			return
		}
		authed.ServeHTTP(w, r)
	}))
}

// insightsPolicy is compliance.DefaultPolicy with the configured k.
func insightsPolicy(cfg config) (compliance.Policy, error) {
	k, err := cfg.int("insights-min-customers")
	if err != nil {
		return compliance.Policy{}, err
	}
	pol, err := compliance.DefaultPolicy().WithMinCustomers(k)
	if err != nil {
		return compliance.Policy{}, fmt.Errorf("--insights-min-customers: %w", err)
	}
	return pol, nil
}
