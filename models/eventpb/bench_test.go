package eventpb

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

func BenchmarkDecode(b *testing.B) {
	e := benchEvent()
	raw, err := Append(nil, &e)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var out models.Event
	for b.Loop() {
		if err := Decode(raw, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	e := benchEvent()
	b.ReportAllocs()
	buf := make([]byte, 0, 1024)
	for b.Loop() {
		var err error
		if buf, err = Append(buf[:0], &e); err != nil {
			b.Fatal(err)
		}
	}
}
