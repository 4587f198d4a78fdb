package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

// tokenMargin is how long before its expiry a cached access token is replaced.
const tokenMargin = 5 * time.Minute

type apiAnswer struct {
	ErrCode     int         `json:"errcode"`
	ErrMsg      string      `json:"errmsg"`
	AccessToken string      `json:"access_token"`
	ExpiresIn   int64       `json:"expires_in"`
	MsgID       json.Number `json:"msgid"`
}

// errcodes WeChat gives for an access token that is invalid, expired or not the latest.
func staleToken(code int) bool { return code == 40001 || code == 42001 || code == 40014 }

// Send posts a customer-service text message to the openid m.To. The access token is cached
// until shortly before it expires and fetched again once when WeChat calls it stale. WeChat
// names no id for the message it accepted unless it answers msgid.
func (c *Channel) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	if strings.TrimSpace(m.Text) == "" {
		return channels.Receipt{}, &channels.SendError{Reason: "wechat: empty text"}
	}
	if m.To == "" {
		return channels.Receipt{}, &channels.SendError{Reason: "wechat: no openid to send to"}
	}
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // WeChat shows \u003c escapes literally in some clients
	if err := enc.Encode(map[string]any{"touser": m.To, "msgtype": "text", "text": map[string]string{"content": m.Text}}); err != nil {
		return channels.Receipt{}, fmt.Errorf("wechat: encoding request: %w", err)
	}
	for attempt := 0; ; attempt++ {
		token, err := c.currentToken(ctx)
		if err != nil {
			return channels.Receipt{}, err
		}
		a, err := c.call(ctx, http.MethodPost, "/cgi-bin/message/custom/send?access_token="+url.QueryEscape(token), bytes.NewReader(body.Bytes()))
		if err != nil {
			return channels.Receipt{}, err
		}
		if a.ErrCode == 0 {
			return channels.Receipt{MessageID: a.MsgID.String()}, nil
		}
		if staleToken(a.ErrCode) && attempt == 0 {
			c.forget(token)
			continue
		}
		return channels.Receipt{}, apiError(a)
	}
}

func apiError(a apiAnswer) *channels.SendError {
	se := &channels.SendError{Status: http.StatusOK, Code: strconv.Itoa(a.ErrCode), Reason: a.ErrMsg}
	if se.Reason == "" {
		se.Reason = "WeChat answered errcode " + se.Code
	}
	switch a.ErrCode {
	case -1: // system busy
		se.Retryable = true
	case 40001, 42001, 40014:
		// Still stale after a fresh fetch: another process is replacing the token.
		se.Retryable = true
	}
	// 45015 (outside the 48-hour window or unsubscribed), 45047 (too many messages without
	// an answer), 45009 (daily quota), 40003 (not an openid of this account): trying again
	// soon cannot succeed.
	return se
}

// currentToken returns the cached access token, fetching a new one when there is none (or
// WeChat refused it) or it is about to expire.
func (c *Channel) currentToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.accessToken != "" && c.now().Before(c.expires) {
		return c.accessToken, nil
	}
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.appID}, "secret": {c.secret}}
	a, err := c.call(ctx, http.MethodGet, "/cgi-bin/token?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	if a.ErrCode != 0 || a.AccessToken == "" {
		se := apiError(a)
		se.Reason = "fetching the access token: " + se.Reason
		return "", se
	}
	ttl := time.Duration(a.ExpiresIn) * time.Second
	if ttl > 2*tokenMargin {
		ttl -= tokenMargin
	} else {
		ttl /= 2
	}
	c.accessToken, c.expires = a.AccessToken, c.now().Add(ttl)
	return c.accessToken, nil
}

// forget drops token from the cache unless it was already replaced.
func (c *Channel) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.accessToken == token {
		c.accessToken = ""
	}
}

func (c *Channel) call(ctx context.Context, method, path string, body io.Reader) (apiAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return apiAnswer{}, errors.New("wechat: bad API base URL")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	name := path[:strings.IndexByte(path, '?')]
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL holds the secret or the access token
		}
		return apiAnswer{}, fmt.Errorf("wechat %s: %w", name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return apiAnswer{}, fmt.Errorf("wechat %s: reading answer: %w", name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return apiAnswer{}, &channels.SendError{
			Status:    resp.StatusCode,
			Reason:    fmt.Sprintf("WeChat %s answered %s", name, resp.Status),
			Retryable: resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests,
		}
	}
	var a apiAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return apiAnswer{}, &channels.SendError{Status: resp.StatusCode, Reason: fmt.Sprintf("WeChat %s answered something not JSON", name), Retryable: true}
	}
	return a, nil
}
