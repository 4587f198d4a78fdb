package erasure_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/compliance/erasure"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
	"github.com/meridian-cs/meridian/translation"
)

var regions = []string{"eu", "us"}

// service returns an erasure service over a migrated database (no ClickHouse) and its graph.
func service(t *testing.T) (*erasure.Service, *postgres.Graph) {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.StartForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx, regions); err != nil {
		t.Fatal(err)
	}
	kr, err := shred.NewKeyring(db.Keys(), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	g := &postgres.Graph{DB: db, Keys: kr, Regions: regions, RegionOf: func(c string) string {
		if c == "DE" {
			return "eu"
		}
		return "us"
	}}
	return &erasure.Service{DB: db, Regions: regions, Keys: kr, Graph: g, Holds: &erasure.Holds{Pool: db.Pool, Regions: regions}}, g
}

// observe makes a customer known by a WhatsApp id and an e-mail address found in a message.
func observe(t *testing.T, g *postgres.Graph, wa, mail, country string) string {
	t.Helper()
	e, _ := identity.Email(mail)
	res, err := g.Observe(context.Background(), identity.Observation{Tenant: "acme", Address: identity.ChannelUser("whatsapp", wa),
		Mentioned: []identity.Key{e}, Country: country, Seed: "whatsapp:" + wa, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return res.CustomerID
}

// export returns what the service exports of customer id.
func export(t *testing.T, s *erasure.Service, id string) erasure.Export {
	t.Helper()
	sub, err := s.Find(context.Background(), "acme", id, identity.Key{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := s.Export(context.Background(), "acme", sub)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func steps(c erasure.Certificate) map[string]erasure.Step {
	out := map[string]erasure.Step{}
	for _, s := range c.Steps {
		out[s.Store+"/"+s.Region] = s
	}
	return out
}

// A hold blocks erasure and erases nothing; released, erasure by an identity deletes the
// customer's key, identities, cached translations and consents and leaves the other customer alone; a
// second erasure by id finds nothing and names the first; an unknown customer is an error.
// Her export lists her consent before the erasure and none after.
func TestEraseHonoursHoldsAndLeavesNothingOfTheCustomer(t *testing.T) {
	ctx := context.Background()
	s, g := service(t)
	ana := observe(t, g, "4915123456789", "ana@example.de", "DE")
	bo := observe(t, g, "4915198765432", "bo@example.de", "DE")
	cache := &postgres.TranslationCache{DB: s.DB, Keys: s.Keys}
	consents := &postgres.Consents{DB: s.DB}
	for _, c := range []string{ana, bo} {
		if err := cache.Put(ctx, translation.CacheKey{Tenant: "acme", Region: "eu", Customer: c, Provider: "p", Source: "de", Target: "en", TextSHA256: "ab"}, "hello"); err != nil {
			t.Fatal(err)
		}
		if _, err := consents.Set(ctx, "eu", "acme", c, "whatsapp", "service", true); err != nil {
			t.Fatal(err)
		}
	}

	// The export names her consent (Art. 15 and 20) and nothing of Bo.
	if x := export(t, s, ana); len(x.Consents) != 1 || x.Consents[0].Channel != "whatsapp" || x.Consents[0].Purpose != "service" || !x.Consents[0].Granted || x.Consents[0].UpdatedAt.IsZero() {
		t.Fatalf("ana's consents in her export: %+v", x.Consents)
	}

	hold, err := s.Holds.Place(ctx, "eu", "acme", ana, "tax audit 2026", "key1")
	if err != nil || !hold.Active() {
		t.Fatalf("place: %+v %v", hold, err)
	}
	if _, err := s.Holds.Place(ctx, "eu", "acme", ana, "again", "key1"); !errors.Is(err, erasure.ErrAlreadyHeld) {
		t.Fatalf("second hold: %v", err)
	}
	if held, err := s.Holds.Held(ctx, "eu"); err != nil || len(held) != 1 || len(held["acme"]) != 1 || held["acme"][0] != ana {
		t.Fatalf("held in eu: %v %v", held, err)
	}
	blocked, err := s.Erase(ctx, erasure.Request{Tenant: "acme", CustomerID: ana, Reason: "Art. 17", By: "key1"})
	if err != nil || blocked.Status != erasure.Blocked || !strings.Contains(blocked.BlockedReason, "tax audit 2026") || len(blocked.Steps) != 0 {
		t.Fatalf("erasure under hold: %+v %v", blocked, err)
	}
	if id, _, err := g.ByKey(ctx, "acme", identity.ChannelUser("whatsapp", "4915123456789")); err != nil || id != ana {
		t.Fatalf("a blocked erasure erased: %q %v", id, err)
	}
	if _, err := s.Holds.Release(ctx, "eu", "acme", ana, "key2"); err != nil {
		t.Fatal(err)
	}
	if held, err := s.Holds.Held(ctx, "eu"); err != nil || len(held) != 0 {
		t.Fatalf("held in eu after the release: %v %v", held, err)
	}
	if _, err := s.Holds.Release(ctx, "eu", "acme", ana, "key2"); !errors.Is(err, erasure.ErrNoHold) {
		t.Fatalf("second release: %v", err)
	}

	mail, _ := identity.Email("ANA@example.de")
	c, err := s.Erase(ctx, erasure.Request{Tenant: "acme", Key: mail, Reason: "Art. 17", By: "key2"})
	if err != nil || c.Status != erasure.Completed || c.CustomerID != ana || c.Region != "eu" || c.CompletedAt == nil {
		t.Fatalf("erasure: %+v %v", c, err)
	}
	st := steps(c)
	if len(st) != 3 {
		t.Errorf("steps: %+v, want the key, and PostgreSQL in eu and us", c.Steps)
	}
	if k := st["kafka/eu"]; !k.Verified || k.Rows != 1 {
		t.Errorf("key step: %+v", k)
	}
	// Two identities, one translation, one consent, one customer row.
	if p := st["postgres/eu"]; !p.Verified || p.Rows != 5 {
		t.Errorf("postgres step: %+v", p)
	}
	if p := st["postgres/us"]; !p.Verified || p.Rows != 0 {
		t.Errorf("postgres step in the other region: %+v", p)
	}
	if _, err := s.Keys.Opener(ctx, "eu", "acme", ana); !errors.Is(err, shred.ErrErased) {
		t.Fatalf("ana's key still opens: %v", err)
	}
	if _, _, err := g.ByKey(ctx, "acme", mail); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("ana is still found by her address: %v", err)
	}
	if left, err := s.DB.CustomerResidue(ctx, "eu", "acme", []string{bo}); err != nil || left["identities"] != 2 || left["translations"] != 1 || left["consents"] != 1 || left["customer_keys"] != 1 {
		t.Fatalf("bo's rows: %v %v", left, err)
	}
	if cs, err := consents.List(ctx, "eu", "acme", ana); err != nil || len(cs) != 0 {
		t.Fatalf("ana's consents after erasure: %+v %v", cs, err)
	}

	if x := export(t, s, ana); x.Consents == nil || len(x.Consents) != 0 {
		t.Fatalf("ana's consents in her export after erasure: %#v", x.Consents)
	}

	again, err := s.Erase(ctx, erasure.Request{Tenant: "acme", CustomerID: ana, Reason: "Art. 17, asked twice", By: "key2"})
	if err != nil || again.Status != erasure.Completed || again.Previous != c.ID || again.Replacement != c.Replacement {
		t.Fatalf("second erasure: %+v %v", again, err)
	}
	for _, s := range again.Steps {
		if s.Rows != 0 || !s.Verified {
			t.Errorf("second erasure found more: %+v", s)
		}
	}
	if _, err := s.Erase(ctx, erasure.Request{Tenant: "acme", Key: mail, Reason: "x"}); !errors.Is(err, erasure.ErrUnknownCustomer) {
		t.Fatalf("erasure by an erased identity: %v", err)
	}
	if _, err := s.Erase(ctx, erasure.Request{Tenant: "acme", CustomerID: "cus_nobody", Reason: "x"}); !errors.Is(err, erasure.ErrUnknownCustomer) {
		t.Fatalf("erasure of an unknown customer: %v", err)
	}
	certs, err := s.Certificates(ctx, "acme", ana)
	if err != nil || len(certs) != 3 || certs[0].Status != erasure.Blocked || certs[2].ID != again.ID {
		t.Fatalf("certificates: %+v %v", certs, err)
	}
	holds, err := s.Holds.List(ctx, "eu", "acme", true)
	if err != nil || len(holds) != 1 || holds[0].Active() || holds[0].ReleasedBy != "key2" {
		t.Fatalf("holds: %+v %v", holds, err)
	}
}

// A step that fails (PostgreSQL refuses the delete) leaves the erasure INCOMPLETE, never
// COMPLETED, with the failure in the step and the certificate kept; erasing again once the
// store accepts finishes it.
func TestAFailedStepIsIncompleteAndErasingAgainFinishes(t *testing.T) {
	ctx := context.Background()
	s, _ := service(t)
	ana := observe(t, s.Graph, "4915123456789", "ana@example.de", "DE")
	for _, q := range []string{
		`CREATE FUNCTION region_eu.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
		`CREATE TRIGGER refuse BEFORE DELETE ON region_eu.customers FOR EACH ROW EXECUTE FUNCTION region_eu.refuse()`,
	} {
		if _, err := s.DB.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.Erase(ctx, erasure.Request{Tenant: "acme", CustomerID: ana, Reason: "Art. 17", By: "key1"})
	if err != nil || c.Status != erasure.Incomplete {
		t.Fatalf("erasure with a failing store: %+v %v", c, err)
	}
	st := steps(c)
	if p := st["postgres/eu"]; p.Verified || !strings.Contains(p.Detail, "not erased") || !strings.Contains(p.Detail, "refused by the test") {
		t.Errorf("postgres step: %+v", p)
	}
	if k := st["kafka/eu"]; !k.Verified {
		t.Errorf("key step: %+v", k)
	}
	if left, err := s.DB.CustomerResidue(ctx, "eu", "acme", []string{ana}); err != nil || left["identities"] != 2 || left["customers"] != 1 {
		t.Fatalf("ana's rows after the failed step: %v %v", left, err)
	}
	if _, err := s.DB.Pool.Exec(ctx, `DROP TRIGGER refuse ON region_eu.customers`); err != nil {
		t.Fatal(err)
	}
	again, err := s.Erase(ctx, erasure.Request{Tenant: "acme", CustomerID: ana, Reason: "Art. 17, finished", By: "key1"})
	if err != nil || again.Status != erasure.Completed || again.Previous != c.ID {
		t.Fatalf("second erasure: %+v %v", again, err)
	}
	if p := steps(again)["postgres/eu"]; !p.Verified || p.Rows != 3 {
		t.Errorf("second erasure's postgres step: %+v", p)
	}
	certs, err := s.Certificates(ctx, "acme", ana)
	if err != nil || len(certs) != 2 || certs[0].Status != erasure.Incomplete || certs[1].Status != erasure.Completed {
		t.Fatalf("certificates: %+v %v", certs, err)
	}
}
