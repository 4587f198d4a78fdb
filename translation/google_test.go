package translation

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// googleServer implements Cloud Translation v2's POST /language/translate/v2.
func googleServer(t *testing.T, key string, got *googleRequest) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		if r.Method != http.MethodPost || r.URL.Path != "/language/translate/v2" {
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"error":{"code":404,"message":"Not Found","errors":[{"reason":"notFound"}]}}`)
			return
		}
		if r.URL.Query().Get("key") != key {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","errors":[{"message":"API key not valid. Please pass a valid API key.","domain":"global","reason":"badRequest"}],"status":"INVALID_ARGUMENT"}}`)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, got); err != nil || len(got.Q) == 0 || got.Target == "" {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":{"code":400,"message":"Required Text","errors":[{"reason":"required"}]}}`)
			return
		}
		type tr struct {
			TranslatedText string `json:"translatedText"`
			Detected       string `json:"detectedSourceLanguage,omitempty"`
		}
		var out struct {
			Data struct {
				Translations []tr `json:"translations"`
			} `json:"data"`
		}
		for _, q := range got.Q {
			d := ""
			if got.Source == "" {
				d = "ja"
			}
			out.Data.Translations = append(out.Data.Translations, tr{TranslatedText: fakeTranslate(got.Target, q), Detected: d})
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
}

func TestGoogleBatchAndScripts(t *testing.T) {
	var got googleRequest
	srv := googleServer(t, "g-key", &got)
	defer srv.Close()
	res, err := NewGoogle(Config{BaseURL: srv.URL, APIKey: "g-key"}).Translate(context.Background(), Request{Text: world, Target: "zh-TW"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Q, world) || got.Target != "zh-TW" || got.Source != "" || got.Format != "text" {
		t.Fatalf("request %+v", got)
	}
	if res.Provider != "google" || res.DetectedSource != "ja" {
		t.Fatalf("result %+v", res)
	}
	for i := range world {
		if res.Texts[i] != fakeTranslate("zh-TW", world[i]) {
			t.Errorf("text %d: %q", i, res.Texts[i])
		}
	}
	if _, err := NewGoogle(Config{BaseURL: srv.URL, APIKey: "wrong"}).Translate(context.Background(), Request{Text: world, Target: "de"}); !errorsIs(err, ErrAuth) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestGoogleEnforcesGlossary(t *testing.T) {
	srv := stub(200, "", `{"data":{"translations":[{"translatedText":"Your operating instructions describe the intended use."}]}}`)
	defer srv.Close()
	res, err := NewGoogle(Config{BaseURL: srv.URL, APIKey: "k"}).Translate(context.Background(),
		Request{Text: []string{"Ihre Gebrauchsanweisung beschreibt die Zweckbestimmung."}, Source: "de", Target: "en", Domain: "medical-devices"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Your instructions for use describe the intended purpose."; res.Texts[0] != want {
		t.Fatalf("got %q, want %q", res.Texts[0], want)
	}
}

func TestGoogleErrors(t *testing.T) {
	mk := func(base string) Translator { return NewGoogle(Config{BaseURL: base, APIKey: "k"}) }
	runErrorCases(t, mk, []errCase{
		{name: "key invalid", status: 400, body: `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","errors":[{"message":"API key not valid.","domain":"global","reason":"badRequest"}],"status":"INVALID_ARGUMENT"}}`, kind: ErrAuth, code: "badRequest"},
		{name: "keyInvalid reason", status: 400, body: `{"error":{"code":400,"message":"Bad Request","errors":[{"reason":"keyInvalid"}]}}`, kind: ErrAuth, code: "keyInvalid"},
		{name: "bad language", status: 400, body: `{"error":{"code":400,"message":"Bad language pair: de|xx","errors":[{"message":"Bad language pair: de|xx","domain":"global","reason":"invalid"}]}}`, kind: ErrUnsupported, code: "invalid"},
		{name: "daily limit", status: 403, body: `{"error":{"code":403,"message":"Daily Limit Exceeded","errors":[{"message":"Daily Limit Exceeded","domain":"usageLimits","reason":"dailyLimitExceeded"}]}}`, kind: ErrQuota, code: "dailyLimitExceeded"},
		{name: "user rate limit", status: 403, retryAfter: "30", body: `{"error":{"code":403,"message":"User Rate Limit Exceeded","errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded"}]}}`, kind: ErrRateLimited, retryable: true, code: "userRateLimitExceeded", wait: 30 * time.Second},
		{name: "429 resource exhausted", status: 429, body: `{"error":{"code":429,"message":"Quota exceeded for quota metric","status":"RESOURCE_EXHAUSTED"}}`, kind: ErrRateLimited, retryable: true, code: "RESOURCE_EXHAUSTED"},
		{name: "500 backend", status: 500, body: `{"error":{"code":500,"message":"Internal error","errors":[{"reason":"backendError"}]}}`, kind: ErrProvider, retryable: true, code: "backendError"},
		{name: "502 no body", status: 502, body: ``, kind: ErrProvider, retryable: true},
	})
	testMalformed(t, mk, `{"data":{"translations":[{"translatedText":"one"}]}}`, `{"data":[]}`)
	testTimeout(t, func(base string, d time.Duration) Translator {
		return NewGoogle(Config{BaseURL: base, APIKey: "k", Timeout: d})
	})
}
