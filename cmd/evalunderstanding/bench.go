package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/enrich"
	"github.com/meridian-cs/meridian/understanding/language"
)

// bench measures the analyzer on the demo traffic's inbound messages (a week of them, in
// their order): the detector's load time and resident memory, then every message in turn on
// one core (GOMAXPROCS=1) for d: analyses per second, p50 and p99 of one analysis.
func bench(d time.Duration) error {
	var inputs []understanding.Input
	g := demo.New(demo.Config{Seed: 1, Start: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), MessagesPerHour: 200})
	err := g.Each(context.Background(), func(e models.Event) error {
		if e.Type == models.MessageReceived && e.Direction == models.Inbound && e.Text != "" {
			inputs = append(inputs, enrich.Input(e, e.Text))
		}
		return nil
	})
	if err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	before, _ := memory()
	start := time.Now()
	det, err := language.New(language.Config{})
	if err != nil {
		return err
	}
	load := time.Since(start)
	runtime.GC()
	debug.FreeOSMemory()
	after, peak := memory()
	a := &understanding.Analyzer{Detector: det}
	runtime.GOMAXPROCS(1)
	var lat []time.Duration
	ctx := context.Background()
	end := time.Now().Add(d)
	for i := 0; time.Now().Before(end); i++ {
		t := time.Now()
		a.Analyze(ctx, inputs[i%len(inputs)])
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	var total time.Duration
	for _, l := range lat {
		total += l
	}
	fmt.Printf("| demo inbound messages (one week, seed 1) | %d |\n|---|---|\n", len(inputs))
	fmt.Printf("| detector load | %.1f s |\n| resident memory of the detector (VmRSS after load, GC, FreeOSMemory, minus before) | %.0f MB (peak VmHWM %.0f MB) |\n", load.Seconds(), after-before, peak)
	fmt.Printf("| analyses | %d in %s on one core (GOMAXPROCS=1) |\n| analyses per second per core | %.0f |\n", len(lat), d, float64(len(lat))/total.Seconds())
	fmt.Printf("| p50 / p99 / max of one analysis | %s / %s / %s |\n", q(0.5).Round(time.Microsecond), q(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	return nil
}

// memory is VmRSS and VmHWM of this process, in MB.
func memory() (rss, peak float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fs[1], 64)
		switch fs[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}
