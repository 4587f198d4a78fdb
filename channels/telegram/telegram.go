// Package telegram connects Meridian to a Telegram bot through the Bot API: it verifies
// webhook updates by the secret token given to setWebhook, reads messages, edits and button
// presses, and answers with sendMessage.
package telegram

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

// DefaultAPIBase is the Bot API.
const DefaultAPIBase = "https://api.telegram.org"

// SecretHeader carries the secret_token set with setWebhook on every update.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Config is a Telegram bot's settings.
type Config struct {
	// SecretToken is what Telegram sends in X-Telegram-Bot-Api-Secret-Token
	// (MERIDIAN_TELEGRAM_SECRET_TOKEN).
	SecretToken string
	// BotToken is the bot's token "<bot id>:<key>" (MERIDIAN_TELEGRAM_BOT_TOKEN).
	BotToken string
	// APIBase is the Bot API base URL (MERIDIAN_TELEGRAM_API_BASE); empty = DefaultAPIBase.
	APIBase string
	// HTTPClient sends replies; nil = a client with a 15 s timeout.
	HTTPClient *http.Client
	// Now is the clock (tests); nil = time.Now. Button presses carry no time of their own.
	Now func() time.Time
}

// Channel is a configured Telegram bot: a channels.Webhook and a channels.Outbound.
type Channel struct {
	secret  []byte
	token   string
	account string
	base    string
	client  *http.Client
	now     func() time.Time
}

var (
	_ channels.Webhook  = (*Channel)(nil)
	_ channels.Outbound = (*Channel)(nil)
)

// New returns the bot, or an error naming the missing setting: Telegram never runs
// unverified. The bot's account is the id before ':' in its token.
func New(cfg Config) (*Channel, error) {
	if cfg.SecretToken == "" {
		return nil, errors.New("telegram: MERIDIAN_TELEGRAM_SECRET_TOKEN is not set")
	}
	if cfg.BotToken == "" {
		return nil, errors.New("telegram: MERIDIAN_TELEGRAM_BOT_TOKEN is not set")
	}
	id, _, ok := strings.Cut(cfg.BotToken, ":")
	if !ok || id == "" {
		return nil, errors.New("telegram: MERIDIAN_TELEGRAM_BOT_TOKEN is not <bot id>:<key>")
	}
	c := &Channel{
		secret:  []byte(cfg.SecretToken),
		token:   cfg.BotToken,
		account: id,
		base:    strings.TrimRight(cfg.APIBase, "/"),
		client:  cfg.HTTPClient,
		now:     cfg.Now,
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

// Sign sets the header Telegram sends with every update.
func Sign(h http.Header, secretToken string) { h.Set(SecretHeader, secretToken) }

// Verify compares the secret token header with the configured one in constant time.
func (c *Channel) Verify(r *http.Request, _ []byte) error {
	got := r.Header.Get(SecretHeader)
	if got == "" {
		return fmt.Errorf("telegram: no %s header: %w", SecretHeader, channels.ErrSignature)
	}
	if subtle.ConstantTimeCompare([]byte(got), c.secret) != 1 {
		return fmt.Errorf("telegram: %w", channels.ErrSignature)
	}
	return nil
}
