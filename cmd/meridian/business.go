package main

import (
	"fmt"
	"strconv"

	"github.com/meridian-cs/meridian/crm"
	"github.com/meridian-cs/meridian/payments"
)

// businessIntegrations builds the configured CRM directory (MERIDIAN_SALESFORCE_*,
// MERIDIAN_ZENDESK_*) and payments provider (MERIDIAN_PAYMENTS_*); either is nil when not
// configured, and nothing pretends to know a tier or to refund. A configuration that
// cannot work fails at start-up.
func businessIntegrations(cfg config) (crm.Directory, payments.Provider, error) {
	crmTimeout, err := cfg.duration("crm-timeout")
	if err != nil {
		return nil, nil, err
	}
	dir, err := crm.FromSettings(crm.Settings{
		SalesforceBaseURL: cfg.str("salesforce-base-url"), SalesforceToken: cfg.str("salesforce-token"),
		SalesforceTierField: cfg.str("salesforce-tier-field"), SalesforceVersion: cfg.str("salesforce-api-version"),
		ZendeskBaseURL: cfg.str("zendesk-base-url"), ZendeskSubdomain: cfg.str("zendesk-subdomain"),
		ZendeskEmail: cfg.str("zendesk-email"), ZendeskAPIToken: cfg.str("zendesk-api-token"), ZendeskTierField: cfg.str("zendesk-tier-field"),
		TierValues: cfg.str("crm-tier-values"), Timeout: crmTimeout,
	})
	if err != nil {
		return nil, nil, err
	}
	payTimeout, err := cfg.duration("payments-timeout")
	if err != nil {
		return nil, nil, err
	}
	maxAmount, err := strconv.ParseInt(cfg.str("payments-max-amount"), 10, 64)
	if err != nil || maxAmount <= 0 {
		return nil, nil, fmt.Errorf("--payments-max-amount: %q is not a positive number of minor units", cfg.str("payments-max-amount"))
	}
	pay, err := payments.FromSettings(payments.Settings{
		Provider: cfg.str("payments-provider"), BaseURL: cfg.str("payments-base-url"), Token: cfg.str("payments-token"),
		AccountIBAN: cfg.str("payments-account-iban"), AccountBIC: cfg.str("payments-account-bic"), AccountName: cfg.str("payments-account-name"),
		PSUIPAddress: cfg.str("payments-psu-ip"), RedirectURI: cfg.str("payments-redirect-uri"),
		PartnerID: cfg.str("payments-partner-id"), PartnerSecret: cfg.str("payments-partner-secret"), MerchantID: cfg.str("payments-merchant-id"),
		ClientID: cfg.str("payments-client-id"), Country: cfg.str("payments-country"), MaxAmount: maxAmount, Timeout: payTimeout,
	})
	if err != nil {
		return nil, nil, err
	}
	return dir, pay, nil
}
