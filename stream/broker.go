package stream

import (
	"fmt"
	"os"

	"github.com/twmb/franz-go/pkg/kfake"
)

// EmbeddedBroker is the one-machine Kafka: an in-process broker that speaks the Kafka protocol
// on loopback and keeps its log under a directory, so a restart carries on where it stopped.
// Clients reach it through kafka-go exactly as they reach Apache Kafka.
type EmbeddedBroker struct {
	c *kfake.Cluster
}

// BrokerConfig configures the embedded broker.
type BrokerConfig struct {
	Dir string
	// Fsync makes every produce durable on disk before it is acknowledged, so acknowledged
	// events survive a power loss and not only a process crash.
	Fsync bool
	// Port to listen on (127.0.0.1); 0 picks a free one.
	Port int
}

// StartEmbeddedBroker starts (or reopens) the embedded broker.
func StartEmbeddedBroker(cfg BrokerConfig) (*EmbeddedBroker, error) {
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.DataDir(cfg.Dir),
		kfake.ClusterID("meridian-embedded"),
		kfake.DefaultNumPartitions(4),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "16777216"}),
	}
	if cfg.Port != 0 {
		opts = append(opts, kfake.Ports(cfg.Port))
	}
	if cfg.Fsync {
		opts = append(opts, kfake.SyncWrites())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("embedded broker in %s: %w", cfg.Dir, err)
	}
	return &EmbeddedBroker{c: c}, nil
}

// Addrs are the broker's host:port addresses.
func (b *EmbeddedBroker) Addrs() []string { return b.c.ListenAddrs() }

// Close flushes the log and stops the broker.
func (b *EmbeddedBroker) Close() { b.c.Close() }
