package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/models"
)

var _ channels.MediaFetcher = (*Channel)(nil)

// mediaInfo is the Cloud API's answer to GET /{media-id}: a download URL valid for five
// minutes, and what it holds.
type mediaInfo struct {
	URL      string
	MIMEType string
	Size     int64 // 0 when not said
}

// parseMediaInfo reads GET /{media-id}'s answer. Meta documents file_size as a string in
// places and answers a number; both are read.
func parseMediaInfo(body []byte) (mediaInfo, error) {
	var v struct {
		URL      string          `json:"url"`
		MIMEType string          `json:"mime_type"`
		FileSize json.RawMessage `json:"file_size"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return mediaInfo{}, fmt.Errorf("not the media endpoint's JSON: %w", err)
	}
	u, err := url.Parse(v.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return mediaInfo{}, errors.New("the answer names no download URL")
	}
	info := mediaInfo{URL: v.URL, MIMEType: channels.ContentType(v.MIMEType)}
	if len(v.FileSize) > 0 {
		s := strings.Trim(string(v.FileSize), `"`)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			info.Size = n
		}
	}
	return info, nil
}

// FetchMedia downloads an attachment: GET /{media-id} names a short-lived URL, which is then
// fetched with the same bearer token. Media expire 30 days after they were sent.
func (c *Channel) FetchMedia(ctx context.Context, a models.Attachment) ([]byte, string, error) {
	id, err := channels.MediaID(Name, a)
	if err != nil {
		return nil, "", err
	}
	if c.cfg.AccessToken == "" {
		return nil, "", &channels.MediaError{Channel: Name, Kind: channels.ErrMediaAuth, Reason: "MERIDIAN_WHATSAPP_ACCESS_TOKEN is not set"}
	}
	resp, body, err := c.get(ctx, c.cfg.APIBase+"/"+c.cfg.APIVersion+"/"+url.PathEscape(id), 1<<20)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode/100 != 2 {
		return nil, "", graphMediaError(resp, body)
	}
	info, err := parseMediaInfo(body)
	if err != nil {
		return nil, "", &channels.MediaError{Channel: Name, Status: resp.StatusCode, Kind: channels.ErrMediaRefused, Reason: err.Error()}
	}
	if info.Size > channels.MaxMediaBytes {
		return nil, "", channels.TooLarge(Name, info.Size)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, info.URL, nil)
	if err != nil {
		return nil, "", &channels.MediaError{Channel: Name, Kind: channels.ErrMediaRefused, Reason: "bad download URL"}
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	dl, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, "", transportError(err)
	}
	defer dl.Body.Close()
	if dl.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(dl.Body, 1<<16))
		return nil, "", graphMediaError(dl, b)
	}
	data, mt, err := channels.ReadMedia(Name, dl)
	if err != nil {
		return nil, "", err
	}
	if info.MIMEType != "" {
		mt = info.MIMEType
	}
	if mt == "" {
		mt = a.MIMEType
	}
	return data, mt, nil
}

func (c *Channel) get(ctx context.Context, u string, limit int64) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, &channels.MediaError{Channel: Name, Kind: channels.ErrMediaRefused, Reason: "bad API base URL"}
	}
	// In a header, not ?access_token=, so it stays out of access logs.
	req.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, nil, transportError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, nil, fmt.Errorf("whatsapp media: reading answer: %w", err)
	}
	return resp, body, nil
}

// transportError drops the URL (the download URL is a capability) from a client error.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("whatsapp media: %w", err)
}

// graphMediaError reads a Graph API refusal: an id that does not exist (code 100, subcode 33)
// or a 404 is gone, an invalid or expired token (190) is auth, Meta's temporary codes retry.
func graphMediaError(resp *http.Response, body []byte) *channels.MediaError {
	se := meta.ReadError(resp.StatusCode, resp.Header, body)
	e := channels.MediaStatusError(Name, resp.StatusCode, resp.Header, se.Reason)
	e.Code = se.Code
	code, _, _ := strings.Cut(se.Code, "/")
	switch {
	case code == "100" || code == "131052" || resp.StatusCode == http.StatusNotFound:
		// 100: "Unsupported get request. Object with ID ... does not exist"; 131052: media
		// download error (the sender's media is gone).
		e.Kind, e.Retryable = channels.ErrMediaNotFound, false
	case code == "190":
		e.Kind, e.Retryable = channels.ErrMediaAuth, false
	case se.Retryable:
		e.Kind, e.Retryable = channels.ErrMediaUnavailable, true
	}
	e.RetryAfter = se.RetryAfter
	return e
}
