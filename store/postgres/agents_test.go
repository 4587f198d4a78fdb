package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/store/postgres"
)

func TestAgentsAreStoredInTheirRegionAndKeepTheirPresence(t *testing.T) {
	ctx := context.Background()
	s := &postgres.Agents{DB: open(t), Regions: []string{"eu", "us"}}
	a := conversation.Agent{ID: "ana", Name: "Ana Souza", Region: "eu", Languages: map[string]int{"pt": 5, "en": 4},
		Skills: []string{"refund"}, MaxConcurrent: 4, Capacity: map[string]int{"email": 8}, Timezone: "Europe/Lisbon",
		Shifts: []conversation.Shift{{Weekday: 1, Start: "09:00", End: "17:00"}}}
	got, err := s.Upsert(ctx, "acme", a)
	if err != nil {
		t.Fatal(err)
	}
	if got.Presence != conversation.Offline || got.Languages["pt"] != 5 || got.Capacity["email"] != 8 || len(got.Shifts) != 1 || len(got.Tiers) != 0 {
		t.Fatalf("stored: %+v", got)
	}
	if got, err = s.SetPresence(ctx, "acme", "ana", conversation.Online, nil); err != nil || got.Presence != conversation.Online {
		t.Fatalf("presence: %+v %v", got, err)
	}
	// Moving to another region: one agent, in the new region, still online.
	a.Region, a.MaxConcurrent = "us", 6
	if got, err = s.Upsert(ctx, "acme", a); err != nil || got.Presence != conversation.Online || got.MaxConcurrent != 6 {
		t.Fatalf("moved: %+v %v", got, err)
	}
	eu, _ := s.List(ctx, "acme", "eu")
	us, _ := s.List(ctx, "acme", "us")
	if len(eu) != 0 || len(us) != 1 || us[0].ID != "ana" {
		t.Fatalf("after the move: eu %v, us %v", eu, us)
	}
	if _, err := s.SetPresence(ctx, "acme", "ana", conversation.Away, []string{"eu"}); !errors.Is(err, conversation.ErrNotFound) {
		t.Fatalf("presence from a key of another region: %v, want not found", err)
	}
	if _, err := s.SetPresence(ctx, "other-tenant", "ana", conversation.Away, nil); !errors.Is(err, conversation.ErrNotFound) {
		t.Fatalf("presence of another tenant's agent: %v, want not found", err)
	}
	if l, _ := s.List(ctx, "other-tenant", "us"); len(l) != 0 {
		t.Fatalf("another tenant sees %s", fmt.Sprint(l))
	}
}
