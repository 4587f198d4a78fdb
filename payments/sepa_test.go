package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/providertest"
)

const (
	merchantIBAN = "DE89370400440532013000"
	customerIBAN = "FR7630006000011234567890189"
	rejectedIBAN = "NL91ABNA0417164300"
)

// fakeBank implements NextGenPSD2's POST /v1/payments/sepa-credit-transfers: Bearer token,
// X-Request-ID (a UUID) and PSU-IP-Address required, the JSON payment, an answer 201 with
// transactionStatus, paymentId and _links, tppMessages errors, and X-Request-ID as the
// idempotency key (the same id gives the same payment; with another body it is refused).
type fakeBank struct {
	t *testing.T

	mu       sync.Mutex
	calls    int
	payments map[string]bankPayment // by X-Request-ID
	bodies   []map[string]any
	headers  []http.Header
	// before runs first on each call; returning true means it answered.
	before func(w http.ResponseWriter, r *http.Request, call int) bool
	// after runs once a payment is recorded; returning true means it answered instead.
	after func(w http.ResponseWriter, r *http.Request, call int) bool
}

type bankPayment struct {
	id, status, body string
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func tppError(w http.ResponseWriter, status int, code, text string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"tppMessages":[{"category":"ERROR","code":%q,"text":%q}]}`, code, text)
}

func (b *fakeBank) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.calls++
	call := b.calls
	b.mu.Unlock()
	if b.before != nil && b.before(w, r, call) {
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/payments/sepa-credit-transfers" {
		tppError(w, 404, "RESOURCE_UNKNOWN", "no such resource")
		return
	}
	if r.Header.Get("Authorization") != "Bearer xs2a-token" {
		tppError(w, 401, "TOKEN_INVALID", "The OAuth2 token is invalid")
		return
	}
	rid := r.Header.Get("X-Request-ID")
	if !uuidRe.MatchString(rid) || r.Header.Get("PSU-IP-Address") == "" || r.Header.Get("Content-Type") != "application/json" {
		tppError(w, 400, "FORMAT_ERROR", "X-Request-ID, PSU-IP-Address or Content-Type missing or malformed")
		return
	}
	var raw json.RawMessage
	var p map[string]any
	if json.NewDecoder(r.Body).Decode(&raw) != nil || json.Unmarshal(raw, &p) != nil {
		tppError(w, 400, "FORMAT_ERROR", "body is not JSON")
		return
	}
	amt, _ := p["instructedAmount"].(map[string]any)
	cred, _ := p["creditorAccount"].(map[string]any)
	if amt == nil || amt["currency"] != "EUR" || !regexp.MustCompile(`^\d{1,15}\.\d{2}$`).MatchString(fmt.Sprint(amt["amount"])) ||
		cred == nil || cred["iban"] == "" || p["creditorName"] == nil {
		tppError(w, 400, "FORMAT_ERROR", "instructedAmount, creditorAccount or creditorName")
		return
	}
	if e2e, ok := p["endToEndIdentification"].(string); ok && len(e2e) > 35 {
		tppError(w, 400, "FORMAT_ERROR", "endToEndIdentification longer than 35")
		return
	}
	if rem, ok := p["remittanceInformationUnstructured"].(string); ok && len([]rune(rem)) > 140 {
		tppError(w, 400, "FORMAT_ERROR", "remittanceInformationUnstructured longer than 140")
		return
	}
	b.mu.Lock()
	b.bodies = append(b.bodies, p)
	b.headers = append(b.headers, r.Header.Clone())
	pay, seen := b.payments[rid]
	if seen && pay.body != string(raw) {
		b.mu.Unlock()
		tppError(w, 400, "FORMAT_ERROR", "X-Request-ID reused for another payment")
		return
	}
	if !seen {
		pay = bankPayment{id: fmt.Sprintf("pay-%03d", len(b.payments)+1), status: "RCVD", body: string(raw)}
		if cred["iban"] == rejectedIBAN {
			pay.status = "RJCT"
		}
		b.payments[rid] = pay
	}
	b.mu.Unlock()
	if b.after != nil && b.after(w, r, call) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/v1/payments/sepa-credit-transfers/"+pay.id)
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"transactionStatus": pay.status, "paymentId": pay.id, "_links": map[string]any{
		"scaRedirect": map[string]any{"href": "https://bank.example/sca/" + pay.id},
		"self":        map[string]any{"href": "/v1/payments/sepa-credit-transfers/" + pay.id},
		"status":      map[string]any{"href": "/v1/payments/sepa-credit-transfers/" + pay.id + "/status"},
	}})
}

func (b *fakeBank) created() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.payments)
}

func newSEPA(t *testing.T, b *fakeBank, mod func(*SEPAConfig)) (*SEPA, *providertest.Sleeps) {
	t.Helper()
	if b.payments == nil {
		b.payments = map[string]bankPayment{}
	}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	sl := &providertest.Sleeps{}
	c := SEPAConfig{Config: Config{BaseURL: srv.URL, Sleep: sl.Sleep}, Token: "xs2a-token", PSUIPAddress: "192.0.2.10",
		RedirectURI: "https://shop.example/paid", Account: BankAccount{IBAN: "DE89 3704 0044 0532 0130 00", BIC: "COBADEFFXXX", Name: "Meridian Shop GmbH"}}
	if mod != nil {
		mod(&c)
	}
	s, err := NewSEPA(c)
	if err != nil {
		t.Fatal(err)
	}
	return s, sl
}

func refundReq(key string) RefundRequest {
	return RefundRequest{IdempotencyKey: key, OrderRef: "SO-1234", Amount: 1250, Currency: "EUR", Reason: "damaged bottle",
		Creditor: BankAccount{IBAN: "fr76 3000 6000 0112 3456 7890 189", BIC: "bnpafrpp", Name: "Jeanne Martin"}}
}

func TestSEPARefund(t *testing.T) {
	b := &fakeBank{t: t}
	s, _ := newSEPA(t, b, nil)
	r, err := s.Refund(context.Background(), refundReq("conv-1/refund-1"))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "pay-001" || r.Status != StatusPending || r.ProviderStatus != "RCVD" || len(r.Reference) != 35 {
		t.Errorf("refund %+v", r)
	}
	p := b.bodies[0]
	want := map[string]any{
		"debtorAccount":                     map[string]any{"iban": merchantIBAN},
		"creditorAccount":                   map[string]any{"iban": customerIBAN},
		"instructedAmount":                  map[string]any{"currency": "EUR", "amount": "12.50"},
		"creditorAgent":                     "BNPAFRPP",
		"creditorName":                      "Jeanne Martin",
		"remittanceInformationUnstructured": "Refund SO-1234 damaged bottle",
		"endToEndIdentification":            r.Reference,
	}
	for k, v := range want {
		if fmt.Sprint(p[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, p[k], v)
		}
	}
	if got := b.headers[0].Get("PSU-IP-Address"); got != "192.0.2.10" {
		t.Errorf("PSU-IP-Address %q", got)
	}
}

func TestSEPARefundIsIdempotent(t *testing.T) {
	b := &fakeBank{t: t}
	s, _ := newSEPA(t, b, nil)
	first, err := s.Refund(context.Background(), refundReq("conv-1/refund-1"))
	if err != nil {
		t.Fatal(err)
	}
	// The same key, asked again and concurrently: the same refund, never a second transfer.
	var wg sync.WaitGroup
	got := make([]Refund, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = s.Refund(context.Background(), refundReq("conv-1/refund-1"))
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != first {
			t.Errorf("again: %+v %v, want %+v", got[i], errs[i], first)
		}
	}
	if b.count() != 1 || b.created() != 1 {
		t.Errorf("%d requests, %d transfers; want 1 and 1", b.count(), b.created())
	}
	// Concurrent first calls of a new key make one transfer too.
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = s.Refund(context.Background(), refundReq("conv-2/refund-1"))
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != got[0] {
			t.Errorf("concurrent: %+v %v", got[i], errs[i])
		}
	}
	if b.created() != 2 {
		t.Errorf("%d transfers, want 2", b.created())
	}
	// The key of a refund names that refund only.
	other := refundReq("conv-1/refund-1")
	other.Amount = 9999
	if _, err := s.Refund(context.Background(), other); !errors.Is(err, ErrKeyReused) {
		t.Errorf("a key reused for another amount: %v", err)
	}
	if b.created() != 2 {
		t.Errorf("%d transfers after a reused key, want 2", b.created())
	}
}

// A transfer the bank made whose answer was lost (a 503, a timeout) is asked for again
// with the same X-Request-ID, and the bank answers with that transfer.
func TestSEPARetryAfterLostAnswerMakesOneTransfer(t *testing.T) {
	for name, lose := range map[string]func(w http.ResponseWriter, r *http.Request){
		"503": func(w http.ResponseWriter, r *http.Request) {
			tppError(w, 503, "SERVICE_UNAVAILABLE", "try later")
		},
		"timeout": func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
	} {
		t.Run(name, func(t *testing.T) {
			b := &fakeBank{t: t}
			b.after = func(w http.ResponseWriter, r *http.Request, call int) bool {
				if call == 1 {
					lose(w, r)
					return true
				}
				return false
			}
			s, sl := newSEPA(t, b, func(c *SEPAConfig) { c.Timeout = 50 * time.Millisecond })
			r, err := s.Refund(context.Background(), refundReq("conv-1/refund-1"))
			if err != nil || r.ID != "pay-001" {
				t.Fatalf("%+v %v", r, err)
			}
			if b.count() != 2 || b.created() != 1 || len(sl.Got()) != 1 {
				t.Errorf("%d requests, %d transfers, %d waits; want 2, 1, 1", b.count(), b.created(), len(sl.Got()))
			}
			if b.headers[0].Get("X-Request-ID") != b.headers[1].Get("X-Request-ID") {
				t.Error("the retry carried another X-Request-ID")
			}
		})
	}
}

func TestSEPARateLimitRetriedAfterRetryAfter(t *testing.T) {
	b := &fakeBank{t: t}
	b.before = func(w http.ResponseWriter, r *http.Request, call int) bool {
		if call == 1 {
			w.Header().Set("Retry-After", "4")
			tppError(w, 429, "ACCESS_EXCEEDED", "too many requests")
			return true
		}
		return false
	}
	s, sl := newSEPA(t, b, nil)
	if _, err := s.Refund(context.Background(), refundReq("k")); err != nil {
		t.Fatal(err)
	}
	if got := sl.Got(); !slices.Equal(got, []time.Duration{4 * time.Second}) {
		t.Errorf("waited %v, want 4s", got)
	}
}

func TestSEPAErrors(t *testing.T) {
	for name, c := range map[string]struct {
		answer   func(w http.ResponseWriter)
		kind     error
		code     string
		requests int
	}{
		"token invalid":  {func(w http.ResponseWriter) { tppError(w, 401, "TOKEN_INVALID", "expired") }, provider.ErrAuth, "TOKEN_INVALID", 1},
		"blocked":        {func(w http.ResponseWriter) { tppError(w, 403, "SERVICE_BLOCKED", "blocked") }, provider.ErrAuth, "SERVICE_BLOCKED", 1},
		"format error":   {func(w http.ResponseWriter) { tppError(w, 400, "FORMAT_ERROR", "bad") }, provider.ErrProvider, "FORMAT_ERROR", 1},
		"server error":   {func(w http.ResponseWriter) { w.WriteHeader(500) }, provider.ErrProvider, "", 3},
		"malformed body": {func(w http.ResponseWriter) { w.WriteHeader(201); w.Write([]byte(`{"transactionStatus":"RCVD"`)) }, provider.ErrBadResponse, "", 1},
		"unknown status": {func(w http.ResponseWriter) {
			w.WriteHeader(201)
			w.Write([]byte(`{"transactionStatus":"DONE","paymentId":"p"}`))
		}, provider.ErrBadResponse, "", 1},
	} {
		t.Run(name, func(t *testing.T) {
			b := &fakeBank{t: t}
			b.before = func(w http.ResponseWriter, r *http.Request, call int) bool { c.answer(w); return true }
			s, _ := newSEPA(t, b, nil)
			_, err := s.Refund(context.Background(), refundReq("k"))
			if pe := wantKind(t, err, c.kind); pe.Code != c.code || pe.Provider != "sepa" {
				t.Errorf("%+v", pe)
			}
			if b.count() != c.requests {
				t.Errorf("%d requests, want %d", b.count(), c.requests)
			}
			// A failed refund is not remembered: asking again asks the bank again.
			b.before = nil
			if r, err := s.Refund(context.Background(), refundReq("k")); err != nil || r.ID == "" {
				t.Errorf("after the failure: %+v %v", r, err)
			}
		})
	}
}

func TestSEPARejectedTransferIsAFailedRefund(t *testing.T) {
	b := &fakeBank{t: t}
	s, _ := newSEPA(t, b, nil)
	req := refundReq("k")
	req.Creditor.IBAN, req.Creditor.BIC = rejectedIBAN, ""
	r, err := s.Refund(context.Background(), req)
	if err != nil || r.Status != StatusFailed || r.ProviderStatus != "RJCT" {
		t.Errorf("%+v %v", r, err)
	}
}

func TestSEPARefusesBadInputBeforeAnyRequest(t *testing.T) {
	b := &fakeBank{t: t}
	s, _ := newSEPA(t, b, func(c *SEPAConfig) { c.MaxAmount = 50000 })
	for field, mod := range map[string]func(r *RefundRequest){
		"idempotencyKey": func(r *RefundRequest) { r.IdempotencyKey = " " },
		"orderRef":       func(r *RefundRequest) { r.OrderRef = "" },
		"currency":       func(r *RefundRequest) { r.Currency = "USD" },
		"amount":         func(r *RefundRequest) { r.Amount = 50001 },
		"creditor.iban":  func(r *RefundRequest) { r.Creditor.IBAN = "FR7630006000011234567890188" }, // checksum off by one
		"creditor.bic":   func(r *RefundRequest) { r.Creditor.BIC = "BNPA-FR" },
		"creditor.name":  func(r *RefundRequest) { r.Creditor.Name = "" },
		"reason":         func(r *RefundRequest) { r.Reason = strings.Repeat("x", 130) },
	} {
		r := refundReq("k-" + field)
		mod(&r)
		_, err := s.Refund(context.Background(), r)
		wantInvalid(t, err, field)
	}
	for _, amount := range []int64{0, -100} {
		r := refundReq("k")
		r.Amount = amount
		_, err := s.Refund(context.Background(), r)
		wantInvalid(t, err, "amount")
	}
	if _, err := s.PaymentLink(context.Background(), LinkRequest{Reference: "INV-1", Amount: 100, Currency: "SEK"}); err == nil {
		t.Error("a SEK link accepted")
	}
	if b.count() != 0 {
		t.Errorf("%d requests for refused input", b.count())
	}
}

func TestSEPAPaymentLink(t *testing.T) {
	b := &fakeBank{t: t}
	s, _ := newSEPA(t, b, nil)
	l, err := s.PaymentLink(context.Background(), LinkRequest{Reference: "INV-2026-001", Amount: 4999, Currency: "EUR", Description: "Invoice INV-2026-001"})
	if err != nil {
		t.Fatal(err)
	}
	if l.URL != "https://bank.example/sca/pay-001" || l.ID != "pay-001" {
		t.Errorf("link %+v", l)
	}
	p := b.bodies[0]
	if p["debtorAccount"] != nil || fmt.Sprint(p["creditorAccount"]) != fmt.Sprint(map[string]any{"iban": merchantIBAN}) ||
		p["creditorName"] != "Meridian Shop GmbH" || fmt.Sprint(p["instructedAmount"]) != fmt.Sprint(map[string]any{"amount": "49.99", "currency": "EUR"}) {
		t.Errorf("payment %v", p)
	}
	if got := b.headers[0].Get("TPP-Redirect-URI"); got != "https://shop.example/paid" {
		t.Errorf("TPP-Redirect-URI %q", got)
	}
	again, err := s.PaymentLink(context.Background(), LinkRequest{Reference: "INV-2026-001", Amount: 4999, Currency: "EUR", Description: "Invoice INV-2026-001"})
	if err != nil || again != l || b.count() != 1 {
		t.Errorf("again: %+v %v after %d requests", again, err, b.count())
	}
}

func TestNewSEPARefusesBadAccounts(t *testing.T) {
	for _, c := range []SEPAConfig{
		{Config: Config{BaseURL: "https://bank.example"}, Token: "t", Account: BankAccount{IBAN: "DE00370400440532013000", Name: "M"}},
		{Config: Config{BaseURL: "https://bank.example"}, Token: "t", Account: BankAccount{IBAN: merchantIBAN}},
		{Config: Config{BaseURL: "https://bank.example"}, Account: BankAccount{IBAN: merchantIBAN, Name: "M"}},
		{Config: Config{BaseURL: "ftp://bank.example"}, Token: "t", Account: BankAccount{IBAN: merchantIBAN, Name: "M"}},
		{Config: Config{BaseURL: "https://bank.example"}, Token: "t", Account: BankAccount{IBAN: merchantIBAN, Name: "M"}, PSUIPAddress: "server"},
	} {
		if _, err := NewSEPA(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestValidBICAndRequestUUID(t *testing.T) {
	for s, want := range map[string]bool{"COBADEFFXXX": true, "BNPAFRPP": true, "DEUTDEFF500": true, "BNPAFRP": false,
		"bnpafrpp": false, "1NPAFRPP": false, "BNPA12PP": false, "COBADEFFXXXX": false} {
		if ValidBIC(s) != want {
			t.Errorf("ValidBIC(%q) = %v", s, !want)
		}
	}
	a, b := requestUUID("k1"), requestUUID("k2")
	if !uuidRe.MatchString(a) || a == b || a != requestUUID("k1") {
		t.Errorf("request ids %q %q", a, b)
	}
}

func (b *fakeBank) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls
}
