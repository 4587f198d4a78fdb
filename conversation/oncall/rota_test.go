package oncall

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustParse(t testing.TB, y string) Rota {
	t.Helper()
	r, err := ParseRota([]byte(y))
	if err != nil {
		t.Fatalf("ParseRota: %v\n%s", err, y)
	}
	return r
}

func testRota(t testing.TB) Rota {
	t.Helper()
	b, err := os.ReadFile("testdata/rota.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, string(b))
}

// oneRegion is a rota of region "r" in zone tz with the given shifts (YAML flow list) and
// people a, b (or the ids given), rotating from Monday 2026-01-05 unless anchor says.
func oneRegion(tz, shifts, anchor string, people ...string) string {
	if len(people) == 0 {
		people = []string{"a", "b"}
	}
	if anchor == "" {
		anchor = "2026-01-05"
	}
	var ps []string
	for _, p := range people {
		ps = append(ps, fmt.Sprintf("{id: %s, targets: [{kind: email, address: %s@example.com}]}", p, p))
	}
	return fmt.Sprintf("regions:\n  - region: r\n    timezone: %q\n    anchor: %s\n    shifts: %s\n    people: [%s]\n",
		tz, anchor, shifts, strings.Join(ps, ", "))
}

func TestOnCallEdges(t *testing.T) {
	const (
		weekdays  = `[{days: [1,2,3,4,5], from: "08:00", to: "18:00"}]`
		nyDays    = `[{days: [1,2,3,4,5], from: "09:00", to: "17:00"}]`
		sunEarly  = `[{days: [7], from: "01:00", to: "04:00"}]`
		evening   = `[{days: [1,2,3,4,5], from: "20:00", to: "24:00"}]`
		friNight  = `[{days: [5], from: "22:00", to: "06:00"}]`
		sunNight  = `[{days: [7], from: "22:00", to: "06:00"}, {days: [1], from: "08:00", to: "18:00"}]`
		always    = `[]`
		berlin    = "Europe/Berlin"
		newYork   = "America/New_York"
		yearStart = "2025-01-06"
	)
	tests := []struct {
		name   string
		rota   string
		at     string // UTC
		on     bool
		person string
	}{
		{"a weekday morning is inside the shift", oneRegion(berlin, weekdays, ""), "2026-03-03 09:00:00", true, "a"},
		{"the start of a shift is inclusive", oneRegion(berlin, weekdays, ""), "2026-03-03 07:00:00", true, "a"},
		{"the last second before the end is inside", oneRegion(berlin, weekdays, ""), "2026-03-03 16:59:59", true, "a"},
		{"the end of a shift is exclusive", oneRegion(berlin, weekdays, ""), "2026-03-03 17:00:00", false, ""},
		{"Saturday is off", oneRegion(berlin, weekdays, ""), "2026-03-07 10:00:00", false, ""},
		{"07:30 CET is before the shift", oneRegion(berlin, weekdays, ""), "2026-03-27 06:30:00", false, ""},
		{"the same UTC time is 08:30 CEST after the change, inside", oneRegion(berlin, weekdays, ""), "2026-03-30 06:30:00", true, "a"},
		{"08:30 EST is before New York's shift", oneRegion(newYork, nyDays, ""), "2026-03-06 13:30:00", false, ""},
		{"09:30 EDT, the Monday after the change, is inside", oneRegion(newYork, nyDays, ""), "2026-03-09 13:30:00", true, "b"},
		{"01:59 CET just before clocks go forward is inside", oneRegion(berlin, sunEarly, ""), "2026-03-29 00:59:00", true, "b"},
		{"03:30 CEST just after clocks go forward is inside", oneRegion(berlin, sunEarly, ""), "2026-03-29 01:30:00", true, "b"},
		{"04:00 CEST ends the shortened shift", oneRegion(berlin, sunEarly, ""), "2026-03-29 02:00:00", false, ""},
		{"the first 02:30 when clocks go back is inside", oneRegion(berlin, sunEarly, ""), "2026-10-25 00:30:00", true, "b"},
		{"the second 02:30 when clocks go back is inside", oneRegion(berlin, sunEarly, ""), "2026-10-25 01:30:00", true, "b"},
		{"03:00 CET after clocks go back is inside", oneRegion(berlin, sunEarly, ""), "2026-10-25 02:00:00", true, "b"},
		{"04:00 CET ends the lengthened shift", oneRegion(berlin, sunEarly, ""), "2026-10-25 03:00:00", false, ""},
		{"23:59:59 is inside a shift ending 24:00", oneRegion(berlin, evening, ""), "2026-03-06 22:59:59", true, "a"},
		{"midnight after a 24:00 end is outside", oneRegion(berlin, evening, ""), "2026-03-06 23:00:00", false, ""},
		{"midnight starting a weekday is not the evening shift", oneRegion(berlin, evening, ""), "2026-03-05 23:00:00", false, ""},
		{"Friday 22:00 starts the night shift", oneRegion(berlin, friNight, ""), "2026-03-06 21:00:00", true, "a"},
		{"Friday 21:59 is before the night shift", oneRegion(berlin, friNight, ""), "2026-03-06 20:59:00", false, ""},
		{"Saturday 05:59 is still Friday's night shift", oneRegion(berlin, friNight, ""), "2026-03-07 04:59:00", true, "a"},
		{"Saturday 06:00 ends it", oneRegion(berlin, friNight, ""), "2026-03-07 05:00:00", false, ""},
		{"Saturday 22:00 has no night shift", oneRegion(berlin, friNight, ""), "2026-03-07 21:00:00", false, ""},
		{"Friday 05:00 would be Thursday's night, which has none", oneRegion(berlin, friNight, ""), "2026-03-06 04:00:00", false, ""},
		{"Monday 03:00 belongs to Sunday's shift and last week's person", oneRegion(berlin, sunNight, ""), "2026-03-09 02:00:00", true, "a"},
		{"Monday 09:00 is the new week's person", oneRegion(berlin, sunNight, ""), "2026-03-09 08:00:00", true, "b"},
		{"a shift without days is every day: Sunday", oneRegion(berlin, `[{from: "08:00", to: "18:00"}]`, ""), "2026-03-08 12:00:00", true, "a"},
		{"a shift without days still has hours", oneRegion(berlin, `[{from: "08:00", to: "18:00"}]`, ""), "2026-03-08 20:00:00", false, ""},
		{"00:00 to 24:00 is the whole day", oneRegion(berlin, `[{days: [2], from: "00:00", to: "24:00"}]`, ""), "2026-03-02 23:00:00", true, "a"},
		{"no shifts means always on shift", oneRegion(berlin, always, ""), "2026-03-08 02:00:00", true, "a"},
		{"an empty zone is UTC", oneRegion("", weekdays, ""), "2026-03-03 17:59:00", true, "a"},
		{"rotation: Thursday 31 December", oneRegion("UTC", always, yearStart, "a", "b", "c"), "2026-12-31 12:00:00", true, "b"},
		{"rotation: Sunday 3 January is the same week", oneRegion("UTC", always, yearStart, "a", "b", "c"), "2027-01-03 23:59:59", true, "b"},
		{"rotation: Monday 4 January hands over", oneRegion("UTC", always, yearStart, "a", "b", "c"), "2027-01-04 00:00:00", true, "c"},
		{"rotation: the week before the anchor wraps backwards", oneRegion("UTC", always, yearStart, "a", "b", "c"), "2024-12-30 12:00:00", true, "c"},
		{"rotation: the day before the anchor", oneRegion("UTC", always, yearStart, "a", "b", "c"), "2025-01-05 12:00:00", true, "c"},
		{"rotation: the anchor day itself", oneRegion("UTC", always, yearStart, "a", "b", "c"), "2025-01-06 00:00:00", true, "a"},
		{"rotation follows local dates: Sunday 23:30 UTC is Monday in Berlin", oneRegion(berlin, always, yearStart, "a", "b", "c"), "2025-01-12 23:30:00", true, "b"},
		{"a single person is always on call", oneRegion("UTC", always, "", "solo"), "2031-07-04 12:00:00", true, "solo"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustParse(t, tc.rota)
			region, p, ok := r.OnCall(utc(tc.at))
			if ok != tc.on || p.ID != tc.person {
				t.Fatalf("OnCall(%s) = %q, %q, %v; want on %v, person %q", tc.at, region, p.ID, ok, tc.on, tc.person)
			}
			if ok && region != "r" {
				t.Errorf("region %q, want r", region)
			}
		})
	}
}

func TestOnCallTestdata(t *testing.T) {
	r := testRota(t)
	tests := []struct {
		name, at, region, person string
	}{
		{"Berlin morning: eu, though Sydney is on shift too", "2026-03-03 09:00:00", "eu", "ana"},
		{"both eu and americas on shift: eu by order", "2026-03-03 15:00:00", "eu", "ana"},
		{"after Berlin's shift: americas", "2026-03-03 18:00:00", "americas", "cy"},
		{"after New York's shift: apac, Wednesday morning in Sydney", "2026-03-03 23:00:00", "apac", "eli"},
		{"Christmas Eve override", "2026-12-24 09:00:00", "eu", "ben"},
		{"the override's last day", "2026-12-25 09:00:00", "eu", "ben"},
		{"the day before the override is the rotation's", "2026-12-23 09:00:00", "eu", "ana"},
		{"the weekend: nobody", "2026-03-07 12:00:00", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			region, p, ok := r.OnCall(utc(tc.at))
			if region != tc.region || p.ID != tc.person || ok != (tc.region != "") {
				t.Fatalf("OnCall(%s) = %q, %q, %v; want %q, %q", tc.at, region, p.ID, ok, tc.region, tc.person)
			}
		})
	}
}

func TestOnCallOrder(t *testing.T) {
	const y = `regions:
  - {region: late, order: 5, people: [{id: x, targets: [{kind: email, address: x@example.com}]}]}
  - {region: empty, order: 1}
  - {region: early, order: 2, people: [{id: y, targets: [{kind: email, address: y@example.com}]}]}
`
	r := mustParse(t, y)
	region, p, ok := r.OnCall(utc("2026-03-03 09:00:00"))
	if !ok || region != "early" || p.ID != "y" {
		t.Fatalf("OnCall = %q %q %v; want the lowest order with people, early/y", region, p.ID, ok)
	}
	steps := r.Chain(utc("2026-03-03 09:00:00"), time.Minute)
	var got []string
	for _, s := range steps {
		got = append(got, s.Region)
	}
	if strings.Join(got, ",") != "early,late" {
		t.Fatalf("chain %v; want early,late (the region without people skipped)", got)
	}
	if !steps[1].At.Equal(utc("2026-03-03 09:01:00")) {
		t.Errorf("second step at %v; a skipped region must not take a slot", steps[1].At)
	}
}

func TestChain(t *testing.T) {
	r := testRota(t)
	type step struct {
		region, person, at string
		off                bool
	}
	tests := []struct {
		name string
		at   string
		want []step
	}{
		{"from eu, wrapping by order", "2026-03-03 09:00:00", []step{
			{"eu", "ana", "2026-03-03 09:00:00", false},
			{"americas", "cy", "2026-03-03 09:15:00", true},
			{"apac", "eli", "2026-03-03 09:30:00", false},
		}},
		{"from americas, wrapping round to eu", "2026-03-03 18:00:00", []step{
			{"americas", "cy", "2026-03-03 18:00:00", false},
			{"apac", "eli", "2026-03-03 18:15:00", true},
			{"eu", "ana", "2026-03-03 18:30:00", true},
		}},
		{"nobody on shift: the first region by order, off shift", "2026-03-07 12:00:00", []step{
			{"eu", "ana", "2026-03-07 12:00:00", true},
			{"americas", "cy", "2026-03-07 12:15:00", true},
			{"apac", "eli", "2026-03-07 12:30:00", true},
		}},
		{"a step's on-shift state is at its own time", "2026-03-03 16:50:00", []step{
			{"eu", "ana", "2026-03-03 16:50:00", false},
			{"americas", "cy", "2026-03-03 17:05:00", false},
			{"apac", "eli", "2026-03-03 17:20:00", true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := r.Chain(utc(tc.at), 15*time.Minute)
			if len(got) != len(tc.want) {
				t.Fatalf("%d steps, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Region != w.region || g.Person.ID != w.person || !g.At.Equal(utc(w.at)) || g.OffShift != w.off {
					t.Errorf("step %d = %s %s %s off=%v; want %s %s %s off=%v", i, g.Region, g.Person.ID, g.At.UTC().Format(time.DateTime), g.OffShift, w.region, w.person, w.at, w.off)
				}
			}
		})
	}
	if got := (Rota{}).Chain(utc("2026-03-03 09:00:00"), time.Minute); len(got) != 0 {
		t.Errorf("empty rota chain = %v", got)
	}
}

func TestHandBuiltRota(t *testing.T) {
	r := Rota{Regions: []RegionRota{
		{Region: "bad", Timezone: "Mars/Olympus", Order: 0, People: []Person{{ID: "m", Targets: []Target{{Kind: KindEmail, Address: "m@example.com"}}}}},
		{Region: "ok", Timezone: "Asia/Tokyo", Order: 1, Shifts: []Shift{{From: "09:00", To: "18:00"}}, People: []Person{{ID: "k", Targets: []Target{{Kind: KindEmail, Address: "k@example.com"}}}}},
	}}
	region, p, ok := r.OnCall(utc("2026-03-03 01:00:00")) // 10:00 in Tokyo
	if !ok || region != "ok" || p.ID != "k" {
		t.Fatalf("OnCall = %q %q %v; want the valid region", region, p.ID, ok)
	}
	if _, err := r.Prepare(); err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Errorf("Prepare = %v; want the unknown zone named", err)
	}
}

func TestParseRotaErrors(t *testing.T) {
	person := `people: [{id: a, targets: [{kind: email, address: a@example.com}]}]`
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", "regions: [{region: r, colour: red}]", "colour"},
		{"no region name", "regions: [{timezone: UTC}]", "no name"},
		{"duplicate region", "regions: [{region: r}, {region: r}]", "twice"},
		{"unknown zone", "regions: [{region: r, timezone: Europe/Atlantis}]", "Europe/Atlantis"},
		{"Local is not a zone", "regions: [{region: r, timezone: Local}]", "Local"},
		{"weekday 0", `regions: [{region: r, shifts: [{days: [0], from: "08:00", to: "09:00"}]}]`, "weekday 0"},
		{"weekday 8", `regions: [{region: r, shifts: [{days: [8], from: "08:00", to: "09:00"}]}]`, "weekday 8"},
		{"24:00 cannot start", `regions: [{region: r, shifts: [{from: "24:00", to: "06:00"}]}]`, "only end"},
		{"25:00", `regions: [{region: r, shifts: [{from: "08:00", to: "25:00"}]}]`, "time of day"},
		{"24:30", `regions: [{region: r, shifts: [{from: "08:00", to: "24:30"}]}]`, "time of day"},
		{"one-digit hour", `regions: [{region: r, shifts: [{from: "8:00", to: "17:00"}]}]`, "HH:MM"},
		{"missing to", `regions: [{region: r, shifts: [{from: "08:00"}]}]`, "HH:MM"},
		{"empty span", `regions: [{region: r, shifts: [{from: "08:00", to: "08:00"}]}]`, "both"},
		{"person without id", "regions: [{region: r, people: [{name: A, targets: [{kind: email, address: a@example.com}]}]}]", "no id"},
		{"duplicate person", "regions: [{region: r, people: [{id: a, targets: [{kind: email, address: a@example.com}]}, {id: a, targets: [{kind: email, address: a@example.com}]}]}]", "twice"},
		{"person without targets", "regions: [{region: r, people: [{id: a}]}]", "no targets"},
		{"unknown target kind", "regions: [{region: r, people: [{id: a, targets: [{kind: sms, address: '+4912345'}]}]}]", "sms"},
		{"slack without url", "regions: [{region: r, people: [{id: a, targets: [{kind: slack}]}]}]", "http(s) url"},
		{"email with a display name", "regions: [{region: r, people: [{id: a, targets: [{kind: email, address: 'A <a@example.com>'}]}]}]", "plain e-mail"},
		{"bad anchor", "regions: [{region: r, anchor: 2026-13-01, " + person + "}]", "anchor"},
		{"override of a stranger", "regions: [{region: r, " + person + ", overrides: [{date: 2026-12-24, person: z}]}]", `no person "z"`},
		{"override with a bad date", "regions: [{region: r, " + person + ", overrides: [{date: 24.12.2026, person: a}]}]", "date"},
		{"override ending before it starts", "regions: [{region: r, " + person + ", overrides: [{date: 2026-12-24, until: 2026-12-20, person: a}]}]", "before"},
		{"not yaml", "regions: [", "rota"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRota([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseRota error = %v; want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestParseRotaKeepsURLsOutOfErrors(t *testing.T) {
	const secret = "T000/B000/sekrit-token"
	_, err := ParseRota([]byte("regions: [{region: r, people: [{id: a, targets: [{kind: slack, url: 'ftp://hooks.example.com/" + secret + "'}]}]}]"))
	if err == nil {
		t.Fatal("an ftp url was accepted")
	}
	if strings.Contains(err.Error(), "sekrit") {
		t.Fatalf("error text holds the url: %v", err)
	}
}

func TestTargetString(t *testing.T) {
	for _, tc := range []struct {
		t    Target
		want string
	}{
		{Target{Kind: KindSlack, URL: "https://hooks.slack.com/services/T0/B0/secret"}, "slack hooks.slack.com"},
		{Target{Kind: KindWebhook, URL: "https://user:pw@pager.example.com/x?token=s"}, "webhook pager.example.com"},
		{Target{Kind: KindEmail, Address: "a@example.com"}, "email a@example.com"},
		{Target{Kind: KindSlack, URL: "::"}, "slack"},
	} {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func FuzzParseRota(f *testing.F) {
	if b, err := os.ReadFile("testdata/rota.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(oneRegion("Europe/Berlin", `[{days: [5], from: "22:00", to: "06:00"}]`, "")))
	f.Add([]byte(`regions: [{region: r, shifts: [{from: "00:00", to: "24:00"}]}]`))
	f.Add([]byte("regions: [{region: r, anchor: 2024-02-29}]"))
	at := utc("2026-03-03 09:00:00")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRota(data)
		if err != nil {
			return
		}
		// Whatever parses must answer without panicking, and consistently.
		region, p, ok := r.OnCall(at)
		steps := r.Chain(at, time.Minute)
		if ok && (len(steps) == 0 || steps[0].Region != region || steps[0].Person.ID != p.ID || steps[0].OffShift) {
			t.Fatalf("OnCall says %q/%q but the chain starts %+v", region, p.ID, steps)
		}
		for i, s := range steps {
			if !s.At.Equal(at.Add(time.Duration(i) * time.Minute)) {
				t.Fatalf("step %d at %v", i, s.At)
			}
		}
	})
}

func BenchmarkOnCall(b *testing.B) {
	r := testRota(b)
	at := utc("2026-03-03 23:00:00") // the last region by order: the worst case
	for b.Loop() {
		if _, _, ok := r.OnCall(at); !ok {
			b.Fatal("nobody")
		}
	}
}

func BenchmarkChain(b *testing.B) {
	r := testRota(b)
	at := utc("2026-03-03 09:00:00")
	for b.Loop() {
		if len(r.Chain(at, 15*time.Minute)) != 3 {
			b.Fatal("short chain")
		}
	}
}
