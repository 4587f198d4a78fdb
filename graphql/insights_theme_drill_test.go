package graphql_test

import (
	"fmt"
	"net/http"
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
)

// The theme drill's fixtures: tenant "themedrill", over two days. Twelve German customers
// (region eu) report the battery draining, six each day; the near misses are German too: a
// customer's "batteries drained" (other words), an address drains.battery@example.com (personal
// data, never a phrase) and an agent's reply naming the battery (not a customer message).
// American customers (region us) ask for their parcel, one of them about the battery.
const themeTenant = "themedrill"

var (
	themeAt   = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	themeOnce sync.Once
)

func themeFixtures(t *testing.T) {
	t.Helper()
	var err error
	themeOnce.Do(func() {
		m := messageFixtures{tenant: themeTenant, idPrefix: "theme"}
		add := func(day int, conv, customer, country, typ, text string) {
			m.add(themeAt.Add(time.Duration(day)*24*time.Hour), conv, customer, country, "smb", typ, text)
		}
		in := models.MessageReceived
		for i := range 12 {
			conv := fmt.Sprintf("t-de-battery-%02d", i)
			add(i/6, conv, fmt.Sprintf("de-%d", i), "DE", in, "The robot battery drains overnight again.")
			add(i/6, conv, fmt.Sprintf("de-%d", i), "DE", in, "Thanks for looking into it.")
		}
		add(0, "t-de-batteries", "de-20", "DE", in, "Both batteries drained within an hour.")
		add(1, "t-de-address", "de-21", "DE", in, "Please write to drains.battery@example.com about my invoice.")
		add(1, "t-de-reply", "de-22", "DE", in, "My invoice is missing.")
		add(1, "t-de-reply", "de-22", "DE", models.MessageSent, "The robot battery drains overnight on some units, your invoice follows.")
		for i := range 20 {
			add(i%2, fmt.Sprintf("t-us-parcel-%d", i), fmt.Sprintf("us-%d", i), "US", in, "Where is my parcel? The tracking page shows nothing.")
		}
		add(1, "t-us-battery", "us-20", "US", in, "The robot battery drains overnight.")
		err = m.store(t)
	})
	if err != nil {
		t.Fatal(err)
	}
}

const themeQuery = `query($from: Time, $to: Time) {
  opportunities(target: {markets: ["DE"]}, from: $from, to: $to, period: "day") { label phrases volume markets { key hits } periods { period docs } }
}`

type drilledTheme struct {
	Label   string
	Phrases []string
	Volume  int
	Markets []struct {
		Key  string
		Hits int
	}
	Periods []struct {
		Period string
		Docs   int
	}
}

// themeVars are a theme drill's variables: customer messages of [from, to), of the markets,
// with any of the theme's phrases.
func themeVars(from, to time.Time, phrases []string, markets ...string) map[string]any {
	values := make([]string, len(phrases))
	for i, p := range phrases {
		values[i] = mining.MentionTheme + ":" + p
	}
	fs := []map[string]any{
		{"dimension": "type", "op": "eq", "values": []string{models.MessageReceived}},
		{"dimension": "mention", "op": "in", "values": values},
	}
	if len(markets) > 0 {
		fs = append(fs, map[string]any{"dimension": "country", "op": "in", "values": markets})
	}
	return map[string]any{"f": fs, "from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}
}

// batteryTheme is the German customers' battery theme as opportunities gives it to p.
func batteryTheme(t *testing.T, h http.Handler, p *auth.Principal) drilledTheme {
	t.Helper()
	var got struct{ Opportunities []drilledTheme }
	do(t, h, p, themeQuery, map[string]any{"from": themeAt.Format(time.RFC3339), "to": themeAt.Add(48 * time.Hour).Format(time.RFC3339)}, &got)
	for _, th := range got.Opportunities {
		if slices.Contains(th.Phrases, "battery") {
			return th
		}
	}
	t.Fatalf("no battery theme among %+v", got.Opportunities)
	return drilledTheme{}
}

func TestThemeDrillListsTheConversationsOfATheme(t *testing.T) {
	themeFixtures(t)
	rec := &recorder{}
	h := insHandler(rec)
	analyst := &auth.Principal{Tenant: themeTenant, Role: auth.RoleAnalyst}
	th := batteryTheme(t, h, analyst)
	// The twelve German customers' battery messages, six a day: the near misses are not counted.
	if th.Volume != 12 || len(th.Periods) != 2 || th.Periods[0].Docs != 6 || th.Periods[1].Docs != 6 {
		t.Fatalf("battery theme %+v", th)
	}
	var battery []string
	for i := range 12 {
		battery = append(battery, fmt.Sprintf("t-de-battery-%02d", i))
	}

	// The theme's volume: its German conversations, their messages adding up to the volume.
	var d drillJSON
	do(t, h, analyst, mentionDrillQuery, themeVars(themeAt, themeAt.Add(48*time.Hour), th.Phrases, "DE"), &d)
	if got, messages := ids(d); !slices.Equal(got, battery) || d.Conversations.TotalCount != 12 || messages != th.Volume {
		t.Errorf("theme drill lists %v (total %d, %d messages), want %v (%d messages)", got, d.Conversations.TotalCount, messages, battery, th.Volume)
	}
	// Each point of its trend: that day's conversations, adding up to the point's figure.
	for i, p := range th.Periods {
		day, err := time.Parse(time.DateOnly, p.Period)
		if err != nil {
			t.Fatal(err)
		}
		var pd drillJSON
		do(t, h, analyst, mentionDrillQuery, themeVars(day, day.Add(24*time.Hour), th.Phrases, "DE"), &pd)
		got, messages := ids(pd)
		if want := battery[6*i : 6*i+6]; !slices.Equal(got, want) || messages != p.Docs {
			t.Errorf("period %s lists %v (%d messages), want %v (%d)", p.Period, got, messages, want, p.Docs)
		}
		var m struct {
			Metrics struct{ Rows []struct{ Values []float64 } }
		}
		do(t, h, analyst, `query($f: [FilterInput!], $from: Time, $to: Time) { metrics(measures: ["inbound_messages"], filters: $f, from: $from, to: $to) { rows { values } } }`,
			themeVars(day, day.Add(24*time.Hour), th.Phrases, "DE"), &m)
		if len(m.Metrics.Rows) != 1 || int(m.Metrics.Rows[0].Values[0]) != p.Docs {
			t.Errorf("period %s: metrics %+v, want %d", p.Period, m.Metrics.Rows, p.Docs)
		}
	}
	// A market's hits, the baseline's included: the American customer's battery message.
	var us drillJSON
	do(t, h, analyst, mentionDrillQuery, themeVars(themeAt, themeAt.Add(48*time.Hour), th.Phrases, "US"), &us)
	usHits := 0
	for _, m := range th.Markets {
		if m.Key == "US" {
			usHits = m.Hits
		}
	}
	if got, messages := ids(us); !slices.Equal(got, []string{"t-us-battery"}) || messages != usHits {
		t.Errorf("US drill %v (%d messages), want t-us-battery (%d, the theme's US hits)", got, messages, usHits)
	}

	// Each conversation listed is an audited read of its texts; the near misses are neither.
	rec.mu.Lock()
	var audited []string
	for _, e := range rec.entries {
		if e.Action == compliance.ActionSearchText {
			audited = append(audited, e.Subject)
		}
	}
	rec.mu.Unlock()
	if !slices.Contains(audited, "t-de-battery-00") {
		t.Errorf("audited %v", audited)
	}
	for _, miss := range []string{"t-de-batteries", "t-de-address", "t-de-reply"} {
		if slices.Contains(audited, miss) {
			t.Errorf("near miss %s listed (audited %v)", miss, audited)
		}
	}
}

// A theme's drill reads only the regions whose phrases and texts the key's role sees, and
// names the field of a bad value.
func TestThemeDrillKeepsToWhatTheKeyMayRead(t *testing.T) {
	themeFixtures(t)
	all := themeVars(themeAt, themeAt.Add(48*time.Hour), []string{"battery"})
	// Analysts see no phrase of region eu here: its themes are not counted, nor drilled.
	pol, err := compliance.ParsePolicy([]byte("roles:\n  analyst: {text: masked, phrase: clear}\nregions:\n  eu: {analyst: {phrase: hidden}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &mining.Service{Regions: engine.Regions, Competitors: mining.DemoCompetitors()}
	strict := graphql.NewHandler(graphql.Config{Engine: engine, Gate: &compliance.Gate{Policy: &pol, Auditor: &recorder{}}, Insights: svc})
	var d drillJSON
	do(t, strict, &auth.Principal{Tenant: themeTenant, Role: auth.RoleAnalyst}, mentionDrillQuery, all, &d)
	if got, _ := ids(d); !slices.Equal(got, []string{"t-us-battery"}) {
		t.Errorf("with eu phrases hidden the analyst lists %v", got)
	}
	h := insHandler(nil)
	for _, c := range []struct {
		role, value, message string
	}{
		// Executives see themes but read no text: which conversation says what is content.
		{auth.RoleExecutive, "theme:battery", "may not have conversations selected by what their messages say"},
		{auth.RoleAnalyst, "theme:", "filter on mention: \\\"theme:\\\": no phrase"},
		{auth.RoleAnalyst, "theme:Battery", "lower-case"},
		{auth.RoleAnalyst, "theme:robot battery drains", "one word or two"},
		{auth.RoleAnalyst, "theme:drains.battery@example.com", "personal data"},
	} {
		vars := map[string]any{"f": []map[string]any{{"dimension": "mention", "op": "eq", "values": []string{c.value}}},
			"from": themeAt.Format(time.RFC3339), "to": themeAt.Add(48 * time.Hour).Format(time.RFC3339)}
		_, body := post(t, h, &auth.Principal{Tenant: themeTenant, Role: c.role}, mentionDrillQuery, vars)
		if !strings.Contains(body, c.message) || strings.Contains(body, "t-de-") {
			t.Errorf("%s, %q: %s", c.role, c.value, body)
		}
	}
}
