package main

import "net/http"

// mountGraphQL mounts /graphql; see graphql.NewHandler.
func (p *platform) mountGraphQL(mux *http.ServeMux) {}
