package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/stream"
)

// rawKafka measures kafka-go alone against brokers: a Writer shaped like stream.Producer
// (acks=all, batches of 1000, hash-partitioned by conversation) writing ingest's real
// messages, then a consumer-group Reader shaped like stream.Sink reading them all back and
// committing every 20,000 messages.
type rawKafkaResult struct {
	Produced     int64
	ProduceRate  float64 // messages/s
	ProduceMBs   float64
	Consumed     int64
	ConsumeRate  float64 // messages/s, first to last message
	ConsumeJoin  time.Duration
	ProduceError string
	ConsumeError string
}

func rawKafka(ctx context.Context, brokers []string, auth stream.Auth, c *corpus, d time.Duration, tag string) rawKafkaResult {
	var res rawKafkaResult
	topic := "bench.raw." + tag
	if err := stream.EnsureTopics(ctx, brokers, auth, []stream.TopicSpec{{Name: topic, Partitions: 4}}); err != nil {
		res.ProduceError = err.Error()
		return res
	}
	// The server's own producer (acks=all), so the ceiling is measured with its settings.
	w := stream.NewProducer(brokers, auth)
	const perCall, writers = 1000, 4
	var produced, bytesOut atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := make([]kafka.Message, perCall)
			// Bounded in count as well as time: at most 10M messages per writer.
			for i := 0; i < 10000 && time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				n := 0
				for k := range batch {
					m := c.msgs[(g*7919+i*perCall+k)%len(c.msgs)]
					batch[k] = kafka.Message{Topic: topic, Key: m.Key, Value: m.Value, Headers: m.Headers}
					n += len(m.Value)
				}
				wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				err := w.Publish(wctx, batch...)
				cancel()
				if err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					return
				}
				produced.Add(perCall)
				bytesOut.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	_ = w.Close()
	res.Produced = produced.Load()
	res.ProduceRate = float64(res.Produced) / el
	res.ProduceMBs = float64(bytesOut.Load()) / el / 1e6
	if e, ok := firstErr.Load().(string); ok {
		res.ProduceError = e
	}
	if res.Produced == 0 {
		return res
	}

	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: brokers, Dialer: auth.Dialer(10 * time.Second), GroupID: "bench.raw." + tag, Topic: topic,
		MinBytes: 1, MaxBytes: 8 << 20, MaxWait: 100 * time.Millisecond, QueueCapacity: 4096,
		CommitInterval: 0, StartOffset: kafka.FirstOffset,
		HeartbeatInterval: time.Second, SessionTimeout: 10 * time.Second, RebalanceTimeout: 10 * time.Second,
	})
	defer r.Close()
	cctx, cancel := context.WithTimeout(ctx, max(3*d, 90*time.Second))
	defer cancel()
	t0 := time.Now()
	var first, last time.Time
	batch := make([]kafka.Message, 0, 20000)
	for res.Consumed < res.Produced {
		m, err := r.FetchMessage(cctx)
		if err != nil {
			res.ConsumeError = err.Error()
			break
		}
		if first.IsZero() {
			first = time.Now()
			res.ConsumeJoin = first.Sub(t0)
		}
		res.Consumed++
		batch = append(batch, m)
		if len(batch) == cap(batch) || res.Consumed == res.Produced {
			if err := r.CommitMessages(cctx, batch...); err != nil {
				res.ConsumeError = "commit: " + err.Error()
				break
			}
			batch = batch[:0]
		}
		last = time.Now()
	}
	if res.Consumed > 1 {
		res.ConsumeRate = float64(res.Consumed-1) / last.Sub(first).Seconds()
	}
	return res
}

// rawChDB measures chDB alone: the real events table (Migrate), the real writer
// (EventWriter.StoreEvents: row building, TabSeparated encoding, one INSERT), 20,000 rows
// per insert, for d.
type rawChDBResult struct {
	Rows      int64
	Rate      float64
	MeanBatch time.Duration
	Stored    int64 // count() afterwards
	Error     string
}

func rawChDB(ctx context.Context, dir string, c *corpus, d time.Duration) (res rawChDBResult) {
	db, err := clickhouse.OpenChDB(dir)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer db.Close()
	const region = "eu"
	if _, err := clickhouse.Migrate(ctx, db, clickhouse.Layout{DB: clickhouse.Database(region)}); err != nil {
		res.Error = err.Error()
		return res
	}
	w := &clickhouse.EventWriter{DB: db, Region: region}
	const rows = 20000
	batch := make([]models.Event, rows)
	now := time.Now().UTC()
	start := time.Now()
	var batches int
	for i := 0; i < 100000 && time.Since(start) < d && ctx.Err() == nil; i++ {
		for k := range batch {
			e := c.events[(i*rows+k)%len(c.events)]
			e.ID = "raw-" + strconv.Itoa(i) + "-" + strconv.Itoa(k)
			e.Tenant, e.Region, e.ReceivedAt = "default", region, now
			batch[k] = e
		}
		if _, err := w.StoreEvents(ctx, batch); err != nil {
			res.Error = err.Error()
			break
		}
		res.Rows += rows
		batches++
	}
	el := time.Since(start)
	res.Rate = float64(res.Rows) / el.Seconds()
	if batches > 0 {
		res.MeanBatch = el / time.Duration(batches)
	}
	r, err := db.Query(ctx, "SELECT count() FROM "+clickhouse.Database(region)+".events")
	if err == nil && len(r.Rows) == 1 {
		res.Stored = int64(clickhouse.Float(r.Rows[0][0]))
	} else if err != nil && res.Error == "" {
		res.Error = err.Error()
	}
	if res.Error == "" && res.Stored != res.Rows {
		res.Error = fmt.Sprintf("stored %d rows, inserted %d", res.Stored, res.Rows)
	}
	return res
}
