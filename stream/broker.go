package stream

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kfake"
)

// EmbeddedBroker is the one-machine Kafka: an in-process broker that speaks the Kafka protocol
// on loopback and keeps its log under a directory, so a restart carries on where it stopped.
// Clients reach it through kafka-go exactly as they reach Apache Kafka.
//
// Loopback is reachable by every user and process of the machine, so the broker only serves
// clients that authenticated with SASL/SCRAM-SHA-512 as its one user (Auth): without it anyone
// on the machine could read the log and write events that the sinks store as if ingest had
// checked them.
type EmbeddedBroker struct {
	c    *kfake.Cluster
	auth Auth
}

// BrokerConfig configures the embedded broker.
type BrokerConfig struct {
	Dir string
	// Fsync makes every produce durable on disk before it is acknowledged, so acknowledged
	// events survive a power loss and not only a process crash.
	Fsync bool
	// Port to listen on (127.0.0.1); 0 picks a free one.
	Port int
	// User and Password are the only credentials the broker accepts (SCRAM-SHA-512). An
	// empty Password makes a random one for this run; User defaults to EmbeddedUser.
	User, Password string
}

// EmbeddedUser is the embedded broker's user when BrokerConfig names none.
const EmbeddedUser = "meridian"

// saslFile is where kfake keeps the users it knows; see StartEmbeddedBroker.
const saslFile = "sasl.json"

// StartEmbeddedBroker starts (or reopens) the embedded broker.
func StartEmbeddedBroker(cfg BrokerConfig) (*EmbeddedBroker, error) {
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	if cfg.User == "" {
		cfg.User = EmbeddedUser
	}
	if cfg.Password == "" {
		cfg.Password = rand.Text()
	}
	auth, err := NewAuth(SCRAMSHA512, cfg.User, cfg.Password, nil)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	// kfake reloads the users it persisted over the configured ones: a log written before
	// SASL was on (no users) or credentials replaced in secrets/ would lock every client out.
	// The configured user is the only one, so nothing else in the file is needed.
	if err := os.Remove(filepath.Join(cfg.Dir, saslFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.DataDir(cfg.Dir),
		kfake.ClusterID("meridian-embedded"),
		kfake.DefaultNumPartitions(4),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "16777216"}),
		kfake.EnableSASL(),
		kfake.Superuser(SCRAMSHA512, cfg.User, cfg.Password),
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
	return &EmbeddedBroker{c: c, auth: auth}, nil
}

// Addrs are the broker's host:port addresses.
func (b *EmbeddedBroker) Addrs() []string { return b.c.ListenAddrs() }

// Auth is what Meridian's clients authenticate to the broker with.
func (b *EmbeddedBroker) Auth() Auth { return b.auth }

// Close flushes the log and stops the broker.
func (b *EmbeddedBroker) Close() { b.c.Close() }
