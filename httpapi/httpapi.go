// Package httpapi is what every HTTP endpoint of Meridian shares: JSON answers and errors,
// security headers, request body limits, per-key rate limits and the HTTP server's timeouts.
// The endpoints themselves (ingest, graphql) and the wiring (cmd/meridian) use it, so each of
// these rules is written once.
package httpapi

import (
	"encoding/json"
	"net/http"
)

// ErrorWriter writes an error answer in an endpoint's own format: {"error": ...} for the REST
// endpoints (WriteError), {"errors": [{"message": ...}]} for GraphQL.
type ErrorWriter func(w http.ResponseWriter, status int, msg string)

// WriteJSON writes v as the JSON body of a response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes {"error": msg}.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}
