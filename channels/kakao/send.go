package kakao

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/provider"
)

const (
	// MaxTextLength is a simpleText's limit in characters.
	MaxTextLength = 1000
	// maxOutputs is how many outputs one skill response may carry.
	maxOutputs = 3
	// CallbackLifetime is how long Open Builder keeps a callback URL valid.
	CallbackLifetime = time.Minute
)

type callbackAnswer struct {
	TaskID  string `json:"taskId"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// Send posts the reply as a skill response to the callback URL of the customer's skill
// request (m.ReplyToken). Without a usable callback it fails permanently: KakaoTalk lets a
// chatbot answer only within a skill request.
func (c *Channel) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	texts, err := split(m.Text)
	if err != nil {
		return channels.Receipt{}, err
	}
	if m.ReplyToken == "" {
		return channels.Receipt{}, &channels.SendError{Reason: "kakao: KakaoTalk allows answers only through a skill request's callback, and this conversation has none (turn on the callback API for the block; messages outside it need a KakaoTalk business channel, which Meridian does not use)"}
	}
	if !m.LastInbound.IsZero() && c.now().Sub(m.LastInbound) > CallbackLifetime {
		return channels.Receipt{}, &channels.SendError{Reason: fmt.Sprintf("kakao: the skill request's callback expired (valid %s, the customer wrote %s ago); KakaoTalk allows answers only within it", CallbackLifetime, c.now().Sub(m.LastInbound).Round(time.Second))}
	}
	if err := c.allowed(m.ReplyToken); err != nil {
		return channels.Receipt{}, &channels.SendError{Reason: "kakao: " + err.Error()}
	}
	b, err := json.Marshal(skillResponse(texts))
	if err != nil {
		return channels.Receipt{}, fmt.Errorf("kakao: encoding callback: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.ReplyToken, bytes.NewReader(b))
	if err != nil {
		return channels.Receipt{}, &channels.SendError{Reason: "kakao: callback URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is a one-use credential
		}
		return channels.Receipt{}, fmt.Errorf("kakao callback: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return channels.Receipt{}, fmt.Errorf("kakao callback: reading answer: %w", err)
	}
	var a callbackAnswer
	_ = json.Unmarshal(raw, &a)
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok && (a.Status == "" || strings.EqualFold(a.Status, "SUCCESS")) {
		return channels.Receipt{MessageID: a.TaskID}, nil
	}
	se := &channels.SendError{Status: resp.StatusCode, Code: a.Status, Reason: a.Message}
	if se.Reason == "" {
		se.Reason = "Kakao answered the callback with " + resp.Status
		if a.Status != "" {
			se.Reason += " " + a.Status
		}
	}
	// A used or expired callback stays so; only Kakao's own trouble is worth a retry, and
	// only while the minute lasts.
	se.Retryable = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	se.RetryAfter = provider.RetryAfter(resp.Header, time.Now())
	return channels.Receipt{}, se
}

func split(text string) ([]string, error) {
	if strings.TrimSpace(text) == "" {
		return nil, &channels.SendError{Reason: "kakao: empty text"}
	}
	r := []rune(text)
	var out []string
	for len(r) > 0 {
		n := min(len(r), MaxTextLength)
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	if len(out) > maxOutputs {
		return nil, &channels.SendError{Reason: fmt.Sprintf("kakao: text of %d characters is longer than %d simpleText outputs of %d", len([]rune(text)), maxOutputs, MaxTextLength)}
	}
	return out, nil
}

// allowed checks that a callback URL is Kakao's: https on a configured domain (plain http
// only to a loopback address, for tests and local development).
func (c *Channel) allowed(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return errors.New("the callback URL is not a URL")
	}
	host := strings.ToLower(u.Hostname())
	ip := net.ParseIP(host)
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (host == "localhost" || (ip != nil && ip.IsLoopback())):
	default:
		return errors.New("the callback URL is not https")
	}
	for _, h := range c.hosts {
		h = strings.ToLower(strings.TrimPrefix(h, "."))
		if host == h || strings.HasSuffix(host, "."+h) {
			return nil
		}
	}
	return fmt.Errorf("the callback URL's host %s is not one of %s", host, strings.Join(c.hosts, ", "))
}
