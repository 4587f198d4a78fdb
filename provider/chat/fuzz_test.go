package chat

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// FuzzParse feeds the answer parser whatever a server might send.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"model":"m","choices":[{"message":{"content":"{}"},"finish_reason":"stop"}]}`,
		`{"error":{"message":"m","type":"insufficient_quota","code":"insufficient_quota"}}`, `{"error":{"code":429}}`, `{`,
	} {
		for _, status := range []int{200, 400, 401, 429, 500, 503} {
			f.Add(status, []byte(s))
		}
	}
	c := &Client{model: "m", service: "refine"}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		_, err := c.parse(status, http.Header{"Retry-After": {"Wed, 21 Oct 2015 07:28:00 GMT"}}, body, time.Now())
		if status != http.StatusOK && err == nil {
			t.Fatalf("status %d accepted", status)
		}
		if _, after := provider.Retryable(err); after < 0 || after > 24*time.Hour {
			t.Fatalf("wait %v", after)
		}
	})
}

func TestPrintableDropsControlCharacters(t *testing.T) {
	if got := printable("bad\nkey\x1b[31m \xff"+strings.Repeat("x", 400), 20); strings.ContainsAny(got, "\n\x1b") || len(got) > 20 {
		t.Fatalf("%q", got)
	}
}
