package erasure

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/store/postgres"
)

// Hold is a legal hold on a customer's data: while it is active (not released) nothing of
// theirs is erased, by an erasure request or (once it exists) by retention.
type Hold struct {
	ID         string
	Tenant     string
	CustomerID string
	Region     string
	Reason     string
	PlacedBy   string // the API key's id
	PlacedAt   time.Time
	ReleasedBy string
	ReleasedAt *time.Time
}

// Active reports whether the hold still applies.
func (h Hold) Active() bool { return h.ReleasedAt == nil }

// Errors of holds.
var (
	ErrAlreadyHeld = errors.New("erasure: the customer is already under an active legal hold")
	ErrNoHold      = errors.New("erasure: the customer is under no active legal hold")
)

// Holds keeps legal holds in each region's legal_holds table (region migration 0020). It is the
// one lookup erasure and retention ask before removing a customer's data (Active).
type Holds struct {
	Pool    *pgxpool.Pool
	Regions []string
	// Now stamps holds; nil means time.Now.
	Now func() time.Time
}

func (h *Holds) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return time.Now().UTC()
}

const holdColumns = `hold_id, tenant_id, customer_id, reason, placed_by, placed_at, released_by, released_at`

func scanHold(region string, row pgx.Row) (Hold, error) {
	h := Hold{Region: region}
	err := row.Scan(&h.ID, &h.Tenant, &h.CustomerID, &h.Reason, &h.PlacedBy, &h.PlacedAt, &h.ReleasedBy, &h.ReleasedAt)
	return h, err
}

// Active returns the active hold on any of customerIDs (a customer and the ids merged into
// it) in region, or nil when there is none.
func (h *Holds) Active(ctx context.Context, region, tenant string, customerIDs ...string) (*Hold, error) {
	hold, err := scanHold(region, h.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT %s FROM %s.legal_holds
WHERE tenant_id = $1 AND customer_id = ANY($2) AND released_at IS NULL ORDER BY placed_at LIMIT 1`, holdColumns, postgres.RegionSchema(region)), tenant, customerIDs))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("legal holds %s: %w", region, err)
	}
	return &hold, nil
}

// Held returns, per tenant, the customers of region under an active hold: what retention
// must skip when it removes data in bulk.
func (h *Holds) Held(ctx context.Context, region string) (map[string][]string, error) {
	rows, err := h.Pool.Query(ctx, fmt.Sprintf(`SELECT tenant_id, customer_id FROM %s.legal_holds WHERE released_at IS NULL ORDER BY tenant_id, customer_id`,
		postgres.RegionSchema(region)))
	if err != nil {
		return nil, fmt.Errorf("legal holds %s: %w", region, err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tenant, customer string
		if err := rows.Scan(&tenant, &customer); err != nil {
			return nil, fmt.Errorf("legal holds %s: %w", region, err)
		}
		out[tenant] = append(out[tenant], customer)
	}
	return out, rows.Err()
}

// Place puts customerID of region under a hold; ErrAlreadyHeld if it is under one.
func (h *Holds) Place(ctx context.Context, region, tenant, customerID, reason, by string) (Hold, error) {
	id, err := newID("hold_")
	if err != nil {
		return Hold{}, err
	}
	hold, err := scanHold(region, h.Pool.QueryRow(ctx, fmt.Sprintf(`INSERT INTO %s.legal_holds (hold_id, tenant_id, customer_id, reason, placed_by, placed_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING %s`, postgres.RegionSchema(region), holdColumns), id, tenant, customerID, reason, by, h.now()))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return Hold{}, ErrAlreadyHeld
	}
	if err != nil {
		return Hold{}, fmt.Errorf("legal holds %s: %w", region, err)
	}
	return hold, nil
}

// Release ends the active hold on customerID of region; ErrNoHold if there is none.
func (h *Holds) Release(ctx context.Context, region, tenant, customerID, by string) (Hold, error) {
	hold, err := scanHold(region, h.Pool.QueryRow(ctx, fmt.Sprintf(`UPDATE %s.legal_holds SET released_by = $3, released_at = $4
WHERE tenant_id = $1 AND customer_id = $2 AND released_at IS NULL RETURNING %s`, postgres.RegionSchema(region), holdColumns), tenant, customerID, by, h.now()))
	if errors.Is(err, pgx.ErrNoRows) {
		return Hold{}, ErrNoHold
	}
	if err != nil {
		return Hold{}, fmt.Errorf("legal holds %s: %w", region, err)
	}
	return hold, nil
}

// List returns the tenant's holds in region, newest first; released ones only with all.
func (h *Holds) List(ctx context.Context, region, tenant string, all bool) ([]Hold, error) {
	if !slices.Contains(h.Regions, region) {
		return nil, fmt.Errorf("legal holds: unknown region %q", region)
	}
	rows, err := h.Pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM %s.legal_holds WHERE tenant_id = $1 AND ($2 OR released_at IS NULL) ORDER BY placed_at DESC, hold_id`,
		holdColumns, postgres.RegionSchema(region)), tenant, all)
	if err != nil {
		return nil, fmt.Errorf("legal holds %s: %w", region, err)
	}
	defer rows.Close()
	out := []Hold{}
	for rows.Next() {
		hold, err := scanHold(region, rows)
		if err != nil {
			return nil, fmt.Errorf("legal holds %s: %w", region, err)
		}
		out = append(out, hold)
	}
	return out, rows.Err()
}

// CheckReason refuses the reason for an erasure or a legal hold when it holds a customer
// identifier: the reason is kept with the certificate or the hold, which keep none. Only
// finds that cannot be a case number or a date are refused (an e-mail address, an IBAN, a
// card, a national identifier, a phone number in E.164); the reason is otherwise kept as typed.
func CheckReason(reason string) error {
	for _, sp := range compliance.Detect(reason) {
		switch {
		case sp.Kind == compliance.KindEmail, sp.Kind == compliance.KindIBAN, sp.Kind == compliance.KindCard, sp.Kind == compliance.KindNationalID,
			sp.Kind == compliance.KindPhone && strings.HasPrefix(reason[sp.Start:sp.End], "+"):
			return fmt.Errorf("write no customer identifier into the reason, it is kept with the record (found: %s)", strings.ReplaceAll(string(sp.Kind), "_", " "))
		}
	}
	return nil
}
