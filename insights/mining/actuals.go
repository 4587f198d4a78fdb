package mining

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/insights/chsql"
	"github.com/meridian-cs/meridian/insights/roi"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Measured are the ROI inputs measured in ClickHouse, with what they were computed from.
type Measured struct {
	// Actuals holds the figures (nil fields: not measurable, e.g. no data).
	Actuals roi.Actuals
	// Contacts is conversations with a customer message in [First, Last]; Days the span.
	Contacts    int
	First, Last time.Time
	Days        float64
}

// ROIActuals measures the ROI model's inputs that Meridian's own data holds, for p's tenant
// over the regions p may access and [from, to) (zero: all time): annual contacts
// (conversations with a customer message, annualised over the span of the data) and AI
// containment (the metrics measure ai_containment). With no customer message in range
// nothing is measured.
func (s *Service) ROIActuals(ctx context.Context, p auth.Principal, from, to time.Time) (*Measured, error) {
	if err := s.allowed(p); err != nil {
		return nil, err
	}
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	regions := s.regionsFor(p)
	eng := &metrics.Engine{Regions: s.Regions}
	q := metrics.Query{Measures: []string{"contacts", "ai_containment"}}
	if !from.IsZero() {
		q.From = &from
	}
	if !to.IsZero() {
		q.To = &to
	}
	res, err := eng.Run(ctx, p, q)
	if err != nil {
		return nil, err
	}
	m := &Measured{}
	if len(res.Rows) == 1 {
		m.Contacts = int(res.Rows[0].Values[0])
	}
	if m.Contacts == 0 {
		return m, nil
	}
	containment := res.Rows[0].Values[1]

	// The span of the customer messages, to annualise the contact count, robust to outliers.
	spans := make([][2]int64, len(regions))
	err = s.eachRegion(regions, func(i int, region string, _ chsql.Schema) error {
		db, err := s.Regions.DB(region)
		if err != nil {
			return fmt.Errorf("mining: %w", err)
		}
		var b clickhouse.Binder
		cond := []string{"tenant = " + b.String(p.Tenant), "type = 'message.received'"}
		if !from.IsZero() {
			cond = append(cond, "occurred_at >= toDateTime64("+b.String(from.UTC().Format(clickhouse.TimeFormat))+", 3, 'UTC')")
		}
		if !to.IsZero() {
			cond = append(cond, "occurred_at < toDateTime64("+b.String(to.UTC().Format(clickhouse.TimeFormat))+", 3, 'UTC')")
		}
		// The 0.1% and 99.9% quantiles, not min and max: one message dated decades off (a
		// client's clock, a backfill's typo) stretched the span and divided the annual
		// contacts by it.
		r, err := db.QueryParams(ctx, fmt.Sprintf("SELECT quantileExactLow(0.001)(toUnixTimestamp64Milli(occurred_at)), quantileExactHigh(0.999)(toUnixTimestamp64Milli(occurred_at)), count() FROM %s.events FINAL WHERE %s",
			clickhouse.Database(region), strings.Join(cond, " AND ")), b.Params())
		if err != nil {
			return fmt.Errorf("mining: span in region %s: %w", region, err)
		}
		if len(r.Rows) == 1 && len(r.Rows[0]) == 3 && clickhouse.Float(r.Rows[0][2]) > 0 {
			spans[i] = [2]int64{int64(clickhouse.Float(r.Rows[0][0])), int64(clickhouse.Float(r.Rows[0][1]))}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var lo, hi int64
	for _, sp := range spans {
		if sp == [2]int64{} {
			continue
		}
		if lo == 0 || sp[0] < lo {
			lo = sp[0]
		}
		hi = max(hi, sp[1])
	}
	m.First, m.Last = time.UnixMilli(lo).UTC(), time.UnixMilli(hi).UTC()
	// At least a day, so that a burst of test traffic is not annualised from minutes.
	m.Days = max(1, m.Last.Sub(m.First).Hours()/24)
	annual := float64(m.Contacts) * 365 / m.Days
	m.Actuals = roi.Actuals{
		Source: fmt.Sprintf("clickhouse tenant=%s regions=%s %s..%s: %d contacts over %.1f days",
			p.Tenant, strings.Join(regions, "+"), m.First.Format("2006-01-02"), m.Last.Format("2006-01-02"), m.Contacts, m.Days),
		AnnualContacts: &annual,
		AIContainment:  &containment,
	}
	return m, nil
}
