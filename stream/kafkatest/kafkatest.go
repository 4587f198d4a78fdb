// Package kafkatest is a test harness that runs a real Apache Kafka 4.x broker in KRaft mode
// (one JVM that is both broker and controller), so stream code is tested against the engine it
// runs on in production rather than a fake.
//
// The jars come from Maven Central through scripts/fetch-kafka.sh into
// <repo root>/.engines/kafka/libs (or $MERIDIAN_KAFKA_LIBS); Java 17+ must be on the machine.
// When they are missing, Start fails the test and says which script to run: a silently skipped
// Kafka test would hide exactly the problems it exists to catch.
//
// Start is for tests; StartProcess is the same broker for benchmarks and tools.
package kafkatest

import (
	"context"
	"testing"
	"time"
)

// Broker is a Kafka node owned by one test. Its methods fail the test on error, and it is
// stopped (and its directory removed) when the test ends.
type Broker struct {
	t testing.TB
	p *Process
}

// Start runs a fresh single-node Kafka in a temporary directory and returns once it serves
// metadata requests. Defaults suit fast tests on a small machine: replication factor 1 for the
// internal topics, no initial rebalance delay, topics created on first use, a 512 MiB heap.
// If the test fails, the tail of the broker's log is printed.
func Start(t testing.TB, opts ...Option) *Broker {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A test's broker lives for seconds: the C1 compiler alone and the serial collector start
	// it faster on a small machine than the JVM's defaults. Options given by the test come
	// after these, and the JVM takes the last of repeated flags.
	fast := WithJVMArgs("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
	p, err := StartProcess(ctx, dir, append([]Option{fast}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	b := &Broker{t: t, p: p}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kafkatest: broker at %s\n%s", p.Addr(), p.LogTail(60))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Logf("kafkatest: %v", err)
		}
	})
	return b
}

// Addr is the broker's host:port on 127.0.0.1.
func (b *Broker) Addr() string { return b.p.Addr() }

// Process gives access to the underlying process (directory, log file, running state).
func (b *Broker) Process() *Process { return b.p }

// Stop shuts the broker down gracefully and waits for it.
func (b *Broker) Stop() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.p.Stop(ctx); err != nil {
		b.t.Fatalf("kafkatest: stop: %v\n%s", err, b.p.LogTail(40))
	}
}

// Kill ends the broker with SIGKILL, to test what survives a crash.
func (b *Broker) Kill() {
	b.t.Helper()
	if err := b.p.Kill(); err != nil {
		b.t.Fatalf("kafkatest: kill: %v", err)
	}
}

// Restart stops the broker gracefully if it is running, then starts it again on the same log
// directory and address, so a test can check what was durable.
func (b *Broker) Restart() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := b.p.Restart(ctx); err != nil {
		b.t.Fatalf("kafkatest: restart: %v", err)
	}
}
