package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sustainedResult is phase 2: closed-loop clients posting big batches as fast as acks come.
type sustainedResult struct {
	Clients, Batch int
	Acked, Failed  int64
	FirstErr       string
	Load           time.Duration // first send to last ack
	AckRate        float64       // acked / Load
	Queryable      time.Duration // first send until ClickHouse holds every acked event
	Drain          time.Duration // last ack until then
	E2ERate        float64       // acked / Queryable
	QueryErr       string
}

// sustained posts for d, or until the batcher has handed out upTo events when upTo > 0, then
// waits until ClickHouse holds every acknowledged event.
func sustained(ctx context.Context, s *server, b *batcher, clients, batch int, d time.Duration, upTo uint64) sustainedResult {
	res := sustainedResult{Clients: clients, Batch: batch}
	base, err := s.totalEvents(ctx)
	if err != nil {
		res.QueryErr = err.Error()
	}
	var acked, failed atomic.Int64
	var firstErr atomic.Value
	var lastAck atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1_000_000 && time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				if upTo > 0 && b.issued() >= upTo {
					return
				}
				body := b.body(batch)
				if _, err := s.postEvents(ctx, body); err != nil {
					failed.Add(int64(batch))
					firstErr.CompareAndSwap(nil, err.Error())
					time.Sleep(10 * time.Millisecond)
					continue
				}
				acked.Add(int64(batch))
				lastAck.Store(time.Now().UnixNano())
			}
		}()
	}
	wg.Wait()
	res.Acked, res.Failed = acked.Load(), failed.Load()
	if e, ok := firstErr.Load().(string); ok {
		res.FirstErr = e
	}
	end := time.Unix(0, lastAck.Load())
	res.Load = end.Sub(start)
	if res.Acked == 0 {
		return res
	}
	res.AckRate = float64(res.Acked) / res.Load.Seconds()
	if res.QueryErr != "" {
		return res
	}
	// Wait until ClickHouse holds every acknowledged event (failed batches may have landed in
	// part too, so at least base+acked). Bounded to 15 minutes.
	want := base + res.Acked
	for i := 0; i < 3600; i++ {
		n, err := s.totalEvents(ctx)
		if err != nil {
			res.QueryErr = err.Error()
			return res
		}
		if n >= want {
			res.Queryable = time.Since(start)
			res.Drain = time.Since(end)
			res.E2ERate = float64(res.Acked) / res.Queryable.Seconds()
			return res
		}
		if ctx.Err() != nil {
			res.QueryErr = ctx.Err().Error()
			return res
		}
		time.Sleep(250 * time.Millisecond)
	}
	res.QueryErr = fmt.Sprintf("ClickHouse still lacks events after 15 min (want %d)", want)
	return res
}

// latencyResult is phases 3 and 4: an open-loop schedule of small requests, with freshness
// markers beside it.
type latencyResult struct {
	Rate, Batch          int
	Scheduled, Completed int64
	Failed               int64
	Skipped              int64 // scheduled but never sent: the phase's time limit passed first
	FirstErr             string
	Achieved             float64 // completed requests / (first scheduled → last completion)
	P50, P99, P999, Max  time.Duration
	Markers, Seen        int
	FreshP50, FreshP99   time.Duration
	FreshMax             time.Duration
	PollP50, PollP99     time.Duration
	Polls                int
	PollErr              string
	CacheHits            int // analytics queries the server answered from a cached result (the polls')
	// From the server's own histograms (bucket upper bounds, seconds): request received →
	// acknowledged, and the part of it spent waiting for Kafka.
	ServerAckP50, ServerAckP99, ProduceP50, ProduceP99 float64
	WriteP50, WriteP99                                 float64 // one producer write's round trip
	WriteBusy                                          float64 // share of the phase a producer write was in flight
	// Cores busy during the phase: the server process, its PostgreSQL's processes, this process
	// (HTTP clients, freshness polls), the whole machine (an external broker included).
	ServerCores, PGCores, LoadCores, MachineCores float64
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(d)))) - 1
	return d[max(0, min(i, len(d)-1))]
}

func latency(ctx context.Context, s *server, b *batcher, rate, batch int, d time.Duration, nonce string) latencyResult {
	res := latencyResult{Rate: rate, Batch: batch}
	total := int(float64(rate) * d.Seconds())
	total = min(total, 2_000_000)
	res.Scheduled = int64(total)
	interval := time.Second / time.Duration(rate)
	jobs := make(chan time.Time, total)
	const workers = 256
	lats := make([][]time.Duration, workers)
	var failed, skipped atomic.Int64
	var firstErr atomic.Value
	var lastDone atomic.Int64
	// A saturated server would make the queue of scheduled requests take far longer than d to
	// drain; past this limit the rest are counted as skipped instead of sent.
	limit := time.Now().Add(d + max(d, 30*time.Second))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for at := range jobs {
				if ctx.Err() != nil || time.Now().After(limit) {
					skipped.Add(1)
					continue // drain
				}
				_, err := s.postEvents(ctx, b.body(batch))
				now := time.Now()
				lastDone.Store(now.UnixNano())
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				// From the scheduled send time: a request that waited for a free worker
				// counts its wait (no coordinated omission).
				lats[w] = append(lats[w], now.Sub(at))
			}
		}()
	}

	// Freshness markers: one event in its own conversation every 100 ms, in January 2020
	// (its own partition), each with its own queue so one metrics query sees them all.
	type marker struct {
		ack  time.Time
		seen time.Time
	}
	nMarkers := int(d / (100 * time.Millisecond))
	markers := make([]marker, nMarkers)
	var mmu sync.Mutex
	markerDone := make(chan struct{})
	t0 := time.Now().Add(20 * time.Millisecond)
	go func() {
		defer close(markerDone)
		var mwg sync.WaitGroup
		for i := 0; i < nMarkers && ctx.Err() == nil; i++ {
			time.Sleep(time.Until(t0.Add(time.Duration(i) * 100 * time.Millisecond)))
			mwg.Add(1)
			go func() {
				defer mwg.Done()
				occurred := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format(time.RFC3339)
				body := fmt.Sprintf(`[{"id":"mk-%s-%d","type":"message.received","occurred_at":%q,"channel":"whatsapp","conversation_id":"mkc-%s-%d","customer":{"country":"DE","external_id":"mk%d"},"text":"freshness marker","queue":"mk-%s-%d"}]`,
					nonce, i, occurred, nonce, i, i, nonce, i)
				if _, err := s.postEvents(ctx, []byte(body)); err != nil {
					firstErr.CompareAndSwap(nil, "marker: "+err.Error())
					return
				}
				mmu.Lock()
				markers[i].ack = time.Now()
				mmu.Unlock()
			}()
		}
		mwg.Wait()
	}()
	pollDone := make(chan struct{})
	var polls []time.Duration
	go func() {
		defer close(pollDone)
		q := `{ metrics(measures: ["events"], dimensions: ["queue"], from: "2020-01-01T00:00:00Z", to: "2020-02-01T00:00:00Z", limit: 100000) { rows { dimensions values } } }`
		prefix := "mk-" + nonce + "-"
		var giveUp time.Time
		// One poll per 100 ms at most, like a dashboard refreshing ten times a second: the
		// resolution is fine against a 2 s target, and back-to-back polls would take CPU from
		// the acknowledgements measured in the same phase. Bounded: the phase plus 60 s.
		const every = 100 * time.Millisecond
		for i := 0; i < int((d+60*time.Second)/every) && ctx.Err() == nil; i++ {
			pstart := time.Now()
			rows, err := s.metrics(ctx, markerKey, q)
			now := time.Now()
			if err != nil {
				res.PollErr = err.Error()
				return
			}
			polls = append(polls, now.Sub(pstart))
			mmu.Lock()
			pending := 0
			for k := range rows {
				var idx int
				if rest, ok := strings.CutPrefix(k, prefix); ok {
					if _, err := fmt.Sscan(rest, &idx); err == nil && idx < len(markers) && markers[idx].seen.IsZero() {
						markers[idx].seen = now
					}
				}
			}
			for _, m := range markers {
				if m.seen.IsZero() {
					pending++
				}
			}
			mmu.Unlock()
			select {
			case <-markerDone:
				if giveUp.IsZero() {
					giveUp = now.Add(30 * time.Second)
				}
				if pending == 0 || now.After(giveUp) {
					return
				}
			default:
			}
			time.Sleep(time.Until(pstart.Add(every)))
		}
	}()

	start := time.Now()
	for i := 0; i < total && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		jobs <- at
	}
	close(jobs)
	wg.Wait()
	<-pollDone
	<-markerDone

	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	slices.Sort(all)
	res.Completed = int64(len(all))
	res.Failed, res.Skipped = failed.Load(), skipped.Load()
	if e, ok := firstErr.Load().(string); ok {
		res.FirstErr = e
	}
	if el := time.Unix(0, lastDone.Load()).Sub(start); el > 0 {
		res.Achieved = float64(res.Completed) / el.Seconds()
	}
	res.P50, res.P99, res.P999 = percentile(all, .5), percentile(all, .99), percentile(all, .999)
	if len(all) > 0 {
		res.Max = all[len(all)-1]
	}
	var fresh []time.Duration
	for _, m := range markers {
		if m.ack.IsZero() {
			continue
		}
		res.Markers++
		if !m.seen.IsZero() {
			res.Seen++
			fresh = append(fresh, max(0, m.seen.Sub(m.ack)))
		}
	}
	slices.Sort(fresh)
	res.FreshP50, res.FreshP99 = percentile(fresh, .5), percentile(fresh, .99)
	if len(fresh) > 0 {
		res.FreshMax = fresh[len(fresh)-1]
	}
	slices.Sort(polls)
	res.Polls = len(polls)
	res.PollP50, res.PollP99 = percentile(polls, .5), percentile(polls, .99)
	return res
}

// soakResult is the memory soak: a steady open-loop load while RSS is sampled.
type soakResult struct {
	Duration          time.Duration
	Rate              int // events/s offered
	Acked, Failed     int64
	FirstErr          string
	Start, Peak, End  float64     // MB
	Slope, SlopeLate  float64     // MB/min over the whole soak and over its second half
	Minutes           []float64   // mean RSS of each whole minute, MB: the curve behind the slopes
	Split             []memSample // every 10 s: where the memory is
	Samples           int
	LagAtEnd          int64 // acked events not yet queryable when the load stopped
	QueryableAfterEnd time.Duration
}

func soak(ctx context.Context, s *server, b *batcher, eventsPerSec int, d time.Duration) soakResult {
	res := soakResult{Duration: d, Rate: eventsPerSec}
	base, _ := s.totalEvents(ctx)
	const batch, tick = 500, 100 * time.Millisecond
	perTick := max(1, eventsPerSec*int(tick/time.Millisecond)/1000/batch) // requests per tick
	var acked, failed atomic.Int64
	var firstErr atomic.Value
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	start := time.Now()
	splitDone := make(chan struct{})
	go func() {
		defer close(splitDone)
		for ctx.Err() == nil && time.Since(start) < d {
			if m, err := s.memSplit(ctx); err == nil {
				res.Split = append(res.Split, m)
			}
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
			}
		}
	}()
	t := time.NewTicker(tick)
	for i := 0; i < int(d/tick) && ctx.Err() == nil; i++ {
		<-t.C
		for k := 0; k < perTick; k++ {
			select {
			case sem <- struct{}{}:
			default:
				failed.Add(batch) // the server is too far behind: count it, keep the schedule
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if _, err := s.postEvents(ctx, b.body(batch)); err != nil {
					failed.Add(batch)
					firstErr.CompareAndSwap(nil, err.Error())
					return
				}
				acked.Add(batch)
			}()
		}
	}
	t.Stop()
	wg.Wait()
	<-splitDone
	end := time.Now()
	res.Acked, res.Failed = acked.Load(), failed.Load()
	if e, ok := firstErr.Load().(string); ok {
		res.FirstErr = e
	}
	if n, err := s.totalEvents(ctx); err == nil {
		res.LagAtEnd = max(0, base+res.Acked-n)
	}
	for i := 0; i < 1200 && res.LagAtEnd > 0; i++ {
		if n, err := s.totalEvents(ctx); err == nil && n >= base+res.Acked {
			res.QueryableAfterEnd = time.Since(end)
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	samples := s.rssBetween(start, end)
	res.Samples = len(samples)
	if len(samples) > 0 {
		res.Start, res.End = samples[0].mb, samples[len(samples)-1].mb
		for _, x := range samples {
			res.Peak = max(res.Peak, x.mb)
		}
		res.Slope = slope(samples)
		res.SlopeLate = slope(samples[len(samples)/2:])
		res.Minutes = minuteMeans(samples)
	}
	return res
}

// memSample splits the server's memory at one moment: what the kernel counts (anonymous and
// file-backed resident pages: libchdb.so's code is file-backed) and what Go and chDB each say
// they hold. MB, except parts.
type memSample struct {
	t                     time.Time
	anon, file            float64 // RssAnon, RssFile
	goMB, chMB, cacheMB   float64 // Go runtime (sys − released); ClickHouse MemoryTracking; its caches
	jeMB                  float64 // resident in chDB's allocator (jemalloc), freed pages not yet purged included
	activeParts, oldParts float64
}

func (s *server) memSplit(ctx context.Context) (memSample, error) {
	m := memSample{t: time.Now()}
	st, err := procStatus(s.pid(), "RssAnon", "RssFile")
	if err != nil {
		return m, err
	}
	m.anon, m.file = st["RssAnon"], st["RssFile"]
	const active, outdated = `meridian_clickhouse_parts{state="active"`, `meridian_clickhouse_parts{state="outdated"`
	const resident = `meridian_clickhouse_allocator_bytes{kind="resident"`
	g, err := s.gauges(ctx, "go_memstats_sys_bytes", "go_memstats_heap_released_bytes", "meridian_clickhouse_memory_bytes",
		"meridian_clickhouse_cache_bytes", active, outdated, resident)
	if err != nil {
		return m, err
	}
	m.goMB = (g["go_memstats_sys_bytes"] - g["go_memstats_heap_released_bytes"]) / (1 << 20)
	m.chMB, m.cacheMB = g["meridian_clickhouse_memory_bytes"]/(1<<20), g["meridian_clickhouse_cache_bytes"]/(1<<20)
	m.activeParts, m.oldParts = g[active], g[outdated]
	m.jeMB = g[resident] / (1 << 20)
	return m, nil
}

// splitMinutes averages one field of the memory split over each whole minute.
func splitMinutes(xs []memSample, v func(memSample) float64) []float64 {
	if len(xs) == 0 {
		return nil
	}
	conv := make([]rssSample, len(xs))
	for i, x := range xs {
		conv[i] = rssSample{x.t, v(x)}
	}
	return minuteMeans(conv)
}

// minuteMeans averages the samples of each whole minute from the first sample on; the last,
// partial minute is left out, and a minute without samples gives 0.
func minuteMeans(xs []rssSample) []float64 {
	minutes := int(xs[len(xs)-1].t.Sub(xs[0].t) / time.Minute)
	sum, n := make([]float64, minutes), make([]int, minutes)
	for _, x := range xs {
		if m := int(x.t.Sub(xs[0].t) / time.Minute); m < minutes {
			sum[m] += x.mb
			n[m]++
		}
	}
	for m := range sum {
		if n[m] > 0 {
			sum[m] /= float64(n[m])
		}
	}
	return sum
}

// slope is the least-squares slope of RSS over time, in MB per minute.
func slope(xs []rssSample) float64 {
	if len(xs) < 2 {
		return 0
	}
	var st, sy, stt, sty float64
	n := float64(len(xs))
	for _, x := range xs {
		t := x.t.Sub(xs[0].t).Minutes()
		st += t
		sy += x.mb
		stt += t * t
		sty += t * x.mb
	}
	den := n*stt - st*st
	if den == 0 {
		return 0
	}
	return (n*sty - st*sy) / den
}
