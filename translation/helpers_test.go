package translation

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// world is a batch in several scripts, with emoji, for round trips.
var world = []string{
	"お問い合わせありがとうございます。注文番号は#4711です 🙏",
	"شكرا لتواصلك معنا، طلبك في الطريق 🚚",
	"ขอบคุณที่ติดต่อเรา คำสั่งซื้อของคุณกำลังจัดส่ง",
	"您的退款已处理完毕 ✅",
	"주문하신 상품이 발송되었습니다 😊",
	"Grüße aus Köln — 👩🏽‍💻🇩🇪",
}

// fakeTranslate is what the local servers answer for a text: recognisably
// "translated", and byte-exact for the round trip checks.
func fakeTranslate(target, text string) string { return "⟦" + target + "⟧" + text }

type errCase struct {
	name       string
	status     int
	retryAfter string
	body       string
	kind       error
	retryable  bool
	code       string
	wait       time.Duration
}

// stub answers every request with status, body and an optional Retry-After.
func stub(status int, retryAfterHeader, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if retryAfterHeader != "" {
			w.Header().Set("Retry-After", retryAfterHeader)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
}

// runErrorCases checks that each documented error is mapped to its kind, code,
// retryability and Retry-After.
func runErrorCases(t *testing.T, mk func(base string) Translator, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := stub(tc.status, tc.retryAfter, tc.body)
			defer srv.Close()
			_, err := mk(srv.URL).Translate(context.Background(), Request{Text: []string{"Hallo"}, Source: "de", Target: "en"})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want kind %v", err, tc.kind)
			}
			var pe *ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ProviderError", err)
			}
			if pe.Status != tc.status || pe.Retryable != tc.retryable || (tc.code != "" && pe.Code != tc.code) || pe.RetryAfter != tc.wait {
				t.Fatalf("got status %d code %q retryable %v after %v; want %d %q %v %v (%v)",
					pe.Status, pe.Code, pe.Retryable, pe.RetryAfter, tc.status, tc.code, tc.retryable, tc.wait, err)
			}
			if r, after := Retryable(err); r != tc.retryable || after != tc.wait {
				t.Fatalf("Retryable = %v %v", r, after)
			}
			if Reason(err) == "" {
				t.Fatal("no reason for the agent")
			}
		})
	}
}

// testTimeout checks that a server that never answers gives ErrTimeout within the
// configured timeout, and that a server that stalls in the middle of its body does too.
func testTimeout(t *testing.T, mk func(base string, timeout time.Duration) Translator) {
	t.Helper()
	for _, half := range []bool{false, true} {
		name := "never answers"
		if half {
			name = "stalls mid-body"
		}
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client leaving
				if half {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(200)
					_, _ = io.WriteString(w, `{"`)
					w.(http.Flusher).Flush()
				}
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			}))
			defer srv.Close()
			start := time.Now()
			_, err := mk(srv.URL, 150*time.Millisecond).Translate(context.Background(), Request{Text: []string{"Hallo"}, Source: "de", Target: "en"})
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
	t.Run("caller cancels", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}))
		defer srv.Close()
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := mk(srv.URL, 5*time.Second).Translate(ctx, Request{Text: []string{"Hallo"}, Source: "de", Target: "en"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})
}

// testMalformed checks answers that are not what the API documents.
func testMalformed(t *testing.T, mk func(base string) Translator, bodies ...string) {
	t.Helper()
	for _, b := range append([]string{`{not json`, ``}, bodies...) {
		srv := stub(200, "", b)
		_, err := mk(srv.URL).Translate(context.Background(), Request{Text: []string{"Hallo", "Welt"}, Source: "de", Target: "en"})
		srv.Close()
		if !errors.Is(err, ErrBadResponse) {
			t.Errorf("body %q: error %v, want ErrBadResponse", b, err)
		}
	}
}

func errorsIs(err, kind error) bool { return errors.Is(err, kind) }
