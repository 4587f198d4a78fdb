// Package line connects Meridian to LINE Official Accounts through the LINE Messaging API:
// it verifies and reads webhook deliveries (X-Line-Signature) and answers with the reply API,
// falling back to the push API when the reply token is gone.
package line

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

// DefaultAPIBase is the LINE Messaging API.
const DefaultAPIBase = "https://api.line.me"

// DefaultDataAPIBase serves message content.
const DefaultDataAPIBase = "https://api-data.line.me"

// SignatureHeader carries the base64 HMAC-SHA256 of the body keyed with the channel secret.
const SignatureHeader = "X-Line-Signature"

// Config is a LINE channel's settings.
type Config struct {
	// ChannelSecret verifies X-Line-Signature (MERIDIAN_LINE_CHANNEL_SECRET).
	ChannelSecret string
	// AccessToken is the channel access token for reply and push (MERIDIAN_LINE_ACCESS_TOKEN).
	AccessToken string
	// APIBase is the Messaging API base URL (MERIDIAN_LINE_API_BASE); empty = DefaultAPIBase.
	APIBase string
	// DataAPIBase serves message content (media); empty = DefaultDataAPIBase when APIBase is
	// LINE's own, else APIBase (a proxy or a test server serving both).
	DataAPIBase string
	// HTTPClient sends replies; nil = a client with a 15 s timeout.
	HTTPClient *http.Client
	// Now is the clock (tests); nil = time.Now.
	Now func() time.Time
}

// Channel is a configured LINE channel: a channels.Webhook and a channels.Outbound.
type Channel struct {
	secret []byte
	token  string
	base   string
	data   string
	client *http.Client
	now    func() time.Time
}

var (
	_ channels.Webhook  = (*Channel)(nil)
	_ channels.Outbound = (*Channel)(nil)
)

// New returns the channel, or an error naming the missing setting: LINE never runs unverified.
func New(cfg Config) (*Channel, error) {
	if cfg.ChannelSecret == "" {
		return nil, errors.New("line: MERIDIAN_LINE_CHANNEL_SECRET is not set")
	}
	if cfg.AccessToken == "" {
		return nil, errors.New("line: MERIDIAN_LINE_ACCESS_TOKEN is not set")
	}
	c := &Channel{
		secret: []byte(cfg.ChannelSecret),
		token:  cfg.AccessToken,
		base:   strings.TrimRight(cfg.APIBase, "/"),
		client: cfg.HTTPClient,
		now:    cfg.Now,
	}
	if c.base == "" {
		c.base = DefaultAPIBase
	}
	c.data = strings.TrimRight(cfg.DataAPIBase, "/")
	if c.data == "" {
		c.data = c.base
		if c.base == DefaultAPIBase {
			c.data = DefaultDataAPIBase
		}
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 15 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Sign returns the X-Line-Signature LINE sends with body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks X-Line-Signature over the raw body.
func (c *Channel) Verify(r *http.Request, body []byte) error {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return fmt.Errorf("line: no %s header: %w", SignatureHeader, channels.ErrSignature)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("line: %s is not base64: %w", SignatureHeader, channels.ErrSignature)
	}
	m := hmac.New(sha256.New, c.secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return fmt.Errorf("line: %w", channels.ErrSignature)
	}
	return nil
}
