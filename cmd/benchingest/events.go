package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/compliance/shred/shredtest"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
)

// corpus is a pool of realistic events from ingest/demo, kept three ways: as the events
// themselves (for the chDB ceiling), as the Kafka messages ingest would make of them (for the
// Kafka ceilings: same size, same keys, sealed fields), and as JSON request fragments whose id
// can be replaced cheaply (for the HTTP load, so the load generator spends its CPU on sending,
// not on encoding).
type corpus struct {
	events []models.Event
	msgs   []kafka.Message
	// tails[i] is event i's JSON after its id: `","type":...}`. A request event is
	// `{"id":"<fresh id>` + tails[i].
	tails    [][]byte
	meanJSON float64 // mean request JSON size per event
	meanMsg  float64 // mean Kafka message value size
	// customers is the number of distinct customer identities in the pool: each costs the
	// server one data-key creation in PostgreSQL the first time it is seen.
	customers int
}

// demoStart is the (fixed) window the load's events occur in; freshness markers use another
// month so that their queries touch only their own partition.
var demoStart = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func buildCorpus(ctx context.Context, n int) (*corpus, error) {
	g := demo.New(demo.Config{Seed: 7, Tenant: "default", Start: demoStart, End: demoStart.Add(72 * time.Hour), MessagesPerHour: 40000})
	c := &corpus{}
	errEnough := errors.New("enough")
	err := g.Each(ctx, func(e models.Event) error {
		c.events = append(c.events, e)
		if len(c.events) >= n {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	if len(c.events) == 0 {
		return nil, errors.New("demo generated no events")
	}
	ids := map[string]bool{}
	for i := range c.events {
		if c.events[i].Customer != nil {
			ids[ingest.Identity(c.events[i].Customer)] = true
		}
	}
	c.customers = len(ids)
	var total int
	for i := range c.events {
		e := c.events[i]
		e.ID = ""
		b, err := json.Marshal(&e)
		if err != nil {
			return nil, err
		}
		const head = `{"id":"`
		if !bytes.HasPrefix(b, []byte(head)) {
			return nil, fmt.Errorf("event JSON does not start with its id: %.40s", b)
		}
		c.tails = append(c.tails, b[len(head):])
		total += len(b) + 12
	}
	c.meanJSON = float64(total) / float64(len(c.events))

	// The Kafka messages ingest makes: run the real Prepare with an in-memory key store.
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		return nil, err
	}
	kr, err := shred.NewKeyring(&shredtest.Keys{}, master)
	if err != nil {
		return nil, err
	}
	svc := &ingest.Service{Policy: models.DefaultPolicy(), Keys: kr, Now: time.Now}
	cp := make([]models.Event, len(c.events))
	copy(cp, c.events)
	c.msgs, err = svc.Prepare(ctx, auth.Principal{Tenant: "default", Role: auth.RoleAdmin}, cp)
	if err != nil {
		return nil, fmt.Errorf("ingest.Prepare: %w", err)
	}
	total = 0
	for _, m := range c.msgs {
		total += len(m.Value)
	}
	c.meanMsg = float64(total) / float64(len(c.msgs))
	return c, nil
}

// appendEvent appends event i of the pool, with the given id, to a request body.
func (c *corpus) appendEvent(buf []byte, i int, id string) []byte {
	buf = append(buf, `{"id":"`...)
	buf = append(buf, id...)
	return append(buf, c.tails[i%len(c.tails)]...)
}

// batcher hands out request bodies of n events with ids unique within the run.
type batcher struct {
	c      *corpus
	prefix string
	mu     sync.Mutex
	next   uint64
}

// issued is how many events the batcher has handed out.
func (b *batcher) issued() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.next
}

func (b *batcher) body(n int) []byte {
	b.mu.Lock()
	first := b.next
	b.next += uint64(n)
	b.mu.Unlock()
	buf := make([]byte, 0, n*int(b.c.meanJSON+32)+2)
	buf = append(buf, '[')
	id := make([]byte, 0, 40)
	for k := 0; k < n; k++ {
		if k > 0 {
			buf = append(buf, ',')
		}
		seq := first + uint64(k)
		id = strconv.AppendUint(append(id[:0], b.prefix...), seq, 10)
		buf = b.c.appendEvent(buf, int(seq), string(id))
	}
	return append(buf, ']')
}
