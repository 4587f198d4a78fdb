// Package stream moves events through Kafka: topic naming per region, the producer ingest
// acknowledges through, the embedded in-process broker, and the consumer-group sinks that
// carry each region's topic into its stores. All Kafka traffic goes through
// github.com/segmentio/kafka-go, against Apache Kafka or the embedded broker alike.
package stream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Topic names carry the region, so an event can only travel through its region's log.
//
//	meridian.<region>.events       canonical events, keyed by conversation id
//	meridian.<region>.events.dlq   events a sink could not store, with the reason in a header
func EventsTopic(region string) string { return "meridian." + region + ".events" }

// DeadLetterTopic is where a region's poison events go.
func DeadLetterTopic(region string) string { return EventsTopic(region) + ".dlq" }

// StoresGroup is the consumer group that carries a region's events into its stores.
func StoresGroup(region string) string { return "meridian.stores." + region }

// TopicSpec is a topic Meridian needs before it starts.
type TopicSpec struct {
	Name       string
	Partitions int
	// Replication is the replication factor; 0 means the broker's default.
	Replication int
}

// EnsureTopics creates the topics that do not exist yet. Topics that exist are left alone
// without asking to create them, so a principal that may only use its topics (no Create ACL,
// topics made by an administrator or by migrate) starts as well.
func EnsureTopics(ctx context.Context, brokers []string, auth Auth, specs []TopicSpec) error {
	conn, err := dialController(ctx, brokers, auth)
	if err != nil {
		return err
	}
	defer conn.Close()
	// All topics the principal may describe: naming them instead would let a broker with
	// auto.create.topics.enable create them with its defaults.
	parts, err := conn.ReadPartitions()
	if err != nil {
		return fmt.Errorf("stream: list topics: %w", err)
	}
	exists := map[string]bool{}
	for _, p := range parts {
		exists[p.Topic] = true
	}
	cfgs := make([]kafka.TopicConfig, 0, len(specs))
	for _, s := range specs {
		if exists[s.Name] {
			continue
		}
		rf := s.Replication
		if rf == 0 {
			rf = -1
		}
		cfgs = append(cfgs, kafka.TopicConfig{Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: rf})
	}
	if len(cfgs) == 0 {
		return nil
	}
	if err := conn.CreateTopics(cfgs...); err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("stream: create topics: %w", err)
	}
	return nil
}

func dialController(ctx context.Context, brokers []string, auth Auth) (*kafka.Conn, error) {
	var lastErr error
	d := auth.Dialer(5 * time.Second)
	for _, b := range brokers {
		conn, err := d.DialContext(ctx, "tcp", b)
		if err != nil {
			lastErr = err
			continue
		}
		ctrl, err := conn.Controller()
		conn.Close()
		if err != nil {
			lastErr = err
			continue
		}
		cc, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
		if err != nil {
			lastErr = err
			continue
		}
		return cc, nil
	}
	return nil, fmt.Errorf("stream: no broker of %v answers: %w", brokers, lastErr)
}

// Ping checks that a broker lets Meridian in (auth) and answers a metadata request.
func Ping(ctx context.Context, brokers []string, auth Auth) error {
	var lastErr error
	d := auth.Dialer(2 * time.Second)
	for _, b := range brokers {
		conn, err := d.DialContext(ctx, "tcp", b)
		if err != nil {
			lastErr = err
			continue
		}
		_, err = conn.Brokers()
		conn.Close()
		if err == nil {
			return nil
		}
		lastErr = err
	}
	return fmt.Errorf("stream: brokers %v: %w", brokers, lastErr)
}
