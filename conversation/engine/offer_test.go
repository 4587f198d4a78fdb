package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
)

// offerDesk describes the team "desk" working by offer-and-accept (a minute to answer) and
// German-speaking agents of it, online, one conversation at a time.
func offerDesk(t *testing.T, c *clocked, agents ...string) {
	t.Helper()
	teams := &postgres.Teams{DB: c.pg, Regions: []string{"eu", "us"}}
	team := conversation.Team{ID: "desk", Name: "Desk", Region: "eu", Assignment: conversation.Offer, OfferTimeout: time.Minute}
	if _, err := teams.UpsertTeam(context.Background(), "acme", team); err != nil {
		t.Fatal(err)
	}
	for _, id := range agents {
		c.agent(conversation.Agent{ID: id, Name: id, Region: "eu", Team: "desk", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "Europe/Berlin"}, true)
	}
}

// offer is conv's open offer (agent "" when nobody is offered it).
func (c *clocked) offer(conv string) engine.Offer {
	c.t.Helper()
	o, _, err := c.h.Store.FindOffer(context.Background(), "eu", "acme", conv)
	if err != nil {
		c.t.Fatal(err)
	}
	return o
}

// routed lists conv's routing.decided events in order: "agent:reason".
func (c *clocked) routed(conv string) []string {
	c.t.Helper()
	rows, err := c.pg.Pool.Query(context.Background(), `SELECT events FROM region_eu.decisions ORDER BY created_at, decision_id`)
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
			if e.ConversationID == conv && e.Type == models.RoutingDecided {
				out = append(out, e.AgentID+":"+e.Reason)
			}
		}
	}
	return out
}

// An agent of an offer team is offered the conversation, not assigned it: it waits in its
// queue, counted in her load, until she accepts it; nobody else may accept it for her, and
// an accepted offer cannot be accepted again. An agent of a team without offers (or of no
// team) is assigned at once.
func TestOfferAccepted(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	offerDesk(t, c, "lena", "mia")
	c.agent(conversation.Agent{ID: "tom", Name: "Tom", Region: "eu", Languages: map[string]int{"en": 5}, MaxConcurrent: 1, Timezone: "Europe/London"}, true)

	c.feed(c.customer("c1", "de"))
	w, o := c.work("c1"), c.offer("c1")
	if w.Status != models.StatusQueued || w.Assignee != "" {
		t.Fatalf("offered c1: %s %q, want queued and nobody's", w.Status, w.Assignee)
	}
	first := o.AgentID
	if first != "lena" && first != "mia" {
		t.Fatalf("c1 offered to %q", first)
	}
	other := map[string]string{"lena": "mia", "mia": "lena"}[first]
	if !o.ExpiresAt.Equal(c.now.Add(time.Minute)) {
		t.Errorf("offer expires at %s, want a minute after %s", o.ExpiresAt, c.now)
	}
	if got := c.decided("c1"); strings.Join(got, " ") != "conversation.queued>:offered to "+first+" conversation.offered>"+first+":" {
		t.Errorf("c1's events: %v", got)
	}
	if got := c.routed("c1"); strings.Join(got, " ") != first+":offered" {
		t.Errorf("c1's routing decisions: %v, want %s:offered", got, first)
	}
	// The open offer fills her one seat: the next German conversation goes to the other.
	c.advance(time.Second)
	c.feed(c.customer("c2", "de"))
	if got := c.offer("c2").AgentID; got != other {
		t.Errorf("c2 offered to %q, want %q (%s holds an offer)", got, other, first)
	}

	// Tom may not accept her offer, nor she decline one that is not hers.
	if _, err := c.ws.Accept(ctx, "eu", "acme", "c1", "tom"); !errors.Is(err, engine.ErrNotYourOffer) {
		t.Errorf("accepting someone else's offer: %v", err)
	}
	if _, err := c.ws.Decline(ctx, "eu", "acme", "c2", first); !errors.Is(err, engine.ErrNotYourOffer) {
		t.Errorf("declining someone else's offer: %v", err)
	}
	if o := c.offer("c1"); o.AgentID != first {
		t.Fatalf("a refused answer changed the offer: %+v", o)
	}
	w, err := c.ws.Accept(ctx, "eu", "acme", "c1", first)
	if err != nil || w.Status != models.StatusAssigned || w.Assignee != first {
		t.Fatalf("accept: %+v, %v", w, err)
	}
	if _, err := c.ws.Accept(ctx, "eu", "acme", "c1", first); !errors.Is(err, engine.ErrNoOffer) {
		t.Errorf("accepting twice: %v, want ErrNoOffer", err)
	}
	if o := c.offer("c1"); o.AgentID != "" {
		t.Errorf("an accepted offer is still open: %+v", o)
	}
	if got := c.decided("c1"); count(got, models.ConversationAssigned+">"+first+":offer accepted") != 1 {
		t.Errorf("c1's events after accepting: %v", got)
	}

	// Tom has no team: assigned at once.
	c.feed(c.customer("e1", "en"))
	if w := c.work("e1"); w.Status != models.StatusAssigned || w.Assignee != "tom" {
		t.Errorf("e1: %s %q, want assigned to tom", w.Status, w.Assignee)
	}
	if got := c.decided("e1"); count(got, models.ConversationOffered) != 0 {
		t.Errorf("e1 was offered: %v", got)
	}
}

// A declined offer goes to the next agent without the one who declined; declined by
// everyone, the conversation waits in its queue, and neither the customer writing again nor
// an agent's capacity freeing offers it again to those who declined it.
func TestOfferDeclinedGoesToTheNextAgent(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	offerDesk(t, c, "lena", "mia")

	c.feed(c.customer("c1", "de"))
	first := c.offer("c1").AgentID
	second := map[string]string{"lena": "mia", "mia": "lena"}[first]
	w, err := c.ws.Decline(ctx, "eu", "acme", "c1", first)
	if err != nil || w.Status != models.StatusQueued {
		t.Fatalf("decline: %+v, %v", w, err)
	}
	if o := c.offer("c1"); o.AgentID != second || strings.Join(o.Declined, ",") != first {
		t.Fatalf("after %s declined: %+v, want offered to %s", first, o, second)
	}
	if _, err := c.ws.Accept(ctx, "eu", "acme", "c1", first); !errors.Is(err, engine.ErrNotYourOffer) {
		t.Errorf("accepting after declining: %v", err)
	}
	if _, err := c.ws.Decline(ctx, "eu", "acme", "c1", second); err != nil {
		t.Fatal(err)
	}
	o := c.offer("c1")
	if o.AgentID != "" || len(o.Declined) != 2 {
		t.Fatalf("declined by both: %+v, want offered to nobody", o)
	}
	if w := c.work("c1"); w.Status != models.StatusQueued || w.Assignee != "" {
		t.Fatalf("declined by both: %s %q, want queued", w.Status, w.Assignee)
	}
	got := c.decided("c1")
	if count(got, models.ConversationOffered) != 2 || count(got, models.ConversationAssigned) != 0 {
		t.Errorf("c1's events: %v", got)
	}
	if got := strings.Join(c.routed("c1"), " "); got != first+":offered "+second+":offered :all agents for de in eu excluded" {
		t.Errorf("c1's routing decisions: %s", got)
	}

	// The customer writes again: nobody who declined is offered it.
	c.advance(time.Minute)
	c.feed(c.customer("c1", "de"))
	if o := c.offer("c1"); o.AgentID != "" {
		t.Errorf("after the customer wrote again, offered to %q who declined", o.AgentID)
	}
	// Lena takes another conversation and resolves it: her freed seat goes to nothing she
	// declined.
	c.feed(c.customer("c2", "de"))
	taker := c.offer("c2").AgentID
	if _, err := c.ws.Accept(ctx, "eu", "acme", "c2", taker); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ws.Resolve(ctx, "eu", "acme", "c2", taker); err != nil {
		t.Fatal(err)
	}
	if o := c.offer("c1"); o.AgentID != "" {
		t.Errorf("freed capacity offered c1 again to %q, who declined it", o.AgentID)
	}
	// A new agent of the team comes online: it is hers.
	offerDesk(t, c, "ida")
	if err := c.ws.Presence(ctx, "eu", "acme", "ida", true); err != nil {
		t.Fatal(err)
	}
	if o := c.offer("c1"); o.AgentID != "ida" {
		t.Errorf("c1 after Ida came online: offered to %q, want ida", o.AgentID)
	}
}

// An offer nobody answers in time is passed on by the watcher, once however often it runs
// (and whichever process runs it); it cannot be accepted once expired; with nobody left the
// conversation waits in its queue. An agent going offline passes on her open offers.
func TestOfferExpiresToTheNextAgent(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	offerDesk(t, c, "lena", "mia", "ida")

	c.feed(c.customer("c1", "de"))
	first := c.offer("c1").AgentID
	c.advance(59 * time.Second)
	c.h.CheckOffers(ctx)
	if o := c.offer("c1"); o.AgentID != first {
		t.Fatalf("passed on a second before expiry: %+v", o)
	}
	c.advance(time.Second)
	if _, err := c.ws.Accept(ctx, "eu", "acme", "c1", first); !errors.Is(err, engine.ErrOfferExpired) {
		t.Errorf("accepting an expired offer: %v", err)
	}
	c.h.CheckOffers(ctx)
	c.h.CheckOffers(ctx)
	o := c.offer("c1")
	if o.AgentID == "" || o.AgentID == first || strings.Join(o.Declined, ",") != first {
		t.Fatalf("after expiry: %+v, want offered to another agent than %s", o, first)
	}
	if !o.ExpiresAt.Equal(c.now.Add(time.Minute)) {
		t.Errorf("the next offer expires at %s, want a minute from %s", o.ExpiresAt, c.now)
	}
	second := o.AgentID
	if got := c.decided("c1"); count(got, models.ConversationOffered) != 2 {
		t.Errorf("c1's events: %v", got)
	}

	// The second agent goes offline: her offer goes to the third at once.
	c.agent(conversation.Agent{ID: second, Name: second, Region: "eu", Team: "desk", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "Europe/Berlin"}, false)
	if err := c.ws.Presence(ctx, "eu", "acme", second, false); err != nil {
		t.Fatal(err)
	}
	o = c.offer("c1")
	third := o.AgentID
	if third == "" || third == first || third == second {
		t.Fatalf("after %s went offline: %+v", second, o)
	}
	c.advance(time.Minute)
	c.h.CheckOffers(ctx)
	if o := c.offer("c1"); o.AgentID != "" || len(o.Declined) != 3 {
		t.Fatalf("expired with nobody left: %+v, want offered to nobody", o)
	}
	if w := c.work("c1"); w.Status != models.StatusQueued {
		t.Errorf("c1: %s, want queued", w.Status)
	}
	if got := c.decided("c1"); count(got, models.ConversationOffered) != 3 || count(got, models.ConversationAssigned) != 0 {
		t.Errorf("c1's events: %v", got)
	}
}

// Replaying the message that caused an offer (the engine restarted before committing its
// offset) offers nothing twice, even after the offer was answered.
func TestOfferReplayOffersOnce(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	offerDesk(t, c, "lena", "mia")
	in := c.customer("c1", "de")
	c.feed(in)
	c.feed(in)
	o := c.offer("c1")
	if got := c.decided("c1"); count(got, models.ConversationOffered) != 1 {
		t.Fatalf("replayed: %v", got)
	}
	if _, err := c.ws.Decline(ctx, "eu", "acme", "c1", o.AgentID); err != nil {
		t.Fatal(err)
	}
	next := c.offer("c1")
	c.feed(in)
	if got := c.offer("c1"); got.ID != next.ID || got.AgentID != next.AgentID {
		t.Errorf("the replay changed the offer: %+v, was %+v", got, next)
	}
	if got := c.decided("c1"); count(got, models.ConversationOffered) != 2 {
		t.Errorf("after the decline and a replay: %v", got)
	}
}

// An open offer holds its agent's seat; resolving or assigning the conversation elsewhere
// gives that seat to the next conversation waiting at once.
func TestAnOfferEndedByAnActionFreesItsSeat(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	offerDesk(t, c, "lena")
	c.agent(conversation.Agent{ID: "tom", Name: "Tom", Region: "eu", Languages: map[string]int{"de": 3}, MaxConcurrent: 5, Timezone: "Europe/Berlin"}, false)
	for i, conv := range []string{"c1", "c2", "c3"} {
		c.advance(time.Duration(i) * time.Second)
		c.feed(c.customer(conv, "de"))
	}
	if a, b, d := c.offer("c1").AgentID, c.offer("c2").AgentID, c.offer("c3").AgentID; a != "lena" || b != "" || d != "" {
		t.Fatalf("offers: c1 %q, c2 %q, c3 %q; want c1 to lena, the others waiting", a, b, d)
	}
	if _, err := c.ws.Resolve(ctx, "eu", "acme", "c1", "supervisor"); err != nil {
		t.Fatal(err)
	}
	if got := c.offer("c2").AgentID; got != "lena" {
		t.Fatalf("c2 after c1 was resolved: offered to %q, want lena", got)
	}
	if _, err := c.ws.Assign(ctx, "eu", "acme", "c2", "tom", "supervisor"); err != nil {
		t.Fatal(err)
	}
	if w := c.work("c2"); w.Status != models.StatusAssigned || w.Assignee != "tom" {
		t.Fatalf("c2 assigned to Tom: %s %q", w.Status, w.Assignee)
	}
	if got := c.offer("c3").AgentID; got != "lena" {
		t.Errorf("c3 after c2 went to Tom: offered to %q, want lena", got)
	}
}
