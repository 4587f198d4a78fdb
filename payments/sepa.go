package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/provider"
)

// SEPAConfig configures the SEPA adapter.
type SEPAConfig struct {
	Config
	// Token is the OAuth 2.0 access token of the XS2A interface ("Authorization: Bearer").
	Token string
	// Account is the merchant's account: refunds are paid from it, payment links pay to it.
	Account BankAccount
	// PSUIPAddress is sent as PSU-IP-Address, which NextGenPSD2 requires on payment
	// initiation: for refunds the merchant is the PSU, so the server's address.
	PSUIPAddress string
	// RedirectURI is sent as TPP-Redirect-URI with payment links: where the customer's bank
	// sends them after authorising.
	RedirectURI string
}

// SEPA initiates SEPA credit transfers over the Berlin Group NextGenPSD2 payment initiation
// API (see the package documentation).
type SEPA struct {
	c       caller
	once    *once
	account BankAccount
	psuIP   string
	redir   string
}

// NewSEPA checks the configuration and returns the adapter.
func NewSEPA(c SEPAConfig) (*SEPA, error) {
	base, err := provider.ParseBase(c.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("payments: sepa: %w", err)
	}
	token := strings.TrimSpace(c.Token)
	if token == "" {
		return nil, errors.New("payments: sepa needs an access token")
	}
	acct := BankAccount{IBAN: NormalizeIBAN(c.Account.IBAN), BIC: normalizeBIC(c.Account.BIC), Name: strings.TrimSpace(c.Account.Name)}
	if err := checkAccount("account", acct); err != nil {
		return nil, err
	}
	ip := strings.TrimSpace(c.PSUIPAddress)
	if ip == "" {
		ip = "127.0.0.1"
	}
	if net.ParseIP(ip) == nil {
		return nil, fmt.Errorf("payments: sepa: PSU IP address %q is not an IP address", ip)
	}
	s := &SEPA{once: newOnce(c.Ledger), account: acct, psuIP: ip, redir: strings.TrimSpace(c.RedirectURI)}
	s.c = caller{cfg: c.Config, provider: "sepa", base: base,
		sign: func(r *http.Request, _ []byte) { r.Header.Set("Authorization", "Bearer "+token) }}
	s.c.classify = func(a answer) *provider.Error {
		code, msg := parseBerlinGroupError(a.Body)
		return s.c.byStatus(a, code, msg)
	}
	return s, nil
}

// Name is "sepa".
func (*SEPA) Name() string { return "sepa" }

// checkAccount refuses an account SEPA would.
func checkAccount(field string, a BankAccount) error {
	if a.IBAN == "" {
		return invalid(field+".iban", "required")
	}
	if !compliance.ValidIBAN(a.IBAN) {
		return invalid(field+".iban", "not a valid IBAN (length or mod-97 checksum)")
	}
	if a.BIC != "" && !ValidBIC(a.BIC) {
		return invalid(field+".bic", "not a valid BIC (AAAABBCC or AAAABBCCDDD)")
	}
	if a.Name == "" {
		return invalid(field+".name", "required")
	}
	return checkText(field+".name", a.Name, 70)
}

// sepaPayment is the body of POST /v1/payments/sepa-credit-transfers.
type sepaPayment struct {
	EndToEndIdentification string       `json:"endToEndIdentification,omitempty"`
	DebtorAccount          *sepaAccount `json:"debtorAccount,omitempty"`
	InstructedAmount       sepaAmount   `json:"instructedAmount"`
	CreditorAccount        sepaAccount  `json:"creditorAccount"`
	CreditorAgent          string       `json:"creditorAgent,omitempty"`
	CreditorName           string       `json:"creditorName"`
	Remittance             string       `json:"remittanceInformationUnstructured,omitempty"`
}

type sepaAccount struct {
	IBAN string `json:"iban"`
}

type sepaAmount struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

// euros formats cents as NextGenPSD2's amount string ("1234.50").
func euros(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

// Refund implements Provider: a SEPA credit transfer from the merchant's account to
// r.Creditor. A transfer the bank rejects (RJCT, CANC) is a Refund with StatusFailed and
// no error: callers must read Status.
func (s *SEPA) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	creditor := BankAccount{IBAN: NormalizeIBAN(r.Creditor.IBAN), BIC: normalizeBIC(r.Creditor.BIC), Name: strings.TrimSpace(r.Creditor.Name)}
	remittance := "Refund " + strings.TrimSpace(r.OrderRef)
	if reason := strings.TrimSpace(r.Reason); reason != "" {
		remittance += " " + reason
	}
	switch {
	case checkKey("idempotencyKey", r.IdempotencyKey) != nil:
		return Refund{}, checkKey("idempotencyKey", r.IdempotencyKey)
	case strings.TrimSpace(r.OrderRef) == "":
		return Refund{}, invalid("orderRef", "required")
	case r.Currency != "EUR":
		return Refund{}, invalid("currency", "%q: SEPA credit transfers are in EUR only", r.Currency)
	}
	if err := s.c.cfg.checkAmount("amount", r.Amount); err != nil {
		return Refund{}, err
	}
	if err := checkAccount("creditor", creditor); err != nil {
		return Refund{}, err
	}
	// The remittance information is "Refund ORDER REASON", at most 140 characters.
	if err := checkText("reason", remittance, 140); err != nil {
		return Refund{}, err
	}
	fp := digest("refund", r.OrderRef, fmt.Sprint(r.Amount), r.Currency, creditor.IBAN, creditor.BIC, creditor.Name, remittance)
	rec, err := s.once.do(ctx, "refund:"+r.IdempotencyKey, fp, func() (Record, error) {
		e2e := endToEndID(r.IdempotencyKey)
		body, _ := json.Marshal(sepaPayment{
			EndToEndIdentification: e2e,
			DebtorAccount:          &sepaAccount{IBAN: s.account.IBAN},
			InstructedAmount:       sepaAmount{Currency: "EUR", Amount: euros(r.Amount)},
			CreditorAccount:        sepaAccount{IBAN: creditor.IBAN},
			CreditorAgent:          creditor.BIC,
			CreditorName:           creditor.Name,
			Remittance:             remittance,
		})
		a, err := s.c.post(ctx, "/v1/payments/sepa-credit-transfers", s.headers("refund:"+r.IdempotencyKey), body)
		if err != nil {
			return Record{}, err
		}
		p, err := parseSEPAInitiation(a.Body)
		if err != nil {
			return Record{}, s.c.bad(a.Status, err.Error())
		}
		return Record{Refund: Refund{ID: p.PaymentID, Status: sepaStatus(p.TransactionStatus), ProviderStatus: p.TransactionStatus, Reference: e2e}}, nil
	})
	return rec.Refund, err
}

// PaymentLink implements Provider: a SEPA credit transfer to the merchant's account,
// initiated for the customer to authorise at their bank (the answer's scaRedirect).
func (s *SEPA) PaymentLink(ctx context.Context, l LinkRequest) (Link, error) {
	if err := checkKey("reference", l.Reference); err != nil {
		return Link{}, err
	}
	if l.Currency != "EUR" {
		return Link{}, invalid("currency", "%q: SEPA credit transfers are in EUR only", l.Currency)
	}
	if err := s.c.cfg.checkAmount("amount", l.Amount); err != nil {
		return Link{}, err
	}
	remittance := strings.TrimSpace(l.Description)
	if remittance == "" {
		remittance = l.Reference
	}
	if err := checkText("description", remittance, 140); err != nil {
		return Link{}, err
	}
	fp := digest("link", fmt.Sprint(l.Amount), l.Currency, remittance)
	rec, err := s.once.do(ctx, "link:"+l.Reference, fp, func() (Record, error) {
		body, _ := json.Marshal(sepaPayment{
			EndToEndIdentification: endToEndID("link:" + l.Reference),
			InstructedAmount:       sepaAmount{Currency: "EUR", Amount: euros(l.Amount)},
			CreditorAccount:        sepaAccount{IBAN: s.account.IBAN},
			CreditorAgent:          s.account.BIC,
			CreditorName:           s.account.Name,
			Remittance:             remittance,
		})
		h := s.headers("link:" + l.Reference)
		if s.redir != "" {
			h.Set("TPP-Redirect-URI", s.redir)
		}
		a, err := s.c.post(ctx, "/v1/payments/sepa-credit-transfers", h, body)
		if err != nil {
			return Record{}, err
		}
		p, err := parseSEPAInitiation(a.Body)
		if err != nil {
			return Record{}, s.c.bad(a.Status, err.Error())
		}
		if p.SCARedirect == "" || !strings.HasPrefix(p.SCARedirect, "https://") && !strings.HasPrefix(p.SCARedirect, "http://") {
			return Record{}, s.c.bad(a.Status, "no _links.scaRedirect to send the customer to")
		}
		return Record{Link: Link{URL: p.SCARedirect, ID: p.PaymentID}}, nil
	})
	return rec.Link, err
}

func (s *SEPA) headers(key string) http.Header {
	h := http.Header{}
	// The same key gives the same X-Request-ID on every try, which the bank deduplicates.
	h.Set("X-Request-ID", requestUUID(key))
	h.Set("PSU-IP-Address", s.psuIP)
	return h
}

// endToEndID is a 35-character endToEndIdentification derived from the key.
func endToEndID(key string) string { return "MRD" + digest("e2e", key)[:32] }

// requestUUID is a UUID (version 5 layout) derived from the key, for X-Request-ID.
func requestUUID(key string) string {
	d := []byte(digest("x-request-id", key)[:32])
	d[12] = '5'
	d[16] = "89ab"[strings.IndexByte("0123456789abcdef", d[16])%4]
	return string(d[:8]) + "-" + string(d[8:12]) + "-" + string(d[12:16]) + "-" + string(d[16:20]) + "-" + string(d[20:])
}

// sepaStatus maps ISO 20022 transaction statuses as NextGenPSD2 uses them.
func sepaStatus(code string) Status {
	switch code {
	case "ACSC", "ACCC":
		return StatusSucceeded
	case "RJCT", "CANC":
		return StatusFailed
	}
	return StatusPending // RCVD, PDNG, ACTC, ACCP, ACSP, ACWC, ACWP, ACFC, PATC, PART
}

type sepaInitiation struct {
	TransactionStatus, PaymentID, SCARedirect string
}

var sepaStatuses = map[string]bool{"ACCC": true, "ACCP": true, "ACSC": true, "ACSP": true, "ACTC": true, "ACWC": true,
	"ACWP": true, "RCVD": true, "PDNG": true, "RJCT": true, "CANC": true, "ACFC": true, "PATC": true, "PART": true}

// parseSEPAInitiation reads a payment initiation answer: {transactionStatus, paymentId,
// _links: {scaRedirect: {href}}}.
func parseSEPAInitiation(b []byte) (sepaInitiation, error) {
	var r struct {
		TransactionStatus string `json:"transactionStatus"`
		PaymentID         string `json:"paymentId"`
		Links             struct {
			SCARedirect struct {
				Href string `json:"href"`
			} `json:"scaRedirect"`
		} `json:"_links"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return sepaInitiation{}, notJSON("payment initiation answer", b)
	}
	if r.PaymentID == "" || !sepaStatuses[r.TransactionStatus] {
		return sepaInitiation{}, fmt.Errorf("payment initiation answer without paymentId or a known transactionStatus (%q)", clip(r.TransactionStatus))
	}
	return sepaInitiation{TransactionStatus: r.TransactionStatus, PaymentID: r.PaymentID, SCARedirect: r.Links.SCARedirect.Href}, nil
}

// parseBerlinGroupError reads {"tppMessages": [{"category", "code", "text"}]}.
func parseBerlinGroupError(b []byte) (code, msg string) {
	var r struct {
		TPPMessages []struct {
			Category, Code, Text string
		} `json:"tppMessages"`
	}
	if json.Unmarshal(b, &r) != nil || len(r.TPPMessages) == 0 {
		return "", ""
	}
	return clip(r.TPPMessages[0].Code), clip(r.TPPMessages[0].Text)
}
