package clickhouse

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnknownRegion is returned (wrapped) for a region no database is registered for.
var ErrUnknownRegion = errors.New("unknown region")

// Regions is the registry of region databases: which endpoint holds each region's database
// (Database(region)) and the order regions are read and reported in. The metrics engine,
// insights, forecasting and the GraphQL resolvers share one, built once by cmd/meridian. It
// is immutable and safe for concurrent use; a nil *Regions has no regions.
type Regions struct {
	names []string
	dbs   map[string]DB
}

// NewRegions registers dbs in the order of names; every name needs a database.
func NewRegions(names []string, dbs map[string]DB) (*Regions, error) {
	r := &Regions{names: slices.Clone(names), dbs: make(map[string]DB, len(names))}
	for _, n := range names {
		if _, ok := r.dbs[n]; ok {
			return nil, fmt.Errorf("clickhouse: region %q is listed twice", n)
		}
		if dbs[n] == nil {
			return nil, fmt.Errorf("clickhouse: no database for region %q", n)
		}
		r.dbs[n] = dbs[n]
	}
	return r, nil
}

// OneDB registers db for every region (embedded mode: chDB holds every region's database).
func OneDB(db DB, names []string) *Regions {
	r := &Regions{names: slices.Clone(names), dbs: make(map[string]DB, len(names))}
	for _, n := range names {
		r.dbs[n] = db
	}
	return r
}

// Names returns the regions in order; the caller may modify the slice.
func (r *Regions) Names() []string {
	if r == nil {
		return nil
	}
	return slices.Clone(r.names)
}

// Has reports whether region is registered.
func (r *Regions) Has(region string) bool {
	if r == nil {
		return false
	}
	_, ok := r.dbs[region]
	return ok
}

// DB returns the database endpoint of region, or an error wrapping ErrUnknownRegion.
func (r *Regions) DB(region string) (DB, error) {
	if r != nil {
		if db := r.dbs[region]; db != nil {
			return db, nil
		}
	}
	return nil, fmt.Errorf("%w %q (regions: %s)", ErrUnknownRegion, region, strings.Join(r.Names(), ", "))
}
