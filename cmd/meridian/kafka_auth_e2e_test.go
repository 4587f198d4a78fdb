package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/stream"
)

// embeddedBrokerAddr reads the embedded broker's address from the server's info log.
func embeddedBrokerAddr(t *testing.T, s *server) string {
	t.Helper()
	m := regexp.MustCompile(`embedded Kafka broker started"? addrs=\[([^\] ]+)`).FindStringSubmatch(s.logs.String())
	if m == nil {
		t.Fatalf("no embedded broker address in the log:\n%s", s.logs.String())
	}
	return m[1]
}

// A forged event in the form a sink stores: a customer that ingest never saw, no API key.
const forgedValue = `{"id":"forged-1","type":"message.received","version":1,"tenant":"default","region":"eu","occurred_at":"2026-11-20T10:00:00Z","received_at":"2026-11-20T10:00:01Z","channel":"whatsapp","direction":"inbound","conversation_id":"c-forged","customer_id":"cus_forged","customer":{"country":"DE"},"language":"de"}`

// Anyone on the machine reaches the embedded broker on loopback. A kafka-go client without
// the broker's credentials, or with a wrong password, can neither write a forged event to a
// region's topic nor read the log, while Meridian's own clients work (ingest acknowledges and
// the sink stores) with the password generated into the data directory's secrets, which a
// restart reuses.
func TestEmbeddedBrokerServesOnlyMeridiansOwnClients(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, "MERIDIAN_LOG_LEVEL=info")
	if code, out := s.post(t, "/v1/events", testKey, "application/json", contractBody); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	waitCounts(t, s, map[string]float64{"eu": 1}, 30*time.Second)
	addr, topic := embeddedBrokerAddr(t, s), stream.EventsTopic("eu")

	wrong, err := stream.NewAuth(stream.SCRAMSHA512, stream.EmbeddedUser, "guessed-password", nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, auth := range map[string]stream.Auth{"no credentials": {}, "wrong password": wrong} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, Transport: auth.Transport(), MaxAttempts: 1,
			RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
		if err := w.WriteMessages(ctx, kafka.Message{Key: []byte("c-forged"), Value: []byte(forgedValue)}); err == nil {
			t.Errorf("%s: a forged event was written to %s", name, topic)
		}
		_ = w.Close()
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Dialer: auth.Dialer(2 * time.Second), Topic: topic,
			Partition: 0, MaxWait: 100 * time.Millisecond, MaxAttempts: 1})
		rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
		if m, err := r.ReadMessage(rctx); err == nil {
			t.Errorf("%s: read an event from %s (%d bytes)", name, topic, len(m.Value))
		} else if !errors.Is(err, context.DeadlineExceeded) {
			t.Logf("%s: read: %v", name, err)
		}
		rcancel()
		_ = r.Close()
		cancel()
	}
	// Give a forged event that did land time to reach the stores.
	time.Sleep(2 * time.Second)
	waitCounts(t, s, map[string]float64{"eu": 1}, time.Second)

	path := filepath.Join(dir, "secrets", "kafka-password")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, st.Mode().Perm())
	}
	password, _ := os.ReadFile(path)
	if strings.Contains(s.logs.String(), strings.TrimSpace(string(password))) {
		t.Error("the broker's password is in the log")
	}

	// A restart reuses the password: the operator's copy keeps working, and so does Meridian.
	s.stop(syscall.SIGTERM)
	s2 := startServer(t, dir, "MERIDIAN_LOG_LEVEL=info")
	if again, _ := os.ReadFile(path); string(again) != string(password) {
		t.Fatal("the broker's password changed on restart")
	}
	own, err := stream.NewAuth(stream.SCRAMSHA512, stream.EmbeddedUser, strings.TrimSpace(string(password)), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stream.Ping(ctx, []string{embeddedBrokerAddr(t, s2)}, own); err != nil {
		t.Fatalf("the password in %s is refused after a restart: %v", path, err)
	}
	us := strings.NewReplacer(`"a1"`, `"u1"`, `"DE"`, `"US"`, `"c1"`, `"c9"`).Replace(contractBody)
	if code, out := s2.post(t, "/v1/events", testKey, "application/json", us); code != 202 {
		t.Fatalf("post after restart: %d %v", code, out)
	}
	waitCounts(t, s2, map[string]float64{"eu": 1, "us": 1}, 30*time.Second)
}
