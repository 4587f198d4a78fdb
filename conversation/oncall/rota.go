package oncall

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // rotas name zones; the container need not ship zoneinfo

	"gopkg.in/yaml.v3"
)

// Rota is the on-call rota of every region. Build it with [ParseRota] or [Rota.Prepare]:
// the methods work on a hand-built Rota too, but then load time zones on every call.
type Rota struct {
	Regions []RegionRota `yaml:"regions"`
}

// RegionRota is one region's rota.
type RegionRota struct {
	// Region names the region ("eu", "apac").
	Region string `yaml:"region"`
	// Timezone is an IANA zone ("Europe/Berlin"); shifts and dates are in its local time.
	// Empty means UTC.
	Timezone string `yaml:"timezone"`
	// Shifts are the weekly hours the region is on shift. Empty means always on shift.
	Shifts []Shift `yaml:"shifts"`
	// People rotate weekly: the first from Anchor's day to six days later, then the next,
	// wrapping round.
	People []Person `yaml:"people"`
	// Anchor is the local date ("2026-01-05") the rotation starts from; its weekday is the
	// hand-over day. Empty means Monday 1970-01-05.
	Anchor string `yaml:"anchor"`
	// Overrides put someone else on call for whole local dates (holidays, swaps).
	Overrides []Override `yaml:"overrides"`
	// Order is the follow-the-sun order: when several regions are on shift the lowest Order
	// is paged, and re-pages go to the next Order, wrapping round. Ties keep file order.
	Order int `yaml:"order"`

	loc    *time.Location
	anchor int64 // days since 1970-01-01
	ready  bool
}

// Shift is a span of local wall-clock time on some weekdays. A shift whose To is before its
// From runs past midnight and belongs to the day it starts: {Days: [5], From: "22:00",
// To: "06:00"} is Friday night into Saturday morning. Wall-clock time means a shift is an
// hour shorter or longer on the days clocks change.
type Shift struct {
	// Days are ISO weekdays, 1 Monday to 7 Sunday, on which the shift starts. Empty means
	// every day.
	Days []int `yaml:"days"`
	// From and To are "HH:MM", 00:00 to 24:00; "24:00" (as To only) is the end of the day.
	From string `yaml:"from"`
	To   string `yaml:"to"`

	from, to int // seconds since local midnight
}

// Override puts Person on call for local dates Date to Until (inclusive; empty Until means
// Date alone). The first override covering a date wins.
type Override struct {
	Date   string `yaml:"date"`
	Until  string `yaml:"until"`
	Person string `yaml:"person"` // a Person.ID of the same region

	first, last int64
}

// Person is someone who can be paged.
type Person struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Targets []Target `yaml:"targets"`
}

// Target is one way to reach a person.
type Target struct {
	// Kind is "webhook" (a generic outgoing webhook), "slack" (a chat tool's incoming
	// webhook taking {"text": ...}) or "email".
	Kind string `yaml:"kind"`
	// URL is the webhook's address, for "webhook" and "slack". Incoming-webhook URLs are
	// secrets: they are never put in errors or logs.
	URL string `yaml:"url"`
	// Address is the e-mail address, for "email".
	Address string `yaml:"address"`
}

// Target kinds.
const (
	KindWebhook = "webhook"
	KindSlack   = "slack"
	KindEmail   = "email"
)

// String names the target without its secret parts: the kind and the host, or the address.
func (t Target) String() string {
	switch t.Kind {
	case KindEmail:
		return "email " + t.Address
	case KindWebhook, KindSlack:
		if u, err := url.Parse(t.URL); err == nil && u.Host != "" {
			return t.Kind + " " + u.Host
		}
	}
	return t.Kind
}

// Step is one page of the escalation chain.
type Step struct {
	Region string
	Person Person
	// At is when this step pages if nobody acknowledged an earlier one.
	At time.Time
	// OffShift says the region is not on shift at At: the chain still pages it, because
	// nobody else is, or because it is next in order.
	OffShift bool
}

// ParseRota reads a rota from YAML (see testdata/rota.yaml) and checks it: known fields only,
// region names unique, zones known, shifts well formed, people with unique IDs and valid
// targets, overrides naming a person of their region.
func ParseRota(data []byte) (Rota, error) {
	var r Rota
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return Rota{}, fmt.Errorf("oncall: rota: %w", err)
	}
	return r.Prepare()
}

// Prepare checks a rota and returns a copy with its zones loaded and times parsed, ready for
// fast OnCall and Chain calls.
func (r Rota) Prepare() (Rota, error) {
	out := Rota{Regions: make([]RegionRota, len(r.Regions))}
	seen := map[string]bool{}
	for i, rr := range r.Regions {
		p, err := rr.prepare()
		if err != nil {
			return Rota{}, fmt.Errorf("oncall: rota: region %d (%q): %w", i+1, rr.Region, err)
		}
		if seen[p.Region] {
			return Rota{}, fmt.Errorf("oncall: rota: region %q appears twice", p.Region)
		}
		seen[p.Region] = true
		out.Regions[i] = p
	}
	return out, nil
}

func (rr RegionRota) prepare() (RegionRota, error) {
	if rr.ready {
		return rr, nil
	}
	rr.Region = strings.TrimSpace(rr.Region)
	if rr.Region == "" {
		return rr, errors.New("region has no name")
	}
	loc, err := time.LoadLocation(rr.Timezone)
	if err != nil || rr.Timezone == "Local" {
		return rr, fmt.Errorf("unknown time zone %q", rr.Timezone)
	}
	rr.loc = loc
	rr.Shifts = slices.Clone(rr.Shifts)
	for i := range rr.Shifts {
		s := &rr.Shifts[i]
		for _, d := range s.Days {
			if d < 1 || d > 7 {
				return rr, fmt.Errorf("shift %d: weekday %d is not 1 (Monday) to 7 (Sunday)", i+1, d)
			}
		}
		if s.from, err = clock(s.From, false); err != nil {
			return rr, fmt.Errorf("shift %d: from: %w", i+1, err)
		}
		if s.to, err = clock(s.To, true); err != nil {
			return rr, fmt.Errorf("shift %d: to: %w", i+1, err)
		}
		if s.from == s.to {
			return rr, fmt.Errorf("shift %d: from and to are both %s", i+1, s.From)
		}
	}
	ids := map[string]bool{}
	for i, p := range rr.People {
		if strings.TrimSpace(p.ID) == "" {
			return rr, fmt.Errorf("person %d has no id", i+1)
		}
		if ids[p.ID] {
			return rr, fmt.Errorf("person %q appears twice", p.ID)
		}
		ids[p.ID] = true
		if len(p.Targets) == 0 {
			return rr, fmt.Errorf("person %q has no targets", p.ID)
		}
		for j, t := range p.Targets {
			if err := t.validate(); err != nil {
				return rr, fmt.Errorf("person %q target %d: %w", p.ID, j+1, err)
			}
		}
	}
	rr.anchor = epochMonday
	if rr.Anchor != "" {
		if rr.anchor, err = civilDay(rr.Anchor); err != nil {
			return rr, fmt.Errorf("anchor: %w", err)
		}
	}
	rr.Overrides = slices.Clone(rr.Overrides)
	for i := range rr.Overrides {
		o := &rr.Overrides[i]
		if !ids[o.Person] {
			return rr, fmt.Errorf("override %d: no person %q in this region", i+1, o.Person)
		}
		if o.first, err = civilDay(o.Date); err != nil {
			return rr, fmt.Errorf("override %d: date: %w", i+1, err)
		}
		o.last = o.first
		if o.Until != "" {
			if o.last, err = civilDay(o.Until); err != nil {
				return rr, fmt.Errorf("override %d: until: %w", i+1, err)
			}
			if o.last < o.first {
				return rr, fmt.Errorf("override %d: until %s is before %s", i+1, o.Until, o.Date)
			}
		}
	}
	rr.ready = true
	return rr, nil
}

func (t Target) validate() error {
	switch t.Kind {
	case KindWebhook, KindSlack:
		u, err := url.Parse(t.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			// The URL may be a secret: say what is wrong, not what it is.
			return fmt.Errorf("%s target needs an http(s) url", t.Kind)
		}
	case KindEmail:
		a, err := mail.ParseAddress(t.Address)
		if err != nil || a.Name != "" {
			return fmt.Errorf("email target: %q is not a plain e-mail address", t.Address)
		}
	default:
		return fmt.Errorf("unknown target kind %q (webhook, slack or email)", t.Kind)
	}
	return nil
}

// epochMonday is 1970-01-05, the default anchor.
const epochMonday = 4

// clock parses "HH:MM" into seconds since midnight; "24:00" only when end is true.
func clock(s string, end bool) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	if hh == 24 && !end {
		return 0, fmt.Errorf("%q: 24:00 can only end a shift", s)
	}
	return hh*3600 + mm*60, nil
}

// civilDay parses "YYYY-MM-DD" into days since 1970-01-01.
func civilDay(s string) (int64, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return dayNumber(d), nil
}

// dayNumber is the civil date of t's wall clock, in days since 1970-01-01.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// isoWeekday is 1 for Monday to 7 for Sunday.
func isoWeekday(day int64) int {
	// 1970-01-01 was a Thursday (4).
	return int(((day+3)%7+7)%7) + 1
}

// onShift reports whether the region is on shift at t, and the local date (days since 1970)
// the shift started on, which picks the person.
func (rr *RegionRota) onShift(t time.Time) (bool, int64) {
	local := t.In(rr.loc)
	today := dayNumber(local)
	if len(rr.Shifts) == 0 {
		return true, today
	}
	sec := local.Hour()*3600 + local.Minute()*60 + local.Second()
	wd := isoWeekday(today)
	for _, s := range rr.Shifts {
		if s.from < s.to {
			if sec >= s.from && sec < s.to && hasDay(s.Days, wd) {
				return true, today
			}
			continue
		}
		// Past midnight: the evening part is today's shift, the morning part yesterday's.
		if sec >= s.from && hasDay(s.Days, wd) {
			return true, today
		}
		if sec < s.to && hasDay(s.Days, isoWeekday(today-1)) {
			return true, today - 1
		}
	}
	return false, today
}

func hasDay(days []int, wd int) bool {
	return len(days) == 0 || slices.Contains(days, wd)
}

// person is who is on call for shifts starting on local date day.
func (rr *RegionRota) person(day int64) (Person, bool) {
	if len(rr.People) == 0 {
		return Person{}, false
	}
	for _, o := range rr.Overrides {
		if day >= o.first && day <= o.last {
			for _, p := range rr.People {
				if p.ID == o.Person {
					return p, true
				}
			}
		}
	}
	n := int64(len(rr.People))
	week := floorDiv(day-rr.anchor, 7)
	return rr.People[((week%n)+n)%n], true
}

// prepared returns the regions ready to use, in follow-the-sun order. Regions a hand-built
// rota got wrong are left out.
func (r Rota) prepared() []RegionRota {
	out := make([]RegionRota, 0, len(r.Regions))
	for _, rr := range r.Regions {
		if !rr.ready {
			var err error
			if rr, err = rr.prepare(); err != nil {
				continue
			}
		}
		out = append(out, rr)
	}
	slices.SortStableFunc(out, func(a, b RegionRota) int { return a.Order - b.Order })
	return out
}

// OnCall says who is on call at `at`: the person of the region on shift (the lowest Order
// when several are), for the week the shift started in. ok is false when no region with
// people is on shift; [Rota.Chain] then pages the first region anyway.
func (r Rota) OnCall(at time.Time) (region string, p Person, ok bool) {
	for _, rr := range r.prepared() {
		if on, day := rr.onShift(at); on {
			if p, ok := rr.person(day); ok {
				return rr.Region, p, true
			}
		}
	}
	return "", Person{}, false
}

// Chain is the paging order for an escalation at `at`: the on-call person of the region on
// shift (or, when none is, of the first region by Order, marked OffShift), then each other
// region in Order, wrapping round, each paged ackTimeout after the one before if nobody has
// acknowledged. Regions without people are skipped. Each step's person is the one on call in
// that region at the step's time (the person of the current local week when off shift).
func (r Rota) Chain(at time.Time, ackTimeout time.Duration) []Step {
	regions := r.prepared()
	start := -1
	for i := range regions {
		if on, day := regions[i].onShift(at); on {
			if _, ok := regions[i].person(day); ok {
				start = i
				break
			}
		}
	}
	if start < 0 {
		start = 0
	}
	var steps []Step
	for k := range regions {
		rr := &regions[(start+k)%len(regions)]
		when := at.Add(time.Duration(len(steps)) * ackTimeout)
		on, day := rr.onShift(when)
		p, ok := rr.person(day)
		if !ok {
			continue
		}
		steps = append(steps, Step{Region: rr.Region, Person: p, At: when, OffShift: !on})
	}
	return steps
}
