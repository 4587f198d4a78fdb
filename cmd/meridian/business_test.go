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
	dir, pay, err := businessIntegrations(parse())
	if dir != nil || pay != nil || err != nil {
		t.Fatalf("nothing configured: %v %v %v", dir, pay, err)
	}
	dir, pay, err = businessIntegrations(parse("--zendesk-subdomain", "acme", "--zendesk-email", "a@acme.example", "--zendesk-api-token", "t",
		"--payments-provider", "sepa", "--payments-base-url", "https://bank.example", "--payments-token", "t",
		"--payments-account-iban", "DE89 3704 0044 0532 0130 00", "--payments-account-name", "Acme GmbH"))
	if err != nil || dir.Name() != "zendesk" || pay.Name() != "sepa" {
		t.Fatalf("configured: %v %v %v", dir, pay, err)
	}
	for _, args := range [][]string{
		{"--salesforce-base-url", "https://acme.my.salesforce.com"},                                                     // no token
		{"--salesforce-base-url", "https://a.my.salesforce.com", "--salesforce-token", "t", "--zendesk-subdomain", "a"}, // both
		{"--payments-provider", "sepa", "--payments-token", "t"},                                                        // no account
		{"--payments-provider", "grabpay", "--payments-max-amount", "0"},
		{"--crm-timeout", "soon"},
	} {
		if _, _, err := businessIntegrations(parse(args...)); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
