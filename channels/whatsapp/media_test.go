package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

var voice = append([]byte("OggS\x00\x02"), bytes.Repeat([]byte{1}, 2048)...)

// mediaAPI is the Cloud API's media retrieval as Meta documents it: GET /{version}/{media-id}
// answers the media's URL, MIME type, hash and size; GET on that URL with the same bearer
// token answers the bytes. Ids it does not know are Graph error 100; an expired URL is 404.
func mediaAPI(t *testing.T, downloads *atomic.Int32) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		graphError := func(status, code int, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"message":%q,"type":"OAuthException","code":%d,"error_subcode":33,"fbtrace_id":"AYx"}}`, msg, code)
		}
		if r.Method != http.MethodGet {
			graphError(400, 100, "Unsupported "+r.Method)
			return
		}
		if r.Header.Get("Authorization") != "Bearer token-1" {
			graphError(401, 190, "Error validating access token: Session has expired")
			return
		}
		if r.URL.RawQuery != "" && strings.Contains(r.URL.RawQuery, "access_token") {
			t.Error("the access token went in the URL")
		}
		switch p := r.URL.Path; {
		case p == "/v21.0/media-ok":
			fmt.Fprintf(w, `{"messaging_product":"whatsapp","url":"%s/dl/media-ok?ext=1","mime_type":"audio/ogg; codecs=opus","sha256":"abc","file_size":"%d","id":"media-ok"}`, srv.URL, len(voice))
		case p == "/v21.0/media-expired":
			fmt.Fprintf(w, `{"url":"%s/dl/media-expired","mime_type":"audio/ogg","file_size":2048,"id":"media-expired"}`, srv.URL)
		case p == "/v21.0/media-huge":
			fmt.Fprintf(w, `{"url":"%s/dl/huge","mime_type":"audio/ogg","file_size":%d,"id":"media-huge"}`, srv.URL, channels.MaxMediaBytes+1)
		case p == "/v21.0/media-liar":
			fmt.Fprintf(w, `{"url":"%s/dl/liar","mime_type":"audio/ogg","id":"media-liar"}`, srv.URL)
		case p == "/v21.0/media-busy":
			w.Header().Set("Retry-After", "7")
			graphError(429, 130429, "Rate limit hit")
		case p == "/v21.0/media-nourl":
			fmt.Fprint(w, `{"id":"media-nourl"}`)
		case p == "/dl/media-ok":
			downloads.Add(1)
			w.Header().Set("Content-Type", "audio/ogg")
			_, _ = w.Write(voice)
		case p == "/dl/liar":
			downloads.Add(1)
			w.Header().Set("Content-Type", "audio/ogg")
			chunk := bytes.Repeat([]byte{2}, 1<<20)
			for range 26 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case strings.HasPrefix(p, "/dl/"):
			downloads.Add(1)
			w.WriteHeader(404)
			fmt.Fprint(w, "URL signature expired")
		default:
			graphError(400, 100, "Unsupported get request. Object with ID '"+strings.TrimPrefix(p, "/v21.0/")+"' does not exist, cannot be loaded due to missing permissions, or does not support this operation.")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchMediaFollowsTheMediaURLWithTheToken(t *testing.T) {
	var downloads atomic.Int32
	srv := mediaAPI(t, &downloads)
	c, err := New(Config{AppSecret: "s", AccessToken: "token-1", APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	data, mt, err := c.FetchMedia(context.Background(), models.Attachment{Kind: "audio", URL: "whatsapp-media:media-ok"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, voice) || mt != "audio/ogg" {
		t.Fatalf("got %d bytes of %q", len(data), mt)
	}
}

func TestFetchMediaErrorsSayWhetherToRetry(t *testing.T) {
	var downloads atomic.Int32
	srv := mediaAPI(t, &downloads)
	for _, tc := range []struct {
		name, id, token string
		kind            error
		retry           bool
		after           time.Duration
		downloaded      bool
	}{
		{"an unknown id is gone for good", "media-unknown", "token-1", channels.ErrMediaNotFound, false, 0, false},
		{"an expired download URL is gone", "media-expired", "token-1", channels.ErrMediaNotFound, false, 0, true},
		{"an expired token is an auth failure", "media-ok", "old-token", channels.ErrMediaAuth, false, 0, false},
		{"a rate limit retries after Retry-After", "media-busy", "token-1", channels.ErrMediaUnavailable, true, 7 * time.Second, false},
		{"a stated size over the limit is refused before downloading", "media-huge", "token-1", channels.ErrMediaTooLarge, false, 0, false},
		{"a body over the limit is cut off", "media-liar", "token-1", channels.ErrMediaTooLarge, false, 0, true},
		{"an answer without a URL is refused", "media-nourl", "token-1", channels.ErrMediaRefused, false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			downloads.Store(0)
			c, err := New(Config{AppSecret: "s", AccessToken: tc.token, APIBase: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.FetchMedia(context.Background(), models.Attachment{Kind: "audio", URL: "whatsapp-media:" + tc.id})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err %v, want %v", err, tc.kind)
			}
			retry, after := channels.Retryable(err)
			if retry != tc.retry || after != tc.after {
				t.Fatalf("retryable %v after %s, want %v after %s (%v)", retry, after, tc.retry, tc.after, err)
			}
			if (downloads.Load() > 0) != tc.downloaded {
				t.Fatalf("downloads: %d", downloads.Load())
			}
			if strings.Contains(err.Error(), tc.token) {
				t.Fatalf("the error shows the token: %v", err)
			}
		})
	}
}

func TestFetchMediaRefusesAnotherChannelsAttachment(t *testing.T) {
	c, err := New(Config{AppSecret: "s", AccessToken: "token-1", APIBase: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.FetchMedia(context.Background(), models.Attachment{URL: "line-media:123"}); !errors.Is(err, channels.ErrMediaNotFound) {
		t.Fatalf("err %v", err)
	}
}

func FuzzMediaInfo(f *testing.F) {
	f.Add([]byte(`{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1","mime_type":"audio/ogg","sha256":"x","file_size":"303833","id":"1"}`))
	f.Add([]byte(`{"url":"https://x","file_size":12}`))
	f.Add([]byte(`{"url":"javascript:alert(1)"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		info, err := parseMediaInfo(body)
		if err != nil {
			return
		}
		if !strings.HasPrefix(info.URL, "http") || info.Size < 0 {
			t.Fatalf("accepted %+v", info)
		}
	})
}
