// Package wechat connects Meridian to a WeChat Official Account: it answers the GET
// handshake, verifies and reads the XML messages and events WeChat pushes (plain mode and
// safe mode with the EncodingAESKey), and answers with customer-service messages, which
// WeChat accepts within 48 hours of the customer's last message.
package wechat

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

// DefaultAPIBase is the WeChat API.
const DefaultAPIBase = "https://api.weixin.qq.com"

// MaxSkew is how far a request's timestamp may be from Meridian's clock. The signature covers
// only token, timestamp and nonce (not a plain-mode body), so an old signed URL must not be
// reusable; WeChat's own re-sends all come within seconds.
const MaxSkew = 5 * time.Minute

// Config is an Official Account's settings.
type Config struct {
	// Token verifies every request's signature (MERIDIAN_WECHAT_TOKEN).
	Token string
	// AppID and AppSecret fetch the access token for customer-service messages
	// (MERIDIAN_WECHAT_APP_ID, MERIDIAN_WECHAT_APP_SECRET).
	AppID     string
	AppSecret string
	// AESKey is the 43-character EncodingAESKey of safe mode (MERIDIAN_WECHAT_AES_KEY);
	// empty = plain mode only.
	AESKey string
	// APIBase is the API base URL (MERIDIAN_WECHAT_API_BASE); empty = DefaultAPIBase.
	APIBase string
	// HTTPClient sends replies; nil = a client with a 15 s timeout.
	HTTPClient *http.Client
	// Now is the clock (tests); nil = time.Now.
	Now func() time.Time
}

// Channel is a configured Official Account: a channels.Webhook, channels.Handshaker and
// channels.Outbound.
type Channel struct {
	token  string
	appID  string
	secret string
	aesKey []byte // nil = plain mode
	base   string
	client *http.Client
	now    func() time.Time

	mu          sync.Mutex
	accessToken string
	expires     time.Time
}

var (
	_ channels.Webhook    = (*Channel)(nil)
	_ channels.Handshaker = (*Channel)(nil)
	_ channels.Outbound   = (*Channel)(nil)
)

// New returns the account, or an error naming the missing or malformed setting: WeChat never
// runs unverified.
func New(cfg Config) (*Channel, error) {
	switch {
	case cfg.Token == "":
		return nil, errors.New("wechat: MERIDIAN_WECHAT_TOKEN is not set")
	case cfg.AppID == "":
		return nil, errors.New("wechat: MERIDIAN_WECHAT_APP_ID is not set")
	case cfg.AppSecret == "":
		return nil, errors.New("wechat: MERIDIAN_WECHAT_APP_SECRET is not set")
	}
	c := &Channel{
		token:  cfg.Token,
		appID:  cfg.AppID,
		secret: cfg.AppSecret,
		base:   strings.TrimRight(cfg.APIBase, "/"),
		client: cfg.HTTPClient,
		now:    cfg.Now,
	}
	if cfg.AESKey != "" {
		k, err := base64.StdEncoding.DecodeString(cfg.AESKey + "=")
		if err != nil || len(k) != 32 {
			return nil, errors.New("wechat: MERIDIAN_WECHAT_AES_KEY is not a 43-character EncodingAESKey")
		}
		c.aesKey = k
	}
	if c.base == "" {
		c.base = DefaultAPIBase
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 15 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Signature is WeChat's request signature: the SHA-1 hex of the sorted, concatenated
// token, timestamp and nonce (and, for msg_signature, the Encrypt element).
func Signature(token, timestamp, nonce string, more ...string) string {
	parts := append([]string{token, timestamp, nonce}, more...)
	slices.Sort(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

func (c *Channel) signed(r *http.Request) error {
	q := r.URL.Query()
	sig := q.Get("signature")
	if sig == "" {
		return fmt.Errorf("wechat: no signature parameter: %w", channels.ErrSignature)
	}
	want := Signature(c.token, q.Get("timestamp"), q.Get("nonce"))
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(sig)), []byte(want)) != 1 {
		return fmt.Errorf("wechat: %w", channels.ErrSignature)
	}
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil {
		return fmt.Errorf("wechat: timestamp %q is not a unix time: %w", q.Get("timestamp"), channels.ErrSignature)
	}
	if skew := c.now().Sub(time.Unix(ts, 0)).Abs(); skew > MaxSkew {
		return fmt.Errorf("wechat: timestamp is %s away from now: %w", skew.Round(time.Second), channels.ErrSignature)
	}
	return nil
}

// Handshake answers WeChat's URL verification: echostr back as text when the signature holds.
func (c *Channel) Handshake(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := c.signed(r); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, err.Error())
		return
	}
	io.WriteString(w, r.URL.Query().Get("echostr"))
}

// Verify checks the signature query parameters; in safe mode also msg_signature over the
// Encrypt element of the body.
func (c *Channel) Verify(r *http.Request, body []byte) error {
	if err := c.signed(r); err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("encrypt_type") != "aes" {
		return nil
	}
	enc, err := encrypted(body)
	if err != nil {
		return fmt.Errorf("wechat: safe-mode body: %v: %w", err, channels.ErrSignature)
	}
	want := Signature(c.token, q.Get("timestamp"), q.Get("nonce"), enc)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(q.Get("msg_signature"))), []byte(want)) != 1 {
		return fmt.Errorf("wechat: msg_signature: %w", channels.ErrSignature)
	}
	return nil
}
