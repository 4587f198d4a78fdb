package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/commerce"
	"github.com/meridian-cs/meridian/crm"
	"github.com/meridian-cs/meridian/payments"
)

// business are the tenant's business systems Meridian asks on a customer's behalf.
type business struct {
	shop     commerce.Store    // orders, shipments, returns; nil without MERIDIAN_SHOPIFY_* or MERIDIAN_MAGENTO_*
	crm      crm.Directory     // tier and cases; nil without Salesforce or Zendesk settings
	payments payments.Provider // refunds and payment links; nil without --payments-provider
}

// businessIntegrations builds the configured shop platform (MERIDIAN_SHOPIFY_*,
// MERIDIAN_MAGENTO_*), CRM directory (MERIDIAN_SALESFORCE_*, MERIDIAN_ZENDESK_*) and
// payments provider (MERIDIAN_PAYMENTS_*); each is nil when not configured, and nothing
// pretends to know an order, a tier or to refund. A configuration that cannot work fails at
// start-up. The shop answers order questions (answers.AnswerOrder); the CRM gives the
// analysis a customer's tier (crmTiers); payments are not yet called.
func businessIntegrations(cfg config) (business, error) {
	var b business
	var err error
	b.shop, err = commerce.FromConfig(commerce.Settings{ShopifyShop: cfg.str("shopify-shop"), ShopifyAccessToken: cfg.str("shopify-access-token"),
		ShopifyAPIVersion: cfg.str("shopify-api-version"), ShopifyBaseURL: cfg.str("shopify-base-url"),
		MagentoBaseURL: cfg.str("magento-base-url"), MagentoToken: cfg.str("magento-token")}, commerce.Options{})
	if err != nil {
		return b, err
	}
	crmTimeout, err := cfg.duration("crm-timeout")
	if err != nil {
		return b, err
	}
	b.crm, err = crm.FromSettings(crm.Settings{
		SalesforceBaseURL: cfg.str("salesforce-base-url"), SalesforceToken: cfg.str("salesforce-token"),
		SalesforceTierField: cfg.str("salesforce-tier-field"), SalesforceVersion: cfg.str("salesforce-api-version"),
		ZendeskBaseURL: cfg.str("zendesk-base-url"), ZendeskSubdomain: cfg.str("zendesk-subdomain"),
		ZendeskEmail: cfg.str("zendesk-email"), ZendeskAPIToken: cfg.str("zendesk-api-token"), ZendeskTierField: cfg.str("zendesk-tier-field"),
		TierValues: cfg.str("crm-tier-values"), Timeout: crmTimeout,
	})
	if err != nil {
		return b, err
	}
	payTimeout, err := cfg.duration("payments-timeout")
	if err != nil {
		return b, err
	}
	maxAmount, err := strconv.ParseInt(cfg.str("payments-max-amount"), 10, 64)
	if err != nil || maxAmount <= 0 {
		return b, fmt.Errorf("--payments-max-amount: %q is not a positive number of minor units", cfg.str("payments-max-amount"))
	}
	b.payments, err = payments.FromSettings(payments.Settings{
		Provider: cfg.str("payments-provider"), BaseURL: cfg.str("payments-base-url"), Token: cfg.str("payments-token"),
		AccountIBAN: cfg.str("payments-account-iban"), AccountBIC: cfg.str("payments-account-bic"), AccountName: cfg.str("payments-account-name"),
		PSUIPAddress: cfg.str("payments-psu-ip"), RedirectURI: cfg.str("payments-redirect-uri"),
		PartnerID: cfg.str("payments-partner-id"), PartnerSecret: cfg.str("payments-partner-secret"), MerchantID: cfg.str("payments-merchant-id"),
		ClientID: cfg.str("payments-client-id"), Country: cfg.str("payments-country"), MaxAmount: maxAmount, Timeout: payTimeout,
	})
	return b, err
}

// crmTiers asks the CRM for customers' tiers on the analysis' behalf, remembering each
// answer for an hour (by a hash of the contact details, never the details themselves) so
// that a conversation's messages ask once, and giving each lookup two seconds so that a slow
// CRM delays the analysis little.
type crmTiers struct {
	dir crm.Directory
	mu  sync.Mutex
	got map[[32]byte]tierEntry
}

type tierEntry struct {
	tier string
	at   time.Time
}

const (
	crmTierTTL     = time.Hour
	crmTierTimeout = 2 * time.Second
	crmTiersKept   = 100_000
)

// Tier implements enrich.Handler.Tier; a customer the CRM does not know has no tier.
func (c *crmTiers) Tier(ctx context.Context, email, phone string) (string, error) {
	key := sha256.Sum256([]byte(email + "\x00" + phone))
	c.mu.Lock()
	e, ok := c.got[key]
	c.mu.Unlock()
	if ok && time.Since(e.at) < crmTierTTL {
		return e.tier, nil
	}
	ctx, cancel := context.WithTimeout(ctx, crmTierTimeout)
	defer cancel()
	p, err := c.dir.Profile(ctx, crm.Lookup{Email: email, Phone: phone})
	switch {
	case errors.Is(err, crm.ErrNotFound):
	case err != nil:
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.got == nil || len(c.got) >= crmTiersKept {
		c.got = map[[32]byte]tierEntry{}
	}
	c.got[key] = tierEntry{tier: p.Tier, at: time.Now()}
	return p.Tier, nil
}
