package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

// Name is the channel's name in models.Channels and its media URLs ("wechat-media:<MediaId>").
const Name = "wechat"

var _ channels.MediaFetcher = (*Channel)(nil)

// FetchMedia downloads a temporary medium (a voice message's MediaId) with
// GET /cgi-bin/media/get?access_token=&media_id=. WeChat keeps them three days, then answers
// errcode 40007. Voice arrives as AMR (or Speex), which not every transcription server reads.
func (c *Channel) FetchMedia(ctx context.Context, a models.Attachment) ([]byte, string, error) {
	id, err := channels.MediaID(Name, a)
	if err != nil {
		return nil, "", err
	}
	for attempt := 0; ; attempt++ {
		token, err := c.currentToken(ctx)
		if err != nil {
			return nil, "", asMediaError(err)
		}
		data, mt, code, err := c.mediaGet(ctx, token, id)
		if err == nil {
			if mt == "" {
				mt = a.MIMEType
			}
			return data, mt, nil
		}
		if staleToken(code) && attempt == 0 {
			c.forget(token)
			continue
		}
		return nil, "", err
	}
}

// mediaGet returns the medium, or WeChat's refusal and its errcode.
func (c *Channel) mediaGet(ctx context.Context, token, id string) ([]byte, string, int, error) {
	q := url.Values{"access_token": {token}, "media_id": {id}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/cgi-bin/media/get?"+q.Encode(), nil)
	if err != nil {
		return nil, "", 0, &channels.MediaError{Channel: Name, Kind: channels.ErrMediaRefused, Reason: "bad API base URL"}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL holds the access token
		}
		return nil, "", 0, fmt.Errorf("wechat media/get: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", 0, channels.MediaStatusError(Name, resp.StatusCode, resp.Header, "WeChat media/get answered "+resp.Status)
	}
	data, mt, err := channels.ReadMedia(Name, resp)
	if err != nil {
		return nil, "", 0, err
	}
	// A refusal is a 200 with a JSON body (Content-Type text/plain or application/json).
	if mt == "text/plain" || mt == "application/json" || bytes.HasPrefix(bytes.TrimSpace(data), []byte(`{"errcode"`)) {
		code, err := parseMediaError(data)
		return nil, "", code, err
	}
	return data, mt, 0, nil
}

// parseMediaError reads media/get's JSON answer in place of a file: an errcode, or (for a
// video) a video_url this package does not follow.
func parseMediaError(body []byte) (int, error) {
	var a struct {
		ErrCode  int    `json:"errcode"`
		ErrMsg   string `json:"errmsg"`
		VideoURL string `json:"video_url"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return 0, &channels.MediaError{Channel: Name, Status: http.StatusOK, Kind: channels.ErrMediaRefused, Reason: "media/get answered text that is not WeChat's JSON"}
	}
	if a.ErrCode == 0 {
		reason := "media/get answered JSON without a file"
		if a.VideoURL != "" {
			reason = "a video's content is behind video_url, which is not downloaded"
		}
		return 0, &channels.MediaError{Channel: Name, Status: http.StatusOK, Kind: channels.ErrMediaRefused, Reason: reason}
	}
	e := &channels.MediaError{Channel: Name, Status: http.StatusOK, Code: strconv.Itoa(a.ErrCode), Reason: a.ErrMsg, Kind: channels.ErrMediaRefused}
	switch a.ErrCode {
	case 40007: // invalid media_id: expired (three days) or never this account's
		e.Kind = channels.ErrMediaNotFound
	case -1, 40001, 42001, 40014: // system busy; a token still stale after a fresh fetch
		e.Kind, e.Retryable = channels.ErrMediaUnavailable, true
	case 40013, 48001, 50001, 40164: // invalid appid, api unauthorized, not authorised, IP not whitelisted
		e.Kind = channels.ErrMediaAuth
	}
	if strings.TrimSpace(e.Reason) == "" {
		e.Reason = "WeChat answered errcode " + e.Code
	}
	return a.ErrCode, e
}

// asMediaError turns a failed access token fetch (a SendError) into a MediaError.
func asMediaError(err error) error {
	var se *channels.SendError
	if !errors.As(err, &se) {
		return err
	}
	e := &channels.MediaError{Channel: Name, Status: se.Status, Code: se.Code, Reason: se.Reason, Retryable: se.Retryable,
		RetryAfter: se.RetryAfter, Kind: channels.ErrMediaAuth}
	if se.Retryable {
		e.Kind = channels.ErrMediaUnavailable
	}
	return e
}
