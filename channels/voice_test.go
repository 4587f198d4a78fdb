package channels_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/channels/whatsapp"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/transcription"
)

const (
	waAppSecret   = "app-secret"
	waToken       = "wa-token"
	spokenText    = "Olá, o meu pedido ainda não chegou"
	voiceMediaID  = "3003383421387256"
	goneMediaID   = "3003383421387999"
	phoneNumberID = "1029384756"
)

var oggVoice = append([]byte("OggS\x00\x02\x00\x00"), bytes.Repeat([]byte{0x4f, 0x70}, 4096)...)

// waMedia is the Cloud API's media retrieval (GET /v21.0/{media-id}, then the URL it names
// with the same bearer token). goneMediaID's download URL has expired: 404.
func waMedia(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var downloads atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+waToken {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":{"message":"Invalid OAuth access token","type":"OAuthException","code":190}}`)
			return
		}
		switch id, _ := strings.CutPrefix(r.URL.Path, "/v21.0/"); {
		case id == voiceMediaID || id == goneMediaID:
			fmt.Fprintf(w, `{"messaging_product":"whatsapp","url":"%s/dl/%s","mime_type":"audio/ogg; codecs=opus","sha256":"abc=","file_size":%d,"id":%q}`,
				srv.URL, id, len(oggVoice), id)
		case r.URL.Path == "/dl/"+voiceMediaID:
			downloads.Add(1)
			w.Header().Set("Content-Type", "audio/ogg")
			_, _ = w.Write(oggVoice)
		case strings.HasPrefix(r.URL.Path, "/dl/"):
			downloads.Add(1)
			w.WriteHeader(404)
		default:
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":{"message":"Unsupported get request.","type":"GraphMethodException","code":100,"error_subcode":33}}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &downloads
}

// stt is an OpenAI-compatible /v1/audio/transcriptions server: it answers verbose_json in
// the mode the test sets (ok, 500, or too slow).
type stt struct {
	srv   *httptest.Server
	mu    sync.Mutex
	mode  string
	calls int
	sizes []int
}

func newSTT(t *testing.T) *stt {
	s := &stt{mode: "ok"}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
			w.WriteHeader(404)
			return
		}
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":{"message":"Could not parse multipart form","type":"invalid_request_error"}}`)
			return
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			w.WriteHeader(400)
			return
		}
		data, _ := io.ReadAll(f)
		s.mu.Lock()
		s.calls++
		s.sizes = append(s.sizes, len(data))
		mode := s.mode
		s.mu.Unlock()
		switch mode {
		case "500":
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}`)
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "long":
			// Whisper on hours of audio: more text than an event holds.
			_ = json.NewEncoder(w).Encode(map[string]any{"language": "pt", "text": strings.Repeat("ã fala longa ", 6000)})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{
				"task": "transcribe", "language": "portuguese", "duration": 2.4, "text": " " + spokenText,
				"segments": []any{map[string]any{"id": 0, "start": 0.0, "end": 2.4, "text": " " + spokenText}},
			})
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *stt) set(mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = mode
}

func (s *stt) called() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// logBuffer is a goroutine-safe log destination.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func voiceDelivery(wamid, mediaID string, media channels.MediaFetcher, at time.Time) *channels.Delivery {
	return &channels.Delivery{Media: media, Messages: []channels.Message{{
		ID: wamid, Account: phoneNumberID, Timestamp: at, Kind: "audio",
		From:        channels.Sender{ID: "5511987654321", Phone: "+5511987654321", Name: "Ana Souza"},
		Attachments: []models.Attachment{{Kind: "audio", MIMEType: "audio/ogg; codecs=opus", URL: "whatsapp-media:" + mediaID}},
		Attributes:  map[string]string{"media_id": mediaID, "voice": "true"},
	}}}
}

func voiceWorld(t *testing.T) (*world, *whatsapp.Channel, *atomic.Int32, *stt, *logBuffer) {
	w := newWorld(t)
	media, downloads := waMedia(t)
	wa, err := whatsapp.New(whatsapp.Config{AppSecret: waAppSecret, AccessToken: waToken, APIBase: media.URL})
	if err != nil {
		t.Fatal(err)
	}
	s := newSTT(t)
	logs := &logBuffer{}
	w.pipe.Log = slog.New(slog.NewTextHandler(logs, nil))
	w.pipe.Transcriber = transcription.FromConfig(transcription.Settings{BaseURL: s.srv.URL, Key: "sk-local"})
	return w, wa, downloads, s, logs
}

func received(t *testing.T, w *world) models.Event {
	t.Helper()
	msgs := byType(w.ingest.take(), models.MessageReceived)
	if len(msgs) != 1 {
		t.Fatalf("want one message.received, got %d", len(msgs))
	}
	return msgs[0]
}

func TestAVoiceNoteArrivesAsItsTranscriptMarkedAsOne(t *testing.T) {
	w, wa, downloads, s, _ := voiceWorld(t)
	if err := w.pipe.Receive(context.Background(), "whatsapp", voiceDelivery("wamid.V1", voiceMediaID, wa, w.now)); err != nil {
		t.Fatal(err)
	}
	e := received(t, w)
	if e.Text != spokenText {
		t.Fatalf("text %q, want the transcript", e.Text)
	}
	if e.Attributes["transcript"] != "true" || e.Attributes["transcript_language"] != "pt" || e.Attributes["voice_note"] != "" {
		t.Fatalf("attributes %v", e.Attributes)
	}
	if len(e.Attachments) != 1 || e.Attachments[0].URL != "whatsapp-media:"+voiceMediaID {
		t.Fatalf("the audio stays attached: %+v", e.Attachments)
	}
	if downloads.Load() != 1 || s.called() != 1 || s.sizes[0] != len(oggVoice) {
		t.Fatalf("downloads %d, transcriptions %d %v", downloads.Load(), s.called(), s.sizes)
	}
}

func TestWithoutATranscriberAVoiceNoteCarriesTheNoteInTheCustomersLanguage(t *testing.T) {
	w, wa, downloads, _, _ := voiceWorld(t)
	w.pipe.Transcriber = nil
	if err := w.pipe.Receive(context.Background(), "whatsapp", voiceDelivery("wamid.V2", voiceMediaID, wa, w.now)); err != nil {
		t.Fatal(err)
	}
	e := received(t, w)
	if e.Text != transcription.Note("pt") || e.Attributes["voice_note"] != channels.VoiceUntranscribed || e.Attributes["transcript"] != "" {
		t.Fatalf("a Brazilian number's voice note: %q %v", e.Text, e.Attributes)
	}
	if len(e.Attachments) != 1 || downloads.Load() != 0 {
		t.Fatalf("attachments %+v, downloads %d (nothing to download it for)", e.Attachments, downloads.Load())
	}

	// The language the customer's app states comes first; a country without a note is English.
	d := voiceDelivery("wamid.V3", voiceMediaID, wa, w.now)
	d.Messages[0].From.Locale = "ja-JP"
	if err := w.pipe.Receive(context.Background(), "whatsapp", d); err != nil {
		t.Fatal(err)
	}
	if e := received(t, w); e.Text != transcription.Note("ja") {
		t.Fatalf("stated locale ja: %q", e.Text)
	}
	d = voiceDelivery("wamid.V4", voiceMediaID, wa, w.now)
	d.Messages[0].From = channels.Sender{ID: "u-77"}
	if err := w.pipe.Receive(context.Background(), "line", d); err != nil {
		t.Fatal(err)
	}
	if e := received(t, w); e.Text != transcription.Note("ja") {
		t.Fatalf("the LINE account's market is JP: %q", e.Text)
	}
}

func TestAFailedTranscriptionFlowsOnWithTheFailedNoteAndALoggedReason(t *testing.T) {
	w, wa, _, s, logs := voiceWorld(t)
	s.set("500")
	if err := w.pipe.Receive(context.Background(), "whatsapp", voiceDelivery("wamid.V5", voiceMediaID, wa, w.now)); err != nil {
		t.Fatal(err)
	}
	e := received(t, w)
	if e.Text != transcription.FailedNote("pt") || e.Attributes["voice_note"] != channels.VoiceFailed || len(e.Attachments) != 1 {
		t.Fatalf("%q %v %+v", e.Text, e.Attributes, e.Attachments)
	}
	l := logs.String()
	if !strings.Contains(l, "voice note not transcribed") || !strings.Contains(l, "HTTP 500") {
		t.Fatalf("the reason is logged: %s", l)
	}
	if strings.Contains(l, "5511987654321") || strings.Contains(l, "OggS") || strings.Contains(l, waToken) {
		t.Fatalf("the log holds personal data, audio or the token: %s", l)
	}
}

func TestATranscriptionThatTakesTooLongIsGivenUpInTime(t *testing.T) {
	w, wa, _, s, _ := voiceWorld(t)
	s.set("slow")
	w.pipe.VoiceTimeout = 300 * time.Millisecond
	start := time.Now()
	if err := w.pipe.Receive(context.Background(), "whatsapp", voiceDelivery("wamid.V6", voiceMediaID, wa, w.now)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("the webhook waited %s for a slow transcriber", took)
	}
	if e := received(t, w); e.Text != transcription.FailedNote("pt") || e.Attributes["voice_note"] != channels.VoiceFailed {
		t.Fatalf("%q %v", e.Text, e.Attributes)
	}
}

func TestExpiredMediaIsNotSentToTheTranscriber(t *testing.T) {
	w, wa, downloads, s, logs := voiceWorld(t)
	if err := w.pipe.Receive(context.Background(), "whatsapp", voiceDelivery("wamid.V7", goneMediaID, wa, w.now)); err != nil {
		t.Fatal(err)
	}
	e := received(t, w)
	if e.Text != transcription.FailedNote("pt") || e.Attributes["voice_note"] != channels.VoiceFailed {
		t.Fatalf("%q %v", e.Text, e.Attributes)
	}
	if downloads.Load() != 1 || s.called() != 0 {
		t.Fatalf("downloads %d, transcriptions %d", downloads.Load(), s.called())
	}
	if !strings.Contains(logs.String(), "media not found or expired") {
		t.Fatalf("log: %s", logs.String())
	}
}

func TestAVoiceNoteWithACaptionOrWithoutAPlatformDownloadIsLeftAlone(t *testing.T) {
	w, wa, downloads, s, _ := voiceWorld(t)
	d := voiceDelivery("wamid.V8", voiceMediaID, wa, w.now)
	d.Messages[0].Text = "ouve isto"
	if err := w.pipe.Receive(context.Background(), "whatsapp", d); err != nil {
		t.Fatal(err)
	}
	if e := received(t, w); e.Text != "ouve isto" || e.Attributes["voice_note"] != "" || downloads.Load() != 0 || s.called() != 0 {
		t.Fatalf("a captioned audio is read by its caption: %q %v", e.Text, e.Attributes)
	}
	// A delivery no platform can download (the e-mail or web chat intake) still never
	// arrives empty.
	if err := w.pipe.Receive(context.Background(), "whatsapp", voiceDelivery("wamid.V9", voiceMediaID, nil, w.now)); err != nil {
		t.Fatal(err)
	}
	if e := received(t, w); e.Text != transcription.FailedNote("pt") {
		t.Fatalf("%q", e.Text)
	}
}

// Through the mount: the platform that parsed a delivery is the one that downloads its media.
func TestTheMountHandsTheParsingPlatformToTheIntakeForDownloads(t *testing.T) {
	w, wa, downloads, _, _ := voiceWorld(t)
	srv := httptest.NewServer(channels.NewMount([]channels.Channel{{Name: "whatsapp", Webhook: wa, Outbound: wa}}, w.pipe, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	body := fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":%[1]q,"changes":[{"field":"messages","value":{
"messaging_product":"whatsapp","metadata":{"display_phone_number":%[1]q,"phone_number_id":%[1]q},
"contacts":[{"profile":{"name":"Ana Souza"},"wa_id":"5511987654321"}],
"messages":[{"from":"5511987654321","id":"wamid.V10","timestamp":"%[2]d","type":"audio",
"audio":{"mime_type":"audio/ogg; codecs=opus","sha256":"abc=","id":%[3]q,"voice":true}}]}}]}]}`, phoneNumberID, w.now.Unix(), voiceMediaID)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/whatsapp", bytes.NewReader(body))
	req.Header.Set(meta.SignatureHeader, meta.Sign(waAppSecret, body))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if e := received(t, w); e.Text != spokenText || e.Attributes["transcript"] != "true" || downloads.Load() != 1 {
		t.Fatalf("%q %v, downloads %d", e.Text, e.Attributes, downloads.Load())
	}
}

func TestATranscriptLongerThanAnEventHoldsIsCut(t *testing.T) {
	w, wa, _, s, _ := voiceWorld(t)
	s.set("long")
	if err := w.pipe.Receive(context.Background(), "whatsapp", voiceDelivery("wamid.V11", voiceMediaID, wa, w.now)); err != nil {
		t.Fatal(err)
	}
	e := received(t, w)
	if len(e.Text) > models.MaxTextLen || !utf8.ValidString(e.Text) || !strings.HasPrefix(e.Text, "ã fala longa") {
		t.Fatalf("text of %d bytes", len(e.Text))
	}
	if e.Attributes["transcript"] != "true" || e.Attributes["transcript_truncated"] != "true" {
		t.Fatalf("attributes %v", e.Attributes)
	}
}

// WeChat delivers again after 5 seconds: its voice notes get at most 4, whatever the setting.
func TestWeChatVoiceNotesAreGivenUpBeforeWeChatDeliversAgain(t *testing.T) {
	w, wa, _, s, _ := voiceWorld(t)
	s.set("slow")
	w.pipe.VoiceTimeout = time.Minute
	d := voiceDelivery("wx-msg-1", voiceMediaID, wa, w.now)
	d.Messages[0].Account, d.Messages[0].From = "gh_1234", channels.Sender{ID: "oia2TjjewbmiOUlr6X-1crbLOvLw"}
	start := time.Now()
	if err := w.pipe.Receive(context.Background(), "wechat", d); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 4900*time.Millisecond {
		t.Fatalf("WeChat's webhook waited %s", took)
	}
	if e := received(t, w); e.Attributes["voice_note"] != channels.VoiceFailed {
		t.Fatalf("%q %v", e.Text, e.Attributes)
	}
}
