package crm

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Settings are the MERIDIAN_SALESFORCE_*, MERIDIAN_ZENDESK_* and MERIDIAN_CRM_* settings
// cmd/meridian reads.
type Settings struct {
	SalesforceBaseURL, SalesforceToken, SalesforceTierField, SalesforceVersion        string
	ZendeskBaseURL, ZendeskSubdomain, ZendeskEmail, ZendeskAPIToken, ZendeskTierField string
	// TierValues is "CRMVALUE=tier,..." (e.g. "Gold=vip,Silver=returning").
	TierValues string

	// HTTPClient and Timeout are passed to the adapter (nil and 0: defaults).
	HTTPClient *http.Client
	Timeout    time.Duration
}

// FromSettings returns the configured Directory, or nil and no error when no CRM is
// configured: callers treat nil as "no CRM", and no tier or case is made up. Configuring
// both CRMs, or one incompletely, is an error at start-up rather than at the first lookup.
func FromSettings(s Settings) (Directory, error) {
	values, err := ParseTierValues(s.TierValues)
	if err != nil {
		return nil, err
	}
	cfg := Config{TierValues: values, HTTPClient: s.HTTPClient, Timeout: s.Timeout}
	sf := strings.TrimSpace(s.SalesforceBaseURL) != "" || strings.TrimSpace(s.SalesforceToken) != ""
	zd := strings.TrimSpace(s.ZendeskBaseURL) != "" || strings.TrimSpace(s.ZendeskSubdomain) != "" ||
		strings.TrimSpace(s.ZendeskEmail) != "" || strings.TrimSpace(s.ZendeskAPIToken) != ""
	switch {
	case sf && zd:
		return nil, errors.New("crm: both Salesforce and Zendesk are configured; configure one")
	case sf:
		cfg.BaseURL, cfg.TierField = s.SalesforceBaseURL, s.SalesforceTierField
		return NewSalesforce(SalesforceConfig{Config: cfg, Token: s.SalesforceToken, Version: s.SalesforceVersion})
	case zd:
		cfg.BaseURL, cfg.TierField = s.ZendeskBaseURL, s.ZendeskTierField
		return NewZendesk(ZendeskConfig{Config: cfg, Subdomain: s.ZendeskSubdomain, Email: s.ZendeskEmail, APIToken: s.ZendeskAPIToken})
	}
	return nil, nil
}

// ParseTierValues reads "CRMVALUE=tier,..." where each tier is vip, returning or new.
func ParseTierValues(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		k, v = strings.TrimSpace(k), strings.ToLower(strings.TrimSpace(v))
		if !ok || k == "" {
			return nil, fmt.Errorf("crm: tier value %q is not CRMVALUE=tier", p)
		}
		if v != TierVIP && v != TierReturning && v != TierNew {
			return nil, fmt.Errorf("crm: tier value %q maps to %q, not vip, returning or new", p, v)
		}
		out[k] = v
	}
	return out, nil
}
