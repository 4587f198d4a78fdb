package compliance

import (
	"context"
	"log/slog"
	"time"

	"github.com/meridian-cs/meridian/auth"
)

// Audit actions the gate records.
const (
	ActionReadText       = "read.text"
	ActionReadCustomerID = "read.customer_id"
	ActionReadIdentity   = "read.identity"
	ActionReadOrder      = "read.order"
	// ActionSearchText: a conversation was listed for what its customers' messages say (the
	// insights drill to the conversations mentioning a competitor or price, or with a theme).
	ActionSearchText = "search.text"
)

// Outcomes of a gated read.
const (
	OutcomeClear  = "clear"  // shown as stored
	OutcomeMasked = "masked" // shown with identifiers masked
	OutcomeHidden = "hidden" // not shown
)

// Hidden is what a caller sees in place of text its role may not read.
const Hidden = "[hidden]"

// AuditEntry is one read of personal data. Subject is the pseudonymous customer id, never the
// data itself.
type AuditEntry struct {
	At     time.Time
	Tenant string
	// KeyID names the caller's API key (auth.Principal.KeyID).
	KeyID   string
	Role    string
	Action  string
	Region  string
	Subject string
	Outcome string
}

// Auditor records reads of personal data. Implementations are safe for concurrent use;
// Record must not block the read for long (buffer, or write to a local log).
type Auditor interface {
	Record(ctx context.Context, e AuditEntry)
}

// SlogAuditor writes audit entries as structured log records at Info level.
type SlogAuditor struct{ Logger *slog.Logger }

// Record implements Auditor.
func (a SlogAuditor) Record(ctx context.Context, e AuditEntry) {
	l := a.Logger
	if l == nil {
		l = slog.Default()
	}
	l.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.Time("at", e.At), slog.String("tenant", e.Tenant), slog.String("key_id", e.KeyID), slog.String("role", e.Role),
		slog.String("action", e.Action), slog.String("region", e.Region),
		slog.String("subject", e.Subject), slog.String("outcome", e.Outcome))
}

// Gate is the one place the API layer reads personal data through: it decides, by the
// caller's role and the data's region (its Policy, with the region's overrides), whether a value is shown in the clear,
// masked or hidden, and how many distinct customers must share an aggregate drawn from
// message texts before it is shown; it records every read with the Auditor. The zero value
// applies DefaultPolicy and audits to slog.Default.
type Gate struct {
	Auditor Auditor
	// Policy is the role × field table with its region overrides; nil means DefaultPolicy.
	Policy *Policy
	// Now stamps audit entries; nil means time.Now.
	Now func() time.Time
}

// NewGate returns a gate that records reads with a; nil means SlogAuditor over slog.Default.
func NewGate(a Auditor) *Gate { return &Gate{Auditor: a} }

// policy is the gate's policy: its Policy, or DefaultPolicy.
func (g *Gate) policy() *Policy {
	if g.Policy != nil {
		return g.Policy
	}
	return &defaultPolicy
}

var defaultPolicy = DefaultPolicy()

// Access returns how p sees field f of a customer in region by the gate's policy, the
// region's overrides included. It says nothing of whether p may access the region at all:
// the gate's reads hide data of regions outside p's scope whatever the policy says.
func (g *Gate) Access(p auth.Principal, region string, f Field) Access {
	return g.policy().Access(p.Role, region, f)
}

// AccessAcross returns how p sees field f in a read that spans regions (an aggregate over
// them): the strictest of the regions' rules.
func (g *Gate) AccessAcross(p auth.Principal, regions []string, f Field) Access {
	return g.policy().Strictest(p.Role, regions, f)
}

// Roles returns the roles that see field f at all by the gate's policy (its rules without
// region overrides), sorted.
func (g *Gate) Roles(f Field) []string {
	return g.policy().Roles(f)
}

// MinCustomers returns k for p and field f over regions: the fewest distinct customers
// whose messages must contain a phrase, theme or example before p is shown it, the largest
// of the regions' rules.
func (g *Gate) MinCustomers(p auth.Principal, regions []string, f Field) int {
	return g.AccessAcross(p, regions, f).MinCustomers
}

// Text returns a message text as principal p may see it: in the clear, masked (Mask) or
// Hidden. Data from a region outside p's scope is always hidden.
func (g *Gate) Text(ctx context.Context, p auth.Principal, region, customerID, text string) string {
	return g.read(ctx, p, FieldText, ActionReadText, region, customerID, text)
}

// Identity returns a customer's identity value (phone number, e-mail address, platform user
// id) as p may see it (FieldIdentity).
func (g *Gate) Identity(ctx context.Context, p auth.Principal, region, customerID, value string) string {
	return g.read(ctx, p, FieldIdentity, ActionReadIdentity, region, customerID, value)
}

// Example returns an insight report's example message as p may see it (FieldExample). The
// caller shows examples only of aggregates that met MinCustomers.
func (g *Gate) Example(ctx context.Context, p auth.Principal, region, customerID, text string) string {
	return g.read(ctx, p, FieldExample, ActionReadText, region, customerID, text)
}

// Order decides how p sees a customer's orders (FieldOrder) and records the read: the
// outcome, OutcomeHidden for a region outside p's scope. The caller asks the shop only when
// the outcome is not hidden, and masks what identifies the order (Mask) when it is masked.
func (g *Gate) Order(ctx context.Context, p auth.Principal, region, customerID string) string {
	return g.decide(ctx, p, FieldOrder, ActionReadOrder, region, customerID)
}

// MaySearch reports whether p may have conversations of region selected by what their
// messages say (texts matched in the database, none shown): the region is in p's scope and
// p reads texts there, in the clear or masked. A role that may not read a text may not learn
// what it says by selecting on it either.
func (g *Gate) MaySearch(p auth.Principal, region string) bool {
	return p.CanAccess(region) && g.Access(p, region, FieldText).Outcome != OutcomeHidden
}

// Matched records that conversation id of region was listed to p for what its messages say
// (ActionSearchText), with the outcome p reads its texts with (hidden where MaySearch is false).
func (g *Gate) Matched(ctx context.Context, p auth.Principal, region, conversationID string) {
	g.decide(ctx, p, FieldText, ActionSearchText, region, conversationID)
}

// decide returns how p sees field f of region's data (OutcomeHidden outside p's scope) and
// records the read as action on subject.
func (g *Gate) decide(ctx context.Context, p auth.Principal, f Field, action, region, subject string) string {
	outcome := g.Access(p, region, f).Outcome
	if !p.CanAccess(region) {
		outcome = OutcomeHidden
	}
	g.record(ctx, p, action, region, subject, outcome)
	return outcome
}

func (g *Gate) read(ctx context.Context, p auth.Principal, f Field, action, region, customerID, text string) string {
	switch g.decide(ctx, p, f, action, region, customerID) {
	case OutcomeClear:
		return text
	case OutcomeMasked:
		return Mask(text)
	}
	return Hidden
}

// CustomerID returns a pseudonymous customer id as p may see it (FieldCustomerID): in
// DefaultPolicy every role that reads conversations sees it, the aggregate-only roles
// (planner, executive) get "".
func (g *Gate) CustomerID(ctx context.Context, p auth.Principal, region, customerID string) string {
	if customerID == "" {
		return ""
	}
	outcome := OutcomeClear
	if !p.CanAccess(region) || g.Access(p, region, FieldCustomerID).Outcome == OutcomeHidden {
		outcome = OutcomeHidden
	}
	g.record(ctx, p, ActionReadCustomerID, region, customerID, outcome)
	if outcome == OutcomeHidden {
		return ""
	}
	return customerID
}

func (g *Gate) record(ctx context.Context, p auth.Principal, action, region, subject, outcome string) {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	var a Auditor = SlogAuditor{}
	if g.Auditor != nil {
		a = g.Auditor
	}
	a.Record(ctx, AuditEntry{At: now().UTC(), Tenant: p.Tenant, KeyID: p.KeyID, Role: p.Role, Action: action, Region: region, Subject: subject, Outcome: outcome})
}
