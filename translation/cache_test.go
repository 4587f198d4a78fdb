package translation

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

// counting records the batches it is asked to translate.
type counting struct {
	calls [][]string
	err   error
}

func (c *counting) Name() string { return "counting" }

func (c *counting) Translate(_ context.Context, req Request) (Result, error) {
	c.calls = append(c.calls, slices.Clone(req.Text))
	if c.err != nil {
		return Result{}, c.err
	}
	res := Result{Provider: "counting", DetectedSource: "de"}
	for _, t := range req.Text {
		res.Texts = append(res.Texts, fakeTranslate(req.Target, t))
	}
	return res, nil
}

func TestCachedSecondCallHits(t *testing.T) {
	inner := &counting{}
	store := NewMemoryCache()
	tr := Cached(inner, store)
	ctx := WithScope(context.Background(), Scope{Region: "eu", Customer: "c-1"})
	req := Request{Text: []string{"Hallo", "Welt 🌍"}, Target: "ja", Domain: "ecommerce"}
	first, err := tr.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	second, err := tr.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(inner.calls) != 1 || second.Provider != "cache" || !slices.Equal(first.Texts, second.Texts) || second.DetectedSource != "de" {
		t.Fatalf("calls %v, second %+v", inner.calls, second)
	}
	// A batch with one new text sends only that one, and keeps the order.
	mixed, err := tr.Translate(ctx, Request{Text: []string{"neu", "Hallo"}, Target: "ja", Domain: "ecommerce"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inner.calls[1], []string{"neu"}) || mixed.Texts[0] != fakeTranslate("ja", "neu") || mixed.Texts[1] != fakeTranslate("ja", "Hallo") {
		t.Fatalf("calls %v, mixed %+v", inner.calls, mixed)
	}
}

func TestCachedKeyedByEverything(t *testing.T) {
	inner := &counting{}
	tr := Cached(inner, NewMemoryCache())
	ctx := WithScope(context.Background(), Scope{Region: "eu", Customer: "c-1"})
	base := Request{Text: []string{"Hallo"}, Source: "de", Target: "en", Domain: "finance"}
	variants := []Request{base}
	for _, f := range []func(*Request){
		func(r *Request) { r.Target = "fr" },
		func(r *Request) { r.Domain = "ecommerce" },
		func(r *Request) { r.Domain = "" },
		func(r *Request) { r.Source = "" },
		func(r *Request) { r.Formality = "more" },
		func(r *Request) { r.Text = []string{"Hallo!"} },
	} {
		r := base
		f(&r)
		variants = append(variants, r)
	}
	for _, r := range variants {
		if _, err := tr.Translate(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if len(inner.calls) != len(variants) {
		t.Fatalf("%d provider calls for %d distinct requests", len(inner.calls), len(variants))
	}
	// Another customer does not share the entries; no scope, no cache.
	_, _ = tr.Translate(WithScope(context.Background(), Scope{Region: "eu", Customer: "c-2"}), base)
	_, _ = tr.Translate(context.Background(), base)
	_, _ = tr.Translate(context.Background(), base)
	if len(inner.calls) != len(variants)+3 {
		t.Fatalf("%d calls", len(inner.calls))
	}
}

func TestCacheErasedWithCustomer(t *testing.T) {
	inner := &counting{}
	store := NewMemoryCache()
	tr := Cached(inner, store)
	for _, c := range []string{"c-1", "c-2"} {
		ctx := WithScope(context.Background(), Scope{Region: "eu", Customer: c})
		_, _ = tr.Translate(ctx, Request{Text: []string{"a", "b"}, Target: "en"})
	}
	if n := store.EraseCustomer("eu", "c-1"); n != 2 || store.Len() != 2 {
		t.Fatalf("erased %d, left %d", n, store.Len())
	}
	for k := range store.m {
		if strings.Contains(k.String(), "a") && k.TextSHA256 == "" {
			t.Fatal("key without digest")
		}
	}
}

func TestCachedFailureNotCached(t *testing.T) {
	inner := &counting{err: &ProviderError{Service: "translation", Provider: "counting", Kind: ErrQuota}}
	store := NewMemoryCache()
	tr := Cached(inner, store)
	ctx := WithScope(context.Background(), Scope{Region: "eu", Customer: "c-1"})
	if _, err := tr.Translate(ctx, Request{Text: []string{"a"}, Target: "en"}); !errors.Is(err, ErrQuota) {
		t.Fatal(err)
	}
	if store.Len() != 0 {
		t.Fatal("a failure was cached")
	}
}

func TestFromConfig(t *testing.T) {
	tr, err := FromConfig(Settings{})
	if tr != nil || err != nil {
		t.Fatalf("no provider: %v %v", tr, err)
	}
	if Cached(nil, NewMemoryCache()) != nil || Logged(nil, nil) != nil {
		t.Fatal("decorators must keep nil meaning no translation")
	}
	env := map[string]string{"MERIDIAN_TRANSLATE_PROVIDER": "DeepL", "MERIDIAN_TRANSLATE_KEY": "k:fx"}
	tr, err = FromConfig(SettingsFromEnv(func(k string) string { return env[k] }))
	if d, ok := tr.(*DeepL); !ok || err != nil || d.base() != DeepLFreeURL {
		t.Fatalf("deepl: %T %v", tr, err)
	}
	for _, s := range []Settings{
		{Provider: "google", Key: "k"}, {Provider: "libretranslate", URL: "http://lt:5000"}, {Provider: "openai", Model: "gpt-4o-mini"},
	} {
		tr, err := FromConfig(s)
		if err != nil || tr == nil || nameOf(tr) != strings.TrimSuffix(s.Provider, "") {
			t.Errorf("%+v: %T %v", s, tr, err)
		}
	}
	for _, s := range []Settings{
		{Provider: "deepl"}, {Provider: "google"}, {Provider: "libretranslate"}, {Provider: "openai"}, {Provider: "babelfish"},
	} {
		if _, err := FromConfig(s); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}

func TestLoggedLetsTheMessageFlowOn(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, nil))
	inner := &counting{err: &ProviderError{Service: "translation", Provider: "counting", Status: 429, Code: "rate_limit_exceeded", Kind: ErrRateLimited, Retryable: true}}
	_, err := Logged(inner, l).Translate(context.Background(), Request{Text: []string{"geheime Nachricht"}, Target: "en"})
	if !errors.Is(err, ErrRateLimited) || !strings.Contains(Reason(err), "rate limited") {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "translation failed") || !strings.Contains(out, "status=429") || strings.Contains(out, "geheime") {
		t.Fatalf("log %s", out)
	}
}
