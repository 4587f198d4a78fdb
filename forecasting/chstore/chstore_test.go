package chstore_test

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/chstore"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chtest"
)

var db clickhouse.DB

func TestMain(m *testing.M) {
	chtest.Main(m, []string{"eu", "us"}, func(ctx context.Context, c clickhouse.DB) error {
		db = c
		return fixtures(ctx)
	})
}

// day0 is the fixtures' first day (a Monday).
var day0 = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

func at(h, m int) time.Time {
	return day0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

type conv struct {
	id, tenant, channel, language, country string
}

func event(c conv, id, typ string, t time.Time) models.Event {
	return models.Event{ID: id, Type: typ, Version: models.SchemaVersion, Tenant: c.tenant, OccurredAt: t, ReceivedAt: t,
		Channel: c.channel, ConversationID: c.id, CustomerID: "cust-" + c.id, Language: c.language,
		Customer: &models.Customer{Country: c.country}}
}

// fixtures, tenant acme in eu, on day0 (hours from midnight UTC):
//
//	c1 whatsapp de DE: opened 09:10, received 09:11, received 10:40 (a follow-up), routed to billing
//	c2 whatsapp de AT: received 09:50 (no opened event), replayed
//	c3 email    fr FR: opened 11:20
//	c4 whatsapp de DE: received 10:05 the day before the range, received 10:20 (began before: not a contact)
//	c5 whatsapp de DE: received 09:35 as tenant "other"
//	c6 webchat  de DE: sent 12:00 only (an outbound message is no contact)
func fixtures(ctx context.Context) error {
	c1 := conv{"c1", "acme", "whatsapp", "de", "DE"}
	c2 := conv{"c2", "acme", "whatsapp", "de", "AT"}
	c3 := conv{"c3", "acme", "email", "fr", "FR"}
	c4 := conv{"c4", "acme", "whatsapp", "de", "DE"}
	c5 := conv{"c5", "other", "whatsapp", "de", "DE"}
	c6 := conv{"c6", "acme", "webchat", "de", "DE"}
	route := event(c1, "e4", models.RoutingDecision, at(9, 12))
	route.Queue = "billing"
	evs := []models.Event{
		event(c1, "e1", models.ConversationOpened, at(9, 10)),
		event(c1, "e2", models.MessageReceived, at(9, 11)),
		event(c1, "e3", models.MessageReceived, at(10, 40)),
		route,
		event(c2, "e5", models.MessageReceived, at(9, 50)),
		event(c3, "e6", models.ConversationOpened, at(11, 20)),
		event(c4, "e7", models.MessageReceived, at(-14, 5)),
		event(c4, "e8", models.MessageReceived, at(10, 20)),
		event(c5, "e9", models.MessageReceived, at(9, 35)),
		event(c6, "e10", models.MessageSent, at(12, 0)),
	}
	w := &clickhouse.EventWriter{DB: db, Region: "eu"}
	for range 2 { // the replay must not count twice
		if _, err := w.StoreEvents(ctx, evs); err != nil {
			return err
		}
	}
	return nil
}

func load(t *testing.T, r chstore.Request) []chstore.Loaded {
	t.Helper()
	ls, err := chstore.Load(context.Background(), db, r)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestContactsPerHourCountConversationsOpenedWithEmptyHoursFilled(t *testing.T) {
	ls := load(t, chstore.Request{Tenant: "acme", Filter: chstore.Spec{Region: "eu"}, Step: time.Hour, From: at(8, 0), To: at(14, 0)})
	if len(ls) != 1 {
		t.Fatalf("%d series, want 1", len(ls))
	}
	l := ls[0]
	// 08 09 10 11 12 13: c1 and c2 at 09, c3 at 11.
	if want := []float64{0, 2, 0, 1, 0, 0}; !reflect.DeepEqual(l.Series.Values, want) {
		t.Fatalf("values %v, want %v", l.Series.Values, want)
	}
	if l.Series.Key != "eu/*/*/*" || !l.Series.Start.Equal(at(8, 0)) || l.Series.Step != time.Hour || l.Contacts != 3 || !l.First.Equal(at(9, 0)) {
		t.Fatalf("series %+v", l)
	}
	if l.Series.Market != "AT" {
		t.Fatalf("market %q, want AT (DE, AT and FR have one contact each: ties go to the first code)", l.Series.Market)
	}
}

func TestHalfHourlyAndFilteredSeries(t *testing.T) {
	ls := load(t, chstore.Request{Tenant: "acme", Filter: chstore.Spec{Region: "eu", Language: "de", Channel: "whatsapp"}, Step: 30 * time.Minute, From: at(9, 0), To: at(11, 0)})
	if want := []float64{1, 1, 0, 0}; len(ls) != 1 || !reflect.DeepEqual(ls[0].Series.Values, want) {
		t.Fatalf("series %+v, want values %v", ls, want)
	}
	if ls[0].Series.Key != "eu/de/whatsapp/*" {
		t.Fatalf("key %s", ls[0].Series.Key)
	}
	// The queue is the one the conversation was routed to.
	q := load(t, chstore.Request{Tenant: "acme", Filter: chstore.Spec{Region: "eu", Queue: "billing"}, Step: time.Hour, From: at(0, 0), To: at(24, 0)})
	if q[0].Contacts != 1 || q[0].Series.Values[9] != 1 || len(q[0].Series.Values) != 24 {
		t.Fatalf("billing queue: %+v", q[0])
	}
	// A series with no contacts still runs over the whole range, all zeros.
	none := load(t, chstore.Request{Tenant: "acme", Filter: chstore.Spec{Region: "us"}, Step: time.Hour, From: at(0, 0), To: at(24, 0)})
	if len(none) != 1 || len(none[0].Series.Values) != 24 || none[0].Contacts != 0 {
		t.Fatalf("empty series: %+v", none)
	}
}

func TestSeriesSplitByDimensions(t *testing.T) {
	ls := load(t, chstore.Request{Tenant: "acme", Filter: chstore.Spec{Region: "eu"}, By: []string{"language", "channel"}, Step: time.Hour, From: at(0, 0), To: at(24, 0)})
	got := map[string]float64{}
	for _, l := range ls {
		got[l.Series.Key+"@"+l.Series.Market] = l.Contacts
		if len(l.Series.Values) != 24 {
			t.Fatalf("%s has %d values", l.Series.Key, len(l.Series.Values))
		}
	}
	want := map[string]float64{"eu/de/whatsapp/*@AT": 2, "eu/fr/email/*@FR": 1}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	if _, err := chstore.Load(context.Background(), db, chstore.Request{Tenant: "acme", Filter: chstore.Spec{Region: "eu"}, By: []string{"country'"}, Step: time.Hour, From: at(0, 0), To: at(1, 0)}); err == nil {
		t.Fatal("an unknown dimension was accepted")
	}
	if _, err := chstore.Load(context.Background(), db, chstore.Request{Tenant: "acme", Filter: chstore.Spec{Region: "eu"}, Step: 7 * time.Minute, From: at(0, 0), To: at(1, 0)}); err == nil {
		t.Fatal("a step that does not divide a day was accepted")
	}
}

func TestForecastsReplaceThePreviousRunAndReadBack(t *testing.T) {
	ctx := context.Background()
	spec := chstore.Spec{Region: "us", Language: "en"}
	pred := func(start time.Time, n int, v float64) forecasting.Prediction {
		p := forecasting.Prediction{Key: spec.Key(), Start: start, Step: time.Hour, Model: "median-4",
			Scores: []forecasting.Score{{Model: "median-4", MAE: 1, MASE: 0.8, SMAPE: 20, Coverage: math.NaN()}, {Model: "snaive-week", MAE: 2, MASE: 1.1, SMAPE: 30, Coverage: math.NaN()}}}
		for range n {
			p.Mean, p.Lo, p.Hi = append(p.Mean, v), append(p.Lo, v-1), append(p.Hi, v+1)
		}
		return p
	}
	cov := 0.75
	first := chstore.FromPrediction("acme", spec, "US", pred(at(0, 0), 4, 10), 0.8, at(-1, 0), nil)
	acc := chstore.AccuracyOf(pred(at(0, 0), 1, 0))
	acc.Coverage = &cov
	second := chstore.FromPrediction("acme", spec, "US", pred(at(2, 0), 4, 20), 0.8, at(1, 0), &acc)
	for _, f := range []chstore.Stored{first, second} {
		if err := chstore.Write(ctx, db, "us", []chstore.Stored{f}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := chstore.Read(ctx, db, "us", "acme", chstore.ReadFilter{Step: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d forecasts, want 1", len(got))
	}
	g := got[0]
	if g.Spec.Key() != "us/en/*/*" || g.Model != "median-4" || g.Level != 0.8 || !g.GeneratedAt.Equal(at(1, 0)) || g.Market != "US" || len(g.Points) != 4 {
		t.Fatalf("forecast %+v", g)
	}
	for i, p := range g.Points {
		if !p.T.Equal(at(2+i, 0)) || p.Mean != 20 || p.Lo != 19 || p.Hi != 21 {
			t.Fatalf("point %d: %+v (the newer run's steps only)", i, p)
		}
	}
	a := g.Accuracy
	if a == nil || a.Model != "median-4" || a.MASE != 0.8 || a.SMAPE != 20 || a.Coverage == nil || *a.Coverage != 0.75 || a.BaselineWeek == nil || a.BaselineWeek.MASE != 1.1 || a.BaselineDay != nil {
		t.Fatalf("accuracy %+v", a)
	}
	// A history too short to backtest stores its accuracy as unknown, not as zero.
	short := forecasting.Prediction{Key: "us/es/*/*", Start: at(0, 0), Step: time.Hour, Model: "median-4", Mean: []float64{1}, Lo: []float64{0}, Hi: []float64{2}}
	sa := chstore.AccuracyOf(short)
	if err := chstore.Write(ctx, db, "us", []chstore.Stored{chstore.FromPrediction("acme", chstore.Spec{Region: "us", Language: "es"}, "US", short, 0.8, at(1, 0), &sa)}); err != nil {
		t.Fatal(err)
	}
	es, err := chstore.Read(ctx, db, "us", "acme", chstore.ReadFilter{Series: "us/es/*/*"})
	if err != nil || len(es) != 1 || es[0].Accuracy == nil || !math.IsNaN(es[0].Accuracy.MASE) || !math.IsNaN(es[0].Accuracy.SMAPE) || es[0].Accuracy.BaselineWeek != nil {
		t.Fatalf("short history: %+v (%v)", es, err)
	}
	if other, err := chstore.Read(ctx, db, "us", "other", chstore.ReadFilter{}); err != nil || len(other) != 0 {
		t.Fatalf("another tenant read %v (%v)", other, err)
	}
}

func TestForecastTablesRenderForAClusterToo(t *testing.T) {
	ms, err := clickhouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var m *clickhouse.Migration
	for i := range ms {
		if ms[i].Name == "forecasts" {
			m = &ms[i]
		}
	}
	if m == nil {
		t.Fatal("no forecasts migration")
	}
	stmts, err := m.Statements(clickhouse.Layout{DB: "meridian_eu", Cluster: "meridian"})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(stmts, "\n")
	for _, want := range []string{
		"meridian_eu.forecasts_local ON CLUSTER meridian",
		"ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meridian_eu/forecasts', '{replica}', generated_at)",
		"ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meridian_eu/forecast_accuracy', '{replica}', generated_at)",
		"CREATE TABLE IF NOT EXISTS meridian_eu.forecasts ON CLUSTER meridian AS meridian_eu.forecasts_local",
		"ENGINE = Distributed('meridian', 'meridian_eu', 'forecast_accuracy_local', sipHash64(tenant, series))",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("cluster DDL lacks %q:\n%s", want, all)
		}
	}
	if len(stmts) != 4 {
		t.Errorf("%d cluster statements, want 4", len(stmts))
	}
	single, _ := m.Statements(clickhouse.Layout{DB: "meridian_eu"})
	if s := strings.Join(single, "\n"); len(single) != 2 || strings.Contains(s, "Replicated") || strings.Contains(s, "Distributed") {
		t.Errorf("single-node DDL (%d statements):\n%s", len(single), s)
	}
}
