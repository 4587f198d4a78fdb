package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/conversation/sla"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
)

// clocked is one region's engine on real PostgreSQL and Kafka (ingest publishes its events)
// whose clock the test moves: messages are handed to it in order, the SLA watcher runs one
// round when asked.
type clocked struct {
	t      *testing.T
	pg     *postgres.DB
	svc    *ingest.Service
	h      *engine.Handler
	ws     *engine.Workspace
	agents *postgres.Agents
	now    time.Time
}

func newClocked(t *testing.T, policy string) *clocked {
	t.Helper()
	pl := startPipeline(t, 1, "eu", "us")
	pg := pl.pg
	p, err := sla.ParsePolicy([]byte(policy))
	if err != nil {
		t.Fatal(err)
	}
	// Hours in the past, so that the moved clock never runs ahead of the real one.
	c := &clocked{t: t, pg: pg, agents: &postgres.Agents{DB: pg, Regions: []string{"eu", "us"}}, now: time.Now().UTC().Add(-6 * time.Hour).Truncate(time.Second)}
	c.svc = pl.svc
	c.h = &engine.Handler{Region: "eu", Store: &postgres.Engine{DB: pg}, Publish: c.svc, Router: routing.NewRouter(routing.Config{}),
		SLA: p, WarnBefore: time.Minute, Trigger: models.MessageReceived, Now: func() time.Time { return c.now }}
	c.ws = &engine.Workspace{Handler: c.h}
	return c
}

func (c *clocked) agent(a conversation.Agent, online bool) {
	c.t.Helper()
	ctx := context.Background()
	if _, err := c.agents.Upsert(ctx, "acme", a); err != nil {
		c.t.Fatal(err)
	}
	p := conversation.Offline
	if online {
		p = conversation.Online
	}
	if _, err := c.agents.SetPresence(ctx, "acme", a.ID, p, nil); err != nil {
		c.t.Fatal(err)
	}
}

func (c *clocked) advance(d time.Duration) { c.now = c.now.Add(d) }

// feed hands events (through ingest's preparation, as the stream carries them) to the engine.
func (c *clocked) feed(events ...models.Event) {
	c.t.Helper()
	msgs, err := c.svc.Prepare(context.Background(), auth.Principal{Tenant: "acme", Role: auth.RoleAdmin}, events)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.h.Handle(context.Background(), msgs); err != nil {
		c.t.Fatal(err)
	}
}

// customer is a customer's message in conversation conv, now.
func (c *clocked) customer(conv, lang string) models.Event {
	return models.Event{ID: fmt.Sprintf("in-%s-%d", conv, c.now.UnixMilli()), Type: models.MessageReceived, OccurredAt: c.now, Channel: "whatsapp",
		Direction: models.Inbound, ConversationID: conv, Customer: &models.Customer{Country: "DE", Phone: "+49151" + conv}, Text: "…", Language: lang}
}

// reply is an agent's reply in conv, now.
func (c *clocked) reply(conv string) models.Event {
	return models.Event{ID: fmt.Sprintf("out-%s-%d", conv, c.now.UnixMilli()), Type: models.MessageSent, OccurredAt: c.now, Channel: "whatsapp",
		Direction: models.Outbound, ConversationID: conv, Customer: &models.Customer{Country: "DE", Phone: "+49151" + conv}, Text: "…"}
}

func (c *clocked) work(conv string) engine.Work {
	c.t.Helper()
	w, ok, err := c.h.Store.Find(context.Background(), "eu", "acme", conv)
	if err != nil || !ok {
		c.t.Fatalf("%s: %v, %v", conv, ok, err)
	}
	return w
}

// decided lists the events the engine decided about conv, in order: "type>agent:reason".
func (c *clocked) decided(conv string) []string {
	c.t.Helper()
	// Every decision's: an agent's presence decides about several conversations at once.
	rows, err := c.pg.Pool.Query(context.Background(), `SELECT events FROM region_eu.decisions WHERE conversation_id = $1 OR conversation_id LIKE 'agent:%' ORDER BY created_at, decision_id`, conv)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			c.t.Fatal(err)
		}
		var events []models.Event
		if err := json.Unmarshal(raw, &events); err != nil {
			c.t.Fatal(err)
		}
		for _, e := range events {
			if e.ConversationID == conv && e.Type != models.RoutingDecided {
				out = append(out, e.Type+">"+e.AgentID+":"+e.Reason)
			}
		}
	}
	return out
}

func count(events []string, prefix string) int {
	n := 0
	for _, e := range events {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

func at(t *time.Time) string {
	if t == nil {
		return "nil"
	}
	return t.UTC().Format(time.RFC3339)
}

const statusPolicy = "rules:\n  - first_response: 10m\n    next_response: 5m\n    resolution: 1h\n"

// A snoozed conversation leaves its agent's capacity to the next one waiting; the customer
// writing gives it back to the same agent, over her capacity (it is hers), with the reason,
// and the resolution clock's due time moved by the time it slept. A snooze that ends gives a
// conversation back to its agent even when he is offline, and to the queue when he left the
// region.
func TestSnoozeWakesToTheSameAgent(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	c.agent(conversation.Agent{ID: "lena", Name: "Lena", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "Europe/Berlin"}, true)
	c.agent(conversation.Agent{ID: "tom", Name: "Tom", Region: "eu", Languages: map[string]int{"en": 5}, MaxConcurrent: 3, Timezone: "Europe/London"}, true)
	start := c.now
	c.feed(c.customer("c1", "de"))
	if w := c.work("c1"); w.Status != models.StatusAssigned || w.Assignee != "lena" {
		t.Fatalf("c1: %s %s, want assigned to lena", w.Status, w.Assignee)
	}
	c.advance(time.Minute)
	c.feed(c.reply("c1"))

	// Only an assigned conversation can be snoozed, and only into the next 30 days.
	c.feed(c.customer("c2", "de")) // waits: Lena has one at a time
	if _, err := c.ws.Snooze(ctx, "eu", "acme", "c2", c.now.Add(time.Hour), "agent"); !errors.Is(err, engine.ErrNotAssigned) {
		t.Errorf("snoozing a queued conversation: %v", err)
	}
	for _, until := range []time.Time{c.now.Add(-time.Minute), c.now.Add(31 * 24 * time.Hour)} {
		if _, err := c.ws.Snooze(ctx, "eu", "acme", "c1", until, "agent"); !errors.Is(err, engine.ErrSnoozeUntil) {
			t.Errorf("snooze until %s: %v", until, err)
		}
	}
	if w := c.work("c1"); w.Status != models.StatusAssigned || w.PausedAt != nil {
		t.Fatalf("a refused snooze changed c1: %+v", w)
	}

	c.advance(time.Minute) // start + 2m
	w, err := c.ws.Snooze(ctx, "eu", "acme", "c1", c.now.Add(2*time.Hour), "agent")
	if err != nil || w.Status != models.StatusSnoozed || w.Assignee != "lena" || w.PausedAt == nil || at(w.SnoozeUntil) != at(ptr(c.now.Add(2*time.Hour))) {
		t.Fatalf("snooze: %+v, %v", w, err)
	}
	// Her capacity went to the conversation waiting.
	if w := c.work("c2"); w.Status != models.StatusAssigned || w.Assignee != "lena" {
		t.Fatalf("c2 after c1's snooze: %s %s, want assigned to lena", w.Status, w.Assignee)
	}
	c.advance(30 * time.Minute) // start + 32m
	c.feed(c.customer("c1", "de"))
	w = c.work("c1")
	if w.Status != models.StatusAssigned || w.Assignee != "lena" || w.PausedAt != nil || w.SnoozeUntil != nil {
		t.Fatalf("c1 after the customer wrote: %+v, want assigned to lena again", w)
	}
	if got := c.decided("c1"); strings.Join(got, " ") != "conversation.assigned>lena: conversation.snoozed>lena: conversation.assigned>lena:customer_replied" {
		t.Errorf("c1's events: %v", got)
	}
	// Asleep for 30 minutes: the resolution is due 30 minutes later; the customer's message
	// after Lena's reply started the next-response clock.
	if got, want := at(w.ResolutionDue), at(ptr(start.Add(time.Hour+30*time.Minute))); got != want {
		t.Errorf("resolution due %s, want %s", got, want)
	}
	if got, want := at(w.NextResponseDue), at(ptr(c.now.Add(5*time.Minute))); got != want {
		t.Errorf("next response due %s, want %s", got, want)
	}

	// Tom's English conversation sleeps until its snooze ends; he went offline meanwhile.
	c.feed(c.customer("c3", "en"))
	c.advance(time.Minute)
	snoozedAt := c.now
	if _, err := c.ws.Snooze(ctx, "eu", "acme", "c3", c.now.Add(time.Hour), "agent"); err != nil {
		t.Fatal(err)
	}
	c.agent(conversation.Agent{ID: "tom", Name: "Tom", Region: "eu", Languages: map[string]int{"en": 5}, MaxConcurrent: 3, Timezone: "Europe/London"}, false)
	c.advance(59 * time.Minute)
	c.h.CheckSLA(ctx)
	if w := c.work("c3"); w.Status != models.StatusSnoozed {
		t.Fatalf("c3 a minute before its snooze ends: %s", w.Status)
	}
	c.advance(2 * time.Minute)
	c.h.CheckSLA(ctx)
	c.h.CheckSLA(ctx)
	w = c.work("c3")
	if w.Status != models.StatusAssigned || w.Assignee != "tom" {
		t.Fatalf("c3 after its snooze: %s %s, want assigned to tom", w.Status, w.Assignee)
	}
	if got := c.decided("c3"); strings.Join(got, " ") != "conversation.assigned>tom: conversation.snoozed>tom: conversation.assigned>tom:snooze_ended" {
		t.Errorf("c3's events: %v", got)
	}
	// The pause lasted from the snooze to its end (not to when the watcher looked).
	if got, want := at(w.ResolutionDue), at(ptr(snoozedAt.Add(-time.Minute).Add(time.Hour+time.Hour))); got != want {
		t.Errorf("c3's resolution due %s, want %s", got, want)
	}

	// Tom is back, snoozes c3 again and leaves the region: at the end of the snooze, c3 goes
	// back to the queue (nobody else writes English).
	c.agent(conversation.Agent{ID: "tom", Name: "Tom", Region: "eu", Languages: map[string]int{"en": 5}, MaxConcurrent: 3, Timezone: "Europe/London"}, true)
	if _, err := c.ws.Snooze(ctx, "eu", "acme", "c3", c.now.Add(time.Hour), "agent"); err != nil {
		t.Fatal(err)
	}
	c.agent(conversation.Agent{ID: "tom", Name: "Tom", Region: "us", Languages: map[string]int{"en": 5}, MaxConcurrent: 3, Timezone: "America/New_York"}, true)
	c.advance(time.Hour)
	c.h.CheckSLA(ctx)
	if w := c.work("c3"); w.Status != models.StatusQueued || w.Assignee != "" || w.PreviousAgent != "tom" {
		t.Fatalf("c3 after its snooze, Tom gone: %s %q (previous %q), want queued", w.Status, w.Assignee, w.PreviousAgent)
	}
}

func ptr(t time.Time) *time.Time { return &t }

// Waiting on the customer pauses the resolution clock: no breach while pending, however
// long, and when the customer writes the due time has moved by exactly the paused span.
func TestPendingPausesTheResolutionClock(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	c.agent(conversation.Agent{ID: "ana", Name: "Ana", Region: "eu", Languages: map[string]int{"fr": 5}, MaxConcurrent: 2, Timezone: "Europe/Paris"}, true)
	start := c.now
	c.feed(c.customer("p1", "fr"))
	c.advance(5 * time.Minute)
	c.feed(c.reply("p1"))
	c.advance(5 * time.Minute) // start + 10m
	if _, err := c.ws.MarkPending(ctx, "eu", "acme", "p1", "agent"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ws.MarkPending(ctx, "eu", "acme", "p1", "agent"); !errors.Is(err, engine.ErrNotAssigned) {
		t.Errorf("pending twice: %v, want ErrNotAssigned", err)
	}
	w := c.work("p1")
	if w.Status != models.StatusPending || w.PausedAt == nil || at(w.ResolutionDue) != at(ptr(start.Add(time.Hour))) {
		t.Fatalf("pending: %+v", w)
	}
	// Past the original due time while pending: paused, nothing breached; the projection
	// counts the pause so far.
	c.advance(80 * time.Minute) // start + 90m
	c.h.CheckSLA(ctx)
	if got := c.decided("p1"); count(got, models.SLABreached) != 0 || count(got, models.SLAWarning) != 0 {
		t.Errorf("SLA events while pending: %v", got)
	}
	if _, _, res := c.work("p1").Projected(c.now); at(res) != at(ptr(start.Add(time.Hour+80*time.Minute))) {
		t.Errorf("projected resolution due %s, want start + 2h20m", at(res))
	}
	c.feed(c.customer("p1", "fr"))
	w = c.work("p1")
	if w.Status != models.StatusAssigned || w.Assignee != "ana" || w.PausedAt != nil {
		t.Fatalf("after the customer wrote: %+v", w)
	}
	if got, want := at(w.ResolutionDue), at(ptr(start.Add(time.Hour+80*time.Minute))); got != want {
		t.Errorf("resolution due %s, want %s (moved by the 80 minutes pending)", got, want)
	}
	if got := c.decided("p1"); strings.Join(got, " ") != "conversation.assigned>ana: conversation.pending>ana: conversation.assigned>ana:customer_replied" {
		t.Errorf("p1's events: %v", got)
	}
	// Resolving stops the clocks: nothing comes due any more.
	if _, err := c.ws.Resolve(ctx, "eu", "acme", "p1", "agent"); err != nil {
		t.Fatal(err)
	}
	if w := c.work("p1"); w.NextResponseDue != nil || w.PausedAt != nil {
		t.Errorf("resolved: %+v", w)
	}
	c.advance(3 * time.Hour)
	c.h.CheckSLA(ctx)
	if got := c.decided("p1"); count(got, models.SLABreached) != 0 {
		t.Errorf("a resolved conversation breached: %v", got)
	}
}

// A next response is due after each customer message that follows an agent's reply: the
// watcher warns once a minute ahead and records the breach once however often it looks;
// the next reply stops the clock, and the customer's next turn starts a new one, which
// warns and breaches on its own.
func TestNextResponseWarnsAndBreachesOncePerClock(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	c.agent(conversation.Agent{ID: "lena", Name: "Lena", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 2, Timezone: "Europe/Berlin"}, true)
	c.feed(c.customer("n1", "de"))
	c.advance(time.Minute)
	c.feed(c.reply("n1"))
	c.advance(time.Minute)
	c.feed(c.customer("n1", "de")) // the clock starts: due in 5 minutes
	c.advance(3 * time.Minute)
	c.h.CheckSLA(ctx)
	if got := c.decided("n1"); count(got, models.SLAWarning) != 0 {
		t.Errorf("warned 2 minutes ahead with a 1-minute lead: %v", got)
	}
	c.advance(90 * time.Second)
	c.h.CheckSLA(ctx)
	c.h.CheckSLA(ctx)
	if got := c.decided("n1"); count(got, models.SLAWarning+">lena:next_response") != 1 || count(got, models.SLABreached) != 0 {
		t.Errorf("30 s before the due time: %v, want one next_response warning", got)
	}
	if w := c.work("n1"); strings.Join(w.Warned, ",") != "next_response" {
		t.Errorf("warned %v", w.Warned)
	}
	c.advance(time.Minute)
	for range 3 {
		c.h.CheckSLA(ctx)
	}
	c.feed(c.customer("n1", "de")) // a second message in the same turn: the same clock
	c.h.CheckSLA(ctx)
	if got := c.decided("n1"); count(got, models.SLABreached+">lena:next_response") != 1 || count(got, models.SLAWarning) != 1 {
		t.Errorf("past due, looked at four times: %v, want one breach", got)
	}
	c.feed(c.reply("n1"))
	if w := c.work("n1"); w.NextResponseDue != nil {
		t.Errorf("the reply did not stop the clock: due %s", at(w.NextResponseDue))
	}
	c.advance(10 * time.Minute)
	c.h.CheckSLA(ctx)
	if got := c.decided("n1"); count(got, models.SLABreached) != 1 {
		t.Errorf("a stopped clock breached: %v", got)
	}
	c.feed(c.customer("n1", "de")) // a new turn, a new clock
	c.advance(6 * time.Minute)
	c.h.CheckSLA(ctx)
	c.h.CheckSLA(ctx)
	if got := c.decided("n1"); count(got, models.SLABreached+">lena:next_response") != 2 {
		t.Errorf("the second clock: %v, want a second breach", got)
	}
}
