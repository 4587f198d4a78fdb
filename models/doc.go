// Package models is Meridian's domain: the canonical events every channel's traffic becomes,
// regions and residency, and the interfaces the adapters (stream, ingest, stores, GraphQL)
// implement or consume. It imports no adapter.
package models
