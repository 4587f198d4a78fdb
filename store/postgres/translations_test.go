package postgres_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/translation"
)

// countingTranslator upper-cases, counting the texts it was asked for.
type countingTranslator struct{ texts int }

func (c *countingTranslator) Translate(_ context.Context, r translation.Request) (translation.Result, error) {
	out := make([]string, len(r.Text))
	for i, t := range r.Text {
		out[i] = strings.ToUpper(t)
	}
	c.texts += len(r.Text)
	return translation.Result{Texts: out, Provider: "upper"}, nil
}

// Translations are cached per customer in their region, sealed with their key: a second
// request is answered from PostgreSQL, another customer's is not, and an erased customer's
// translations are gone.
func TestTranslationsAreCachedPerCustomerAndErasedWithThem(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	kr, err := shred.NewKeyring(db.Keys(), bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	provider := &countingTranslator{}
	tr := translation.Cached(provider, &postgres.TranslationCache{DB: db, Keys: kr})
	req := translation.Request{Text: []string{"wo ist meine bestellung?", "danke"}, Source: "de", Target: "en"}
	ana := translation.WithScope(ctx, translation.Scope{Tenant: "acme", Region: "eu", Customer: "cust-ana"})
	for range 2 {
		res, err := tr.Translate(ana, req)
		if err != nil || res.Texts[0] != "WO IST MEINE BESTELLUNG?" {
			t.Fatalf("%+v %v", res, err)
		}
	}
	if provider.texts != 2 {
		t.Fatalf("the provider translated %d texts for two identical requests, want 2", provider.texts)
	}
	var sealed string
	if err := db.Pool.QueryRow(ctx, `SELECT sealed FROM region_eu.translations LIMIT 1`).Scan(&sealed); err != nil || strings.Contains(sealed, "BESTELLUNG") {
		t.Fatalf("stored in the clear: %q %v", sealed, err)
	}
	bob := translation.WithScope(ctx, translation.Scope{Tenant: "acme", Region: "eu", Customer: "cust-bob"})
	if _, err := tr.Translate(bob, req); err != nil || provider.texts != 4 {
		t.Fatalf("another customer's request was answered from Ana's cache (%d texts, %v)", provider.texts, err)
	}
	if err := kr.Erase(ctx, "eu", "acme", "cust-ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Translate(ana, req); err != nil || provider.texts != 6 {
		t.Fatalf("an erased customer's translation was still read (%d texts, %v)", provider.texts, err)
	}
}
