package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
)

// With routing on the demo posts no conversation.assigned for the conversations the engine
// routes (the last hour of the backfill, and live traffic): the engine's decisions are the
// only assignments. With routing off its own assignments are the history.
func TestDemoLeavesAssignmentsToTheEngine(t *testing.T) {
	now := time.Now().UTC()
	if from := (&platform{}).engineFrom(now); !from.IsZero() {
		t.Errorf("routing off: the engine decides from %s", from)
	}
	on := &platform{workspace: &engine.Workspace{Handler: &engine.Handler{}}}
	from := on.engineFrom(now)
	if !from.Equal(now.Add(-engine.DefaultMaxAge)) {
		t.Fatalf("routing on: the engine decides from %s, want %s before %s", from, engine.DefaultMaxAge, now)
	}
	// A backfill of the last three hours, as the demo sends it.
	counts := func(engineFrom time.Time) (before, after int) {
		g := demo.New(demo.Config{Seed: 3, Start: now.Add(-3 * time.Hour), End: now, MessagesPerHour: 2000, EngineFrom: engineFrom})
		err := g.Each(context.Background(), func(e models.Event) error {
			if e.Type == models.ConversationAssigned {
				if e.OccurredAt.Before(from) {
					before++
				} else {
					after++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return before, after
	}
	offBefore, offAfter := counts((&platform{}).engineFrom(now))
	onBefore, onAfter := counts(from)
	if offAfter == 0 || onAfter != 0 || onBefore != offBefore || onBefore == 0 {
		t.Errorf("assignments before/after the engine's hour: routing off %d/%d, on %d/%d; want the same history and none after with routing on",
			offBefore, offAfter, onBefore, onAfter)
	}
}

// With the engine's AI on, the demo leaves the AI's answers, hand-overs, resolutions and
// messages of the engine's hour to the engine: the customers' messages and the history stay.
func TestDemoLeavesAIAnswersToTheEngine(t *testing.T) {
	now := time.Now().UTC()
	from := now.Add(-engine.DefaultMaxAge)
	type tally struct{ aiBefore, aiAfter, received int }
	count := func(answers bool) tally {
		var n tally
		g := demo.New(demo.Config{Seed: 5, Start: now.Add(-3 * time.Hour), End: now, MessagesPerHour: 2000, EngineFrom: from, EngineAnswers: answers})
		err := g.Each(context.Background(), func(e models.Event) error {
			switch {
			case e.Type == models.MessageReceived:
				n.received++
			case e.AgentID == engine.AIAgent && (e.Type == models.MessageSent || e.Type == models.ConversationResolved ||
				(e.Type == models.AIAction && e.Action != "classified")):
				if e.OccurredAt.Before(from) {
					n.aiBefore++
				} else {
					n.aiAfter++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	off, on := count(false), count(true)
	if off.aiAfter == 0 || on.aiAfter != 0 || on.aiBefore != off.aiBefore || on.aiBefore == 0 || on.received != off.received {
		t.Errorf("AI events before/after the engine's hour and customer messages: demo's AI %+v, engine's AI %+v", off, on)
	}
}

// The demo's follow-the-sun order names every region of the default policy once.
func TestDemoSunOrderIsTheDefaultPolicysRegions(t *testing.T) {
	p := models.DefaultPolicy()
	order := strings.Split(demoSunOrder, ",")
	var regions []string
	for _, r := range p.Regions {
		regions = append(regions, string(r))
	}
	if got, want := slices.Sorted(slices.Values(order)), slices.Sorted(slices.Values(regions)); !slices.Equal(got, want) {
		t.Fatalf("demo sun order %v, policy regions %v", order, regions)
	}
}
