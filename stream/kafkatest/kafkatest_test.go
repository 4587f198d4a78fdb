package kafkatest_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/stream/kafkatest"
)

const (
	topic = "durability"
	group = "durability-readers"
)

// TestCommittedOffsetsAndDataSurviveRestarts checks the two promises the stream layer relies
// on: what the broker acknowledged with acks=all is never lost, and a consumer group resumes
// right after its committed offsets, across a graceful restart and a crash (SIGKILL).
func TestCommittedOffsetsAndDataSurviveRestarts(t *testing.T) {
	start := time.Now()
	step := func(what string) { t.Logf("%6.2fs %s", time.Since(start).Seconds(), what) }
	b := kafkatest.Start(t)
	step("broker started")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	client := &kafka.Client{Addr: kafka.TCP(b.Addr()), Timeout: 10 * time.Second}
	res, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: topic, NumPartitions: 3, ReplicationFactor: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Errors[topic]; err != nil {
		t.Fatal(err)
	}

	produce(ctx, t, b.Addr(), 0, 300)
	step("produced 300")

	// Consume half, committing each message synchronously, then leave the group.
	first := consume(ctx, t, b.Addr(), 150)
	committed := map[int]int64{} // partition -> next offset to read
	for _, m := range first {
		if m.Offset+1 > committed[m.Partition] {
			committed[m.Partition] = m.Offset + 1
		}
	}

	step("consumed 150")
	b.Restart() // graceful
	step("restarted")
	produce(ctx, t, b.Addr(), 300, 400)
	step("produced 100")
	b.Kill() // crash: the last batch was acknowledged, so it must survive too
	b.Restart()
	step("killed and restarted")

	second := consume(ctx, t, b.Addr(), 250)
	step("consumed 250")
	seen := map[string]bool{}
	for _, m := range first {
		seen[string(m.Value)] = true
	}
	lowest := map[int]int64{}
	for _, m := range second {
		v := string(m.Value)
		if seen[v] {
			t.Errorf("message %s (partition %d offset %d) delivered again after its offset was committed", v, m.Partition, m.Offset)
		}
		seen[v] = true
		if o, ok := lowest[m.Partition]; !ok || m.Offset < o {
			lowest[m.Partition] = m.Offset
		}
	}
	for p, next := range committed {
		if o, ok := lowest[p]; ok && o != next {
			t.Errorf("partition %d: group resumed at offset %d, committed offset was %d", p, o, next)
		}
	}
	for i := 0; i < 400; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Errorf("acknowledged message %d lost", i)
		}
	}
	if len(committed) != 3 {
		t.Errorf("first reader read from %d partitions, want 3", len(committed))
	}
}

// produce writes values from..to-1 with acks=all, failing the test unless all are acknowledged.
func produce(ctx context.Context, t *testing.T, addr string, from, to int) {
	t.Helper()
	// A transport of its own: kafka-go's shared default one may still hold the partitions'
	// leaderless metadata from while the broker restarted, for longer than the retries last.
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{
		Addr:         kafka.TCP(addr),
		Topic:        topic,
		Balancer:     &kafka.RoundRobin{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
		MaxAttempts:  10,
		Transport:    tr,
	}
	defer w.Close()
	msgs := make([]kafka.Message, 0, to-from)
	for i := from; i < to; i++ {
		msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(strconv.Itoa(i))})
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("produce %d..%d: %v", from, to, err)
	}
}

// consume reads n messages as a member of the group, committing each one before reading on,
// then closes the reader (which leaves the group so the next reader joins without waiting).
func consume(ctx context.Context, t *testing.T, addr string, n int) []kafka.Message {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           []string{addr},
		GroupID:           group,
		Topic:             topic,
		StartOffset:       kafka.FirstOffset,
		MaxWait:           200 * time.Millisecond,
		HeartbeatInterval: 500 * time.Millisecond,
		SessionTimeout:    6 * time.Second,
		// kafka-go waits 5s before retrying a join that failed, e.g. while the broker is
		// still creating __consumer_offsets on the group's first use.
		JoinGroupBackoff: 200 * time.Millisecond,
	})
	defer r.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out := make([]kafka.Message, 0, n)
	for len(out) < n {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("consumed %d of %d messages before timing out", len(out), n)
			}
			t.Fatal(err)
		}
		if err := r.CommitMessages(ctx, m); err != nil {
			t.Fatalf("commit: %v", err)
		}
		out = append(out, m)
	}
	return out
}

// TestMissingJarsSayWhatToRun keeps the failure for an unprepared machine actionable.
func TestMissingJarsSayWhatToRun(t *testing.T) {
	t.Setenv(kafkatest.LibsEnv, t.TempDir())
	_, err := kafkatest.StartProcess(context.Background(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "scripts/fetch-kafka.sh") {
		t.Fatalf("err = %v, want a hint to run scripts/fetch-kafka.sh", err)
	}
}
