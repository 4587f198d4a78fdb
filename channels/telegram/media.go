package telegram

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
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

// Name is the channel's name in models.Channels and its media URLs ("telegram-media:<file_id>").
const Name = "telegram"

// MaxDownload is the largest file the Bot API lets a bot download (getFile refuses larger).
const MaxDownload = 20 << 20

var _ channels.MediaFetcher = (*Channel)(nil)

// fileAnswer is getFile's answer: a File whose file_path downloads it, or an error.
type fileAnswer struct {
	OK     bool `json:"ok"`
	Result struct {
		FileID   string `json:"file_id"`
		FileSize int64  `json:"file_size"`
		FilePath string `json:"file_path"`
	} `json:"result"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// parseFile reads getFile's answer: the file's path (checked to be a relative path that
// cannot leave the bot's file directory) and size, or the Bot API's refusal as a MediaError.
func parseFile(status int, h http.Header, body []byte) (path string, size int64, err error) {
	var a fileAnswer
	jerr := json.Unmarshal(body, &a)
	if jerr == nil && a.OK && status == http.StatusOK {
		p := a.Result.FilePath
		if p == "" || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#\\\x00") || strings.Contains("/"+p+"/", "/../") {
			return "", 0, &channels.MediaError{Channel: Name, Status: status, Kind: channels.ErrMediaRefused, Reason: "getFile named no usable file_path"}
		}
		return p, max(a.Result.FileSize, 0), nil
	}
	code := a.ErrorCode
	if code == 0 {
		code = status
	}
	reason := a.Description
	if reason == "" {
		reason = fmt.Sprintf("getFile answered %d", status)
	}
	e := channels.MediaStatusError(Name, code, h, reason)
	e.Status, e.Code = status, strconv.Itoa(code)
	if a.Parameters.RetryAfter > 0 {
		e.RetryAfter = time.Duration(a.Parameters.RetryAfter) * time.Second
	}
	d := strings.ToLower(a.Description)
	switch {
	case strings.Contains(d, "file is too big"):
		e.Kind = channels.ErrMediaTooLarge
	case code == http.StatusBadRequest && (strings.Contains(d, "file_id") || strings.Contains(d, "file not found") || strings.Contains(d, "temporarily unavailable")):
		// "invalid file_id", "wrong file_id or the file is temporarily unavailable".
		e.Kind = channels.ErrMediaNotFound
	}
	return "", 0, e
}

// FetchMedia downloads an attachment: getFile names the file's path (valid for an hour),
// then /file/bot<token>/<file_path> serves it. The Bot API serves files of up to 20 MB.
func (c *Channel) FetchMedia(ctx context.Context, a models.Attachment) ([]byte, string, error) {
	id, err := channels.MediaID(Name, a)
	if err != nil {
		return nil, "", err
	}
	if a.SizeBytes > MaxDownload {
		return nil, "", &channels.MediaError{Channel: Name, Kind: channels.ErrMediaTooLarge, Reason: fmt.Sprintf("%d bytes; bots download at most %d", a.SizeBytes, MaxDownload)}
	}
	resp, err := c.mediaGet(ctx, c.base+"/bot"+c.token+"/getFile?file_id="+url.QueryEscape(id))
	if err != nil {
		return nil, "", err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if err != nil {
		return nil, "", fmt.Errorf("telegram getFile: reading answer: %w", err)
	}
	path, size, err := parseFile(resp.StatusCode, resp.Header, body)
	if err != nil {
		return nil, "", err
	}
	if size > channels.MaxMediaBytes {
		return nil, "", channels.TooLarge(Name, size)
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	dl, err := c.mediaGet(ctx, c.base+"/file/bot"+c.token+"/"+strings.Join(segs, "/"))
	if err != nil {
		return nil, "", err
	}
	defer dl.Body.Close()
	if dl.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(dl.Body, 1<<16))
		_, _, err := parseFile(dl.StatusCode, dl.Header, b)
		return nil, "", err
	}
	data, mt, err := channels.ReadMedia(Name, dl)
	if err != nil {
		return nil, "", err
	}
	if mt == "" {
		mt = a.MIMEType
	}
	return data, mt, nil
}

// mediaGet GETs a URL holding the bot token; a transport error never shows it.
func (c *Channel) mediaGet(ctx context.Context, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &channels.MediaError{Channel: Name, Kind: channels.ErrMediaRefused, Reason: "bad API base URL"}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, fmt.Errorf("telegram media: %w", ue.Err)
		}
		return nil, errors.New("telegram media: " + redact(err.Error(), c.token))
	}
	return resp, nil
}
