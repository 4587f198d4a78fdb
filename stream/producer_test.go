package stream_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/stream"
)

// Concurrent callers share writes, which carry several topics at once; each caller must still
// get exactly its own messages into Kafka, once, in the order it published them, on the
// partition of its topic that its key hashes to.
func TestConcurrentPublishesLandOnceInOrderOnTheirKeysPartition(t *testing.T) {
	brokers(t, func(t *testing.T, addrs []string, auth stream.Auth, _ string) {
		ctx := context.Background()
		topics := []stream.TopicSpec{{Name: "meridian.test.producer", Partitions: 3}, {Name: "meridian.test.producer2", Partitions: 2}}
		if err := stream.EnsureTopics(ctx, addrs, auth, topics); err != nil {
			t.Fatal(err)
		}
		p := stream.NewProducer(addrs, auth)
		defer p.Close()

		const callers, calls, per = 40, 25, 4
		pad := strings.Repeat("x", 700) // the size of a sealed event
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for c := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range calls {
					var msgs []kafka.Message
					for i := range per {
						// A key stays on one topic, so its order can be checked.
						msgs = append(msgs, kafka.Message{Topic: topics[(c+i)%2].Name,
							Key:     fmt.Appendf(nil, "conv-%d-%d", c, i%2),
							Value:   fmt.Appendf(nil, "%d/%d/%d/%s", c, n, i, pad),
							Headers: []kafka.Header{{Key: "caller", Value: fmt.Appendf(nil, "%d", c)}}})
					}
					if err := p.Publish(ctx, msgs...); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}

		want := callers * calls * per
		hash := &kafka.Hash{}
		seen := map[string]bool{}
		last := map[string]string{} // key → last value read, to check order per key
		for _, topic := range topics {
			ids := make([]int, topic.Partitions)
			for i := range ids {
				ids[i] = i
			}
			for part := range topic.Partitions {
				conn, err := auth.Dialer(10*time.Second).DialLeader(ctx, "tcp", addrs[0], topic.Name, part)
				if err != nil {
					t.Fatal(err)
				}
				end, err := conn.ReadLastOffset()
				conn.Close()
				if err != nil {
					t.Fatal(err)
				}
				r := kafka.NewReader(kafka.ReaderConfig{Brokers: addrs, Dialer: auth.Dialer(10 * time.Second), Topic: topic.Name, Partition: part, MaxWait: 100 * time.Millisecond})
				rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				for off := int64(0); off < end; off++ {
					m, err := r.ReadMessage(rctx)
					if err != nil {
						t.Fatal(err)
					}
					v, rest, ok := strings.Cut(string(m.Value), "/"+pad)
					if !ok || rest != "" {
						t.Fatalf("message value corrupted: %q", m.Value)
					}
					if seen[v] {
						t.Fatalf("message %s stored twice", v)
					}
					seen[v] = true
					if got := hash.Balance(kafka.Message{Key: m.Key}, ids...); got != part {
						t.Fatalf("key %s on %s/%d, its hash says %d", m.Key, topic.Name, part, got)
					}
					var c, n, i int
					fmt.Sscanf(v, "%d/%d/%d", &c, &n, &i)
					if len(m.Headers) != 1 || string(m.Headers[0].Value) != fmt.Sprint(c) {
						t.Fatalf("message %s has headers %v", v, m.Headers)
					}
					if prev, ok := last[string(m.Key)]; ok && !before(prev, v) {
						t.Fatalf("key %s: %s read after %s", m.Key, v, prev)
					}
					last[string(m.Key)] = v
				}
				cancel()
				r.Close()
			}
		}
		if len(seen) != want {
			t.Fatalf("read %d distinct messages, published %d", len(seen), want)
		}
	})
}

// before reports whether caller/call/index a was published before b by the same caller.
func before(a, b string) bool {
	var ac, an, ai, bc, bn, bi int
	fmt.Sscanf(strings.TrimSpace(a), "%d/%d/%d", &ac, &an, &ai)
	fmt.Sscanf(strings.TrimSpace(b), "%d/%d/%d", &bc, &bn, &bi)
	return ac == bc && (an < bn || an == bn && ai < bi)
}

// A topic the cluster does not have fails the request: nothing is acknowledged.
func TestPublishToAMissingTopicFails(t *testing.T) {
	brokers(t, func(t *testing.T, addrs []string, auth stream.Auth, _ string) {
		p := stream.NewProducer(addrs, auth)
		defer p.Close()
		msgs := make([]kafka.Message, 500)
		for i := range msgs {
			msgs[i] = kafka.Message{Topic: "meridian.nowhere.events", Key: fmt.Appendf(nil, "c%d", i), Value: []byte("{}")}
		}
		err := p.Publish(context.Background(), msgs...)
		if !errors.Is(err, kafka.UnknownTopicOrPartition) {
			t.Fatalf("publish to a missing topic: %v, want UnknownTopicOrPartition", err)
		}
	})
}

// Every write is timed once, beside its message count: one Publish at a time is one write,
// so the round-trip histogram grows by exactly the calls made and its time is not empty.
func TestEveryProducerWriteIsTimed(t *testing.T) {
	brokers(t, func(t *testing.T, addrs []string, auth stream.Auth, _ string) {
		ctx := context.Background()
		topic := stream.TopicSpec{Name: "meridian.test.timed", Partitions: 2}
		if err := stream.EnsureTopics(ctx, addrs, auth, []stream.TopicSpec{topic}); err != nil {
			t.Fatal(err)
		}
		p := stream.NewProducer(addrs, auth)
		defer p.Close()
		writes0, secs0 := histogram(t, "meridian_produce_write_seconds")
		msgs0, _ := histogram(t, "meridian_produce_write_messages")
		const calls = 7
		for i := range calls {
			if err := p.Publish(ctx, kafka.Message{Topic: topic.Name, Key: fmt.Appendf(nil, "c%d", i), Value: []byte("v")}); err != nil {
				t.Fatal(err)
			}
		}
		writes, secs := histogram(t, "meridian_produce_write_seconds")
		msgs, _ := histogram(t, "meridian_produce_write_messages")
		if writes-writes0 != calls || msgs-msgs0 != calls {
			t.Errorf("after %d sequential publishes: %d writes timed, %d counted, want %d each", calls, writes-writes0, msgs-msgs0, calls)
		}
		if secs <= secs0 {
			t.Errorf("write time did not grow: %v → %v s", secs0, secs)
		}
	})
}

// histogram returns the sample count and sum of a histogram in the default registry.
func histogram(t *testing.T, name string) (uint64, float64) {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleCount(), h.GetSampleSum()
		}
	}
	t.Fatalf("no histogram %s", name)
	return 0, 0
}
