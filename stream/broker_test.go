package stream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/stream"
)

// The embedded broker listens on loopback, where every user of the machine can reach it: a
// client without the broker's credentials, or with a wrong password, must neither write nor
// read, while Meridian's own clients (producer, sink, admin) work. A restart with the same
// password works; a restart with a new one accepts only the new one.
func TestEmbeddedBrokerServesOnlyClientsWithItsCredentials(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: dir, Password: "first-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { b.Close() }()
	addrs, topic := b.Addrs(), stream.EventsTopic("eu")
	if err := stream.EnsureTopics(ctx, addrs, b.Auth(), []stream.TopicSpec{{Name: topic, Partitions: 1}}); err != nil {
		t.Fatal(err)
	}
	p := stream.NewProducer(addrs, b.Auth())
	if err := p.Publish(ctx, kafka.Message{Topic: topic, Key: []byte("c1"), Value: []byte("genuine")}); err != nil {
		t.Fatalf("Meridian's producer: %v", err)
	}
	_ = p.Close()
	if got := read(t, addrs, b.Auth(), topic); got != "genuine" {
		t.Fatalf("Meridian's reader read %q", got)
	}

	wrong, err := stream.NewAuth(stream.SCRAMSHA512, stream.EmbeddedUser, "guessed", nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, auth := range map[string]stream.Auth{"no credentials": {}, "wrong password": wrong} {
		refused(t, name, addrs, auth, topic)
	}

	// Same password after a restart: the log and the credentials carry on.
	b.Close()
	if b, err = stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: dir, Password: "first-password"}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, b.Addrs(), b.Auth(), topic); got != "genuine" {
		t.Fatalf("after a restart Meridian's reader read %q", got)
	}
	old := b.Auth()

	// A new password replaces the old one (the broker's own copy of its users is not kept).
	b.Close()
	if b, err = stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: dir, Password: "second-password"}); err != nil {
		t.Fatal(err)
	}
	if err := stream.Ping(ctx, b.Addrs(), b.Auth()); err != nil {
		t.Fatalf("the new password is refused: %v", err)
	}
	refused(t, "the replaced password", b.Addrs(), old, topic)
}

// read reads the first message of topic's partition 0 as auth.
func read(t *testing.T, addrs []string, auth stream.Auth, topic string) string {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: addrs, Dialer: auth.Dialer(5 * time.Second), Topic: topic, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatalf("read %s: %v", topic, err)
	}
	return string(m.Value)
}

// refused checks that a client authenticating as auth can neither write to nor read from topic
// nor get past the readiness check.
func refused(t *testing.T, name string, addrs []string, auth stream.Auth, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stream.Ping(ctx, addrs, auth); err == nil {
		t.Errorf("%s: the broker answered metadata", name)
	}
	w := &kafka.Writer{Addr: kafka.TCP(addrs...), Topic: topic, Transport: auth.Transport(), MaxAttempts: 1,
		RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	err := w.WriteMessages(ctx, kafka.Message{Key: []byte("c1"), Value: []byte(`{"customer":"forged"}`)})
	_ = w.Close()
	if err == nil {
		t.Errorf("%s: a message was written", name)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: addrs, Dialer: auth.Dialer(2 * time.Second), Topic: topic, Partition: 0,
		MaxWait: 100 * time.Millisecond, MaxAttempts: 1})
	defer r.Close()
	rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
	defer rcancel()
	if m, err := r.ReadMessage(rctx); err == nil {
		t.Errorf("%s: read %q from %s", name, m.Value, topic)
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("%s: read: %v", name, err)
	}
}
