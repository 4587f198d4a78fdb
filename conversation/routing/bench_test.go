package routing

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
)

// The benchmarks build a region the way the demo staffs one: 1,000 agents over five
// European time zones, a main language each plus one or two others, a few skills, some
// restricted to tiers, a fifth offline, shifts (day, late, night as two shifts, or none),
// and partial load; conversations follow the same language mix.

var (
	benchLangs   = []string{"de", "de", "de", "en", "en", "fr", "fr", "es", "it", "nl", "pl", "pt", "sv"}
	benchIntents = []string{"refund", "delivery", "billing", "technical", "account", "warranty", "order_status"}
	benchZones   = []string{"Europe/Berlin", "Europe/London", "Europe/Madrid", "Europe/Warsaw", "Europe/Lisbon"}
	benchTiers   = []string{"", "new", "returning", "returning", "vip"}
)

func benchAgents(rng *rand.Rand, n int) []*Agent {
	agents := make([]*Agent, n)
	for i := range agents {
		a := &Agent{
			ID:        fmt.Sprintf("agent-%04d", i),
			Name:      fmt.Sprintf("Agent %d", i),
			Region:    "eu",
			Team:      fmt.Sprintf("team-%d", i%20),
			Languages: map[string]int{benchLangs[rng.IntN(len(benchLangs))]: 5},
			Capacity:  map[string]int{"messaging": 3 + rng.IntN(4)},
			Timezone:  benchZones[rng.IntN(len(benchZones))],
			Online:    rng.IntN(5) != 0,
			Load:      map[string]int{},
		}
		for range 1 + rng.IntN(2) {
			a.Languages[benchLangs[rng.IntN(len(benchLangs))]] = 2 + rng.IntN(3)
		}
		if rng.IntN(5) != 0 { // a fifth are generalists
			for range 1 + rng.IntN(3) {
				a.Skills = append(a.Skills, benchIntents[rng.IntN(len(benchIntents))])
			}
			if rng.IntN(6) == 0 {
				a.Skills = append(a.Skills, "retention")
			}
		}
		switch rng.IntN(10) {
		case 0:
			a.Tiers = []string{"vip"}
		case 1, 2:
			a.Tiers = []string{"new", "returning"}
		}
		if rng.IntN(3) == 0 {
			a.Capacity["email"] = 10
		}
		a.Load["messaging"] = rng.IntN(a.Capacity["messaging"] + 1)
		switch rng.IntN(10) {
		case 0, 1: // always on shift
		case 2: // nights, as two shifts a night
			for d := 1; d <= 5; d++ {
				a.Shifts = append(a.Shifts, Shift{d, "22:00", "24:00"}, Shift{d%7 + 1, "00:00", "06:00"})
			}
		default:
			start, end := "08:00", "16:00"
			if rng.IntN(2) == 0 {
				start, end = "12:00", "20:00"
			}
			for d := 1; d <= 5; d++ {
				a.Shifts = append(a.Shifts, Shift{d, start, end})
			}
		}
		a.LastAssigned = now.Add(-time.Duration(rng.IntN(3600)) * time.Second)
		a.Stats = map[string]Stat{"": {N: 200 + rng.IntN(2000), ResolutionRate: 0.6 + 0.3*rng.Float64(), CSAT: 3.5 + rng.Float64()}}
		for tag := range a.Languages {
			in := benchIntents[rng.IntN(len(benchIntents))]
			a.Stats[in+"/"+tag] = Stat{N: rng.IntN(300), ResolutionRate: 0.5 + 0.5*rng.Float64(), CSAT: 3 + 2*rng.Float64()}
		}
		agents[i] = a
	}
	return agents
}

func benchConversations(rng *rand.Rand, n int) []Conversation {
	cs := make([]Conversation, n)
	for i := range cs {
		c := Conversation{
			ID:            fmt.Sprintf("conv-%06d", i),
			Region:        "eu",
			Language:      benchLangs[rng.IntN(len(benchLangs))],
			Channel:       "whatsapp",
			Tier:          benchTiers[rng.IntN(len(benchTiers))],
			Intent:        benchIntents[rng.IntN(len(benchIntents))],
			WaitingSince:  now.Add(-time.Duration(rng.IntN(600)) * time.Second),
			CustomerValue: rng.Float64(),
		}
		c.Priority = PriorityOf([]string{"NONE", "NORMAL", "NORMAL", "NORMAL", "HIGH", "CRITICAL"}[rng.IntN(6)], c.Tier)
		if rng.IntN(4) == 0 {
			c.Channel = "email"
		}
		if rng.IntN(8) == 0 {
			c.NeedsRetention = true
		}
		if rng.IntN(10) == 0 {
			c.PreviousAgent = fmt.Sprintf("agent-%04d", rng.IntN(1000))
		}
		if rng.IntN(10) == 0 {
			c.Exclude = []string{fmt.Sprintf("agent-%04d", rng.IntN(1000))}
		}
		cs[i] = c
	}
	return cs
}

// heapDelta returns the bytes build leaves on the heap.
func heapDelta(build func() any) (any, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return v, after.HeapAlloc - before.HeapAlloc
}

// heapInUse returns the bytes of heap spans in use after a collection: what the process
// holds for everything built so far.
func heapInUse() float64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse)
}

// timer records the duration of single calls: wall-clock, and the CPU time of the
// benchmark's OS thread, which leaves out the time other processes on a shared machine
// take (the goroutine is locked to its thread while timing).
type timer struct {
	wall, cpu []time.Duration
	c0        time.Duration
	start     time.Time
}

func newTimer() *timer {
	runtime.LockOSThread()
	return &timer{wall: make([]time.Duration, 0, 1<<16), cpu: make([]time.Duration, 0, 1<<16)}
}

func (t *timer) begin() {
	t.c0, _ = threadCPU()
	t.start = time.Now()
}

func (t *timer) end() {
	t.wall = append(t.wall, time.Since(t.start))
	if c, ok := threadCPU(); ok {
		t.cpu = append(t.cpu, c-t.c0)
	}
}

// report reports the 99th percentiles as p99-ns (wall-clock) and p99-cpu-ns.
func (t *timer) report(b *testing.B) {
	runtime.UnlockOSThread()
	p99 := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)*99/100].Nanoseconds())
	}
	if len(t.wall) > 0 {
		b.ReportMetric(p99(t.wall), "p99-ns")
	}
	if len(t.cpu) > 0 {
		b.ReportMetric(p99(t.cpu), "p99-cpu-ns")
	}
}

func BenchmarkRoute(b *testing.B) {
	rng := rand.New(rand.NewPCG(18, 1))
	v, agentBytes := heapDelta(func() any { return benchAgents(rng, 1000) })
	agents := v.([]*Agent)
	v, rosterBytes := heapDelta(func() any { return NewRoster(agents) })
	ro := v.(*Roster)
	convs := benchConversations(rng, 1024)
	at := now.Add(2 * time.Hour) // Monday 12:00 UTC: day and late shifts overlap
	v, routerBytes := heapDelta(func() any {
		r := NewRouter(Config{Global: Stat{N: 100000, ResolutionRate: 0.75, CSAT: 4.1}})
		r.Route(convs[0], agents, at) // load the time zones
		return r
	})
	r := v.(*Router)
	inUse := heapInUse()
	for _, mode := range []string{"scan", "roster"} {
		b.Run(mode, func(b *testing.B) {
			tm := newTimer()
			assigned := 0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c := convs[i%len(convs)]
				tm.begin()
				var d Decision
				if mode == "scan" {
					d = r.Route(c, agents, at)
				} else {
					d = r.RouteRoster(c, ro, at)
				}
				tm.end()
				if d.AgentID != "" {
					assigned++
				}
			}
			tm.report(b)
			b.ReportMetric(float64(agentBytes)/float64(len(agents)), "B/agent")
			if mode == "roster" {
				b.ReportMetric(float64(rosterBytes)/float64(len(agents)), "roster-B/agent")
			}
			b.ReportMetric(float64(routerBytes), "router-B")
			b.ReportMetric(inUse/(1<<20), "heap-inuse-MiB")
			b.ReportMetric(float64(assigned)/float64(len(tm.wall)), "assigned/op")
		})
	}
}

func BenchmarkNext(b *testing.B) {
	rng := rand.New(rand.NewPCG(18, 2))
	agents := benchAgents(rng, 1000)
	convs := benchConversations(rng, 10000)
	v, bytes := heapDelta(func() any {
		q := NewQueue()
		for _, c := range convs {
			q.Push(c)
		}
		return q
	})
	q := v.(*Queue)
	r := NewRouter(Config{})
	at := now.Add(2 * time.Hour)
	var ready []*Agent
	for _, a := range agents {
		if a.Online && r.onShift(a, at) {
			a.Load = map[string]int{} // freed capacity is why Next is called
			ready = append(ready, a)
		}
	}
	inUse := heapInUse()
	b.Run("agent", func(b *testing.B) {
		tm := newTimer()
		found := 0
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			a := ready[i%len(ready)]
			tm.begin()
			c, _, ok := r.Next(q, a, at)
			tm.end()
			if ok {
				found++
				q.Push(c) // keep 10,000 waiting
			}
		}
		tm.report(b)
		b.ReportMetric(float64(bytes)/float64(len(convs)), "B/waiting")
		b.ReportMetric(inUse/(1<<20), "heap-inuse-MiB")
		b.ReportMetric(float64(found)/float64(len(tm.wall)), "found/op")
	})
	// Worst cases: an agent who speaks the main languages but may take none of the
	// waiting conversations. A tier the queue does not hold is rejected by the slots'
	// numbers alone; a skill nobody asks for, with relaxation off, is too, but after a
	// few more tests per conversation.
	langs := map[string]int{"de": 5, "en": 5, "fr": 5, "es": 5, "it": 5, "nl": 5, "pl": 5, "pt": 5, "sv": 5}
	picky := map[string]*Agent{
		"nothing-fits-tier":  {ID: "picky", Region: "eu", Online: true, Capacity: map[string]int{"messaging": 4}, Languages: langs, Tiers: []string{"enterprise"}},
		"nothing-fits-skill": {ID: "picky", Region: "eu", Online: true, Capacity: map[string]int{"messaging": 4}, Languages: langs, Skills: []string{"astrology"}},
	}
	strict := NewRouter(Config{RelaxSkillsAfter: -1})
	for _, name := range []string{"nothing-fits-tier", "nothing-fits-skill"} {
		a := picky[name]
		b.Run(name, func(b *testing.B) {
			tm := newTimer()
			b.ReportAllocs()
			for b.Loop() {
				tm.begin()
				_, _, ok := strict.Next(q, a, at)
				tm.end()
				if ok {
					b.Fatal("found a conversation")
				}
			}
			tm.report(b)
		})
	}
}

func BenchmarkQueuePush(b *testing.B) {
	rng := rand.New(rand.NewPCG(18, 3))
	convs := benchConversations(rng, 10000)
	q := NewQueue()
	for _, c := range convs {
		q.Push(c)
	}
	for i := 0; b.Loop(); i++ {
		q.Push(convs[i%len(convs)]) // a replacement: Remove, then insert
	}
}
