package transcription

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/provider"
)

// MaxBytes is the OpenAI audio API's upload limit, 25 MB.
const MaxBytes = 25 << 20

// DefaultModel is the model asked for unless configured.
const DefaultModel = "whisper-1"

// DefaultTimeout bounds one transcription unless configured: audio takes longer than
// text.
const DefaultTimeout = 60 * time.Second

// Config configures the OpenAI-compatible adapter.
type Config struct {
	// BaseURL of the server, with or without "/v1"; required (no silent default to a
	// paid service).
	BaseURL string
	// APIKey is sent as a Bearer token when set.
	APIKey string
	// Model, "whisper-1" when empty.
	Model string
	// HTTPClient, http.DefaultClient when nil.
	HTTPClient *http.Client
	// Timeout bounds one call, upload and answer included; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxBytes caps the audio; 0 means MaxBytes (the API's limit).
	MaxBytes int64
}

// Settings are what the core reads from MERIDIAN_STT_BASE_URL, MERIDIAN_STT_API_KEY
// and MERIDIAN_STT_MODEL.
type Settings struct {
	BaseURL, Key, Model string
}

// SettingsFromEnv reads the MERIDIAN_STT_* settings with getenv (os.Getenv).
func SettingsFromEnv(getenv func(string) string) Settings {
	return Settings{BaseURL: getenv("MERIDIAN_STT_BASE_URL"), Key: getenv("MERIDIAN_STT_API_KEY"), Model: getenv("MERIDIAN_STT_MODEL")}
}

// FromConfig returns the configured Transcriber, or nil (no transcription) when no
// base URL is set.
func FromConfig(s Settings) Transcriber {
	if strings.TrimSpace(s.BaseURL) == "" {
		return nil
	}
	return NewOpenAI(Config{BaseURL: strings.TrimSpace(s.BaseURL), APIKey: strings.TrimSpace(s.Key), Model: strings.TrimSpace(s.Model)})
}

// OpenAI transcribes through POST {base}/v1/audio/transcriptions.
type OpenAI struct{ cfg Config }

// NewOpenAI returns the adapter.
func NewOpenAI(c Config) *OpenAI { return &OpenAI{cfg: c} }

// Name is "openai-stt".
func (*OpenAI) Name() string { return "openai-stt" }

func (o *OpenAI) endpoint() string {
	b := strings.TrimSuffix(strings.TrimRight(strings.TrimSpace(o.cfg.BaseURL), "/"), "/v1")
	return b + "/v1/audio/transcriptions"
}

func (o *OpenAI) limit() int64 {
	if o.cfg.MaxBytes > 0 {
		return o.cfg.MaxBytes
	}
	return MaxBytes
}

// extensions the API recognises, by MIME type.
var extensions = map[string]string{
	"audio/ogg": "ogg", "audio/opus": "ogg", "application/ogg": "ogg",
	"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/mp4": "m4a", "audio/m4a": "m4a", "audio/x-m4a": "m4a", "audio/aac": "m4a",
	"audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/webm": "webm", "video/webm": "webm",
	"audio/flac": "flac", "audio/x-flac": "flac", "video/mp4": "mp4", "audio/amr": "amr",
}

func filename(a Audio) string {
	if a.Filename != "" {
		return a.Filename
	}
	mt, _, _ := mime.ParseMediaType(a.MIMEType)
	if ext, ok := extensions[strings.ToLower(mt)]; ok {
		return "voice." + ext
	}
	return "voice.ogg"
}

// Transcribe implements Transcriber.
func (o *OpenAI) Transcribe(ctx context.Context, a Audio) (Transcript, error) {
	if a.Data == nil {
		return Transcript{}, &ProviderError{Service: "transcription", Provider: o.Name(), Kind: ErrNoSpeech, Message: "no audio"}
	}
	data, err := io.ReadAll(io.LimitReader(a.Data, o.limit()+1))
	if err != nil {
		return Transcript{}, &ProviderError{Service: "transcription", Provider: o.Name(), Kind: ErrProvider, Message: "reading the audio: " + err.Error()}
	}
	if int64(len(data)) > o.limit() {
		return Transcript{}, &ProviderError{Service: "transcription", Provider: o.Name(), Kind: ErrTooLarge,
			Message: fmt.Sprintf("over the %d MB the transcription API accepts", o.limit()>>20)}
	}
	if len(data) == 0 {
		return Transcript{}, &ProviderError{Service: "transcription", Provider: o.Name(), Kind: ErrNoSpeech, Message: "empty audio"}
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename(a)))
	ct := a.MIMEType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	part, _ := mw.CreatePart(h)
	_, _ = part.Write(data)
	model := o.cfg.Model
	if model == "" {
		model = DefaultModel
	}
	_ = mw.WriteField("model", model)
	_ = mw.WriteField("response_format", "verbose_json")
	if l := models.BaseLanguage(a.LanguageHint); l != "" {
		_ = mw.WriteField("language", l) // ISO-639-1, as the API wants
	}
	_ = mw.Close()

	timeout := o.cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	x := provider.Exchange{Service: "transcription", Provider: o.Name(), Client: o.cfg.HTTPClient, Timeout: timeout, Limit: 16 << 20}
	ans, err := x.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.endpoint(), bytes.NewReader(body.Bytes()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if o.cfg.APIKey != "" {
			req.Header.Set("Authorization", "Bearer "+o.cfg.APIKey)
		}
		return req, nil
	})
	if err != nil {
		return Transcript{}, err
	}
	t, err := parse(ans.Status, ans.Header, ans.Body)
	if err != nil {
		return Transcript{}, err
	}
	if t.Language == "" {
		t.Language = models.BaseLanguage(a.LanguageHint)
	}
	return t, nil
}

type verboseJSON struct {
	Text     *string         `json:"text"`
	Language string          `json:"language"`
	Duration json.RawMessage `json:"duration"` // a number, or a string on some servers
	Segments []struct {
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Text  string  `json:"text"`
	} `json:"segments"`
}

func seconds(s float64) time.Duration {
	if s < 0 || s > 1e6 || s != s {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// parse reads a transcription answer: verbose_json, or the plain {"text"} json that
// some servers answer regardless.
func parse(status int, h http.Header, body []byte) (Transcript, error) {
	if status != http.StatusOK {
		return Transcript{}, failure(status, h, body)
	}
	var v verboseJSON
	if err := json.Unmarshal(body, &v); err != nil || v.Text == nil {
		return Transcript{}, &ProviderError{Service: "transcription", Provider: "openai-stt", Status: status, Kind: ErrBadResponse, Message: "no text in the answer: " + snippet(body)}
	}
	t := Transcript{Text: strings.TrimSpace(*v.Text), Language: LanguageTag(v.Language), Provider: "openai-stt"}
	var d float64
	if json.Unmarshal(v.Duration, &d) != nil {
		var s string
		if json.Unmarshal(v.Duration, &s) == nil {
			d, _ = strconv.ParseFloat(s, 64)
		}
	}
	t.Duration = seconds(d)
	for _, s := range v.Segments {
		t.Segments = append(t.Segments, Segment{Start: seconds(s.Start), End: seconds(s.End), Text: strings.TrimSpace(s.Text)})
	}
	if t.Text == "" {
		return Transcript{}, &ProviderError{Service: "transcription", Provider: "openai-stt", Status: status, Kind: ErrNoSpeech, Message: "the transcript is empty"}
	}
	return t, nil
}

// failure maps an OpenAI-style error ({"error":{"message","type","code"}}): 400 with an
// invalid or unsupported file or language is ErrUnsupported; 401 ErrAuth; 413
// ErrTooLarge; 429 insufficient_quota ErrQuota, other 429s rate limits; 5xx
// retryable.
func failure(status int, h http.Header, body []byte) error {
	var e struct {
		Error struct {
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Code    json.RawMessage `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	pe := &ProviderError{Service: "transcription", Provider: "openai-stt", Status: status, Message: e.Error.Message, RetryAfter: provider.RetryAfter(h, time.Now()), Kind: ErrProvider}
	if pe.Message == "" {
		pe.Message = snippet(body)
	}
	var code string
	if json.Unmarshal(e.Error.Code, &code) != nil || code == "" {
		code = e.Error.Type
	}
	pe.Code = code
	msg := strings.ToLower(pe.Message)
	switch {
	case code == "insufficient_quota" || e.Error.Type == "insufficient_quota":
		pe.Kind = ErrQuota
	case status == http.StatusTooManyRequests:
		pe.Kind, pe.Retryable = ErrRateLimited, true
	case status == http.StatusUnauthorized || status == http.StatusForbidden || code == "invalid_api_key":
		pe.Kind = ErrAuth
	case status == http.StatusRequestEntityTooLarge:
		pe.Kind = ErrTooLarge
	case status == http.StatusBadRequest && (strings.Contains(msg, "file format") || strings.Contains(msg, "unsupported") ||
		strings.Contains(msg, "language") || strings.Contains(msg, "could not be decoded") || code == "invalid_file_format"):
		pe.Kind = ErrUnsupported
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		pe.Kind, pe.Retryable = ErrTimeout, true
	case status >= 500:
		pe.Retryable = true
	}
	return pe
}

func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.ToValidUTF8(string(b), "?")
}
