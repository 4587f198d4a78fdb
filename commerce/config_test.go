package commerce

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFromConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	if s, err := FromConfig(SettingsFromEnv(env(nil)), Options{}); s != nil || err != nil {
		t.Fatalf("nothing configured: %v %v", s, err)
	}
	if s, err := FromConfig(SettingsFromEnv(env(map[string]string{"MERIDIAN_SHOPIFY_API_VERSION": "2026-07"})), Options{}); s != nil || err != nil {
		t.Fatalf("a version alone: %v %v", s, err)
	}

	s, err := FromConfig(SettingsFromEnv(env(map[string]string{"MERIDIAN_SHOPIFY_SHOP": "acme.myshopify.com", "MERIDIAN_SHOPIFY_ACCESS_TOKEN": "shpat_x"})), Options{})
	if err != nil || s.Name() != "shopify" || s.(*Shopify).endpoint != "https://acme.myshopify.com/admin/api/"+DefaultShopifyAPIVersion+"/graphql.json" {
		t.Fatalf("shopify: %v %+v", err, s)
	}
	s, err = FromConfig(Settings{ShopifyShop: "acme", ShopifyAccessToken: "shpat_x", ShopifyAPIVersion: "2026-07"}, Options{})
	if err != nil || s.(*Shopify).endpoint != "https://acme.myshopify.com/admin/api/2026-07/graphql.json" {
		t.Fatalf("shopify with a version: %v %+v", err, s)
	}
	s, err = FromConfig(Settings{MagentoBaseURL: "https://shop.example.com/", MagentoToken: "tok"}, Options{})
	if err != nil || s.Name() != "magento" || s.(*Magento).base != "https://shop.example.com/rest/V1" {
		t.Fatalf("magento: %v %+v", err, s)
	}
	s, err = FromConfig(Settings{MagentoBaseURL: "https://shop.example.com/rest/de", MagentoToken: "tok"}, Options{})
	if err != nil || s.(*Magento).base != "https://shop.example.com/rest/de/V1" {
		t.Fatalf("magento with a store code: %v %+v", err, s)
	}

	for _, bad := range []struct {
		s    Settings
		says string
	}{
		{Settings{ShopifyShop: "acme"}, "MERIDIAN_SHOPIFY_ACCESS_TOKEN"},
		{Settings{ShopifyAccessToken: "shpat_x"}, "MERIDIAN_SHOPIFY_SHOP"},
		{Settings{ShopifyShop: "evil.example.com/x", ShopifyAccessToken: "shpat_x"}, "MERIDIAN_SHOPIFY_SHOP"},
		{Settings{MagentoBaseURL: "https://shop.example.com"}, "MERIDIAN_MAGENTO_TOKEN"},
		{Settings{MagentoToken: "tok"}, "MERIDIAN_MAGENTO_BASE_URL"},
		{Settings{MagentoBaseURL: "shop.example.com", MagentoToken: "tok"}, "MERIDIAN_MAGENTO_BASE_URL"},
		{Settings{ShopifyShop: "acme", ShopifyAccessToken: "x", MagentoBaseURL: "https://m.example", MagentoToken: "y"}, "both"},
	} {
		if s, err := FromConfig(bad.s, Options{}); s != nil || err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%+v: %v %v", bad.s, s, err)
		}
	}
}

// The same order, shown or not by who asks.
func TestVisible(t *testing.T) {
	o := Order{Email: " Anna.Schmidt@Example.de", Phone: "0151 1234 5678", Country: "DE"}
	for _, c := range []Customer{
		{Email: "anna.schmidt@example.de"},
		{Email: "<ANNA.SCHMIDT@EXAMPLE.DE>"},
		{Phone: "+4915112345678"},
		{Email: "someone@else.de", Phone: "+49 151 12345678"},
	} {
		if !Visible(o, c) {
			t.Errorf("%+v may see the order", c)
		}
	}
	for _, c := range []Customer{
		{},
		{Email: "anna.schmidt@example.com"},
		{Email: "anna.schmidt+x@example.de"},
		{Phone: "+4915112345679"},
		{Phone: "015112345678"}, // the customer's own number must be E.164: no country to guess
		{Phone: "+3315112345678"},
	} {
		if Visible(o, c) {
			t.Errorf("%+v may not see the order", c)
		}
	}
	// An order without contact details is nobody's.
	if Visible(Order{}, Customer{Email: "anna@example.de", Phone: "+4915112345678"}) {
		t.Error("an order without contact was shown")
	}
	// International prefix 00 reads as +.
	if !Visible(Order{Phone: "0049 151 12345678"}, Customer{Phone: "+4915112345678"}) {
		t.Error("00 prefix")
	}
}

// The caller's context bounds everything, retries and waits included.
func TestCancelledContextStopsRetries(t *testing.T) {
	f, srv := newFakeShopify(t)
	ctx, cancel := context.WithCancel(context.Background())
	f.faults = []func(w http.ResponseWriter){func(w http.ResponseWriter) {
		cancel()
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}}
	s, err := NewShopify("", f.token, "", srv.URL, Options{Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Order(ctx, anna, "1001"); err == nil || f.calls != 1 {
		t.Fatalf("%v after %d calls", err, f.calls)
	}
}
