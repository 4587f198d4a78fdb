package payments

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/meridian-cs/meridian/provider"
)

// GrabPayConfig configures the GrabPay-like wallet adapter.
type GrabPayConfig struct {
	Config
	// PartnerID and PartnerSecret sign every request (HMAC-SHA256).
	PartnerID, PartnerSecret string
	// MerchantID is the merchant's GrabPay id.
	MerchantID string
	// ClientID and RedirectURI are the OAuth client of the payment page (payment links).
	ClientID, RedirectURI string
	// Country is the market (ISO 3166-1: SG, MY, PH, TH, VN, ID), for the payment page.
	Country string
	// Currencies are those accepted (empty: SGD, MYR, PHP, THB, VND, IDR).
	Currencies []string
}

// GrabPay refunds wallet charges and makes payment links over a GrabPay-like partner API
// (see the package documentation for what is Grab's and what is modelled).
type GrabPay struct {
	c          caller
	once       *once
	cfg        GrabPayConfig
	currencies []string
}

var grabCountries = map[string]bool{"SG": true, "MY": true, "PH": true, "TH": true, "VN": true, "ID": true}

// NewGrabPay checks the configuration and returns the adapter.
func NewGrabPay(c GrabPayConfig) (*GrabPay, error) {
	if strings.TrimSpace(c.BaseURL) == "" {
		c.BaseURL = "https://partner-api.grab.com"
	}
	base, err := provider.ParseBase(c.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("payments: grabpay: %w", err)
	}
	c.PartnerID, c.PartnerSecret, c.MerchantID = strings.TrimSpace(c.PartnerID), strings.TrimSpace(c.PartnerSecret), strings.TrimSpace(c.MerchantID)
	if c.PartnerID == "" || c.PartnerSecret == "" || c.MerchantID == "" {
		return nil, errors.New("payments: grabpay needs a partner id, a partner secret and a merchant id")
	}
	c.Country = strings.ToUpper(strings.TrimSpace(c.Country))
	if c.Country == "" {
		c.Country = "SG"
	}
	if !grabCountries[c.Country] {
		return nil, fmt.Errorf("payments: grabpay: country %q is not one of SG, MY, PH, TH, VN, ID", c.Country)
	}
	g := &GrabPay{once: newOnce(c.Ledger), cfg: c, currencies: c.Currencies}
	if len(g.currencies) == 0 {
		g.currencies = []string{"SGD", "MYR", "PHP", "THB", "VND", "IDR"}
	}
	for _, cur := range g.currencies {
		if !currencyRe.MatchString(cur) {
			return nil, fmt.Errorf("payments: grabpay: currency %q is not an ISO 4217 code", cur)
		}
	}
	g.c = caller{cfg: c.Config, provider: "grabpay", base: base}
	g.c.sign = func(r *http.Request, body []byte) {
		date := g.c.now().UTC().Format(http.TimeFormat)
		r.Header.Set("Date", date)
		r.Header.Set("Authorization", c.PartnerID+":"+GrabPaySignature(c.PartnerSecret, r.Method, r.Header.Get("Content-Type"), date, r.URL.RequestURI(), body))
	}
	g.c.classify = func(a answer) *provider.Error {
		code, msg := parseGrabPayError(a.Body)
		return g.c.byStatus(a, code, msg)
	}
	return g, nil
}

// Name is "grabpay".
func (*GrabPay) Name() string { return "grabpay" }

// GrabPaySignature is the partner HMAC: base64(HMAC-SHA256(secret, method \n content type
// \n date \n path \n base64(SHA-256(body)) \n)), the body digest empty for GET.
func GrabPaySignature(secret, method, contentType, date, path string, body []byte) string {
	digest := ""
	if method != http.MethodGet && body != nil {
		sum := sha256.Sum256(body)
		digest = base64.StdEncoding.EncodeToString(sum[:])
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strings.Join([]string{method, contentType, date, path, digest}, "\n") + "\n"))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (g *GrabPay) checkCurrency(cur string) error {
	if !slices.Contains(g.currencies, cur) {
		return invalid("currency", "%q is not one of %s", cur, strings.Join(g.currencies, ", "))
	}
	return nil
}

// partnerTxID is the 32-character partnerTxID derived from the key.
func partnerTxID(key string) string { return digest("partnerTxID", key)[:32] }

var grabIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Refund implements Provider: a refund of the wallet charge r.OriginalTxID. A refund the
// wallet refuses (status failed) is a Refund with StatusFailed and no error.
func (g *GrabPay) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	if err := checkKey("idempotencyKey", r.IdempotencyKey); err != nil {
		return Refund{}, err
	}
	if !grabIDRe.MatchString(r.OrderRef) {
		return Refund{}, invalid("orderRef", "required, letters, digits, - and _ only, at most 64")
	}
	if !grabIDRe.MatchString(r.OriginalTxID) {
		return Refund{}, invalid("originalTxID", "the wallet charge refunded is required (letters, digits, - and _)")
	}
	if err := g.checkCurrency(r.Currency); err != nil {
		return Refund{}, err
	}
	if err := g.c.cfg.checkAmount("amount", r.Amount); err != nil {
		return Refund{}, err
	}
	desc := strings.TrimSpace(r.Reason)
	if desc == "" {
		desc = "Refund " + r.OrderRef
	}
	if err := checkText("reason", desc, 255); err != nil {
		return Refund{}, err
	}
	fp := digest("refund", r.OrderRef, r.OriginalTxID, fmt.Sprint(r.Amount), r.Currency, desc)
	rec, err := g.once.do(ctx, "refund:"+r.IdempotencyKey, fp, func() (Record, error) {
		id := partnerTxID("refund:" + r.IdempotencyKey)
		body, _ := json.Marshal(map[string]any{"partnerTxID": id, "partnerGroupTxID": r.OrderRef, "amount": r.Amount,
			"currency": r.Currency, "merchantID": g.cfg.MerchantID, "description": desc, "originTxID": r.OriginalTxID})
		a, err := g.c.post(ctx, "/grabpay/partner/v2/refund", g.headers(id), body)
		if err != nil {
			return Record{}, err
		}
		p, err := parseGrabPayRefund(a.Body)
		if err != nil {
			return Record{}, g.c.bad(a.Status, err.Error())
		}
		return Record{Refund: Refund{ID: p.TxID, Status: p.status, ProviderStatus: p.Status, Reference: id}}, nil
	})
	return rec.Refund, err
}

// PaymentLink implements Provider: a one-time charge initiated for the reference, and the
// GrabPay page (/grabid/v1/oauth2/authorize) where the customer pays it. The PKCE code
// verifier is derived from the partner secret and the partnerTxID (base64url of an
// HMAC-SHA256), so the handler of RedirectURI can recompute it to complete the charge.
func (g *GrabPay) PaymentLink(ctx context.Context, l LinkRequest) (Link, error) {
	if !grabIDRe.MatchString(l.Reference) {
		return Link{}, invalid("reference", "required, letters, digits, - and _ only, at most 64")
	}
	if g.cfg.ClientID == "" || g.cfg.RedirectURI == "" {
		return Link{}, errors.New("payments: grabpay: payment links need a client id and a redirect URI")
	}
	if err := g.checkCurrency(l.Currency); err != nil {
		return Link{}, err
	}
	if err := g.c.cfg.checkAmount("amount", l.Amount); err != nil {
		return Link{}, err
	}
	desc := strings.TrimSpace(l.Description)
	if desc == "" {
		desc = l.Reference
	}
	if err := checkText("description", desc, 255); err != nil {
		return Link{}, err
	}
	fp := digest("link", fmt.Sprint(l.Amount), l.Currency, desc)
	rec, err := g.once.do(ctx, "link:"+l.Reference, fp, func() (Record, error) {
		id := partnerTxID("link:" + l.Reference)
		body, _ := json.Marshal(map[string]any{"partnerTxID": id, "partnerGroupTxID": l.Reference, "amount": l.Amount,
			"currency": l.Currency, "merchantID": g.cfg.MerchantID, "description": desc})
		a, err := g.c.post(ctx, "/grabpay/partner/v2/charge/init", g.headers(id), body)
		if err != nil {
			return Record{}, err
		}
		request, err := parseGrabPayChargeInit(a.Body, id)
		if err != nil {
			return Record{}, g.c.bad(a.Status, err.Error())
		}
		return Record{Link: Link{URL: g.authorizeURL(id, l.Currency, request), ID: id}}, nil
	})
	return rec.Link, err
}

// GrabPayCodeVerifier is the PKCE code verifier of a payment link's charge.
func GrabPayCodeVerifier(partnerSecret, partnerTxID string) string {
	m := hmac.New(sha256.New, []byte(partnerSecret))
	m.Write([]byte("code_verifier:" + partnerTxID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (g *GrabPay) authorizeURL(id, currency, request string) string {
	challenge := sha256.Sum256([]byte(GrabPayCodeVerifier(g.cfg.PartnerSecret, id)))
	q := url.Values{}
	q.Set("acr_values", "consent_ctx:countryCode="+g.cfg.Country+",currency="+currency)
	q.Set("client_id", g.cfg.ClientID)
	q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(challenge[:]))
	q.Set("code_challenge_method", "S256")
	q.Set("nonce", digest("nonce", id)[:16])
	q.Set("redirect_uri", g.cfg.RedirectURI)
	q.Set("request", request)
	q.Set("response_type", "code")
	q.Set("scope", "openid payment.one_time_charge")
	q.Set("state", id)
	return g.c.base.String() + "/grabid/v1/oauth2/authorize?" + q.Encode()
}

func (g *GrabPay) headers(id string) http.Header {
	h := http.Header{}
	h.Set("X-Request-ID", digest("msgID", id)[:32])
	return h
}

type grabPayRefund struct {
	TxID, Status string
	status       Status
}

// parseGrabPayRefund reads {txID, status, description, reason}.
func parseGrabPayRefund(b []byte) (grabPayRefund, error) {
	var r struct {
		TxID   string `json:"txID"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return grabPayRefund{}, notJSON("refund answer", b)
	}
	p := grabPayRefund{TxID: r.TxID, Status: r.Status}
	switch strings.ToLower(r.Status) {
	case "success":
		p.status = StatusSucceeded
	case "failed":
		p.status = StatusFailed
	case "pending", "processing", "init":
		p.status = StatusPending
	default:
		return grabPayRefund{}, fmt.Errorf("refund answer with unknown status %q", clip(r.Status))
	}
	if r.TxID == "" && p.status != StatusFailed {
		return grabPayRefund{}, errors.New("refund answer without txID")
	}
	return p, nil
}

// parseGrabPayChargeInit reads {partnerTxID, request}, which must echo our partnerTxID.
func parseGrabPayChargeInit(b []byte, id string) (string, error) {
	var r struct {
		PartnerTxID string `json:"partnerTxID"`
		Request     string `json:"request"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return "", notJSON("charge init answer", b)
	}
	if r.PartnerTxID != id || r.Request == "" {
		return "", errors.New("charge init answer without our partnerTxID or a request")
	}
	return r.Request, nil
}

// parseGrabPayError reads {"code", "message"} or {"status", "reason"} error bodies.
func parseGrabPayError(b []byte) (code, msg string) {
	var r struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		Reason  string          `json:"reason"`
	}
	if json.Unmarshal(b, &r) != nil {
		return "", ""
	}
	code = strings.Trim(string(r.Code), `"`)
	msg = r.Message
	if msg == "" {
		msg = r.Reason
	}
	return clip(code), clip(msg)
}
