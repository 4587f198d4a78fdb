package eventjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/meridian-cs/meridian/models"
)

// benchEvent is a message as ingest writes it to Kafka, about 750 bytes: personal fields
// sealed ("mx1:" and base64 of nonce, ciphertext and tag), a text of about 100 characters.
func benchEvent() *models.Event {
	rng := rand.New(rand.NewPCG(1, 2))
	seal := func(plain string) string {
		b := make([]byte, 12+len(plain)+16)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return "mx1:" + base64.RawStdEncoding.EncodeToString(b)
	}
	confidence := 0.91
	at := time.Date(2026, 11, 20, 10, 4, 5, 123456789, time.UTC)
	return &models.Event{
		ID: "wamid.HBgLNDkxNTExMjM0NTY3OBUCABIYFjNFQjA", Type: models.MessageReceived, Version: 1,
		Tenant: "acme-retail", Region: "eu", OccurredAt: at, ReceivedAt: at.Add(183 * time.Millisecond),
		Channel: "whatsapp", Direction: models.Inbound, ConversationID: "conv_01JD3X9Q2W8R5T7Y6U4",
		Customer: &models.Customer{Country: "DE", ExternalID: seal("4915112345678"),
			Name: seal("Anna Schmidt"), Tier: "vip"},
		CustomerID: "cus_5f2c1e9a7b3d4c8e",
		Text:       seal("Hallo, meine Bestellung 48213 ist seit einer Woche unterwegs. Wann kommt sie an? Danke!"),
		Language:   "de", Confidence: &confidence, Queue: "orders",
	}
}

func BenchmarkAppend(b *testing.B) {
	e := benchEvent()
	raw, _ := Append(nil, e)
	b.Logf("event: %d bytes", len(raw))
	b.Run("eventjson", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Append(nil, e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-json", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := gojson.MarshalNoEscape(e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeObject(b *testing.B) {
	raw, _ := Append(nil, benchEvent())
	b.Run("eventjson", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			var e models.Event
			if _, ok := DecodeObject(raw, &e); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("go-json", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			var e models.Event
			if err := gojson.Unmarshal(raw, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			var e models.Event
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
