package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	produceapi "github.com/segmentio/kafka-go/protocol/produce"
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
	topics map[string]*topicMeta

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
	produceTimeout   = 10 * time.Second
)

// NewProducer builds a producer that authenticates as auth. Messages are partitioned by key
// (the conversation id) with kafka-go's Hash balancer, so one conversation's events stay in
// order.
func NewProducer(brokers []string, auth Auth) *Producer {
	return &Producer{
		// The transport sends each produce request to the leader of its partitions. It keeps
		// its connections open, so SASL's handshake is paid once per broker, not per write.
		client: &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: produceTimeout, Transport: auth.Transport()},
		topics: map[string]*topicMeta{},
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
		wrote := time.Now()
		errs := p.write(msgs)
		produceWriteSeconds.Observe(time.Since(wrote).Seconds())
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

// errRejected marks records the broker refused: sending them again changes nothing.
var errRejected = errors.New("records rejected")

// partition is one partition of a topic.
type partition struct {
	topic string
	id    int
}

// write sends msgs and returns each message's error. Kafka's produce request carries many
// topics and partitions: the messages of all partitions that share a leader go in one request
// (on the embedded broker, every region's topic in one round trip), one request per leader at
// once. A partition that fails with a retriable error is retried with backoff, after the
// producer refreshed its view of the leaders.
func (p *Producer) write(msgs []kafka.Message) []error {
	errs := make([]error, len(msgs))
	pending := map[partition][]int{} // message indexes per partition, in order
	var meta *topicMeta
	var err error
	for i := range msgs {
		// Asked once per run of messages of one topic, failure included: a missing topic is
		// waited for once, not once per message.
		if i == 0 || msgs[i].Topic != msgs[i-1].Topic {
			meta, err = p.settledTopic(msgs[i].Topic)
		}
		if err != nil {
			errs[i] = err
			continue
		}
		k := partition{msgs[i].Topic, p.balance.Balance(msgs[i], meta.ids...)}
		pending[k] = append(pending[k], i)
	}
	fail := func(k partition, err error) {
		for _, i := range pending[k] {
			errs[i] = fmt.Errorf("%s/%d: %w", k.topic, k.id, err)
		}
		delete(pending, k)
	}
	now := time.Now()
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 0 {
			time.Sleep(min(time.Duration(50<<attempt)*time.Millisecond, time.Second))
			for k := range pending {
				p.forget(k.topic)
			}
		}
		byLeader := map[int][]partition{}
		for k := range pending {
			meta, err := p.topic(k.topic)
			if err == nil && k.id >= len(meta.leaders) {
				err = fmt.Errorf("partition %d of %d: %w", k.id, len(meta.leaders), kafka.UnknownTopicOrPartition)
			}
			if err != nil {
				fail(k, err)
				continue
			}
			byLeader[meta.leaders[k.id]] = append(byLeader[meta.leaders[k.id]], k)
		}
		results := make([]map[partition]error, len(byLeader))
		var wg sync.WaitGroup
		i := 0
		for _, parts := range byLeader {
			if len(byLeader) == 1 {
				results[i] = p.produce(parts, pending, msgs, now)
				break
			}
			j := i
			wg.Go(func() { results[j] = p.produce(parts, pending, msgs, now) })
			i++
		}
		wg.Wait()
		for _, res := range results {
			for k, err := range res {
				var kerr kafka.Error
				switch {
				case err == nil:
					delete(pending, k)
				case attempt+1 >= produceAttempts, errors.Is(err, errRejected), errors.As(err, &kerr) && !kerr.Temporary():
					fail(k, err)
				}
			}
		}
	}
	return errs
}

// produce writes the messages of parts (all with the same leader) in one request with
// acks=all and returns each partition's outcome.
func (p *Producer) produce(parts []partition, idx map[partition][]int, msgs []kafka.Message, now time.Time) map[partition]error {
	req := &produceapi.Request{Acks: int16(kafka.RequireAll), Timeout: int32(produceTimeout.Milliseconds())}
	topics := map[string]int{} // index in req.Topics
	for _, k := range parts {
		t, ok := topics[k.topic]
		if !ok {
			t = len(req.Topics)
			topics[k.topic] = t
			req.Topics = append(req.Topics, produceapi.RequestTopic{Topic: k.topic})
		}
		records := make([]kafka.Record, len(idx[k]))
		for j, i := range idx[k] {
			m := &msgs[i]
			records[j] = kafka.Record{Time: now, Key: kafka.NewBytes(m.Key), Value: kafka.NewBytes(m.Value), Headers: m.Headers}
		}
		req.Topics[t].Partitions = append(req.Topics[t].Partitions, produceapi.RequestPartition{
			Partition: int32(k.id), RecordSet: protocol.RecordSet{Records: kafka.NewRecordReader(records...)},
		})
	}
	out := make(map[partition]error, len(parts))
	ctx, cancel := context.WithTimeout(context.Background(), produceTimeout+5*time.Second)
	defer cancel()
	r, err := p.client.Transport.RoundTrip(ctx, p.client.Addr, req)
	if err == nil {
		res, ok := r.(*produceapi.Response)
		if !ok {
			err = fmt.Errorf("produce: unexpected response %T", r)
		} else {
			for _, t := range res.Topics {
				for _, rp := range t.Partitions {
					k := partition{t.Topic, int(rp.Partition)}
					switch {
					case len(rp.RecordErrors) > 0:
						out[k] = fmt.Errorf("%w: %s (%w)", errRejected, rp.RecordErrors[0].BatchIndexErrorMessage, kafka.Error(rp.ErrorCode))
					case rp.ErrorCode != 0:
						out[k] = kafka.Error(rp.ErrorCode)
					default:
						out[k] = nil
					}
				}
			}
		}
	}
	for _, k := range parts {
		if _, ok := out[k]; !ok {
			if err == nil {
				err = errors.New("produce: no answer for the partition")
			}
			out[k] = err
		}
	}
	return out
}

// topicMeta is what the producer knows of a topic.
type topicMeta struct {
	ids     []int // partition ids, for the balancer
	leaders []int // leader broker id by partition id
}

// topic returns what the producer knows of topic, asking the cluster the first time and
// after forget.
func (p *Producer) topic(topic string) (*topicMeta, error) {
	p.metaMu.Lock()
	defer p.metaMu.Unlock()
	if m, ok := p.topics[topic]; ok {
		return m, nil
	}
	res, err := p.client.Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	for _, t := range res.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("metadata of %s: %w", topic, t.Error)
		}
		if len(t.Partitions) == 0 {
			return nil, fmt.Errorf("metadata of %s: no partitions", topic)
		}
		m := &topicMeta{ids: make([]int, len(t.Partitions)), leaders: make([]int, len(t.Partitions))}
		for i := range m.ids {
			m.ids[i], m.leaders[i] = i, -1
		}
		for _, tp := range t.Partitions {
			if tp.ID < 0 || tp.ID >= len(m.leaders) {
				return nil, fmt.Errorf("metadata of %s: partition %d of %d", topic, tp.ID, len(t.Partitions))
			}
			m.leaders[tp.ID] = tp.Leader.ID
		}
		p.topics[topic] = m
		return m, nil
	}
	return nil, fmt.Errorf("metadata of %s: %w", topic, kafka.UnknownTopicOrPartition)
}

// settledTopic is topic, asked again with backoff while the cluster answers with a temporary
// error: a broker learns of a topic just created asynchronously (KRaft propagates metadata),
// and under load it answered "unknown topic" for one that EnsureTopics had created.
func (p *Producer) settledTopic(topic string) (*topicMeta, error) {
	for attempt := 0; ; attempt++ {
		m, err := p.topic(topic)
		var kerr kafka.Error
		if err == nil || attempt+1 >= produceAttempts || !errors.As(err, &kerr) || !kerr.Temporary() {
			return m, err
		}
		time.Sleep(min(time.Duration(50<<attempt)*time.Millisecond, time.Second))
	}
}

// forget drops what the producer knows of topic.
func (p *Producer) forget(topic string) {
	p.metaMu.Lock()
	delete(p.topics, topic)
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
