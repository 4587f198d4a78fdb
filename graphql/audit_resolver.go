package graphql

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/graphql/generated"
)

// maxAuditPage bounds auditLog(first).
const maxAuditPage = 500

// auditRegions checks the audit fields' common ground: the caller may use the audit trail
// (in region, if named), the trail is configured, and region is one of its regions.
func (r *Resolver) auditRegions(ctx context.Context, field, region string) (auth.Principal, []string, error) {
	p, err := r.principalFor(ctx, auth.ActionAudit, region)
	if err != nil {
		return p, nil, err
	}
	if r.audit == nil {
		return p, nil, statusErrorf(http.StatusServiceUnavailable, "%s: the audit trail is not configured on this server", field)
	}
	all := r.audit.Regions()
	if region != "" {
		if !slices.Contains(all, region) {
			return p, nil, statusErrorf(http.StatusBadRequest, "%s(region): unknown region %q (regions: %s)", field, region, strings.Join(all, ", "))
		}
		return p, []string{region}, nil
	}
	var mine []string
	for _, reg := range all {
		if p.CanAccess(reg) {
			mine = append(mine, reg)
		}
	}
	return p, mine, nil
}

// VerifyAuditLog recomputes the chains of region, or of every region the key may access, and
// records that it did (the outcome valid or invalid) in each verified region's log.
func (q queryResolver) VerifyAuditLog(ctx context.Context, region *string) (*generated.AuditVerification, error) {
	_, regions, err := q.auditRegions(ctx, "verifyAuditLog", deref(region))
	if err != nil {
		return nil, err
	}
	out := &generated.AuditVerification{Valid: true, Regions: []generated.AuditRegionVerification{}}
	for _, reg := range regions {
		v, err := q.audit.Verify(ctx, reg)
		if err != nil {
			return nil, q.fail(ctx, err)
		}
		rv := generated.AuditRegionVerification{Region: reg, Valid: v.Valid, Entries: v.Entries}
		if v.FirstInvalidEntry != nil {
			n := int(*v.FirstInvalidEntry)
			rv.FirstInvalidEntry, rv.Reason = &n, &v.Reason
		}
		out.Regions = append(out.Regions, rv)
		out.Entries += v.Entries
		if !v.Valid && out.Valid {
			out.Valid, out.FirstInvalidEntry, out.Reason = false, rv.FirstInvalidEntry, rv.Reason
		}
		outcome := "valid"
		if !v.Valid {
			outcome = "invalid"
		}
		if err := q.appendAudit(ctx, audit.Entry{Action: audit.ActionVerify, Region: reg, Outcome: outcome}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AuditLog pages through a region's trail, the caller's tenant's entries only.
func (q queryResolver) AuditLog(ctx context.Context, region string, first *int, after, subject, action *string) (*generated.AuditConnection, error) {
	if region == "" {
		return nil, statusErrorf(http.StatusBadRequest, "auditLog(region): give a region")
	}
	p, _, err := q.auditRegions(ctx, "auditLog", region)
	if err != nil {
		return nil, err
	}
	n := 50
	if first != nil {
		n = *first
	}
	if n < 1 || n > maxAuditPage {
		return nil, statusErrorf(http.StatusBadRequest, "auditLog(first): %d is not between 1 and %d", n, maxAuditPage)
	}
	var from int64
	if a := deref(after); a != "" {
		from, err = strconv.ParseInt(a, 10, 64)
		if err != nil || from < 0 {
			return nil, statusErrorf(http.StatusBadRequest, "auditLog(after): not a cursor this query gave")
		}
	}
	entries, more, err := q.audit.List(ctx, region, audit.Query{Tenant: p.Tenant, After: from, First: n, Subject: deref(subject), Action: deref(action)})
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	out := &generated.AuditConnection{Edges: make([]generated.AuditEdge, len(entries)), PageInfo: &generated.PageInfo{HasNextPage: more}}
	for i, e := range entries {
		cur := strconv.FormatInt(e.Seq, 10)
		out.Edges[i] = generated.AuditEdge{Cursor: cur, Node: &generated.AuditEntry{Seq: int(e.Seq), At: e.At, Tenant: e.Tenant, KeyID: e.KeyID,
			Role: e.Role, Action: e.Action, Subject: e.Subject, Region: e.Region, From: e.From, Outcome: e.Outcome, PrevHash: e.PrevHash, Hash: e.Hash}}
		out.PageInfo.EndCursor = &cur
	}
	if err := q.appendAudit(ctx, audit.Entry{Action: audit.ActionReadLog, Region: region, Subject: deref(subject)}); err != nil {
		return nil, err
	}
	return out, nil
}

// recordAction records an administrative action that is done: a failure to record it is
// logged at Error level (with what the entry would have said) rather than reported as the
// action failing.
func (r *Resolver) recordAction(ctx context.Context, e audit.Entry) {
	if r.audit == nil {
		return
	}
	if _, err := r.audit.Append(ctx, e); err != nil {
		r.log.ErrorContext(ctx, "audit: action not recorded", "action", e.Action, "region", e.Region, "subject", e.Subject, "err", err)
	}
}

// appendAudit records an administrative or compliance action; with no trail configured it
// does nothing. A failure fails the compliance read that asked for it.
func (r *Resolver) appendAudit(ctx context.Context, e audit.Entry) error {
	if r.audit == nil {
		return nil
	}
	if _, err := r.audit.Append(ctx, e); err != nil {
		return r.fail(ctx, err)
	}
	return nil
}
