package main

import (
	"flag"
	"testing"
)

func TestBusinessIntegrationsFromSettings(t *testing.T) {
	parse := func(args ...string) config {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		c := bindConfig(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return c
	}
	b, err := businessIntegrations(parse())
	if b.shop != nil || b.crm != nil || b.payments != nil || err != nil {
		t.Fatalf("nothing configured: %+v %v", b, err)
	}
	b, err = businessIntegrations(parse("--zendesk-subdomain", "acme", "--zendesk-email", "a@acme.example", "--zendesk-api-token", "t",
		"--payments-provider", "sepa", "--payments-base-url", "https://bank.example", "--payments-token", "t",
		"--payments-account-iban", "DE89 3704 0044 0532 0130 00", "--payments-account-name", "Acme GmbH",
		"--shopify-shop", "acme", "--shopify-access-token", "shpat_x"))
	if err != nil || b.crm.Name() != "zendesk" || b.payments.Name() != "sepa" || b.shop.Name() != "shopify" {
		t.Fatalf("configured: %+v %v", b, err)
	}
	for _, args := range [][]string{
		{"--salesforce-base-url", "https://acme.my.salesforce.com"},                                                     // no token
		{"--salesforce-base-url", "https://a.my.salesforce.com", "--salesforce-token", "t", "--zendesk-subdomain", "a"}, // both
		{"--payments-provider", "sepa", "--payments-token", "t"},                                                        // no account
		{"--payments-provider", "grabpay", "--payments-max-amount", "0"},
		{"--crm-timeout", "soon"},
		{"--shopify-shop", "acme"}, // no token
		{"--magento-base-url", "https://shop.example", "--magento-token", "t", "--shopify-shop", "a", "--shopify-access-token", "t"}, // both
	} {
		if _, err := businessIntegrations(parse(args...)); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
