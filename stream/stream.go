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

// EnsureTopics creates the topics that do not exist yet.
func EnsureTopics(ctx context.Context, brokers []string, specs []TopicSpec) error {
	conn, err := dialController(ctx, brokers)
	if err != nil {
		return err
	}
	defer conn.Close()
	cfgs := make([]kafka.TopicConfig, 0, len(specs))
	for _, s := range specs {
		rf := s.Replication
		if rf == 0 {
			rf = -1
		}
		cfgs = append(cfgs, kafka.TopicConfig{Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: rf})
	}
	if err := conn.CreateTopics(cfgs...); err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("stream: create topics: %w", err)
	}
	return nil
}

func dialController(ctx context.Context, brokers []string) (*kafka.Conn, error) {
	var lastErr error
	for _, b := range brokers {
		d := kafka.Dialer{Timeout: 5 * time.Second}
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

// Ping checks that a broker answers a metadata request.
func Ping(ctx context.Context, brokers []string) error {
	var lastErr error
	for _, b := range brokers {
		d := kafka.Dialer{Timeout: 2 * time.Second}
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
