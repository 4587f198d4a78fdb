package models

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed retention.default.yaml
var defaultRetention []byte

// DataKind is a kind of data about customers that a retention policy gives a period.
type DataKind string

// Kinds of data under retention (models/retention.default.yaml says which rows each covers).
const (
	KindConversations DataKind = "conversations"
	KindNotes         DataKind = "notes"
	KindSendLedger    DataKind = "send_ledger"
	KindTranslations  DataKind = "translations"
)

// DataKinds lists every kind under retention, in the order reports show them.
var DataKinds = []DataKind{KindConversations, KindNotes, KindSendLedger, KindTranslations}

// Period is how long data is kept, in calendar units; the zero Period is "forever".
type Period struct {
	Years, Months, Days int
}

// Forever reports whether the period never ends.
func (p Period) Forever() bool { return p == Period{} }

// Cutoff is the instant before which data is older than the period at now; ok is false for
// forever.
func (p Period) Cutoff(now time.Time) (cutoff time.Time, ok bool) {
	if p.Forever() {
		return time.Time{}, false
	}
	return now.AddDate(-p.Years, -p.Months, -p.Days), true
}

func (p Period) String() string {
	switch {
	case p.Forever():
		return "forever"
	case p.Years > 0:
		return plural(p.Years, "year")
	case p.Months > 0:
		return plural(p.Months, "month")
	}
	return plural(p.Days, "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// maxPeriodYears bounds a period so that its cutoff stays a real date.
const maxPeriodYears = 200

// ParsePeriod reads "N days", "N weeks", "N months", "N years" (singular too) or "forever".
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	if s == "forever" {
		return Period{}, nil
	}
	num, unit, ok := strings.Cut(s, " ")
	if !ok {
		return Period{}, fmt.Errorf("%q is not a period such as \"6 months\", \"90 days\", \"2 years\" or \"forever\"", s)
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return Period{}, fmt.Errorf("%q is not a period such as \"6 months\": %q is not a whole number", s, num)
	}
	if n <= 0 {
		return Period{}, fmt.Errorf("%q: a period must be positive (use \"forever\" to keep data)", s)
	}
	var p Period
	switch strings.TrimSuffix(strings.TrimSpace(unit), "s") {
	case "day":
		p.Days = n
	case "week":
		p.Days = 7 * n
	case "month":
		p.Months = n
	case "year":
		p.Years = n
	default:
		return Period{}, fmt.Errorf("%q: unit %q is not days, weeks, months or years", s, unit)
	}
	if p.Years+p.Months/12+p.Days/366 > maxPeriodYears {
		return Period{}, fmt.Errorf("%q: longer than %d years (use \"forever\")", s, maxPeriodYears)
	}
	return p, nil
}

// RetentionPolicy says how long each kind of data is kept, per customer country, with a
// default for every country it does not name.
type RetentionPolicy struct {
	Default   map[DataKind]Period
	Countries map[string]map[DataKind]Period // ISO 3166-1 alpha-2 → kind → period
}

// DefaultRetention is the policy shipped in models/retention.default.yaml.
func DefaultRetention() *RetentionPolicy {
	p, err := ParseRetention(defaultRetention)
	if err != nil {
		panic("models: shipped retention policy is invalid: " + err.Error())
	}
	return p
}

// LoadRetention reads a retention policy file; an empty path means the shipped default.
func LoadRetention(path string) (*RetentionPolicy, error) {
	if path == "" {
		return DefaultRetention(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("retention policy: %w", err)
	}
	p, err := ParseRetention(b)
	if err != nil {
		return nil, fmt.Errorf("retention policy %s: %w", path, err)
	}
	return p, nil
}

type retentionFile struct {
	Default   map[string]string            `yaml:"default"`
	Countries map[string]map[string]string `yaml:"countries"`
}

// ParseRetention parses and checks a policy: every kind has a default period, countries are
// assigned ISO 3166-1 alpha-2 codes (each once), kinds are known, periods positive or forever.
// Errors name the entry at fault (countries.DE.notes: ...).
func ParseRetention(b []byte) (*RetentionPolicy, error) {
	var f retentionFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		// One line: serve refuses to start with it.
		return nil, fmt.Errorf("parse: %s", strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", ";")), " "))
	}
	p := &RetentionPolicy{Countries: map[string]map[DataKind]Period{}}
	var err error
	if p.Default, err = parseKinds("default", f.Default); err != nil {
		return nil, err
	}
	for _, k := range DataKinds {
		if _, ok := p.Default[k]; !ok {
			return nil, fmt.Errorf("default.%s: missing; the default needs a period for every kind (%s), or \"forever\"", k, kindList())
		}
	}
	for c, kinds := range f.Countries {
		cc, ok := CanonicalCountry(c)
		if !ok || cc != c {
			return nil, fmt.Errorf("countries.%s: not an ISO 3166-1 alpha-2 country code (upper case, e.g. DE)", c)
		}
		if p.Countries[cc], err = parseKinds("countries."+c, kinds); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func parseKinds(where string, in map[string]string) (map[DataKind]Period, error) {
	out := make(map[DataKind]Period, len(in))
	for k, v := range in {
		if k == "audit" {
			return nil, fmt.Errorf("%s.audit: the audit trail is not subject to retention (it is hash-chained and kept whole)", where)
		}
		if !slices.Contains(DataKinds, DataKind(k)) {
			return nil, fmt.Errorf("%s.%s: unknown kind of data (kinds: %s)", where, k, kindList())
		}
		per, err := ParsePeriod(v)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", where, k, err)
		}
		out[DataKind(k)] = per
	}
	return out, nil
}

func kindList() string {
	s := make([]string, len(DataKinds))
	for i, k := range DataKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// PeriodFor is how long kind is kept for customers of country.
func (p *RetentionPolicy) PeriodFor(country string, kind DataKind) Period {
	if per, ok := p.Countries[strings.ToUpper(country)][kind]; ok {
		return per
	}
	return p.Default[kind]
}

// Named returns the countries the policy names, sorted.
func (p *RetentionPolicy) Named() []string {
	out := make([]string, 0, len(p.Countries))
	for c := range p.Countries {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// RetentionRule is one cut of a policy: rows of Kind from customers of Country (or, with
// Country empty, of every country outside Except) older than Period.
type RetentionRule struct {
	Kind    DataKind
	Country string   // "" = the default rule
	Except  []string // with Country "": the countries with rules of their own for Kind
	Period  Period
}

// Rules are the policy's cuts, each country's first then the default's, per kind in DataKinds
// order; forever periods are left out. A country that names a kind gets its own rule, and is
// excepted from the default rule of that kind.
func (p *RetentionPolicy) Rules() []RetentionRule {
	var out []RetentionRule
	named := p.Named()
	for _, k := range DataKinds {
		var except []string
		for _, c := range named {
			per, ok := p.Countries[c][k]
			if !ok {
				continue
			}
			except = append(except, c)
			if !per.Forever() {
				out = append(out, RetentionRule{Kind: k, Country: c, Period: per})
			}
		}
		if per := p.Default[k]; !per.Forever() {
			out = append(out, RetentionRule{Kind: k, Except: except, Period: per})
		}
	}
	return out
}
