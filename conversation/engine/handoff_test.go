package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/stream"
	"github.com/meridian-cs/meridian/translation"
)

// told records the notices the engine sends to customers, deduplicated by key as the
// channels' outbox does with a client message id.
type told struct {
	mu    sync.Mutex
	calls int
	texts map[string]string // key → text
	convs []string
}

func (n *told) Notify(_ context.Context, _, conv, _, _, text, key string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls++
	if n.texts == nil {
		n.texts = map[string]string{}
	}
	if _, ok := n.texts[key]; !ok {
		n.texts[key] = text
		n.convs = append(n.convs, conv)
	}
	return nil
}

// Follow-the-sun through the real pipeline (ingest, the embedded broker, the store sink,
// PostgreSQL, ClickHouse). Lena (eu, German) works 9 to 17 in Berlin, Mike (us, German and
// English) 9 to 17 in New York, Yuki (sea, Japanese) 9 to 17 in Tokyo. At 15:00 UTC Lena
// takes one German conversation, the second waits in eu, and a Japanese one waits too. At
// 17:00 UTC Lena's shift has ended: both German conversations go to the us (on shift and
// writing German), with a summary, once; the Japanese one stays in eu and its customer is
// told, once per gap and in Japanese, that a person is back at 00:00 UTC (9:00 in Tokyo).
func TestShiftEndHandsOffToARegionOnShiftOnce(t *testing.T) {
	ctx := context.Background()
	regions := []string{"sea", "eu", "us"}
	p := startPipeline(t, 2, regions...)
	addrs, kauth, topic, pg, producer, svc := p.addrs, p.kauth, p.topic, p.pg, p.producer, p.svc
	agents := &postgres.Agents{DB: pg, Regions: regions}
	daily := func() []conversation.Shift {
		var s []conversation.Shift
		for d := 1; d <= 7; d++ {
			s = append(s, conversation.Shift{Weekday: d, Start: "09:00", End: "17:00"})
		}
		return s
	}
	for _, a := range []conversation.Agent{
		{ID: "lena", Name: "Lena", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "Europe/Berlin", Shifts: daily()},
		{ID: "mike", Name: "Mike", Region: "us", Languages: map[string]int{"en": 5, "de": 4}, MaxConcurrent: 3, Timezone: "America/New_York", Shifts: daily()},
		{ID: "yuki", Name: "Yuki", Region: "sea", Languages: map[string]int{"ja": 5}, MaxConcurrent: 3, Timezone: "Asia/Tokyo", Shifts: daily()},
	} {
		if _, err := agents.Upsert(ctx, "sun", a); err != nil {
			t.Fatal(err)
		}
		if _, err := agents.SetPresence(ctx, "sun", a.ID, conversation.Online, nil); err != nil {
			t.Fatal(err)
		}
	}
	p.storeEvents(t)

	// The engine's clock: 15:00 UTC on a day in the past (so that ingest takes the events).
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2)
	var clock atomic.Int64
	clock.Store(day.Add(15 * time.Hour).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	notices := &told{}
	store := &postgres.Engine{DB: pg}
	handler := func(region string, pub engine.Publisher) *engine.Handler {
		return &engine.Handler{Region: region, Store: store, Publish: pub, Router: routing.NewRouter(routing.Config{}), Trigger: models.MessageReceived,
			Now: now, Sun: &engine.FollowTheSun{Regions: regions, Notify: notices}}
	}
	engineSink := func(group string) *counted {
		c := &counted{svc: svc}
		run(t, stream.NewSink(stream.SinkConfig{Name: "engine", Brokers: addrs, Auth: kauth, Topic: topic, Group: group, MaxWait: 20 * time.Millisecond}, handler("eu", c)))
		return c
	}
	publish := func(events ...models.Event) {
		t.Helper()
		msgs, err := svc.Prepare(ctx, auth.Principal{Tenant: "sun", Role: auth.RoleAdmin}, events)
		if err != nil {
			t.Fatal(err)
		}
		if err := producer.Publish(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	msg := func(id, lang string, at time.Time) models.Event {
		e := models.Event{ID: id, Type: models.MessageReceived, OccurredAt: at, Channel: "whatsapp", Direction: models.Inbound,
			ConversationID: "c-" + id, Customer: &models.Customer{Country: "DE", Phone: "+49151" + id}, Text: "Wo bleibt mein Paket?", Language: lang}
		e.Intent = "order_status"
		return e
	}
	stream1 := engineSink(engine.Group("eu"))
	t0 := now()
	t0Of := func(first bool) time.Time {
		if first {
			return t0.Add(-2 * time.Minute)
		}
		return t0.Add(-30 * time.Second)
	}
	// c-2's customer writes twice, the second time angrier: the summary's sentiment trend.
	angrier := func(first bool) models.Event {
		e := msg("2", "de", t0Of(first))
		s := 0.1
		if !first {
			e.ID, s = "2b", -0.6
		}
		e.Sentiment = &s
		return e
	}
	publish(msg("1", "de", t0.Add(-3*time.Minute)))
	waitFor(t, "c-1 assigned to Lena", func() bool { return byTypeOf(t, "sun")[models.ConversationAssigned] == "c-1>lena" })
	publish(angrier(true), msg("3", "ja", t0.Add(-time.Minute)))
	waitFor(t, "c-2 and c-3 queued", func() bool { return byTypeOf(t, "sun")[models.ConversationQueued] == sorted("c-2>", "c-3>") })
	publish(angrier(false))

	work := func(region, conv string) (engine.Work, bool) {
		t.Helper()
		w, ok, err := store.Find(ctx, region, "sun", conv)
		if err != nil {
			t.Fatal(err)
		}
		return w, ok
	}
	waitFor(t, "c-2's second message observed", func() bool { w, _ := work("eu", "c-2"); return w.Sentiments == 2 })
	// Still 15:00: Lena is on shift, nothing moves; nobody anywhere is on shift for Japanese,
	// so c-3's customer is told when a person is back.
	sweeper := &counted{svc: svc}
	if err := handler("eu", sweeper).HandOffRound(ctx); err != nil {
		t.Fatal(err)
	}
	if sweeper.n.Load() != 0 || strings.Join(notices.convs, " ") != "c-3" {
		t.Fatalf("at 15:00: %d events published, customers told: %v", sweeper.n.Load(), notices.convs)
	}

	// 17:00 UTC: Lena's shift ended at 16:00 UTC; New York is on shift, Tokyo is not.
	clock.Store(day.Add(17 * time.Hour).UnixNano())
	if err := handler("eu", sweeper).HandOffRound(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"c-1", "c-2"} {
		w, ok := work("us", c)
		if !ok || w.Status != models.StatusAssigned || w.Assignee != "mike" || w.Queue != "us/de" || w.Language != "de" {
			t.Errorf("%s in us: %+v (%v), want assigned to Mike", c, w, ok)
		}
		home, _ := work("eu", c)
		if home.Status != models.StatusAssigned || home.Assignee != "region:us" {
			t.Errorf("%s at home: %s %q, want away in us", c, home.Status, home.Assignee)
		}
	}
	// Each board counts a handed-off conversation once: eu as handed off, us as assigned.
	for region, want := range map[string]string{"eu": "assigned 0 handed off 2", "us": "assigned 2 handed off 0"} {
		d, err := store.BoardData(ctx, region, "sun", day)
		if err != nil {
			t.Fatal(err)
		}
		got := "no de line"
		for _, q := range engine.MakeBoard(region, d, day).Queues {
			if q.Language == "de" {
				got = fmt.Sprintf("assigned %d handed off %d", q.Assigned, q.HandedOff)
			}
		}
		if got != want {
			t.Errorf("%s board, de: %s, want %s", region, got, want)
		}
	}
	if w, _ := work("eu", "c-3"); w.Status != models.StatusQueued {
		t.Errorf("c-3 (Japanese, nobody on shift) left eu: %+v", w)
	}
	if _, ok := work("us", "c-3"); ok {
		t.Error("c-3 went to the us, where nobody writes Japanese")
	}
	// Still the same gap for Japanese: c-3's customer is not told again.
	// 9:00 in Tokyo, told in the customer's time zone (Germany).
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	back := day.Add(24 * time.Hour).In(berlin).Format("2006-01-02 15:04 MST")
	if len(notices.convs) != 1 || notices.convs[0] != "c-3" || notices.calls != 1 {
		t.Fatalf("customers told: %v (%d calls), want c-3 once", notices.convs, notices.calls)
	}
	for _, text := range notices.texts {
		if !strings.Contains(text, back) || !strings.Contains(text, "担当者") {
			t.Errorf("notice %q: want Japanese with %s", text, back)
		}
	}
	ws := &engine.Workspace{Handler: handler("eu", sweeper)}
	h, ok, err := ws.LatestHandoff(ctx, "us", "sun", "c-2")
	if err != nil || !ok || h.Home != "eu" || h.From != "eu" || h.To != "us" || h.Reason != engine.ReasonShiftEnd ||
		!strings.Contains(h.Summary, "intent: order_status") || !strings.Contains(h.Summary, "first reply: none yet") || !strings.Contains(h.NextStep, "first reply") ||
		!strings.Contains(h.Summary, "sentiment: -0.60") || !strings.Contains(h.Summary, "sentiment trend: falling") ||
		!strings.Contains(h.Summary, "last customer message: "+t0Of(false).Format("2006-01-02 15:04 UTC")) || strings.Contains(h.Summary, "Paket") {
		t.Errorf("c-2's hand-off in us: %+v %v %v", h, ok, err)
	}
	waitFor(t, "the hand-offs in ClickHouse", func() bool {
		return byTypeOf(t, "sun")[models.ConversationHandedOff] == sorted("c-1>lena", "c-2>")
	})
	published := sweeper.n.Load()

	// Again, from this process and another: nothing moves twice, nobody is told twice.
	for range 2 {
		if err := handler("eu", sweeper).HandOffRound(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := handler("us", sweeper).HandOffRound(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sweeper.n.Load(); n != published {
		t.Errorf("the second passes published %d events", n-published)
	}
	if len(notices.texts) != 1 || notices.calls != 1 {
		t.Errorf("notices: %d sent (%d calls), want 1", len(notices.texts), notices.calls)
	}
	// A replay of the topic by another group decides nothing again.
	replay := engineSink("replay")
	publish(models.Event{ID: "mark", Type: models.ConversationResolved, OccurredAt: now(), ConversationID: "c-none",
		Customer: &models.Customer{Country: "DE", Phone: "+4915100"}})
	waitFor(t, "the marker stored", func() bool { return byTypeOf(t, "sun")[models.ConversationResolved] == "c-none>" })
	time.Sleep(time.Second)
	if n := replay.n.Load(); n != 0 {
		t.Errorf("the replay published %d events", n)
	}
	if got := byTypeOf(t, "sun")[models.ConversationHandedOff]; got != sorted("c-1>lena", "c-2>") {
		t.Errorf("hand-offs after the replay: %q", got)
	}

	// The us agents may read c-1 in eu (the grant recorded with the hand-off); sea's may not.
	if g, ok, err := ws.Granted(ctx, "sun", "c-1", []string{"us"}); err != nil || !ok || g.Home != "eu" {
		t.Errorf("grant to us: %+v %v %v", g, ok, err)
	}
	if g, ok, err := ws.Granted(ctx, "sun", "c-1", []string{"sea"}); err != nil || ok {
		t.Errorf("grant to sea: %+v %v %v", g, ok, err)
	}

	// Transfer c-3 (Japanese) to the us, where nobody writes it: refused, nothing changed.
	before, _ := work("eu", "c-3")
	_, err = ws.TransferTo(ctx, "eu", "sun", "c-3", engine.Destination{Region: "us"}, "supervisor")
	if !errors.Is(err, engine.ErrRegionLanguage) {
		t.Errorf("transfer to the us: %v, want ErrRegionLanguage", err)
	}
	if after, _ := work("eu", "c-3"); after.Status != before.Status || after.Assignee != before.Assignee || after.Queue != before.Queue {
		t.Errorf("c-3 changed by a refused transfer: %+v → %+v", before, after)
	}
	if _, ok := work("us", "c-3"); ok {
		t.Error("a refused transfer left a row in us")
	}
	// To sea, where Yuki writes it (off shift: a person's choice), it goes and waits there.
	if _, err := ws.TransferTo(ctx, "eu", "sun", "c-3", engine.Destination{Region: "sea"}, "supervisor"); err != nil {
		t.Fatal(err)
	}
	if w, ok := work("sea", "c-3"); !ok || w.Status != models.StatusQueued || w.Queue != "sea/ja" {
		t.Errorf("c-3 in sea: %+v %v", w, ok)
	}
	if _, ok, _ := ws.Granted(ctx, "sun", "c-3", []string{"sea"}); !ok {
		t.Error("sea may not read c-3 after the transfer")
	}

	// Mike resolves c-1 in the us: the home engine resolves it in eu and frees the us row.
	usWork := &engine.Workspace{Handler: handler("us", sweeper)}
	region, _, err := usWork.Find(ctx, "sun", "c-1", []string{"us"})
	if err != nil || region != "us" {
		t.Fatalf("Mike's workspace finds c-1 in %q (%v)", region, err)
	}
	if _, err := usWork.Resolve(ctx, "us", "sun", "c-1", "agent"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "c-1 resolved at home", func() bool {
		w, _ := work("eu", "c-1")
		_, inUS := work("us", "c-1")
		return w.Status == models.StatusResolved && !inUS
	})
	if _, ok, _ := ws.Granted(ctx, "sun", "c-1", []string{"us"}); ok {
		t.Error("the us may still read c-1 after it was resolved")
	}
	_ = stream1
}

// An agent's shift end, in the engine's own time: while a colleague on shift at home writes
// the language, the conversation goes to them (conversation.transferred, reason shift_end);
// when the last one's shift ends too, it is handed to the next region on shift. Lena works 9
// to 17 in Berlin, Otto 12 to 20, Mike in the us around the clock.
func TestAnAgentsShiftEndGoesToAColleagueThenToTheNextRegion(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	// A local LibreTranslate (POST /translate, q as an array) that marks what it translated
	// into German.
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Q              []string `json:"q"`
			Source, Target string
		}
		if r.URL.Path != "/translate" || json.NewDecoder(r.Body).Decode(&req) != nil || req.Source != "en" || req.Target != "de" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"Invalid request"}`)
			return
		}
		for i := range req.Q {
			req.Q[i] = "[de] " + req.Q[i]
		}
		json.NewEncoder(w).Encode(map[string]any{"translatedText": req.Q})
	}))
	t.Cleanup(provider.Close)
	c.h.Sun = &engine.FollowTheSun{Regions: []string{"eu", "us"}, Translator: translation.NewLibreTranslate(translation.Config{BaseURL: provider.URL})}
	shift := func(start, end string) []conversation.Shift {
		var s []conversation.Shift
		for d := 1; d <= 7; d++ {
			s = append(s, conversation.Shift{Weekday: d, Start: start, End: end})
		}
		return s
	}
	day := c.now.Truncate(24*time.Hour).AddDate(0, 0, -1)
	c.now = day.Add(14 * time.Hour) // 15:00 in Berlin
	c.agent(conversation.Agent{ID: "lena", Name: "Lena", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "Europe/Berlin", Shifts: shift("09:00", "17:00")}, true)
	c.agent(conversation.Agent{ID: "otto", Name: "Otto", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "Europe/Berlin", Shifts: shift("12:00", "20:00")}, false)
	c.agent(conversation.Agent{ID: "mike", Name: "Mike", Region: "us", Languages: map[string]int{"de": 4, "en": 5}, MaxConcurrent: 3, Timezone: "America/New_York"}, true)
	c.feed(c.customer("c1", "de"))
	if w := c.work("c1"); w.Assignee != "lena" {
		t.Fatalf("c1 at 15:00: %s %q, want Lena's", w.Status, w.Assignee)
	}
	c.agent(conversation.Agent{ID: "otto", Name: "Otto", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "Europe/Berlin", Shifts: shift("12:00", "20:00")}, true)
	round := func() {
		t.Helper()
		if err := c.h.HandOffRound(ctx); err != nil {
			t.Fatal(err)
		}
	}
	round() // both on shift: nothing moves
	if w := c.work("c1"); w.Assignee != "lena" {
		t.Fatalf("c1 while Lena is on shift: %q", w.Assignee)
	}

	c.now = day.Add(16*time.Hour + 30*time.Minute) // 17:30 in Berlin: Lena's shift ended
	round()
	round() // again: nothing more
	if w := c.work("c1"); w.Status != models.StatusAssigned || w.Assignee != "otto" || w.PreviousAgent != "lena" {
		t.Errorf("c1 after Lena's shift: %s %q (previous %q), want Otto's", w.Status, w.Assignee, w.PreviousAgent)
	}
	if _, ok, _ := c.h.Store.Find(ctx, "us", "acme", "c1"); ok {
		t.Error("c1 went to the us while Otto is on shift")
	}

	c.now = day.Add(19*time.Hour + 30*time.Minute) // 20:30 in Berlin: nobody in eu
	round()
	round()
	if w := c.work("c1"); w.Assignee != "region:us" {
		t.Errorf("c1 at home after Otto's shift: %q, want away in the us", w.Assignee)
	}
	if w, ok, err := c.h.Store.Find(ctx, "us", "acme", "c1"); err != nil || !ok || w.Assignee != "mike" || w.Queue != "us/de" {
		t.Errorf("c1 in the us: %+v %v %v, want Mike's", w, ok, err)
	}
	// The receiving people read the summary and next step in the conversation's language,
	// which they write, in the us and at home.
	ws := &engine.Workspace{Handler: c.h}
	for _, region := range []string{"us", "eu"} {
		h, ok, err := ws.LatestHandoff(ctx, region, "acme", "c1")
		if err != nil || !ok || h.Language != "de" || !strings.HasPrefix(h.Summary, "[de] language: de") || !strings.HasPrefix(h.NextStep, "[de] ") ||
			h.From != "eu" || h.To != "us" || h.Reason != engine.ReasonShiftEnd {
			t.Errorf("the hand-off recorded in %s: %+v %v %v", region, h, ok, err)
		}
	}
	got := strings.Join(c.decided("c1"), " ")
	want := "conversation.assigned>lena: conversation.transferred>lena:shift_end conversation.assigned>otto: conversation.handed_off>otto:shift_end conversation.assigned>mike:"
	if got != want {
		t.Errorf("decisions about c1:\n got %s\nwant %s", got, want)
	}
}
