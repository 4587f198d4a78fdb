// Package kakao connects Meridian to a KakaoTalk channel chatbot built with Kakao i Open
// Builder: Open Builder POSTs a skill request for each user utterance to Meridian's webhook
// (the skill URL, which carries Meridian's shared secret), and the skill answers it.
//
// KakaoTalk lets a chatbot speak only in answer to a skill request: synchronously, in the
// skill response (Meridian answers with a configurable acknowledgement), or once through the
// request's callback URL (Open Builder's callback API, valid about one minute, one use), which
// is how an agent's reply goes out. Messages outside that window need KakaoTalk's business
// channel message API (a separately contracted business channel), which is out of scope: such
// a send fails permanently with that reason.
package kakao

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

// SecretHeader is the custom header the skill URL is configured to send in Open Builder;
// the query parameter "secret" is accepted too.
const SecretHeader = "X-Meridian-Kakao-Secret"

// DefaultAck is the synchronous answer to a skill request while an agent prepares the reply.
const DefaultAck = "Thanks — an agent will answer here shortly."

// Config is a KakaoTalk chatbot's settings.
type Config struct {
	// Secret is the shared secret of the skill URL (MERIDIAN_KAKAO_SECRET).
	Secret string
	// Ack is the text answered synchronously to every skill request; empty = DefaultAck.
	Ack string
	// CallbackHosts are the domains a callback URL may point to (with their subdomains);
	// nil = kakao.com. A callback URL is taken from the request body, so it is checked before
	// Meridian POSTs to it.
	CallbackHosts []string
	// HTTPClient posts callbacks; nil = a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock (tests); nil = time.Now. Skill requests carry no time of their own.
	Now func() time.Time
}

// Channel is a configured chatbot: a channels.Webhook and a channels.Outbound.
type Channel struct {
	secret []byte
	ack    string
	hosts  []string
	client *http.Client
	now    func() time.Time
}

var (
	_ channels.Webhook  = (*Channel)(nil)
	_ channels.Outbound = (*Channel)(nil)
)

// New returns the chatbot, or an error when MERIDIAN_KAKAO_SECRET is missing: KakaoTalk never
// runs unverified.
func New(cfg Config) (*Channel, error) {
	if cfg.Secret == "" {
		return nil, errors.New("kakao: MERIDIAN_KAKAO_SECRET is not set")
	}
	c := &Channel{secret: []byte(cfg.Secret), ack: cfg.Ack, hosts: cfg.CallbackHosts, client: cfg.HTTPClient, now: cfg.Now}
	if c.ack == "" {
		c.ack = DefaultAck
	}
	if c.hosts == nil {
		c.hosts = []string{"kakao.com"}
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 10 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Sign sets the header Open Builder sends with every skill request to the configured URL.
func Sign(h http.Header, secret string) { h.Set(SecretHeader, secret) }

// Verify compares the secret header (or ?secret=) with the configured one in constant time.
func (c *Channel) Verify(r *http.Request, _ []byte) error {
	// Open Builder sends whatever headers the skill is set up with: the secret as this header,
	// as a bearer token, or in the skill URL's query.
	got := r.Header.Get(SecretHeader)
	if got == "" {
		got, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if got == "" {
		got = r.URL.Query().Get("secret")
	}
	if got == "" {
		return fmt.Errorf("kakao: no %s header, bearer token or secret parameter: %w", SecretHeader, channels.ErrSignature)
	}
	if subtle.ConstantTimeCompare([]byte(got), c.secret) != 1 {
		return fmt.Errorf("kakao: %w", channels.ErrSignature)
	}
	return nil
}
