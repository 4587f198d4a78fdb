package main

import (
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
	api := graphql.NewHandler(graphql.Config{
		Engine:         &metrics.Engine{DBs: p.ch, Regions: p.regions},
		Gate:           compliance.NewGate(nil),
		Logger:         p.log,
		PlanningEvents: p.pg,
		Insights:       &mining.Service{DBs: p.ch, Regions: p.regions, Competitors: mining.DemoCompetitors()},
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
