package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Status is where a refund stands.
type Status string

const (
	// StatusPending: accepted by the provider, not yet settled (RCVD, ACTC, pending ...).
	StatusPending Status = "pending"
	// StatusSucceeded: the money has moved (ACSC, success).
	StatusSucceeded Status = "succeeded"
	// StatusFailed: rejected or cancelled (RJCT, CANC, failed).
	StatusFailed Status = "failed"
)

// BankAccount is a SEPA account.
type BankAccount struct {
	IBAN string
	// BIC is optional within SEPA; when given it must be a valid BIC.
	BIC  string
	Name string
}

// RefundRequest asks for money back to the customer.
type RefundRequest struct {
	// IdempotencyKey names this refund: the same key gives the same refund, however many
	// times it is asked for. Required, at most 128 characters.
	IdempotencyKey string
	// OrderRef is the order refunded (the shop's order number).
	OrderRef string
	// Amount is in the currency's minor units (cents).
	Amount   int64
	Currency string
	// Reason goes to the customer with the money (remittance information, description).
	Reason string
	// Creditor is the customer's account (SEPA).
	Creditor BankAccount
	// OriginalTxID is the wallet transaction refunded (GrabPay's txID of the charge).
	OriginalTxID string
}

// Refund is what the provider made of a refund request.
type Refund struct {
	// ID is the provider's id (paymentId, txID).
	ID     string
	Status Status
	// ProviderStatus is the provider's own status code (RCVD, ACSC, success, ...).
	ProviderStatus string
	// Reference is the id Meridian gave the provider (endToEndIdentification,
	// partnerTxID), derived from the idempotency key.
	Reference string
}

// LinkRequest asks the customer to pay.
type LinkRequest struct {
	// Reference names the payment (an order number, an invoice): the same reference gives
	// the same link. Required.
	Reference string
	Amount    int64
	Currency  string
	// Description is shown to the customer.
	Description string
}

// Link is a payment link.
type Link struct {
	URL string
	// ID is the provider's id of the payment (paymentId, partnerTxID).
	ID string
}

// Provider refunds and asks to pay.
type Provider interface {
	Refund(ctx context.Context, r RefundRequest) (Refund, error)
	PaymentLink(ctx context.Context, l LinkRequest) (Link, error)
	// Name is "sepa" or "grabpay".
	Name() string
}

// ErrInvalid is the kind of every refusal of bad input.
var ErrInvalid = errors.New("invalid payment request")

// ErrKeyReused: an idempotency key already names a different refund or link.
var ErrKeyReused = errors.New("payments: idempotency key already used for a different request")

// InvalidError names the field a request was refused for; nothing was sent.
type InvalidError struct {
	Field, Reason string
}

func (e *InvalidError) Error() string { return "payments: " + e.Field + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, a ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

var (
	bicRe      = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
)

// ValidBIC reports whether s is a BIC (ISO 9362): 4 letters of institution, 2 of country,
// 2 letters or digits of location, optionally 3 of branch.
func ValidBIC(s string) bool { return bicRe.MatchString(s) }

// normalizeBIC trims and upper-cases a BIC as typed.
func normalizeBIC(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// NormalizeIBAN removes the spaces and hyphens of a printed IBAN and upper-cases it.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
}

// checkKey refuses missing or overlong idempotency keys.
func checkKey(field, key string) error {
	switch {
	case strings.TrimSpace(key) == "":
		return invalid(field, "required: it is what keeps a payment from being made twice")
	case len(key) > 128:
		return invalid(field, "longer than 128 characters")
	case !utf8.ValidString(key):
		return invalid(field, "not UTF-8")
	}
	return nil
}

// checkText refuses control characters and text over max characters.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return invalid(field, "not UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid(field, "%d characters, at most %d", n, max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return invalid(field, "contains control characters")
		}
	}
	return nil
}

// digest is a stable hex digest of parts, for provider ids and request fingerprints.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}
