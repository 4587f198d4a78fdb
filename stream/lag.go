package stream

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// LagCollector reports at each scrape how many messages each consumer group is behind the
// end of its topic, per partition: committed offsets against the log end, as Kafka's own
// kafka-consumer-groups tool computes them. A sink that stalls shows as lag that grows.
type LagCollector struct {
	groups map[string]string // consumer group → its topic
	client *kafka.Client
	log    *slog.Logger
}

// NewLagCollector reads the lag of groups (consumer group → the topic it reads) from brokers. Its client
// keeps its connections between scrapes.
func NewLagCollector(brokers []string, auth Auth, groups map[string]string, log *slog.Logger) *LagCollector {
	if log == nil {
		log = slog.Default()
	}
	return &LagCollector{groups: groups, log: log, client: &kafka.Client{Addr: kafka.TCP(brokers...), Transport: auth.Transport()}}
}

var lagDesc = prometheus.NewDesc("meridian_consumer_lag",
	"Messages a consumer group is behind the end of its topic, per partition (log end offset minus committed offset).",
	[]string{"group", "topic", "partition"}, nil)

// Describe implements prometheus.Collector.
func (c *LagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- lagDesc }

// Collect implements prometheus.Collector.
func (c *LagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, group := range slices.Sorted(maps.Keys(c.groups)) {
		lag, err := c.Lag(ctx, group)
		if err != nil {
			c.log.Warn("consumer lag", "group", group, "err", err)
			continue
		}
		for _, p := range slices.Sorted(maps.Keys(lag)) {
			ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(lag[p]), group, c.groups[group], strconv.Itoa(p))
		}
	}
}

// Lag returns the lag of a consumer group per partition of its topic. A partition the group
// never committed counts from the start of the log.
func (c *LagCollector) Lag(ctx context.Context, group string) (map[int]int64, error) {
	client, topic := c.client, c.groups[group]
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	var parts []int
	for _, t := range meta.Topics {
		if t.Name == topic {
			if t.Error != nil {
				return nil, fmt.Errorf("metadata of %s: %w", topic, t.Error)
			}
			for _, p := range t.Partitions {
				parts = append(parts, p.ID)
			}
		}
	}
	ends := make([]kafka.OffsetRequest, 0, len(parts))
	for _, p := range parts {
		ends = append(ends, kafka.LastOffsetOf(p), kafka.FirstOffsetOf(p))
	}
	lo, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: ends}})
	if err != nil {
		return nil, fmt.Errorf("offsets of %s: %w", topic, err)
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return nil, fmt.Errorf("committed offsets of %s: %w", topic, err)
	}
	done := map[int]int64{}
	for _, p := range committed.Topics[topic] {
		if p.Error == nil && p.CommittedOffset >= 0 {
			done[p.Partition] = p.CommittedOffset
		}
	}
	out := map[int]int64{}
	for _, p := range lo.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("offsets of %s/%d: %w", topic, p.Partition, p.Error)
		}
		from, ok := done[p.Partition]
		if !ok {
			from = p.FirstOffset
		}
		out[p.Partition] = max(0, p.LastOffset-from)
	}
	return out, nil
}
