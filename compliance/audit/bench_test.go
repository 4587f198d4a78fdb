package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal"
)

// benchPool is a migrated database: pgtest's cluster (no fsync) or, durable, a cluster of its
// own with PostgreSQL's defaults (fsync on every commit), as a deployment runs it.
func benchPool(b *testing.B, durable bool) *pgxpool.Pool {
	b.Helper()
	if !durable {
		return open(b).Pool
	}
	ctx := context.Background()
	c, err := pglocal.Start(ctx, filepath.Join(b.TempDir(), "pg"), nil, pglocal.WithStopOnParentExit())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Stop(context.Background()) })
	db, err := postgres.Open(ctx, c.DSN())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	if _, err := db.Migrate(ctx, regions); err != nil {
		b.Fatal(err)
	}
	return db.Pool
}

var read = compliance.AuditEntry{Tenant: "acme", KeyID: "5f2b", Role: "agent", Action: compliance.ActionReadText, Region: "eu", Subject: "cus_123456", Outcome: compliance.OutcomeMasked}

func durability(durable bool) string {
	if durable {
		return "fsync"
	}
	return "nofsync"
}

// What a gated read costs its request (Record queues; the writer batches behind it), and the
// sustained rate: the loop includes Close, which waits until every entry is committed.
func BenchmarkRecordSustained(b *testing.B) {
	for _, durable := range []bool{false, true} {
		b.Run(durability(durable), func(b *testing.B) {
			pool := benchPool(b, durable)
			l, err := audit.New(pool, audit.Options{Regions: regions})
			if err != nil {
				b.Fatal(err)
			}
			ctx := principalCtx()
			var queued time.Duration
			start := time.Now()
			for b.Loop() {
				e := read
				e.At = time.Now()
				l.Record(ctx, e)
			}
			queued = time.Since(start)
			if err := l.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(queued.Nanoseconds())/float64(b.N), "ns-queued/op")
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "committed/s")
		})
	}
}

// What the reads of one page of a conversation list (50 conversations: 150 gated reads) cost
// their request while the writer keeps up: queueing only. Between pages, untimed, an Append
// waits until the page's entries are committed, so every page finds the queue empty.
func BenchmarkRecordPageOf150Reads(b *testing.B) {
	for _, durable := range []bool{false, true} {
		b.Run(durability(durable), func(b *testing.B) {
			pool := benchPool(b, durable)
			l, err := audit.New(pool, audit.Options{Regions: regions})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close(context.Background())
			ctx := principalCtx()
			for b.Loop() {
				for range 150 {
					e := read
					e.At = time.Now()
					l.Record(ctx, e)
				}
				b.StopTimer()
				if _, err := l.Append(ctx, audit.Entry{Action: audit.ActionVerify, Region: "eu"}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// A synchronous append (Append: one administrative action waiting for its commit), one
// caller at a time and from many at once (whose entries share transactions).
func BenchmarkAppendCommitted(b *testing.B) {
	for _, durable := range []bool{false, true} {
		for _, par := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/callers=%d", durability(durable), par), func(b *testing.B) {
				pool := benchPool(b, durable)
				l, err := audit.New(pool, audit.Options{Regions: regions})
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close(context.Background())
				ctx := principalCtx()
				b.SetParallelism(par)
				if par == 1 {
					for b.Loop() {
						if _, err := l.Append(ctx, audit.Entry{Action: audit.ActionSetPresence, Region: "eu", Subject: "agent_1"}); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := l.Append(ctx, audit.Entry{Action: audit.ActionSetPresence, Region: "eu", Subject: "agent_1"}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// Verify of a region of 100,000 entries: ns per entry.
func BenchmarkVerify100k(b *testing.B) {
	pool := benchPool(b, false)
	l, err := audit.New(pool, audit.Options{Regions: regions})
	if err != nil {
		b.Fatal(err)
	}
	ctx := principalCtx()
	const n = 100_000
	for range n {
		l.Record(ctx, read)
	}
	if err := l.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		v, err := audit.Verify(context.Background(), pool, "eu")
		if err != nil || !v.Valid || v.Entries != n {
			b.Fatalf("%+v %v", v, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
}
