package stream

import (
	"testing"
	"time"

	"github.com/meridian-cs/meridian/models"
)

func benchEvent() models.Event {
	score := 0.5
	return models.Event{ID: "evt-0001-abcdef", Type: models.MessageReceived, Tenant: "default", Region: "eu", Version: 1,
		OccurredAt: time.Now().UTC(), ReceivedAt: time.Now().UTC(), Channel: "whatsapp", Direction: models.Inbound,
		ConversationID: "conv-123456789", CustomerID: "cus_0123456789abcdef01234567", Language: "de", Sentiment: &score,
		Customer: &models.Customer{Country: "DE", ExternalID: "mx1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", Tier: "vip"},
		Text:     "mx1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkrL0FCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFla",
		Product:  "AirWash 3", Queue: "orders"}
}

// BenchmarkDecodeEvent decodes a message as ingest writes it (EncodeEvent's bytes), which
// eventjson handles.
func BenchmarkDecodeEvent(b *testing.B) {
	e := benchEvent()
	raw, err := EncodeEvent(&e)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDecode(b, raw)
}

// BenchmarkDecodeEventFallback decodes a message with a field of a newer version, which
// eventjson refuses and go-json decodes.
func BenchmarkDecodeEventFallback(b *testing.B) {
	e := benchEvent()
	raw, err := EncodeEvent(&e)
	if err != nil {
		b.Fatal(err)
	}
	raw = append(raw[:len(raw)-1], `,"future_field":[1,2]}`...)
	benchmarkDecode(b, raw)
}

func benchmarkDecode(b *testing.B, raw []byte) {
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeEvent(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeEvent(b *testing.B) {
	e := benchEvent()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeEvent(&e); err != nil {
			b.Fatal(err)
		}
	}
}
