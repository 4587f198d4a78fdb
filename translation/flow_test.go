package translation

import (
	"context"
	"errors"
	"testing"
)

func TestForAgentNothingPretends(t *testing.T) {
	r := ForAgent(context.Background(), nil, "สวัสดีครับ", "th", "en", "")
	if r.Original != "สวัสดีครับ" || r.Language != "th" || r.Translation != "" || r.Note != "" || r.Err != nil {
		t.Fatalf("%+v", r)
	}
	if _, err := ForCustomer(context.Background(), nil, "Hello", "en", "th", ""); !errors.Is(err, ErrNotConfigured) {
		t.Fatalf("reply without a provider: %v", err)
	}
}

func TestForAgentFailureFlowsOn(t *testing.T) {
	inner := &counting{err: &ProviderError{Service: "translation", Provider: "deepl", Status: 456, Kind: ErrQuota}}
	r := ForAgent(context.Background(), inner, "Wo ist mein Paket?", "de", "en", "ecommerce")
	if r.Original != "Wo ist mein Paket?" || r.Translation != "" || !errors.Is(r.Err, ErrQuota) || r.Note != "Not translated: deepl quota is used up." {
		t.Fatalf("%+v", r)
	}
}

func TestForAgentAndReply(t *testing.T) {
	inner := &counting{}
	r := ForAgent(context.Background(), inner, "注文はどこですか", "", "en-GB", "")
	if r.Translation != fakeTranslate("en-GB", "注文はどこですか") || r.Language != "de" || r.Provider != "counting" {
		t.Fatalf("%+v", r)
	}
	// Same language: no call.
	_ = ForAgent(context.Background(), inner, "Hello", "en-US", "en-GB", "")
	res, err := ForCustomer(context.Background(), inner, "Your parcel left today.", "en", "ja", "")
	if err != nil || res.Texts[0] != fakeTranslate("ja", "Your parcel left today.") {
		t.Fatalf("%+v %v", res, err)
	}
	res, err = ForCustomer(context.Background(), inner, "Hi", "en", "en-US", "")
	if err != nil || res.Texts[0] != "Hi" || len(inner.calls) != 2 {
		t.Fatalf("%+v %v %v", res, err, inner.calls)
	}
}
