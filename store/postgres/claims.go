package postgres

import (
	"context"
	"fmt"

	"github.com/meridian-cs/meridian/models"
)

// EventClaims records the content first accepted under each event id of a region
// (region_<r>.event_ids) and finds the events that reuse an id for other content.
type EventClaims struct {
	DB     *DB
	Region string
}

// claimEvents inserts the ids not yet claimed and returns the stored hash of each id that
// was already claimed, in one statement. The query's snapshot does not see its own inserts,
// so an id claimed by this very batch is not returned.
const claimEvents = `WITH input AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]) AS t(tenant_id, event_id, content_hash)
), claimed AS (
	INSERT INTO %[1]s.event_ids (tenant_id, event_id, content_hash)
	SELECT tenant_id, event_id, content_hash FROM input ORDER BY tenant_id, event_id
	ON CONFLICT (tenant_id, event_id) DO NOTHING
)
SELECT e.tenant_id, e.event_id, e.content_hash FROM %[1]s.event_ids e
JOIN input i ON i.tenant_id = e.tenant_id AND i.event_id = e.event_id`

// Claim implements stream.Claimer: it returns, by index, the events whose id was first
// accepted with other content. An event without a hash (written by a producer that does not
// compute one) claims nothing and conflicts with nothing.
func (c *EventClaims) Claim(ctx context.Context, events []models.Event, hashes [][]byte) (map[int]string, error) {
	type key struct{ tenant, id string }
	byKey := make(map[key][]int, len(events)) // indexes of the events with each id, in order
	tenants, ids, sums := make([]string, 0, len(events)), make([]string, 0, len(events)), make([][]byte, 0, len(events))
	for i := range events {
		if len(hashes[i]) == 0 {
			continue
		}
		k := key{events[i].Tenant, events[i].ID}
		if _, seen := byKey[k]; !seen {
			tenants, ids, sums = append(tenants, k.tenant), append(ids, k.id), append(sums, hashes[i])
		}
		byKey[k] = append(byKey[k], i)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	// The version that stays: the stored one, or else the batch's first.
	kept := make(map[key][]byte, len(ids))
	rows, err := c.DB.Pool.Query(ctx, fmt.Sprintf(claimEvents, RegionSchema(c.Region)), tenants, ids, sums)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: claim %d event ids: %w", c.Region, len(ids), err)
	}
	for rows.Next() {
		var k key
		var was []byte
		if err := rows.Scan(&k.tenant, &k.id, &was); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres %s: claim event ids: %w", c.Region, err)
		}
		kept[k] = was
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres %s: claim event ids: %w", c.Region, err)
	}
	var conflicts map[int]string
	for k, idx := range byKey {
		was, ok := kept[k]
		if !ok {
			was = hashes[idx[0]]
		}
		for _, i := range idx {
			if string(hashes[i]) != string(was) {
				if conflicts == nil {
					conflicts = map[int]string{}
				}
				conflicts[i] = fmt.Sprintf("conflict: event id %q was first accepted with content %x; this version is %x and is not stored",
					events[i].ID, was, hashes[i])
			}
		}
	}
	return conflicts, nil
}
