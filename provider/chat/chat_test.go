package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/chat"
)

// secret stands for the customer's text: no error may quote it.
const secret = "Kontonummer DE89370400440532013000"

// server implements POST /v1/chat/completions as OpenAI documents it: a Bearer key, a
// JSON body with model and messages, and a completion whose choices[0].message.content
// is what answer returns. It records the requests.
type server struct {
	key    string
	answer func(req chat.Request) string
	mu     sync.Mutex
	reqs   []chat.Request
	raws   []string
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"error":{"message":"Unknown request URL","type":"invalid_request_error","param":null,"code":"unknown_url"}}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.key || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var req chat.Request
	if err := json.Unmarshal(raw, &req); err != nil || req.Model == "" || len(req.Messages) == 0 {
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","param":null,"code":null}}`)
		return
	}
	s.mu.Lock()
	s.reqs, s.raws = append(s.reqs, req), append(s.raws, string(raw))
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-abc123", "object": "chat.completion", "created": 1741569952, "model": req.Model + "-2024-08-06",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "logprobs": nil,
			"message": map[string]any{"role": "assistant", "content": s.answer(req), "refusal": nil}}},
		"usage": map[string]any{"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29},
	})
}

func client(t *testing.T, c chat.Config) *chat.Client {
	t.Helper()
	c.Service, c.Provider = "answers", "openai"
	if c.Model == "" {
		c.Model = "gpt-4o-mini"
	}
	cl, err := chat.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

var msgs = []chat.Message{{Role: "system", Content: "Translate."}, {Role: "user", Content: secret}}

func TestCompleteSendsOneDocumentedRequest(t *testing.T) {
	for _, base := range []string{"", "/", "/v1", "/v1/"} {
		s := &server{key: "sk-test", answer: func(req chat.Request) string { return "  echo: " + req.Messages[1].Content }}
		srv := httptest.NewServer(s)
		c, err := client(t, chat.Config{BaseURL: srv.URL + base, APIKey: "sk-test"}).Complete(context.Background(), msgs, chat.Options{JSON: true, MaxTokens: 50})
		srv.Close()
		if err != nil {
			t.Fatalf("base %q: %v", base, err)
		}
		if c.Text != "  echo: "+secret || c.Model != "gpt-4o-mini-2024-08-06" || c.FinishReason != "stop" {
			t.Fatalf("base %q: %+v", base, c)
		}
		raw := s.raws[0]
		if len(s.reqs) != 1 || s.reqs[0].Model != "gpt-4o-mini" || len(s.reqs[0].Messages) != 2 || s.reqs[0].Messages[0].Role != "system" ||
			!strings.Contains(raw, `"temperature":0`) || !strings.Contains(raw, `"response_format":{"type":"json_object"}`) || !strings.Contains(raw, `"max_tokens":50`) {
			t.Fatalf("base %q: request %s", base, raw)
		}
	}
	// Without JSON nor MaxTokens, neither is sent; a completion naming no model reports
	// the configured one.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		if strings.Contains(string(raw), "response_format") || strings.Contains(string(raw), "max_tokens") || r.Header.Get("Authorization") != "" {
			w.WriteHeader(400)
			return
		}
		_, _ = io.WriteString(w, `{"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()
	c, err := client(t, chat.Config{BaseURL: srv.URL, Model: "local"}).Complete(context.Background(), msgs, chat.Options{})
	if err != nil || c.Text != "ok" || c.Model != "local" {
		t.Fatalf("%+v %v", c, err)
	}
}

func TestNewRefusesWhatCannotWork(t *testing.T) {
	for name, c := range map[string]chat.Config{
		"no model":           {BaseURL: "http://localhost:8080"},
		"not http":           {BaseURL: "ftp://example.com", Model: "m"},
		"no host":            {BaseURL: "localhost:8080", Model: "m"},
		"empty":              {Model: "m"},
		"credentials in URL": {BaseURL: "https://user:pw@example.com", Model: "m"},
		"a negative timeout": {BaseURL: "https://example.com", Model: "m", Timeout: -1},
	} {
		if cl, err := chat.New(c); err == nil || cl != nil {
			t.Errorf("%s: %v %v", name, cl, err)
		}
	}
}

func TestCompleteMapsTheDocumentedErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		body       string
		kind       error
		retryable  bool
		code       string
		wait       time.Duration
	}{
		{name: "401 wrong key", status: 401, body: `{"error":{"message":"Incorrect API key provided: sk-te***st.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, kind: provider.ErrAuth, code: "invalid_api_key"},
		{name: "403 region", status: 403, retryAfter: "9", body: `{"error":{"message":"Country, region, or territory not supported","type":"request_forbidden","code":"unsupported_country_region_territory"}}`, kind: provider.ErrAuth, code: "unsupported_country_region_territory"},
		{name: "429 with Retry-After", status: 429, retryAfter: "20", body: `{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, kind: provider.ErrRateLimited, retryable: true, code: "rate_limit_exceeded", wait: 20 * time.Second},
		{name: "429 insufficient_quota", status: 429, body: `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`, kind: provider.ErrQuota, code: "insufficient_quota"},
		{name: "500", status: 500, body: `{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}`, kind: provider.ErrProvider, retryable: true, code: "server_error"},
		{name: "503 without an error body", status: 503, retryAfter: "5", body: "<html>Service Unavailable " + secret + "</html>", kind: provider.ErrProvider, retryable: true, wait: 5 * time.Second},
		{name: "504", status: 504, kind: provider.ErrTimeout, retryable: true},
		{name: "400 numeric code", status: 400, body: `{"error":{"message":"bad","type":"invalid_request_error","code":400}}`, kind: provider.ErrProvider, code: "invalid_request_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c, err := client(t, chat.Config{BaseURL: srv.URL}).Complete(context.Background(), msgs, chat.Options{})
			var e *provider.Error
			if !errors.Is(err, tc.kind) || !errors.As(err, &e) {
				t.Fatalf("error %v, want a *provider.Error of kind %v", err, tc.kind)
			}
			if e.Service != "answers" || e.Provider != "openai" || e.Status != tc.status || e.Retryable != tc.retryable || (tc.code != "" && e.Code != tc.code) || e.RetryAfter != tc.wait {
				t.Fatalf("got %+v", e)
			}
			if strings.Contains(err.Error(), secret) || c != (chat.Completion{}) {
				t.Fatalf("error quotes the body, or a completion on an error: %v %+v", err, c)
			}
		})
	}
}

func TestCompleteRefusesAnswersThatAreNotCompletions(t *testing.T) {
	for body, code := range map[string]string{
		`{not json`: "", ``: "", `{"choices":[]}`: "", `{"choices":"nope"}`: "",
		`{"choices":[{"message":{"content":null}}]}`:                                                            "",
		`{"choices":[{"message":{"content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}`: "refusal",
		`{"choices":[{"message":{"content":"half a sen"},"finish_reason":"length"}]}`:                           "length",
		`{"choices":[{"message":{"content":""},"finish_reason":"content_filter"}]}`:                             "content_filter",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
		_, err := client(t, chat.Config{BaseURL: srv.URL}).Complete(context.Background(), msgs, chat.Options{})
		srv.Close()
		var e *provider.Error
		if !errors.Is(err, provider.ErrBadResponse) || !errors.As(err, &e) || e.Code != code || e.Status != 200 || e.Retryable {
			t.Errorf("body %q: error %v, want ErrBadResponse code %q", body, err, code)
		}
	}
}

func TestCompleteGivesUpAtTheTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"choices":[`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	start := time.Now()
	_, err := client(t, chat.Config{BaseURL: srv.URL, Timeout: 150 * time.Millisecond}).Complete(context.Background(), msgs, chat.Options{})
	if ok, _ := provider.Retryable(err); !errors.Is(err, provider.ErrTimeout) || !ok {
		t.Fatalf("error %v, want a retryable ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v with a 150ms timeout", d)
	}
	// The caller's cancellation is not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := client(t, chat.Config{BaseURL: srv.URL}).Complete(ctx, msgs, chat.Options{}); !errors.Is(err, context.Canceled) || errors.Is(err, provider.ErrTimeout) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestNobodyListeningIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	_, err := client(t, chat.Config{BaseURL: base}).Complete(context.Background(), msgs, chat.Options{})
	if ok, _ := provider.Retryable(err); !errors.Is(err, provider.ErrProvider) || !ok || strings.Contains(err.Error(), secret) {
		t.Fatalf("error %v", err)
	}
}
