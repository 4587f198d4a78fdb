package stream

import (
	"math"
	"reflect"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/models/eventjson"
)

// Sinks decoded with go-json before eventjson; what ingest writes as JSON must decode the same
// with either, so consumers of an upgraded sink see the same events.
func TestDecodeAgreesWithGoJSONOnWhatIngestWrites(t *testing.T) {
	score, tiny, huge := 4.0, 1e-9, -1e300
	at := time.Date(2026, 11, 20, 10, 0, 0, 123456789, time.FixedZone("", 7*3600))
	for _, s := range []string{"", "x", "สวัสดี 😀", "\"\\/\b\f\n\r\t\x00\x1f\x7f", "<a&b>", "\u2028\u2029", "\xff\xfe", "\ufffd"} {
		in := models.Event{ID: "a1" + s, Type: models.FeedbackCSAT, Version: 1, Tenant: "t", Region: "eu", OccurredAt: at,
			ReceivedAt: at.UTC(), SentAt: &at, ConversationID: "c1", CustomerID: s, Text: s, Score: &score,
			Confidence: &tiny, Sentiment: &huge, Customer: &models.Customer{Country: "DE", Name: s},
			Attributes: map[string]string{s: s, "k": s}, Attachments: []models.Attachment{{Kind: s, SizeBytes: math.MaxInt64}},
			Skills: []string{s, ""}}
		b, err := EncodeEventJSON(&in)
		if err != nil {
			t.Fatal(err)
		}
		var fast models.Event
		if n, ok := eventjson.DecodeObject(b, &fast); !ok || n != len(b) {
			t.Fatalf("eventjson does not take %q, EncodeEvent's own output", b)
		}
		// The decoding alone: the contract refuses control characters in ids, which this
		// test writes on purpose to exercise the codecs.
		var got models.Event
		if err := decode(b, &got); err != nil {
			t.Fatal(err)
		}
		var want models.Event
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q decodes to\n%+v\nwith eventjson, to\n%+v\nwith go-json", b, got, want)
		}
	}
}
