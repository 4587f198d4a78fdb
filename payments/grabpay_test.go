package payments

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/providertest"
)

// fakeGrab implements the GrabPay-like partner API: the partner HMAC on every request
// (checked with its own implementation of the documented string to sign), refunds of
// known charges by partnerTxID (the same partnerTxID gives the same refund; more than the
// charge's remaining amount is refused), and charge init answering a request token.
type fakeGrab struct {
	t *testing.T

	mu      sync.Mutex
	calls   int
	charges map[string]int64          // originTxID -> refundable amount
	refunds map[string]map[string]any // partnerTxID -> answer
	inits   map[string]string         // partnerTxID -> request
	bodies  []map[string]any
	before  func(w http.ResponseWriter, call int) bool
	after   func(w http.ResponseWriter, r *http.Request, call int) bool
}

const grabSecret = "partner-secret"

func grabSign(method, contentType, date, path string, body []byte) string {
	sum := sha256.Sum256(body)
	msg := method + "\n" + contentType + "\n" + date + "\n" + path + "\n" + base64.StdEncoding.EncodeToString(sum[:]) + "\n"
	m := hmac.New(sha256.New, []byte(grabSecret))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func grabError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"code":%q,"message":%q}`, code, msg)
}

func (g *fakeGrab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.calls++
	call := g.calls
	g.mu.Unlock()
	if g.before != nil && g.before(w, call) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	date := r.Header.Get("Date")
	if _, err := http.ParseTime(date); err != nil ||
		r.Header.Get("Authorization") != "partner-1:"+grabSign(r.Method, r.Header.Get("Content-Type"), date, r.URL.RequestURI(), body) {
		grabError(w, 401, "4010", "signature mismatch")
		return
	}
	var p map[string]any
	if json.Unmarshal(body, &p) != nil || p["merchantID"] != "merchant-9" {
		grabError(w, 400, "4000", "invalid request")
		return
	}
	id, _ := p["partnerTxID"].(string)
	amount, _ := p["amount"].(float64)
	g.mu.Lock()
	g.bodies = append(g.bodies, p)
	switch r.URL.Path {
	case "/grabpay/partner/v2/refund":
		ans, seen := g.refunds[id]
		if !seen {
			origin, _ := p["originTxID"].(string)
			left, ok := g.charges[origin]
			if !ok || int64(amount) > left || p["currency"] != "SGD" {
				g.mu.Unlock()
				grabError(w, 400, "4004", "refund not allowed for this transaction")
				return
			}
			g.charges[origin] = left - int64(amount)
			ans = map[string]any{"txID": fmt.Sprintf("grab-refund-%d", len(g.refunds)+1), "status": "success", "description": "", "reason": ""}
			g.refunds[id] = ans
		}
		g.mu.Unlock()
		if g.after != nil && g.after(w, r, call) {
			return
		}
		json.NewEncoder(w).Encode(ans)
	case "/grabpay/partner/v2/charge/init":
		req, seen := g.inits[id]
		if !seen {
			req = fmt.Sprintf("eyJhbGciOi.req%d", len(g.inits)+1)
			g.inits[id] = req
		}
		g.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"partnerTxID": id, "request": req})
	default:
		g.mu.Unlock()
		grabError(w, 404, "4040", "not found")
	}
}

func newGrab(t *testing.T, g *fakeGrab, mod func(*GrabPayConfig)) (*GrabPay, *providertest.Sleeps) {
	t.Helper()
	g.charges = map[string]int64{"grab-charge-1": 5000}
	g.refunds, g.inits = map[string]map[string]any{}, map[string]string{}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	sl := &providertest.Sleeps{}
	c := GrabPayConfig{Config: Config{BaseURL: srv.URL, Sleep: sl.Sleep}, PartnerID: "partner-1", PartnerSecret: grabSecret,
		MerchantID: "merchant-9", ClientID: "client-7", RedirectURI: "https://shop.example/grab/return", Country: "SG"}
	if mod != nil {
		mod(&c)
	}
	p, err := NewGrabPay(c)
	if err != nil {
		t.Fatal(err)
	}
	return p, sl
}

func walletRefund(key string, amount int64) RefundRequest {
	return RefundRequest{IdempotencyKey: key, OrderRef: "SO-5678", Amount: amount, Currency: "SGD", Reason: "late delivery", OriginalTxID: "grab-charge-1"}
}

func TestGrabPayRefundIsIdempotent(t *testing.T) {
	g := &fakeGrab{t: t}
	p, _ := newGrab(t, g, nil)
	r, err := p.Refund(context.Background(), walletRefund("conv-9/refund-1", 3000))
	if err != nil || r.ID != "grab-refund-1" || r.Status != StatusSucceeded || len(r.Reference) != 32 {
		t.Fatalf("%+v %v", r, err)
	}
	b := g.bodies[0]
	if b["partnerGroupTxID"] != "SO-5678" || b["originTxID"] != "grab-charge-1" || b["amount"] != float64(3000) ||
		b["currency"] != "SGD" || b["description"] != "late delivery" || b["partnerTxID"] != r.Reference {
		t.Errorf("body %v", b)
	}
	again, err := p.Refund(context.Background(), walletRefund("conv-9/refund-1", 3000))
	if err != nil || again != r || g.count() != 1 {
		t.Errorf("again: %+v %v after %d requests", again, err, g.count())
	}
	// Another key is another refund: 3000 of the 5000 are gone, so 3000 more are refused.
	if _, err := p.Refund(context.Background(), walletRefund("conv-9/refund-2", 3000)); err == nil {
		t.Error("a refund beyond the charge accepted")
	} else if pe := wantKind(t, err, provider.ErrProvider); pe.Code != "4004" {
		t.Errorf("%+v", pe)
	}
}

func TestGrabPayRetryAfterLostAnswerMakesOneRefund(t *testing.T) {
	g := &fakeGrab{t: t}
	g.after = func(w http.ResponseWriter, r *http.Request, call int) bool {
		if call == 1 {
			w.Header().Set("Retry-After", "3")
			grabError(w, 429, "4290", "too many requests")
			return true
		}
		return false
	}
	p, sl := newGrab(t, g, nil)
	r, err := p.Refund(context.Background(), walletRefund("k", 5000))
	if err != nil || r.ID != "grab-refund-1" {
		t.Fatalf("%+v %v", r, err)
	}
	if len(g.refunds) != 1 || g.charges["grab-charge-1"] != 0 || fmt.Sprint(sl.Got()) != "[3s]" {
		t.Errorf("%d refunds, %d left, waits %v", len(g.refunds), g.charges["grab-charge-1"], sl.Got())
	}
}

func TestGrabPayErrors(t *testing.T) {
	for name, c := range map[string]struct {
		before   func(w http.ResponseWriter, call int) bool
		mod      func(*GrabPayConfig)
		kind     error
		requests int
	}{
		"wrong secret": {nil, func(c *GrabPayConfig) { c.PartnerSecret = "other" }, provider.ErrAuth, 1},
		"server error": {func(w http.ResponseWriter, call int) bool { w.WriteHeader(502); return true }, nil, provider.ErrProvider, 3},
		"malformed": {func(w http.ResponseWriter, call int) bool {
			w.Write([]byte(`{"txID": "x", "status": "maybe"}`))
			return true
		}, nil, provider.ErrBadResponse, 1},
		"timeout": {func(w http.ResponseWriter, call int) bool { time.Sleep(200 * time.Millisecond); return true },
			func(c *GrabPayConfig) { c.Timeout, c.MaxAttempts = 20*time.Millisecond, 1 }, provider.ErrTimeout, 1},
	} {
		t.Run(name, func(t *testing.T) {
			g := &fakeGrab{t: t, before: c.before}
			p, _ := newGrab(t, g, c.mod)
			_, err := p.Refund(context.Background(), walletRefund("k", 100))
			wantKind(t, err, c.kind)
			if g.count() != c.requests {
				t.Errorf("%d requests, want %d", g.count(), c.requests)
			}
		})
	}
}

func TestGrabPayRefusesBadInputBeforeAnyRequest(t *testing.T) {
	g := &fakeGrab{t: t}
	p, _ := newGrab(t, g, nil)
	for field, mod := range map[string]func(r *RefundRequest){
		"idempotencyKey": func(r *RefundRequest) { r.IdempotencyKey = "" },
		"currency":       func(r *RefundRequest) { r.Currency = "EUR" },
		"originalTxID":   func(r *RefundRequest) { r.OriginalTxID = "" },
		"orderRef":       func(r *RefundRequest) { r.OrderRef = "SO 1/2" },
		"amount":         func(r *RefundRequest) { r.Amount = 2_000_000 },
		"reason":         func(r *RefundRequest) { r.Reason = "a\x00b" },
	} {
		r := walletRefund("k-"+field, 100)
		mod(&r)
		_, err := p.Refund(context.Background(), r)
		wantInvalid(t, err, field)
	}
	if g.count() != 0 {
		t.Errorf("%d requests for refused input", g.count())
	}
}

func TestGrabPayPaymentLink(t *testing.T) {
	g := &fakeGrab{t: t}
	p, _ := newGrab(t, g, nil)
	l, err := p.PaymentLink(context.Background(), LinkRequest{Reference: "INV-77", Amount: 1990, Currency: "SGD", Description: "Order SO-77"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(l.URL)
	if err != nil || !strings.HasSuffix(u.Path, "/grabid/v1/oauth2/authorize") {
		t.Fatalf("link %q", l.URL)
	}
	q := u.Query()
	verifier := GrabPayCodeVerifier(grabSecret, l.ID)
	sum := sha256.Sum256([]byte(verifier))
	for k, want := range map[string]string{"client_id": "client-7", "request": "eyJhbGciOi.req1", "response_type": "code",
		"redirect_uri": "https://shop.example/grab/return", "state": l.ID, "code_challenge_method": "S256",
		"code_challenge": base64.RawURLEncoding.EncodeToString(sum[:]), "acr_values": "consent_ctx:countryCode=SG,currency=SGD"} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if len(verifier) < 43 {
		t.Errorf("code verifier %q shorter than PKCE's 43", verifier)
	}
	again, err := p.PaymentLink(context.Background(), LinkRequest{Reference: "INV-77", Amount: 1990, Currency: "SGD", Description: "Order SO-77"})
	if err != nil || again != l || g.count() != 1 {
		t.Errorf("again: %+v %v after %d requests", again, err, g.count())
	}
	if _, err := p.PaymentLink(context.Background(), LinkRequest{Reference: "INV-77", Amount: 2990, Currency: "SGD"}); err != ErrKeyReused {
		t.Errorf("the reference of another payment: %v", err)
	}
}

func TestFromSettings(t *testing.T) {
	if p, err := FromSettings(Settings{}); p != nil || err != nil {
		t.Errorf("none: %v %v", p, err)
	}
	p, err := FromSettings(Settings{Provider: "sepa", BaseURL: "https://bank.example", Token: "t", AccountIBAN: merchantIBAN, AccountName: "Shop"})
	if err != nil || p.Name() != "sepa" {
		t.Errorf("sepa: %v %v", p, err)
	}
	p, err = FromSettings(Settings{Provider: "GrabPay", PartnerID: "p", PartnerSecret: "s", MerchantID: "m", Country: "my"})
	if err != nil || p.Name() != "grabpay" || p.(*GrabPay).c.base.String() != "https://partner-api.grab.com" {
		t.Errorf("grabpay: %v %v", p, err)
	}
	for _, s := range []Settings{
		{Provider: "paypal"},
		{Provider: "sepa", BaseURL: "https://bank.example", Token: "t", AccountIBAN: "DE00", AccountName: "Shop"},
		{Provider: "grabpay", PartnerID: "p", MerchantID: "m"},
		{Provider: "grabpay", PartnerID: "p", PartnerSecret: "s", MerchantID: "m", Country: "DE"},
		{Provider: "sepa", BaseURL: "https://bank.example", Token: "t", AccountIBAN: merchantIBAN, AccountName: "Shop", MaxAmount: -1},
	} {
		if p, err := FromSettings(s); err == nil {
			t.Errorf("%+v accepted: %v", s, p)
		}
	}
}

func (g *fakeGrab) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}
