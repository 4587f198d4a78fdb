package translation

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider/chat"
)

// chatRequest is the request body as the chat-completions API documents it.
type chatRequest = chat.Request

// chatServer implements POST /v1/chat/completions; its "model" translates the user
// message with render.
type chatServer struct {
	t      *testing.T
	key    string
	mu     sync.Mutex
	reqs   []chatRequest
	render func(system, user string) string
}

func (s *chatServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"error":{"message":"Unknown request URL","type":"invalid_request_error","code":"unknown_url"}}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.key {
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`)
		return
	}
	var req chatRequest
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &req); err != nil || len(req.Messages) != 2 || req.Model == "" {
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`)
		return
	}
	if !strings.Contains(string(raw), `"temperature":0`) {
		s.t.Errorf("temperature not 0: %s", raw)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	out := s.render(req.Messages[0].Content, req.Messages[1].Content)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": out}}},
	})
}

func TestOpenAIBatchAndScripts(t *testing.T) {
	fake := &chatServer{t: t, key: "sk-test", render: func(_, user string) string { return "\n" + fakeTranslate("th", user) + "\n" }}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	o := NewOpenAI(Config{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Model: "qwen2.5-7b-instruct"})
	res, err := o.Translate(context.Background(), Request{Text: world, Source: "en", Target: "th", Formality: "more"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range world {
		if res.Texts[i] != fakeTranslate("th", world[i]) {
			t.Errorf("text %d: %q", i, res.Texts[i])
		}
	}
	if len(fake.reqs) != len(world) || fake.reqs[0].Model != "qwen2.5-7b-instruct" || fake.reqs[0].Messages[0].Role != "system" ||
		fake.reqs[0].Messages[1].Content != world[0] || !strings.Contains(fake.reqs[0].Messages[0].Content, "formal register") {
		t.Fatalf("requests %+v", fake.reqs)
	}
}

// TestOpenAIPromptListsGlossary: the prompt names the required renderings, and a
// model that ignores them is corrected on the output.
func TestOpenAIPromptListsGlossary(t *testing.T) {
	fake := &chatServer{t: t, key: "k", render: func(_, _ string) string { return "The credit will be paid out tomorrow." }}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	res, err := NewOpenAI(Config{BaseURL: srv.URL, APIKey: "k", Model: "m"}).Translate(context.Background(),
		Request{Text: []string{"Das Darlehen wird morgen ausgezahlt."}, Source: "de", Target: "en", Domain: "finance"})
	if err != nil {
		t.Fatal(err)
	}
	sys := fake.reqs[0].Messages[0].Content
	for _, want := range []string{"Darlehen → loan", "Kredit → credit", "faithful", "translation only"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}
	if res.Texts[0] != "The loan will be paid out tomorrow." {
		t.Fatalf("got %q", res.Texts[0])
	}
}

func TestOpenAIErrors(t *testing.T) {
	mk := func(base string) Translator { return NewOpenAI(Config{BaseURL: base, APIKey: "k", Model: "m"}) }
	runErrorCases(t, mk, []errCase{
		{name: "401 key", status: 401, body: `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, kind: ErrAuth, code: "invalid_api_key"},
		{name: "429 rate", status: 429, retryAfter: "20", body: `{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, kind: ErrRateLimited, retryable: true, code: "rate_limit_exceeded", wait: 20 * time.Second},
		{name: "429 quota", status: 429, body: `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`, kind: ErrQuota, code: "insufficient_quota"},
		{name: "500", status: 500, body: `{"error":{"message":"The server had an error while processing your request.","type":"server_error","code":null}}`, kind: ErrProvider, retryable: true, code: "server_error"},
		{name: "503 overloaded", status: 503, body: `{"error":{"message":"The engine is currently overloaded","type":"server_error"}}`, kind: ErrProvider, retryable: true},
		{name: "400 unsupported language", status: 400, body: `{"error":{"message":"Unsupported language: tlh","type":"invalid_request_error","code":"unsupported_language"}}`, kind: ErrUnsupported, code: "unsupported_language"},
		{name: "numeric code", status: 400, body: `{"error":{"message":"bad","type":"invalid_request_error","code":400}}`, kind: ErrProvider, code: "invalid_request_error"},
	})
	testMalformed(t, mk, `{"choices":[]}`, `{"choices":[{"message":{"content":null}}]}`, `{"choices":[{"message":{"content":"cut"},"finish_reason":"length"}]}`)
	testTimeout(t, func(base string, d time.Duration) Translator {
		return NewOpenAI(Config{BaseURL: base, APIKey: "k", Model: "m", Timeout: d})
	})
	if _, err := NewOpenAI(Config{BaseURL: "http://127.0.0.1:1"}).Translate(context.Background(), Request{Text: []string{"x"}, Target: "de"}); err == nil {
		t.Fatal("no model: no error")
	}
}
