// Package mining runs Meridian's insight models on the data in ClickHouse: opportunity
// mining (phrases over-represented in a target market, segment, product or period compared
// with a baseline, grouped into themes with trend, markets, volume and example
// conversations), competitor-mention rates and price sensitivity by market, segment and
// period.
//
// The heavy lifting happens inside ClickHouse with the queries of package chsql: each
// region's database (meridian_<region>, events read with FINAL, message.received only)
// returns counts, never rows, and the counts are merged across regions in Go, where the
// statistics run (keyness G², p-values, Benjamini–Hochberg, minimum support; Wilson
// intervals for rates). Example message texts are personal data and are read one at a
// time through compliance.Gate (Service.ExampleText), which masks by role and audits.
package mining

import (
	"context"
	_ "embed" // the demo competitor dictionary
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/insights/chsql"
	"github.com/meridian-cs/meridian/insights/competitors"
	"github.com/meridian-cs/meridian/insights/price"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

//go:embed competitors.yaml
var demoCompetitors []byte

// DemoCompetitors is the competitor dictionary matching the demo traffic (ingest/demo): the
// Japanese brands customers compare with, and the demo tenant's products.
func DemoCompetitors() *competitors.Dictionary {
	d, err := competitors.Parse(demoCompetitors)
	if err != nil {
		panic("mining: embedded competitors.yaml: " + err.Error()) // covered by tests
	}
	return d
}

// ValidationError is a request the caller must fix; its message is safe to show.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return "mining: " + e.Msg }

func invalidf(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// allowed returns nil when p may read insights (auth.ActionReadInsights), else an error
// wrapping auth.ErrForbidden.
func allowed(p auth.Principal) error {
	if err := p.Check(auth.ActionReadInsights, ""); err != nil {
		return err
	}
	if p.Tenant == "" {
		return fmt.Errorf("%w: the principal has no tenant", auth.ErrForbidden)
	}
	return nil
}

// Service answers insight queries over the regions' events tables. It is safe for
// concurrent use once configured.
type Service struct {
	// Regions is the registry of region databases, in the order regions are read in.
	Regions *clickhouse.Regions
	// Competitors is the competitor dictionary; nil means DemoCompetitors.
	Competitors *competitors.Dictionary
	// PriceLexicon is the price vocabulary by language; nil means price.Lexicon.
	PriceLexicon map[string][]string
	// Gate decides who reads insights, the k of phrases (at least what a request asks) and
	// how example texts read; nil means a default gate that audits to slog.Default.
	Gate *compliance.Gate
}

// New returns a service where db serves every region (embedded mode), with the demo
// competitor dictionary and the built-in price lexicon.
func New(db clickhouse.DB, regions []string) *Service {
	return &Service{Regions: clickhouse.OneDB(db, regions), Competitors: DemoCompetitors()}
}

// A Segment selects messages: markets (ISO country codes), languages ("en" also matches
// "en-GB"), products, customer segments (tiers: new, returning, vip, enterprise) and a time
// range. Empty lists mean any.
type Segment struct {
	Markets   []string
	Languages []string
	Products  []string
	Segments  []string
	From, To  time.Time
}

func (s Segment) slice() chsql.Slice {
	return chsql.Slice{Countries: canonical(s.Markets, models.CanonicalCountryOrSelf), Languages: canonical(s.Languages, models.CanonicalLanguage),
		Products: s.Products, Tiers: s.Segments, From: s.From, To: s.To}
}

// canonical writes filter values as ingest stores them ("de" → "DE", "uk" → "GB", "EN" →
// "en"), so a market or language matches however the caller spelt it.
func canonical(vs []string, canon func(string) string) []string {
	if vs == nil {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = canon(v)
	}
	return out
}

func (s Segment) empty() bool {
	return len(s.Markets)+len(s.Languages)+len(s.Products)+len(s.Segments) == 0 && s.From.IsZero() && s.To.IsZero()
}

// Periods a trend is bucketed by.
var Periods = []string{"day", "week", "month"}

// DefaultPeriod buckets trends when a request names none.
const DefaultPeriod = "week"

func checkPeriod(p *string) error {
	if *p == "" {
		*p = DefaultPeriod
	}
	if !slices.Contains(Periods, *p) {
		return invalidf("unknown period %q (one of %s)", *p, strings.Join(Periods, ", "))
	}
	return nil
}

func checkRange(from, to time.Time) error {
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		return invalidf("from (%s) is after to (%s)", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	return nil
}

// filter is the row filter of every insight query: the tenant's customer messages in range.
func filter(tenant string, from, to time.Time) chsql.Filter {
	return chsql.Filter{Tenant: tenant, From: from, To: to, Types: []string{models.MessageReceived}}
}

// regionsFor returns the service's regions p may access.
func (s *Service) regionsFor(p auth.Principal) []string {
	var out []string
	for _, r := range s.Regions.Names() {
		if p.CanAccess(r) {
			out = append(out, r)
		}
	}
	return out
}

// eachRegion runs fn for every region concurrently (the chDB driver serialises them) and
// returns the errors joined.
func (s *Service) eachRegion(regions []string, fn func(i int, region string, schema chsql.Schema) error) error {
	errs := make([]error, len(regions))
	var wg sync.WaitGroup
	for i, r := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i, r, chsql.EventsSchema(clickhouse.Database(r)))
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *Service) run(ctx context.Context, region string, q chsql.Query, err error) (*clickhouse.Result, error) {
	if err != nil {
		return nil, err
	}
	db, err := s.Regions.DB(region)
	if err != nil {
		return nil, fmt.Errorf("mining: %w", err)
	}
	res, err := db.QueryParams(ctx, q.SQL, q.Params)
	if err != nil {
		return nil, fmt.Errorf("mining: region %s: %w", region, err)
	}
	return res, nil
}

func (s *Service) priceLexicon() map[string][]string {
	if s.PriceLexicon != nil {
		return s.PriceLexicon
	}
	return price.Lexicon
}

func (s *Service) dictionary() *competitors.Dictionary {
	if s.Competitors != nil {
		return s.Competitors
	}
	return DemoCompetitors()
}

var defaultGate = compliance.NewGate(nil)

func (s *Service) gate() *compliance.Gate {
	if s.Gate != nil {
		return s.Gate
	}
	return defaultGate
}

// allowed is AllowedBy the service's gate.
func (s *Service) allowed(p auth.Principal) error { return allowed(p) }

// cols maps a result's column names to their index.
func cols(res *clickhouse.Result) map[string]int {
	m := make(map[string]int, len(res.Columns))
	for i, c := range res.Columns {
		m[c.Name] = i
	}
	return m
}

func num(row []any, c map[string]int, name string) int {
	i, ok := c[name]
	if !ok || i >= len(row) {
		return 0
	}
	return int(clickhouse.Float(row[i]))
}

func flt(row []any, c map[string]int, name string) float64 {
	i, ok := c[name]
	if !ok || i >= len(row) {
		return 0
	}
	return clickhouse.Float(row[i])
}

func str(row []any, c map[string]int, name string) string {
	i, ok := c[name]
	if !ok || i >= len(row) {
		return ""
	}
	return clickhouse.String(row[i])
}

// list reads an Array cell of either driver (JSON arrays from chDB, typed slices from
// clickhouse-go) as a slice of cells.
func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

func strs(v any) []string {
	l := list(v)
	out := make([]string, len(l))
	for i, x := range l {
		out[i] = clickhouse.String(x)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
