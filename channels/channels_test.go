package channels_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
)

// accepted records what the pipeline hands to ingest (Kafka and the sinks are exercised by
// the end-to-end tests of cmd/meridian).
type accepted struct {
	mu     sync.Mutex
	events []models.Event
	fail   error
}

func (a *accepted) Accept(_ context.Context, tenant string, events []models.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return a.fail
	}
	for _, e := range events {
		if err := e.Validate(); err != nil {
			return err
		}
		e.Tenant = tenant
		a.events = append(a.events, e)
	}
	return nil
}

func (a *accepted) take() []models.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.events
	a.events = nil
	return out
}

type world struct {
	db      *postgres.DB
	graph   *postgres.Graph
	state   *postgres.ChannelState
	ingest  *accepted
	pipe    *channels.Pipeline
	now     time.Time
	keyring *shred.Keyring
}

func regionOf(country string) string {
	if slices.Contains([]string{"DE", "FR", "GB", "ES", "IT", "NL"}, country) {
		return "eu"
	}
	return "us"
}

func newWorld(t *testing.T, dsnParams ...string) *world {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.StartForTest(t)+strings.Join(dsnParams, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	regions := []string{"eu", "us"}
	if _, err := db.Migrate(ctx, regions); err != nil {
		t.Fatal(err)
	}
	kr, err := shred.NewKeyring(db.Keys(), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, ingest: &accepted{}, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), keyring: kr}
	w.graph = &postgres.Graph{DB: db, Keys: kr, Regions: regions, RegionOf: regionOf}
	w.state = &postgres.ChannelState{DB: db, Keys: kr, Regions: regions}
	markets, err := channels.ParseMarkets("line=JP,email:support@shop.example=JP,email:kundendienst@shop.example=DE")
	if err != nil {
		t.Fatal(err)
	}
	w.pipe = &channels.Pipeline{
		Tenant: "acme", IDs: kr, Identities: w.graph, Threads: w.state, Receipts: w.state, Ingest: w.ingest,
		Markets: markets, DefaultCountry: "US", Now: func() time.Time { return w.now }, RegionOf: regionOf,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return w
}

func waMessage(id, text string, at time.Time) *channels.Delivery {
	return &channels.Delivery{Messages: []channels.Message{{
		ID: id, Account: "1029384756", Timestamp: at, Kind: "text",
		From: channels.Sender{ID: "5511987654321", Phone: "+5511987654321", Name: "Ana Souza"}, Text: text,
	}}}
}

func mail(id, from, text string, signaturePhones string, at time.Time) *channels.Delivery {
	m := channels.Message{
		ID: id, Account: "support@shop.example", Timestamp: at, Kind: "email",
		From: channels.Sender{ID: from, Email: from, Name: "Ana"}, Text: text, Subject: "Pedido 4471",
	}
	if signaturePhones != "" {
		m.Attributes = map[string]string{"signature_phones": signaturePhones}
	}
	return &channels.Delivery{Messages: []channels.Message{m}}
}

func byType(events []models.Event, typ string) []models.Event {
	var out []models.Event
	for _, e := range events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// recorder is a platform that records what it was asked to send.
type recorder struct {
	mu    sync.Mutex
	sent  []channels.Outgoing
	errs  []error // returned in order, then success
	block chan struct{}
}

func (r *recorder) Send(_ context.Context, m channels.Outgoing) (channels.Receipt, error) {
	if r.block != nil {
		<-r.block
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) > 0 {
		err := r.errs[0]
		r.errs = r.errs[1:]
		return channels.Receipt{}, err
	}
	r.sent = append(r.sent, m)
	return channels.Receipt{MessageID: "p-" + m.Key}, nil
}

// One person writes on WhatsApp, then by e-mail with the same number in the signature: one
// customer, one conversation, and the reply goes to the address they last wrote from.
func TestOnePersonOnWhatsAppThenEmailIsOneCustomerAndTheReplyGoesWhereTheyLastWrote(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if err := w.pipe.Receive(ctx, "whatsapp", waMessage("wamid.A1", "Olá, meu pedido não chegou", w.now)); err != nil {
		t.Fatal(err)
	}
	first := w.ingest.take()
	if len(byType(first, models.ConversationOpened)) != 1 || len(byType(first, models.MessageReceived)) != 1 {
		t.Fatalf("first message: want opened + received, got %+v", first)
	}
	msg := byType(first, models.MessageReceived)[0]
	if msg.Customer.Country != "BR" || msg.Customer.Phone != "+5511987654321" || msg.Attributes["channel_account"] != "1029384756" {
		t.Fatalf("WhatsApp message as event: %+v %+v", msg, msg.Customer)
	}
	// The wamid (it encodes the customer's number) is stored only as keyed hashes.
	if ref := channels.MessageRef(w.keyring, "acme", "whatsapp", "wamid.A1"); msg.PlatformMessageID != ref || len(ref) != 32 ||
		!strings.HasPrefix(msg.ID, "whatsapp:") || strings.Contains(msg.ID, "wamid") || strings.Contains(msg.ID, "1029384756") {
		t.Fatalf("WhatsApp message's ids: event %q, platform_message_id %q", msg.ID, msg.PlatformMessageID)
	}
	customer, conv := msg.CustomerID, msg.ConversationID

	// The platform retries the same delivery: same event, same conversation, nothing opened.
	if err := w.pipe.Receive(ctx, "whatsapp", waMessage("wamid.A1", "Olá, meu pedido não chegou", w.now)); err != nil {
		t.Fatal(err)
	}
	again := w.ingest.take()
	if len(again) != 2 || again[0].ID != first[0].ID || again[1].ID != msg.ID || again[1].ConversationID != conv {
		t.Fatalf("a redelivery is the same events again (Kafka may never have acknowledged the first): %+v", again)
	}

	w.now = w.now.Add(2 * time.Hour)
	if err := w.pipe.Receive(ctx, "email", mail("CAF123@mail.example", "Ana.Souza@Example.com", "Ainda nada. Ana\n", "+55 11 98765-4321", w.now)); err != nil {
		t.Fatal(err)
	}
	mail := w.ingest.take()
	if len(mail) != 1 {
		t.Fatalf("e-mail continuing an open conversation opened another: %+v", mail)
	}
	if mail[0].CustomerID != customer || mail[0].ConversationID != conv {
		t.Fatalf("e-mail: customer %s conversation %s, want %s %s", mail[0].CustomerID, mail[0].ConversationID, customer, conv)
	}
	if mail[0].Customer.Country != "BR" {
		t.Fatalf("the customer's country is BR (from the phone), the e-mail said %s", mail[0].Customer.Country)
	}
	if _, ok := mail[0].Attributes["signature_phones"]; ok {
		t.Fatal("signature phone numbers are personal data and must not travel as attributes")
	}

	// The reply goes to the e-mail address, exactly as written (case folded), on e-mail.
	rec := &recorder{}
	box := &channels.Outbox{Ledger: w.state, IDs: w.keyring, Senders: map[string]channels.Outbound{"email": rec, "whatsapp": &recorder{}}, Ingest: w.ingest,
		Regions: []string{"eu", "us"}, Now: func() time.Time { return w.now }, Log: w.pipe.Log}
	out, err := box.Send(ctx, channels.Reply{Tenant: "acme", ConversationID: conv, Text: "Já verificamos: chega amanhã.", ClientMessageID: "r1", AgentID: "agent-7"})
	if err != nil {
		t.Fatal(err)
	}
	if out.State != channels.StateSent || out.Channel != "email" || len(rec.sent) != 1 || rec.sent[0].To != "ana.souza@example.com" || rec.sent[0].Account != "support@shop.example" {
		t.Fatalf("reply: %+v, sent %+v", out, rec.sent)
	}
	if !slices.Contains(rec.sent[0].Thread, "CAF123@mail.example") || rec.sent[0].Subject != "Pedido 4471" {
		t.Fatalf("an e-mail reply threads under the customer's mail: %+v", rec.sent[0])
	}
	sent := byType(w.ingest.take(), models.MessageSent)
	if len(sent) != 1 || sent[0].ConversationID != conv || sent[0].CustomerID != customer || sent[0].AgentID != "agent-7" || sent[0].PlatformMessageID != out.PlatformMessageID {
		t.Fatalf("message.sent: %+v", sent)
	}

	// The same client message id sends nothing again.
	dup, err := box.Send(ctx, channels.Reply{Tenant: "acme", ConversationID: conv, Text: "Já verificamos: chega amanhã.", ClientMessageID: "r1"})
	if err != nil || dup.ID != out.ID || len(rec.sent) != 1 || len(w.ingest.take()) != 0 {
		t.Fatalf("a retried sendMessage sent again: %+v %v (%d sends)", dup, err, len(rec.sent))
	}

	// The customer writes on WhatsApp again: the reply follows them there, to the wa_id.
	w.now = w.now.Add(time.Hour)
	if err := w.pipe.Receive(ctx, "whatsapp", waMessage("wamid.A2", "Obrigada!", w.now)); err != nil {
		t.Fatal(err)
	}
	w.ingest.take()
	wa := box.Senders["whatsapp"].(*recorder)
	if _, err := box.Send(ctx, channels.Reply{Tenant: "acme", ConversationID: conv, Text: "De nada!"}); err != nil {
		t.Fatal(err)
	}
	if len(wa.sent) != 1 || wa.sent[0].To != "5511987654321" || wa.sent[0].Account != "1029384756" {
		t.Fatalf("reply after the customer moved back to WhatsApp: %+v", wa.sent)
	}

	// Both identities and the phone number belong to the one customer.
	got, region, err := w.graph.ByKey(ctx, "acme", identity.Key{Kind: identity.KindEmail, Value: "ana.souza@example.com"})
	if err != nil || got != customer || region != "us" {
		t.Fatalf("customer by e-mail: %s %s %v", got, region, err)
	}
	ids, err := w.graph.Identities(ctx, region, "acme", customer)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, i := range ids {
		keys = append(keys, i.Key.String())
	}
	slices.Sort(keys)
	want := []string{"email:ana.souza@example.com", "phone:+5511987654321", "whatsapp:5511987654321"}
	if !slices.Equal(keys, want) {
		t.Fatalf("identities %v, want %v", keys, want)
	}
}

// After two customers merge, a reply still goes to the exact identity the conversation's
// customer wrote from, and unlinking gives the identity back its own customer.
func TestAfterAMergeTheReplyGoesToTheIdentityTheCustomerWroteFrom(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	line := &channels.Delivery{Messages: []channels.Message{{ID: "ev-1", Account: "U-bot", Timestamp: w.now, Kind: "text",
		From: channels.Sender{ID: "U4af4980629"}, Text: "注文した商品がまだ届きません"}}}
	if err := w.pipe.Receive(ctx, "line", line); err != nil {
		t.Fatal(err)
	}
	lm := byType(w.ingest.take(), models.MessageReceived)[0]
	if lm.Customer.Country != "JP" {
		t.Fatalf("a LINE customer without a phone is placed in the channel's market JP, got %s", lm.Customer.Country)
	}
	if err := w.pipe.Receive(ctx, "email", mail("m-9@mail.jp", "taro@example.jp", "追跡番号を教えてください", "", w.now.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	em := byType(w.ingest.take(), models.MessageReceived)[0]
	if em.CustomerID == lm.CustomerID {
		t.Fatal("an e-mail with no shared key was linked to the LINE customer")
	}
	region := regionOf(lm.Customer.Country)
	dir := &channels.Directory{Graph: w.graph, Ingest: w.ingest, Now: func() time.Time { return w.now }}
	merged, err := dir.Link(ctx, region, "acme", lm.CustomerID, identity.Key{Kind: identity.KindEmail, Value: "taro@example.jp"}, "confirmed by agent")
	if err != nil || len(merged) != 1 || merged[0] != em.CustomerID {
		t.Fatalf("link: merged %v, %v", merged, err)
	}
	if ev := byType(w.ingest.take(), models.CustomerMerged); len(ev) != 1 || ev[0].CustomerID != lm.CustomerID || ev[0].Attributes["merged_customer_id"] != em.CustomerID || ev[0].Reason != "confirmed by agent" {
		t.Fatalf("the merge is recorded as one customer.merged event: %+v", ev)
	}
	if c, _, err := w.graph.Canonical(ctx, "acme", em.CustomerID); err != nil || c != lm.CustomerID {
		t.Fatalf("the merged customer resolves to %s (%v), want %s", c, err, lm.CustomerID)
	}
	rec := &recorder{}
	box := &channels.Outbox{Ledger: w.state, IDs: w.keyring, Senders: map[string]channels.Outbound{"email": rec, "line": rec}, Ingest: w.ingest,
		Regions: []string{"eu", "us"}, Now: func() time.Time { return w.now }, Log: w.pipe.Log}
	if _, err := box.Send(ctx, channels.Reply{Tenant: "acme", ConversationID: em.ConversationID, Text: "追跡番号は 1234 です"}); err != nil {
		t.Fatal(err)
	}
	if len(rec.sent) != 1 || rec.sent[0].To != "taro@example.jp" {
		t.Fatalf("after the merge the e-mail conversation's reply went to %+v", rec.sent)
	}
	// The customer writes again by e-mail: their newest open conversation (the e-mail one, of
	// the customer merged in) continues.
	if err := w.pipe.Receive(ctx, "email", mail("m-10@mail.jp", "taro@example.jp", "まだですか", "", w.now.Add(2*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if again := byType(w.ingest.take(), models.MessageReceived); len(again) != 1 || again[0].ConversationID != em.ConversationID || again[0].CustomerID != lm.CustomerID {
		t.Fatalf("after the merge: %+v, want conversation %s of customer %s", again, em.ConversationID, lm.CustomerID)
	}
	w.ingest.take()
	from, to, err := dir.Unlink(ctx, region, "acme", identity.Key{Kind: identity.KindEmail, Value: "taro@example.jp"})
	if err != nil || from != lm.CustomerID || to != em.CustomerID {
		t.Fatalf("unlink: %s -> %s, %v", from, to, err)
	}
	if ev := byType(w.ingest.take(), models.CustomerUnmerged); len(ev) != 1 || ev[0].Attributes["unmerged_customer_id"] != em.CustomerID {
		t.Fatalf("the unmerge is recorded as a customer.unmerged event: %+v", ev)
	}
	// A customer in another residency region is never merged.
	if err := w.pipe.Receive(ctx, "email", &channels.Delivery{Messages: []channels.Message{{ID: "de-1", Account: "kundendienst@shop.example", Timestamp: w.now, Kind: "email",
		From: channels.Sender{ID: "max@example.de", Email: "max@example.de"}, Text: "Hallo"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Link(ctx, region, "acme", lm.CustomerID, identity.Key{Kind: identity.KindEmail, Value: "max@example.de"}, "x"); !errors.Is(err, identity.ErrOtherRegion) {
		t.Fatalf("linking a customer of region eu into one of %s: %v, want ErrOtherRegion", region, err)
	}
	if c, _, err := w.graph.ByKey(ctx, "acme", identity.Key{Kind: identity.KindEmail, Value: "taro@example.jp"}); err != nil || c != em.CustomerID {
		t.Fatalf("after unlink the e-mail belongs to %s (%v), want %s", c, err, em.CustomerID)
	}
}

func TestRetryableSendErrorsAreRetriedAndPermanentOnesFailWithTheReason(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if err := w.pipe.Receive(ctx, "whatsapp", waMessage("wamid.B1", "oi", w.now)); err != nil {
		t.Fatal(err)
	}
	conv := w.ingest.take()[0].ConversationID
	rec := &recorder{errs: []error{&channels.SendError{Status: 503, Reason: "service unavailable", Retryable: true, RetryAfter: time.Second}}}
	box := &channels.Outbox{Ledger: w.state, IDs: w.keyring, Senders: map[string]channels.Outbound{"whatsapp": rec}, Ingest: w.ingest,
		Regions: []string{"eu", "us"}, Now: func() time.Time { return w.now }, Log: w.pipe.Log}
	out, err := box.Send(ctx, channels.Reply{Tenant: "acme", ConversationID: conv, Text: "um momento"})
	if err != nil || out.State != channels.StatePending || out.Reason == "" {
		t.Fatalf("after a 503: %+v %v", out, err)
	}
	box.Tick(ctx) // not yet due
	if len(rec.sent) != 0 {
		t.Fatal("retried before Retry-After")
	}
	w.now = w.now.Add(2 * time.Second)
	box.Tick(ctx)
	got, err := w.state.Get(ctx, out.Region, "acme", out.ID)
	if err != nil || got.State != channels.StateSent || !got.Published || got.Attempts != 2 || len(rec.sent) != 1 {
		t.Fatalf("after the retry: %+v %v (%d sent)", got, err, len(rec.sent))
	}
	if len(byType(w.ingest.take(), models.MessageSent)) != 1 {
		t.Fatal("the retried reply's message.sent event is missing")
	}
	// The ledger keeps the platform's id as its keyed hash, and the platform's receipts, which
	// name the plain id, find the reply by it.
	if pid := "p-" + out.ID; got.PlatformMessageID != channels.MessageRef(w.keyring, "acme", "whatsapp", pid) || strings.Contains(got.PlatformMessageID, out.ID) {
		t.Fatalf("the ledger's platform id: %q", got.PlatformMessageID)
	}
	// A receipt moves the state forward, never back.
	for _, st := range []string{channels.StateRead, channels.StateDelivered} {
		if err := w.pipe.Receive(ctx, "whatsapp", &channels.Delivery{Statuses: []channels.Status{{MessageID: "p-" + out.ID, State: st}}}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ = w.state.Get(ctx, out.Region, "acme", out.ID); got.State != channels.StateRead {
		t.Fatalf("read then a late delivered: state %s, want read", got.State)
	}

	rec.errs = []error{&channels.SendError{Status: 400, Code: "131047", Reason: "Re-engagement message", Retryable: false}}
	failed, err := box.Send(ctx, channels.Reply{Tenant: "acme", ConversationID: conv, Text: "ainda aí?"})
	if err != nil || failed.State != channels.StateFailed || !strings.Contains(failed.Reason, "Re-engagement") {
		t.Fatalf("permanent error: %+v %v", failed, err)
	}
}

// A reply interrupted mid-send by a crash is never sent again: it fails for a person to check.
func TestAReplyInterruptedMidSendIsNotSentTwice(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if err := w.pipe.Receive(ctx, "whatsapp", waMessage("wamid.C1", "oi", w.now)); err != nil {
		t.Fatal(err)
	}
	conv := w.ingest.take()[0].ConversationID
	rec := &recorder{block: make(chan struct{})}
	box := &channels.Outbox{Ledger: w.state, IDs: w.keyring, Senders: map[string]channels.Outbound{"whatsapp": rec}, Ingest: w.ingest,
		Regions: []string{"eu", "us"}, Now: func() time.Time { return w.now }, Log: w.pipe.Log}
	cctx, crash := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = box.Send(cctx, channels.Reply{Tenant: "acme", ConversationID: conv, Text: "olá", ClientMessageID: "x"})
	}()
	// Wait until the reply is marked sending, then "restart": a new outbox starts.
	deadline := time.Now().Add(10 * time.Second)
	var id string
	for id == "" && time.Now().Before(deadline) {
		var state string
		err := w.db.Pool.QueryRow(ctx, `SELECT message_id, state FROM region_us.outbound_messages`).Scan(&id, &state)
		if err != nil || state != channels.StateSending {
			id = ""
			time.Sleep(10 * time.Millisecond)
		}
	}
	if id == "" {
		t.Fatal("the reply was never marked sending")
	}
	// Another instance's send in progress is never taken for an interrupted one.
	busy := &channels.Outbox{Ledger: w.state, IDs: w.keyring, Senders: map[string]channels.Outbound{"whatsapp": &recorder{}}, Ingest: w.ingest,
		Regions: []string{"eu", "us"}, Now: func() time.Time { return w.now }, Log: w.pipe.Log}
	busy.Tick(ctx)
	if got, _ := w.state.Get(ctx, "us", "acme", id); got.State != channels.StateSending {
		t.Fatalf("a send in progress was marked %s", got.State)
	}
	time.Sleep(50 * time.Millisecond)
	restarted := &channels.Outbox{Ledger: w.state, IDs: w.keyring, Senders: map[string]channels.Outbound{"whatsapp": &recorder{}}, Ingest: w.ingest,
		Regions: []string{"eu", "us"}, Now: func() time.Time { return w.now }, Log: w.pipe.Log, InterruptedAfter: 10 * time.Millisecond}
	rctx, stop := context.WithCancel(ctx)
	go func() { time.Sleep(200 * time.Millisecond); stop() }()
	if err := restarted.Run(rctx, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	got, err := w.state.Get(ctx, "us", "acme", id)
	if err != nil || got.State != channels.StateFailed || got.Reason != channels.ReasonInterrupted {
		t.Fatalf("interrupted reply: %+v %v", got, err)
	}
	if n := len(restarted.Senders["whatsapp"].(*recorder).sent); n != 0 {
		t.Fatalf("the restarted outbox sent the interrupted reply %d times", n)
	}
	crash()
	close(rec.block)
	<-done
}

// The mount: 404 for channels that are off, 401 before anything is parsed, 400 for a body
// that is not the platform's, 413 beyond the limit, 503 when the intake did not acknowledge.
func TestTheMountMapsEachFailureToItsStatus(t *testing.T) {
	in := &accepted{}
	hook := &fakeHook{}
	m := channels.NewMount([]channels.Channel{{Name: "telegram", Webhook: hook}, {Name: "line", Off: "MERIDIAN_LINE_CHANNEL_SECRET is not set"}},
		intakeFunc(func(ctx context.Context, ch string, d *channels.Delivery) error { return in.fail }), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(m)
	defer srv.Close()
	post := func(path, body string) (int, string) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		path, body string
		code       int
		says       string
	}{
		{"/webhooks/line", "{}", 404, "MERIDIAN_LINE_CHANNEL_SECRET"},
		{"/webhooks/whatsapp", "{}", 404, "not configured"},
		{"/webhooks/myspace", "{}", 404, "not a channel"},
		{"/webhooks/telegram", "unsigned", 401, "signature"},
		{"/webhooks/telegram", "signed:not json", 400, "not a delivery"},
		{"/webhooks/telegram", "signed:" + strings.Repeat("x", channels.MaxBodyBytes), 413, "larger"},
		{"/webhooks/telegram", "signed:ok", 200, `"ok":true`},
	}
	for _, c := range cases {
		code, body := post(c.path, c.body)
		if code != c.code || !strings.Contains(body, c.says) || !strings.HasPrefix(body, "{") {
			t.Errorf("POST %s %.20q: %d %s, want %d with %q", c.path, c.body, code, body, c.code, c.says)
		}
	}
	in.fail = errors.New("kafka down")
	if code, body := post("/webhooks/telegram", "signed:ok"); code != 503 || !strings.Contains(body, "retry") {
		t.Errorf("intake down: %d %s", code, body)
	}
}

type intakeFunc func(ctx context.Context, ch string, d *channels.Delivery) error

func (f intakeFunc) Receive(ctx context.Context, ch string, d *channels.Delivery) error {
	return f(ctx, ch, d)
}

type fakeHook struct{}

func (fakeHook) Verify(_ *http.Request, body []byte) error {
	if !bytes.HasPrefix(body, []byte("signed:")) {
		return channels.ErrSignature
	}
	return nil
}

func (fakeHook) Parse(_ *http.Request, body []byte) (*channels.Delivery, error) {
	if string(body) != "signed:ok" {
		return nil, channels.ErrFormat
	}
	return &channels.Delivery{}, nil
}

// A shared location or contact card names or locates a person: it travels in the sealed text,
// never in the attributes, which are stored in the clear.
func TestPersonalAttributesTravelSealedNotInTheClear(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	d := &channels.Delivery{Messages: []channels.Message{{
		ID: "wamid.L1", Account: "1029384756", Timestamp: w.now, Kind: "location",
		From: channels.Sender{ID: "5511987654321", Phone: "+5511987654321"},
		Attributes: map[string]string{"latitude": "-23.5505", "longitude": "-46.6333", "location_address": "Av. Paulista 1000",
			"contact_phones": "+5511911112222", "username": "ana_sp", "postback_payload": "call me at ana@example.com", "reply_to_message_id": "wamid.X"},
	}}}
	if err := w.pipe.Receive(ctx, "whatsapp", d); err != nil {
		t.Fatal(err)
	}
	e := byType(w.ingest.take(), models.MessageReceived)[0]
	for _, k := range []string{"latitude", "longitude", "location_address", "contact_phones", "username", "postback_payload"} {
		if _, ok := e.Attributes[k]; ok {
			t.Errorf("attribute %s is personal data and was kept in the clear", k)
		}
	}
	// The quoted message is named as its own event's platform_message_id is: by its keyed hash.
	if e.Attributes["reply_to_message_id"] != channels.MessageRef(w.keyring, "acme", "whatsapp", "wamid.X") || e.Attributes["raw_type"] != "location" {
		t.Errorf("attributes: %v", e.Attributes)
	}
	if !strings.HasPrefix(e.Text, "[location]") || !strings.Contains(e.Text, "latitude: -23.5505") || !strings.Contains(e.Text, "location_address: Av. Paulista 1000") {
		t.Errorf("text: %q", e.Text)
	}
}

// Ids that name platform messages are stored as keyed hashes that still match one another: an
// e-mail's In-Reply-To and References are the refs of the mails they name, the thread a reply
// needs is sealed in PostgreSQL and opened for the reply, a Telegram reply names the message
// it answers by its ref, and the Telegram chat id (a private chat's is the user's id) is dropped.
func TestIDsNamingMessagesAreKeyedHashesThatStillMatch(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	first := mail("ana.4471@example.com", "ana@example.com", "Pedido?", "", w.now)
	if err := w.pipe.Receive(ctx, "email", first); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(time.Hour)
	second := mail("ana.4472@example.com", "ana@example.com", "Ainda nada", "", w.now)
	m := &second.Messages[0]
	m.Thread = []string{"out-1@shop.example", "ana.4471@example.com"}
	m.Attributes = map[string]string{"in_reply_to": "out-1@shop.example", "references": "ana.4471@example.com out-1@shop.example",
		"thread_key": "ana.4471@example.com"}
	if err := w.pipe.Receive(ctx, "email", second); err != nil {
		t.Fatal(err)
	}
	evs := byType(w.ingest.take(), models.MessageReceived)
	if len(evs) != 2 {
		t.Fatalf("two e-mails: %+v", evs)
	}
	ref := func(channel, id string) string { return channels.MessageRef(w.keyring, "acme", channel, id) }
	a := evs[1].Attributes
	if evs[0].PlatformMessageID != ref("email", "ana.4471@example.com") || a["in_reply_to"] != ref("email", "out-1@shop.example") ||
		a["references"] != ref("email", "ana.4471@example.com")+" "+ref("email", "out-1@shop.example") || a["thread_key"] != evs[0].PlatformMessageID {
		t.Fatalf("the second e-mail's attributes do not name the mails by their refs: %v (first %q)", a, evs[0].PlatformMessageID)
	}
	if strings.Contains(fmt.Sprint(evs), "ana.447") || strings.Contains(fmt.Sprint(evs), "out-1@") {
		t.Fatalf("an e-mail id is readable in the events: %+v", evs)
	}
	conv := evs[0].ConversationID
	var stored []string
	if err := w.db.Pool.QueryRow(ctx, `SELECT thread FROM region_us.conversation_addresses WHERE conversation_id = $1`, conv).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 4 || slices.ContainsFunc(stored, func(v string) bool { return !shred.IsSealed(v) }) {
		t.Fatalf("the conversation's e-mail ids are stored %q, want 4 sealed", stored)
	}
	addr, err := w.state.Address(ctx, "acme", conv)
	if err != nil || fmt.Sprint(addr.Thread) != "[ana.4471@example.com out-1@shop.example ana.4472@example.com]" {
		t.Fatalf("the reply's thread: %q %v", addr.Thread, err)
	}
	// Ids threaded before they were sealed are read as they are.
	if _, err := w.db.Pool.Exec(ctx, `UPDATE region_us.conversation_addresses SET thread = array_append(thread, 'old@mail.example') WHERE conversation_id = $1`, conv); err != nil {
		t.Fatal(err)
	}
	if addr, err := w.state.Address(ctx, "acme", conv); err != nil || addr.Thread[len(addr.Thread)-1] != "old@mail.example" {
		t.Fatalf("a plain id stored before sealing: %q %v", addr.Thread, err)
	}

	tg := &channels.Delivery{Messages: []channels.Message{{
		ID: "111222333:17", Account: "shopbot", Timestamp: w.now, Kind: "text", Text: "isso",
		From:       channels.Sender{ID: "111222333", Name: "Yuki"},
		Attributes: map[string]string{"chat_id": "111222333", "chat_type": "private", "reply_to": "111222333:16"},
	}}}
	if err := w.pipe.Receive(ctx, "telegram", tg); err != nil {
		t.Fatal(err)
	}
	e := byType(w.ingest.take(), models.MessageReceived)[0]
	if _, ok := e.Attributes["chat_id"]; ok || e.Attributes["reply_to"] != ref("telegram", "111222333:16") || e.Attributes["chat_type"] != "private" ||
		e.PlatformMessageID != ref("telegram", "111222333:17") || strings.Contains(e.ID, "111222333") {
		t.Fatalf("Telegram message: id %q, platform id %q, attributes %v", e.ID, e.PlatformMessageID, e.Attributes)
	}
}

// What is not a message (a LINE follow, a reaction) and what this version does not know are
// kept as channel.event, outside conversations; a platform event naming nobody is skipped
// without refusing the delivery (the platform would retry it forever).
func TestNonMessagesAndUnknownKindsAreChannelEvents(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	d := &channels.Delivery{Messages: []channels.Message{
		{ID: "f1", Account: "Ubot", Timestamp: w.now, Kind: "follow", From: channels.Sender{ID: "U1"}},
		{ID: "x1", Account: "Ubot", Timestamp: w.now, Kind: "hologram", From: channels.Sender{ID: "U1"}, Unknown: "LINE event type hologram is not known to this version"},
		{ID: "e1", Account: "Ubot", Timestamp: w.now, Kind: "hologram", Unknown: "no source"},
	}}
	if err := w.pipe.Receive(ctx, "line", d); err != nil {
		t.Fatal(err)
	}
	got := w.ingest.take()
	if len(got) != 2 {
		t.Fatalf("want 2 events (the one without a sender skipped), got %+v", got)
	}
	for _, e := range got {
		if e.Type != models.ChannelEvent || e.ConversationID != "" || e.Customer.Country != "JP" {
			t.Errorf("%s: %+v", e.ID, e)
		}
	}
	if got[0].Attributes["raw_type"] != "follow" || got[1].Attributes["unsupported"] == "" {
		t.Errorf("attributes: %v / %v", got[0].Attributes, got[1].Attributes)
	}
}

// Many first messages of new customers at once, through a pool of two connections: no
// delivery may hold a connection while it waits for another (data keys are created on their
// own connection), or the pool starves and every delivery times out.
func TestConcurrentNewCustomersDoNotStarveThePool(t *testing.T) {
	w := newWorld(t, "&pool_max_conns=2")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &channels.Delivery{Messages: []channels.Message{{ID: fmt.Sprintf("wamid.P%d", i), Account: "1029384756", Timestamp: w.now, Kind: "text",
				From: channels.Sender{ID: fmt.Sprintf("55119876%05d", i), Phone: fmt.Sprintf("+55119876%05d", i)}, Text: "oi"}}}
			errs <- w.pipe.Receive(ctx, "whatsapp", d)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(byType(w.ingest.take(), models.MessageReceived)); n != 40 {
		t.Fatalf("%d messages, want 40", n)
	}
}

// A customer's country corrected by a person places their later messages in the new country's
// region; their earlier events keep theirs, and the change is recorded.
func TestACorrectedCountryMovesTheCustomersLaterMessagesOnly(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if err := w.pipe.Receive(ctx, "whatsapp", waMessage("wamid.K1", "oi", w.now)); err != nil {
		t.Fatal(err)
	}
	first := byType(w.ingest.take(), models.MessageReceived)[0]
	if first.Customer.Country != "BR" {
		t.Fatalf("placed by the phone number: %s", first.Customer.Country)
	}
	dir := &channels.Directory{Graph: w.graph, Ingest: w.ingest, Now: func() time.Time { return w.now }}
	c, err := dir.SetCountry(ctx, "acme", first.CustomerID, "DE", "lives in Berlin now")
	if err != nil || c.Country != "DE" {
		t.Fatalf("set country: %+v %v", c, err)
	}
	up := byType(w.ingest.take(), models.CustomerUpdated)
	if len(up) != 1 || up[0].Customer.Country != "DE" || up[0].Attributes["previous_country"] != "BR" || up[0].Reason != "lives in Berlin now" {
		t.Fatalf("the change is recorded as customer.updated: %+v", up)
	}
	w.now = w.now.Add(time.Hour)
	if err := w.pipe.Receive(ctx, "whatsapp", waMessage("wamid.K2", "hallo", w.now)); err != nil {
		t.Fatal(err)
	}
	later := byType(w.ingest.take(), models.MessageReceived)[0]
	if later.Customer.Country != "DE" || later.CustomerID != first.CustomerID {
		t.Fatalf("a later message: %+v", later.Customer)
	}
	a, err := w.state.Address(ctx, "acme", later.ConversationID)
	if err != nil || a.Region != "eu" || later.ConversationID == first.ConversationID {
		t.Fatalf("the later conversation lives in the new region: %+v %v", a, err)
	}
	if a, err := w.state.Address(ctx, "acme", first.ConversationID); err != nil || a.Region != "us" {
		t.Fatalf("the earlier conversation stays where it was: %+v %v", a, err)
	}
}

// The same order number quoted on LINE and by e-mail links the two identities into one
// customer (a deterministic key), when the shop's order-number pattern is configured.
func TestTheSameOrderNumberLinksTwoIdentities(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.pipe.OrderNumbers = regexp.MustCompile(`\b(SO-\d{6})\b`)
	if err := w.pipe.Receive(ctx, "line", &channels.Delivery{Messages: []channels.Message{{ID: "ev-o1", Account: "U-bot", Timestamp: w.now, Kind: "text",
		From: channels.Sender{ID: "U77"}, Text: "注文番号 SO-123456 の配送状況を教えてください"}}}); err != nil {
		t.Fatal(err)
	}
	first := byType(w.ingest.take(), models.MessageReceived)[0]
	if err := w.pipe.Receive(ctx, "email", mail("o-2@mail.jp", "hanako@example.jp", "SO-123456 はいつ届きますか", "", w.now.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	second := byType(w.ingest.take(), models.MessageReceived)[0]
	if second.CustomerID != first.CustomerID || second.ConversationID != first.ConversationID {
		t.Fatalf("the same order number: customers %s / %s, conversations %s / %s", first.CustomerID, second.CustomerID, first.ConversationID, second.ConversationID)
	}
	// Without the pattern nothing is looked for.
	w.pipe.OrderNumbers = nil
	if err := w.pipe.Receive(ctx, "email", mail("o-3@mail.jp", "jiro@example.jp", "SO-123456 はいつ届きますか", "", w.now.Add(2*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if third := byType(w.ingest.take(), models.MessageReceived)[0]; third.CustomerID == first.CustomerID {
		t.Fatal("linked without a configured pattern")
	}
}

func TestAttributeKeyIsSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"plusfriendUserKey":  "plusfriend_user_key",
		"newRichMenuAliasId": "new_rich_menu_alias_id",
		"datetime":           "datetime",
		"Ref":                "ref",
		"already_snake":      "already_snake",
		"":                   "",
	} {
		if got := channels.AttributeKey(in); got != want {
			t.Errorf("AttributeKey(%q) = %q, want %q", in, got, want)
		}
	}
}
