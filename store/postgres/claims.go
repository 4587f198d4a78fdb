package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/meridian-cs/meridian/models"
)

// EventClaims records the content first accepted under each event id of a region
// (region_<r>.event_ids) and finds the events that reuse an id for other content.
type EventClaims struct {
	DB     *DB
	Region string
}

// The claim is two statements: an insert of every id, which claims the new ones, and only
// when it inserted fewer rows than it was given (some ids were claimed before: retries,
// replays, conflicts), a read of the stored hashes of the batch's ids.
const (
	insertClaims = `INSERT INTO %s.event_ids (id_key, content_hash)
SELECT * FROM unnest($1::uuid[], $2::bytea[]) ORDER BY 1
ON CONFLICT (id_key) DO NOTHING`
	readClaims = `SELECT id_key, content_hash FROM %s.event_ids WHERE id_key = ANY($1::uuid[])`
)

// idKey is the claim's key of an event id: the first 16 bytes of SHA-256(tenant, 0, id).
// buf is reused between calls (one batch hashes tens of thousands of ids).
func idKey(buf *[]byte, tenant, id string) [16]byte {
	*buf = append(append(append((*buf)[:0], tenant...), 0), id...)
	sum := sha256.Sum256(*buf)
	return [16]byte(sum[:16])
}

// Claim implements stream.Claimer: it returns, by index, the events whose id was first
// accepted with other content. An event without a hash (written by a producer that does not
// compute one) claims nothing and conflicts with nothing.
func (c *EventClaims) Claim(ctx context.Context, events []models.Event, hashes [][]byte) (map[int]string, error) {
	byKey := make(map[[16]byte][]int, len(events)) // indexes of the events with each id, in order
	keys, sums := make([][16]byte, 0, len(events)), make([][]byte, 0, len(events))
	var buf []byte
	for i := range events {
		if len(hashes[i]) == 0 {
			continue
		}
		k := idKey(&buf, events[i].Tenant, events[i].ID)
		if _, seen := byKey[k]; !seen {
			keys, sums = append(keys, k), append(sums, hashes[i])
		}
		byKey[k] = append(byKey[k], i)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	schema := RegionSchema(c.Region)
	tag, err := c.DB.Pool.Exec(ctx, fmt.Sprintf(insertClaims, schema), keys, sums)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: claim %d event ids: %w", c.Region, len(keys), err)
	}
	// The version that stays: the stored one, or else the batch's first.
	kept := make(map[[16]byte][]byte)
	if int(tag.RowsAffected()) < len(keys) {
		rows, err := c.DB.Pool.Query(ctx, fmt.Sprintf(readClaims, schema), keys)
		if err != nil {
			return nil, fmt.Errorf("postgres %s: read %d claims: %w", c.Region, len(keys), err)
		}
		for rows.Next() {
			var k [16]byte
			var was []byte
			if err := rows.Scan(&k, &was); err != nil {
				rows.Close()
				return nil, fmt.Errorf("postgres %s: read claims: %w", c.Region, err)
			}
			kept[k] = was
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("postgres %s: read claims: %w", c.Region, err)
		}
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
