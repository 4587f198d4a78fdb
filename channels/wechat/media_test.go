package wechat

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

var amr = append([]byte("#!AMR\n"), bytes.Repeat([]byte{0x3c}, 1024)...)

// mediaWeChat adds GET /cgi-bin/media/get to fakeWeChat as documented: the file with its
// Content-Type, or a JSON errcode in a 200 (40007 invalid media_id once the three days are
// over, 40001 for a stale token).
type mediaWeChat struct {
	fakeWeChat
	gets int
}

func (f *mediaWeChat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/cgi-bin/media/get" {
		f.fakeWeChat.ServeHTTP(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	q := r.URL.Query()
	if q.Get("access_token") != f.valid {
		w.Header().Set("Content-Type", "application/json; encoding=utf-8")
		io.WriteString(w, `{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}`)
		return
	}
	switch q.Get("media_id") {
	case "voice-1":
		w.Header().Set("Content-Type", "audio/amr")
		w.Header().Set("Content-disposition", `attachment; filename="voice-1.amr"`)
		w.Write(amr)
	case "busy":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, `{"errcode":-1,"errmsg":"system error"}`)
	default:
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, `{"errcode":40007,"errmsg":"invalid media_id hint: [xyz]"}`)
	}
}

func TestFetchMediaDownloadsAVoiceMessage(t *testing.T) {
	f := &mediaWeChat{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newChannel(t, srv.URL, "")
	data, mt, err := c.FetchMedia(context.Background(), models.Attachment{Kind: "audio", URL: "wechat-media:voice-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, amr) || mt != "audio/amr" {
		t.Fatalf("got %d bytes of %q", len(data), mt)
	}
	// A token WeChat calls stale is fetched again once.
	f.mu.Lock()
	f.valid = "rotated-elsewhere"
	f.mu.Unlock()
	if _, _, err := c.FetchMedia(context.Background(), models.Attachment{Kind: "audio", URL: "wechat-media:voice-1"}); err != nil {
		t.Fatal(err)
	}
	if f.tokens != 2 {
		t.Fatalf("tokens fetched: %d", f.tokens)
	}
}

func TestFetchMediaErrorsSayWhetherToRetry(t *testing.T) {
	srv := httptest.NewServer(&mediaWeChat{})
	defer srv.Close()
	for _, tc := range []struct {
		name, id string
		kind     error
		retry    bool
	}{
		{"an expired media id is gone", "voice-old", channels.ErrMediaNotFound, false},
		{"a busy WeChat is tried again", "busy", channels.ErrMediaUnavailable, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChannel(t, srv.URL, "")
			_, _, err := c.FetchMedia(context.Background(), models.Attachment{URL: "wechat-media:" + tc.id})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err %v, want %v", err, tc.kind)
			}
			if retry, _ := channels.Retryable(err); retry != tc.retry {
				t.Fatalf("retryable %v (%v)", retry, err)
			}
			if strings.Contains(err.Error(), "ACCESS_TOKEN") {
				t.Fatalf("the error shows the token: %v", err)
			}
		})
	}
	// Wrong credentials never reach media/get.
	c, err := New(Config{Token: token, AppID: "wx-not-this-one", AppSecret: appSecret, APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.FetchMedia(context.Background(), models.Attachment{URL: "wechat-media:voice-1"}); !errors.Is(err, channels.ErrMediaAuth) {
		t.Fatalf("err %v", err)
	}
}

func FuzzMediaError(f *testing.F) {
	f.Add([]byte(`{"errcode":40007,"errmsg":"invalid media_id"}`))
	f.Add([]byte(`{"video_url":"http://example.com/v.mp4"}`))
	f.Add([]byte(`{"errcode":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := parseMediaError(body)
		var me *channels.MediaError
		if !errors.As(err, &me) {
			t.Fatalf("%v is not a MediaError", err)
		}
	})
}
