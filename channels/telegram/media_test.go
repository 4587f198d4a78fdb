package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

var voice = append([]byte("OggS\x00\x02"), bytes.Repeat([]byte{1}, 2048)...)

// botFiles is the Bot API's file download as Telegram documents it: getFile?file_id= answers
// a File with file_path, /file/bot<token>/<file_path> serves it; errors are
// {"ok":false,"error_code","description"} with parameters.retry_after on 429.
func botFiles(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(code int, desc, extra string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":%q%s}`, code, desc, extra)
		}
		switch {
		case r.URL.Path == "/bot"+botToken+"/getFile":
			switch id := r.URL.Query().Get("file_id"); id {
			case "AwACAgIAAxkBAAIB":
				fmt.Fprintf(w, `{"ok":true,"result":{"file_id":%q,"file_unique_id":"AgAD","file_size":%d,"file_path":"voice/file_7.oga"}}`, id, len(voice))
			case "gone":
				fmt.Fprint(w, `{"ok":true,"result":{"file_id":"gone","file_unique_id":"AgAE","file_size":12,"file_path":"voice/file_8.oga"}}`)
			case "big":
				fail(400, "Bad Request: file is too big", "")
			case "busy":
				w.Header().Set("Retry-After", "3")
				fail(429, "Too Many Requests: retry after 3", `,"parameters":{"retry_after":3}`)
			case "escape":
				fmt.Fprint(w, `{"ok":true,"result":{"file_id":"escape","file_path":"../../bot`+botToken+`/getMe"}}`)
			default:
				fail(400, "Bad Request: invalid file_id", "")
			}
		case r.URL.Path == "/file/bot"+botToken+"/voice/file_7.oga":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(voice)
		case strings.HasPrefix(r.URL.Path, "/file/bot"+botToken+"/"):
			fail(404, "Not Found", "")
		default:
			fail(401, "Unauthorized", "")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchMediaGetsTheFilePathThenTheFile(t *testing.T) {
	c := newChannel(t, botFiles(t).URL)
	data, mt, err := c.FetchMedia(context.Background(), models.Attachment{Kind: "audio", MIMEType: "audio/ogg", URL: "telegram-media:AwACAgIAAxkBAAIB"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, voice) || mt != "audio/ogg" {
		t.Fatalf("got %d bytes of %q (a generic content type falls back to the attachment's)", len(data), mt)
	}
}

func TestFetchMediaErrorsSayWhetherToRetry(t *testing.T) {
	srv := botFiles(t)
	for _, tc := range []struct {
		name, id, token string
		size            int64
		kind            error
		retry           bool
		after           time.Duration
	}{
		{"an unknown file id is gone", "nope", botToken, 0, channels.ErrMediaNotFound, false, 0},
		{"a file the file server no longer has is gone", "gone", botToken, 0, channels.ErrMediaNotFound, false, 0},
		{"a wrong token is an auth failure", "AwACAgIAAxkBAAIB", "7012345678:wrong", 0, channels.ErrMediaAuth, false, 0},
		{"a rate limit retries after retry_after", "busy", botToken, 0, channels.ErrMediaUnavailable, true, 3 * time.Second},
		{"a file over the Bot API's 20 MB is too large", "big", botToken, 0, channels.ErrMediaTooLarge, false, 0},
		{"a size stated in the update is checked before asking", "AwACAgIAAxkBAAIB", botToken, MaxDownload + 1, channels.ErrMediaTooLarge, false, 0},
		{"a file_path leaving the file directory is refused", "escape", botToken, 0, channels.ErrMediaRefused, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Config{SecretToken: secretToken, BotToken: tc.token, APIBase: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.FetchMedia(context.Background(), models.Attachment{Kind: "audio", SizeBytes: tc.size, URL: "telegram-media:" + tc.id})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err %v, want %v", err, tc.kind)
			}
			retry, after := channels.Retryable(err)
			if retry != tc.retry || after != tc.after {
				t.Fatalf("retryable %v after %s, want %v after %s (%v)", retry, after, tc.retry, tc.after, err)
			}
			if strings.Contains(err.Error(), tc.token) {
				t.Fatalf("the error shows the bot token: %v", err)
			}
		})
	}
}

func TestFetchMediaTransportErrorsHideTheToken(t *testing.T) {
	srv := botFiles(t)
	srv.Close()
	c := newChannel(t, srv.URL)
	_, _, err := c.FetchMedia(context.Background(), models.Attachment{URL: "telegram-media:AwACAgIAAxkBAAIB"})
	if err == nil || strings.Contains(err.Error(), botToken) {
		t.Fatalf("err %v", err)
	}
	if retry, _ := channels.Retryable(err); !retry {
		t.Fatalf("a connection failure is worth retrying: %v", err)
	}
}

func FuzzGetFile(f *testing.F) {
	f.Add(200, []byte(`{"ok":true,"result":{"file_id":"x","file_unique_id":"y","file_size":10,"file_path":"voice/file_7.oga"}}`))
	f.Add(400, []byte(`{"ok":false,"error_code":400,"description":"Bad Request: invalid file_id"}`))
	f.Add(429, []byte(`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`))
	f.Add(200, []byte(`{"ok":true,"result":{"file_path":"a/../../b"}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		path, size, err := parseFile(status, http.Header{}, body)
		if err != nil {
			var me *channels.MediaError
			if !errors.As(err, &me) {
				t.Fatalf("%T is not a MediaError", err)
			}
			return
		}
		if path == "" || strings.HasPrefix(path, "/") || strings.Contains("/"+path+"/", "/../") || size < 0 {
			t.Fatalf("accepted %q %d", path, size)
		}
	})
}
