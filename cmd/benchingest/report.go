package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

func num(f float64) string {
	s := fmt.Sprintf("%.0f", f)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < 10*time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func mark(ok bool) string {
	if ok {
		return " ✅"
	}
	return " ❌"
}

func slowerCeiling(r *modeResult, ch rawChDBResult) float64 {
	c := ch.Rate
	if r.raw.ProduceRate > 0 {
		c = min(c, r.raw.ProduceRate)
	}
	if r.raw.ConsumeRate > 0 {
		c = min(c, r.raw.ConsumeRate)
	}
	return c
}

// sharedCeiling is the rate at which the raw steps alone would fill the machine if they ran
// one after another on the same cores, as they do in the server: produce once, consume once
// (one consumer group per region feeds both stores), insert once. Each raw rate was measured
// with the machine to itself, so the costs per event add up.
func sharedCeiling(r *modeResult, ch rawChDBResult) float64 {
	if ch.Rate == 0 || r.raw.ProduceRate == 0 || r.raw.ConsumeRate == 0 {
		return 0
	}
	return 1 / (1/r.raw.ProduceRate + 1/r.raw.ConsumeRate + 1/ch.Rate)
}

func renderReport(o options, c *corpus, ch rawChDBResult, rs []*modeResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Results (%s)\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %s. The server (HTTP, ingest, producer, sinks, chDB, PostgreSQL), the load generator and the broker share these cores.\n\n", machineNotes())
	fmt.Fprintf(&b, "Command: `go run ./cmd/benchingest --duration %s --soak %s --kafka %s` (clients %d × %d events; latency %d req/s × 10 events; soak %d events/s). Events: %d distinct ingest/demo events cycled with fresh ids, mean request JSON %.0f B, mean Kafka message %.0f B.\n\n",
		o.duration, o.soak, o.kafka, o.clients, o.batch, o.rate, o.soakRate, len(c.events), c.meanJSON, c.meanMsg)

	header := "| measure |"
	sep := "|---|"
	for _, r := range rs {
		header += " " + map[string]string{"embedded": "embedded broker (kfake)", "apache": "Apache Kafka 4 (KRaft)"}[r.name] + " |"
		sep += "---|"
	}
	header += " target |"
	sep += "---|"
	b.WriteString(header + "\n" + sep + "\n")
	row := func(name, target string, cell func(r *modeResult) string) {
		b.WriteString("| " + name + " |")
		for _, r := range rs {
			b.WriteString(" " + cell(r) + " |")
		}
		b.WriteString(" " + target + " |\n")
	}
	row("raw: kafka-go produce alone (the server's producer, acks=all, 4 callers × 1000 messages)", "", func(r *modeResult) string {
		if r.raw.ProduceRate == 0 {
			return "error: " + r.raw.ProduceError + r.err
		}
		return fmt.Sprintf("%s msg/s (%.0f MB/s)", num(r.raw.ProduceRate), r.raw.ProduceMBs)
	})
	row("raw: kafka-go consumer-group Reader alone (commit per 20k)", "", func(r *modeResult) string {
		if r.raw.ConsumeRate == 0 {
			return "error: " + r.raw.ConsumeError
		}
		return num(r.raw.ConsumeRate) + " msg/s"
	})
	row("raw: chDB insert alone (EventWriter, Native format, 20k rows/insert)", "", func(*modeResult) string {
		if ch.Error != "" {
			return "error: " + ch.Error
		}
		return fmt.Sprintf("%s rows/s (%s/insert)", num(ch.Rate), ms(ch.MeanBatch))
	})
	row("slower raw ceiling", "", func(r *modeResult) string { return num(slowerCeiling(r, ch)) + " ev/s" })
	row("raw steps one after another on the same cores (1 produce + 1 consume + 1 insert per event)", "", func(r *modeResult) string {
		return num(sharedCeiling(r, ch)) + " ev/s"
	})
	row(fmt.Sprintf("warm-up, customers new (%d events, %d customers): acknowledged / → queryable", len(c.events), c.customers), "", func(r *modeResult) string {
		return fmt.Sprintf("%s / %s ev/s", num(r.cold.AckRate), num(r.cold.E2ERate))
	})
	row(fmt.Sprintf("sustained, customers known: acknowledged (%d clients × %d events)", o.clients, o.batch), "", func(r *modeResult) string {
		s := num(r.sust.AckRate) + " ev/s"
		if r.sust.Failed > 0 {
			s += fmt.Sprintf(" (%s events refused: %.80s)", num(float64(r.sust.Failed)), r.sust.FirstErr)
		}
		return s
	})
	row("sustained: acknowledged → queryable (first send → all in ClickHouse)", "≥ 50,000 ev/s", func(r *modeResult) string {
		if r.sust.E2ERate == 0 {
			return "not measured: " + r.sust.QueryErr
		}
		return num(r.sust.E2ERate) + " ev/s" + mark(r.sust.E2ERate >= 50000)
	})
	row("… as a share of the slower raw ceiling", "≥ 0.5", func(r *modeResult) string {
		c := slowerCeiling(r, ch)
		if r.sust.E2ERate == 0 || c == 0 {
			return "—"
		}
		f := r.sust.E2ERate / c
		return fmt.Sprintf("%.2f", f) + mark(f >= 0.5)
	})
	row("… as a share of the raw steps one after another", "", func(r *modeResult) string {
		c := sharedCeiling(r, ch)
		if r.sust.E2ERate == 0 || c == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f", r.sust.E2ERate/c)
	})
	row("… events / drain after the last ack", "", func(r *modeResult) string {
		return fmt.Sprintf("%s / %s", num(float64(r.sust.Acked)), ms(r.sust.Drain))
	})
	row("… server CPU per event, from the phase's start until the server is quiet again (Go and chDB, merges included; PostgreSQL's processes apart)", "", func(r *modeResult) string {
		if r.cpuPerEvent() == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f µs (%.1f CPU-s)", r.cpuPerEvent(), r.sustCPU)
	})
	row("… its PostgreSQL's CPU per event, the same span (the embedded cluster's processes: conversation and customer state, data keys)", "", func(r *modeResult) string {
		if r.sustPGCPU == 0 || r.sust.Acked == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f µs (%.1f CPU-s)", r.sustPGCPU/float64(r.sust.Acked)*1e6, r.sustPGCPU)
	})
	row(fmt.Sprintf("ack latency p50 / p99 / max (open loop, %d req/s × 10 events)", o.rate), "p99 < 20 ms", func(r *modeResult) string {
		if r.lat.Completed == 0 {
			return "—"
		}
		return fmt.Sprintf("%s / %s / %s", ms(r.lat.P50), ms(r.lat.P99), ms(r.lat.Max)) + mark(r.lat.P99 < 20*time.Millisecond)
	})
	row("… achieved rate (completed / failed / never sent requests)", fmt.Sprintf("%s req/s", num(float64(o.rate))), func(r *modeResult) string {
		s := fmt.Sprintf("%s req/s (%s / %s / %s)", num(r.lat.Achieved), num(float64(r.lat.Completed)), num(float64(r.lat.Failed)), num(float64(r.lat.Skipped)))
		if r.lat.FirstErr != "" {
			s += fmt.Sprintf(" first error: %.80s", r.lat.FirstErr)
		}
		return s
	})
	row("… inside the server, by its histograms: received → acknowledged p50 / p99; of it in the producer p50 / p99; one producer write's round trip p50 / p99 (bucket bounds), share of the phase a write was in flight", "", func(r *modeResult) string {
		b := func(v float64) string {
			if math.IsNaN(v) || v == 0 {
				return "—"
			}
			return "≤ " + ms(time.Duration(v*float64(time.Second)))
		}
		return fmt.Sprintf("%s / %s; %s / %s; %s / %s, %.2f", b(r.lat.ServerAckP50), b(r.lat.ServerAckP99), b(r.lat.ProduceP50), b(r.lat.ProduceP99),
			b(r.lat.WriteP50), b(r.lat.WriteP99), r.lat.WriteBusy)
	})
	row("freshness ack → queryable p50 / p99 / max (markers seen/sent)", "p99 < 2 s", func(r *modeResult) string {
		if r.lat.Seen == 0 {
			return "not measured " + r.lat.PollErr
		}
		return fmt.Sprintf("%s / %s / %s (%d/%d)", ms(r.lat.FreshP50), ms(r.lat.FreshP99), ms(r.lat.FreshMax), r.lat.Seen, r.lat.Markers) +
			mark(r.lat.FreshP99 < 2*time.Second && r.lat.Seen == r.lat.Markers)
	})
	row("… cores busy during the phase: server / its PostgreSQL / load generator and polls / whole machine", "", func(r *modeResult) string {
		return fmt.Sprintf("%.2f / %.2f / %.2f / %.2f", r.lat.ServerCores, r.lat.PGCores, r.lat.LoadCores, r.lat.MachineCores)
	})
	row("… poll round trip p50 / p99 (resolution of the above)", "", func(r *modeResult) string {
		return fmt.Sprintf("%s / %s (%d polls, %d answered from a cached result)", ms(r.lat.PollP50), ms(r.lat.PollP99), r.lat.Polls, r.lat.CacheHits)
	})
	row("server RSS when ready / peak / end (whole run)", "", func(r *modeResult) string {
		return fmt.Sprintf("%.0f / %.0f / %.0f MB", r.rssStart, r.rssPeak, r.rssEnd)
	})
	if o.soak > 0 {
		row(fmt.Sprintf("soak %s at %s ev/s: RSS start / peak / end", o.soak, num(float64(o.soakRate))), "", func(r *modeResult) string {
			if r.soak == nil {
				return "—"
			}
			s := r.soak
			return fmt.Sprintf("%.0f / %.0f / %.0f MB (acked %s, refused %s)", s.Start, s.Peak, s.End, num(float64(s.Acked)), num(float64(s.Failed)))
		})
		row("… RSS slope whole soak / second half", "flat (≈ 0 MB/min)", func(r *modeResult) string {
			if r.soak == nil {
				return "—"
			}
			return fmt.Sprintf("%+.2f / %+.2f MB/min", r.soak.Slope, r.soak.SlopeLate) + mark(r.soak.SlopeLate < 1)
		})
		byMinute := func(label string, v func(memSample) float64) {
			row(label, "", func(r *modeResult) string {
				if r.soak == nil {
					return "—"
				}
				return minutes(splitMinutes(r.soak.Split, v))
			})
		}
		row("… RSS by minute (mean of each minute's samples)", "", func(r *modeResult) string {
			if r.soak == nil {
				return "—"
			}
			return minutes(r.soak.Minutes)
		})
		byMinute("… of it anonymous (heap, stacks) by minute", func(m memSample) float64 { return m.anon })
		byMinute("… of it file-backed (libchdb.so's code, mapped files) by minute", func(m memSample) float64 { return m.file })
		byMinute("… Go runtime, from the OS less what it returned, by minute", func(m memSample) float64 { return m.goMB })
		byMinute("… chDB's tracked memory by minute (MemoryTracking)", func(m memSample) float64 { return m.chMB })
		byMinute("… of it chDB's caches by minute (marks, primary index, conditions, …)", func(m memSample) float64 { return m.cacheMB })
		byMinute("… chDB's allocator, resident, by minute (jemalloc: freed pages until purged included)", func(m memSample) float64 { return m.jeMB })
		row("… chDB's active / outdated parts by minute", "", func(r *modeResult) string {
			if r.soak == nil || len(r.soak.Split) == 0 {
				return "—"
			}
			a := splitMinutes(r.soak.Split, func(m memSample) float64 { return m.activeParts })
			o := splitMinutes(r.soak.Split, func(m memSample) float64 { return m.oldParts })
			parts := make([]string, len(a))
			for i := range a {
				parts[i] = fmt.Sprintf("%.0f/%.0f", a[i], o[i])
			}
			return strings.Join(parts, ", ")
		})
	}
	row("machine load average (1 min) after each phase", "≤ 2 (2 cores)", func(r *modeResult) string {
		return strings.Join(r.load, ", ")
	})
	for _, r := range rs {
		if r.err != "" {
			fmt.Fprintf(&b, "\n%s: error: %s\n", r.name, r.err)
		}
		if r.graphqlErr != "" {
			fmt.Fprintf(&b, "\n%s: GraphQL metrics query failed: %s\n", r.name, r.graphqlErr)
		}
		if r.profile != "" {
			fmt.Fprintf(&b, "\n%s: server CPU profile of the sustained phase: %s\n", r.name, r.profile)
		}
		if r.latProfile != "" {
			fmt.Fprintf(&b, "%s: server CPU profile of the latency phase: %s\n", r.name, r.latProfile)
		}
	}
	return b.String()
}

// minutes formats per-minute means in MB.
func minutes(mb []float64) string {
	if len(mb) == 0 {
		return "—"
	}
	parts := make([]string, len(mb))
	for i, v := range mb {
		parts[i] = fmt.Sprintf("%.0f", v)
	}
	return strings.Join(parts, ", ") + " MB"
}
