package clickhouse

import (
	"errors"
	"slices"
	"testing"
)

func TestRegionsNameEveryDatabaseAndRefuseOthers(t *testing.T) {
	var db DB = &Server{}
	r, err := NewRegions([]string{"eu", "us"}, map[string]DB{"eu": db, "us": db, "sea": db})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Names(); !slices.Equal(got, []string{"eu", "us"}) {
		t.Errorf("names = %v", got)
	}
	if got, err := r.DB("us"); err != nil || got != db {
		t.Errorf("DB(us) = %v, %v", got, err)
	}
	if _, err := r.DB("sea"); !errors.Is(err, ErrUnknownRegion) {
		t.Errorf("DB(sea) = %v, want ErrUnknownRegion: sea is not listed", err)
	}
	if _, err := NewRegions([]string{"eu", "us"}, map[string]DB{"eu": db}); err == nil {
		t.Error("a region without a database was registered")
	}
	var none *Regions
	if _, err := none.DB("eu"); !errors.Is(err, ErrUnknownRegion) || none.Has("eu") || none.Names() != nil {
		t.Error("a nil registry has regions")
	}
}
