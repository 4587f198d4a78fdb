// Package audit is Meridian's audit trail: a hash-chained, append-only log per residency
// region in PostgreSQL (table audit_log in the region's schema, region migration 0019) of every
// read of personal data (it implements compliance.Auditor for the gate) and every
// administrative or compliance action (Append).
//
// Each entry records when, which tenant, which API key (auth.Principal.KeyID, the key's
// SHA-256) with which role, the action, its subject (a pseudonymous customer or conversation
// id, never personal data), the region, the caller's remote address (from the request
// context, WithRemoteAddr or Middleware) and the outcome. Entries are numbered by a gapless
// seq per region and chained: hash = SHA-256(canonical entry || prev_hash), prev_hash being
// the previous entry's hash (32 zero bytes for the first). The canonical encoding (Hash) is
// each field as its length in bytes (unsigned LEB128) and its UTF-8 bytes, in the order
// "meridian.audit.v1", seq (decimal), at (RFC 3339 UTC with microseconds), tenant, key id,
// role, action, subject, region, remote address, outcome; then the 32 bytes of prev_hash.
//
// Appends to a region are serialised by a lock on its head row (audit_head, SELECT ... FOR
// UPDATE), so that the chain stays linear when several processes append. Anchors
// (audit_anchors) record the head's seq and hash at a time, periodically and on demand
// (Anchor), so that removing the tail of the log, which leaves a valid shorter chain, is
// detected too. Verify recomputes a region's chain and names the first bad entry. An attacker
// with write access to the database can still rewrite the log and its anchors together;
// copying anchors out of the database (the export, an auditor's notes) closes that.
//
// Writes go through one writer goroutine that batches what is queued into one transaction
// per region, so a request that reads a page of conversations does not wait for PostgreSQL
// once per field read. The price is a crash window: a read is recorded (Record) before the
// entry is committed, and entries queued but not yet committed when the process dies are
// lost (at most the queue, Options.Buffer; in practice the few milliseconds of one batch).
// Append, for administrative actions, waits until its entry is committed. When PostgreSQL is
// down the writer retries; once the queue is full, reads wait for room (the trail is never
// silently skipped), and a read whose request ends first is logged at Error level instead.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/store/postgres"
)

// Actions of administration and compliance, besides the gate's reads (compliance.ActionRead*).
const (
	ActionUpsertAgent      = "admin.upsert_agent"
	ActionUpsertTeam       = "admin.upsert_team"
	ActionSetPresence      = "admin.set_presence"
	ActionConfigureChannel = "admin.configure_channel"
	ActionLinkIdentities   = "admin.link_identities"
	ActionUnlinkIdentity   = "admin.unlink_identity"
	ActionSetCountry       = "admin.set_customer_country"
	ActionVerify           = "compliance.verify_audit_log"
	ActionReadLog          = "compliance.read_audit_log"
	ActionExport           = "compliance.export_audit_log"
	ActionApplyRetention   = "compliance.apply_retention"
	ActionResidencyReport  = "compliance.residency_report"
	ActionSetConsent       = "admin.set_consent"
	ActionReadConsents     = "read.consents"
	ActionErase            = "compliance.erase_customer"
	ActionPlaceHold        = "compliance.place_legal_hold"
	ActionReleaseHold      = "compliance.release_legal_hold"
	ActionExportCustomer   = "compliance.export_customer_data"
	ActionReadHolds        = "compliance.read_legal_holds"
	ActionReadCertificates = "compliance.read_erasure_certificates"
)

// Outcomes of an administrative action (reads use compliance.Outcome*).
const (
	OutcomeDone = "done"
)

// Entry is one line of the audit trail. Seq, PrevHash and Hash are set when it is appended.
type Entry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Tenant   string    `json:"tenant"`
	KeyID    string    `json:"key_id"`
	Role     string    `json:"role"`
	Action   string    `json:"action"`
	Subject  string    `json:"subject"`
	Region   string    `json:"region"`
	From     string    `json:"from"`
	Outcome  string    `json:"outcome"`
	PrevHash string    `json:"prev_hash"` // hex
	Hash     string    `json:"hash"`      // hex
}

// timeLayout is how at enters the hash: PostgreSQL keeps microseconds, so entries are
// truncated to them before hashing and read back identical.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// zeroHash is the prev_hash of a region's first entry.
var zeroHash = make([]byte, sha256.Size)

// Hash returns the entry's hash given the previous entry's (the package doc gives the
// encoding, so an auditor can recompute it without Meridian).
func Hash(e Entry, prev []byte) []byte {
	var b []byte
	for _, f := range []string{"meridian.audit.v1", strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(timeLayout),
		e.Tenant, e.KeyID, e.Role, e.Action, e.Subject, e.Region, e.From, e.Outcome} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	h := sha256.Sum256(append(b, prev...))
	return h[:]
}

// Options configures a Log.
type Options struct {
	// Regions are the regions with an audit_log (migrated); required.
	Regions []string
	// Fallback receives entries that name no region or one not in Regions (the region field
	// keeps what they named); "" means Regions[0].
	Fallback string
	// Buffer is how many entries may wait for the writer; 0 means 8192.
	Buffer int
	// MaxBatch bounds the entries of one transaction; 0 means 1000.
	MaxBatch int
	// AnchorEvery anchors every region whose head moved this often; 0: only on demand and
	// when the log closes.
	AnchorEvery time.Duration
	// Logger receives write failures; nil means slog.Default.
	Logger *slog.Logger
	// Now stamps entries that carry no time; nil means time.Now.
	Now func() time.Time
}

// Log is the audit trail of every region of one database. Its methods are safe for
// concurrent use; Close flushes it.
type Log struct {
	pool *pgxpool.Pool
	o    Options

	mu        sync.RWMutex // held for reading while queueing, for writing by Close
	closed    bool
	closing   chan struct{} // closed first thing by Close: queueing stops waiting for room
	closeOnce sync.Once
	queue     chan item
	abort     chan struct{} // closed when Close gives up waiting
	done      chan struct{} // closed when the writer has stopped
}

type item struct {
	e   Entry
	ack chan result // nil for Record
}

type result struct {
	e   Entry
	err error
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("audit: log closed")

// New returns the log of pool's regions and starts its writer; Close stops it.
func New(pool *pgxpool.Pool, o Options) (*Log, error) {
	if len(o.Regions) == 0 {
		return nil, errors.New("audit: no regions")
	}
	for _, r := range o.Regions {
		_ = postgres.RegionSchema(r) // panics on a name that is no region
	}
	if o.Fallback == "" {
		o.Fallback = o.Regions[0]
	}
	if !slices.Contains(o.Regions, o.Fallback) {
		return nil, fmt.Errorf("audit: fallback region %q is not one of %v", o.Fallback, o.Regions)
	}
	if o.Buffer <= 0 {
		o.Buffer = 8192
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Log{pool: pool, o: o, queue: make(chan item, o.Buffer), closing: make(chan struct{}), abort: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	return l, nil
}

// Regions returns the regions the log keeps a trail for.
func (l *Log) Regions() []string { return slices.Clone(l.o.Regions) }

// Record implements compliance.Auditor: it queues a read of personal data and returns
// without waiting for PostgreSQL (the package doc says what that costs); only when the queue
// is full does it wait for room, until ctx ends. The key id falls back to the principal in
// ctx, the remote address comes from ctx.
func (l *Log) Record(ctx context.Context, e compliance.AuditEntry) {
	en := Entry{At: e.At, Tenant: e.Tenant, KeyID: e.KeyID, Role: e.Role, Action: e.Action, Subject: e.Subject, Region: e.Region, Outcome: e.Outcome}
	en = l.complete(ctx, en)
	if err := l.enqueue(ctx, item{e: en}); err != nil {
		l.o.Logger.ErrorContext(ctx, "audit: entry not recorded", slog.String("err", err.Error()),
			slog.Time("at", en.At), slog.String("tenant", en.Tenant), slog.String("key_id", en.KeyID),
			slog.String("role", en.Role), slog.String("action", en.Action), slog.String("subject", en.Subject),
			slog.String("region", en.Region), slog.String("from", en.From), slog.String("outcome", en.Outcome))
	}
}

// Append records an administrative or compliance action and returns once it is committed,
// with its seq and hashes. What e leaves empty comes from ctx: the time now, the tenant, key
// id and role of the principal, the remote address; the outcome defaults to OutcomeDone. An
// error from ctx means the entry was not committed yet (it still will be, unless the log is
// closed before).
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	if e.Action == "" {
		return Entry{}, errors.New("audit: an entry needs an action")
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeDone
	}
	e = l.complete(ctx, e)
	ack := make(chan result, 1)
	if err := l.enqueue(ctx, item{e: e, ack: ack}); err != nil {
		return Entry{}, err
	}
	select {
	case r := <-ack:
		return r.e, r.err
	case <-ctx.Done():
		return Entry{}, fmt.Errorf("audit: waiting for the entry to be committed: %w", ctx.Err())
	}
}

// complete fills what e leaves empty from ctx and the clock.
func (l *Log) complete(ctx context.Context, e Entry) Entry {
	if e.At.IsZero() {
		e.At = l.o.Now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if p, ok := auth.FromContext(ctx); ok {
		if e.Tenant == "" {
			e.Tenant = p.Tenant
		}
		if e.KeyID == "" {
			e.KeyID = p.KeyID
		}
		if e.Role == "" {
			e.Role = p.Role
		}
	}
	if e.From == "" {
		e.From = RemoteAddr(ctx)
	}
	for _, f := range []*string{&e.Tenant, &e.KeyID, &e.Role, &e.Action, &e.Subject, &e.Region, &e.From, &e.Outcome} {
		*f = clean(*f)
	}
	e.Seq, e.PrevHash, e.Hash = 0, "", ""
	return e
}

// maxField bounds each text of an entry, in bytes.
const maxField = 512

// clean makes s storable as PostgreSQL text whatever a caller passed (a subject can come from
// a request): valid UTF-8 without NUL, at most maxField bytes. An entry PostgreSQL refused
// would otherwise be retried, and hold up the trail, forever.
func clean(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) > maxField {
		s = strings.ToValidUTF8(s[:maxField], "")
	}
	return s
}

func (l *Log) enqueue(ctx context.Context, it item) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return ErrClosed
	}
	select {
	case l.queue <- it:
		return nil
	default:
	}
	// Full: wait for room rather than skip the entry.
	select {
	case l.queue <- it:
		return nil
	case <-l.closing:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("audit: queue full: %w", ctx.Err())
	}
}

// Close writes what is queued, anchors every region and stops the writer. If ctx ends first
// (PostgreSQL down), the entries still queued are lost and Close says how many.
func (l *Log) Close(ctx context.Context) error {
	l.closeOnce.Do(func() { close(l.closing) })
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.done
		return nil
	}
	l.closed = true
	close(l.queue)
	l.mu.Unlock()
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		close(l.abort)
		<-l.done
		return fmt.Errorf("audit: closing: %w (the entries still queued are not recorded; the log says how many)", ctx.Err())
	}
}

// run is the writer: it takes what is queued, up to MaxBatch, writes it region by region,
// acknowledges, and retries what failed.
func (l *Log) run() {
	defer close(l.done)
	var tick <-chan time.Time
	if l.o.AnchorEvery > 0 {
		t := time.NewTicker(l.o.AnchorEvery)
		defer t.Stop()
		tick = t.C
	}
	var batch []item
	open := true
	backoff := 50 * time.Millisecond
	for open || len(batch) > 0 {
		if len(batch) == 0 {
			select {
			case it, ok := <-l.queue:
				if !ok {
					open = false
					continue
				}
				batch = append(batch, it)
			case <-tick:
				l.anchorAll()
				continue
			}
		}
	drain:
		for open && len(batch) < l.o.MaxBatch {
			select {
			case it, ok := <-l.queue:
				if !ok {
					open = false
					break drain
				}
				batch = append(batch, it)
			default:
				break drain
			}
		}
		batch = l.write(batch)
		if len(batch) == 0 {
			backoff = 50 * time.Millisecond
			continue
		}
		select {
		case <-time.After(backoff):
			backoff = min(2*backoff, 5*time.Second)
		case <-l.abort:
			for it := range l.queue { // closed by Close: this ends
				batch = append(batch, it)
			}
			l.o.Logger.Error("audit: entries not recorded: the log closed while PostgreSQL refused them", slog.Int("entries", len(batch)))
			for _, it := range batch {
				if it.ack != nil {
					it.ack <- result{err: ErrClosed}
				}
			}
			return
		}
	}
	l.anchorAll()
}

// write appends batch region by region and returns the items not written, to retry.
func (l *Log) write(batch []item) []item {
	byRegion := map[string][]int{}
	var order []string
	for i, it := range batch {
		r := l.target(it.e.Region)
		if _, ok := byRegion[r]; !ok {
			order = append(order, r)
		}
		byRegion[r] = append(byRegion[r], i)
	}
	var failed []item
	for _, r := range order {
		idx := byRegion[r]
		err := l.appendItems(r, batch, idx)
		if refused(err) {
			// Not PostgreSQL being away but an entry it will never take: write them one by
			// one and drop (loudly) only the ones refused alone, so the trail goes on.
			err = nil
			for _, i := range idx {
				switch err1 := l.appendItems(r, batch, []int{i}); {
				case refused(err1):
					e := batch[i].e
					l.o.Logger.Error("audit: entry refused by PostgreSQL; not recorded", slog.String("err", err1.Error()), slog.String("region", r),
						slog.Time("at", e.At), slog.String("tenant", e.Tenant), slog.String("key_id", e.KeyID), slog.String("action", e.Action), slog.String("subject", e.Subject))
					if batch[i].ack != nil {
						batch[i].ack <- result{err: err1}
					}
				case err1 != nil:
					failed = append(failed, batch[i])
					err = err1
				}
			}
			if err != nil {
				l.o.Logger.Error("audit: append failed; retrying", slog.String("region", r), slog.String("err", err.Error()))
			}
			continue
		}
		if err != nil {
			l.o.Logger.Error("audit: append failed; retrying", slog.String("region", r), slog.Int("entries", len(idx)), slog.String("err", err.Error()))
			for _, i := range idx {
				failed = append(failed, batch[i])
			}
		}
	}
	return failed
}

// appendItems appends batch's items idx to region in one transaction and, once committed,
// acknowledges them with their seq and hashes.
func (l *Log) appendItems(region string, batch []item, idx []int) error {
	entries := make([]Entry, len(idx))
	for j, i := range idx {
		entries[j] = batch[i].e
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.appendRegion(ctx, region, entries); err != nil {
		return err
	}
	for j, i := range idx {
		if batch[i].ack != nil {
			batch[i].ack <- result{e: entries[j]}
		}
	}
	return nil
}

// refused reports whether PostgreSQL rejected the data itself (data exception or integrity
// constraint), which retrying would not change.
func refused(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23"))
}

// target is the region whose log keeps an entry naming region.
func (l *Log) target(region string) string {
	if slices.Contains(l.o.Regions, region) {
		return region
	}
	return l.o.Fallback
}

// appendRegion chains entries onto region's head in one transaction, holding the head's
// row lock so that no other appender interleaves; it sets their seq and hashes.
func (l *Log) appendRegion(ctx context.Context, region string, entries []Entry) error {
	schema := postgres.RegionSchema(region)
	tx, err := l.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("audit %s: %w", region, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	var (
		seq  int64
		prev []byte
	)
	if err := tx.QueryRow(ctx, "SELECT seq, hash FROM "+pgx.Identifier{schema, "audit_head"}.Sanitize()+" FOR UPDATE").Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit %s: head: %w", region, err)
	}
	rows := make([][]any, len(entries))
	for i := range entries {
		e := &entries[i]
		seq++
		e.Seq = seq
		h := Hash(*e, prev)
		e.PrevHash, e.Hash = hex.EncodeToString(prev), hex.EncodeToString(h)
		rows[i] = []any{e.Seq, e.At, e.Tenant, e.KeyID, e.Role, e.Action, e.Subject, e.Region, e.From, e.Outcome, prev, h}
		prev = h
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{schema, "audit_log"}, columns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("audit %s: insert: %w", region, err)
	}
	if _, err := tx.Exec(ctx, "UPDATE "+pgx.Identifier{schema, "audit_head"}.Sanitize()+" SET seq = $1, hash = $2", seq, prev); err != nil {
		return fmt.Errorf("audit %s: head: %w", region, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("audit %s: commit: %w", region, err)
	}
	return nil
}

var columns = []string{"seq", "at", "tenant_id", "key_id", "role", "action", "subject", "region", "remote_addr", "outcome", "prev_hash", "hash"}

// anchorAll anchors every region, logging failures (the next tick retries).
func (l *Log) anchorAll() {
	for _, r := range l.o.Regions {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := l.Anchor(ctx, r); err != nil {
			l.o.Logger.Warn("audit: anchor failed", slog.String("region", r), slog.String("err", err.Error()))
		}
		cancel()
	}
}

var _ compliance.Auditor = (*Log)(nil)
