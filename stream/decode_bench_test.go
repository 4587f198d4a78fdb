package stream

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/models"
)

func BenchmarkDecodeEvent(b *testing.B) {
	score := 0.5
	e := models.Event{ID: "evt-0001-abcdef", Type: models.MessageReceived, Tenant: "default", Region: "eu", Version: 1,
		OccurredAt: time.Now().UTC(), ReceivedAt: time.Now().UTC(), Channel: "whatsapp", Direction: models.Inbound,
		ConversationID: "conv-123456789", CustomerID: "cus_0123456789abcdef01234567", Language: "de", Sentiment: &score,
		Customer: &models.Customer{Country: "DE", ExternalID: "mx1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", Tier: "vip"},
		Text:     "mx1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkrL0FCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFla",
		Product:  "AirWash 3", Queue: "orders"}
	raw, _ := json.Marshal(e)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := DecodeEvent(raw); err != nil {
			b.Fatal(err)
		}
	}
}
