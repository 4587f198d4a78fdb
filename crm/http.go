package crm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// Config is what both adapters take besides their credentials.
type Config struct {
	// BaseURL is the CRM's instance URL (https://acme.my.salesforce.com,
	// https://acme.zendesk.com).
	BaseURL string
	// TierField says where the tier is: for Salesforce a Contact field or a relationship
	// path ("Tier__c", "Account.Tier__c"); for Zendesk "tags", "user_fields.KEY" or
	// "organization_fields.KEY". Empty: Salesforce has none (the tier comes from the
	// cases), Zendesk reads tags.
	TierField string
	// TierValues maps the CRM's values to Meridian's tiers ("Gold" → "vip"); the values
	// vip, returning and new map to themselves.
	TierValues map[string]string
	// HistoryLimit caps Profile.History; 0 means 10.
	HistoryLimit int
	// MaxPages bounds how many pages one list may take; 0 means 10.
	MaxPages int

	// HTTPClient, when nil, is http.DefaultClient; Timeout bounds each request (0: 10s).
	HTTPClient *http.Client
	Timeout    time.Duration
	// MaxAttempts bounds the tries of one request (0: 3). MaxRetryWait is the longest
	// Retry-After honoured (0: 30s); a longer one fails at once with the wait in the error.
	MaxAttempts  int
	MaxRetryWait time.Duration
	// Sleep waits between tries (nil: a timer that stops with ctx); tests inject theirs.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for HTTP-date Retry-After values (nil: time.Now).
	Now func() time.Time
}

const maxAnswer = 8 << 20

func (c Config) historyLimit() int { return positive(c.HistoryLimit, 10) }
func (c Config) maxPages() int     { return positive(c.MaxPages, 10) }

func positive(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// caller sends one adapter's requests with timeouts, classification and bounded retries.
type caller struct {
	cfg      Config
	provider string
	base     *url.URL
	// auth sets the credentials on a request.
	auth func(*http.Request)
	// classify turns a non-2xx answer into an error (nil: the caller handles it).
	classify func(a answer) *provider.Error
}

type answer = provider.Answer

// resolve makes ref (a path or a full URL from a pagination link) absolute against the
// base URL, refusing any other host: credentials go to the configured CRM only.
func (c *caller) resolve(ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	u := c.base.ResolveReference(r)
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return nil, errors.New("link to another host than the configured base URL")
	}
	return u, nil
}

// get fetches ref (resolved against the base URL) with retries; a 2xx answer, or a
// non-2xx one classify leaves to the caller, is returned.
func (c *caller) get(ctx context.Context, ref string) (answer, error) {
	u, err := c.resolve(ref)
	if err != nil {
		return answer{}, c.bad(0, "unusable link: "+err.Error())
	}
	var out answer
	err = provider.Retry{Attempts: c.cfg.MaxAttempts, MaxWait: c.cfg.MaxRetryWait, Sleep: c.cfg.Sleep}.Do(ctx, func(ctx context.Context) error {
		a, err := c.once(ctx, u.String())
		if err == nil && (a.Status < 200 || a.Status > 299) {
			if pe := c.classify(a); pe != nil {
				return pe
			}
		}
		out = a
		return err
	})
	if err != nil {
		return answer{}, err
	}
	return out, nil
}

func (c *caller) once(ctx context.Context, u string) (answer, error) {
	timeout := c.cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	x := provider.Exchange{Service: "crm", Provider: c.provider, Client: c.cfg.HTTPClient, Timeout: timeout, Limit: maxAnswer}
	return x.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		c.auth(req)
		return req, nil
	})
}

func (c *caller) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}

// byStatus is the common reading of an HTTP error status.
func (c *caller) byStatus(a answer, code, msg string) *provider.Error {
	return provider.StatusError("crm", c.provider, a.Status, a.Header, c.now(), code, msg)
}

func (c *caller) bad(status int, why string) error {
	return &provider.Error{Service: "crm", Provider: c.provider, Status: status, Kind: provider.ErrBadResponse, Message: why}
}

// notJSON says what was not the documented JSON and how long it was; never its content, which may be a
// customer's data.
func notJSON(what string, b []byte) error {
	return fmt.Errorf("%s is not the JSON the API documents (%d bytes)", what, len(b))
}
