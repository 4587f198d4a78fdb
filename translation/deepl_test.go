package translation

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// deeplServer implements the documented parts of DeepL API v2 used here.
type deeplServer struct {
	t         *testing.T
	key       string
	mu        sync.Mutex
	requests  []deeplRequest
	glossary  []map[string]string
	translate func(target, text string) string
}

func (s *deeplServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "DeepL-Auth-Key "+s.key {
		w.WriteHeader(403)
		_, _ = io.WriteString(w, `{"message":"Wrong endpoint. Use https://api.deepl.com"}`)
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"message":"Bad request"}`)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/v2/translate":
		var req deeplRequest
		if err := json.Unmarshal(raw, &req); err != nil || len(req.Text) == 0 || req.TargetLang == "" {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"message":"Parameter 'text' not specified."}`)
			return
		}
		if req.TargetLang != strings.ToUpper(req.TargetLang) {
			s.t.Errorf("target_lang %q is not upper-case", req.TargetLang)
		}
		if req.GlossaryID != "" && req.SourceLang == "" {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"message":"Use of a glossary requires the source_lang parameter to be set."}`)
			return
		}
		s.requests = append(s.requests, req)
		type tr struct {
			Detected string `json:"detected_source_language"`
			Text     string `json:"text"`
		}
		var out struct {
			Translations []tr `json:"translations"`
		}
		tf := s.translate
		if tf == nil {
			tf = fakeTranslate
		}
		for _, text := range req.Text {
			src := req.SourceLang
			if src == "" {
				src = "DE"
			}
			out.Translations = append(out.Translations, tr{Detected: src, Text: tf(req.TargetLang, text)})
		}
		_ = json.NewEncoder(w).Encode(out)
	case "/v2/glossaries":
		var g map[string]string
		if err := json.Unmarshal(raw, &g); err != nil || g["entries_format"] != "tsv" || g["name"] == "" || g["source_lang"] == "" || g["target_lang"] == "" {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"message":"Bad request"}`)
			return
		}
		for _, line := range strings.Split(strings.TrimRight(g["entries"], "\n"), "\n") {
			if parts := strings.Split(line, "\t"); len(parts) != 2 || parts[0] == "" || parts[1] == "" {
				w.WriteHeader(400)
				_, _ = io.WriteString(w, `{"message":"Invalid glossary entries"}`)
				return
			}
		}
		s.glossary = append(s.glossary, g)
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"glossary_id":"def3a26b-3e84-45b3-84ae-0c0aaf3525f7","ready":true,"name":"`+g["name"]+`","source_lang":"de","target_lang":"en","creation_time":"2026-12-07T03:00:00.000Z","entry_count":`+strings.Repeat("", 0)+`1}`)
	default:
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"message":"Not found"}`)
	}
}

func TestDeepLBatchAndScripts(t *testing.T) {
	fake := &deeplServer{t: t, key: "k-123"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	d := NewDeepL(Config{BaseURL: srv.URL, APIKey: "k-123"})
	res, err := d.Translate(context.Background(), Request{Text: world, Target: "en-GB", Formality: "more"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != "deepl" || res.DetectedSource != "de" || len(res.Texts) != len(world) {
		t.Fatalf("result %+v", res)
	}
	for i := range world {
		if want := fakeTranslate("EN-GB", world[i]); res.Texts[i] != want {
			t.Errorf("text %d: %q, want %q", i, res.Texts[i], want)
		}
	}
	got := fake.requests[0]
	if !slices.Equal(got.Text, world) || got.SourceLang != "" || got.Formality != "prefer_more" || got.GlossaryID != "" {
		t.Fatalf("request %+v", got)
	}
}

func TestDeepLTargetCodes(t *testing.T) {
	for in, want := range map[string]string{"en": "EN-US", "en-GB": "EN-GB", "en-AU": "EN-GB", "pt": "PT-PT", "pt-BR": "PT-BR",
		"zh": "ZH-HANS", "zh-TW": "ZH-HANT", "de-AT": "DE", "ja": "JA"} {
		if got := deeplTarget(in); got != want {
			t.Errorf("deeplTarget(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeepLDefaultEndpoint(t *testing.T) {
	if got := NewDeepL(Config{APIKey: "abc:fx"}).base(); got != DeepLFreeURL {
		t.Errorf("free key: %s", got)
	}
	if got := NewDeepL(Config{APIKey: "abc"}).base(); got != DeepLProURL {
		t.Errorf("pro key: %s", got)
	}
	if got := NewDeepL(Config{APIKey: "abc", BaseURL: "http://localhost:9/"}).base(); got != "http://localhost:9" {
		t.Errorf("configured: %s", got)
	}
}

// TestDeepLGlossaryCreatedOnce: with a source language, the domain's glossary becomes a
// DeepL glossary, created once and then passed by id.
func TestDeepLGlossaryCreatedOnce(t *testing.T) {
	fake := &deeplServer{t: t, key: "k"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	d := NewDeepL(Config{BaseURL: srv.URL, APIKey: "k"})
	for range 3 {
		if _, err := d.Translate(context.Background(), Request{Text: []string{"Ihr Darlehen"}, Source: "de", Target: "en", Domain: "finance"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(fake.glossary) != 1 {
		t.Fatalf("%d glossaries created, want 1", len(fake.glossary))
	}
	g := fake.glossary[0]
	if g["source_lang"] != "DE" || g["target_lang"] != "EN" || !strings.Contains(g["entries"], "Darlehen\tloan\n") || !strings.Contains(g["entries"], "Kredit\tcredit\n") {
		t.Fatalf("glossary %+v", g)
	}
	for _, r := range fake.requests {
		if r.GlossaryID == "" || r.SourceLang != "DE" {
			t.Fatalf("request without glossary: %+v", r)
		}
	}
	// Without a source language DeepL takes no glossary: the output is enforced.
	fake.translate = func(_, text string) string { return "Your credit" }
	res, err := d.Translate(context.Background(), Request{Text: []string{"Ihr Darlehen"}, Target: "en", Domain: "finance"})
	if err != nil {
		t.Fatal(err)
	}
	if last := fake.requests[len(fake.requests)-1]; last.GlossaryID != "" {
		t.Fatalf("glossary sent without source: %+v", last)
	}
	if res.Texts[0] != "Your loan" {
		t.Fatalf("not enforced: %q", res.Texts[0])
	}
}

// TestDeepLGlossaryRefused: a glossary DeepL will not create leaves enforcement on
// the output, and is not asked for again.
func TestDeepLGlossaryRefused(t *testing.T) {
	var creations int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v2/glossaries" {
			creations++
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"message":"Unsupported glossary language pair"}`)
			return
		}
		_, _ = io.WriteString(w, `{"translations":[{"detected_source_language":"DE","text":"The credit is repaid."}]}`)
	}))
	defer srv.Close()
	d := NewDeepL(Config{BaseURL: srv.URL, APIKey: "k"})
	for range 2 {
		res, err := d.Translate(context.Background(), Request{Text: []string{"Das Darlehen wird getilgt."}, Source: "de", Target: "en", Domain: "finance"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Texts[0] != "The loan is repaid." {
			t.Fatalf("got %q", res.Texts[0])
		}
	}
	if creations != 1 {
		t.Fatalf("%d glossary creations, want 1", creations)
	}
}

func TestDeepLErrors(t *testing.T) {
	mk := func(base string) Translator { return NewDeepL(Config{BaseURL: base, APIKey: "k"}) }
	runErrorCases(t, mk, []errCase{
		{name: "403 auth", status: 403, body: `{"message":"Authorization failure, check auth_key"}`, kind: ErrAuth},
		{name: "400 unsupported", status: 400, body: `{"message":"Value for 'target_lang' not supported."}`, kind: ErrUnsupported},
		{name: "413 too large", status: 413, body: `{"message":"Request Entity Too Large"}`, kind: ErrProvider, code: "request_too_large"},
		{name: "429 too many", status: 429, retryAfter: "3", body: `{"message":"Too many requests"}`, kind: ErrRateLimited, retryable: true, code: "too_many_requests", wait: 3 * time.Second},
		{name: "456 quota", status: 456, body: `{"message":"Quota Exceeded"}`, kind: ErrQuota, code: "quota_exceeded"},
		{name: "500", status: 500, body: `{"message":"Internal error"}`, kind: ErrProvider, retryable: true},
		{name: "503 html", status: 503, body: `<html>unavailable</html>`, kind: ErrProvider, retryable: true},
		{name: "529 too many", status: 529, body: `{"message":"Too many requests"}`, kind: ErrRateLimited, retryable: true},
	})
	testMalformed(t, mk, `{"translations":[{"text":"one"}]}`, `{"translations":"x"}`)
	testTimeout(t, func(base string, d time.Duration) Translator {
		return NewDeepL(Config{BaseURL: base, APIKey: "k", Timeout: d})
	})
}
