package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/models"
)

var weekStart = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC) // a Monday

const testRate = 2000

func weekConfig() Config {
	return Config{Seed: 42, Tenant: "acme", Start: weekStart, End: weekStart.AddDate(0, 0, 7), MessagesPerHour: testRate}
}

// weekStats is one pass over a generated week; the tests below read what they need from it.
type weekStats struct {
	events, messages, opened int
	invalid                  []string
	outOfOrder, dupIDs       int
	byType                   map[string]int
	byRegion                 map[string]int
	wrongRegion              int
	messagesPerHour          map[int64]int
	deOpenedByLocalHour      [24]int
	receivedSEA, sterileSEA  int
	receivedElse, sterileEls int
	enquiriesKR, compareKR   int
	enquiriesElse, compElse  int
	entEU, entEUPrice        int
	entNA, entNAPrice        int
	routine, contained       int
	handOffs, crossRegion    int
	channelsByCountry        map[string]map[string]int
	customerSeen             map[string]int
}

var (
	weekOnce sync.Once
	week     weekStats
)

func isEU(c string) bool {
	return strings.Contains("DE FR ES IT NL GB SE PL", c)
}

func generatedWeek(t *testing.T) *weekStats {
	t.Helper()
	weekOnce.Do(func() {
		s := &week
		s.byType, s.byRegion, s.messagesPerHour = map[string]int{}, map[string]int{}, map[int64]int{}
		s.channelsByCountry, s.customerSeen = map[string]map[string]int{}, map[string]int{}
		policy := models.DefaultPolicy()
		berlin, _ := time.LoadLocation("Europe/Berlin")
		ids := map[uint64]bool{}
		opened := map[string]bool{} // conversations whose first customer message we have seen
		intentOf := map[string]int{}
		var last time.Time
		err := New(weekConfig()).Each(context.Background(), func(e models.Event) error {
			s.events++
			if err := e.Validate(); err != nil && len(s.invalid) < 5 {
				s.invalid = append(s.invalid, e.ID+": "+err.Error())
			}
			if e.OccurredAt.Before(last) {
				s.outOfOrder++
			}
			last = e.OccurredAt
			h := fnv.New64a()
			h.Write([]byte(e.ID))
			if ids[h.Sum64()] {
				s.dupIDs++
			}
			ids[h.Sum64()] = true
			s.byType[e.Type]++
			s.byRegion[e.Region]++
			country := e.Customer.Country
			if string(policy.RegionFor(country)) != e.Region {
				s.wrongRegion++
			}
			sea := policy.RegionFor(country) == "sea"
			switch e.Type {
			case models.ConversationOpened:
				s.opened++
				s.customerSeen[e.CustomerID]++
				if country == "DE" {
					s.deOpenedByLocalHour[e.OccurredAt.In(berlin).Hour()]++
				}
				if s.channelsByCountry[country] == nil {
					s.channelsByCountry[country] = map[string]int{}
				}
				s.channelsByCountry[country][e.Channel]++
			case models.MessageReceived:
				if sea {
					s.receivedSEA++
					s.sterileSEA += b2i(mentionsSterile(e.Text))
				} else {
					s.receivedElse++
					s.sterileEls += b2i(mentionsSterile(e.Text))
				}
				if !opened[e.ConversationID] {
					opened[e.ConversationID] = true
					if country == "KR" {
						s.enquiriesKR++
						s.compareKR += b2i(mentionsBrand(e.Text))
					} else {
						s.enquiriesElse++
						s.compElse += b2i(mentionsBrand(e.Text))
					}
					if e.Customer.Tier == "enterprise" {
						price := mentionsPrice(e.Language, e.Text)
						switch {
						case isEU(country):
							s.entEU++
							s.entEUPrice += b2i(price)
						case country == "US" || country == "CA":
							s.entNA++
							s.entNAPrice += b2i(price)
						}
					}
				}
			case models.AIAction:
				switch e.Action {
				case "classified":
					for i, n := range intentNames {
						if n == e.Intent {
							intentOf[e.ConversationID] = i
							if routine[i] {
								s.routine++
							}
						}
					}
				case "resolved":
					if i, ok := intentOf[e.ConversationID]; ok && routine[i] {
						s.contained++
					}
				}
			case models.ConversationHandedOff:
				s.handOffs++
				if e.FromRegion != e.ToRegion {
					s.crossRegion++
				}
			}
			if e.IsMessage() {
				s.messages++
				s.messagesPerHour[e.OccurredAt.Unix()/3600]++
			}
			return nil
		})
		if err != nil {
			s.invalid = append(s.invalid, "Each: "+err.Error())
		}
	})
	return &week
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mentionsSterile(text string) bool {
	for _, c := range corpora {
		for _, s := range c.sterile {
			if strings.Contains(text, s) {
				return true
			}
		}
	}
	return false
}

func mentionsBrand(text string) bool {
	for _, list := range [][]string{brandsLatin, brandsHangul, brandsKana} {
		for _, b := range list {
			if strings.Contains(text, b) {
				return true
			}
		}
	}
	return false
}

func mentionsPrice(tag, text string) bool {
	for _, w := range corpora[corpusKey(tag)].price {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

func TestEveryEventValidatesInOrderWithUniqueIDs(t *testing.T) {
	s := generatedWeek(t)
	if s.events < 100_000 {
		t.Fatalf("only %d events in a week", s.events)
	}
	if len(s.invalid) > 0 {
		t.Errorf("invalid events: %v", s.invalid)
	}
	if s.outOfOrder > 0 {
		t.Errorf("%d events out of occurred_at order", s.outOfOrder)
	}
	if s.dupIDs > 0 {
		t.Errorf("%d duplicate event ids", s.dupIDs)
	}
	for typ := range models.EventTypes {
		// Merges are the identity graph's, platform events the channels', analyses the
		// stream's (understanding/enrich), decisions and notes the conversation engine's and
		// its workspace's: never generated.
		switch typ {
		case models.CustomerMerged, models.CustomerUnmerged, models.CustomerUpdated, models.ChannelEvent, models.MessageAnalyzed,
			models.RoutingDecided, models.ConversationQueued, models.NoteAdded, models.SLABreached, models.SLAWarning,
			models.ConversationSnoozed, models.ConversationPending, models.ConversationOffered, models.ConversationAutomated:
			continue
		}
		if s.byType[typ] == 0 {
			t.Errorf("no %s events", typ)
		}
	}
}

func TestEventsMarshalToTheContract(t *testing.T) {
	// Round-trip through JSON with unknown fields disallowed, as ingest decodes.
	n := 0
	g := New(Config{Seed: 3, Start: weekStart, End: weekStart.Add(6 * time.Hour), MessagesPerHour: 200})
	err := g.Each(context.Background(), func(e models.Event) error {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "received_at") {
			t.Fatalf("unset received_at is marshalled: %s", b)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		var back models.Event
		if err := dec.Decode(&back); err != nil {
			return err
		}
		n++
		return back.Validate()
	})
	if err != nil || n == 0 {
		t.Fatalf("round trip: %v after %d events", err, n)
	}
}

func fingerprint(t *testing.T, cfg Config) (uint64, int) {
	t.Helper()
	h, n := fnv.New64a(), 0
	err := New(cfg).Each(context.Background(), func(e models.Event) error {
		b, err := json.Marshal(e)
		h.Write(b)
		n++
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h.Sum64(), n
}

func TestSameSeedSameEvents(t *testing.T) {
	cfg := Config{Seed: 7, Start: weekStart, End: weekStart.Add(24 * time.Hour), MessagesPerHour: 300}
	a, n := fingerprint(t, cfg)
	b, _ := fingerprint(t, cfg)
	if a != b || n == 0 {
		t.Fatalf("same seed, different events (%d events)", n)
	}
	cfg.Seed = 8
	if c, _ := fingerprint(t, cfg); c == a {
		t.Fatal("different seeds, same events")
	}
}

func TestAdjacentWindowsComposeExactly(t *testing.T) {
	a, b, c := weekStart.Add(3*time.Hour+17*time.Minute), weekStart.Add(9*time.Hour), weekStart.Add(15*time.Hour+5*time.Minute)
	collect := func(from, to time.Time) []string {
		var ids []string
		err := New(Config{Seed: 11, Start: from, End: to, MessagesPerHour: 300}).Each(context.Background(), func(e models.Event) error {
			ids = append(ids, e.ID+e.OccurredAt.String())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	whole, parts := collect(a, c), append(collect(a, b), collect(b, c)...)
	if strings.Join(whole, ",") != strings.Join(parts, ",") {
		t.Fatalf("[a,c) has %d events, [a,b)+[b,c) has %d, or their order differs", len(whole), len(parts))
	}
}

func TestDailyRhythmInLocalTime(t *testing.T) {
	s := generatedWeek(t)
	lo, hi := s.deOpenedByLocalHour[0], s.deOpenedByLocalHour[0]
	for _, n := range s.deOpenedByLocalHour {
		lo, hi = min(lo, n), max(hi, n)
	}
	if hi < 5*max(lo, 1) {
		t.Errorf("Germany by local hour %v: busiest %d is not several times the quietest %d", s.deOpenedByLocalHour, hi, lo)
	}
	for _, h := range []int{3, 4} {
		if s.deOpenedByLocalHour[h]*4 > s.deOpenedByLocalHour[11] {
			t.Errorf("Germany at %02d:00 local (%d) is not quiet next to 11:00 (%d)", h, s.deOpenedByLocalHour[h], s.deOpenedByLocalHour[11])
		}
	}
}

func TestBusiestHourNearMessagesPerHour(t *testing.T) {
	s := generatedWeek(t)
	busiest := 0
	for _, n := range s.messagesPerHour {
		busiest = max(busiest, n)
	}
	t.Logf("%d events, %d messages, busiest hour %d messages, %.2f messages per conversation", s.events, s.messages, busiest, float64(s.messages)/float64(s.opened))
	if busiest < testRate*8/10 || busiest > testRate*13/10 {
		t.Errorf("busiest hour has %d messages, want about %d", busiest, testRate)
	}
	if got := float64(s.messages) / float64(s.opened); got < meanMessagesPerConversation*0.93 || got > meanMessagesPerConversation*1.07 {
		t.Errorf("%.2f messages per conversation; update meanMessagesPerConversation (%.2f)", got, meanMessagesPerConversation)
	}
}

func TestResidencySpread(t *testing.T) {
	s := generatedWeek(t)
	for _, r := range models.DefaultPolicy().Regions {
		if share := float64(s.byRegion[string(r)]) / float64(s.events); share < 0.1 {
			t.Errorf("region %s gets %.1f%% of events", r, 100*share)
		}
	}
	if s.wrongRegion > 0 {
		t.Errorf("%d events carry a region other than their customer's", s.wrongRegion)
	}
	if s.crossRegion == 0 || s.crossRegion != s.handOffs {
		t.Errorf("hand-offs: %d, between different regions: %d", s.handOffs, s.crossRegion)
	}
}

func TestChannelMixAndReturningCustomers(t *testing.T) {
	s := generatedWeek(t)
	for country, want := range map[string]string{"TH": "line", "JP": "line", "KR": "kakaotalk", "CN": "wechat", "BR": "whatsapp", "ES": "whatsapp", "US": "webchat"} {
		top, best := "", 0
		for ch, n := range s.channelsByCountry[country] {
			if n > best {
				top, best = ch, n
			}
		}
		if top != want {
			t.Errorf("%s: top channel %s, want %s (%v)", country, top, want, s.channelsByCountry[country])
		}
	}
	returning := 0
	for _, n := range s.customerSeen {
		returning += b2i(n > 1)
	}
	if returning < len(s.customerSeen)/10 {
		t.Errorf("only %d of %d customers came back", returning, len(s.customerSeen))
	}
}

func TestPlantedSignals(t *testing.T) {
	s := generatedWeek(t)
	sea, else_ := float64(s.sterileSEA)/float64(s.receivedSEA), float64(s.sterileEls)/float64(s.receivedElse)
	if sea < 5*else_ || sea < 0.02 {
		t.Errorf("sterilisation/moisture-proof: %.2f%% of SEA messages vs %.2f%% elsewhere", 100*sea, 100*else_)
	}
	kr := float64(s.compareKR) / float64(s.enquiriesKR)
	if kr < pCompareKR-0.05 || kr > pCompareKR+0.05 || s.enquiriesKR < 300 {
		t.Errorf("Korean enquiries comparing with Japanese brands: %.1f%% of %d, want about 45%%", 100*kr, s.enquiriesKR)
	}
	if other := float64(s.compElse) / float64(s.enquiriesElse); other > 0.08 {
		t.Errorf("competitor mentions outside Korea: %.1f%%", 100*other)
	}
	eu, na := float64(s.entEUPrice)/float64(s.entEU), float64(s.entNAPrice)/float64(s.entNA)
	if ratio := eu / na; ratio < 0.25 || ratio > 0.58 || s.entEU < 200 || s.entNA < 200 {
		t.Errorf("enterprise price mentions: EU %.1f%% of %d, NA %.1f%% of %d (EU/NA %.2f, want about 0.4)", 100*eu, s.entEU, 100*na, s.entNA, ratio)
	}
	t.Logf("sterilisation SEA %.2f%% vs %.2f%%; KR comparisons %.1f%% (elsewhere %.1f%%); enterprise price EU %.1f%% NA %.1f%%; containment %.1f%%",
		100*sea, 100*else_, 100*kr, 100*float64(s.compElse)/float64(s.enquiriesElse), 100*eu, 100*na, 100*float64(s.contained)/float64(s.routine))
	if c := float64(s.contained) / float64(s.routine); c < 0.65 || c > 0.75 {
		t.Errorf("AI containment of routine contacts %.1f%%, want about 70%%", 100*c)
	}
}

// The planted rates are only exact if no ordinary text already carries a signal.
func TestCorpusHygiene(t *testing.T) {
	for key, c := range corpora {
		var customer []string
		for i, ts := range c.open {
			if len(ts) < 2 {
				t.Errorf("%s: fewer than two templates for %s", key, intentNames[i])
			}
			for _, tmpl := range ts {
				if price := mentionsPrice(key, tmpl); price != (i == intentPricing) {
					t.Errorf("%s %s template %q: mentions price = %v", key, intentNames[i], tmpl, price)
				}
			}
			customer = append(customer, ts...)
		}
		customer = append(append(customer, c.follow...), c.thanks...)
		for _, x := range append(append(customer, c.sterile...), c.compare...) {
			if mentionsBrand(x) {
				t.Errorf("%s: %q names a competitor", key, x)
			}
		}
		for _, x := range customer {
			if mentionsSterile(x) {
				t.Errorf("%s: %q carries the planted sterilisation signal", key, x)
			}
		}
		for _, x := range append(append(c.follow, c.thanks...), append(c.sterile, c.compare...)...) {
			if mentionsPrice(key, x) {
				t.Errorf("%s: %q mentions price", key, x)
			}
		}
		if len(c.sterile) == 0 || len(c.compare) == 0 || len(c.price) == 0 || len(c.names.given) == 0 {
			t.Errorf("%s: corpus incomplete", key)
		}
	}
}

func TestEachStopsOnErrorAndCancel(t *testing.T) {
	g := New(weekConfig())
	stop := errors.New("stop")
	n := 0
	if err := g.Each(context.Background(), func(models.Event) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Each returned %v after %d events, want stop after 1", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err := New(weekConfig()).Each(ctx, func(models.Event) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 2000 {
		t.Errorf("after cancel: %v, %d events", err, n)
	}
}

func TestLive(t *testing.T) {
	// Stopped after a few events, with a generous bound for a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n := 0
	start := time.Now()
	err := New(Config{Seed: 1, MessagesPerHour: 5000}).Live(ctx, 600, func(e models.Event) error {
		if err := e.Validate(); err != nil {
			return err
		}
		if d := e.OccurredAt.Sub(start); d < -time.Second || d > 5*time.Second {
			t.Errorf("live event stamped %v, not now", e.OccurredAt)
		}
		if n++; n == 5 {
			cancel()
		}
		return nil
	})
	if err != nil || n < 5 {
		t.Fatalf("Live: %v after %d events", err, n)
	}
}

func BenchmarkEach(b *testing.B) {
	cfg := Config{Seed: 1, Start: weekStart, End: weekStart.Add(24 * time.Hour), MessagesPerHour: 20000}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		if err := New(cfg).Each(context.Background(), func(models.Event) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)*0+float64(n)/float64(b.N), "events/op")
}

func TestChannelCountries(t *testing.T) {
	cc := ChannelCountries()
	if fmt.Sprint(cc["kakaotalk"]) != "[KR]" || fmt.Sprint(cc["wechat"]) != "[CN]" || fmt.Sprint(cc["line"]) != "[TH JP TW]" {
		t.Fatalf("kakaotalk %v, wechat %v, line %v", cc["kakaotalk"], cc["wechat"], cc["line"])
	}
	if !slices.Contains(cc["whatsapp"], "BR") || !slices.Contains(cc["whatsapp"], "SA") || !slices.Contains(cc["email"], "US") {
		t.Fatalf("whatsapp %v, email %v", cc["whatsapp"], cc["email"])
	}
}

// With the engine deciding from a time on, the generator leaves out its own assignments
// from then on, and only those: every other event, with its id and time, is as without it.
func TestEngineFromLeavesAssignmentsToTheEngine(t *testing.T) {
	cfg := Config{Seed: 5, Start: weekStart, End: weekStart.Add(24 * time.Hour), MessagesPerHour: 300}
	cut := weekStart.Add(12*time.Hour + 30*time.Minute)
	collect := func(cfg Config) []models.Event {
		var out []models.Event
		if err := New(cfg).Each(context.Background(), func(e models.Event) error { out = append(out, e); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	key := func(e models.Event) string { return e.ID + " " + e.Type + " " + e.OccurredAt.String() }
	var want []string
	before, after := 0, 0
	for _, e := range collect(cfg) {
		if e.Type == models.ConversationAssigned {
			if !e.OccurredAt.Before(cut) {
				after++
				continue
			}
			before++
		}
		want = append(want, key(e))
	}
	if before == 0 || after == 0 {
		t.Fatalf("assignments before the cut %d, after %d: the window proves nothing", before, after)
	}
	cfg.EngineFrom = cut
	var got []string
	for _, e := range collect(cfg) {
		got = append(got, key(e))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("with EngineFrom: %d events, want the %d without the %d assignments after it", len(got), len(want), after)
	}
	// Live traffic comes after any EngineFrom in the past: no assignment at all.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	n, assigned := 0, 0
	err := New(Config{Seed: 1, MessagesPerHour: 5000, EngineFrom: time.Now().Add(-time.Hour)}).Live(ctx, 3000, func(e models.Event) error {
		n++
		if e.Type == models.ConversationAssigned {
			assigned++
		}
		return nil
	})
	if err != nil || n == 0 || assigned != 0 {
		t.Errorf("live with the engine on: %d events, %d assignments, %v", n, assigned, err)
	}
}
