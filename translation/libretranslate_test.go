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

// libreServer implements LibreTranslate's POST /translate (q a string or an array).
func libreServer(t *testing.T, key string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/translate" {
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"error":"Not Found"}`)
			return
		}
		var req struct {
			Q      json.RawMessage `json:"q"`
			Source string          `json:"source"`
			Target string          `json:"target"`
			Format string          `json:"format"`
			APIKey string          `json:"api_key"`
		}
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &req); err != nil {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":"Invalid request: missing q parameter"}`)
			return
		}
		if req.APIKey != key {
			w.WriteHeader(403)
			_, _ = io.WriteString(w, `{"error":"Invalid API key"}`)
			return
		}
		if req.Format != "text" || req.Source == "" || req.Target == "" {
			t.Errorf("request %s", raw)
		}
		if req.Target == "xx" {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":"xx is not supported"}`)
			return
		}
		det := map[string]any{"confidence": 90.0, "language": "ar"}
		var many []string
		if json.Unmarshal(req.Q, &many) == nil {
			out := map[string]any{}
			var ts []string
			var ds []any
			for _, q := range many {
				ts = append(ts, fakeTranslate(req.Target, q))
				ds = append(ds, det)
			}
			out["translatedText"] = ts
			if req.Source == "auto" {
				out["detectedLanguage"] = ds
			}
			_ = json.NewEncoder(w).Encode(out)
			return
		}
		var one string
		_ = json.Unmarshal(req.Q, &one)
		out := map[string]any{"translatedText": fakeTranslate(req.Target, one)}
		if req.Source == "auto" {
			out["detectedLanguage"] = det
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
}

func TestLibreTranslateBatchAndScripts(t *testing.T) {
	srv := libreServer(t, "lt-key")
	defer srv.Close()
	l := NewLibreTranslate(Config{BaseURL: srv.URL + "/", APIKey: "lt-key"})
	res, err := l.Translate(context.Background(), Request{Text: world, Target: "ko"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != "libretranslate" || res.DetectedSource != "ar" {
		t.Fatalf("result %+v", res)
	}
	for i := range world {
		if res.Texts[i] != fakeTranslate("ko", world[i]) {
			t.Errorf("text %d: %q", i, res.Texts[i])
		}
	}
	if _, err := l.Translate(context.Background(), Request{Text: world, Source: "en", Target: "xx"}); !errorsIs(err, ErrUnsupported) {
		t.Fatalf("unsupported: %v", err)
	}
	if _, err := NewLibreTranslate(Config{BaseURL: srv.URL}).Translate(context.Background(), Request{Text: world, Target: "de"}); !errorsIs(err, ErrAuth) {
		t.Fatalf("no key: %v", err)
	}
}

// TestLibreTranslateSingleAnswers: an answer in the single-q shape (string, object) is
// read too.
func TestLibreTranslateSingleAnswers(t *testing.T) {
	res, err := parseLibre(200, nil, []byte(`{"translatedText":"مرحبا 👋","detectedLanguage":{"confidence":83,"language":"EN"}}`), 1)
	if err != nil || res.Texts[0] != "مرحبا 👋" || res.DetectedSource != "en" {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := parseLibre(200, nil, []byte(`{"translatedText":"x"}`), 2); !errorsIs(err, ErrBadResponse) {
		t.Fatalf("count: %v", err)
	}
	if got := []string{libreLang("zh-TW"), libreLang("pt-BR"), libreLang("de-CH")}; !slices.Equal(got, []string{"zt", "pb", "de"}) {
		t.Fatalf("codes %v", got)
	}
}

func TestLibreTranslateErrors(t *testing.T) {
	mk := func(base string) Translator { return NewLibreTranslate(Config{BaseURL: base}) }
	runErrorCases(t, mk, []errCase{
		{name: "400 invalid", status: 400, body: `{"error":"Invalid request: missing q parameter"}`, kind: ErrProvider},
		{name: "400 unsupported", status: 400, body: `{"error":"ko is not supported"}`, kind: ErrUnsupported},
		{name: "403 banned", status: 403, body: `{"error":"Banned"}`, kind: ErrAuth},
		{name: "429 slow down", status: 429, retryAfter: "60", body: `{"error":"Slowdown: 30 per 1 minute"}`, kind: ErrRateLimited, retryable: true, wait: time.Minute},
		{name: "500 failed", status: 500, body: `{"error":"Cannot translate text: ..."}`, kind: ErrProvider, retryable: true},
	})
	testMalformed(t, mk, `{"translatedText":["one"]}`, `{"translatedText":42}`)
	testTimeout(t, func(base string, d time.Duration) Translator {
		return NewLibreTranslate(Config{BaseURL: base, Timeout: d})
	})
	if _, err := NewLibreTranslate(Config{}).Translate(context.Background(), Request{Text: []string{"x"}, Target: "de"}); err == nil {
		t.Fatal("no URL: no error")
	}
}
