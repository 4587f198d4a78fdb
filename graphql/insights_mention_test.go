package graphql_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// The mention drill's fixtures: tenant "mention", German customers (region eu) and American
// ones (region us). Hits name a competitor or a price in a customer's message; the non-hits
// are close to them: an agent's reply naming Sony, "Sonya" (not Sony), a parcel question.
const mentionTenant = "mention"

var (
	mentionAt   = time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC)
	mentionOnce sync.Once
)

func mentionFixtures(t *testing.T) {
	t.Helper()
	var err error
	mentionOnce.Do(func() {
		m := messageFixtures{tenant: mentionTenant, idPrefix: "mention"}
		add := func(conv, country, tier, typ, text string) {
			m.add(mentionAt, conv, "cust-"+conv, country, tier, typ, text)
		}
		in := models.MessageReceived
		add("m-de-sony", "DE", "smb", in, "The battery drains overnight, a Sony would be better.")
		add("m-de-sony", "DE", "smb", in, "Still broken.")
		add("m-de-sony", "DE", "smb", in, "Sony support answers within a day!")
		add("m-de-pana", "DE", "enterprise", in, "Panasonic sells one for less, this is too expensive.")
		add("m-de-reply", "DE", "smb", in, "My order never arrived.")
		add("m-de-reply", "DE", "smb", models.MessageSent, "Sorry! Unlike Sony we ship replacements the same day.")
		add("m-de-sonya", "DE", "smb", in, "Sonya from your team was very helpful.")
		add("m-de-parcel", "DE", "enterprise", in, "Where is my parcel? The tracking page shows nothing.")
		add("m-us-pana", "US", "smb", in, "Panasonic has it too.")
		add("m-us-price", "US", "enterprise", in, "The kettle is too expensive, any discount this month?")
		add("m-us-parcel", "US", "enterprise", in, "Where is my parcel?")
		err = m.store(t)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// messageFixtures collects a drill's messages per region (German customers in eu, American
// ones in us), each a minute after the one before, and stores them as ingest stores them.
type messageFixtures struct {
	tenant, idPrefix string
	n                int
	by               map[string][]models.Event
}

// add adds one message of conv, n minutes after at (n counts the messages added so far);
// a sent message is outbound, the others inbound.
func (m *messageFixtures) add(at time.Time, conv, customer, country, tier, typ, text string) {
	m.n++
	region := map[string]string{"DE": "eu", "US": "us"}[country]
	ts := at.Add(time.Duration(m.n) * time.Minute)
	dir := "inbound"
	if typ == models.MessageSent {
		dir = "outbound"
	}
	if m.by == nil {
		m.by = map[string][]models.Event{}
	}
	m.by[region] = append(m.by[region], models.Event{ID: fmt.Sprintf("%s-%03d", m.idPrefix, m.n), Type: typ, Tenant: m.tenant, Region: region,
		OccurredAt: ts, ReceivedAt: ts, Channel: "webchat", Direction: dir, ConversationID: conv,
		CustomerID: customer, Customer: &models.Customer{Country: country, Tier: tier}, Language: "en", Text: text})
}

func (m *messageFixtures) store(t *testing.T) error {
	for r, evs := range m.by {
		if _, err := (&clickhouse.EventWriter{DB: regionDB(t, r), Region: r}).StoreEvents(context.Background(), evs); err != nil {
			return err
		}
	}
	return nil
}

const mentionDrillQuery = `query($f: [FilterInput!], $from: Time, $to: Time) {
  conversations(filters: $f, from: $from, to: $to, first: 100) { totalCount edges { node { id region messageCount } } }
}`

type drillJSON struct {
	Conversations struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID, Region   string
				MessageCount int
			}
		}
	}
}

// mentionVars are a drill's variables: customer messages of the fixtures' hour, and filters.
func mentionVars(filters ...map[string]any) map[string]any {
	fs := []map[string]any{{"dimension": "type", "op": "eq", "values": []string{models.MessageReceived}}}
	return map[string]any{"f": append(fs, filters...), "from": mentionAt.Format(time.RFC3339), "to": mentionAt.Add(time.Hour).Format(time.RFC3339)}
}

// ids are the conversations listed, sorted, and the messages they add up to.
func ids(d drillJSON) (out []string, messages int) {
	for _, e := range d.Conversations.Edges {
		out = append(out, e.Node.ID)
		messages += e.Node.MessageCount
	}
	slices.Sort(out)
	return out, messages
}

func TestMentionDrillListsTheConversationsBehindARate(t *testing.T) {
	mentionFixtures(t)
	rec := &recorder{}
	h := insHandler(rec)
	analyst := &auth.Principal{Tenant: mentionTenant, Role: auth.RoleAnalyst}
	span := map[string]any{"from": mentionAt.Format(time.RFC3339), "to": mentionAt.Add(time.Hour).Format(time.RFC3339)}
	var rep struct {
		CompetitorMentions struct {
			Markets []struct {
				Market      string
				Rate        struct{ Hits, Docs int }
				Competitors []struct {
					Key  string
					Hits int
				}
			}
		}
		PriceSensitivity struct {
			MarketSegments []struct {
				Key        string
				Hits, Docs int
			}
		}
	}
	do(t, h, analyst, `query($from: Time, $to: Time) {
  competitorMentions(from: $from, to: $to) { markets { market rate { hits docs } competitors { key hits } } }
  priceSensitivity(from: $from, to: $to) { marketSegments { key hits docs } }
}`, span, &rep)
	hits := map[string]int{}
	for _, m := range rep.CompetitorMentions.Markets {
		hits[m.Market] = m.Rate.Hits
		for _, c := range m.Competitors {
			hits[m.Market+"/"+c.Key] = c.Hits
		}
	}
	// Three German customer messages name Sony or Panasonic (the agent's reply and "Sonya" do
	// not), one American one.
	if hits["DE"] != 3 || hits["DE/sony"] != 2 || hits["DE/panasonic"] != 1 || hits["US"] != 1 {
		t.Fatalf("competitor report %+v", rep.CompetitorMentions)
	}

	cases := []struct {
		name    string
		filters []map[string]any
		want    []string
		hits    int // the report's figure the messages add up to
	}{
		{"any competitor in DE", []map[string]any{{"dimension": "country", "values": []string{"DE"}}, {"dimension": "mention", "values": []string{"competitor"}}},
			[]string{"m-de-pana", "m-de-sony"}, hits["DE"]},
		{"Sony in DE", []map[string]any{{"dimension": "country", "values": []string{"DE"}}, {"dimension": "mention", "op": "eq", "values": []string{"competitor:sony"}}},
			[]string{"m-de-sony"}, hits["DE/sony"]},
		{"any competitor in US", []map[string]any{{"dimension": "country", "values": []string{"US"}}, {"dimension": "mention", "values": []string{"competitor"}}},
			[]string{"m-us-pana"}, hits["US"]},
	}
	price := map[string]int{}
	for _, r := range rep.PriceSensitivity.MarketSegments {
		price[r.Key] = r.Hits
	}
	if price["US/enterprise"] != 1 || price["DE/enterprise"] != 1 || price["US/smb"] != 0 {
		t.Fatalf("price report %+v", rep.PriceSensitivity)
	}
	for _, ms := range [][2]string{{"US", "enterprise"}, {"DE", "enterprise"}} {
		want := map[string][]string{"US": {"m-us-price"}, "DE": {"m-de-pana"}}[ms[0]]
		cases = append(cases, struct {
			name    string
			filters []map[string]any
			want    []string
			hits    int
		}{"price in " + ms[0] + "/" + ms[1], []map[string]any{
			{"dimension": "country", "values": []string{ms[0]}}, {"dimension": "tier", "values": []string{ms[1]}}, {"dimension": "mention", "values": []string{"price"}},
		}, want, price[ms[0]+"/"+ms[1]]})
	}
	for _, c := range cases {
		var d drillJSON
		do(t, h, analyst, mentionDrillQuery, mentionVars(c.filters...), &d)
		got, messages := ids(d)
		if !slices.Equal(got, c.want) || d.Conversations.TotalCount != len(c.want) || messages != c.hits {
			t.Errorf("%s: listed %v (total %d, %d messages), want %v (%d messages, the report's hits)", c.name, got, d.Conversations.TotalCount, messages, c.want, c.hits)
		}
		// The metrics query counts the same messages: a chart's figure and its drill agree.
		var m struct {
			Metrics struct{ Rows []struct{ Values []float64 } }
		}
		do(t, h, analyst, `query($f: [FilterInput!], $from: Time, $to: Time) { metrics(measures: ["inbound_messages"], filters: $f, from: $from, to: $to) { rows { values } } }`, mentionVars(c.filters...), &m)
		if len(m.Metrics.Rows) != 1 || int(m.Metrics.Rows[0].Values[0]) != c.hits {
			t.Errorf("%s: metrics %+v, want %d", c.name, m.Metrics.Rows, c.hits)
		}
	}

	// Each conversation listed for what its messages say is an audited read of its texts.
	rec.mu.Lock()
	var audited []string
	for _, e := range rec.entries {
		if e.Action == compliance.ActionSearchText {
			audited = append(audited, e.Subject)
			if e.Outcome != compliance.OutcomeMasked || e.Role != auth.RoleAnalyst {
				t.Errorf("audit entry %+v, want the analyst's masked read", e)
			}
		}
	}
	rec.mu.Unlock()
	if !slices.Contains(audited, "m-de-sony") || slices.Contains(audited, "m-de-parcel") || slices.Contains(audited, "m-de-sonya") || slices.Contains(audited, "m-de-reply") {
		t.Errorf("audited %v", audited)
	}

	// Without the mention filter the market's drill has every conversation; neq keeps the rest.
	var all, rest drillJSON
	de := map[string]any{"dimension": "country", "values": []string{"DE"}}
	do(t, h, analyst, mentionDrillQuery, mentionVars(de), &all)
	do(t, h, analyst, mentionDrillQuery, mentionVars(de, map[string]any{"dimension": "mention", "op": "neq", "values": []string{"competitor"}}), &rest)
	if got, _ := ids(all); !slices.Equal(got, []string{"m-de-pana", "m-de-parcel", "m-de-reply", "m-de-sony", "m-de-sonya"}) {
		t.Errorf("DE drill %v", got)
	}
	// m-de-sony's "Still broken." mentions nobody: the conversation is in both lists.
	if got, _ := ids(rest); !slices.Equal(got, []string{"m-de-parcel", "m-de-reply", "m-de-sony", "m-de-sonya"}) {
		t.Errorf("DE drill without competitor mentions %v", got)
	}

}

// A key reads only its regions, and only where the field policy lets its role read texts.
func TestMentionDrillKeepsToWhatTheKeyMayRead(t *testing.T) {
	mentionFixtures(t)
	h := insHandler(nil)
	competitor := map[string]any{"dimension": "mention", "values": []string{"competitor"}}
	var d drillJSON
	do(t, h, &auth.Principal{Tenant: mentionTenant, Role: auth.RoleAnalyst, Regions: []string{"us"}}, mentionDrillQuery, mentionVars(competitor), &d)
	if got, _ := ids(d); !slices.Equal(got, []string{"m-us-pana"}) {
		t.Errorf("a key of region us lists %v", got)
	}
	// Analysts may not read texts of region eu here: only the American hit is listed.
	pol, err := compliance.ParsePolicy([]byte("roles:\n  analyst: {text: masked, phrase: clear}\nregions:\n  eu: {analyst: {text: hidden}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &mining.Service{Regions: engine.Regions, Competitors: mining.DemoCompetitors()}
	strict := graphql.NewHandler(graphql.Config{Engine: engine, Gate: &compliance.Gate{Policy: &pol, Auditor: &recorder{}}, Insights: svc})
	do(t, strict, &auth.Principal{Tenant: mentionTenant, Role: auth.RoleAnalyst}, mentionDrillQuery, mentionVars(competitor), &d)
	if got, _ := ids(d); !slices.Equal(got, []string{"m-us-pana"}) {
		t.Errorf("with eu texts hidden the analyst lists %v", got)
	}

	for _, c := range []struct {
		role    string
		filter  map[string]any
		message string
	}{
		// Executives read aggregates only: which conversation says what is a text's content.
		{auth.RoleExecutive, competitor, "may not have conversations selected by what their messages say"},
		{auth.RoleAgent, competitor, "forbidden"},
		{auth.RoleAnalyst, map[string]any{"dimension": "mention", "values": []string{"competitor:acme"}}, `unknown competitor \"acme\"`},
		{auth.RoleAnalyst, map[string]any{"dimension": "mention", "values": []string{"weather"}}, `filter on mention: unknown value \"weather\"`},
		{auth.RoleAnalyst, map[string]any{"dimension": "mention", "op": "eq", "values": []string{"price", "competitor"}}, "op eq takes exactly one value"},
	} {
		_, body := post(t, h, &auth.Principal{Tenant: mentionTenant, Role: c.role}, mentionDrillQuery, mentionVars(c.filter))
		if !strings.Contains(body, c.message) || strings.Contains(body, "m-de-") {
			t.Errorf("%s, %v: %s", c.role, c.filter, body)
		}
	}
	_, body := post(t, graphql.NewHandler(graphql.Config{Engine: engine}), &auth.Principal{Tenant: mentionTenant, Role: auth.RoleAnalyst}, mentionDrillQuery, mentionVars(competitor))
	if !strings.Contains(body, "insights are not configured") {
		t.Errorf("without insights: %s", body)
	}
}
