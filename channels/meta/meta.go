// Package meta holds what Meta's three messaging platforms (WhatsApp Cloud API, Messenger,
// Instagram messaging) share: the X-Hub-Signature-256 check of webhook bodies, the GET
// handshake that subscribes a webhook URL, and the Graph API's requests and error bodies,
// read into *channels.SendError. The platforms themselves are channels/whatsapp and
// channels/messenger.
package meta

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/httpapi"
)

// Defaults of the Graph API settings.
const (
	DefaultAPIBase    = "https://graph.facebook.com"
	DefaultAPIVersion = "v21.0"
)

// SignatureHeader carries "sha256=" + the hex HMAC-SHA256 of the raw body, keyed with the
// app secret.
const SignatureHeader = "X-Hub-Signature-256"

const signaturePrefix = "sha256="

// Sign returns the X-Hub-Signature-256 value Meta sends with body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks r's X-Hub-Signature-256 against body. Every failure wraps
// channels.ErrSignature.
func Verify(secret string, r *http.Request, body []byte) error {
	if secret == "" {
		// New refuses this; the check stays so a zero value never verifies anything.
		return fmt.Errorf("%w: no app secret configured", channels.ErrSignature)
	}
	got := r.Header.Get(SignatureHeader)
	if got == "" {
		return fmt.Errorf("%w: no %s header", channels.ErrSignature, SignatureHeader)
	}
	hexSig, ok := strings.CutPrefix(got, signaturePrefix)
	if !ok {
		return fmt.Errorf("%w: %s is not sha256=<hex>", channels.ErrSignature, SignatureHeader)
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: %s is not hex", channels.ErrSignature, SignatureHeader)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return fmt.Errorf("%w: %s does not match the body", channels.ErrSignature, SignatureHeader)
	}
	return nil
}

// Handshake answers Meta's subscription check (GET ?hub.mode=subscribe&hub.verify_token=…
// &hub.challenge=…): the challenge as text/plain 200 when the token is verifyToken, 403
// otherwise. An empty verifyToken accepts nothing.
func Handshake(w http.ResponseWriter, r *http.Request, verifyToken string) {
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" {
		httpapi.WriteError(w, http.StatusForbidden, "hub.mode must be subscribe")
		return
	}
	token := q.Get("hub.verify_token")
	if verifyToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(verifyToken)) != 1 {
		httpapi.WriteError(w, http.StatusForbidden, "hub.verify_token does not match")
		return
	}
	// The challenge is echoed verbatim; text/plain and nosniff keep a browser from reading
	// it as anything else.
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(q.Get("hub.challenge")))
}
