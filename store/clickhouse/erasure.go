package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// erasedColumns are the events' columns that can hold what a person said or who they are;
// an erasure clears them. Counts, times, channels and languages stay for the dashboards.
const erasedColumns = "text = '', summary = '', reason = '', platform_message_id = '', attributes = map()"

// EraseCustomer anonymises every event of the customers ids in region's events table: a
// mutation rewrites the parts that hold them with the personal columns cleared and the
// customer id replaced by replacement, and returns once it is applied (mutations_sync). The
// parts it replaced, which still hold the old values, are then removed from disk: the table's
// old_parts_lifetime is 0 until none of them is left (or ctx ends), then reset. It returns the
// rows it rewrote. Erasures of one table must not overlap (the caller serialises them). With
// a cluster (the Layout's), the mutation runs ON CLUSTER on the local tables and every
// replica's parts are waited for; that path has not been run against a cluster.
func EraseCustomer(ctx context.Context, db DB, cluster, region, tenant string, ids []string, replacement string) (int64, error) {
	l := Layout{DB: Database(region), Cluster: cluster}
	table := Database(region) + ".events" // the Distributed table on a cluster
	local := l.DB + "." + l.Local("events") + " " + l.OnCluster()
	match := "tenant = " + Quote(tenant) + " AND customer_id IN (" + quoteList(ids) + ")"
	n, err := count(ctx, db, "SELECT count() FROM "+table+" WHERE "+match)
	if err != nil {
		return 0, fmt.Errorf("erasure %s: %w", region, err)
	}
	if n == 0 {
		return 0, nil
	}
	// Outdated parts are kept 8 minutes by default (a crash shortly after a merge); these must
	// not be, so the cleanup thread (woken every few seconds, clickhouse migration 0006) removes
	// them as soon as it runs.
	if err := db.Exec(ctx, "ALTER TABLE "+local+" MODIFY SETTING old_parts_lifetime = 0"); err != nil {
		return 0, fmt.Errorf("erasure %s: %w", region, err)
	}
	defer func() {
		// A context of its own: the table must get its default back even when ctx ended.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = db.Exec(rctx, "ALTER TABLE "+local+" RESET SETTING old_parts_lifetime")
	}()
	err = db.Exec(ctx, "ALTER TABLE "+local+" UPDATE "+erasedColumns+", customer_id = "+Quote(replacement)+" WHERE "+match+" SETTINGS mutations_sync = 2")
	if err != nil {
		return 0, fmt.Errorf("erasure %s: %w", region, err)
	}
	if err := waitOutdatedGone(ctx, db, region, l); err != nil {
		return n, err
	}
	return n, nil
}

// waitOutdatedGone waits until the events table of l (on every replica of a cluster) has no
// outdated part that became outdated by the time it was called: those are the parts a
// mutation just replaced.
func waitOutdatedGone(ctx context.Context, db DB, region string, l Layout) error {
	parts := "system.parts"
	if l.Cluster != "" {
		parts = "clusterAllReplicas(" + Quote(l.Cluster) + ", system.parts)"
	}
	now, err := db.Query(ctx, "SELECT toString(now() + 1)")
	if err != nil || len(now.Rows) != 1 {
		return fmt.Errorf("erasure %s: clock: %w", region, err)
	}
	q := "SELECT count() FROM " + parts + " WHERE database = " + Quote(l.DB) +
		" AND table = " + Quote(l.Local("events")) + " AND NOT active AND remove_time <= toDateTime(" + Quote(String(now.Rows[0][0])) + ")"
	for {
		n, err := count(ctx, db, q)
		if err != nil {
			return fmt.Errorf("erasure %s: outdated parts: %w", region, err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			parts, _ := db.Query(context.WithoutCancel(ctx), strings.Replace(q, "SELECT count()", "SELECT name, toString(remove_time)", 1))
			var names []string
			if parts != nil {
				for _, r := range parts.Rows {
					names = append(names, fmt.Sprint(r))
				}
			}
			return fmt.Errorf("erasure %s: %d outdated parts still on disk (%s): %w", region, n, strings.Join(names, ", "), ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// CustomerResidue counts the events of region that still carry one of the ids.
func CustomerResidue(ctx context.Context, db DB, region, tenant string, ids []string) (int64, error) {
	n, err := count(ctx, db, "SELECT count() FROM "+Database(region)+".events WHERE tenant = "+Quote(tenant)+" AND customer_id IN ("+quoteList(ids)+")")
	if err != nil {
		return 0, fmt.Errorf("erasure %s: %w", region, err)
	}
	return n, nil
}

func count(ctx context.Context, db DB, q string) (int64, error) {
	res, err := db.Query(ctx, q)
	if err != nil {
		return 0, err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != 1 {
		return 0, fmt.Errorf("clickhouse: %s: no count", q)
	}
	return int64(Float(res.Rows[0][0])), nil
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = Quote(v)
	}
	return strings.Join(q, ", ")
}
