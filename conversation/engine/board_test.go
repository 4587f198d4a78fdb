package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/models"
)

// The board adds a language's counts over statuses, counts the agents who write it well
// enough and the free seats of those online and on shift only, and puts urgent and long waits
// first.
func TestTheBoardCountsWhoWaitsAndWhoCanTakeThem(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) // a Monday
	weekdays := []conversation.Shift{{Weekday: 1, Start: "09:00", End: "17:00"}}
	early, late := now.Add(-40*time.Minute), now.Add(-5*time.Minute)
	d := engine.BoardData{
		Counts: []engine.OpenCount{
			{Language: "de", Status: string(models.StatusQueued), Count: 3, Urgent: 1, AtRisk: 2, OldestSince: late},
			{Language: "de", Status: string(models.StatusAssigned), Count: 4, Breached: 1},
			{Language: "de", Status: string(models.StatusPending), Count: 2},
			{Language: "de", Status: string(models.StatusBot), Count: 5},
			{Language: "de", Status: engine.StatusHandedOff, Count: 6},
			{Language: "fr", Status: string(models.StatusQueued), Count: 1, Urgent: 1, OldestSince: early},
			{Language: "es", Status: string(models.StatusSnoozed), Count: 1},
		},
		Agents: []conversation.Agent{
			{ID: "lena", Languages: map[string]int{"de": 5, "fr": 1}, MaxConcurrent: 3, Timezone: "UTC", Shifts: weekdays, Presence: conversation.Online},
			{ID: "anna", Languages: map[string]int{"de": 3}, MaxConcurrent: 2, Timezone: "UTC", Shifts: weekdays, Presence: conversation.Away},
			{ID: "kai", Languages: map[string]int{"de": 4}, MaxConcurrent: 2, Timezone: "Asia/Tokyo", Shifts: weekdays, Presence: conversation.Online},
		},
		Loads: map[string]int{"lena": 2, "kai": 2, "anna": 0},
	}
	b := engine.MakeBoard("eu", d, now)
	var order []string
	for _, q := range b.Queues {
		order = append(order, q.Language)
	}
	// fr and de both have an urgent wait: fr has waited longer; es has nobody waiting.
	if got := strings.Join(order, " "); got != "fr de es" {
		t.Fatalf("queue order %q", got)
	}
	de := b.Queues[1]
	if de.Waiting != 3 || de.Urgent != 1 || de.Assigned != 4 || de.Parked != 2 || de.WithBot != 5 || de.HandedOff != 6 || de.Breached != 1 || de.AtRisk != 2 || !de.OldestWaiting.Equal(late) {
		t.Errorf("de line %+v", de)
	}
	// Lena (online, on shift, 1 seat free), Anna (away), Kai (online, but 19:00 in Tokyo).
	if de.Agents != 3 || de.Online != 2 || de.Available != 1 || de.FreeSeats != 1 {
		t.Errorf("de agents %d online %d available %d free seats %d, want 3 2 1 1", de.Agents, de.Online, de.Available, de.FreeSeats)
	}
	if fr := b.Queues[0]; fr.Agents != 0 || fr.Waiting != 1 {
		t.Errorf("fr line %+v: Lena writes French at level 1 only", fr)
	}
	if len(b.Agents) != 3 || b.Agents[0].Agent.ID != "anna" || b.Agents[1].Agent.ID != "kai" || !b.Agents[1].Full || b.Agents[1].OnShift || b.Agents[2].Full || !b.Agents[2].OnShift {
		t.Errorf("agents %+v", b.Agents)
	}
}
