package payments

import (
	"context"
	"errors"
	"testing"

	"github.com/meridian-cs/meridian/compliance"
)

// The parsers read what a bank or wallet (or anything at its URL) answers: any bytes give a
// value or an error, never a panic, and an accepted answer has what a refund needs.
func FuzzParseAnswers(f *testing.F) {
	f.Add([]byte(`{"transactionStatus":"RCVD","paymentId":"1234-wertiq-983","_links":{"scaRedirect":{"href":"https://bank.example/sca"}}}`))
	f.Add([]byte(`{"tppMessages":[{"category":"ERROR","code":"TOKEN_INVALID","text":"expired"}]}`))
	f.Add([]byte(`{"txID":"abc","status":"success","description":"","reason":""}`))
	f.Add([]byte(`{"partnerTxID":"p1","request":"eyJ"}`))
	f.Add([]byte(`{"code":4004,"message":"refund not allowed"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := parseSEPAInitiation(b); err == nil && (p.PaymentID == "" || !sepaStatuses[p.TransactionStatus]) {
			t.Fatalf("initiation %+v accepted", p)
		}
		if code, msg := parseBerlinGroupError(b); len(code) > 200 || len(msg) > 200 {
			t.Fatal("error not clipped")
		}
		if r, err := parseGrabPayRefund(b); err == nil && (r.status == "" || (r.TxID == "" && r.status != StatusFailed)) {
			t.Fatalf("refund %+v accepted", r)
		}
		if req, err := parseGrabPayChargeInit(b, "p1"); err == nil && req == "" {
			t.Fatal("charge init without request accepted")
		}
		if code, msg := parseGrabPayError(b); len(code) > 200 || len(msg) > 200 {
			t.Fatal("error not clipped")
		}
	})
}

// Whatever a customer or an agent types as the account, a refund is refused before any
// request unless the IBAN passes its checksum and the BIC, if any, is one.
func FuzzSEPAValidation(f *testing.F) {
	f.Add("FR76 3000 6000 0112 3456 7890 189", "BNPAFRPP", "Jeanne", "damaged")
	f.Add("DE89370400440532013001", "", "A", "")
	f.Add("GB29NWBK60161331926819", "NWBKGB2L", "Ann\x00", "x")
	s, err := NewSEPA(SEPAConfig{Config: Config{BaseURL: "http://127.0.0.1:1", MaxAttempts: 1}, Token: "t",
		Account: BankAccount{IBAN: merchantIBAN, Name: "Shop"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, iban, bic, name, reason string) {
		_, err := s.Refund(context.Background(), RefundRequest{IdempotencyKey: iban + "|" + bic + "|" + name + "|" + reason, OrderRef: "SO-1",
			Amount: 100, Currency: "EUR", Reason: reason, Creditor: BankAccount{IBAN: iban, BIC: bic, Name: name}})
		if errors.Is(err, ErrInvalid) {
			return
		}
		// Not refused: it was sent (and failed, nothing listens), so it must have been valid.
		if !compliance.ValidIBAN(NormalizeIBAN(iban)) {
			t.Fatalf("IBAN %q sent", iban)
		}
		if b := normalizeBIC(bic); b != "" && !ValidBIC(b) {
			t.Fatalf("BIC %q sent", bic)
		}
	})
}
