package transcription

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var oggHeader = append([]byte("OggS\x00\x02"), bytes.Repeat([]byte{0x4f}, 4096)...)

type got struct {
	filename, contentType, model, format, language string
	size                                           int
}

// whisperServer implements POST /v1/audio/transcriptions as OpenAI documents it
// (and whisper.cpp's server answers it), speaking lang with text.
func whisperServer(t *testing.T, key, lang, text string, seen *got) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"error":{"message":"Invalid URL","type":"invalid_request_error"}}`)
			return
		}
		if key != "" && r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
			return
		}
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":{"message":"Could not parse multipart form","type":"invalid_request_error"}}`)
			return
		}
		f, fh, err := r.FormFile("file")
		if err != nil {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":{"message":"1 validation error for Request body -> file field required","type":"invalid_request_error"}}`)
			return
		}
		data, _ := io.ReadAll(f)
		*seen = got{filename: fh.Filename, contentType: fh.Header.Get("Content-Type"), model: r.FormValue("model"),
			format: r.FormValue("response_format"), language: r.FormValue("language"), size: len(data)}
		if !bytes.HasPrefix(data, []byte("OggS")) && !strings.HasSuffix(fh.Filename, ".mp3") {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":{"message":"Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']","type":"invalid_request_error","param":null,"code":null}}`)
			return
		}
		if seen.format != "verbose_json" {
			_, _ = io.WriteString(w, `{"text":"`+text+`"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"task": "transcribe", "language": lang, "duration": 3.52, "text": text,
			"segments": []any{map[string]any{"id": 0, "seek": 0, "start": 0.0, "end": 3.52, "text": " " + text, "tokens": []int{50364}}},
		})
	}))
}

func TestTranscribeScripts(t *testing.T) {
	for _, tc := range []struct{ lang, tag, text, hint string }{
		{"japanese", "ja", "注文はいつ届きますか？🙏", ""},
		{"arabic", "ar", "أين طلبي؟", ""},
		{"thai", "th", "สินค้าของฉันอยู่ที่ไหน", "th-TH"},
		{"chinese", "zh", "我的订单在哪里？", ""},
		{"korean", "ko", "주문한 상품은 언제 도착하나요?", ""},
		{"de", "de", "Wo bleibt mein Paket? 📦", "de-AT"},
	} {
		var seen got
		srv := whisperServer(t, "sk-stt", tc.lang, tc.text, &seen)
		tr := FromConfig(Settings{BaseURL: srv.URL + "/v1/", Key: "sk-stt"})
		res, err := tr.Transcribe(context.Background(), Audio{Data: bytes.NewReader(oggHeader), MIMEType: "audio/ogg; codecs=opus", LanguageHint: tc.hint})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.Text != tc.text || res.Language != tc.tag || res.Duration != 3520*time.Millisecond || len(res.Segments) != 1 || res.Segments[0].Text != tc.text {
			t.Errorf("%s: %+v", tc.lang, res)
		}
		if seen.filename != "voice.ogg" || seen.contentType != "audio/ogg; codecs=opus" || seen.model != "whisper-1" ||
			seen.format != "verbose_json" || seen.size != len(oggHeader) || seen.language != strings.SplitN(tc.hint, "-", 2)[0] {
			t.Errorf("%s: request %+v", tc.lang, seen)
		}
	}
}

func TestTranscribeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, retryAfter, body string
		status                 int
		kind                   error
		retryable              bool
		wait                   time.Duration
	}{
		{"401 key", "", `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`, 401, ErrAuth, false, 0},
		{"400 format", "", `{"error":{"message":"Invalid file format. Supported formats: ['flac', 'mp3']","type":"invalid_request_error","param":null,"code":null}}`, 400, ErrUnsupported, false, 0},
		{"413 too large", "", `{"error":{"message":"Maximum content size limit (26214400) exceeded","type":"server_error"}}`, 413, ErrTooLarge, false, 0},
		{"429 rate", "7", `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`, 429, ErrRateLimited, true, 7 * time.Second},
		{"429 quota", "", `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`, 429, ErrQuota, false, 0},
		{"500", "", `{"error":{"message":"The server had an error","type":"server_error"}}`, 500, ErrProvider, true, 0},
		{"502 html", "", `<html>Bad Gateway</html>`, 502, ErrProvider, true, 0},
		{"200 not json", "", `{"text":`, 200, ErrBadResponse, false, 0},
		{"200 no speech", "", `{"text":"  ","language":"english","duration":2.0}`, 200, ErrNoSpeech, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := NewOpenAI(Config{BaseURL: srv.URL}).Transcribe(context.Background(), Audio{Data: bytes.NewReader(oggHeader)})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want %v", err, tc.kind)
			}
			if r, after := Retryable(err); r != tc.retryable || after != tc.wait {
				t.Fatalf("retryable %v after %v (%v)", r, after, err)
			}
		})
	}
}

func TestTranscribePlainJSONAndFormats(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseMultipartForm(1 << 20)
		_, fh, _ := r.FormFile("file")
		if fh == nil || fh.Filename != "note.mp3" || r.FormValue("model") != "ggml-large-v3" {
			w.WriteHeader(400)
			return
		}
		_, _ = io.WriteString(w, `{"text":" Hello there. "}`)
	}))
	defer srv.Close()
	res, err := NewOpenAI(Config{BaseURL: srv.URL, Model: "ggml-large-v3"}).Transcribe(context.Background(),
		Audio{Data: strings.NewReader("ID3..."), Filename: "note.mp3", MIMEType: "audio/mpeg", LanguageHint: "en-GB"})
	if err != nil || res.Text != "Hello there." || res.Language != "en" || res.Duration != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	for mt, want := range map[string]string{"audio/mpeg": "voice.mp3", "audio/mp4": "voice.m4a", "audio/x-wav": "voice.wav", "": "voice.ogg", "audio/amr": "voice.amr"} {
		if got := filename(Audio{MIMEType: mt}); got != want {
			t.Errorf("%q: %s", mt, got)
		}
	}
}

// TestTooLargeNeverSent: audio over the API's 25 MB is refused before any upload.
func TestTooLargeNeverSent(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	big := io.MultiReader(bytes.NewReader(oggHeader), io.LimitReader(zeros{}, MaxBytes))
	_, err := NewOpenAI(Config{BaseURL: srv.URL}).Transcribe(context.Background(), Audio{Data: big})
	if !errors.Is(err, ErrTooLarge) || calls.Load() != 0 || !strings.Contains(err.Error(), "25 MB") {
		t.Fatalf("%v, %d calls", err, calls.Load())
	}
	if _, err := NewOpenAI(Config{BaseURL: srv.URL}).Transcribe(context.Background(), Audio{Data: strings.NewReader("")}); !errors.Is(err, ErrNoSpeech) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := NewOpenAI(Config{BaseURL: srv.URL}).Transcribe(context.Background(), Audio{}); !errors.Is(err, ErrNoSpeech) {
		t.Fatalf("nil: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestTranscribeTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	start := time.Now()
	_, err := NewOpenAI(Config{BaseURL: srv.URL, Timeout: 150 * time.Millisecond}).Transcribe(context.Background(), Audio{Data: bytes.NewReader(oggHeader)})
	if !errors.Is(err, ErrTimeout) || time.Since(start) > 2*time.Second {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
	if r, _ := Retryable(err); !r {
		t.Fatal("timeout not retryable")
	}
}

func TestNoTranscriberConfigured(t *testing.T) {
	if FromConfig(SettingsFromEnv(func(string) string { return "" })) != nil {
		t.Fatal("a transcriber without a URL")
	}
	env := map[string]string{"MERIDIAN_STT_BASE_URL": "http://whisper:8080", "MERIDIAN_STT_MODEL": "large-v3"}
	o, ok := FromConfig(SettingsFromEnv(func(k string) string { return env[k] })).(*OpenAI)
	if !ok || o.endpoint() != "http://whisper:8080/v1/audio/transcriptions" || o.cfg.Model != "large-v3" {
		t.Fatalf("%+v", o)
	}
	for _, l := range []string{"", "en", "de-DE", "ja", "ar", "th", "xx"} {
		if n := Note(l); n == "" || FailedNote(l) == "" || n == FailedNote(l) {
			t.Errorf("%q: no note", l)
		}
	}
	if !strings.Contains(Note("de"), "Sprachnachricht") || !strings.Contains(Note("fr-CA"), "vocal") {
		t.Error("notes not localised")
	}
}

func TestLanguageTag(t *testing.T) {
	for in, want := range map[string]string{"english": "en", "Japanese": "ja", "en": "en", "pt-BR": "pt", "jw": "jv",
		"haitian creole": "ht", "cantonese": "yue", "": "", "klingon": "", "12": ""} {
		if got := LanguageTag(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"text":"hi","language":"english","duration":1.5,"segments":[{"start":0,"end":1.5,"text":"hi"}]}`,
		`{"text":"x","duration":"2.5"}`, `{"error":{"message":"m","code":"insufficient_quota"}}`, `{"error":{"code":1}}`, `{`} {
		for _, st := range []int{200, 400, 413, 429, 500} {
			f.Add(st, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		tr, err := parse(status, http.Header{"Retry-After": {"3"}}, body)
		if err == nil && (tr.Text == "" || tr.Duration < 0) {
			t.Fatalf("success without text: %+v", tr)
		}
	})
}
