// Package erasure erases a person from every store Meridian keeps them in (GDPR Art. 17,
// CCPA deletion), proves it with a certificate, exports what is held on them (Art. 15 and 20)
// and keeps legal holds, which block erasure.
//
// An erasure, for one customer (with the ids merged into it) in their region: first the
// customer's data keys are deleted (compliance/shred), so every sealed copy of their fields —
// in the Kafka log, in PostgreSQL, in backups — becomes unreadable, and events still on their
// way to ClickHouse arrive without text; then their PostgreSQL rows are deleted or anonymised
// in one transaction (store/postgres EraseCustomer); then a ClickHouse mutation rewrites their
// events without personal columns and the parts it replaced are removed from disk
// (store/clickhouse EraseCustomer). Each step is verified by a query afterwards (no key opens,
// no row names the customer, no outdated part is left), and the certificate lists every step
// per store and region. It is COMPLETED only when every step was verified; INCOMPLETE
// otherwise (erasing again finishes it); BLOCKED, with nothing erased, under a legal hold.
// Certificates are kept in the region's erasure_certificates table without identifiers.
package erasure

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/postgres"
)

// Status of an erasure.
type Status string

// Statuses.
const (
	Completed  Status = "COMPLETED"
	Incomplete Status = "INCOMPLETE"
	Blocked    Status = "BLOCKED"
)

// Stores an erasure reaches.
const (
	StoreKafka      = "kafka"
	StorePostgres   = "postgres"
	StoreClickHouse = "clickhouse"
)

// Step is what an erasure did in one store of one region and how it was verified.
type Step struct {
	Store    string `json:"store"`
	Region   string `json:"region"`
	Action   string `json:"action"`
	Rows     int64  `json:"rows"`
	Verified bool   `json:"verified"`
	Detail   string `json:"detail"`
}

// Certificate is the record of one erasure request. It names the customer by their
// pseudonymous id only.
type Certificate struct {
	ID         string `json:"id"`
	Tenant     string `json:"tenant"`
	CustomerID string `json:"customer_id"`
	// MergedIDs are the ids merged into CustomerID, erased with it.
	MergedIDs     []string   `json:"merged_ids,omitempty"`
	Region        string     `json:"region"`
	Reason        string     `json:"reason"`
	RequestedBy   string     `json:"requested_by"`
	RequestedAt   time.Time  `json:"requested_at"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
	Status        Status     `json:"status"`
	BlockedReason string     `json:"blocked_reason,omitempty"`
	// Previous is the certificate of an earlier erasure of the same customer, if any.
	Previous string `json:"previous_certificate_id,omitempty"`
	// Replacement is the pseudonym that replaced the customer's id in rows that stay.
	Replacement string `json:"replacement"`
	Steps       []Step `json:"steps"`
}

// Errors of erasure requests.
var (
	ErrUnknownCustomer = errors.New("erasure: unknown customer")
)

// Request asks to erase one customer, by id or by one of their identities.
type Request struct {
	Tenant     string
	CustomerID string       // or
	Key        identity.Key // an identity of theirs
	Reason     string
	By         string // the API key's id
}

// Service erases, exports and holds. Its methods are safe for concurrent use; erasures run
// one at a time (a ClickHouse table's cleanup setting is changed while one runs).
type Service struct {
	DB      *postgres.DB
	Regions []string
	Keys    *shred.Keyring
	// Graph finds customers by identity and reads their identities for exports.
	Graph *postgres.Graph
	// ClickHouse is the region databases; nil: no analytical store to erase from.
	ClickHouse *clickhouse.Regions
	// ClickHouseCluster is the cluster the region databases are on (their Layout), "" for one
	// node or the embedded default.
	ClickHouseCluster string
	Holds             *Holds
	// Now stamps certificates; nil means time.Now.
	Now func() time.Time
	// Timeout bounds one erasure, which does not end with the request that asked for it; 0
	// means 10 minutes.
	Timeout time.Duration

	mu sync.Mutex
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Subject is a customer as erasure, export and holds address them.
type Subject struct {
	Region     string
	CustomerID string   // canonical
	IDs        []string // CustomerID first, then the ids merged into it
	// Previous is the latest earlier certificate of the customer, or nil.
	Previous *Certificate
	// Live is false when no store but the certificates knows the customer any more.
	Live bool
}

// Find resolves a customer by id (a merged id resolves to the customer it went into) or by
// an identity, in every region. A customer erased before is found by id through their
// certificate (Live false). ErrUnknownCustomer when nothing is known.
func (s *Service) Find(ctx context.Context, tenant, customerID string, key identity.Key) (Subject, error) {
	if customerID == "" {
		if s.Graph == nil {
			return Subject{}, ErrUnknownCustomer
		}
		id, _, err := s.Graph.ByKey(ctx, tenant, key)
		if errors.Is(err, identity.ErrNotFound) {
			return Subject{}, ErrUnknownCustomer
		}
		if err != nil {
			return Subject{}, err
		}
		customerID = id
	}
	for _, r := range s.Regions {
		canonical, ids, found, err := s.DB.CustomerFamily(ctx, r, tenant, customerID)
		if err != nil {
			return Subject{}, err
		}
		if found {
			sub := Subject{Region: r, CustomerID: canonical, IDs: ids, Live: true}
			sub.Previous, err = s.latest(ctx, r, tenant, canonical)
			return sub, err
		}
	}
	for _, r := range s.Regions {
		prev, err := s.latest(ctx, r, tenant, customerID)
		if err != nil {
			return Subject{}, err
		}
		if prev != nil {
			return Subject{Region: r, CustomerID: prev.CustomerID, IDs: append([]string{prev.CustomerID}, prev.MergedIDs...), Previous: prev}, nil
		}
	}
	return Subject{}, ErrUnknownCustomer
}

// latest returns the customer's latest certificate in region that erased something or
// tried to (BLOCKED ones are skipped), or nil.
func (s *Service) latest(ctx context.Context, region, tenant, customerID string) (*Certificate, error) {
	var raw []byte
	err := s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT certificate FROM %s.erasure_certificates
WHERE tenant_id = $1 AND customer_id = $2 AND status <> $3 ORDER BY requested_at DESC LIMIT 1`, postgres.RegionSchema(region)), tenant, customerID, string(Blocked)).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("erasure certificates %s: %w", region, err)
	}
	var c Certificate
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("erasure certificates %s: %w", region, err)
	}
	return &c, nil
}

// Erase erases the customer of r everywhere and returns the stored certificate. Under an
// active legal hold it erases nothing and returns a BLOCKED certificate. A customer erased
// before is erased again (whatever arrived since goes too) and the certificate names the
// earlier one; every step then reports what it found, usually 0 rows.
func (s *Service) Erase(ctx context.Context, r Request) (Certificate, error) {
	sub, err := s.Find(ctx, r.Tenant, r.CustomerID, r.Key)
	if err != nil {
		return Certificate{}, err
	}
	return s.EraseSubject(ctx, r, sub)
}

// EraseSubject is Erase of a customer Find found (r's CustomerID and Key are not used).
func (s *Service) EraseSubject(ctx context.Context, r Request, sub Subject) (Certificate, error) {
	id, err := newID("")
	if err != nil {
		return Certificate{}, err
	}
	c := Certificate{ID: "era_" + id, Tenant: r.Tenant, CustomerID: sub.CustomerID, MergedIDs: sub.IDs[1:], Region: sub.Region,
		Reason: r.Reason, RequestedBy: r.By, RequestedAt: s.now(), Replacement: "erased_" + id, Steps: []Step{}}
	if sub.Previous != nil {
		c.Previous = sub.Previous.ID
		// Rows anonymised then keep the first erasure's pseudonym.
		c.Replacement = sub.Previous.Replacement
	}
	// Once started, an erasure runs to its end whether or not the caller waits for it: a
	// request's timeout must not leave the customer half erased.
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	hold, err := s.Holds.Active(ctx, sub.Region, r.Tenant, sub.IDs...)
	if err != nil {
		return Certificate{}, err
	}
	if hold != nil {
		c.Status = Blocked
		c.BlockedReason = fmt.Sprintf("legal hold %s since %s: %s", hold.ID, hold.PlacedAt.UTC().Format(time.RFC3339), hold.Reason)
		return c, s.store(ctx, c)
	}
	c.Steps = append(c.Steps, s.shred(ctx, r.Tenant, sub))
	c.Steps = append(c.Steps, s.postgres(ctx, r.Tenant, sub, c.Replacement)...)
	if s.ClickHouse != nil {
		c.Steps = append(c.Steps, s.clickhouse(ctx, r.Tenant, sub, c.Replacement))
	}
	c.Status = Completed
	for _, st := range c.Steps {
		if !st.Verified {
			c.Status = Incomplete
		}
	}
	done := s.now()
	c.CompletedAt = &done
	return c, s.store(ctx, c)
}

// shred deletes the data keys of every id: the Kafka log's copies (and every other sealed
// copy) of the customer's fields can no longer be opened. Verified when no key opens.
func (s *Service) shred(ctx context.Context, tenant string, sub Subject) Step {
	st := Step{Store: StoreKafka, Region: sub.Region, Action: "crypto-shredded: data keys deleted"}
	var errs []string
	for _, id := range sub.IDs {
		_, err := s.Keys.Opener(ctx, sub.Region, tenant, id)
		existed := err == nil
		if err != nil && !errors.Is(err, shred.ErrErased) {
			errs = append(errs, err.Error())
			continue
		}
		if err := s.Keys.Erase(ctx, sub.Region, tenant, id); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if existed {
			st.Rows++
		}
	}
	left := 0
	for _, id := range sub.IDs {
		if _, err := s.Keys.Opener(ctx, sub.Region, tenant, id); !errors.Is(err, shred.ErrErased) {
			left++
		}
	}
	st.Verified = len(errs) == 0 && left == 0
	st.Detail = fmt.Sprintf("%d data keys deleted and dropped from the in-memory key cache; %d of %d ids still open a sealed value", st.Rows, left, len(sub.IDs))
	if len(errs) > 0 {
		st.Detail += "; errors: " + strings.Join(errs, "; ")
	}
	return st
}

// postgres deletes and anonymises the customer's rows of their region, then what other
// regions hold of their conversations after hand-offs: one step per region. A step is
// verified when no row of the region names any of their ids any more.
func (s *Service) postgres(ctx context.Context, tenant string, sub Subject, replacement string) []Step {
	done, convs, err := s.DB.EraseCustomer(ctx, sub.Region, tenant, sub.IDs, replacement)
	out := []Step{s.postgresStep(ctx, tenant, sub.Region, sub.IDs, done, err)}
	if err != nil {
		return out
	}
	for _, r := range s.Regions {
		if r == sub.Region {
			continue
		}
		done, err := s.DB.EraseCustomerElsewhere(ctx, r, tenant, sub.IDs, replacement, convs)
		out = append(out, s.postgresStep(ctx, tenant, r, sub.IDs, done, err))
	}
	return out
}

func (s *Service) postgresStep(ctx context.Context, tenant, region string, ids []string, done []postgres.ErasedTable, err error) Step {
	st := Step{Store: StorePostgres, Region: region, Action: "rows deleted or anonymised"}
	if err != nil {
		st.Detail = "not erased: " + err.Error()
		return st
	}
	var parts []string
	for _, t := range done {
		st.Rows += t.Rows
		if t.Rows > 0 {
			parts = append(parts, fmt.Sprintf("%s %s %d", t.Table, t.Action, t.Rows))
		}
	}
	left, err := s.DB.CustomerResidue(ctx, region, tenant, ids)
	if err != nil {
		st.Detail = strings.Join(parts, ", ") + "; not verified: " + err.Error()
		return st
	}
	var remaining []string
	for t, n := range left {
		if n > 0 {
			remaining = append(remaining, fmt.Sprintf("%s %d", t, n))
		}
	}
	sort.Strings(remaining)
	st.Verified = len(remaining) == 0
	if len(parts) == 0 {
		parts = append(parts, "nothing to erase")
	}
	st.Detail = strings.Join(parts, ", ")
	if st.Verified {
		st.Detail += fmt.Sprintf("; verified: no row of %d tables names the customer", len(left))
	} else {
		st.Detail += "; rows still naming the customer: " + strings.Join(remaining, ", ")
	}
	return st
}

// clickhouse anonymises the customer's events in their region and removes the replaced
// parts. Verified when no event carries their ids and no replaced part is left on disk.
func (s *Service) clickhouse(ctx context.Context, tenant string, sub Subject, replacement string) Step {
	st := Step{Store: StoreClickHouse, Region: sub.Region, Action: "events anonymised by a mutation; replaced parts removed"}
	db, err := s.ClickHouse.DB(sub.Region)
	if err != nil {
		st.Detail = "not erased: " + err.Error()
		return st
	}
	// Removing the replaced parts waits for ClickHouse's cleanup thread: seconds, at most a
	// few minutes.
	cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	n, err := clickhouse.EraseCustomer(cctx, db, s.ClickHouseCluster, sub.Region, tenant, sub.IDs, replacement)
	st.Rows = n
	if err != nil {
		st.Detail = fmt.Sprintf("%d events rewritten; not completed: %v", n, err)
		return st
	}
	left, err := clickhouse.CustomerResidue(ctx, db, sub.Region, tenant, sub.IDs)
	if err != nil {
		st.Detail = fmt.Sprintf("%d events rewritten; not verified: %v", n, err)
		return st
	}
	st.Verified = left == 0
	st.Detail = fmt.Sprintf("%d events rewritten without text, summary, reason, platform id and attributes; %d events still carry the customer's ids; no replaced part left on disk", n, left)
	if n == 0 {
		st.Detail = fmt.Sprintf("nothing left to erase; %d events carry the customer's ids", left)
	}
	return st
}

// store keeps c in its region's erasure_certificates.
func (s *Service) store(ctx context.Context, c Certificate) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = s.DB.Pool.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.erasure_certificates (certificate_id, tenant_id, customer_id, status, requested_at, completed_at, certificate)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, postgres.RegionSchema(c.Region)), c.ID, c.Tenant, c.CustomerID, string(c.Status), c.RequestedAt, c.CompletedAt, raw)
	if err != nil {
		return fmt.Errorf("erasure certificates %s: %w", c.Region, err)
	}
	return nil
}

// Certificates returns the tenant's certificates of a customer, oldest first, in every region.
func (s *Service) Certificates(ctx context.Context, tenant, customerID string) ([]Certificate, error) {
	out := []Certificate{}
	for _, r := range s.Regions {
		rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT certificate FROM %s.erasure_certificates WHERE tenant_id = $1 AND customer_id = $2 ORDER BY requested_at`,
			postgres.RegionSchema(r)), tenant, customerID)
		if err != nil {
			return nil, fmt.Errorf("erasure certificates %s: %w", r, err)
		}
		raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return nil, fmt.Errorf("erasure certificates %s: %w", r, err)
		}
		for _, raw := range raws {
			var c Certificate
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, fmt.Errorf("erasure certificates %s: %w", r, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func newID(prefix string) (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("erasure: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}
