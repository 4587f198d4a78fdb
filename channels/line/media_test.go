package line

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

var audio = append([]byte("\x00\x00\x00\x1cftypM4A "), bytes.Repeat([]byte{1}, 2048)...)

// contentAPI is LINE's GET /v2/bot/message/{messageId}/content as documented: the bytes with
// their Content-Type, 202 while audio or video is being prepared, 404 {"message":"Not found"}
// once the content is gone, 401 for a bad token, 429 over the rate limit.
func contentAPI(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"message":"Authentication failed. Confirm that the access token in the authorization header is valid."}`))
			return
		}
		switch r.URL.Path {
		case "/v2/bot/message/100001/content":
			w.Header().Set("Content-Type", "audio/x-m4a")
			_, _ = w.Write(audio)
		case "/v2/bot/message/100002/content":
			w.WriteHeader(202)
		case "/v2/bot/message/100003/content":
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			_, _ = w.Write([]byte(`{"message":"The API rate limit has been exceeded. Try again later."}`))
		case "/v2/bot/message/100004/content":
			w.Header().Set("Content-Type", "audio/x-m4a")
			w.Header().Set("Content-Length", "999999999")
			_, _ = w.Write(audio)
		default:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"message":"Not found"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchMediaDownloadsTheContent(t *testing.T) {
	c := newChannel(t, contentAPI(t).URL)
	data, mt, err := c.FetchMedia(context.Background(), models.Attachment{Kind: "audio", URL: "line-media:100001"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, audio) || mt != "audio/x-m4a" {
		t.Fatalf("got %d bytes of %q", len(data), mt)
	}
}

func TestContentComesFromTheDataAPIOnLINEsOwnHost(t *testing.T) {
	c, err := New(Config{ChannelSecret: secret, AccessToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	if c.data != DefaultDataAPIBase {
		t.Fatalf("data API %q", c.data)
	}
}

func TestFetchMediaErrorsSayWhetherToRetry(t *testing.T) {
	srv := contentAPI(t)
	for _, tc := range []struct {
		name, id, token string
		size            int64
		kind            error
		retry           bool
		after           time.Duration
	}{
		{"expired content is gone", "100009", "tok", 0, channels.ErrMediaNotFound, false, 0},
		{"a bad token is an auth failure", "100001", "old", 0, channels.ErrMediaAuth, false, 0},
		{"content being prepared is tried again", "100002", "tok", 0, channels.ErrMediaUnavailable, true, 0},
		{"a rate limit retries after Retry-After", "100003", "tok", 0, channels.ErrMediaUnavailable, true, 2 * time.Second},
		{"a stated size over the limit is refused before asking", "100001", "tok", channels.MaxMediaBytes + 1, channels.ErrMediaTooLarge, false, 0},
		{"a Content-Length over the limit is refused", "100004", "tok", 0, channels.ErrMediaTooLarge, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Config{ChannelSecret: secret, AccessToken: tc.token, APIBase: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.FetchMedia(context.Background(), models.Attachment{Kind: "audio", SizeBytes: tc.size, URL: "line-media:" + tc.id})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err %v, want %v", err, tc.kind)
			}
			retry, after := channels.Retryable(err)
			if retry != tc.retry || after != tc.after {
				t.Fatalf("retryable %v after %s, want %v after %s (%v)", retry, after, tc.retry, tc.after, err)
			}
			if strings.Contains(err.Error(), "Bearer") {
				t.Fatalf("the error shows the token: %v", err)
			}
		})
	}
}
