package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/identity"
)

// Keyring is what the identity graph and the channel state need of compliance/shred: keyed
// hashes to find values and the customers' data keys to seal and open them.
type Keyring interface {
	Pseudonym(tenant, identity string) string
	Sealer(ctx context.Context, region, tenant, subject string) (*shred.Sealer, error)
	Opener(ctx context.Context, region, tenant, subject string) (*shred.Opener, error)
}

// Graph is the identity graph (identity.Store), one set of tables per region. A customer and
// their keys live in one region; lookups by key ask every region, because a message does not
// say where its sender lives.
type Graph struct {
	DB      *DB
	Keys    Keyring
	Regions []string
	// RegionOf places a new customer of a country.
	RegionOf func(country string) string
}

type found struct {
	region, customer string
	key              identity.Key
}

// lookup finds which customers hold any of keys, in every region.
func (g *Graph) lookup(ctx context.Context, tenant string, keys []identity.Key) ([]found, error) {
	hashes := make([]string, len(keys))
	byHash := make(map[string]identity.Key, len(keys))
	for i, k := range keys {
		hashes[i] = g.Keys.Pseudonym(tenant, k.String())
		byHash[hashes[i]] = k
	}
	// One round trip for every region.
	parts := make([]string, len(g.Regions))
	for i, r := range g.Regions {
		parts[i] = fmt.Sprintf(`SELECT %d, key_hash, customer_id FROM %s.identities WHERE tenant_id = $1 AND key_hash = ANY($2)`, i, RegionSchema(r))
	}
	rows, err := g.DB.Pool.Query(ctx, strings.Join(parts, " UNION ALL "), tenant, hashes)
	if err != nil {
		return nil, fmt.Errorf("identity lookup: %w", err)
	}
	defer rows.Close()
	var out []found
	for rows.Next() {
		var i int
		var h, c string
		if err := rows.Scan(&i, &h, &c); err != nil {
			return nil, err
		}
		out = append(out, found{g.Regions[i], c, byHash[h]})
	}
	return out, rows.Err()
}

// Observe implements identity.Store. The address's customer wins; else the customer of a
// deterministic key (the same phone number on WhatsApp and in an e-mail signature); else a
// new customer. Other customers of the region holding one of the observation's
// deterministic keys are merged into the winner. Customers in other regions are never merged:
// residency keeps their rows where they are (the note in ARCHITECTURE.md says so).
func (g *Graph) Observe(ctx context.Context, o identity.Observation) (identity.Resolution, error) {
	keys := append([]identity.Key{o.Address}, o.Also...)
	keys = append(keys, o.Mentioned...)
	keys = append(keys, o.Verified...)
	origins := make([]string, 0, len(keys))
	origins = append(origins, "message")
	for range o.Also {
		origins = append(origins, "message")
	}
	for range o.Mentioned {
		origins = append(origins, "signature")
	}
	for range o.Verified {
		origins = append(origins, "verified")
	}
	hits, err := g.lookup(ctx, o.Tenant, keys)
	if err != nil {
		return identity.Resolution{}, err
	}
	res := identity.Resolution{}
	for _, h := range hits {
		if h.key == o.Address {
			res.CustomerID, res.Region = h.customer, h.region
		}
	}
	if res.CustomerID != "" && len(hits) == len(keys) && g.allOf(hits, res) {
		// A known customer writing from known keys (most messages): nothing to link.
		err := g.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT country FROM %s.customers WHERE tenant_id = $1 AND customer_id = $2`, RegionSchema(res.Region)),
			o.Tenant, res.CustomerID).Scan(&res.Country)
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return res, fmt.Errorf("identity observe %s: %w", res.Region, err)
		}
	}
	if res.CustomerID == "" {
		for _, h := range hits {
			if h.key.Deterministic() {
				res.CustomerID, res.Region = h.customer, h.region
				break
			}
		}
	}
	if res.CustomerID == "" {
		res.New = true
		res.Region = g.RegionOf(o.Country)
		res.CustomerID = g.Keys.Pseudonym(o.Tenant, o.Seed)
	}
	var merge []string
	for _, h := range hits {
		if h.region == res.Region && h.customer != res.CustomerID && h.key.Deterministic() && !slices.Contains(merge, h.customer) {
			merge = append(merge, h.customer)
		}
	}
	schema := RegionSchema(res.Region)
	// A customer merged earlier resolves to the one it went into.
	var into string
	err = g.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT merged_into FROM %s.customer_merges WHERE tenant_id = $1 AND customer_id = $2`, schema), o.Tenant, res.CustomerID).Scan(&into)
	if err == nil {
		res.CustomerID = into
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return identity.Resolution{}, fmt.Errorf("identity observe %s: %w", res.Region, err)
	}
	// The data key before the transaction: creating it takes a connection of its own, and a
	// transaction waiting for a second connection starves the pool under load.
	sealedBy := res.CustomerID
	sealer, err := g.Keys.Sealer(ctx, res.Region, o.Tenant, sealedBy)
	if err != nil {
		return identity.Resolution{}, fmt.Errorf("identity observe %s: %w", res.Region, err)
	}
	err = pgx.BeginFunc(ctx, g.DB.Pool, func(tx pgx.Tx) error {
		for _, m := range merge {
			if m == res.CustomerID {
				continue
			}
			if err := mergeInto(ctx, tx, schema, o.Tenant, m, res.CustomerID, "shared key"); err != nil {
				return err
			}
			res.Merged = append(res.Merged, m)
		}
		var b shred.Batch
		for i, k := range keys {
			origin := origins[i]
			// The first writer of a key wins a race between two deliveries of a new customer.
			var owner string
			err := tx.QueryRow(ctx, fmt.Sprintf(`
INSERT INTO %s.identities (tenant_id, key_hash, kind, customer_id, sealed_value, sealed_by, origin)
VALUES ($1, $2, $3, $4, $5, $7, $6)
ON CONFLICT (tenant_id, key_hash) DO UPDATE SET key_hash = EXCLUDED.key_hash
RETURNING customer_id`, schema), o.Tenant, g.Keys.Pseudonym(o.Tenant, k.String()), k.Kind, res.CustomerID, sealer.Seal(&b, k.Value), origin, sealedBy).Scan(&owner)
			if err != nil {
				return err
			}
			if i == 0 && owner != res.CustomerID {
				res.CustomerID, res.New = owner, false
			}
		}
		country := o.Country
		err = tx.QueryRow(ctx, fmt.Sprintf(`
INSERT INTO %s.customers (tenant_id, customer_id, country, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (tenant_id, customer_id) DO UPDATE SET last_seen_at = GREATEST(customers.last_seen_at, EXCLUDED.last_seen_at)
RETURNING country`, schema), o.Tenant, res.CustomerID, country, o.At).Scan(&res.Country)
		return err
	})
	if err != nil {
		return identity.Resolution{}, fmt.Errorf("identity observe %s: %w", res.Region, err)
	}
	return res, nil
}

// allOf reports whether every hit is res's customer, in res's region.
func (g *Graph) allOf(hits []found, res identity.Resolution) bool {
	for _, h := range hits {
		if h.customer != res.CustomerID || h.region != res.Region {
			return false
		}
	}
	return true
}

func mergeInto(ctx context.Context, tx pgx.Tx, schema, tenant, from, into, reason string) error {
	if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s.identities SET customer_id = $3 WHERE tenant_id = $1 AND customer_id = $2`, schema), tenant, from, into); err != nil {
		return err
	}
	// Customers merged into from follow it.
	if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s.customer_merges SET merged_into = $3 WHERE tenant_id = $1 AND merged_into = $2`, schema), tenant, from, into); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.customer_merges (tenant_id, customer_id, merged_into, reason) VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id, customer_id) DO UPDATE SET merged_into = EXCLUDED.merged_into, reason = EXCLUDED.reason, merged_at = now()`, schema), tenant, from, into, reason)
	return err
}

// Canonical returns the customer id a (possibly merged) customer id resolves to, and its
// region.
func (g *Graph) Canonical(ctx context.Context, tenant, customerID string) (string, string, error) {
	for _, r := range g.Regions {
		schema := RegionSchema(r)
		var into string
		err := g.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT merged_into FROM %s.customer_merges WHERE tenant_id = $1 AND customer_id = $2`, schema), tenant, customerID).Scan(&into)
		if err == nil {
			return into, r, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return "", "", err
		}
		var one int
		err = g.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT 1 FROM %s.customers WHERE tenant_id = $1 AND customer_id = $2`, schema), tenant, customerID).Scan(&one)
		if err == nil {
			return customerID, r, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return "", "", err
		}
	}
	return "", "", identity.ErrNotFound
}

// ByKey finds the customer holding a key.
func (g *Graph) ByKey(ctx context.Context, tenant string, k identity.Key) (string, string, error) {
	hits, err := g.lookup(ctx, tenant, []identity.Key{k})
	if err != nil {
		return "", "", err
	}
	if len(hits) == 0 {
		return "", "", identity.ErrNotFound
	}
	return g.Canonical(ctx, tenant, hits[0].customer)
}

// Identities lists a customer's keys, opened.
func (g *Graph) Identities(ctx context.Context, region, tenant, customerID string) ([]identity.Identity, error) {
	rows, err := g.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT kind, sealed_value, sealed_by, origin, created_at FROM %s.identities WHERE tenant_id = $1 AND customer_id = $2 ORDER BY created_at, kind`, RegionSchema(region)), tenant, customerID)
	if err != nil {
		return nil, err
	}
	type row struct {
		kind, sealed, by, origin string
		at                       time.Time
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.kind, &x.sealed, &x.by, &x.origin, &x.at)
	})
	if err != nil {
		return nil, err
	}
	openers := map[string]*shred.Opener{}
	var out []identity.Identity
	for _, x := range rs {
		op, ok := openers[x.by]
		if !ok {
			op, err = g.Keys.Opener(ctx, region, tenant, x.by)
			if errors.Is(err, shred.ErrErased) {
				openers[x.by] = nil
				continue
			}
			if err != nil {
				return nil, err
			}
			openers[x.by] = op
		}
		if op == nil {
			continue
		}
		v, err := op.Open(x.sealed)
		if err != nil {
			return nil, err
		}
		out = append(out, identity.Identity{Key: identity.Key{Kind: x.kind, Value: v}, CustomerID: customerID, Origin: x.origin, CreatedAt: x.at})
	}
	return out, nil
}

// Link attaches a key to a customer as confirmed by a person. When another customer of the
// region holds the key, the two are merged: that one folds into customerID.
func (g *Graph) Link(ctx context.Context, region, tenant, customerID string, k identity.Key, reason string) (merged []string, err error) {
	hits, err := g.lookup(ctx, tenant, []identity.Key{k})
	if err != nil {
		return nil, err
	}
	for _, h := range hits {
		if h.region != region {
			return nil, fmt.Errorf("%w: the identity belongs to a customer in region %s", identity.ErrOtherRegion, h.region)
		}
	}
	schema := RegionSchema(region)
	h := g.Keys.Pseudonym(tenant, k.String())
	sealer, err := g.Keys.Sealer(ctx, region, tenant, customerID)
	if err != nil {
		return nil, err
	}
	err = pgx.BeginFunc(ctx, g.DB.Pool, func(tx pgx.Tx) error {
		var owner string
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT customer_id FROM %s.identities WHERE tenant_id = $1 AND key_hash = $2`, schema), tenant, h).Scan(&owner)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			var b shred.Batch
			_, err = tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.identities (tenant_id, key_hash, kind, customer_id, sealed_value, sealed_by, origin) VALUES ($1, $2, $3, $4, $5, $4, 'confirmed')`, schema),
				tenant, h, k.Kind, customerID, sealer.Seal(&b, k.Value))
			return err
		case err != nil:
			return err
		case owner == customerID:
			return nil
		}
		merged = append(merged, owner)
		return mergeInto(ctx, tx, schema, tenant, owner, customerID, reason)
	})
	return merged, err
}

// Unlink takes one key off its customer: it becomes a customer of its own (the id its key
// alone names), and a merge that brought it is undone for the keys of the customer it came
// with. It returns the new customer's id.
func (g *Graph) Unlink(ctx context.Context, region, tenant string, k identity.Key) (from, to string, err error) {
	schema := RegionSchema(region)
	h := g.Keys.Pseudonym(tenant, k.String())
	err = pgx.BeginFunc(ctx, g.DB.Pool, func(tx pgx.Tx) error {
		var sealedBy string
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT customer_id, sealed_by FROM %s.identities WHERE tenant_id = $1 AND key_hash = $2`, schema), tenant, h).Scan(&from, &sealedBy)
		if errors.Is(err, pgx.ErrNoRows) {
			return identity.ErrNotFound
		}
		if err != nil {
			return err
		}
		// The key goes back to the customer it was first seen with when that one was merged
		// away; otherwise it gets a customer of its own.
		to = sealedBy
		if to == from {
			to = g.Keys.Pseudonym(tenant, k.String())
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s.identities SET customer_id = $3 WHERE tenant_id = $1 AND (key_hash = $2 OR (sealed_by = $3 AND customer_id = $4))`, schema), tenant, h, to, from); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM %s.customer_merges WHERE tenant_id = $1 AND customer_id = $2`, schema), tenant, to); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.customers (tenant_id, customer_id, country, first_seen_at, last_seen_at)
SELECT tenant_id, $3, country, now(), now() FROM %[1]s.customers WHERE tenant_id = $1 AND customer_id = $2
ON CONFLICT (tenant_id, customer_id) DO NOTHING`, schema), tenant, from, to)
		return err
	})
	return from, to, err
}

// Customer reads a customer (following merges) with their identities, conversations,
// channels and preferred channel.
func (g *Graph) Customer(ctx context.Context, tenant, id string) (identity.Customer, error) {
	canonical, region, err := g.Canonical(ctx, tenant, id)
	if err != nil {
		return identity.Customer{}, err
	}
	c := identity.Customer{ID: canonical, Region: region}
	schema := RegionSchema(region)
	if err := g.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT country FROM %s.customers WHERE tenant_id = $1 AND customer_id = $2`, schema), tenant, canonical).Scan(&c.Country); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return c, err
	}
	rows, err := g.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT customer_id FROM %s.customer_merges WHERE tenant_id = $1 AND merged_into = $2 ORDER BY merged_at`, schema), tenant, canonical)
	if err != nil {
		return c, err
	}
	if c.MergedIDs, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return c, err
	}
	ids := append([]string{canonical}, c.MergedIDs...)
	if c.Identities, err = g.Identities(ctx, region, tenant, canonical); err != nil {
		return c, err
	}
	rows, err = g.DB.Pool.Query(ctx, fmt.Sprintf(`
SELECT a.conversation_id, coalesce(s.status, 'queued'), a.channel, a.opened_at, a.last_inbound_at
FROM %[1]s.conversation_addresses a
LEFT JOIN %[1]s.conversations s ON s.tenant_id = a.tenant_id AND s.conversation_id = a.conversation_id
WHERE a.tenant_id = $1 AND a.customer_id = ANY($2)
ORDER BY a.last_inbound_at DESC LIMIT 100`, schema), tenant, ids)
	if err != nil {
		return c, err
	}
	c.Conversations, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.Conversation, error) {
		var v identity.Conversation
		return v, r.Scan(&v.ID, &v.Status, &v.Channel, &v.OpenedAt, &v.LastInboundAt)
	})
	if err != nil {
		return c, err
	}
	rows, err = g.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT channel FROM %s.channel_receipts WHERE tenant_id = $1 AND customer_id = ANY($2) GROUP BY channel ORDER BY max(received_at) DESC`, schema), tenant, ids)
	if err != nil {
		return c, err
	}
	if c.Channels, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return c, err
	}
	// Replies: the customer's first message within 72 hours after each message sent to them.
	err = g.DB.Pool.QueryRow(ctx, fmt.Sprintf(`
SELECT r.channel FROM %[1]s.outbound_messages o
CROSS JOIN LATERAL (
  SELECT channel, received_at FROM %[1]s.channel_receipts
  WHERE tenant_id = o.tenant_id AND customer_id = ANY($2) AND received_at > o.created_at AND received_at <= o.created_at + interval '72 hours'
  ORDER BY received_at LIMIT 1) r
WHERE o.tenant_id = $1 AND o.customer_id = ANY($2) AND o.state IN ('sent', 'delivered', 'read')
GROUP BY r.channel ORDER BY count(*) DESC, max(r.received_at) DESC LIMIT 1`, schema), tenant, ids).Scan(&c.PreferredChannel)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return c, err
	}
	if c.PreferredChannel == "" && len(c.Channels) > 0 {
		c.PreferredChannel = c.Channels[0]
	}
	return c, nil
}

// SetCountry records a customer's country as a person corrected it, returning the previous
// one. The customer's later messages are placed by it; earlier events keep theirs.
func (g *Graph) SetCountry(ctx context.Context, region, tenant, customerID, country string) (string, error) {
	var prev string
	err := g.DB.Pool.QueryRow(ctx, fmt.Sprintf(`UPDATE %s.customers c SET country = $3 FROM (SELECT country FROM %[1]s.customers WHERE tenant_id = $1 AND customer_id = $2 FOR UPDATE) old
WHERE c.tenant_id = $1 AND c.customer_id = $2 RETURNING old.country`, RegionSchema(region)), tenant, customerID, country).Scan(&prev)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", identity.ErrNotFound
	}
	return prev, err
}
