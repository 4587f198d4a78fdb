package mining_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// One chDB per test process: the fixtures are three days of demo traffic for tenant "demo",
// stored per region as ingest would store them.
var (
	db      clickhouse.DB
	regions []string
	// received holds the fixtures' customer messages, for checks computed in Go.
	received []models.Event
)

var (
	start = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	end   = start.Add(72 * time.Hour)
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "mining-chdb-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	ch, err := clickhouse.OpenChDB(dir)
	if err != nil {
		return 0, err
	}
	defer ch.Close()
	db = ch
	if err := Load(context.Background(), db, demo.Config{Seed: 7, Start: start, End: end, MessagesPerHour: 300}, &received); err != nil {
		return 0, err
	}
	for _, r := range models.DefaultPolicy().Regions {
		regions = append(regions, string(r))
	}
	return m.Run(), nil
}

// Load migrates every region of the default residency policy and stores the demo traffic
// of cfg in the region its customer's country belongs to, as ingest does (region,
// received_at), appending the customer messages to received when it is not nil.
func Load(ctx context.Context, db clickhouse.DB, cfg demo.Config, received *[]models.Event) error {
	pol := models.DefaultPolicy()
	byRegion := map[string][]models.Event{}
	for _, r := range pol.Regions {
		if _, err := clickhouse.Migrate(ctx, db, clickhouse.Layout{DB: clickhouse.Database(string(r))}); err != nil {
			return err
		}
	}
	err := demo.New(cfg).Each(ctx, func(e models.Event) error {
		if e.Customer != nil {
			e.Region = string(pol.RegionFor(e.Customer.Country))
		}
		e.ReceivedAt = e.OccurredAt.Add(time.Second)
		byRegion[e.Region] = append(byRegion[e.Region], e)
		if received != nil && e.Type == models.MessageReceived {
			*received = append(*received, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for r, evs := range byRegion {
		for i := 0; i < len(evs); i += 20000 {
			if _, err := (&clickhouse.EventWriter{DB: db, Region: r}).StoreEvents(ctx, evs[i:min(i+20000, len(evs))]); err != nil {
				return err
			}
		}
	}
	return nil
}

var (
	sea     = []string{"SG", "MY", "TH", "ID", "PH", "VN"}
	analyst = auth.Principal{Tenant: "demo", Role: auth.RoleAnalyst}
)

type recorder struct {
	mu      sync.Mutex
	entries []compliance.AuditEntry
}

func (r *recorder) Record(_ context.Context, e compliance.AuditEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, e)
}

func TestOpportunitiesFindThePlantedSEAThemes(t *testing.T) {
	rec := &recorder{}
	svc := mining.New(db, regions)
	svc.Gate = compliance.NewGate(rec)
	ctx := context.Background()
	// Stratified by language, as EVALUATION.md recommends: SEA English vs other English.
	res, err := svc.Opportunities(ctx, analyst, mining.OpportunityRequest{
		Target:   mining.Segment{Markets: sea, Languages: []string{"en"}},
		Baseline: &mining.Segment{Languages: []string{"en"}},
		Period:   "day",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.TargetMessages == 0 || res.BaselineMessages == 0 || len(res.Themes) == 0 {
		t.Fatalf("no themes: %+v", res)
	}
	found := map[string]*mining.Theme{}
	for i, th := range res.Themes[:min(5, len(res.Themes))] {
		for _, ph := range th.Phrases {
			for _, want := range []string{"sterilisation", "moisture"} {
				if strings.Contains(ph, want) && found[want] == nil {
					found[want] = &res.Themes[i]
				}
			}
		}
	}
	for _, want := range []string{"sterilisation", "moisture"} {
		th := found[want]
		if th == nil {
			t.Errorf("no top-5 theme mentions %q; themes: %v", want, labels(res.Themes))
			continue
		}
		if th.Volume == 0 || th.Share <= 3*th.BaselineShare || len(th.Periods) != 3 || len(th.Examples) == 0 || th.PAdjusted >= 0.01 {
			t.Errorf("theme %q: volume %d, share %.3f vs baseline %.3f, %d periods, %d examples, p %g", th.Label, th.Volume, th.Share, th.BaselineShare, len(th.Periods), len(th.Examples), th.PAdjusted)
		}
		if len(th.Markets) == 0 || !slices.Contains(sea, th.Markets[0].Key) {
			t.Errorf("theme %q: highest market %v, want a SEA market", th.Label, th.Markets)
		}
		// Example texts go through the gate: masked for an analyst, hidden for an executive,
		// and every read audited.
		ex := th.Examples[0]
		text, err := svc.ExampleText(ctx, analyst, ex)
		if err != nil || !strings.Contains(strings.ToLower(text), want) {
			t.Errorf("example %+v text %q (err %v), want it to mention %q", ex, text, err, want)
		}
		hidden, err := svc.ExampleText(ctx, auth.Principal{Tenant: "demo", Role: auth.RoleExecutive}, ex)
		if err != nil || hidden != compliance.Hidden {
			t.Errorf("executive sees %q (err %v), want %q", hidden, err, compliance.Hidden)
		}
		// A field policy hiding examples from analysts in the example's region hides this
		// one; the same override for another region does not.
		for region, want := range map[string]bool{ex.Region: true, "elsewhere": false} {
			pol, err := compliance.ParsePolicy([]byte("roles: {analyst: {phrase: clear, example: masked}}\nregions: {" + region + ": {analyst: {example: hidden}}}"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := svc.ExampleTextVia(ctx, analyst, &compliance.Gate{Auditor: &recorder{}, Policy: &pol}, ex)
			if err != nil || (got == compliance.Hidden) != want {
				t.Errorf("example of %s with examples hidden in %s: %q (err %v)", ex.Region, region, got, err)
			}
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.entries) < 2 || rec.entries[0].Action != compliance.ActionReadText || rec.entries[0].Outcome != compliance.OutcomeMasked {
		t.Errorf("audit entries %+v, want masked text reads", rec.entries)
	}
}

func labels(ts []mining.Theme) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Label)
	}
	return out
}

// A target spread over two regions (SEA and Canada) takes the path that merges candidates
// across regions before counting them everywhere: the planted SEA moisture theme still leads.
func TestOpportunitiesOfATargetInTwoRegions(t *testing.T) {
	svc := mining.New(db, regions)
	res, err := svc.Opportunities(context.Background(), analyst, mining.OpportunityRequest{
		Target:   mining.Segment{Markets: append(slices.Clone(sea), "CA"), Languages: []string{"en"}},
		Baseline: &mining.Segment{Languages: []string{"en"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.TargetMessages == 0 || len(res.Themes) == 0 {
		t.Fatalf("no themes: %+v", res)
	}
	for _, want := range []string{"moisture"} {
		var th *mining.Theme
		for i := range res.Themes[:min(5, len(res.Themes))] {
			if slices.ContainsFunc(res.Themes[i].Phrases, func(ph string) bool { return strings.Contains(ph, want) }) {
				th = &res.Themes[i]
				break
			}
		}
		if th == nil {
			t.Errorf("no top-5 theme mentions %q; themes: %v", want, labels(res.Themes))
			continue
		}
		if th.Share <= 2*th.BaselineShare || th.PAdjusted >= 0.01 {
			t.Errorf("theme %q: share %.3f vs baseline %.3f, p %g", th.Label, th.Share, th.BaselineShare, th.PAdjusted)
		}
	}
}

// The field policy's region overrides decide what a report reads: a region whose phrases an
// analyst may not see is not read, and k is the largest of the regions read.
func TestOpportunitiesFollowTheFieldPolicysRegions(t *testing.T) {
	svc := mining.New(db, regions)
	gate := func(overrides string) *compliance.Gate {
		pol, err := compliance.ParsePolicy([]byte("roles: {analyst: {phrase: clear, example: masked}}\nregions: {" + overrides + "}"))
		if err != nil {
			t.Fatal(err)
		}
		return &compliance.Gate{Auditor: &recorder{}, Policy: &pol}
	}
	req := mining.OpportunityRequest{
		Target:   mining.Segment{Markets: append(slices.Clone(sea), "CA"), Languages: []string{"en"}},
		Baseline: &mining.Segment{Languages: []string{"en"}},
	}
	ctx := context.Background()
	res, err := svc.OpportunitiesVia(ctx, analyst, gate("sea: {analyst: {phrase: hidden}}"), req)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(res.Regions, "sea") || len(res.Regions) != len(regions)-1 {
		t.Errorf("regions read %v with sea's phrases hidden", res.Regions)
	}
	for _, th := range res.Themes {
		for _, ex := range th.Examples {
			if ex.Region == "sea" {
				t.Fatalf("theme %q has an example from sea", th.Label)
			}
		}
	}
	// k of 100000 in us (a region of the target, via Canada) holds for the whole report.
	res, err = svc.OpportunitiesVia(ctx, analyst, gate("us: {analyst: {phrase: {outcome: clear, k: 100000}}}"), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.TargetMessages == 0 || len(res.Phrases) != 0 || len(res.Themes) != 0 {
		t.Errorf("k 100000 in us: %d target messages, %d phrases, %d themes; want messages and nothing shown", res.TargetMessages, len(res.Phrases), len(res.Themes))
	}
	// The examples' own k (in sea) holds back every theme's examples, not the themes.
	res, err = svc.OpportunitiesVia(ctx, analyst, gate("sea: {analyst: {example: {outcome: masked, k: 100000}}}"), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Themes) == 0 {
		t.Fatal("no themes")
	}
	for _, th := range res.Themes {
		if len(th.Examples) != 0 {
			t.Fatalf("theme %q has %d examples under an examples' k of 100000", th.Label, len(th.Examples))
		}
	}
}

func TestOpportunitiesOfAPeriodAgainstTheEarlierOnes(t *testing.T) {
	svc := mining.New(db, regions)
	last := end.Add(-24 * time.Hour)
	res, err := svc.Opportunities(context.Background(), analyst, mining.OpportunityRequest{
		Target:   mining.Segment{Markets: sea, From: last},
		Baseline: &mining.Segment{Markets: sea, To: last},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Demo traffic is stationary: the last day of SEA has no theme of its own.
	if res.TargetMessages == 0 || res.BaselineMessages == 0 {
		t.Fatalf("empty corpora: %+v", res)
	}
	for _, th := range res.Themes {
		if th.Volume > res.TargetMessages/50 {
			t.Errorf("stationary traffic gave a large theme %q (%d of %d messages)", th.Label, th.Volume, res.TargetMessages)
		}
	}
}

func TestCompetitorMentionsMatchTheDictionaryInGo(t *testing.T) {
	svc := mining.New(db, regions)
	rep, err := svc.CompetitorMentions(context.Background(), analyst, mining.MentionRequest{Period: "day"})
	if err != nil {
		t.Fatal(err)
	}
	// The same dictionary applied in Go to the same messages gives the same counts.
	d := mining.DemoCompetitors()
	hits, docs, co := map[string]int{}, map[string]int{}, 0
	for _, e := range received {
		docs[e.Customer.Country]++
		comp, ours := d.Mentions(e.Text)
		if len(comp) > 0 {
			hits[e.Customer.Country]++
			if len(ours) > 0 {
				co++
			}
		}
	}
	if rep.Rate.Docs != len(received) {
		t.Errorf("messages %d, want %d", rep.Rate.Docs, len(received))
	}
	for _, m := range rep.Markets {
		if m.Rate.Hits != hits[m.Market] || m.Rate.Docs != docs[m.Market] {
			t.Errorf("%s: ClickHouse %d/%d, Go %d/%d", m.Market, m.Rate.Hits, m.Rate.Docs, hits[m.Market], docs[m.Market])
		}
	}
	if rep.CoMentions != co {
		t.Errorf("co-mentions: ClickHouse %d, Go %d", rep.CoMentions, co)
	}
	// The planted signal: Korean customers compare with Japanese brands far more often.
	rate := map[string]float64{}
	for _, m := range rep.Markets {
		rate[m.Market] = m.Rate.Rate
	}
	if rate["KR"] < 5*rate["DE"] || rate["KR"] < 5*rate["US"] || rate["KR"] < 0.1 {
		t.Errorf("KR rate %.3f vs DE %.3f, US %.3f", rate["KR"], rate["DE"], rate["US"])
	}
	if len(rep.Trend) != 3 || rep.MentionSentiment == nil || rep.Sentiment == nil {
		t.Errorf("trend %v, sentiment %v/%v", rep.Trend, rep.MentionSentiment, rep.Sentiment)
	}
}

func TestPriceSensitivityEUEnterpriseBelowNorthAmerica(t *testing.T) {
	svc := mining.New(db, regions)
	ctx := context.Background()
	eu, err := svc.PriceSensitivity(ctx, analyst, mining.MentionRequest{Markets: []string{"DE", "FR", "ES", "IT", "NL", "GB", "SE", "PL"}, Segments: []string{"enterprise"}})
	if err != nil {
		t.Fatal(err)
	}
	na, err := svc.PriceSensitivity(ctx, analyst, mining.MentionRequest{Markets: []string{"US", "CA"}, Segments: []string{"enterprise"}})
	if err != nil {
		t.Fatal(err)
	}
	if eu.Rate.Docs == 0 || na.Rate.Docs == 0 || eu.Rate.Rate > 0.75*na.Rate.Rate {
		t.Errorf("EU enterprise %v vs NA enterprise %v: want EU well below", eu.Rate, na.Rate)
	}
	if len(eu.Segments) != 1 || eu.Segments[0].Key != "enterprise" || len(na.Markets) != 2 {
		t.Errorf("segments %v, markets %v", eu.Segments, na.Markets)
	}
	all, err := svc.PriceSensitivity(ctx, analyst, mining.MentionRequest{Period: "day"})
	if err != nil || len(all.Trend) != 3 || len(all.MarketSegments) < len(all.Markets) {
		t.Errorf("all: %+v (err %v)", all, err)
	}
}

// Every market of the demo writes its pricing questions in its own language; a language the
// lexicon lacks measured 0% (ID, PL, VN) or only its English speakers (NL, MY, SE).
func TestPriceSensitivityReadsEveryDemoLanguage(t *testing.T) {
	rep, err := mining.New(db, regions).PriceSensitivity(context.Background(), analyst, mining.MentionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Markets) < 20 {
		t.Fatalf("only %d markets", len(rep.Markets))
	}
	for _, m := range rep.Markets {
		if m.Docs < 100 || m.Rate < 0.25*rep.Rate.Rate { // three days: a few hundred messages a market
			t.Errorf("market %s: %d of %d messages mention price (%.3f); all markets %.3f", m.Key, m.Hits, m.Docs, m.Rate, rep.Rate.Rate)
		}
	}
	for _, s := range rep.Segments {
		if s.Key == "" {
			t.Errorf("a segment without a key: %+v", s)
		}
	}
}

func TestROIActualsFromDemoTraffic(t *testing.T) {
	svc := mining.New(db, regions)
	m, err := svc.ROIActuals(context.Background(), auth.Principal{Tenant: "demo", Role: auth.RoleExecutive}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Contacts == 0 || m.Actuals.AnnualContacts == nil || m.Actuals.AIContainment == nil {
		t.Fatalf("nothing measured: %+v", m)
	}
	// The generator's AI contains ~70% of routine and ~12% of other contacts.
	if c := *m.Actuals.AIContainment; c < 0.3 || c > 0.75 {
		t.Errorf("AI containment %.3f outside the planted range", c)
	}
	if want := float64(m.Contacts) * 365 / m.Days; *m.Actuals.AnnualContacts != want || m.Days < 2.9 || m.Days > 3.1 {
		t.Errorf("annual contacts %v over %.2f days, want %v", *m.Actuals.AnnualContacts, m.Days, want)
	}
	none, err := svc.ROIActuals(context.Background(), auth.Principal{Tenant: "nobody", Role: auth.RoleAdmin}, time.Time{}, time.Time{})
	if err != nil || none.Actuals.AnnualContacts != nil {
		t.Errorf("a tenant without data measured %+v (err %v)", none, err)
	}
}

func TestRolesAndRegions(t *testing.T) {
	svc := mining.New(db, regions)
	ctx := context.Background()
	for _, role := range []string{auth.RolePlanner, auth.RoleAgent, auth.RoleIngest, auth.RoleCompliance} {
		_, err := svc.PriceSensitivity(ctx, auth.Principal{Tenant: "demo", Role: role}, mining.MentionRequest{})
		if !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("role %s: err %v, want ErrForbidden", role, err)
		}
	}
	// A key limited to eu reads only eu's markets.
	rep, err := svc.CompetitorMentions(ctx, auth.Principal{Tenant: "demo", Role: auth.RoleSupervisor, Regions: []string{"eu"}}, mining.MentionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rep.Markets {
		if models.DefaultPolicy().RegionFor(m.Market) != "eu" {
			t.Errorf("an eu key saw market %s", m.Market)
		}
	}
	var ve *mining.ValidationError
	if _, err := svc.Opportunities(ctx, analyst, mining.OpportunityRequest{}); !errors.As(err, &ve) {
		t.Errorf("an empty target gave %v, want a validation error", err)
	}
	if _, err := svc.PriceSensitivity(ctx, analyst, mining.MentionRequest{Period: "year"}); !errors.As(err, &ve) {
		t.Errorf("an unknown period gave %v, want a validation error", err)
	}
}

// Markets and languages are written as ingest stores them: "de", "uk" and "EN" find DE, GB
// and en.
func TestFiltersNormaliseMarketsAndLanguagesAsIngestDoes(t *testing.T) {
	svc := mining.New(db, regions)
	ctx := context.Background()
	price := func(markets ...string) string {
		t.Helper()
		rep, err := svc.PriceSensitivity(ctx, analyst, mining.MentionRequest{Markets: markets})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%+v %+v", rep.Rate, rep.Markets)
	}
	if got, want := price("de", "uk", "Vn"), price("DE", "GB", "VN"); got != want || strings.Contains(want, "Docs:0 ") {
		t.Errorf("lower-case markets: %s\nwant %s", got, want)
	}
	themes := func(seg mining.Segment) string {
		t.Helper()
		res, err := svc.Opportunities(ctx, analyst, mining.OpportunityRequest{Target: seg, Baseline: &mining.Segment{Languages: seg.Languages}, Period: "day"})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d %d %v", res.TargetMessages, res.BaselineMessages, labels(res.Themes))
	}
	lower := []string{"sg", "my", "th", "id", "ph", "vn"}
	if got, want := themes(mining.Segment{Markets: lower, Languages: []string{"EN"}}), themes(mining.Segment{Markets: sea, Languages: []string{"en"}}); got != want || strings.HasPrefix(want, "0 ") {
		t.Errorf("lower-case markets and EN: %s\nwant %s", got, want)
	}
}

// One message dated decades off (1971) among a month of traffic must not stretch the span the
// contacts are annualised over: it made a month of contacts look like a trickle.
func TestROIActualsSpanIgnoresAnOutlier(t *testing.T) {
	ctx := context.Background()
	const tenant = "roi-outlier"
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var evs []models.Event
	for i := range 3000 {
		at := start.Add(time.Duration(i) * 14 * time.Minute) // ~29 days
		evs = append(evs, models.Event{ID: fmt.Sprintf("m%d", i), Type: models.MessageReceived, Tenant: tenant, Region: "eu",
			Version: models.SchemaVersion, OccurredAt: at, ReceivedAt: at, Channel: "whatsapp", Direction: models.Inbound,
			ConversationID: fmt.Sprintf("c%d", i), CustomerID: "cus", Customer: &models.Customer{Country: "DE"}})
	}
	old := evs[0]
	old.ID, old.ConversationID, old.OccurredAt = "old", "c-old", time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)
	evs = append(evs, old)
	if _, err := (&clickhouse.EventWriter{DB: db, Region: "eu"}).StoreEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	m, err := mining.New(db, regions).ROIActuals(ctx, auth.Principal{Tenant: tenant, Role: auth.RoleExecutive}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Days < 28 || m.Days > 30 {
		t.Fatalf("annualised over %.1f days (%s..%s), want the month of traffic", m.Days, m.First, m.Last)
	}
}
