package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-cs/meridian/store/postgres"
)

// Verification is the outcome of recomputing a region's chain.
type Verification struct {
	Region string
	// Valid: every entry is where the chain puts it, unchanged, and the log reaches every
	// anchor and its head.
	Valid bool
	// Entries is how many entries the log holds.
	Entries int
	// FirstInvalidEntry is the seq of the first bad entry (changed, missing, out of place, or
	// the first one cut from the tail); nil when Valid.
	FirstInvalidEntry *int64
	// Reason says what is wrong with it, for people; "" when Valid.
	Reason string
}

// AnchorRecord is a head recorded at a time.
type AnchorRecord struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"` // hex
	At   time.Time `json:"at"`
}

// Verify recomputes region's chain in one snapshot: each entry's seq follows the previous one,
// its prev_hash is the previous entry's hash, its hash is Hash of what it holds, every anchor
// at or before the end matches the chain, and no anchor (nor the head) lies beyond it. The
// first failure names the entry; a region without the table (not migrated) is an error.
func Verify(ctx context.Context, pool *pgxpool.Pool, region string) (Verification, error) {
	schema := postgres.RegionSchema(region)
	v := Verification{Region: region}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return v, fmt.Errorf("audit %s: %w", region, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	anchors, err := readAnchors(ctx, tx, schema)
	if err != nil {
		return v, fmt.Errorf("audit %s: %w", region, err)
	}
	var headSeq int64
	var headHash []byte
	if err := tx.QueryRow(ctx, "SELECT seq, hash FROM "+pgx.Identifier{schema, "audit_head"}.Sanitize()).Scan(&headSeq, &headHash); err != nil {
		return v, fmt.Errorf("audit %s: head: %w", region, err)
	}
	bad := func(seq int64, format string, args ...any) {
		if v.FirstInvalidEntry == nil {
			v.FirstInvalidEntry = &seq
			v.Reason = fmt.Sprintf(format, args...)
		}
	}
	rows, err := tx.Query(ctx, "SELECT "+selectColumns+" FROM "+pgx.Identifier{schema, "audit_log"}.Sanitize()+" ORDER BY seq")
	if err != nil {
		return v, fmt.Errorf("audit %s: %w", region, err)
	}
	defer rows.Close()
	expect, prev := int64(1), zeroHash
	for rows.Next() {
		e, storedPrev, storedHash, err := scanEntry(rows)
		if err != nil {
			return v, fmt.Errorf("audit %s: %w", region, err)
		}
		v.Entries++
		if v.FirstInvalidEntry != nil {
			continue // past the first break the chain proves nothing; count the rest
		}
		switch h := Hash(e, prev); {
		case e.Seq != expect:
			bad(expect, "entry %d is missing (the next one is %d)", expect, e.Seq)
		case !bytes.Equal(storedPrev, prev):
			bad(e.Seq, "entry %d does not follow entry %d (its prev_hash differs)", e.Seq, e.Seq-1)
		case !bytes.Equal(storedHash, h):
			bad(e.Seq, "entry %d was changed (its hash differs from its content)", e.Seq)
		case anchors[e.Seq] != nil && !bytes.Equal(anchors[e.Seq], h):
			bad(e.Seq, "entry %d differs from its anchor", e.Seq)
		default:
			prev, expect = h, e.Seq+1
		}
	}
	if err := rows.Err(); err != nil {
		return v, fmt.Errorf("audit %s: %w", region, err)
	}
	last := expect - 1
	if v.FirstInvalidEntry == nil {
		for _, seq := range slices.Sorted(maps.Keys(anchors)) {
			if seq > last {
				bad(last+1, "an anchor records entry %d; the log ends at %d (its tail was removed)", seq, last)
				break
			}
		}
	}
	switch {
	case headSeq > last:
		bad(last+1, "the head records entry %d; the log ends at %d (its tail was removed)", headSeq, last)
	case headSeq < last:
		bad(headSeq+1, "entries %d to %d were not appended by Meridian (the head records %d)", headSeq+1, last, headSeq)
	case !bytes.Equal(headHash, prev):
		bad(last, "entry %d differs from the head", last)
	}
	v.Valid = v.FirstInvalidEntry == nil
	return v, nil
}

func readAnchors(ctx context.Context, tx pgx.Tx, schema string) (map[int64][]byte, error) {
	rows, err := tx.Query(ctx, "SELECT seq, hash FROM "+pgx.Identifier{schema, "audit_anchors"}.Sanitize())
	if err != nil {
		return nil, fmt.Errorf("anchors: %w", err)
	}
	defer rows.Close()
	out := map[int64][]byte{}
	for rows.Next() {
		var seq int64
		var h []byte
		if err := rows.Scan(&seq, &h); err != nil {
			return nil, err
		}
		if seq > 0 {
			out[seq] = h
		}
	}
	return out, rows.Err()
}

const selectColumns = "seq, at, tenant_id, key_id, role, action, subject, region, remote_addr, outcome, prev_hash, hash"

func scanEntry(rows pgx.Rows) (Entry, []byte, []byte, error) {
	var e Entry
	var prev, h []byte
	if err := rows.Scan(&e.Seq, &e.At, &e.Tenant, &e.KeyID, &e.Role, &e.Action, &e.Subject, &e.Region, &e.From, &e.Outcome, &prev, &h); err != nil {
		return Entry{}, nil, nil, err
	}
	e.At = e.At.UTC()
	e.PrevHash, e.Hash = hex.EncodeToString(prev), hex.EncodeToString(h)
	return e, prev, h, nil
}

// Anchor records region's head (its last entry's seq and hash) with the time now, holding the
// head's lock so that it anchors a point of the chain appenders agree on. An empty log has
// nothing to anchor: it returns seq 0 and records nothing.
func Anchor(ctx context.Context, pool *pgxpool.Pool, region string) (AnchorRecord, error) {
	schema := postgres.RegionSchema(region)
	tx, err := pool.Begin(ctx)
	if err != nil {
		return AnchorRecord{}, fmt.Errorf("audit %s: anchor: %w", region, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, "SELECT 1 FROM "+pgx.Identifier{schema, "audit_head"}.Sanitize()+" FOR UPDATE"); err != nil {
		return AnchorRecord{}, fmt.Errorf("audit %s: anchor: %w", region, err)
	}
	var a AnchorRecord
	var h []byte
	err = tx.QueryRow(ctx, "SELECT seq, hash, now() FROM "+pgx.Identifier{schema, "audit_log"}.Sanitize()+" ORDER BY seq DESC LIMIT 1").Scan(&a.Seq, &h, &a.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return AnchorRecord{}, nil
	}
	if err != nil {
		return AnchorRecord{}, fmt.Errorf("audit %s: anchor: %w", region, err)
	}
	a.Hash, a.At = hex.EncodeToString(h), a.At.UTC()
	if _, err := tx.Exec(ctx, "INSERT INTO "+pgx.Identifier{schema, "audit_anchors"}.Sanitize()+" (seq, hash, at) VALUES ($1, $2, $3) ON CONFLICT (seq) DO NOTHING", a.Seq, h, a.At); err != nil {
		return AnchorRecord{}, fmt.Errorf("audit %s: anchor: %w", region, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return AnchorRecord{}, fmt.Errorf("audit %s: anchor: %w", region, err)
	}
	return a, nil
}

// Query selects entries of a region's log, in seq order.
type Query struct {
	Tenant  string // only this tenant's entries ("" every tenant's)
	After   int64  // entries with a greater seq
	First   int    // at most this many; 0 means all
	Subject string // only this customer or conversation ("" any)
	Action  string // only this action ("" any)
}

// List returns region's entries that q selects, and whether more follow.
func List(ctx context.Context, pool *pgxpool.Pool, region string, q Query) ([]Entry, bool, error) {
	var out []Entry
	more := false
	err := each(ctx, pool, region, q, func(e Entry) error {
		if q.First > 0 && len(out) == q.First {
			more = true
			return errStop
		}
		out = append(out, e)
		return nil
	})
	return out, more, err
}

// Export writes region's entries as JSON lines (Entry, hashes in hex), in seq order.
func Export(ctx context.Context, pool *pgxpool.Pool, region string, w io.Writer) (int, error) {
	enc := json.NewEncoder(w)
	n := 0
	err := each(ctx, pool, region, Query{}, func(e Entry) error {
		n++
		return enc.Encode(e)
	})
	return n, err
}

var errStop = errors.New("stop")

func each(ctx context.Context, pool *pgxpool.Pool, region string, q Query, f func(Entry) error) error {
	// Only the conditions asked for, so the planner can use the subject and action indexes.
	sql := "SELECT " + selectColumns + " FROM " + pgx.Identifier{postgres.RegionSchema(region), "audit_log"}.Sanitize() + " WHERE seq > $1"
	args := []any{q.After}
	for _, c := range []struct{ col, v string }{{"subject", q.Subject}, {"action", q.Action}, {"tenant_id", q.Tenant}} {
		if c.v != "" {
			args = append(args, c.v)
			sql += fmt.Sprintf(" AND %s = $%d", c.col, len(args))
		}
	}
	sql += " ORDER BY seq"
	if q.First > 0 {
		args = append(args, q.First+1)
		sql += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("audit %s: %w", region, err)
	}
	defer rows.Close()
	for rows.Next() {
		e, _, _, err := scanEntry(rows)
		if err != nil {
			return fmt.Errorf("audit %s: %w", region, err)
		}
		if err := f(e); errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit %s: %w", region, err)
	}
	return nil
}

// ErrUnknownRegion is returned for a region the log does not keep.
var ErrUnknownRegion = errors.New("audit: unknown region")

func (l *Log) check(region string) error {
	if !slices.Contains(l.o.Regions, region) {
		return fmt.Errorf("%w %q", ErrUnknownRegion, region)
	}
	return nil
}

// Verify is Verify on the log's database.
func (l *Log) Verify(ctx context.Context, region string) (Verification, error) {
	if err := l.check(region); err != nil {
		return Verification{}, err
	}
	return Verify(ctx, l.pool, region)
}

// Anchor is Anchor on the log's database.
func (l *Log) Anchor(ctx context.Context, region string) (AnchorRecord, error) {
	if err := l.check(region); err != nil {
		return AnchorRecord{}, err
	}
	return Anchor(ctx, l.pool, region)
}

// List is List on the log's database.
func (l *Log) List(ctx context.Context, region string, q Query) ([]Entry, bool, error) {
	if err := l.check(region); err != nil {
		return nil, false, err
	}
	return List(ctx, l.pool, region, q)
}
