package stream

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// Handler stores a batch of messages. It returns the messages that can never be stored
// (poison) with the reason; those go to the dead-letter topic. An error means the batch was
// not stored and will be offered again, whole.
//
// Handle may see a message again after a crash between storing and committing, so storing
// must be idempotent (the event id is the key).
type Handler interface {
	Handle(ctx context.Context, msgs []kafka.Message) (rejected []Rejected, err error)
}

// Rejected is a poison message and why.
type Rejected struct {
	Msg    kafka.Message
	Reason string
}

// SinkConfig configures a sink. Zero values take the documented defaults.
type SinkConfig struct {
	Name            string // for logs and metrics, e.g. "clickhouse"
	Brokers         []string
	Auth            Auth // how the reader and the dead-letter writer authenticate
	Topic           string
	Group           string
	DeadLetterTopic string
	MaxRows         int           // rows per batch; default 20,000
	MaxBytes        int           // bytes per batch; default 16 MiB
	MaxWait         time.Duration // longest a message waits for its batch to fill; default 250 ms
	// StallAfter is how long a batch may keep failing before Health reports the sink as not
	// making progress; default 15 s (a store restarting is not a stall).
	StallAfter time.Duration
	Logger     *slog.Logger
}

// Sink is a consumer-group member that batches messages by size and time, hands each batch to
// a Handler, and commits the offsets only after the handler stored it. While the handler is
// slow or failing the sink stops fetching once its next batch is collected: memory stays
// bounded by three batches (stored, waiting, being collected) plus the reader's prefetch queue.
type Sink struct {
	cfg SinkConfig
	r   *kafka.Reader
	dlq *kafka.Writer
	h   Handler
	log *slog.Logger

	mu           sync.Mutex
	failingSince time.Time // zero while batches are stored
	lastErr      string
}

// NewSink creates a sink; Run starts it.
func NewSink(cfg SinkConfig, h Handler) *Sink {
	if cfg.MaxRows == 0 {
		cfg.MaxRows = 20000
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 16 << 20
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 250 * time.Millisecond
	}
	if cfg.StallAfter == 0 {
		cfg.StallAfter = 15 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// A fetch waits for 64 KiB or 50 ms, whichever comes first. With MinBytes 1 every
	// produce request woke every consumer of the topic for a fetch of a few messages: on the
	// embedded broker those fetches run in the same event loop as the produce requests that
	// acknowledgements wait for.
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        cfg.Brokers,
		Dialer:         cfg.Auth.Dialer(10 * time.Second),
		GroupID:        cfg.Group,
		Topic:          cfg.Topic,
		MinBytes:       64 << 10,
		MaxBytes:       8 << 20,
		MaxWait:        50 * time.Millisecond,
		QueueCapacity:  4096,
		CommitInterval: 0, // commits are synchronous: a commit returns once the broker has it
		StartOffset:    kafka.FirstOffset,
		// Short heartbeats so a restarted process gets its partitions back quickly.
		HeartbeatInterval: time.Second,
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  10 * time.Second,
		MaxAttempts:       10,
	})
	s := &Sink{cfg: cfg, r: r, h: h, log: cfg.Logger.With("sink", cfg.Name, "topic", cfg.Topic)}
	if cfg.DeadLetterTopic != "" {
		s.dlq = &kafka.Writer{
			Addr:         kafka.TCP(cfg.Brokers...),
			Transport:    cfg.Auth.Transport(),
			Topic:        cfg.DeadLetterTopic,
			RequiredAcks: kafka.RequireAll,
			Balancer:     &kafka.Hash{},
			BatchTimeout: time.Millisecond,
		}
	}
	return s
}

// Run consumes until ctx is done. On shutdown it stores and commits the batches in hand before
// returning, so a graceful stop leaves nothing for the next start to replay.
//
// The next batch is collected (and prepared, see Preparer) while the current one is stored,
// so a busy region's sink is never idle waiting for its batch to fill. At most one collected
// batch waits. Batches are stored and committed in the order they were fetched.
func (s *Sink) Run(ctx context.Context) error {
	defer s.close()
	ready := make(chan collected, 1)
	abort := make(chan struct{}) // the storing side stopped early: the collector must too
	var collectErr error         // set before ready is closed
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prep, _ := s.h.(Preparer)
	go func() {
		defer close(ready)
		for {
			batch, err := s.collect(cctx)
			if len(batch) > 0 {
				c := collected{msgs: batch}
				if prep != nil {
					// A failed preparation is redone by Handle when the batch's turn comes.
					c.prepared, _ = prep.Prepare(cctx, batch)
				}
				select {
				case ready <- c:
				case <-abort:
					return
				}
			}
			if err != nil {
				collectErr = err
				return
			}
		}
	}()
	stop := func() {
		close(abort)
		cancel()
		for range ready { // drop what was collected: none of it is committed
		}
	}
	for c := range ready {
		// The batch in hand is finished even when ctx ends; its own deadline bounds that.
		stored, err := s.flush(context.WithoutCancel(ctx), ctx, c)
		if err != nil || !stored {
			// A later batch must not be committed past one that was not stored.
			stop()
			return err
		}
	}
	if collectErr != nil && ctx.Err() == nil {
		return fmt.Errorf("sink %s: %w", s.cfg.Name, collectErr)
	}
	return nil
}

// Preparer is a Handler that can do part of a batch's work before the batches ahead of it are
// stored: the sink prepares each batch as soon as it is collected, while the one ahead is
// being stored, and stores it with HandlePrepared. Preparing must be safe to repeat and must
// not need the earlier batches stored (decoding, claiming ids); when it fails, the sink calls
// Handle instead, which prepares again.
type Preparer interface {
	Prepare(ctx context.Context, msgs []kafka.Message) (prepared any, err error)
	HandlePrepared(ctx context.Context, msgs []kafka.Message, prepared any) ([]Rejected, error)
}

// collected is a batch and, when the handler prepares batches, what it prepared (nil if that
// failed).
type collected struct {
	msgs     []kafka.Message
	prepared any
}

// collect fetches until the batch is full, MaxWait passed since its first message, or ctx ends.
func (s *Sink) collect(ctx context.Context) ([]kafka.Message, error) {
	m, err := s.r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	batch := []kafka.Message{m}
	size := len(m.Value) + len(m.Key)
	fctx, cancel := context.WithTimeout(ctx, s.cfg.MaxWait)
	defer cancel()
	for len(batch) < s.cfg.MaxRows && size < s.cfg.MaxBytes {
		m, err := s.r.FetchMessage(fctx)
		if err != nil {
			if ctx.Err() == nil && fctx.Err() != nil {
				return batch, nil // the batch's time is up
			}
			return batch, err
		}
		batch = append(batch, m)
		size += len(m.Value) + len(m.Key)
	}
	return batch, nil
}

// flush stores a batch, retrying with backoff until it is stored or stop ends, then commits.
// It reports whether the batch was stored.
func (s *Sink) flush(ctx, stop context.Context, c collected) (bool, error) {
	start := time.Now()
	batch := c.msgs
	backoff := 100 * time.Millisecond
	var rejected []Rejected
	for attempt := 1; ; attempt++ {
		hctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		var err error
		if p, ok := s.h.(Preparer); ok && c.prepared != nil && attempt == 1 {
			rejected, err = p.HandlePrepared(hctx, batch, c.prepared)
		} else {
			rejected, err = s.h.Handle(hctx, batch)
		}
		cancel()
		if err == nil {
			s.setFailing(nil)
			break
		}
		s.setFailing(err)
		sinkRetries.WithLabelValues(s.cfg.Name, s.cfg.Topic).Inc()
		s.log.Warn("store failed; retrying the batch", "rows", len(batch), "attempt", attempt, "err", err)
		select {
		case <-stop.Done():
			// Not committed: the next start replays this batch.
			return false, nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
	if len(rejected) > 0 {
		if err := s.deadLetter(ctx, rejected); err != nil {
			return false, err
		}
	}
	if err := s.r.CommitMessages(ctx, batch...); err != nil {
		// The batch is stored; a replay after this failure is absorbed by idempotent storage.
		s.log.Warn("commit failed", "rows", len(batch), "err", err)
	}
	sinkBatchRows.WithLabelValues(s.cfg.Name, s.cfg.Topic).Observe(float64(len(batch)))
	sinkBatchSeconds.WithLabelValues(s.cfg.Name, s.cfg.Topic).Observe(time.Since(start).Seconds())
	return true, nil
}

func (s *Sink) setFailing(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.failingSince, s.lastErr = time.Time{}, ""
		sinkFailing.WithLabelValues(s.cfg.Name, s.cfg.Topic).Set(0)
		return
	}
	if s.failingSince.IsZero() {
		s.failingSince = time.Now()
	}
	s.lastErr = RedactPaths(err.Error())
	sinkFailing.WithLabelValues(s.cfg.Name, s.cfg.Topic).Set(1)
}

// Health is nil while the sink makes progress, and says why not when its current batch has
// failed for longer than StallAfter: everything acknowledged since waits in Kafka, safe but
// not queryable. The reason carries no file system paths (socket locations and the like).
func (s *Sink) Health() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failingSince.IsZero() {
		return nil
	}
	if d := time.Since(s.failingSince); d >= s.cfg.StallAfter {
		return fmt.Errorf("%s: no batch stored for %s: %s", s.cfg.Topic, d.Round(time.Second), s.lastErr)
	}
	return nil
}

// paths matches absolute file system paths in error messages (at the start, or after a space,
// a quote, a bracket or "=").
var paths = regexp.MustCompile("(^|[\\s'\"(\\[=`])/[^\\s:;,'\"()\\[\\]{}<>`]+")

// RedactPaths replaces absolute file system paths in a message with "<path>": errors that
// reach health checks and API answers must not show where sockets and files live.
func RedactPaths(msg string) string { return paths.ReplaceAllString(msg, "${1}<path>") }

func (s *Sink) deadLetter(ctx context.Context, rejected []Rejected) error {
	if s.dlq == nil {
		for _, r := range rejected {
			s.log.Error("dropping poison message (no dead-letter topic)", "partition", r.Msg.Partition, "offset", r.Msg.Offset, "reason", r.Reason)
		}
		return nil
	}
	msgs := make([]kafka.Message, len(rejected))
	for i, r := range rejected {
		msgs[i] = kafka.Message{
			Key:   r.Msg.Key,
			Value: r.Msg.Value,
			Headers: append(r.Msg.Headers,
				kafka.Header{Key: "dlq.reason", Value: []byte(r.Reason)},
				kafka.Header{Key: "dlq.source", Value: fmt.Appendf(nil, "%s/%d/%d", r.Msg.Topic, r.Msg.Partition, r.Msg.Offset)},
				kafka.Header{Key: "dlq.sink", Value: []byte(s.cfg.Name)},
			),
		}
		s.log.Warn("dead-lettering message", "partition", r.Msg.Partition, "offset", r.Msg.Offset, "reason", r.Reason)
	}
	if err := s.dlq.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("sink %s: dead-letter %d messages: %w", s.cfg.Name, len(msgs), err)
	}
	deadLetters.WithLabelValues(s.cfg.Name, s.cfg.Topic).Add(float64(len(msgs)))
	return nil
}

func (s *Sink) close() {
	if err := s.r.Close(); err != nil {
		s.log.Warn("closing reader", "err", err)
	}
	if s.dlq != nil {
		_ = s.dlq.Close()
	}
}
