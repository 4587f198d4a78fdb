// Package auth turns a bearer API key into a Principal: the tenant, role and regions a caller
// may act on. Keys come from configuration (MERIDIAN_API_KEYS) and from the database.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Roles a key can carry.
const (
	RoleAdmin      = "admin"      // everything in its regions
	RoleIngest     = "ingest"     // write events only
	RoleAgent      = "agent"      // read conversations, masked by region rules
	RoleSupervisor = "supervisor" // agents' view plus queues and team metrics
	RolePlanner    = "planner"    // aggregates, forecasts, staffing
	RoleAnalyst    = "analyst"    // aggregates and masked conversation text
	RoleExecutive  = "executive"  // aggregates and ROI
	RoleCompliance = "compliance" // audit, erasure, export
)

var roles = []string{RoleAdmin, RoleIngest, RoleAgent, RoleSupervisor, RolePlanner, RoleAnalyst, RoleExecutive, RoleCompliance}

// Principal is who a request acts as.
type Principal struct {
	Tenant  string
	Role    string
	Regions []string // empty means every region
	// Agent is the agent the key acts for (their inbox, the author of their actions); ""
	// for a key bound to nobody.
	Agent string
	// KeyID names the API key the request carried without revealing it: the hex SHA-256 of
	// the key (api_keys.key_hash for a stored key), set by Authenticate; "" for a principal
	// made in code. The audit trail records it.
	KeyID string
}

// CanAccess reports whether the principal may touch a region's data.
func (p Principal) CanAccess(region string) bool {
	return len(p.Regions) == 0 || slices.Contains(p.Regions, region)
}

// Static is a key from configuration.
type Static struct {
	hash [32]byte
	p    Principal
}

// ParseKeys parses MERIDIAN_API_KEYS: comma-separated entries of the form
//
//	KEY                       admin of the default tenant over every region
//	KEY:ROLE                  that role over every region
//	KEY:ROLE:eu+us            that role over the listed regions
//	KEY:ROLE:eu+us:TENANT     ... of another tenant ("*" for every region)
//	KEY:ROLE:eu:TENANT:AGENT  ... acting for that agent ("" for the default tenant)
//
// Keys may not contain ':' or ','.
func ParseKeys(spec, defaultTenant string, known func(region string) bool) ([]Static, error) {
	var out []Static
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		parts := strings.Split(entry, ":")
		if len(parts) > 5 {
			return nil, fmt.Errorf("api key %d: too many ':' (KEY[:ROLE[:REGIONS[:TENANT[:AGENT]]]])", i+1)
		}
		key := parts[0]
		if len(key) < 8 {
			return nil, fmt.Errorf("api key %d: a key must be at least 8 characters", i+1)
		}
		p := Principal{Tenant: defaultTenant, Role: RoleAdmin}
		if len(parts) > 1 && parts[1] != "" {
			if !slices.Contains(roles, parts[1]) {
				return nil, fmt.Errorf("api key %d: unknown role %q (one of %s)", i+1, parts[1], strings.Join(roles, ", "))
			}
			p.Role = parts[1]
		}
		if len(parts) > 2 && parts[2] != "" && parts[2] != "*" {
			for _, r := range strings.Split(parts[2], "+") {
				if !known(r) {
					return nil, fmt.Errorf("api key %d: unknown region %q", i+1, r)
				}
				p.Regions = append(p.Regions, r)
			}
		}
		if len(parts) > 3 && parts[3] != "" {
			p.Tenant = parts[3]
		}
		if len(parts) > 4 && parts[4] != "" {
			if !ValidAgentID(parts[4]) {
				return nil, fmt.Errorf("api key %d: agent %q: use letters, digits and . _ @ - (at most 128)", i+1, parts[4])
			}
			p.Agent = parts[4]
		}
		out = append(out, Static{hash: sha256.Sum256([]byte(key)), p: p})
	}
	return out, nil
}

// Lookup finds keys the configuration does not list, e.g. in the database (the PostgreSQL
// store is one).
type Lookup interface {
	LookupKey(ctx context.Context, key string) (Principal, error)
}

// ErrUnknownKey is returned by a Lookup that has no such key.
var ErrUnknownKey = errors.New("auth: unknown key")

// Authenticator resolves bearer keys: configured keys first, then the lookup, whose answers
// (found or not) are cached briefly so a flood of bad keys does not become a flood of queries.
type Authenticator struct {
	static []Static
	lookup Lookup

	mu    sync.Mutex
	cache map[[32]byte]cached
}

type cached struct {
	p       Principal
	ok      bool
	expires time.Time
}

// New builds an authenticator; lookup may be nil.
func New(static []Static, lookup Lookup) *Authenticator {
	return &Authenticator{static: static, lookup: lookup, cache: map[[32]byte]cached{}}
}

// Authenticate resolves a key.
func (a *Authenticator) Authenticate(ctx context.Context, key string) (Principal, error) {
	h := sha256.Sum256([]byte(key))
	p, err := a.authenticate(ctx, key, h)
	if err == nil {
		p.KeyID = hex.EncodeToString(h[:])
	}
	return p, err
}

func (a *Authenticator) authenticate(ctx context.Context, key string, h [32]byte) (Principal, error) {
	for _, s := range a.static {
		if subtle.ConstantTimeCompare(h[:], s.hash[:]) == 1 {
			return s.p, nil
		}
	}
	if a.lookup == nil || key == "" {
		return Principal{}, ErrUnknownKey
	}
	a.mu.Lock()
	c, hit := a.cache[h]
	a.mu.Unlock()
	if hit && time.Now().Before(c.expires) {
		if !c.ok {
			return Principal{}, ErrUnknownKey
		}
		return c.p, nil
	}
	p, err := a.lookup.LookupKey(ctx, key)
	if err != nil && !errors.Is(err, ErrUnknownKey) {
		return Principal{}, err
	}
	a.mu.Lock()
	if len(a.cache) > 10000 {
		a.cache = map[[32]byte]cached{}
	}
	a.cache[h] = cached{p: p, ok: err == nil, expires: time.Now().Add(30 * time.Second)}
	a.mu.Unlock()
	return p, err
}

type ctxKey struct{}

// WithPrincipal stores the principal in a context.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the request's principal.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Middleware rejects requests without a valid bearer key (401) and puts the principal in the
// request context. onError writes the error response so every API answers in its own format.
func (a *Authenticator) Middleware(next http.Handler, onError func(w http.ResponseWriter, status int, msg string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="meridian"`)
			onError(w, http.StatusUnauthorized, "missing bearer API key (Authorization: Bearer <key>)")
			return
		}
		p, err := a.Authenticate(r.Context(), key)
		if errors.Is(err, ErrUnknownKey) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="meridian", error="invalid_token"`)
			onError(w, http.StatusUnauthorized, "invalid API key")
			return
		}
		if err != nil {
			onError(w, http.StatusServiceUnavailable, "cannot check the API key now; retry")
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// bearer returns the key of the request's "Authorization: Bearer <key>" header.
func bearer(r *http.Request) (string, bool) {
	return BearerKey(r.Header.Get("Authorization"))
}

// BearerKey returns the key of an Authorization value "Bearer <key>" (a header, or a
// WebSocket's connection_init payload).
func BearerKey(authorization string) (string, bool) {
	key, ok := strings.CutPrefix(authorization, "Bearer ")
	key = strings.TrimSpace(key)
	return key, ok && key != ""
}

// ValidAgentID reports whether id can name an agent: letters, digits, . _ @ -; at most 128.
func ValidAgentID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._@-", c)) {
			return false
		}
	}
	return true
}

// KeyID names the API key a request carries without revealing it (the hex SHA-256 of the
// key; "" without one), e.g. to keep a rate limit per key behind Middleware.
func KeyID(r *http.Request) string {
	key, ok := bearer(r)
	if !ok {
		return ""
	}
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}
