// Package chstore connects the forecasting models to ClickHouse: it aggregates contact
// arrivals per interval out of a region's events table into forecasting.Series, and writes
// forecasts and their accuracy back to the region's forecasts and forecast_accuracy tables
// (schemas/clickhouse/0002_forecasts.sql), and reads them again.
//
// A contact is a conversation opened: the first conversation.opened or message.received
// event of a conversation, timed at that event. Follow-up messages in the same conversation
// are work for the agent who has it, not new arrivals, so they are not counted. The series'
// language and channel are the conversation's first ones; its queue is the first queue the
// conversation was routed to (conversations the AI resolved alone have none). Counting is done
// inside ClickHouse (toStartOfInterval, WITH FILL for the empty intervals); each region is its
// own database, so a series never mixes regions.
package chstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// All is the value of a dimension a series does not split by.
const All = "*"

// Dimensions a series can be split by, besides the region.
var Dimensions = []string{"language", "channel", "queue"}

// Spec names one series: a region and one value (or All) per dimension.
type Spec struct {
	Region   string
	Language string
	Channel  string
	Queue    string
}

func orAll(v string) string {
	if v == "" {
		return All
	}
	return v
}

// Normalize writes All for the dimensions left empty.
func (s Spec) Normalize() Spec {
	return Spec{Region: s.Region, Language: orAll(s.Language), Channel: orAll(s.Channel), Queue: orAll(s.Queue)}
}

// Key is the series' name: region/language/channel/queue, e.g. "eu/de/whatsapp/*".
func (s Spec) Key() string {
	n := s.Normalize()
	return n.Region + "/" + n.Language + "/" + n.Channel + "/" + n.Queue
}

// ParseKey reads a Key back.
func ParseKey(key string) (Spec, error) {
	p := strings.Split(key, "/")
	if len(p) != 4 || p[0] == "" {
		return Spec{}, fmt.Errorf("%w: series key %q is not region/language/channel/queue", forecasting.ErrInvalid, key)
	}
	return Spec{Region: p[0], Language: p[1], Channel: p[2], Queue: p[3]}.Normalize(), nil
}

func (s Spec) value(dim string) string {
	switch dim {
	case "language":
		return s.Language
	case "channel":
		return s.Channel
	case "queue":
		return s.Queue
	}
	return ""
}

func (s *Spec) set(dim, v string) {
	switch dim {
	case "language":
		s.Language = v
	case "channel":
		s.Channel = v
	case "queue":
		s.Queue = v
	}
}

// Request selects the contact series of one tenant in one region.
type Request struct {
	Tenant string
	// Filter fixes dimensions (its Region is the database read); All or "" leaves one free.
	Filter Spec
	// By splits the result into one series per value combination of these dimensions (a
	// subset of Dimensions). Without By, the one series of Filter is returned, even if empty.
	By []string
	// Step is the interval: it must divide a day (e.g. time.Hour, 30*time.Minute).
	Step time.Duration
	// From and To bound the history, [From, To); both are truncated to Step.
	From, To time.Time
}

// Loaded is one series read from ClickHouse.
type Loaded struct {
	Spec   Spec
	Series forecasting.Series
	// Contacts is the total over the history; First is the interval of the first contact
	// (zero when there is none).
	Contacts float64
	First    time.Time
}

func (r *Request) check() error {
	switch {
	case r.Tenant == "":
		return fmt.Errorf("%w: no tenant", forecasting.ErrInvalid)
	case r.Filter.Region == "":
		return fmt.Errorf("%w: no region", forecasting.ErrInvalid)
	case r.Step < time.Minute || (24*time.Hour)%r.Step != 0 || r.Step%time.Second != 0:
		return fmt.Errorf("%w: interval %v does not divide a day into whole minutes", forecasting.ErrInvalid, r.Step)
	}
	for _, d := range r.By {
		if !slices.Contains(Dimensions, d) {
			return fmt.Errorf("%w: unknown series dimension %q (want %s)", forecasting.ErrInvalid, d, strings.Join(Dimensions, ", "))
		}
	}
	r.From, r.To = r.From.UTC().Truncate(r.Step), r.To.UTC().Truncate(r.Step)
	if !r.From.Before(r.To) {
		return fmt.Errorf("%w: empty history range %s to %s", forecasting.ErrInvalid, r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	return nil
}

var contactTypes = "type IN ('" + models.ConversationOpened + "', '" + models.MessageReceived + "')"

// chTime binds t as text read in UTC: a DateTime64 parameter would be read in the server's
// time zone.
func chTime(b *clickhouse.Binder, t time.Time) string {
	return "toDateTime64(" + b.String(t.UTC().Format(clickhouse.TimeFormat)) + ", 3, 'UTC')"
}

// contactsSQL is the subquery of conversations first opened in [From, To), one row per
// conversation with its start, language, channel, queue and country, narrowed by the filter.
// Its values are parameters bound on b.
func (r Request) contactsSQL(b *clickhouse.Binder) string {
	db := clickhouse.Database(r.Filter.Region)
	tenant := b.String(r.Tenant)
	from, to := chTime(b, r.From), chTime(b, r.To)
	var having []string
	f := r.Filter.Normalize()
	for _, d := range Dimensions {
		if v := f.value(d); v != All {
			having = append(having, "c_"+d+" = "+b.String(v))
		}
	}
	h := ""
	if len(having) > 0 {
		h = " AND " + strings.Join(having, " AND ")
	}
	// The conversations active in the range are found first, so only their events are
	// aggregated; a conversation is a contact of the range only if its first contact event is
	// in it (a conversation that began earlier is not a new arrival).
	return fmt.Sprintf(`SELECT conversation_id,
		minIf(occurred_at, %[5]s) AS first_at,
		argMinIf(language, occurred_at, %[5]s) AS c_language,
		argMinIf(channel, occurred_at, %[5]s) AS c_channel,
		argMinIf(queue, occurred_at, queue != '') AS c_queue,
		argMinIf(country, occurred_at, country != '') AS c_country
	FROM %[1]s.events FINAL
	WHERE tenant = %[2]s AND occurred_at < %[4]s AND conversation_id IN (
		SELECT conversation_id FROM %[1]s.events
		WHERE tenant = %[2]s AND occurred_at >= %[3]s AND occurred_at < %[4]s AND %[5]s)
	GROUP BY conversation_id
	HAVING countIf(%[5]s) > 0 AND first_at >= %[3]s AND first_at < %[4]s%[6]s`, db, tenant, from, to, contactTypes, h)
}

// Load returns the contact series of the request: one per value combination of By seen in
// the range (ordered by contacts, most first), or exactly one without By. Every series runs
// from From to To with a value per Step, zero where nothing arrived, and its Market set to the
// country most of its contacts come from (for holidays and market-specific events).
func Load(ctx context.Context, db clickhouse.DB, r Request) ([]Loaded, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	step := int64(r.Step / time.Second)
	dims := append([]string(nil), r.By...)
	sel := ""
	for _, d := range dims {
		sel += "c_" + d + ", "
	}
	var b clickhouse.Binder
	q := fmt.Sprintf(`SELECT %[1]stoUnixTimestamp(toStartOfInterval(first_at, INTERVAL %[2]d SECOND, 'UTC')) AS ts, count() AS contacts
	FROM (%[3]s)
	GROUP BY %[1]sts
	ORDER BY %[1]sts WITH FILL FROM %[4]d TO %[5]d STEP %[2]d`,
		sel, step, r.contactsSQL(&b), r.From.Unix(), r.To.Unix())
	res, err := db.QueryParams(ctx, q, b.Params())
	if err != nil {
		return nil, fmt.Errorf("contact series %s: %w", r.Filter.Region, err)
	}
	n := int(r.To.Sub(r.From) / r.Step)
	byKey := map[string]*Loaded{}
	var order []*Loaded
	get := func(s Spec) *Loaded {
		k := s.Key()
		l := byKey[k]
		if l == nil {
			l = &Loaded{Spec: s.Normalize()}
			l.Series = forecasting.Series{Key: k, Start: r.From, Step: r.Step, Values: make([]float64, n)}
			byKey[k] = l
			order = append(order, l)
		}
		return l
	}
	if len(dims) == 0 {
		get(r.Filter)
	}
	for _, row := range res.Rows {
		c := clickhouse.Float(row[len(dims)+1])
		if c == 0 {
			continue // a filled interval: the series is zero there already
		}
		s := r.Filter.Normalize()
		for i, d := range dims {
			s.set(d, clickhouse.String(row[i]))
		}
		ts := time.Unix(int64(clickhouse.Float(row[len(dims)])), 0).UTC()
		i := int(ts.Sub(r.From) / r.Step)
		if i < 0 || i >= n {
			return nil, fmt.Errorf("contact series %s: interval %s outside the range", r.Filter.Region, ts.Format(time.RFC3339))
		}
		l := get(s)
		l.Series.Values[i] += c
		l.Contacts += c
		if l.First.IsZero() || ts.Before(l.First) {
			l.First = ts
		}
	}
	if err := markets(ctx, db, r, byKey); err != nil {
		return nil, err
	}
	out := make([]Loaded, len(order))
	for i, l := range order {
		out[i] = *l
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Contacts != out[j].Contacts {
			return out[i].Contacts > out[j].Contacts
		}
		return out[i].Series.Key < out[j].Series.Key
	})
	return out, nil
}

// markets sets each series' Market to its customers' most frequent country.
func markets(ctx context.Context, db clickhouse.DB, r Request, byKey map[string]*Loaded) error {
	if len(byKey) == 0 {
		return nil
	}
	sel := ""
	for _, d := range r.By {
		sel += "c_" + d + ", "
	}
	var b clickhouse.Binder
	q := fmt.Sprintf(`SELECT %[1]sc_country, count() AS c FROM (%[2]s) WHERE c_country != '' GROUP BY %[1]sc_country ORDER BY c DESC, c_country`, sel, r.contactsSQL(&b))
	res, err := db.QueryParams(ctx, q, b.Params())
	if err != nil {
		return fmt.Errorf("contact series %s: markets: %w", r.Filter.Region, err)
	}
	for _, row := range res.Rows {
		s := r.Filter.Normalize()
		for i, d := range r.By {
			s.set(d, clickhouse.String(row[i]))
		}
		if l := byKey[s.Key()]; l != nil && l.Series.Market == "" {
			l.Series.Market = clickhouse.String(row[len(r.By)])
		}
	}
	return nil
}

// LoadOne returns the contact series of one Spec over [from, to).
func LoadOne(ctx context.Context, db clickhouse.DB, tenant string, s Spec, step time.Duration, from, to time.Time) (Loaded, error) {
	ls, err := Load(ctx, db, Request{Tenant: tenant, Filter: s, Step: step, From: from, To: to})
	if err != nil {
		return Loaded{}, err
	}
	return ls[0], nil
}

// Trim drops the whole days before the first contact, so a series that started recently is
// not read as weeks of closed days. It keeps at least minDays days.
func Trim(l Loaded, minDays int) Loaded {
	if l.First.IsZero() {
		return l
	}
	perDay := int(24 * time.Hour / l.Series.Step)
	first := int(l.First.Sub(l.Series.Start) / l.Series.Step)
	days := min(first/perDay, len(l.Series.Values)/perDay-minDays)
	if days <= 0 {
		return l
	}
	l.Series.Values = l.Series.Values[days*perDay:]
	l.Series.Start = l.Series.Start.Add(time.Duration(days*perDay) * l.Series.Step)
	return l
}

// finite maps NaN and infinities to nil for nullable columns and fields.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
