package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/provider"
)

// MaxMediaBytes is the largest attachment a MediaFetcher downloads: the 25 MiB the
// OpenAI-compatible transcription API takes, which is what downloads are for today.
const MaxMediaBytes = 25 << 20

// MediaFetcher is implemented by a platform (its Webhook or Outbound value) whose attachments
// can be downloaded: it holds the credentials the download needs, as it does for sends, so a
// tenant's media is fetched with that tenant's token. The mount hands the platform that
// parsed a delivery to the intake as Delivery.Media.
type MediaFetcher interface {
	// FetchMedia downloads an attachment the platform's webhook described (Attachment.URL is
	// "<channel>-media:<id>"). It reads at most MaxMediaBytes; a larger file is a MediaError
	// wrapping ErrMediaTooLarge. Failures are *MediaError ([Retryable] reads them) or a
	// transport error (retryable). mimeType is the platform's, else the attachment's.
	FetchMedia(ctx context.Context, a models.Attachment) (data []byte, mimeType string, err error)
}

// Kinds of media failure; a *MediaError wraps one of them.
var (
	// ErrMediaNotFound: the platform no longer has the file (expired, deleted) or never did.
	ErrMediaNotFound = errors.New("media not found or expired")
	// ErrMediaTooLarge: over MaxMediaBytes or over what the platform lets a bot download.
	ErrMediaTooLarge = errors.New("media too large")
	// ErrMediaAuth: the platform refused the credentials.
	ErrMediaAuth = errors.New("media download not authorised")
	// ErrMediaUnavailable: the platform is busy, rate limiting or not ready yet; try later.
	ErrMediaUnavailable = errors.New("media temporarily unavailable")
	// ErrMediaRefused: any other refusal or a malformed answer.
	ErrMediaRefused = errors.New("media download refused")
)

// MediaError is a platform's refusal of a download.
type MediaError struct {
	Channel    string
	Status     int    // HTTP status, 0 when refused before asking
	Code       string // the platform's error code
	Reason     string // the platform's message; never holds a token
	Retryable  bool
	RetryAfter time.Duration
	Kind       error
}

func (e *MediaError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s media: %v", e.Channel, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, ", code %s", e.Code)
		}
		b.WriteString(")")
	} else if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	return b.String()
}

// Unwrap returns the kind.
func (e *MediaError) Unwrap() error { return e.Kind }

// MediaStatusError maps a failed HTTP answer of a download to a MediaError: 404 and 410 not
// found, 401 and 403 auth, 413 too large, 429 and 5xx retryable (after Retry-After when given).
func MediaStatusError(channel string, status int, h http.Header, reason string) *MediaError {
	e := &MediaError{Channel: channel, Status: status, Reason: reason, Kind: ErrMediaRefused, RetryAfter: provider.RetryAfter(h, time.Now())}
	switch {
	case status == http.StatusNotFound || status == http.StatusGone:
		e.Kind = ErrMediaNotFound
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = ErrMediaAuth
	case status == http.StatusRequestEntityTooLarge:
		e.Kind = ErrMediaTooLarge
	case status == http.StatusTooManyRequests || status >= 500:
		e.Kind, e.Retryable = ErrMediaUnavailable, true
	}
	return e
}

// MediaID is the platform's media id in an attachment's URL "<channel>-media:<id>".
func MediaID(channel string, a models.Attachment) (string, error) {
	id, ok := strings.CutPrefix(a.URL, channel+"-media:")
	if !ok || strings.TrimSpace(id) == "" {
		return "", &MediaError{Channel: channel, Kind: ErrMediaNotFound, Reason: "the attachment names no " + channel + " media id"}
	}
	return id, nil
}

// TooLarge is the error for a file of size bytes, known before downloading it.
func TooLarge(channel string, size int64) *MediaError {
	return &MediaError{Channel: channel, Kind: ErrMediaTooLarge, Reason: fmt.Sprintf("%d bytes; at most %d are downloaded", size, MaxMediaBytes)}
}

// ReadMedia reads a successful download's body, at most MaxMediaBytes, and its media type
// (the Content-Type without parameters other than codecs, "" when absent or generic).
func ReadMedia(channel string, resp *http.Response) ([]byte, string, error) {
	if resp.ContentLength > MaxMediaBytes {
		return nil, "", TooLarge(channel, resp.ContentLength)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxMediaBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("%s media: reading the download: %w", channel, err)
	}
	if len(data) > MaxMediaBytes {
		return nil, "", &MediaError{Channel: channel, Kind: ErrMediaTooLarge, Reason: fmt.Sprintf("more than %d bytes", MaxMediaBytes)}
	}
	return data, ContentType(resp.Header.Get("Content-Type")), nil
}

// ContentType is a Content-Type's media type ("audio/ogg"), or "" when it is absent,
// unparseable or says nothing (application/octet-stream).
func ContentType(v string) string {
	mt, _, err := mime.ParseMediaType(v)
	if err != nil || mt == "application/octet-stream" {
		return ""
	}
	return mt
}
