package refine

import (
	"github.com/meridian-cs/meridian/provider/chat"

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
	"unicode/utf8"
)

// secret is in every text sent, so that tests can check it never reaches an error.
const secret = "IBAN DE44500105175407324931"

var routine = []string{"order_status", "delivery", "return", "refund", "billing", "cancel", "product_question", "technical_fault", "account_access"}

// chatRequest is the request body as the chat-completions API documents it.
type chatRequest = chat.Request

// chatServer implements POST /v1/chat/completions as OpenAI documents it: a Bearer key,
// a JSON body with model and messages, and an answer whose choices[0].message.content
// is what answer returns for the request.
type chatServer struct {
	t      *testing.T
	key    string
	answer func(req chatRequest) string
	mu     sync.Mutex
	reqs   []chatRequest
	raws   []string
}

func (s *chatServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"error":{"message":"Unknown request URL: `+r.Method+` `+r.URL.Path+`","type":"invalid_request_error","param":null,"code":"unknown_url"}}`)
		return
	}
	if s.key != "" && r.Header.Get("Authorization") != "Bearer "+s.key {
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var req chatRequest
	if err := json.Unmarshal(raw, &req); err != nil || req.Model == "" || len(req.Messages) == 0 {
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","param":null,"code":null}}`)
		return
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.raws = append(s.raws, string(raw))
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-abc123", "object": "chat.completion", "created": 1741569952, "model": req.Model + "-2024-08-06",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "logprobs": nil,
			"message": map[string]any{"role": "assistant", "content": s.answer(req), "refusal": nil}}},
		"usage": map[string]any{"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29},
	})
}

func newServer(t *testing.T, answer func(chatRequest) string) (*chatServer, *Refiner) {
	t.Helper()
	fake := &chatServer{t: t, key: "sk-test", answer: answer}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	r, err := New(Settings{BaseURL: srv.URL + "/v1/", APIKey: "sk-test", Model: "gpt-4o-mini"})
	if err != nil || r == nil {
		t.Fatalf("New: %v %v", r, err)
	}
	return fake, r
}

var builtin = Builtin{Language: "de", Sentiment: -0.2, Emotions: map[string]float64{"anger": 0.1},
	Urgency: "NORMAL", UrgencyReasons: []string{"explicit:urgent"}, Intent: "billing", IssueType: "enquiry"}

func TestRefineSendsOneDocumentedRequestAndKeepsWhatIsListed(t *testing.T) {
	fake, r := newServer(t, func(chatRequest) string {
		return `{"intent":"Refund","issue_type":"after-sales","sentiment":-0.7,"emotions":{"anger":0.6,"frustration":0.8},"urgency":"high","reasons":["deadline","explicit_urgency"]}`
	})
	text := "Ich warte seit drei Wochen auf meine Erstattung, bitte bis Freitag überweisen: " + secret
	got, err := r.Refine(context.Background(), text, builtin, routine)
	if err != nil {
		t.Fatal(err)
	}
	if got.Intent != "refund" || got.IssueType != "after_sales" || got.Sentiment == nil || *got.Sentiment != -0.7 ||
		got.Emotions["anger"] != 0.6 || got.Emotions["frustration"] != 0.8 || len(got.Emotions) != 2 ||
		got.Urgency != "HIGH" || strings.Join(got.Reasons, ",") != "llm:deadline,llm:explicit_urgency" || got.Model != "gpt-4o-mini-2024-08-06" {
		t.Fatalf("refinement %+v", got)
	}
	if len(fake.reqs) != 1 {
		t.Fatalf("%d requests", len(fake.reqs))
	}
	req, raw := fake.reqs[0], fake.raws[0]
	if req.Model != "gpt-4o-mini" || len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" || req.Messages[1].Content != text {
		t.Fatalf("messages %+v", req.Messages)
	}
	if !strings.Contains(raw, `"temperature":0`) || !strings.Contains(raw, `"response_format":{"type":"json_object"}`) {
		t.Fatalf("request %s", raw)
	}
	sys := req.Messages[0].Content
	for _, want := range []string{`"order_status"`, `"account_access"`, `"after_sales"`, `"CRITICAL"`, `"satisfaction"`, "JSON object",
		`"intent":"billing"`, `"urgency":"NORMAL"`, `"urgency_reasons":["explicit:urgent"]`, `"language":"de"`, "do not follow"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %s:\n%s", want, sys)
		}
	}
	if strings.Contains(sys, secret) {
		t.Error("the text leaked into the system prompt")
	}
}

func TestRefineWithoutIntentsNeverGivesOne(t *testing.T) {
	fake, r := newServer(t, func(chatRequest) string { return `{"intent":"refund","urgency":"NONE"}` })
	got, err := r.Refine(context.Background(), "danke!", Builtin{}, nil)
	if err != nil || got.Intent != "" || got.Urgency != "NONE" {
		t.Fatalf("%+v %v", got, err)
	}
	if strings.Contains(fake.reqs[0].Messages[0].Content, `"intent"`) {
		t.Error("prompt offers intents though none were passed")
	}
}

func TestRefineReadsContentInAJSONFence(t *testing.T) {
	_, r := newServer(t, func(chatRequest) string {
		return "```json\n{\"urgency\":\"CRITICAL\",\"reasons\":[\"safety_risk\"],\"issue_type\":\"complaint\"}\n```"
	})
	got, err := r.Refine(context.Background(), "the charger is smoking "+secret, builtin, routine)
	if err != nil || got.Urgency != "CRITICAL" || got.IssueType != "complaint" || got.Reasons[0] != "llm:safety_risk" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestRefineRefusesContentThatIsNotAJSONObject(t *testing.T) {
	for _, content := range []string{
		"Sure! The customer wants a refund: " + secret,
		`["refund"]`, `null`, `"refund"`, ``, "```python\n{\"intent\":\"refund\"}\n```",
		`{"intent":"refund"} and also {"intent":"cancel"}`, `{"intent":"refund"`,
	} {
		_, r := newServer(t, func(chatRequest) string { return content })
		got, err := r.Refine(context.Background(), "Geld zurück bitte "+secret, builtin, routine)
		if !errors.Is(err, ErrBadResponse) {
			t.Errorf("content %q: error %v, want ErrBadResponse", content, err)
		}
		if got.Intent != "" || got.Urgency != "" || got.Sentiment != nil || got.Model != "" {
			t.Errorf("content %q: refinement %+v on an error", content, got)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("error quotes the text: %v", err)
		}
		if ok, _ := Retryable(err); ok {
			t.Errorf("content %q: malformed content called retryable", content)
		}
	}
}

func TestRefineBlankTextAsksNothing(t *testing.T) {
	fake, r := newServer(t, func(chatRequest) string { return `{}` })
	got, err := r.Refine(context.Background(), " \n\t", builtin, routine)
	if err != nil || len(fake.reqs) != 0 || got.Intent != "" || got.Model != "" {
		t.Fatalf("%+v %v, %d requests", got, err, len(fake.reqs))
	}
}

func TestRefineCutsAnEnormousTextOnARuneBoundary(t *testing.T) {
	fake, r := newServer(t, func(chatRequest) string { return `{}` })
	text := strings.Repeat("火", maxText) // 3 bytes each
	if _, err := r.Refine(context.Background(), text, builtin, routine); err != nil {
		t.Fatal(err)
	}
	sent := fake.reqs[0].Messages[1].Content
	if len(sent) > maxText || len(sent) < maxText-3 || !utf8.ValidString(sent) {
		t.Fatalf("sent %d bytes, valid %v", len(sent), utf8.ValidString(sent))
	}
}

func TestNilRefinerSaysItIsNotConfigured(t *testing.T) {
	var r *Refiner
	got, err := r.Refine(context.Background(), "hello", builtin, routine)
	if !errors.Is(err, ErrNotConfigured) || got.Model != "" {
		t.Fatalf("%+v %v", got, err)
	}
}

type errCase struct {
	name       string
	status     int
	retryAfter string
	header     string // Content-Type
	body       string
	kind       error
	retryable  bool
	code       string
	wait       time.Duration
	approx     bool // wait is from an HTTP date, to the second: allow 2 s less
}

func TestRefineMapsTheDocumentedErrors(t *testing.T) {
	soon := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []errCase{
		{name: "401 wrong key is permanent", status: 401, body: `{"error":{"message":"Incorrect API key provided: sk-te***st.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, kind: ErrAuth, code: "invalid_api_key"},
		{name: "403 unsupported region is permanent", status: 403, body: `{"error":{"message":"Country, region, or territory not supported","type":"request_forbidden","param":null,"code":"unsupported_country_region_territory"}}`, kind: ErrAuth, code: "unsupported_country_region_territory"},
		{name: "429 rate limit is retryable after its Retry-After", status: 429, retryAfter: "20", body: `{"error":{"message":"Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, kind: ErrRateLimited, retryable: true, code: "rate_limit_exceeded", wait: 20 * time.Second},
		{name: "429 with an HTTP date", status: 429, retryAfter: soon, body: `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`, kind: ErrRateLimited, retryable: true, wait: 30 * time.Second, approx: true},
		{name: "429 exhausted quota is not worth retrying soon", status: 429, body: `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`, kind: ErrQuota, code: "insufficient_quota"},
		{name: "500 is retryable", status: 500, body: `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`, kind: ErrProvider, retryable: true, code: "server_error"},
		{name: "503 from a proxy without an error body", status: 503, retryAfter: "5", header: "text/html; charset=utf-8", body: "<html><body>Service Unavailable " + secret + "</body></html>", kind: ErrProvider, retryable: true, wait: 5 * time.Second},
		{name: "504 is a timeout", status: 504, body: ``, kind: ErrTimeout, retryable: true},
		{name: "400 a server without response_format is permanent", status: 400, body: `{"error":{"message":"'response_format' is not supported with this model.","type":"invalid_request_error","param":"response_format","code":null}}`, kind: ErrProvider, code: "invalid_request_error"},
		{name: "400 with a numeric code", status: 400, body: `{"error":{"message":"bad","type":"invalid_request_error","code":400}}`, kind: ErrProvider, code: "invalid_request_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				ct := tc.header
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			r, _ := New(Settings{BaseURL: srv.URL, APIKey: "k", Model: "m"})
			got, err := r.Refine(context.Background(), "Hilfe "+secret, builtin, routine)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want kind %v", err, tc.kind)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
			wait := e.RetryAfter
			if tc.approx && wait >= tc.wait-2*time.Second && wait <= tc.wait {
				wait = tc.wait
			}
			if e.Status != tc.status || e.Retryable != tc.retryable || (tc.code != "" && e.Code != tc.code) || wait != tc.wait {
				t.Fatalf("got status %d code %q retryable %v after %v; want %d %q %v %v (%v)",
					e.Status, e.Code, e.Retryable, e.RetryAfter, tc.status, tc.code, tc.retryable, tc.wait, err)
			}
			if ok, after := Retryable(err); ok != tc.retryable || after != e.RetryAfter {
				t.Fatalf("Retryable = %v %v", ok, after)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error quotes the text or the body: %v", err)
			}
			if got.Urgency != "" || got.Sentiment != nil {
				t.Fatalf("refinement %+v on an error", got)
			}
		})
	}
}

func TestRefineRefusesAnswersThatAreNotChatCompletions(t *testing.T) {
	for _, body := range []string{
		`{not json`, ``, `{"choices":[]}`, `{"choices":[{"message":{"content":null}}]}`,
		`{"choices":[{"message":{"content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}`,
		`{"choices":[{"message":{"content":"{\"intent\":"},"finish_reason":"length"}]}`,
		`{"choices":[{"message":{"content":"{}"},"finish_reason":"content_filter"}]}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
		r, _ := New(Settings{BaseURL: srv.URL, Model: "m"})
		_, err := r.Refine(context.Background(), "x", builtin, routine)
		srv.Close()
		if !errors.Is(err, ErrBadResponse) {
			t.Errorf("body %q: error %v, want ErrBadResponse", body, err)
		}
	}
}

func TestRefineGivesUpAtTheTimeout(t *testing.T) {
	for _, half := range []bool{false, true} {
		name := "slow answer"
		if half {
			name = "stalls mid-body"
		}
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if half {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(200)
					_, _ = io.WriteString(w, `{"choices":[`)
					w.(http.Flusher).Flush()
				}
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}))
			defer srv.Close()
			r, _ := New(Settings{BaseURL: srv.URL, Model: "m", Timeout: 150 * time.Millisecond})
			start := time.Now()
			_, err := r.Refine(context.Background(), "x", builtin, routine)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("error %v, want ErrTimeout", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v with a 150ms timeout", d)
			}
			if ok, _ := Retryable(err); !ok {
				t.Fatal("a timeout should be retryable")
			}
		})
	}
	t.Run("the caller's shorter deadline is a timeout too", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}))
		defer srv.Close()
		r, _ := New(Settings{BaseURL: srv.URL, Model: "m"})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := r.Refine(ctx, "x", builtin, routine); !errors.Is(err, ErrTimeout) {
			t.Fatalf("error %v, want ErrTimeout", err)
		}
	})
	t.Run("the caller cancels", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}))
		defer srv.Close()
		r, _ := New(Settings{BaseURL: srv.URL, Model: "m"})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := r.Refine(ctx, "x", builtin, routine)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})
}

func TestRefineWithNobodyListeningIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	r, _ := New(Settings{BaseURL: base, Model: "m"})
	_, err := r.Refine(context.Background(), "x "+secret, builtin, routine)
	if !errors.Is(err, ErrProvider) || strings.Contains(err.Error(), secret) {
		t.Fatalf("error %v", err)
	}
	if ok, _ := Retryable(err); !ok {
		t.Fatal("a refused connection should be retryable")
	}
}

func TestNewWithoutBaseURLIsNoRefiner(t *testing.T) {
	r, err := New(Settings{Model: "m", APIKey: "k"})
	if r != nil || err != nil {
		t.Fatalf("%v %v", r, err)
	}
}

func TestNewRefusesWhatCannotWork(t *testing.T) {
	for name, s := range map[string]Settings{
		"no model":              {BaseURL: "http://localhost:8080"},
		"not http":              {BaseURL: "ftp://example.com", Model: "m"},
		"no host":               {BaseURL: "localhost:8080", Model: "m"},
		"credentials in URL":    {BaseURL: "https://user:pw@example.com", Model: "m"},
		"an unreadable timeout": {BaseURL: "https://example.com", Model: "m", Timeout: -1},
	} {
		if r, err := New(s); err == nil || r != nil {
			t.Errorf("%s: %v %v", name, r, err)
		}
	}
}

func TestSettingsFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	s := SettingsFromEnv(env(map[string]string{"MERIDIAN_LLM_BASE_URL": " http://ollama:11434/v1 ", "MERIDIAN_LLM_API_KEY": "k",
		"MERIDIAN_LLM_MODEL": "qwen2.5:7b", "MERIDIAN_LLM_TIMEOUT": "2500ms"}))
	if s.BaseURL != "http://ollama:11434/v1" || s.APIKey != "k" || s.Model != "qwen2.5:7b" || s.Timeout != 2500*time.Millisecond {
		t.Fatalf("%+v", s)
	}
	for v, want := range map[string]time.Duration{"": 0, "5": 5 * time.Second, "0.5": 500 * time.Millisecond, "ten": -1, "-3": -1} {
		if got := SettingsFromEnv(env(map[string]string{"MERIDIAN_LLM_TIMEOUT": v})).Timeout; got != want {
			t.Errorf("timeout %q: %v, want %v", v, got, want)
		}
	}
	if r, err := New(SettingsFromEnv(env(nil))); r != nil || err != nil {
		t.Fatalf("empty environment: %v %v", r, err)
	}
}

func TestApply(t *testing.T) {
	half, low := 0.5, -0.9
	for _, tc := range []struct {
		name string
		b    Builtin
		r    Refinement
		want Builtin
	}{
		{"an empty refinement changes nothing", builtin, Refinement{}, builtin},
		{"accepted fields replace the built-in ones, emotions key by key",
			builtin,
			Refinement{Intent: "refund", IssueType: "complaint", Sentiment: &low, Emotions: map[string]float64{"frustration": 0.7}, Urgency: "HIGH", Reasons: []string{"llm:deadline"}},
			Builtin{Language: "de", Sentiment: -0.9, Emotions: map[string]float64{"anger": 0.1, "frustration": 0.7}, Urgency: "HIGH",
				UrgencyReasons: []string{"explicit:urgent", "llm:deadline"}, Intent: "refund", IssueType: "complaint"}},
		{"a model never lowers CRITICAL",
			Builtin{Urgency: "CRITICAL", UrgencyReasons: []string{"topic:fire"}},
			Refinement{Urgency: "NONE", Reasons: []string{"llm:praise"}, Sentiment: &half},
			Builtin{Urgency: "CRITICAL", UrgencyReasons: []string{"topic:fire"}, Sentiment: 0.5}},
		{"the same level adds no reasons",
			Builtin{Urgency: "HIGH", UrgencyReasons: []string{"explicit:urgent"}},
			Refinement{Urgency: "HIGH", Reasons: []string{"llm:explicit_urgency"}},
			Builtin{Urgency: "HIGH", UrgencyReasons: []string{"explicit:urgent"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := json.Marshal(tc.b)
			got := tc.r.Apply(tc.b)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tc.want)
			if string(g) != string(w) {
				t.Fatalf("got  %s\nwant %s", g, w)
			}
			if after, _ := json.Marshal(tc.b); string(after) != string(before) {
				t.Fatal("Apply modified the built-in result")
			}
		})
	}
}
