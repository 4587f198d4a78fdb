package commerce

import (
	"errors"
	"strings"
)

// Settings choose the shop platform; the core fills them from MERIDIAN_SHOPIFY_* and
// MERIDIAN_MAGENTO_*.
type Settings struct {
	// ShopifyShop is the shop ("acme" or "acme.myshopify.com"); ShopifyAccessToken an Admin
	// API access token (read_orders, read_customers, write_returns); ShopifyAPIVersion ""
	// for DefaultShopifyAPIVersion; ShopifyBaseURL replaces https://{shop}.myshopify.com.
	ShopifyShop, ShopifyAccessToken, ShopifyAPIVersion, ShopifyBaseURL string
	// MagentoBaseURL is the shop's URL; MagentoToken an integration's access token
	// (Magento_Sales::sales, Magento_Rma::magento_rma).
	MagentoBaseURL, MagentoToken string
}

// SettingsFromEnv reads the settings with getenv (os.Getenv).
func SettingsFromEnv(getenv func(string) string) Settings {
	return Settings{
		ShopifyShop:        getenv("MERIDIAN_SHOPIFY_SHOP"),
		ShopifyAccessToken: getenv("MERIDIAN_SHOPIFY_ACCESS_TOKEN"),
		ShopifyAPIVersion:  getenv("MERIDIAN_SHOPIFY_API_VERSION"),
		ShopifyBaseURL:     getenv("MERIDIAN_SHOPIFY_BASE_URL"),
		MagentoBaseURL:     getenv("MERIDIAN_MAGENTO_BASE_URL"),
		MagentoToken:       getenv("MERIDIAN_MAGENTO_TOKEN"),
	}
}

func (s Settings) shopify() bool {
	return strings.TrimSpace(s.ShopifyShop+s.ShopifyAccessToken+s.ShopifyBaseURL) != ""
}

func (s Settings) magento() bool {
	return strings.TrimSpace(s.MagentoBaseURL+s.MagentoToken) != ""
}

// FromConfig returns the configured Store, or nil and no error when no platform is
// configured: callers then say there is no commerce connector and look nothing up. A
// platform configured in part, or two at once, is an error at start-up rather than at the
// first customer's question. (The API version alone configures nothing: it has a default.)
func FromConfig(s Settings, opt Options) (Store, error) {
	switch {
	case s.shopify() && s.magento():
		return nil, errors.New("commerce: both Shopify (MERIDIAN_SHOPIFY_*) and Magento (MERIDIAN_MAGENTO_*) are configured; Meridian answers for one shop platform")
	case s.shopify():
		if strings.TrimSpace(s.ShopifyShop) == "" && strings.TrimSpace(s.ShopifyBaseURL) == "" {
			return nil, errors.New("commerce: shopify needs the shop (MERIDIAN_SHOPIFY_SHOP)")
		}
		sh, err := NewShopify(s.ShopifyShop, s.ShopifyAccessToken, s.ShopifyAPIVersion, s.ShopifyBaseURL, opt)
		if err != nil {
			return nil, err // not a nil *Shopify in a non-nil Store
		}
		return sh, nil
	case s.magento():
		m, err := NewMagento(s.MagentoBaseURL, s.MagentoToken, opt)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	return nil, nil
}
