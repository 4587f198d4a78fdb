package graphql

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/compliance/residency"
	"github.com/meridian-cs/meridian/compliance/retention"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/models"
)

// Retention applies the retention policy now (retention.Runner).
type Retention interface {
	Apply(ctx context.Context) (retention.Report, error)
}

// Residency reports where data is (residency.Reporter).
type Residency interface {
	Report(ctx context.Context, regions []string) ([]residency.Region, error)
}

// ConsentStore records customers' consent (store/postgres.Consents).
type ConsentStore interface {
	Set(ctx context.Context, region, tenant, customerID, channel, purpose string, granted bool) (channels.Consent, error)
	List(ctx context.Context, region, tenant, customerID string) ([]channels.Consent, error)
}

// ApplyRetention runs the retention policy in every region; the caller must have the
// retention action in each (the policy is the installation's, not a region's).
func (r mutationResolver) ApplyRetention(ctx context.Context) (*generated.RetentionReport, error) {
	p, err := r.principalFor(ctx, auth.ActionRetention, "")
	if err != nil {
		return nil, err
	}
	for _, reg := range r.regions.Names() {
		if err := p.Check(auth.ActionRetention, reg); err != nil {
			return nil, statusErrorf(http.StatusForbidden, "applyRetention: the retention policy applies to every region, and this key may not access region %q", reg)
		}
	}
	if r.retention == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "applyRetention: retention is not configured on this server")
	}
	rep, err := r.retention.Apply(ctx)
	// What was removed is recorded even when a later step failed.
	perRegion := map[string]int64{}
	for _, l := range rep.Removals {
		perRegion[l.Region] += l.Rows
	}
	for _, reg := range r.regions.Names() {
		outcome := "removed " + strconv.FormatInt(perRegion[reg], 10) + " rows"
		if err != nil {
			outcome += "; failed"
		}
		if aerr := r.appendAudit(ctx, audit.Entry{Action: audit.ActionApplyRetention, Region: reg, Outcome: outcome}); aerr != nil && err == nil {
			return nil, aerr
		}
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	out := &generated.RetentionReport{RanAt: rep.At, RowsRemoved: int(rep.Rows), HeldCustomers: rep.Held, Removals: make([]generated.RetentionRemoval, len(rep.Removals))}
	for i, l := range rep.Removals {
		var country *string
		if l.Country != "" {
			country = &l.Country
		}
		except := l.Except
		if except == nil {
			except = []string{}
		}
		out.Removals[i] = generated.RetentionRemoval{Store: l.Store, Region: l.Region, Kind: string(l.Kind), Country: country, Except: except,
			Table: l.Table, Rows: int(l.Rows), Cutoff: l.Cutoff, Period: l.Period.String()}
	}
	return out, nil
}

// ResidencyReport describes region, or every region the key may access.
func (q queryResolver) ResidencyReport(ctx context.Context, region *string) ([]generated.ResidencyRegion, error) {
	p, err := q.principalFor(ctx, auth.ActionRetention, deref(region))
	if err != nil {
		return nil, err
	}
	if q.residency == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "residencyReport: not configured on this server")
	}
	all := q.regions.Names()
	var regions []string
	if reg := deref(region); reg != "" {
		if !slices.Contains(all, reg) {
			return nil, statusErrorf(http.StatusBadRequest, "residencyReport(region): unknown region %q (regions: %s)", reg, strings.Join(all, ", "))
		}
		regions = []string{reg}
	} else {
		for _, reg := range all {
			if p.CanAccess(reg) {
				regions = append(regions, reg)
			}
		}
	}
	rep, err := q.residency.Report(ctx, regions)
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	out := make([]generated.ResidencyRegion, len(rep))
	for i, reg := range rep {
		out[i] = generated.ResidencyRegion{Region: reg.Region, Countries: reg.Countries, Fallback: reg.Fallback, MisplacedRows: int(reg.Misplaced), Stores: []generated.ResidencyStore{}}
		for _, s := range reg.Stores {
			gs := generated.ResidencyStore{Store: s.Store, Location: s.Location, Kinds: s.Kinds, Tables: []generated.ResidencyTable{}, Countries: []generated.CountryRows{}}
			for _, t := range s.Tables {
				gt := generated.ResidencyTable{Name: t.Name}
				if t.Rows >= 0 {
					n := int(t.Rows)
					gt.Rows = &n
				}
				gs.Tables = append(gs.Tables, gt)
			}
			for _, c := range slices.Sorted(maps.Keys(s.Countries)) {
				gs.Countries = append(gs.Countries, generated.CountryRows{Country: c, Rows: int(s.Countries[c])})
			}
			out[i].Stores = append(out[i].Stores, gs)
		}
		if err := q.appendAudit(ctx, audit.Entry{Action: audit.ActionResidencyReport, Region: reg.Region, Outcome: audit.OutcomeDone}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// consentCustomer finds the customer a consent field (named for its errors) is about, if p
// may record consent in its region.
func (r *Resolver) consentCustomer(ctx context.Context, field, id string) (auth.Principal, string, error) {
	p, err := r.principalFor(ctx, auth.ActionConsent, "")
	if err != nil {
		return p, "", err
	}
	if r.customers == nil || r.consents == nil {
		return p, "", statusErrorf(http.StatusServiceUnavailable, "%s: consent is not configured on this server", field)
	}
	c, err := r.customers.Customer(ctx, p.Tenant, id)
	if err != nil {
		if errors.Is(err, identity.ErrNotFound) {
			return p, "", statusErrorf(http.StatusBadRequest, "%s(customerId): no customer %q", field, id)
		}
		return p, "", r.fail(ctx, err)
	}
	if err := p.Check(auth.ActionConsent, c.Region); err != nil {
		return p, "", r.fail(ctx, err)
	}
	return p, c.Region, nil
}

// SetConsent records a customer's answer for a channel and purpose.
func (r mutationResolver) SetConsent(ctx context.Context, customerID, channel, purpose string, granted bool) (*generated.Consent, error) {
	if !models.ValidChannel(channel) {
		return nil, statusErrorf(http.StatusBadRequest, "setConsent(channel): %q is not a channel (%s)", channel, strings.Join(models.Channels, ", "))
	}
	if !slices.Contains(channels.Purposes, purpose) {
		return nil, statusErrorf(http.StatusBadRequest, "setConsent(purpose): %q is not a purpose (%s)", purpose, strings.Join(channels.Purposes, ", "))
	}
	p, region, err := r.consentCustomer(ctx, "setConsent", customerID)
	if err != nil {
		return nil, err
	}
	c, err := r.consents.Set(ctx, region, p.Tenant, customerID, channel, purpose, granted)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	outcome := "revoked " + channel + " " + purpose
	if granted {
		outcome = "granted " + channel + " " + purpose
	}
	r.recordAction(ctx, audit.Entry{Action: audit.ActionSetConsent, Region: region, Subject: customerID, Outcome: outcome})
	return consentOut(c), nil
}

// Consents lists a customer's answers; the read is in the audit trail (read.consents).
func (q queryResolver) Consents(ctx context.Context, customerID string) ([]generated.Consent, error) {
	p, region, err := q.consentCustomer(ctx, "consents", customerID)
	if err != nil {
		return nil, err
	}
	cs, err := q.consents.List(ctx, region, p.Tenant, customerID)
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	q.recordAction(ctx, audit.Entry{Action: audit.ActionReadConsents, Region: region, Subject: customerID, Outcome: compliance.OutcomeClear})
	out := make([]generated.Consent, len(cs))
	for i, c := range cs {
		out[i] = *consentOut(c)
	}
	return out, nil
}

func consentOut(c channels.Consent) *generated.Consent {
	return &generated.Consent{CustomerID: c.CustomerID, Channel: c.Channel, Purpose: c.Purpose, Granted: c.Granted, UpdatedAt: c.UpdatedAt}
}

// ConsentPurposes lists channels.Purposes, the purposes setConsent takes.
func (r queryResolver) ConsentPurposes(ctx context.Context) ([]string, error) {
	if _, ok := auth.FromContext(ctx); !ok {
		return nil, statusErrorf(http.StatusUnauthorized, "consentPurposes: no API key")
	}
	return slices.Clone(channels.Purposes), nil
}
