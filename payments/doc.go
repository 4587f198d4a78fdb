// Package payments refunds customers and asks them to pay, behind one interface (Provider)
// the engine and AI answers can use without knowing the bank or wallet: Refund returns a
// refund's id and status, PaymentLink a URL the customer opens to pay.
//
// Two adapters implement it:
//
//   - SEPA: a refund is a SEPA credit transfer from the merchant's account, initiated over
//     the Berlin Group NextGenPSD2 XS2A payment initiation API (v1.3:
//     POST /v1/payments/sepa-credit-transfers with debtorAccount, instructedAmount,
//     creditorAccount, creditorAgent, creditorName, endToEndIdentification and
//     remittanceInformationUnstructured; X-Request-ID and PSU-IP-Address headers; the
//     answer's transactionStatus, ISO 20022 codes such as RCVD, ACTC, ACSC and RJCT, and
//     paymentId). A payment link is a payment initiated towards the merchant's account,
//     whose _links.scaRedirect the customer opens to authorise it at their bank.
//     Before any request the adapter refuses what SEPA would: a currency other than EUR,
//     an IBAN failing its mod-97 check (compliance.ValidIBAN), a malformed BIC, an amount
//     outside the configured limits, remittance information over 140 characters.
//   - GrabPay: modelled on Grab's partner API for GrabPay (the shapes its public merchant
//     SDK documents: POST /grabpay/partner/v2/refund with partnerTxID, partnerGroupTxID,
//     amount in minor units, currency, merchantID, description and originTxID, answered
//     with txID, status and reason; POST /grabpay/partner/v2/charge/init answered with a
//     request token for the /grabid/v1/oauth2/authorize page). It signs every call with
//     the partner HMAC (Authorization: PARTNER_ID:base64(HMAC-SHA256(secret, method,
//     content type, Date, path, base64(SHA-256(body))))), as Grab documents for charge
//     init. Grab's own refund call instead takes the customer's OAuth access token and a
//     proof-of-possession header from the original charge; this adapter does not hold
//     those, so against Grab itself refunds need that token added. It is a GrabPay-like
//     contract, tested against a local server implementing it, not a certified Grab
//     integration.
//
// A refund is never made twice. Every request carries an idempotency key (the caller's,
// required); the provider-side ids (X-Request-ID and endToEndIdentification, partnerTxID)
// are derived from it, so a retry after a timeout or a 5xx is the same payment to the
// provider, and a Ledger remembers what each key produced, so the same key returns the
// same refund without a second request, and a key reused for a different refund is
// refused. Calls with the same key wait for each other. A refund the provider rejected
// (status failed) is that key's answer too: trying again means a new key, decided by
// whoever decided the refund.
//
// Failures are provider.Errors of service "payments"; bad input is an *InvalidError
// naming the field (errors.Is ErrInvalid), returned before anything is sent.
package payments
