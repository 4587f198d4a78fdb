package webchat

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Frame types.
const (
	typeHello   = "hello"
	typeMessage = "message"
	typeWelcome = "welcome"
	typeAck     = "ack"
	typeError   = "error"
	// Receipts the widget sends for agents' replies it showed, and read with the panel open.
	typeReceived = "received"
	typeRead     = "read"
)

// Bounds of the fields of a client frame. The frame as a whole is bounded by
// Config.MaxMessageBytes.
const (
	maxClientID = 64
	maxUserID   = 256
	maxName     = 200
	maxEmail    = 254
	maxLocale   = 35 // BCP 47 tags are short; 35 is RFC 5646's recommended minimum buffer
	maxReplyID  = 200
)

// clientFrame is any frame a widget sends; Type says which fields matter.
type clientFrame struct {
	Type string `json:"type"`
	// hello
	VisitorID    string `json:"visitorId,omitempty"`
	VisitorToken string `json:"visitorToken,omitempty"`
	UserID       string `json:"userId,omitempty"`
	UserHash     string `json:"userHash,omitempty"`
	Name         string `json:"name,omitempty"`
	Email        string `json:"email,omitempty"`
	EmailHash    string `json:"emailHash,omitempty"`
	Locale       string `json:"locale,omitempty"`
	// message
	ClientID string `json:"clientId,omitempty"`
	Text     string `json:"text,omitempty"`
	// received, read: the reply's id
	ID string `json:"id,omitempty"`
}

// serverFrame is any frame the server sends.
type serverFrame struct {
	Type         string `json:"type"`
	VisitorID    string `json:"visitorId,omitempty"`
	VisitorToken string `json:"visitorToken,omitempty"`
	Verified     *bool  `json:"verified,omitempty"`
	ClientID     string `json:"clientId,omitempty"`
	ID           string `json:"id,omitempty"`
	Text         string `json:"text,omitempty"`
	At           string `json:"at,omitempty"`
	Code         string `json:"code,omitempty"`
	Message      string `json:"message,omitempty"`
	// Retry tells the widget whether sending the same clientId again may succeed.
	Retry *bool `json:"retry,omitempty"`
}

// Error codes of error frames; the widget and shops' developers key on them.
const (
	codeBadFrame      = "bad_frame"
	codeIdentity      = "identity_refused"
	codeVisitorToken  = "visitor_token_refused"
	codeRateLimited   = "rate_limited"
	codeNotAccepted   = "not_accepted"
	codeRejected      = "rejected"
	codeNoHello       = "hello_required"
	codeEmailUnsigned = "email_not_verified"
)

var errFrame = errors.New("not a web chat frame")

// parseFrame reads one client frame and checks its fields. Unknown fields are ignored (a newer
// widget may send more); an unknown type is an error. A frame that decodes but does not check
// comes back with its error, so the answer can name its clientId.
func parseFrame(b []byte) (clientFrame, error) {
	var f clientFrame
	if !utf8.Valid(b) {
		return f, fmt.Errorf("%w: not UTF-8", errFrame)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return clientFrame{}, fmt.Errorf("%w: %v", errFrame, err)
	}
	if dec.More() {
		return clientFrame{}, fmt.Errorf("%w: one JSON object per frame", errFrame)
	}
	switch f.Type {
	case typeHello:
		if f.VisitorID != "" && !validVisitorID(f.VisitorID) {
			return f, fmt.Errorf("%w: visitorId is not an id this server issued", errFrame)
		}
		for _, c := range []struct {
			name, v string
			max     int
		}{{"userId", f.UserID, maxUserID}, {"userHash", f.UserHash, 128}, {"name", f.Name, maxName},
			{"email", f.Email, maxEmail}, {"emailHash", f.EmailHash, 128}, {"locale", f.Locale, maxLocale},
			{"visitorToken", f.VisitorToken, 128}} {
			if len(c.v) > c.max {
				return f, fmt.Errorf("%w: %s is longer than %d bytes", errFrame, c.name, c.max)
			}
		}
		if f.UserID != "" && strings.TrimSpace(f.UserID) != f.UserID {
			return f, fmt.Errorf("%w: userId has surrounding spaces", errFrame)
		}
		return f, nil
	case typeMessage:
		if !validClientID(f.ClientID) {
			return f, fmt.Errorf("%w: clientId must be 1 to %d letters, digits, '-' or '_'", errFrame, maxClientID)
		}
		if strings.TrimSpace(f.Text) == "" {
			return f, fmt.Errorf("%w: text is empty", errFrame)
		}
		return f, nil
	case typeReceived, typeRead:
		if f.ID == "" || len(f.ID) > maxReplyID {
			return f, fmt.Errorf("%w: id must name a reply (1 to %d bytes)", errFrame, maxReplyID)
		}
		return f, nil
	case "":
		return f, fmt.Errorf("%w: type is missing", errFrame)
	default:
		return f, fmt.Errorf("%w: unknown type %q", errFrame, f.Type)
	}
}

func validClientID(s string) bool {
	if s == "" || len(s) > maxClientID {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// A visitor id is "v_" and 128 random bits in lowercase hex.
const visitorIDLen = 2 + 32

func newVisitorID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "v_" + hex.EncodeToString(b[:])
}

func validVisitorID(s string) bool {
	if len(s) != visitorIDLen || !strings.HasPrefix(s, "v_") {
		return false
	}
	for _, r := range s[2:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// visitorToken proves the server issued a visitor id, so a visitor cannot take over another
// visitor's conversation by claiming its id.
func visitorToken(key []byte, visitorID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("meridian-webchat-visitor\x00" + visitorID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func validVisitorToken(key []byte, visitorID, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	want, _ := base64.RawURLEncoding.DecodeString(visitorToken(key, visitorID))
	return hmac.Equal(got, want)
}

// UserHash is what a shop computes for a signed-in shopper: hex HMAC-SHA256 of the user id
// (or of the e-mail address, for emailHash) with the web chat secret.
func UserHash(secret, userID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(userID))
	return hex.EncodeToString(mac.Sum(nil))
}

// validUserHash checks a shop's signature in constant time.
func validUserHash(secret, value, hash string) bool {
	got, err := hex.DecodeString(strings.ToLower(hash))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	want, _ := hex.DecodeString(UserHash(secret, value))
	return hmac.Equal(got, want)
}

// deriveKey makes the visitor token key from the web chat secret, so every instance sharing
// the secret accepts the same tokens, and a token is not a user hash.
func deriveKey(secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("meridian-webchat-visitor-key"))
	return mac.Sum(nil)
}
