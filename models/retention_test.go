package models

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultRetentionDeletesGermanConversationsAfterSixMonths(t *testing.T) {
	p := DefaultRetention()
	if got := p.PeriodFor("DE", KindConversations); got != (Period{Months: 6}) {
		t.Fatalf("DE conversations: %v, want 6 months", got)
	}
	if got := p.PeriodFor("FR", KindConversations); got != p.Default[KindConversations] || got.Forever() {
		t.Fatalf("FR conversations: %v, want the default %v", got, p.Default[KindConversations])
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	cut, ok := p.PeriodFor("de", KindConversations).Cutoff(now)
	if !ok || !cut.Equal(time.Date(2026, 6, 7, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("cutoff %v %v", cut, ok)
	}
}

func TestRetentionRules(t *testing.T) {
	p, err := ParseRetention([]byte(`
default: {conversations: 2 years, notes: forever, send_ledger: 1 year, translations: 30 days}
countries:
  DE: {conversations: 6 months, notes: 6 months}
  FR: {conversations: forever}
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.Rules() {
		got = append(got, string(r.Kind)+"/"+r.Country+"/"+strings.Join(r.Except, "+")+"/"+r.Period.String())
	}
	want := "conversations/DE//6 months conversations//DE+FR/2 years notes/DE//6 months send_ledger///1 year translations///30 days"
	if strings.Join(got, " ") != want {
		t.Fatalf("rules\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestParseRetentionRefusesBadPolicies(t *testing.T) {
	const full = "default: {conversations: 1 year, notes: 1 year, send_ledger: 1 year, translations: 1 year}\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown country", full + "countries: {XX: {conversations: 6 months}}", "countries.XX: not an ISO 3166-1 alpha-2"},
		{"lower-case country", full + "countries: {de: {conversations: 6 months}}", "countries.de: not an ISO 3166-1 alpha-2"},
		{"negative period", full + "countries: {DE: {conversations: -6 months}}", "countries.DE.conversations: \"-6 months\": a period must be positive"},
		{"zero period", full + "countries: {DE: {notes: 0 days}}", "countries.DE.notes: \"0 days\": a period must be positive"},
		{"unknown unit", full + "countries: {DE: {notes: 6 fortnights}}", "unit \"fortnights\" is not days, weeks, months or years"},
		{"no unit", full + "countries: {DE: {notes: \"6\"}}", "is not a period such as"},
		{"unknown kind", full + "countries: {DE: {emails: 6 months}}", "countries.DE.emails: unknown kind of data (kinds: conversations, notes, send_ledger, translations)"},
		{"audit", full + "countries: {DE: {audit: 6 months}}", "countries.DE.audit: the audit trail is not subject to retention"},
		{"default incomplete", "default: {conversations: 1 year}", "default.notes: missing"},
		{"unknown field", full + "country: {}", "field country not found"},
		{"too long", full + "countries: {DE: {notes: 9999 years}}", "longer than 200 years"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRetention([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
		})
	}
}

// FuzzParseRetention: any input is either refused or gives a policy whose every rule has a
// known kind, a positive period, and an assigned country or the default.
func FuzzParseRetention(f *testing.F) {
	f.Add(defaultRetention)
	f.Add([]byte("default: {conversations: 1 year, notes: 1 year, send_ledger: 1 year, translations: 1 year}\ncountries: {DE: {conversations: -1 days}}"))
	f.Add([]byte("default: {conversations: forever, notes: 2 weeks, send_ledger: 1 month, translations: 9 days}"))
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseRetention(b)
		if err != nil {
			return
		}
		for _, r := range p.Rules() {
			cut, ok := r.Period.Cutoff(now)
			if !ok || !cut.Before(now) || cut.Year() < now.Year()-maxPeriodYears-1 {
				t.Fatalf("rule %+v: cutoff %v %v", r, cut, ok)
			}
			if r.Country != "" {
				if c, ok := CanonicalCountry(r.Country); !ok || c != r.Country {
					t.Fatalf("rule for %q", r.Country)
				}
			}
			back, err := ParsePeriod(r.Period.String())
			if err != nil || back.Days+back.Months*31+back.Years*366 == 0 {
				t.Fatalf("period %v does not read back: %v", r.Period, err)
			}
		}
	})
}
