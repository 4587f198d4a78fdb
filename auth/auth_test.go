package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func known(r string) bool { return r == "eu" || r == "us" || r == "sea" }

func TestParseKeysReadsRolesRegionsAndTenants(t *testing.T) {
	keys, err := ParseKeys("plainkey1, agentkey1:agent:eu+sea, otherten1:analyst:*:acme", "default", known)
	if err != nil {
		t.Fatal(err)
	}
	a := New(keys, nil)
	for key, want := range map[string]Principal{
		"plainkey1": {Tenant: "default", Role: RoleAdmin},
		"agentkey1": {Tenant: "default", Role: RoleAgent, Regions: []string{"eu", "sea"}},
		"otherten1": {Tenant: "acme", Role: RoleAnalyst},
	} {
		p, err := a.Authenticate(context.Background(), key)
		if err != nil || p.Tenant != want.Tenant || p.Role != want.Role || len(p.Regions) != len(want.Regions) {
			t.Errorf("%s: got %+v, %v; want %+v", key, p, err, want)
		}
	}
	if _, err := a.Authenticate(context.Background(), "plainkey2"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestParseKeysBindsAKeyToTheAgentItActsFor(t *testing.T) {
	keys, err := ParseKeys("lenakey1:agent:eu:acme:lena.vogel, bosskey1:supervisor:*::, anonkey1:agent:eu::ops@x", "default", known)
	if err != nil {
		t.Fatal(err)
	}
	a := New(keys, nil)
	for key, want := range map[string]Principal{
		"lenakey1": {Tenant: "acme", Role: RoleAgent, Regions: []string{"eu"}, Agent: "lena.vogel"},
		"bosskey1": {Tenant: "default", Role: RoleSupervisor},
		"anonkey1": {Tenant: "default", Role: RoleAgent, Regions: []string{"eu"}, Agent: "ops@x"},
	} {
		p, err := a.Authenticate(context.Background(), key)
		if err != nil || p.Tenant != want.Tenant || p.Role != want.Role || len(p.Regions) != len(want.Regions) || p.Agent != want.Agent {
			t.Errorf("%s: got %+v, %v; want %+v", key, p, err, want)
		}
	}
}

func TestParseKeysRejectsNonsense(t *testing.T) {
	for _, spec := range []string{"short", "longenough:wizard", "longenough:agent:mars", "a:b:c:d:e",
		"longenough:agent:eu:acme:lena:extra", "longenough:agent:eu:acme:lena vogel"} {
		if _, err := ParseKeys(spec, "default", known); err == nil {
			t.Errorf("ParseKeys(%q) accepted it", spec)
		}
	}
}

func TestMiddlewareAnswers401WithoutAValidKey(t *testing.T) {
	keys, _ := ParseKeys("goodkey123", "default", known)
	h := New(keys, nil).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := FromContext(r.Context()); !ok || p.Role != RoleAdmin {
			t.Errorf("principal not in context: %+v", p)
		}
		w.WriteHeader(204)
	}), func(w http.ResponseWriter, status int, _ string) { w.WriteHeader(status) })
	for header, want := range map[string]int{"": 401, "Bearer nope": 401, "Basic goodkey123": 401, "Bearer goodkey123": 204} {
		req := httptest.NewRequest("GET", "/", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Authorization %q: %d, want %d", header, rec.Code, want)
		}
	}
}

func TestRegionScope(t *testing.T) {
	p := Principal{Regions: []string{"eu"}}
	if !p.CanAccess("eu") || p.CanAccess("us") {
		t.Fatal("a key scoped to eu must reach eu and only eu")
	}
	if !(Principal{}).CanAccess("us") {
		t.Fatal("an unscoped key reaches every region")
	}
}

type oneKey struct{ key string }

func (o oneKey) LookupKey(_ context.Context, key string) (Principal, error) {
	if key != o.key {
		return Principal{}, ErrUnknownKey
	}
	return Principal{Tenant: "t", Role: RoleCompliance}, nil
}

// A principal names its key by the same id as KeyID of the request, for configured and
// looked-up keys alike, and different keys get different ids.
func TestAuthenticateNamesTheKeyByItsID(t *testing.T) {
	keys, err := ParseKeys("plainkey1", "default", known)
	if err != nil {
		t.Fatal(err)
	}
	a := New(keys, oneKey{"storedkey1"})
	ids := map[string]bool{}
	for _, key := range []string{"plainkey1", "storedkey1", "storedkey1"} {
		p, err := a.Authenticate(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+key)
		if p.KeyID == "" || p.KeyID != KeyID(r) {
			t.Errorf("%s: KeyID %q, want %q", key, p.KeyID, KeyID(r))
		}
		ids[p.KeyID] = true
	}
	if len(ids) != 2 {
		t.Errorf("two keys got %d ids", len(ids))
	}
}
