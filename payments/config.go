package payments

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Settings are the MERIDIAN_PAYMENTS_* settings cmd/meridian reads.
type Settings struct {
	// Provider is "" (none), "sepa" or "grabpay".
	Provider string
	BaseURL  string
	// Token is the SEPA adapter's XS2A access token.
	Token string
	// AccountIBAN, AccountBIC and AccountName are the merchant's account (SEPA).
	AccountIBAN, AccountBIC, AccountName string
	// PSUIPAddress is the SEPA adapter's PSU-IP-Address.
	PSUIPAddress string
	// RedirectURI is where customers return after paying a link.
	RedirectURI string
	// PartnerID, PartnerSecret, MerchantID, ClientID and Country are GrabPay's.
	PartnerID, PartnerSecret, MerchantID, ClientID, Country string
	// MaxAmount bounds one refund or link in minor units (0: 1,000,000).
	MaxAmount int64

	HTTPClient *http.Client
	Timeout    time.Duration
}

// FromSettings returns the configured Provider, or nil and no error when none is
// configured: callers treat nil as "no refunds or payment links", and none is promised.
func FromSettings(s Settings) (Provider, error) {
	cfg := Config{BaseURL: s.BaseURL, MaxAmount: s.MaxAmount, HTTPClient: s.HTTPClient, Timeout: s.Timeout}
	if s.MaxAmount < 0 {
		return nil, fmt.Errorf("payments: maximum amount %d is negative", s.MaxAmount)
	}
	switch p := strings.ToLower(strings.TrimSpace(s.Provider)); p {
	case "", "none", "off":
		return nil, nil
	case "sepa":
		return NewSEPA(SEPAConfig{Config: cfg, Token: s.Token, PSUIPAddress: s.PSUIPAddress, RedirectURI: s.RedirectURI,
			Account: BankAccount{IBAN: s.AccountIBAN, BIC: s.AccountBIC, Name: s.AccountName}})
	case "grabpay":
		return NewGrabPay(GrabPayConfig{Config: cfg, PartnerID: s.PartnerID, PartnerSecret: s.PartnerSecret, MerchantID: s.MerchantID,
			ClientID: s.ClientID, RedirectURI: s.RedirectURI, Country: s.Country})
	default:
		return nil, fmt.Errorf("payments: unknown provider %q (want sepa or grabpay)", s.Provider)
	}
}
