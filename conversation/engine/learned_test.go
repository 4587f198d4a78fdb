package engine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/conversation/history"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/postgres"
)

// recorder is ingest, keeping what the engine published.
type recorder struct {
	svc    *ingest.Service
	mu     sync.Mutex
	events []models.Event
}

func (r *recorder) Accept(ctx context.Context, tenant string, events []models.Event) error {
	if err := r.svc.Accept(ctx, tenant, events); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
	return nil
}

// decided returns the last routing.decided of conversation conv.
func (r *recorder) decided(t *testing.T, conv string) models.Event {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.events) - 1; i >= 0; i-- {
		if e := r.events[i]; e.Type == models.RoutingDecided && e.ConversationID == conv {
			return e
		}
	}
	t.Fatalf("no routing.decided for %s", conv)
	return models.Event{}
}

// past is one conversation of the history: a customer wrote at at in lang about intent,
// agent was assigned 30 s later and resolved it after handle (0: never), rated csat (0:
// not rated).
func past(tenant, id, agent, lang, intent string, at time.Time, handle time.Duration, csat float64) []models.Event {
	base := models.Event{Tenant: tenant, Region: "eu", Channel: "whatsapp", ConversationID: id,
		Customer: &models.Customer{Country: "DE", Tier: "returning"}, CustomerID: "cu-" + id}
	ev := func(typ, suffix string, t time.Time) models.Event {
		e := base
		e.ID, e.Type, e.OccurredAt = id+":"+suffix, typ, t
		return e
	}
	in := ev(models.MessageReceived, "in", at)
	in.Direction, in.Text, in.Language = models.Inbound, "…", lang
	an := ev(models.MessageAnalyzed, "an", at)
	an.Direction, an.Language, an.Intent = models.Inbound, lang, intent
	as := ev(models.ConversationAssigned, "as", at.Add(30*time.Second))
	as.AgentID = agent
	out := []models.Event{in, an, as}
	if handle > 0 {
		r := ev(models.ConversationResolved, "res", as.OccurredAt.Add(handle))
		r.AgentID = agent
		out = append(out, r)
		if csat > 0 {
			f := ev(models.FeedbackCSAT, "csat", r.OccurredAt.Add(time.Minute))
			f.Score = &csat
			out = append(out, f)
		}
	}
	return out
}

// With history in ClickHouse, routing prefers the agent who resolves this intent in this
// language better, gives a message comparing with a competitor to the agent with the
// retention skill, serves a valuable tier first, and relaxes skills at once where demand
// outruns the agents; a tenant without history is routed exactly as without a Learner.
func TestRoutingLearnsFromHistory(t *testing.T) {
	ctx := context.Background()
	p := startPipeline(t, 1, "eu")
	pg, svc := p.pg, p.svc

	// The same agents in a tenant with history ("learn") and two without ("cold", routed
	// with the Learner, and "plain", routed without one).
	agents := &postgres.Agents{DB: pg, Regions: []string{"eu"}}
	roster := []conversation.Agent{
		// Equal but for their history: zoe resolves German refunds better, adam billing.
		{ID: "zoe", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 4},
		{ID: "adam", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 4},
		// French cancellations: zara has the retention skill.
		{ID: "zara", Region: "eu", Languages: map[string]int{"fr": 5}, Skills: []string{"cancel", "retention"}, MaxConcurrent: 4},
		{ID: "abe", Region: "eu", Languages: map[string]int{"fr": 5}, Skills: []string{"cancel"}, MaxConcurrent: 4},
		// Italian: one agent, one conversation at a time.
		{ID: "solo", Region: "eu", Languages: map[string]int{"it": 5}, MaxConcurrent: 1},
		// Dutch: one billing specialist for a language whose demand outruns him.
		{ID: "nils", Region: "eu", Languages: map[string]int{"nl": 5}, Skills: []string{"billing"}, MaxConcurrent: 2},
	}
	tenants := []string{"learn", "cold", "plain"}
	for _, tenant := range tenants {
		for _, a := range roster {
			a.Name = a.ID
			if _, err := agents.Upsert(ctx, tenant, a); err != nil {
				t.Fatal(err)
			}
			if _, err := agents.SetPresence(ctx, tenant, a.ID, conversation.Online, nil); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The history of "learn": 40 German conversations each for zoe and adam over the last
	// two days, 18 of 20 refunds resolved by zoe and 10 of 20 by adam, the other way round
	// for billing (so their overall records are equal); 200 Dutch ones in the last day,
	// resolved in half an hour by someone who left.
	now := time.Now().UTC()
	var seed []models.Event
	for i := range 20 {
		at := now.Add(-time.Duration(i+1) * 2 * time.Hour)
		good, bad := func(j int) (time.Duration, float64) {
			return 10 * time.Minute, 5
		}, func(j int) (time.Duration, float64) {
			if j >= 10 {
				return 0, 0
			}
			return 15 * time.Minute, 3
		}
		if i >= 18 {
			good = func(int) (time.Duration, float64) { return 0, 0 }
		}
		h, c := good(i)
		seed = append(seed, past("learn", fmt.Sprintf("zr%d", i), "zoe", "de", "refund", at, h, c)...)
		h, c = bad(i)
		seed = append(seed, past("learn", fmt.Sprintf("zb%d", i), "zoe", "de", "billing", at, h, c)...)
		h, c = bad(i)
		seed = append(seed, past("learn", fmt.Sprintf("ar%d", i), "adam", "de", "refund", at, h, c)...)
		h, c = good(i)
		seed = append(seed, past("learn", fmt.Sprintf("ab%d", i), "adam", "de", "billing", at, h, c)...)
	}
	for i := range 200 {
		seed = append(seed, past("learn", fmt.Sprintf("nl%d", i), "piet", "nl", "billing", now.Add(-time.Duration(i+1)*7*time.Minute), 30*time.Minute, 0)...)
	}
	if _, err := (&clickhouse.EventWriter{DB: ch, Region: "eu"}).StoreEvents(ctx, seed); err != nil {
		t.Fatal(err)
	}
	learner := &history.Learner{Regions: clickhouse.OneDB(ch, []string{"eu"})}
	if err := learner.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if learner.Snapshot("eu", "learn") == nil || learner.Snapshot("eu", "cold") != nil {
		t.Fatal("the learner should know the history of learn only")
	}

	rec := &recorder{svc: svc}
	withHistory := &engine.Handler{Region: "eu", Store: &postgres.Engine{DB: pg}, Publish: rec, Router: routing.NewRouter(routing.Config{}), History: learner}
	without := &engine.Handler{Region: "eu", Store: &postgres.Engine{DB: pg}, Publish: rec, Router: routing.NewRouter(routing.Config{})}
	handle := func(h *engine.Handler, tenant string, events ...models.Event) {
		t.Helper()
		msgs, err := svc.Prepare(ctx, auth.Principal{Tenant: tenant, Role: auth.RoleAdmin}, events)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Handle(ctx, msgs); err != nil {
			t.Fatal(err)
		}
	}
	seq := 0
	analysed := func(conv, lang, intent, tier string, attrs map[string]string) models.Event {
		seq++
		sentiment := 0.0
		return models.Event{ID: fmt.Sprintf("analysis:m%d", seq), Type: models.MessageAnalyzed, OccurredAt: time.Now().UTC(), Channel: "whatsapp",
			Direction: models.Inbound, ConversationID: conv, Customer: &models.Customer{Country: "DE", Tier: tier, Phone: "+49151" + conv},
			Language: lang, Intent: intent, Sentiment: &sentiment, Attributes: attrs}
	}
	routeAll := func(h *engine.Handler, tenant string) {
		t.Helper()
		handle(h, tenant, analysed(tenant+"-refund", "de", "refund", "returning", map[string]string{"urgency": "NORMAL"}))
		handle(h, tenant, analysed(tenant+"-billing", "de", "billing", "returning", map[string]string{"urgency": "NORMAL"}))
		handle(h, tenant, analysed(tenant+"-switch", "fr", "cancel", "returning", map[string]string{"urgency": "NORMAL", models.AttrRetention: "true"}))
		handle(h, tenant, analysed(tenant+"-quit", "fr", "cancel", "returning", map[string]string{"urgency": "NORMAL"}))
		// solo takes the first Italian conversation; a returning customer then waits, and
		// later an enterprise one.
		handle(h, tenant, analysed(tenant+"-it0", "it", "other", "returning", map[string]string{"urgency": "NORMAL"}))
		handle(h, tenant, analysed(tenant+"-it1", "it", "other", "returning", map[string]string{"urgency": "NORMAL"}))
		handle(h, tenant, analysed(tenant+"-it2", "it", "other", "enterprise", map[string]string{"urgency": "NORMAL"}))
		handle(h, tenant, models.Event{ID: tenant + "-it0-resolved", Type: models.ConversationResolved, OccurredAt: time.Now().UTC(),
			ConversationID: tenant + "-it0", Customer: &models.Customer{Country: "DE", Phone: "+49151" + tenant + "-it0"}})
		// A Dutch refund: nils lacks the skill.
		handle(h, tenant, analysed(tenant+"-nl", "nl", "refund", "returning", map[string]string{"urgency": "NORMAL"}))
	}
	routeAll(withHistory, "learn")
	routeAll(withHistory, "cold")
	routeAll(without, "plain")

	assigned := func(tenant, conv string) string {
		t.Helper()
		w, ok, err := (&postgres.Engine{DB: pg}).Find(ctx, "eu", tenant, tenant+"-"+conv)
		if err != nil || !ok {
			t.Fatalf("%s %s: %v %v", tenant, conv, ok, err)
		}
		return w.Assignee
	}
	for _, tt := range []struct{ conv, learn, cold string }{
		{"refund", "zoe", "adam"}, // cold: a tie, the lower ID
		{"billing", "adam", "zoe"},
		{"switch", "zara", "zara"}, // the retention flag is no history: both prefer zara
		{"quit", "abe", "abe"},
		{"it1", "", "solo"}, // freed capacity: the valuable tier first, else the longer wait
		{"it2", "solo", ""},
		{"nl", "nils", ""}, // the Dutch queue cannot keep up: skills relaxed at once
	} {
		if got := assigned("learn", tt.conv); got != tt.learn {
			t.Errorf("with history, %s went to %q, want %q", tt.conv, got, tt.learn)
		}
		for _, tenant := range []string{"cold", "plain"} {
			if got := assigned(tenant, tt.conv); got != tt.cold {
				t.Errorf("%s: %s went to %q, want %q", tenant, tt.conv, got, tt.cold)
			}
		}
	}

	// What a supervisor sees: the history terms, the handling time and the expected wait.
	d := rec.decided(t, "learn-refund")
	reasons := d.Attributes["candidate_reasons"]
	if !strings.HasPrefix(d.Attributes["candidates"], "zoe:") || !strings.HasPrefix(reasons, "zoe:language:de=5 history:resolution=0.8") ||
		!strings.Contains(reasons, "|adam:language:de=5 history:resolution=0.6") || !strings.Contains(reasons, "history:csat=") {
		t.Errorf("refund decision: %v", d.Attributes)
	}
	if d.Attributes["handle_seconds"] == "" || d.Attributes["expected_wait_seconds"] == "" {
		t.Errorf("refund decision without handling time or expected wait: %v", d.Attributes)
	}
	if got := rec.decided(t, "learn-nl").Attributes; got["expected_wait_seconds"] != "unbounded" || got["relaxed"] != "true" {
		t.Errorf("Dutch decision: %v", got)
	}
	if got := rec.decided(t, "learn-switch").Attributes["candidate_reasons"]; !strings.Contains(got, "zara:language:fr=5 skill:cancel skill:retention") {
		t.Errorf("retention decision's reasons: %q", got)
	}
	// Cold start: the same decisions, scores and reasons as without a Learner.
	for _, conv := range []string{"refund", "billing", "switch", "quit", "it1", "it2", "nl"} {
		cold, plain := rec.decided(t, "cold-"+conv).Attributes, rec.decided(t, "plain-"+conv).Attributes
		for _, k := range []string{"candidates", "candidate_reasons", "relaxed", "priority", "handle_seconds", "expected_wait_seconds"} {
			if cold[k] != plain[k] {
				t.Errorf("%s: %s %q with a Learner and no history, %q without one", conv, k, cold[k], plain[k])
			}
		}
	}
	if got := rec.decided(t, "learn-it2").Attributes["priority"]; got != "HIGH" {
		t.Errorf("enterprise priority %q, want HIGH", got)
	}
	if got := rec.decided(t, "cold-it2").Attributes["priority"]; got != "NORMAL" {
		t.Errorf("enterprise priority without history %q, want NORMAL", got)
	}
}
