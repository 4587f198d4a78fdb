// Package transcription turns voice messages into text through a [Transcriber], so
// that a transcript and its detected language can flow on like a text message, marked
// as a transcript.
//
// The one adapter, [OpenAI], speaks the OpenAI-compatible audio API,
// POST {base}/v1/audio/transcriptions (multipart/form-data), which OpenAI and Whisper
// servers such as whisper.cpp's server and faster-whisper servers implement. It asks
// for response_format verbose_json to learn the language and duration.
//
// [FromConfig] builds it from [Settings], which the core fills from the environment:
//
//	MERIDIAN_STT_BASE_URL  the server's base URL (with or without "/v1"); empty means
//	                       no transcription
//	MERIDIAN_STT_API_KEY   the Bearer key (optional for a local server)
//	MERIDIAN_STT_MODEL     the model, "whisper-1" unless set
//
// With no transcriber configured FromConfig returns nil, and a voice note must reach
// the agent as audio with a clear note ([Note]), never as an empty message; the same
// goes for a transcription that fails or hears no speech ([FailedNote]).
//
// Failures are a [*ProviderError] wrapping one of [ErrTooLarge] (over the API's 25 MB,
// refused before sending), [ErrQuota], [ErrRateLimited], [ErrUnsupported] (audio
// format or language), [ErrAuth], [ErrTimeout], [ErrNoSpeech], [ErrBadResponse] or
// [ErrProvider]; [Retryable] says whether to try later. Adapters never retry.
package transcription

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/provider"
)

// Transcriber transcribes one audio attachment.
type Transcriber interface {
	Transcribe(ctx context.Context, a Audio) (Transcript, error)
}

// Audio is a voice message or audio attachment.
type Audio struct {
	// Data is the encoded audio (ogg/opus, mp3, m4a, wav, webm, flac, ...).
	Data io.Reader
	// Filename, when empty, is derived from MIMEType; servers use its extension to
	// tell the format.
	Filename string
	// MIMEType as the channel gave it ("audio/ogg; codecs=opus").
	MIMEType string
	// LanguageHint is the customer's known language (BCP-47), "" to let the model
	// detect it; a hint improves accuracy and speed.
	LanguageHint string
}

// Segment is a timed stretch of the transcript.
type Segment struct {
	Start, End time.Duration
	Text       string
}

// Transcript is what was heard.
type Transcript struct {
	Text string
	// Language is the spoken language as a BCP-47 tag ("" if unknown).
	Language string
	// Duration of the audio, 0 if the server does not say.
	Duration time.Duration
	Segments []Segment
	// Provider names who transcribed.
	Provider string
}

// The kinds of failure; a *ProviderError wraps one of them. Those every outside service
// shares are the provider package's.
var (
	ErrQuota       = provider.ErrQuota
	ErrRateLimited = provider.ErrRateLimited
	ErrAuth        = provider.ErrAuth
	ErrTimeout     = provider.ErrTimeout
	ErrBadResponse = provider.ErrBadResponse
	ErrProvider    = provider.ErrProvider
	ErrTooLarge    = errors.New("audio too large")
	ErrUnsupported = errors.New("unsupported audio format or language")
	ErrNoSpeech    = errors.New("no speech recognised")
)

// ProviderError is a transcription failure as the provider reported it (Service
// "transcription").
type ProviderError = provider.Error

// Retryable says whether err is worth retrying later, and after how long the provider
// asked to wait (0: unspecified).
func Retryable(err error) (bool, time.Duration) { return provider.Retryable(err) }

var notes = map[string][2]string{
	// language: {not configured, failed}
	"en": {"Voice message — no transcription is configured; listen to the audio.", "Voice message — it could not be transcribed; listen to the audio."},
	"de": {"Sprachnachricht – keine Transkription eingerichtet; bitte die Aufnahme anhören.", "Sprachnachricht – konnte nicht transkribiert werden; bitte die Aufnahme anhören."},
	"fr": {"Message vocal — aucune transcription n’est configurée ; écoutez l’enregistrement.", "Message vocal — la transcription a échoué ; écoutez l’enregistrement."},
	"es": {"Mensaje de voz: no hay transcripción configurada; escuche el audio.", "Mensaje de voz: no se pudo transcribir; escuche el audio."},
	"it": {"Messaggio vocale — nessuna trascrizione configurata; ascolta l’audio.", "Messaggio vocale — impossibile trascriverlo; ascolta l’audio."},
	"pt": {"Mensagem de voz — nenhuma transcrição configurada; ouça o áudio.", "Mensagem de voz — não foi possível transcrever; ouça o áudio."},
	"nl": {"Spraakbericht — geen transcriptie ingesteld; beluister de opname.", "Spraakbericht — kon niet worden getranscribeerd; beluister de opname."},
	"ja": {"音声メッセージ — 文字起こしが設定されていません。音声をお聞きください。", "音声メッセージ — 文字起こしできませんでした。音声をお聞きください。"},
	"zh": {"语音消息 — 未配置语音转写，请收听音频。", "语音消息 — 无法转写，请收听音频。"},
	"ko": {"음성 메시지 — 음성 변환이 설정되어 있지 않습니다. 오디오를 들어 주세요.", "음성 메시지 — 변환하지 못했습니다. 오디오를 들어 주세요."},
	"ar": {"رسالة صوتية — لم يتم إعداد التفريغ النصي؛ استمع إلى التسجيل.", "رسالة صوتية — تعذّر تفريغها نصيًا؛ استمع إلى التسجيل."},
	"th": {"ข้อความเสียง — ยังไม่ได้ตั้งค่าการถอดเสียง โปรดฟังไฟล์เสียง", "ข้อความเสียง — ถอดเสียงไม่สำเร็จ โปรดฟังไฟล์เสียง"},
}

// Note is the note shown to an agent (in the agent's language, English if it has
// none) beside a voice message when no transcriber is configured.
func Note(lang string) string { return note(lang, 0) }

// FailedNote is the note beside a voice message whose transcription failed or heard
// no speech.
func FailedNote(lang string) string { return note(lang, 1) }

func note(lang string, i int) string {
	if n, ok := notes[models.BaseLanguage(lang)]; ok {
		return n[i]
	}
	return notes["en"][i]
}
