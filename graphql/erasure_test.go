package graphql_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/erasure"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/metrics/metricstest"
	"github.com/meridian-cs/meridian/store/postgres"
)

// Only compliance and admin keys erase, hold and export, each within its regions; bad
// arguments are errors naming the argument; a hold blocks the erasure until it is released.
func TestEraseCustomerThroughGraphQL(t *testing.T) {
	ctx := context.Background()
	pg := planPG(t)
	kr, err := shred.NewKeyring(pg.Keys(), bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	g := &postgres.Graph{DB: pg, Keys: kr, Regions: metricstest.Regions, RegionOf: func(string) string { return "us" }}
	res, err := g.Observe(ctx, identity.Observation{Tenant: metricstest.Tenant, Address: identity.ChannelUser("telegram", "777001"),
		Country: "US", Seed: "telegram:777001", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	h := graphql.NewHandler(graphql.Config{Engine: engine, Erasure: &erasure.Service{DB: pg, Regions: metricstest.Regions, Keys: kr, Graph: g,
		Holds: &erasure.Holds{Pool: pg.Pool, Regions: metricstest.Regions}}})
	const erase = `mutation($c: ID, $ch: String, $x: String, $r: String!) { eraseCustomer(customerId: $c, channel: $ch, externalId: $x, reason: $r) { status blockedReason entries { store verified } } }`
	for _, role := range auth.Roles() {
		_, body := post(t, h, principal(role), erase, map[string]any{"c": "cus_nobody", "r": "Art. 17"})
		if role == auth.RoleCompliance || role == auth.RoleAdmin {
			if !strings.Contains(body, `eraseCustomer(customerId): no customer \"cus_nobody\"`) {
				t.Errorf("%s: %s", role, body)
			}
		} else if !strings.Contains(body, "roles that can: admin, compliance") {
			t.Errorf("%s may erase: %s", role, body)
		}
	}
	for want, vars := range map[string]map[string]any{
		"eraseCustomer(customerId): give customerId, or channel and externalId":          {"r": "x"},
		"eraseCustomer(customerId): give customerId or channel and externalId, not both": {"c": res.CustomerID, "ch": "telegram", "x": "1", "r": "x"},
		"eraseCustomer(reason): give the reason":                                         {"c": res.CustomerID, "r": " "},
		"eraseCustomer(externalId): give the identity's value on channel":                {"ch": "telegram", "r": "x"},
		"eraseCustomer(channel: \\\"fax\\\")":                                            {"ch": "fax", "x": "1", "r": "x"},
		"eraseCustomer(channel, externalId): no customer has the identity telegram":      {"ch": "telegram", "x": "999", "r": "x"},
		`may not access region \"us\"`:                                                   {"c": res.CustomerID, "r": "x", "eu": true},
		"eraseCustomer(reason): write no customer identifier into the reason":            {"c": res.CustomerID, "r": "asked by ana@example.com"},
	} {
		p := principal(auth.RoleCompliance)
		if vars["eu"] == true {
			p = principal(auth.RoleCompliance, "eu")
			delete(vars, "eu")
		}
		if _, body := post(t, h, p, erase, vars); !strings.Contains(body, want) {
			t.Errorf("%v: %s, want %s", vars, body, want)
		}
	}
	id := map[string]any{"c": res.CustomerID}
	if _, body := post(t, h, principal(auth.RoleCompliance), `mutation($c: ID!) { placeLegalHold(customerId: $c, reason: "his card 4111 1111 1111 1111") { active } }`, id); !strings.Contains(body, "placeLegalHold(reason): write no customer identifier into the reason, it is kept with the record (found: card)") {
		t.Fatalf("a hold's reason with a card number: %s", body)
	}
	if _, body := post(t, h, principal(auth.RoleCompliance), `mutation($c: ID!) { placeLegalHold(customerId: $c, reason: "subpoena 12") { active } }`, id); !strings.Contains(body, `"active":true`) {
		t.Fatalf("placeLegalHold: %s", body)
	}
	if _, body := post(t, h, principal(auth.RoleCompliance), `mutation($c: ID!) { placeLegalHold(customerId: $c, reason: "again") { active } }`, id); !strings.Contains(body, "already under an active legal hold") {
		t.Fatalf("second hold: %s", body)
	}
	if _, body := post(t, h, principal(auth.RoleCompliance), erase, map[string]any{"ch": "telegram", "x": "777001", "r": "Art. 17"}); !strings.Contains(body, `"status":"BLOCKED","blockedReason":"legal hold hold_`) || !strings.Contains(body, "subpoena 12") {
		t.Fatalf("erasure under hold: %s", body)
	}
	if _, body := post(t, h, principal(auth.RoleCompliance, "eu"), `{ legalHolds { customerPseudonym } }`, nil); body != `{"data":{"legalHolds":[]}}` {
		t.Fatalf("an eu key sees us holds: %s", body)
	}
	if _, body := post(t, h, principal(auth.RoleCompliance), `{ legalHolds(region: "us") { customerPseudonym active } }`, nil); !strings.Contains(body, res.CustomerID) {
		t.Fatalf("legalHolds: %s", body)
	}
	post(t, h, principal(auth.RoleCompliance), `mutation($c: ID!) { releaseLegalHold(customerId: $c) { active } }`, id)
	if _, body := post(t, h, principal(auth.RoleCompliance), `mutation($c: ID!) { releaseLegalHold(customerId: $c) { active } }`, id); !strings.Contains(body, "under no active legal hold") {
		t.Fatalf("second release: %s", body)
	}
	if _, body := post(t, h, principal(auth.RoleAdmin), erase, map[string]any{"c": res.CustomerID, "r": "Art. 17"}); !strings.Contains(body, `"status":"COMPLETED"`) || strings.Contains(body, `"verified":false`) {
		t.Fatalf("erasure: %s", body)
	}
	if _, body := post(t, h, principal(auth.RoleCompliance), `query($c: ID!) { erasureCertificates(customerId: $c) { status } }`, id); !strings.Contains(body, `[{"status":"BLOCKED"},{"status":"COMPLETED"}]`) {
		t.Fatalf("certificates: %s", body)
	}
}
