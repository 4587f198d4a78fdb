package conversation

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func known(r string) bool { return r == "eu" || r == "us" || r == "sea" }

func TestAgentsFileIsNormalisedAndValidated(t *testing.T) {
	as, err := ParseAgents([]byte(`
agents:
  - id: ana
    name: Ana Souza
    region: EU
    languages: {pt-BR: 5, en: 4, pt: 3}
    skills: [Refund, retention, refund]
    tiers: []
    max_concurrent: 4
    capacity: {Email: 8}
    timezone: Europe/Lisbon
    shifts:
      - {weekday: 1, start: "09:00", end: "17:00"}
      - {weekday: 5, start: "20:00", end: "24:00"}
`), known)
	if err != nil {
		t.Fatal(err)
	}
	a := as[0]
	if a.Region != "eu" || a.Languages["pt"] != 5 || len(a.Languages) != 2 || strings.Join(a.Skills, ",") != "refund,retention" || a.Capacity["email"] != 8 {
		t.Fatalf("normalised: %+v", a)
	}
}

func TestBadAgentsNameTheField(t *testing.T) {
	base := "agents:\n  - {id: ana, name: Ana, region: eu, languages: {de: 5}, max_concurrent: 3, timezone: Europe/Berlin%s}\n"
	for extra, field := range map[string]string{
		", region2: x": "field region2 not found",
		", shifts: [{weekday: 8, start: '09:00', end: '17:00'}]": "shifts[0]: shift weekday 8",
		", shifts: [{weekday: 1, start: '22:00', end: '06:00'}]": "shifts[0]: shift 22:00–06:00 ends before it starts",
		", shifts: [{weekday: 1, start: '24:00', end: '24:00'}]": "shifts[0]: shift start",
		", capacity: {chat: 3}":                                  "capacity",
	} {
		_, err := ParseAgents([]byte(strings.Replace(base, "%s", extra, 1)), known)
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want an error about %s", extra, err, field)
		}
	}
	for name, a := range map[string]Agent{
		"id":            {ID: "a b", Name: "x", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "UTC"},
		"region":        {ID: "a", Name: "x", Region: "mars", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "UTC"},
		"languages":     {ID: "a", Name: "x", Region: "eu", Languages: map[string]int{"de": 6}, MaxConcurrent: 1, Timezone: "UTC"},
		"maxConcurrent": {ID: "a", Name: "x", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 0, Timezone: "UTC"},
		"timezone":      {ID: "a", Name: "x", Region: "eu", Languages: map[string]int{"de": 5}, MaxConcurrent: 1, Timezone: "Mars/Olympus"},
	} {
		a.Normalize()
		var fe *FieldError
		if err := a.Validate(known); !errors.As(err, &fe) || fe.Field != name {
			t.Errorf("%s: %v, want a FieldError on %s", name, err, name)
		}
	}
}

func TestBadTeamsNameTheTeamAndField(t *testing.T) {
	for yaml, want := range map[string]string{
		"teams:\n  - {id: desk, region: eu, assignment: round_robin}\n":    "teams[0] (desk): assignment",
		"teams:\n  - {id: desk, region: mars}\n":                           "teams[0] (desk): region",
		"teams:\n  - {id: desk, region: eu, offer_timeout_seconds: 1}\n":   "teams[0] (desk): offerTimeoutSeconds",
		"teams:\n  - {id: desk, region: eu}\n  - {id: desk, region: eu}\n": "teams[1]: desk appears twice in eu",
		"teams:\n  - {id: desk, region: eu, colour: blue}\n":               "field colour not found",
	} {
		if _, _, err := ParseRoster([]byte(yaml), known); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error about %s", yaml, err, want)
		}
	}
	teams, _, err := ParseRoster([]byte("teams:\n  - {id: desk, region: EU, assignment: OFFER}\n"), known)
	if err != nil || len(teams) != 1 || teams[0].Assignment != Offer || teams[0].Region != "eu" || teams[0].OfferTimeout != DefaultOfferTimeout {
		t.Errorf("%+v %v", teams, err)
	}
}

func FuzzParseAgents(f *testing.F) {
	f.Add([]byte("agents:\n  - {id: ana, name: Ana, region: eu, languages: {de: 5}, max_concurrent: 3, timezone: Europe/Berlin}\n"))
	f.Add([]byte("agents: [{}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		as, err := ParseAgents(b, known)
		if err != nil {
			return
		}
		for _, a := range as {
			if err := a.Validate(known); err != nil {
				t.Fatalf("accepted an invalid agent %+v: %v", a, err)
			}
		}
	})
}

func TestOnShiftInTheAgentsTimeZone(t *testing.T) {
	a := Agent{Timezone: "Europe/Berlin", Shifts: []Shift{{Weekday: 1, Start: "09:00", End: "17:00"}, {Weekday: 7, Start: "22:00", End: "24:00"}}}
	for at, want := range map[string]bool{
		"2026-12-07T08:00:00Z": true,  // Monday 09:00 in Berlin (CET)
		"2026-12-07T07:59:00Z": false, // 08:59
		"2026-12-07T16:00:00Z": false, // 17:00: the end is not in the shift
		"2026-07-06T07:30:00Z": true,  // Monday 09:30 in summer (CEST)
		"2026-12-06T22:59:00Z": true,  // Sunday 23:59, until 24:00
		"2026-12-06T23:00:00Z": false, // Monday 00:00
	} {
		tm, _ := time.Parse(time.RFC3339, at)
		if got := a.OnShift(tm); got != want {
			t.Errorf("%s: on shift %v, want %v", at, got, want)
		}
	}
	if !(&Agent{Timezone: "UTC"}).OnShift(time.Now()) {
		t.Error("an agent without shifts is not always on shift")
	}
}
