package clickhouse

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// BenchmarkEventWriter measures inserting events into chDB through the sink's writer, from one
// row to 20,000 per INSERT (a full sink batch).
func BenchmarkEventWriter(b *testing.B) {
	ctx := context.Background()
	db := migratedChDB(b, "eu")
	w := &EventWriter{DB: db, Region: "eu"}
	// Small batches are what a sink inserts under light load (its MaxWait elapses first).
	for _, n := range []int{1, 50, 500, 2000, 20000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			events := make([]models.Event, n)
			t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
			for i := range events {
				events[i] = models.Event{ID: fmt.Sprintf("e%d", i), Type: models.MessageReceived, Tenant: "t", Region: "eu", Version: 1,
					OccurredAt: t0.Add(time.Duration(i) * time.Second), ReceivedAt: t0, Channel: "whatsapp", Direction: models.Inbound,
					ConversationID: fmt.Sprintf("c%d", i%3000), CustomerID: fmt.Sprintf("cus_%d", i%2000), Language: "de",
					Customer: &models.Customer{Country: "DE", Tier: "vip"}, Text: "Wo ist meine Bestellung? Ich warte seit drei Tagen auf das Paket."}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range events {
					events[j].ID = fmt.Sprintf("e%d-%d-%d", n, i, j)
				}
				if _, err := w.StoreEvents(ctx, events); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkNativeEvents measures building a full sink batch's Native block, chDB apart. The
// events are allocated one by one with other memory between them, as a batch decoded from
// Kafka is, so reading them costs what it costs in the server.
func BenchmarkNativeEvents(b *testing.B) {
	const n = 20000
	rows := make([]eventRow, n)
	gaps := make([][]byte, n)
	t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		e := &models.Event{ID: fmt.Sprintf("evt_%016x", i*7919), Type: models.MessageReceived, Tenant: "default", Region: "eu", Version: 1,
			OccurredAt: t0.Add(time.Duration(i) * time.Second), ReceivedAt: t0, Channel: "whatsapp", Direction: models.Inbound,
			ConversationID: fmt.Sprintf("conv_%012x", i%3000), CustomerID: fmt.Sprintf("cus_%020x", i%2000), Language: "de",
			Queue: fmt.Sprintf("billing-%d", i%7), Customer: &models.Customer{Country: "DE", Tier: "vip"},
			Attributes: map[string]string{"order": fmt.Sprintf("A-%d", i), "sku": "SKU-99"}}
		gaps[i] = make([]byte, 700)
		rows[i] = eventRow{e, fmt.Sprintf("Wo ist meine Bestellung %d? Ich warte seit drei Tagen auf das Paket.", i), ""}
	}
	b.ReportAllocs()
	for b.Loop() {
		nativeEvents(rows)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
