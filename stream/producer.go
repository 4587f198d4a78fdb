package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// Producer writes to Kafka and returns only once every broker in the in-sync set has the
// messages (acks=all): ingest acknowledges a request on that and nothing earlier.
//
// Concurrent Publish calls are written together (group commit): while one write is with the
// broker, the messages of every caller that arrives meanwhile wait, and all of them go in the
// next write. The batch size follows the load by itself: one message per write when it is
// quiet, as many as arrived during one broker round trip when it is busy. kafka-go's Writer
// keeps a single batch in flight per partition, and its batches are cut by a timer, so under
// load those timed batches queued behind each other and acknowledgements waited seconds.
type Producer struct {
	client  *kafka.Client
	balance kafka.Hash

	metaMu sync.Mutex
	counts map[string]int // partitions per topic

	mu      sync.Mutex
	queue   []*publication
	writing bool
}

// publication is one Publish call waiting for its write.
type publication struct {
	ctx  context.Context
	msgs []kafka.Message
	size int // bytes of keys and values
	done chan error
}

// A write takes whole publications up to these bounds (at least one, whatever its size).
const (
	groupMaxMessages = 20000
	groupMaxBytes    = 8 << 20
	produceAttempts  = 8 // backoff 0.1, 0.2, 0.4, 0.8, then 1 s: a leader election has time to finish
)

// NewProducer builds a producer. Messages are partitioned by key (the conversation id) with
// kafka-go's Hash balancer, so one conversation's events stay in order.
func NewProducer(brokers []string) *Producer {
	return &Producer{
		// The transport sends each produce request to its partition's leader.
		client: &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second, Transport: &kafka.Transport{}},
		counts: map[string]int{},
	}
}

// Publish writes msgs and returns when Kafka acknowledged all of them, or an error if any was
// not. Callers treat an error as "nothing acknowledged" and downstream deduplicates by id
// whatever part did land. If ctx ends first Publish returns its error; the messages may still
// be written.
func (p *Producer) Publish(ctx context.Context, msgs ...kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	start := time.Now()
	pub := &publication{ctx: ctx, msgs: msgs, size: messagesSize(msgs), done: make(chan error, 1)}
	p.mu.Lock()
	p.queue = append(p.queue, pub)
	if !p.writing {
		p.writing = true
		go p.writeGroups()
	}
	p.mu.Unlock()
	select {
	case err := <-pub.done:
		if err != nil {
			return fmt.Errorf("stream: publish %d messages: %w", len(msgs), err)
		}
		produceSeconds.Observe(time.Since(start).Seconds())
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stream: publish %d messages: %w", len(msgs), ctx.Err())
	}
}

// writeGroups writes the queue group by group, one write at a time, until it is empty.
func (p *Producer) writeGroups() {
	var msgs []kafka.Message
	for {
		p.mu.Lock()
		// A caller that gave up (its client went away) is not written: while Kafka is
		// unreachable the queue would otherwise keep every abandoned request's events.
		live := p.queue[:0]
		for _, pub := range p.queue {
			if err := pub.ctx.Err(); err != nil {
				pub.done <- err
				continue
			}
			live = append(live, pub)
		}
		clear(p.queue[len(live):])
		p.queue = live
		n, count, size := 0, 0, 0
		for n < len(p.queue) {
			m, b := len(p.queue[n].msgs), p.queue[n].size
			if n > 0 && (count+m > groupMaxMessages || size+b > groupMaxBytes) {
				break
			}
			n, count, size = n+1, count+m, size+b
		}
		if n == 0 {
			p.writing = false
			p.mu.Unlock()
			return
		}
		group := make([]*publication, n)
		copy(group, p.queue[:n])
		p.queue = append(p.queue[:0], p.queue[n:]...)
		p.mu.Unlock()

		msgs = msgs[:0]
		for _, pub := range group {
			msgs = append(msgs, pub.msgs...)
		}
		produceWriteMessages.Observe(float64(len(msgs)))
		errs := p.write(msgs)
		// A caller is acknowledged when every one of its messages landed.
		i := 0
		for _, pub := range group {
			var first error
			for _, e := range errs[i : i+len(pub.msgs)] {
				if e != nil {
					first = e
					break
				}
			}
			i += len(pub.msgs)
			pub.done <- first
		}
		clear(msgs) // keep no references to acknowledged messages
	}
}

// write sends msgs, one produce request per partition, all partitions at once, and returns
// each message's error. A partition whose request fails with a retriable error is retried
// with backoff while the transport refreshes its view of the partitions' leaders.
func (p *Producer) write(msgs []kafka.Message) []error {
	errs := make([]error, len(msgs))
	type tp struct {
		topic     string
		partition int
	}
	type partitionIDs struct {
		ids []int // for the balancer
		err error
	}
	parts := map[tp][]int{} // message indexes per partition, in order
	topics := map[string]*partitionIDs{}
	for i := range msgs {
		topic := msgs[i].Topic
		t, ok := topics[topic]
		if !ok {
			t = &partitionIDs{}
			var n int
			if n, t.err = p.partitions(topic); t.err == nil {
				t.ids = make([]int, n)
				for j := range n {
					t.ids[j] = j
				}
			}
			topics[topic] = t
		}
		if t.err != nil {
			errs[i] = t.err
			continue
		}
		k := tp{topic, p.balance.Balance(msgs[i], t.ids...)}
		parts[k] = append(parts[k], i)
	}
	now := time.Now()
	var wg sync.WaitGroup
	for k, idx := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := p.produce(k.topic, k.partition, msgs, idx, now)
			for _, i := range idx {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errs
}

// produce writes msgs[idx] to one partition with acks=all, retrying what Kafka calls
// retriable.
func (p *Producer) produce(topic string, partition int, msgs []kafka.Message, idx []int, now time.Time) error {
	records := make([]kafka.Record, len(idx))
	var err error
	for attempt := range produceAttempts {
		// A record's key and value are readers: each attempt needs fresh ones.
		for j, i := range idx {
			m := &msgs[i]
			records[j] = kafka.Record{Time: now, Key: kafka.NewBytes(m.Key), Value: kafka.NewBytes(m.Value), Headers: m.Headers}
		}
		if attempt > 0 {
			time.Sleep(min(time.Duration(50<<attempt)*time.Millisecond, time.Second))
			p.forget(topic)
		}
		var res *kafka.ProduceResponse
		res, err = p.client.Produce(context.Background(), &kafka.ProduceRequest{
			Topic:        topic,
			Partition:    partition,
			RequiredAcks: kafka.RequireAll,
			Records:      kafka.NewRecordReader(records...),
		})
		if err == nil && res.Error != nil {
			err = res.Error
		}
		if err == nil && len(res.RecordErrors) > 0 {
			for _, e := range res.RecordErrors {
				err = e
				break
			}
			return fmt.Errorf("%s/%d: %w", topic, partition, err) // rejected records: not retriable
		}
		if err == nil {
			return nil
		}
		var kerr kafka.Error
		if errors.As(err, &kerr) && !kerr.Temporary() {
			break
		}
	}
	return fmt.Errorf("%s/%d: %w", topic, partition, err)
}

// partitions returns how many partitions topic has, asking the cluster the first time and
// after forget.
func (p *Producer) partitions(topic string) (int, error) {
	p.metaMu.Lock()
	defer p.metaMu.Unlock()
	if n, ok := p.counts[topic]; ok {
		return n, nil
	}
	res, err := p.client.Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return 0, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	for _, t := range res.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return 0, fmt.Errorf("metadata of %s: %w", topic, t.Error)
		}
		if len(t.Partitions) == 0 {
			return 0, fmt.Errorf("metadata of %s: no partitions", topic)
		}
		p.counts[topic] = len(t.Partitions)
		return len(t.Partitions), nil
	}
	return 0, fmt.Errorf("metadata of %s: %w", topic, kafka.UnknownTopicOrPartition)
}

// forget drops what the producer knows of topic.
func (p *Producer) forget(topic string) {
	p.metaMu.Lock()
	delete(p.counts, topic)
	p.metaMu.Unlock()
}

func messagesSize(msgs []kafka.Message) int {
	n := 0
	for i := range msgs {
		n += len(msgs[i].Key) + len(msgs[i].Value)
	}
	return n
}

// Close releases the producer's connections. Publish must not be called after it.
func (p *Producer) Close() error {
	p.client.Transport.(*kafka.Transport).CloseIdleConnections()
	return nil
}
