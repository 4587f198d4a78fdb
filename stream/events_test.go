package stream

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/models"
)

func TestEncodedEventsDecodeToTheSameEvent(t *testing.T) {
	score, conf := 4.0, 0.875
	at := time.Date(2026, 11, 20, 10, 0, 0, 123456000, time.UTC)
	in := models.Event{ID: "a1", Type: models.FeedbackCSAT, Version: 1, Tenant: "t", Region: "eu", OccurredAt: at,
		ReceivedAt: at.Add(time.Second), ConversationID: "c1", CustomerID: "cus_1", Score: &score, Confidence: &conf,
		Customer: &models.Customer{Country: "DE", Email: "mx1:abc"}, Attributes: map[string]string{"k": "v\"\n"},
		Attachments: []models.Attachment{{Kind: "image", SizeBytes: 42}}, Skills: []string{"de"}}
	for name, encode := range map[string]func(*models.Event) ([]byte, error){"protobuf": EncodeEvent, "json": EncodeEventJSON} {
		b, err := encode(&in)
		if err != nil {
			t.Fatal(err)
		}
		if (b[0] == '{') != (name == "json") {
			t.Fatalf("%s: the value starts with %q, which DecodeEvent reads as the other form", name, b[0])
		}
		out, err := DecodeEvent(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("%s: round trip changed the event:\n in %+v\nout %+v", name, in, out)
		}
	}
}

func goodProtobuf(t testing.TB, edit func(*models.Event)) []byte {
	e := models.Event{ID: "a1", Type: models.MessageReceived, Tenant: "t", Region: "eu", OccurredAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		Channel: "whatsapp", ConversationID: "c1", Customer: &models.Customer{Country: "DE"}, Text: "x"}
	edit(&e)
	b, err := EncodeEvent(&e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeEventRejectsWhatIngestNeverWrites(t *testing.T) {
	good := `{"id":"a1","type":"message.received","tenant":"t","region":"eu","occurred_at":"2026-11-20T10:00:00Z","channel":"whatsapp","conversation_id":"c1","customer":{"country":"DE"},"text":"x"}`
	if _, err := DecodeEvent([]byte(good)); err != nil {
		t.Fatalf("a valid event was rejected: %v", err)
	}
	for name, body := range map[string]string{
		"no region":      strings.Replace(good, `"region":"eu",`, "", 1),
		"invalid":        strings.Replace(good, `"channel":"whatsapp",`, "", 1),
		"not JSON":       good[:20],
		"wrong type":     strings.Replace(good, `"a1"`, `7`, 1),
		"trailing comma": strings.Replace(good, `"x"}`, `"x",}`, 1),
		"trailing data":  good + `{}`,
	} {
		if _, err := DecodeEvent([]byte(body)); err == nil {
			t.Errorf("%s: accepted %s", name, body)
		}
	}
	if _, err := DecodeEvent(goodProtobuf(t, func(*models.Event) {})); err != nil {
		t.Fatalf("a valid protobuf event was rejected: %v", err)
	}
	for name, b := range map[string][]byte{
		"protobuf without region": goodProtobuf(t, func(e *models.Event) { e.Region = "" }),
		"protobuf invalid":        goodProtobuf(t, func(e *models.Event) { e.Channel = "" }),
		"protobuf truncated":      goodProtobuf(t, func(*models.Event) {})[:30],
		"protobuf invalid UTF-8":  goodProtobuf(t, func(e *models.Event) { e.Text = "\xff" }),
		"empty":                   {},
	} {
		if _, err := DecodeEvent(b); err == nil {
			t.Errorf("%s: accepted %x", name, b)
		}
	}
}

// A field a newer ingest writes is ignored, not a reason to dead-letter the event.
func TestDecodeEventIgnoresFieldsOfNewerVersions(t *testing.T) {
	body := `{"id":"a1","type":"message.received","tenant":"t","region":"eu","occurred_at":"2026-11-20T10:00:00Z","channel":"whatsapp","conversation_id":"c1","customer":{"country":"DE","loyalty":{"level":3}},"text":"x","future_field":[1,2]}`
	e, err := DecodeEvent([]byte(body))
	if err != nil {
		t.Fatalf("rejected an event with extra fields: %v", err)
	}
	if e.ID != "a1" || e.Text != "x" || e.Customer == nil || e.Customer.Country != "DE" {
		t.Fatalf("decoded %+v", e)
	}
}

// FuzzDecodeEventNeverPanics: whatever a topic holds, DecodeEvent returns an event or an
// error (poison), never a panic that would stop the sink.
func FuzzDecodeEventNeverPanics(f *testing.F) {
	good := `{"id":"a1","type":"message.received","tenant":"t","region":"eu","occurred_at":"2026-11-20T10:00:00Z","channel":"whatsapp","conversation_id":"c1","customer":{"country":"DE"},"text":"x"}`
	f.Add([]byte(good))
	f.Add([]byte(`{"` + strings.Repeat("\xdb", 600) + `":1}`))
	f.Add(goodProtobuf(f, func(*models.Event) {}))
	f.Add(goodProtobuf(f, func(e *models.Event) {
		e.Attachments = []models.Attachment{{Kind: "image"}}
		e.Attributes = map[string]string{"k": "v"}
	}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, err := DecodeEvent(b); err == nil {
			if err := e.Validate(); err != nil {
				t.Fatalf("accepted an invalid event: %v", err)
			}
		}
	})
}
