package channels

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/transcription"
)

// DefaultVoiceTimeout bounds fetching and transcribing one delivery's voice notes unless
// Pipeline.VoiceTimeout says otherwise: the platform waits for the webhook's answer
// meanwhile, and most give up (and deliver again) after 10 to 20 seconds.
const DefaultVoiceTimeout = 8 * time.Second

// answerWithin are platforms that wait less than DefaultVoiceTimeout for a webhook's answer:
// WeChat delivers again after 5 seconds.
var answerWithin = map[string]time.Duration{"wechat": 4 * time.Second}

// Attribute values of voice notes.
const (
	VoiceUntranscribed = "untranscribed"        // no transcriber configured
	VoiceFailed        = "transcription_failed" // download or transcription failed or timed out
)

var voiceNotes = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_voice_notes_total",
	Help: "Inbound voice notes by channel and outcome (transcribed, untranscribed, transcription_failed).",
}, []string{"channel", "outcome"})

// voice gives every voice note of a delivery (an audio attachment and no text) a text: its
// transcript, or the note that says why there is none. Notes are handled at the same time,
// all within one deadline, so the webhook is still answered in time.
//
// A redelivery is transcribed again. When its text differs from the first delivery's (the
// first timed out, the second did not), and the first had reached Kafka, the redelivery is
// the conflicting body the event id claims dead-letter: the first version stays.
func (p *Pipeline) voice(ctx context.Context, channel string, d *Delivery) {
	var todo []int
	for i := range d.Messages {
		if _, ok := voiceAttachment(&d.Messages[i]); ok {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return
	}
	timeout := cmp.Or(p.VoiceTimeout, DefaultVoiceTimeout)
	if limit, ok := answerWithin[channel]; ok && limit < timeout {
		timeout = limit
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, i := range todo {
		wg.Go(func() { p.voiceNote(ctx, channel, d.Media, &d.Messages[i]) })
	}
	wg.Wait()
}

// voiceAttachment is a message's first audio attachment when the message says nothing in
// text (a voice note with a caption is read by its caption). WeChat's own recognition, when
// the account turned it on, stands for a transcript.
func voiceAttachment(m *Message) (models.Attachment, bool) {
	if strings.TrimSpace(m.Text) != "" || m.Unknown != "" || !isMessage(m.Kind) || m.Attributes["recognition"] != "" {
		return models.Attachment{}, false
	}
	for _, a := range m.Attachments {
		if a.Kind == "audio" || a.Kind == "voice" || strings.HasPrefix(strings.ToLower(a.MIMEType), "audio/") {
			return a, true
		}
	}
	return models.Attachment{}, false
}

func (p *Pipeline) voiceNote(ctx context.Context, channel string, media MediaFetcher, m *Message) {
	a, _ := voiceAttachment(m)
	if m.Attributes == nil {
		m.Attributes = map[string]string{}
	}
	lang := p.noteLanguage(channel, m)
	if p.Transcriber == nil {
		m.Text = transcription.Note(lang)
		m.Attributes["voice_note"] = VoiceUntranscribed
		voiceNotes.WithLabelValues(channel, VoiceUntranscribed).Inc()
		return
	}
	t, err := p.transcribe(ctx, channel, media, a)
	if err != nil {
		m.Text = transcription.FailedNote(lang)
		m.Attributes["voice_note"] = VoiceFailed
		voiceNotes.WithLabelValues(channel, VoiceFailed).Inc()
		// The reason only: never the audio, the transcript nor who sent it.
		level := slog.LevelWarn
		if errors.Is(err, errNoFetcher) {
			level = slog.LevelInfo // the platform's package cannot download: not a failure
		}
		p.logger().Log(ctx, level, "voice note not transcribed", "channel", channel, "message", m.ID, "err", err)
		return
	}
	m.Text = t.Text
	if len(m.Text) > maxTranscript {
		// Hours of audio fit in 25 MiB; the event's text limit must still hold the message.
		m.Text = strings.ToValidUTF8(m.Text[:maxTranscript], "") + "…"
		m.Attributes["transcript_truncated"] = "true"
	}
	m.Attributes["transcript"] = "true"
	if t.Language != "" {
		m.Attributes["transcript_language"] = t.Language
	}
	voiceNotes.WithLabelValues(channel, "transcribed").Inc()
}

// maxTranscript is the longest transcript kept, in bytes: half the event's text limit,
// leaving room for what the intake appends.
const maxTranscript = models.MaxTextLen / 2

// errNoFetcher: the platform cannot download its attachments.
var errNoFetcher = errors.New("the channel cannot download its attachments")

func (p *Pipeline) transcribe(ctx context.Context, channel string, media MediaFetcher, a models.Attachment) (transcription.Transcript, error) {
	if media == nil {
		return transcription.Transcript{}, errNoFetcher
	}
	if a.SizeBytes > MaxMediaBytes {
		return transcription.Transcript{}, TooLarge(channel, a.SizeBytes)
	}
	data, mimeType, err := media.FetchMedia(ctx, a)
	if err != nil {
		return transcription.Transcript{}, err
	}
	// No language hint: a customer's app language or country is often not the language
	// they speak, and a wrong hint makes Whisper transcribe into the wrong language.
	return p.Transcriber.Transcribe(ctx, transcription.Audio{Data: bytes.NewReader(data), MIMEType: cmp.Or(mimeType, a.MIMEType)})
}

// noteLanguage is the language the channel knows for the customer: the locale their app
// states, else the main language of their phone number's or the account's country.
func (p *Pipeline) noteLanguage(channel string, m *Message) string {
	if m.From.Locale != "" {
		return m.From.Locale
	}
	country, ok := "", false
	if _, c, found := identity.Phone(m.From.Phone, ""); found {
		country, ok = c, true
	}
	if !ok {
		country, ok = p.Markets.Country(channel, m.Account)
	}
	if !ok {
		country = p.DefaultCountry
	}
	return countryLanguages[country]
}

// countryLanguages are the main languages of the countries whose language has a note.
var countryLanguages = map[string]string{
	"US": "en", "GB": "en", "IE": "en", "AU": "en", "NZ": "en", "CA": "en", "IN": "en", "SG": "en", "PH": "en",
	"DE": "de", "AT": "de", "CH": "de", "FR": "fr", "BE": "fr", "LU": "fr",
	"ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es", "VE": "es", "EC": "es", "GT": "es", "UY": "es", "BO": "es", "PY": "es", "CR": "es", "DO": "es",
	"IT": "it", "PT": "pt", "BR": "pt", "AO": "pt", "MZ": "pt", "NL": "nl",
	"JP": "ja", "CN": "zh", "TW": "zh", "HK": "zh", "MO": "zh", "KR": "ko", "TH": "th",
	"SA": "ar", "AE": "ar", "EG": "ar", "QA": "ar", "KW": "ar", "BH": "ar", "OM": "ar", "JO": "ar", "MA": "ar", "DZ": "ar", "TN": "ar", "IQ": "ar", "LB": "ar",
}

func (p *Pipeline) logger() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}
