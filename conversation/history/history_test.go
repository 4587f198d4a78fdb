package history_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation/history"
	"github.com/meridian-cs/meridian/conversation/predict"
	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/chstore"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chtest"
)

var ch clickhouse.DB

func TestMain(m *testing.M) {
	chtest.Main(m, []string{"eu", "us"}, func(_ context.Context, db clickhouse.DB) error {
		ch = db
		return nil
	})
}

var now = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// handled is one conversation a customer opened at at and agent was assigned 30 s later:
// resolved by them after handle (0: not resolved), rated csat (0: not rated).
func handled(tenant, id, agent, lang, intent string, at time.Time, handle time.Duration, csat float64) []models.Event {
	cust := &models.Customer{Country: "DE", Tier: "returning"}
	base := models.Event{Tenant: tenant, Region: "eu", Channel: "whatsapp", ConversationID: id, Customer: cust, CustomerID: "cu_" + id}
	ev := func(typ, suffix string, t time.Time) models.Event {
		e := base
		e.ID, e.Type, e.OccurredAt = id+":"+suffix, typ, t
		return e
	}
	sentiment := -0.2
	in := ev(models.MessageReceived, "in", at)
	in.Direction, in.Text, in.Language = models.Inbound, "Ich möchte mein Geld zurück", lang
	an := ev(models.MessageAnalyzed, "an", at)
	an.Direction, an.Language, an.Intent, an.Sentiment = models.Inbound, lang, intent, &sentiment
	an.Attributes = map[string]string{"urgency": "NORMAL", "issue_type": "complaint"}
	as := ev(models.ConversationAssigned, "as", at.Add(30*time.Second))
	as.AgentID = agent
	out := []models.Event{in, an, as}
	if handle > 0 {
		r := ev(models.ConversationResolved, "res", as.OccurredAt.Add(handle))
		r.AgentID = agent
		out = append(out, r)
	}
	if csat > 0 {
		f := ev(models.FeedbackCSAT, "csat", at.Add(handle+time.Minute))
		f.Score = &csat
		out = append(out, f)
	}
	return out
}

func store(t *testing.T, region string, events []models.Event) {
	t.Helper()
	w := &clickhouse.EventWriter{DB: ch, Region: region}
	if _, err := w.StoreEvents(context.Background(), events); err != nil {
		t.Fatal(err)
	}
}

// A refresh learns each agent's record per intent and language (and overall), the
// region's record, a handling-time model and the demand, per tenant; a tenant without
// history has no snapshot.
func TestRefreshLearnsRecordsHandlingAndDemand(t *testing.T) {
	var events []models.Event
	for i := range 20 {
		at := now.Add(-time.Duration(i+1) * 3 * time.Hour) // 8 of them within the last day
		// ana resolves 18 of 20 German refunds in 10 minutes, rated 5 on the resolved.
		ana, csatA := 10*time.Minute, 5.0
		if i >= 18 {
			ana, csatA = 0, 0
		}
		events = append(events, handled("acme", fmt.Sprintf("a%02d", i), "ana", "de-DE", "refund", at, ana, csatA)...)
		// ben resolves 10 of 20 in 20 minutes, rated 3 on those.
		ben, csatB := 20*time.Minute, 3.0
		if i >= 10 {
			ben, csatB = 0, 0
		}
		events = append(events, handled("acme", fmt.Sprintf("b%02d", i), "ben", "de", "refund", at, ben, csatB)...)
	}
	// Older than the window: not counted.
	events = append(events, handled("acme", "old", "ben", "de", "refund", now.Add(-100*24*time.Hour), 5*time.Minute, 5)...)
	// In English, resolved by ana: her overall record, not her German refunds.
	events = append(events, handled("acme", "en1", "ana", "en", "billing", now.Add(-2*time.Hour), 4*time.Minute, 0)...)
	// A conversation no person was asked to handle.
	ai := handled("acme", "ai1", "", "de", "refund", now.Add(-time.Hour), 0, 0)[:2]
	events = append(events, ai...)
	store(t, "eu", events)

	// The demand forecast for German: 12 contacts in the hour around now.
	spec := chstore.Spec{Region: "eu", Language: "de"}
	start := now.Truncate(time.Hour)
	pred := forecasting.Prediction{Key: spec.Key(), Step: time.Hour, Model: "dshw",
		Start: start.Add(-time.Hour), Mean: []float64{4, 12, 6}, Lo: []float64{2, 8, 3}, Hi: []float64{6, 16, 9}}
	if err := chstore.Write(context.Background(), ch, "eu", []chstore.Stored{chstore.FromPrediction("acme", spec, "DE", pred, 0.8, now.Add(-time.Hour), nil)}); err != nil {
		t.Fatal(err)
	}

	l := &history.Learner{Regions: clickhouse.OneDB(ch, []string{"eu", "us"}), Now: func() time.Time { return now }}
	if l.Snapshot("eu", "acme") != nil {
		t.Fatal("a snapshot before the first refresh")
	}
	if err := l.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := l.Snapshot("eu", "acme")
	if s == nil {
		t.Fatal("no snapshot after a refresh")
	}
	if l.Snapshot("us", "acme") != nil || l.Snapshot("eu", "globex") != nil {
		t.Error("a snapshot for a region or tenant without history")
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-6 }
	a := s.Agents["ana"]["refund/de"]
	if a.N != 20 || !near(a.ResolutionRate, 0.9) || !near(a.CSAT, 5) || !near(a.HandleSeconds, 600) {
		t.Errorf("ana's German refunds: %+v", a)
	}
	if all := s.Agents["ana"][""]; all.N != 21 || !near(all.ResolutionRate, 19.0/21) || !near(all.HandleSeconds, (18*600+240)/19.0) {
		t.Errorf("ana overall: %+v", all)
	}
	b := s.Agents["ben"]["refund/de"]
	if b.N != 20 || !near(b.ResolutionRate, 0.5) || !near(b.CSAT, 3) || !near(b.HandleSeconds, 1200) {
		t.Errorf("ben's German refunds: %+v", b)
	}
	if o := s.Overall; o.N != 41 || !near(o.ResolutionRate, 29.0/41) || !near(o.CSAT, (18*5+10*3)/28.0) {
		t.Errorf("the region's record: %+v", o)
	}
	if s.Handle == nil {
		t.Fatal("no handling model")
	}
	if used, _ := s.Handle.Samples(); used != 29 {
		t.Errorf("handling model learned from %d conversations, want 29 resolved", used)
	}
	// The median fallback (29 < 50 samples): the median of refunds, 10 minutes.
	if got := s.Handle.HandleSeconds(predict.Features{Language: "de", Intent: "refund"}); !near(got, 600) {
		t.Errorf("predicted handling %v s, want 600", got)
	}
	// German: 41 conversations with a customer message, 40 handled by a person; 16 of
	// them began within the last day.
	if !near(s.HumanShare["de"], 40.0/41) {
		t.Errorf("human share %v", s.HumanShare)
	}
	if !near(s.Arrivals["de"], 16.0/24) {
		t.Errorf("arrivals %v", s.Arrivals)
	}
	if got := s.ArrivalsPerHour("de-AT", now); !near(got, 12*40.0/41) {
		t.Errorf("arrivals per hour from the forecast: %v", got)
	}
	if got := s.ArrivalsPerHour("de", now.Add(5*time.Hour)); !near(got, 16.0/24) {
		t.Errorf("arrivals per hour beyond the forecast: %v, want the last day's rate", got)
	}
	// Erlang C: 11.7 an hour × 13.2 minutes is 2.6 Erlangs; 2 servers cannot keep up, 6
	// can with a short wait, 40 with none to speak of.
	if w := s.WaitFor("de", now, 2); w != predict.Unbounded {
		t.Errorf("2 servers: expected wait %v, want unbounded", w)
	}
	w6, w40 := s.WaitFor("de", now, 6), s.WaitFor("de", now, 40)
	if !(w6 > 0 && w6 < time.Hour && w40 < w6) {
		t.Errorf("expected waits %v (6 servers), %v (40)", w6, w40)
	}
	if s.TierValue("VIP") != 4 || s.TierValue("") != 1 || s.TierValue("unknown") != 0 {
		t.Errorf("tier values %v", s.TierValues)
	}
	// The router built from it centres history on the region's record.
	if g := s.Router(nil).Config().Global; g != s.Overall {
		t.Errorf("router's Global %+v", g)
	}

	// A second refresh publishes a new snapshot.
	if err := l.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s2 := l.Snapshot("eu", "acme"); s2 == s || s2 == nil {
		t.Error("the refresh did not publish a new snapshot")
	}
}
