package line

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

// Name is the channel's name in models.Channels and its media URLs ("line-media:<message id>").
const Name = "line"

var _ channels.MediaFetcher = (*Channel)(nil)

// FetchMedia downloads a message's content: GET {data API}/v2/bot/message/{messageId}/content
// with the channel access token. LINE keeps content for a limited time (404 after); audio and
// video still being prepared answer 202, which is worth trying again. Content the sender's
// own server holds (contentProvider external) is not LINE's to serve and answers 404.
func (c *Channel) FetchMedia(ctx context.Context, a models.Attachment) ([]byte, string, error) {
	id, err := channels.MediaID(Name, a)
	if err != nil {
		return nil, "", err
	}
	if a.SizeBytes > channels.MaxMediaBytes {
		return nil, "", channels.TooLarge(Name, a.SizeBytes)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.data+"/v2/bot/message/"+url.PathEscape(id)+"/content", nil)
	if err != nil {
		return nil, "", &channels.MediaError{Channel: Name, Kind: channels.ErrMediaRefused, Reason: "bad data API base URL"}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, "", fmt.Errorf("line media: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusAccepted:
		return nil, "", &channels.MediaError{Channel: Name, Status: resp.StatusCode, Kind: channels.ErrMediaUnavailable, Retryable: true,
			Reason: "the content is still being prepared"}
	case resp.StatusCode != http.StatusOK:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		return nil, "", contentError(resp.StatusCode, resp.Header, b)
	}
	data, mt, err := channels.ReadMedia(Name, resp)
	if err != nil {
		return nil, "", err
	}
	if mt == "" {
		mt = a.MIMEType
	}
	return data, mt, nil
}

// contentError reads LINE's error body {"message": ...}.
func contentError(status int, h http.Header, body []byte) *channels.MediaError {
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e) // a proxy's page is judged by its status
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return channels.MediaStatusError(Name, status, h, e.Message)
}
