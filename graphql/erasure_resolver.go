package graphql

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/compliance/erasure"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/identity"
)

func errErasureOff(field string) error {
	return statusErrorf(http.StatusServiceUnavailable, "%s: erasure is not configured on this server", field)
}

// erasureSubject finds the customer a compliance field names and checks the caller may act
// in their region.
func (r *Resolver) erasureSubject(ctx context.Context, p auth.Principal, field, customerID string, key identity.Key) (erasure.Subject, error) {
	sub, err := r.erasure.Find(ctx, p.Tenant, customerID, key)
	if errors.Is(err, erasure.ErrUnknownCustomer) {
		if customerID != "" {
			return sub, statusErrorf(http.StatusNotFound, "%s(customerId): no customer %q", field, customerID)
		}
		return sub, statusErrorf(http.StatusNotFound, "%s(channel, externalId): no customer has the identity %s", field, key.Kind)
	}
	if err != nil {
		return sub, r.fail(ctx, err)
	}
	if err := p.Check(auth.ActionErase, sub.Region); err != nil {
		return sub, r.fail(ctx, err)
	}
	return sub, nil
}

func (r mutationResolver) EraseCustomer(ctx context.Context, customerID, channel, externalID *string, reason string) (*generated.ErasureCertificate, error) {
	p, err := r.principalFor(ctx, auth.ActionErase, "")
	if err != nil {
		return nil, err
	}
	if r.erasure == nil {
		return nil, errErasureOff("eraseCustomer")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, statusErrorf(http.StatusBadRequest, "eraseCustomer(reason): give the reason for the erasure (the request and its legal basis)")
	}
	if err := erasure.CheckReason(reason); err != nil {
		return nil, statusErrorf(http.StatusBadRequest, "eraseCustomer(reason): %s", err)
	}
	id, ch, ext := strings.TrimSpace(deref(customerID)), strings.TrimSpace(deref(channel)), deref(externalID)
	var key identity.Key
	switch {
	case id != "" && (ch != "" || ext != ""):
		return nil, statusErrorf(http.StatusBadRequest, "eraseCustomer(customerId): give customerId or channel and externalId, not both")
	case id == "" && ch == "" && ext == "":
		return nil, statusErrorf(http.StatusBadRequest, "eraseCustomer(customerId): give customerId, or channel and externalId")
	case id == "" && ch == "":
		return nil, statusErrorf(http.StatusBadRequest, "eraseCustomer(channel): give the channel of externalId")
	case id == "" && ext == "":
		return nil, statusErrorf(http.StatusBadRequest, "eraseCustomer(externalId): give the identity's value on channel %q", ch)
	case id == "":
		if key, err = identity.Parse(ch, ext); err != nil {
			return nil, statusErrorf(http.StatusBadRequest, "eraseCustomer(channel: %q): %s", ch, err)
		}
	}
	sub, err := r.erasureSubject(ctx, p, "eraseCustomer", id, key)
	if err != nil {
		return nil, err
	}
	c, err := r.erasure.EraseSubject(ctx, erasure.Request{Tenant: p.Tenant, Reason: reason, By: p.KeyID}, sub)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	// The erasure may have outlasted the request's deadline; its record must not.
	r.recordAction(context.WithoutCancel(ctx), audit.Entry{Action: audit.ActionErase, Region: c.Region, Subject: c.CustomerID, Outcome: strings.ToLower(string(c.Status))})
	return certificate(c), nil
}

func certificate(c erasure.Certificate) *generated.ErasureCertificate {
	out := &generated.ErasureCertificate{ID: c.ID, CustomerPseudonym: c.CustomerID, ReplacementPseudonym: c.Replacement, Region: c.Region,
		Reason: c.Reason, RequestedAt: c.RequestedAt, CompletedAt: c.CompletedAt, Status: generated.ErasureStatus(c.Status),
		Entries: make([]generated.ErasureEntry, len(c.Steps))}
	if c.BlockedReason != "" {
		out.BlockedReason = &c.BlockedReason
	}
	if c.Previous != "" {
		out.PreviousCertificateID = &c.Previous
	}
	for i, s := range c.Steps {
		out.Entries[i] = generated.ErasureEntry{Store: s.Store, Region: s.Region, Action: s.Action, Rows: int(s.Rows), Verified: s.Verified, Detail: s.Detail}
	}
	return out
}

func legalHold(h erasure.Hold) *generated.LegalHold {
	out := &generated.LegalHold{ID: h.ID, CustomerPseudonym: h.CustomerID, Region: h.Region, Reason: h.Reason, PlacedBy: h.PlacedBy,
		PlacedAt: h.PlacedAt, ReleasedAt: h.ReleasedAt, Active: h.Active()}
	if h.ReleasedAt != nil {
		out.ReleasedBy = &h.ReleasedBy
	}
	return out
}

func (r mutationResolver) PlaceLegalHold(ctx context.Context, customerID, reason string) (*generated.LegalHold, error) {
	p, err := r.principalFor(ctx, auth.ActionErase, "")
	if err != nil {
		return nil, err
	}
	if r.erasure == nil {
		return nil, errErasureOff("placeLegalHold")
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return nil, statusErrorf(http.StatusBadRequest, "placeLegalHold(reason): give the reason for the hold")
	}
	if err := erasure.CheckReason(reason); err != nil {
		return nil, statusErrorf(http.StatusBadRequest, "placeLegalHold(reason): %s", err)
	}
	sub, err := r.erasureSubject(ctx, p, "placeLegalHold", strings.TrimSpace(customerID), identity.Key{})
	if err != nil {
		return nil, err
	}
	h, err := r.erasure.Holds.Place(ctx, sub.Region, p.Tenant, sub.CustomerID, reason, p.KeyID)
	if errors.Is(err, erasure.ErrAlreadyHeld) {
		return nil, statusErrorf(http.StatusConflict, "placeLegalHold(customerId): customer %q is already under an active legal hold", sub.CustomerID)
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	r.recordAction(ctx, audit.Entry{Action: audit.ActionPlaceHold, Region: h.Region, Subject: h.CustomerID, Outcome: audit.OutcomeDone})
	return legalHold(h), nil
}

func (r mutationResolver) ReleaseLegalHold(ctx context.Context, customerID string) (*generated.LegalHold, error) {
	p, err := r.principalFor(ctx, auth.ActionErase, "")
	if err != nil {
		return nil, err
	}
	if r.erasure == nil {
		return nil, errErasureOff("releaseLegalHold")
	}
	sub, err := r.erasureSubject(ctx, p, "releaseLegalHold", strings.TrimSpace(customerID), identity.Key{})
	if err != nil {
		return nil, err
	}
	h, err := r.erasure.Holds.Release(ctx, sub.Region, p.Tenant, sub.CustomerID, p.KeyID)
	if errors.Is(err, erasure.ErrNoHold) {
		return nil, statusErrorf(http.StatusNotFound, "releaseLegalHold(customerId): customer %q is under no active legal hold", sub.CustomerID)
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	r.recordAction(ctx, audit.Entry{Action: audit.ActionReleaseHold, Region: h.Region, Subject: h.CustomerID, Outcome: audit.OutcomeDone})
	return legalHold(h), nil
}

func (q queryResolver) LegalHolds(ctx context.Context, region *string, includeReleased *bool) ([]generated.LegalHold, error) {
	reg := deref(region)
	p, err := q.principalFor(ctx, auth.ActionErase, reg)
	if err != nil {
		return nil, err
	}
	if q.erasure == nil {
		return nil, errErasureOff("legalHolds")
	}
	regions := q.erasure.Regions
	if reg != "" {
		if !slices.Contains(regions, reg) {
			return nil, statusErrorf(http.StatusBadRequest, "legalHolds(region): unknown region %q (regions: %s)", reg, strings.Join(regions, ", "))
		}
		regions = []string{reg}
	}
	out := []generated.LegalHold{}
	for _, rg := range regions {
		if !p.CanAccess(rg) {
			continue
		}
		hs, err := q.erasure.Holds.List(ctx, rg, p.Tenant, deref(includeReleased))
		if err != nil {
			return nil, q.fail(ctx, err)
		}
		for _, h := range hs {
			out = append(out, *legalHold(h))
		}
		if err := q.appendAudit(ctx, audit.Entry{Action: audit.ActionReadHolds, Region: rg, Outcome: audit.OutcomeDone}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (q queryResolver) ErasureCertificates(ctx context.Context, customerID string) ([]generated.ErasureCertificate, error) {
	p, err := q.principalFor(ctx, auth.ActionErase, "")
	if err != nil {
		return nil, err
	}
	if q.erasure == nil {
		return nil, errErasureOff("erasureCertificates")
	}
	cs, err := q.erasure.Certificates(ctx, p.Tenant, strings.TrimSpace(customerID))
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	out := []generated.ErasureCertificate{}
	for _, c := range cs {
		if p.CanAccess(c.Region) {
			out = append(out, *certificate(c))
		}
	}
	// Recorded in every region the key may read: that is where the certificates were looked for.
	for _, rg := range q.erasure.Regions {
		if !p.CanAccess(rg) {
			continue
		}
		if err := q.appendAudit(ctx, audit.Entry{Action: audit.ActionReadCertificates, Region: rg, Subject: strings.TrimSpace(customerID), Outcome: audit.OutcomeDone}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (q queryResolver) ExportCustomerData(ctx context.Context, customerID string) (*generated.CustomerExport, error) {
	p, err := q.principalFor(ctx, auth.ActionErase, "")
	if err != nil {
		return nil, err
	}
	if q.erasure == nil {
		return nil, errErasureOff("exportCustomerData")
	}
	sub, err := q.erasureSubject(ctx, p, "exportCustomerData", strings.TrimSpace(customerID), identity.Key{})
	if err != nil {
		return nil, err
	}
	x, err := q.erasure.Export(ctx, p.Tenant, sub)
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	// Personal values leave through the gate, which shows them by role and audits each read.
	for i := range x.Identities {
		x.Identities[i].Value = q.gate.Identity(ctx, p, x.Region, x.CustomerID, x.Identities[i].Value)
	}
	for i := range x.Events {
		e := &x.Events[i]
		if e.Text != "" {
			e.Text = q.gate.Text(ctx, p, x.Region, x.CustomerID, e.Text)
		}
		if e.Summary != "" {
			e.Summary = q.gate.Text(ctx, p, x.Region, x.CustomerID, e.Summary)
		}
	}
	raw, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	q.recordAction(ctx, audit.Entry{Action: audit.ActionExportCustomer, Region: x.Region, Subject: x.CustomerID, Outcome: audit.OutcomeDone})
	return &generated.CustomerExport{CustomerPseudonym: x.CustomerID, Region: x.Region, ExportedAt: x.ExportedAt, JSON: string(raw)}, nil
}
