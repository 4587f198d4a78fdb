package stream

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// Producer writes to Kafka and returns only once every broker in the in-sync set has the
// messages (acks=all): ingest acknowledges a request on that and nothing earlier.
type Producer struct {
	w *kafka.Writer
}

// NewProducer builds a producer. Messages are partitioned by key (the conversation id), so one
// conversation's events stay in order.
func NewProducer(brokers []string) *Producer {
	return &Producer{w: &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		// Concurrent requests share a batch; a short timeout keeps acknowledgement fast.
		BatchTimeout: 2 * time.Millisecond,
		BatchSize:    1000,
		BatchBytes:   16 << 20,
		MaxAttempts:  5,
		WriteTimeout: 10 * time.Second,
		ReadTimeout:  10 * time.Second,
	}}
}

// Publish writes msgs and returns when Kafka acknowledged all of them, or an error if any was
// not. Callers treat an error as "nothing acknowledged" and downstream deduplicates by id
// whatever part did land.
func (p *Producer) Publish(ctx context.Context, msgs ...kafka.Message) error {
	start := time.Now()
	if err := p.w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("stream: publish %d messages: %w", len(msgs), err)
	}
	produceSeconds.Observe(time.Since(start).Seconds())
	return nil
}

// Stats returns the writer's counters since the last call.
func (p *Producer) Stats() kafka.WriterStats { return p.w.Stats() }

// Close flushes pending writes.
func (p *Producer) Close() error { return p.w.Close() }
