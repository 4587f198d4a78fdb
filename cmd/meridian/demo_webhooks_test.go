package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/compliance/shred/shredtest"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
)

func demoConfig(t *testing.T, args ...string) config {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := bindConfig(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The demo turns on the channels the user left off, and only those, and maps its accounts to
// their markets unless the user mapped accounts of their own.
func TestDemoTurnsOnTheChannelsTheUserLeftOff(t *testing.T) {
	cfg := demoConfig(t, "--line-channel-secret", "mine", "--line-access-token", "my-token")
	on, err := enableDemoChannels(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Every platform but the user's LINE, and e-mail on a local SMTP listener.
	if len(on) != len(demoWebhookChannels) || !slices.Contains(on, "email") || cfg.str("smtp-listen") == "" ||
		cfg.str("line-channel-secret") != "mine" || cfg.str("line-access-token") != "my-token" {
		t.Fatalf("turned on %v; LINE settings %q %q", on, cfg.str("line-channel-secret"), cfg.str("line-access-token"))
	}
	chs, _, err := buildChannels(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chs {
		if c.Off != "" && c.Name != "email" {
			t.Errorf("%s is off: %s", c.Name, c.Off)
		}
	}
	m, err := channels.ParseMarkets(cfg.str("channel-markets"))
	if err != nil {
		t.Fatal(err)
	}
	for ch, countries := range demo.ChannelCountries() {
		for _, c := range countries {
			if ch == "telegram" || !slices.Contains(demoWebhookChannels, ch) && ch != "email" {
				continue
			}
			if got, _ := m.Country(ch, demoAccount(ch, c)); got != c {
				t.Errorf("%s account %s is placed in %q, want %s", ch, demoAccount(ch, c), got, c)
			}
		}
	}
	if got, _ := m.Country("telegram", telegramBot(cfg)); got != demoTelegramMarket {
		t.Errorf("the Telegram bot's market: %q", got)
	}

	mine := demoConfig(t, "--channel-markets", "line=JP")
	if _, err := enableDemoChannels(mine); err != nil {
		t.Fatal(err)
	}
	if mine.str("channel-markets") != "line=JP" {
		t.Errorf("the user's markets became %q", mine.str("channel-markets"))
	}
	// A user who set up e-mail keeps it: no demo listener beside theirs.
	theirs := demoConfig(t, "--imap-addr", "imap.example.com:993")
	on, err = enableDemoChannels(theirs)
	if err != nil || slices.Contains(on, "email") || theirs.str("smtp-listen") != "" {
		t.Errorf("with the user's IMAP: turned on %v, listener %q (%v)", on, theirs.str("smtp-listen"), err)
	}
}

// What the demo posts is what each platform's webhook verifies and reads back: the message id,
// account and sender the demo derives its event and conversation ids from, and a customer the
// /v1/events side names with the same identity.
func TestDemoDeliveriesAreReadAsTheDemoPredicts(t *testing.T) {
	cfg := demoConfig(t)
	if _, err := enableDemoChannels(cfg); err != nil {
		t.Fatal(err)
	}
	chs, _, err := buildChannels(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hooks := map[string]channels.Webhook{}
	for _, c := range chs {
		hooks[c.Name] = c.Webhook
	}
	markets, _ := channels.ParseMarkets(cfg.str("channel-markets"))
	keys, err := shred.NewKeyring(&shredtest.Keys{}, bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	d := &demoHooks{base: "http://meridian.test", cfg: cfg, on: map[string]bool{}, markets: markets, defCountry: "US",
		policy: models.DefaultPolicy(), ids: keys, tenant: "demo", convs: map[string]*demoConv{}}
	for _, ch := range demoWebhookChannels {
		d.on[ch] = true
	}
	intake := &fakeIntake{}
	pipeline := &channels.Pipeline{Tenant: "demo", IDs: keys, Identities: intake, Threads: intake, Ingest: intake, Markets: markets,
		DefaultCountry: "US", Now: time.Now, Log: slog.New(slog.DiscardHandler)}
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	gen := demo.New(demo.Config{Seed: 7, Start: start, End: start.Add(24 * time.Hour), MessagesPerHour: 3000})
	checked := map[string]int{}
	err = gen.Each(context.Background(), func(e models.Event) error {
		c := d.convs[e.ConversationID]
		if c == nil {
			c = d.start(&e)
			d.convs[e.ConversationID] = c
		}
		if !c.hook || e.Type != models.MessageReceived || checked[c.channel] >= 3 {
			return nil
		}
		checked[c.channel]++
		pid, build := d.delivery(c, &e)
		req, err := build(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(req.Body)
		w := hooks[c.channel]
		if err := w.Verify(req, body); err != nil {
			t.Fatalf("%s: %v", c.channel, err)
		}
		dl, err := w.Parse(req, body)
		if err != nil || len(dl.Messages) != 1 {
			t.Fatalf("%s: %v, %+v", c.channel, err, dl)
		}
		m := dl.Messages[0]
		if m.ID != pid || m.Account != c.account || m.From.ID != c.user || m.Text != e.Text {
			t.Errorf("%s: read id %q account %q from %q text %q; the demo predicted %q %q %q %q", c.channel, m.ID, m.Account, m.From.ID, m.Text, pid, c.account, c.user, e.Text)
		}
		// The intake makes of it the event and the conversation the demo predicted, and names
		// the customer as the demo's /v1/events events of the conversation do.
		intake.events = nil
		if err := pipeline.Receive(context.Background(), c.channel, dl); err != nil {
			t.Fatalf("%s: %v", c.channel, err)
		}
		in := intake.events[len(intake.events)-1]
		if eid := d.eventID(c, pid); in.ID != eid || in.ConversationID != channels.ConversationID(eid) {
			t.Errorf("%s: the intake's event %q in %q, the demo predicted %q", c.channel, in.ID, in.ConversationID, eid)
		}
		next := e
		next.Type = models.MessageSent
		d.identify(c, &next)
		if got, want := ingest.Identity(next.Customer), intake.seed; got != want || in.Customer.Country != next.Customer.Country || next.Customer.Country != e.Customer.Country || next.Customer.Tier != e.Customer.Tier {
			t.Errorf("%s: the API side's customer %q in %s, the intake's %q in %s", c.channel, got, next.Customer.Country, want, in.Customer.Country)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range demoWebhookChannels {
		if checked[ch] == 0 {
			t.Errorf("no %s conversation went to the webhooks", ch)
		}
	}
	t.Logf("webhook conversations %d, kept on the API as off-market %d", d.stats.Conversations, d.stats.OffMarket)
}

// fakeIntake is the identity graph, the channel state and ingest of a Pipeline, for a customer
// seen for the first time with no conversation open.
type fakeIntake struct {
	seed   string
	events []models.Event
}

func (f *fakeIntake) Observe(_ context.Context, o identity.Observation) (identity.Resolution, error) {
	f.seed = o.Seed
	return identity.Resolution{CustomerID: "pseudonym-of-" + o.Seed, Region: "eu", New: true}, nil
}

func (f *fakeIntake) Thread(_ context.Context, _ string, in channels.Inbound) (string, bool, error) {
	return in.NewConversationID, true, nil
}

func (f *fakeIntake) Accept(_ context.Context, _ string, events []models.Event) error {
	f.events = append(f.events, events...)
	return nil
}
