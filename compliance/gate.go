package compliance

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
)

// Audit actions the gate records.
const (
	ActionReadText       = "read.text"
	ActionReadCustomerID = "read.customer_id"
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
	At      time.Time
	Tenant  string
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
		slog.Time("at", e.At), slog.String("tenant", e.Tenant), slog.String("role", e.Role),
		slog.String("action", e.Action), slog.String("region", e.Region),
		slog.String("subject", e.Subject), slog.String("outcome", e.Outcome))
}

// Gate is the one place the API layer reads personal data through: it decides, by the
// caller's role and the data's region, whether a value is shown in the clear, masked or
// hidden, and records every read with the Auditor. The zero value audits to slog.Default.
type Gate struct {
	Auditor Auditor
	// Now stamps audit entries; nil means time.Now.
	Now func() time.Time
}

// NewGate returns a gate that records reads with a; nil means SlogAuditor over slog.Default.
func NewGate(a Auditor) *Gate { return &Gate{Auditor: a} }

// textOutcome says how a role sees free text.
func textOutcome(role string) string {
	switch role {
	case auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin, auth.RoleCompliance:
		return OutcomeClear
	case auth.RoleAnalyst:
		return OutcomeMasked
	}
	return OutcomeHidden // planner, executive, ingest, and any role added later
}

// Text returns a message text as principal p may see it: in the clear, masked (e-mail
// addresses, phone numbers and long digit runs replaced) or Hidden. Data from a region outside
// p's scope is always hidden.
func (g *Gate) Text(ctx context.Context, p auth.Principal, region, customerID, text string) string {
	outcome := textOutcome(p.Role)
	if !p.CanAccess(region) {
		outcome = OutcomeHidden
	}
	g.record(ctx, p, ActionReadText, region, customerID, outcome)
	switch outcome {
	case OutcomeClear:
		return text
	case OutcomeMasked:
		return Mask(text)
	}
	return Hidden
}

// CustomerID returns a pseudonymous customer id as p may see it: every role that reads
// conversations sees it, except the aggregate-only roles (planner, executive), who get "".
func (g *Gate) CustomerID(ctx context.Context, p auth.Principal, region, customerID string) string {
	outcome := OutcomeClear
	switch {
	case customerID == "":
		return ""
	case !p.CanAccess(region), p.Role == auth.RolePlanner, p.Role == auth.RoleExecutive, p.Role == auth.RoleIngest:
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
	a.Record(ctx, AuditEntry{At: now().UTC(), Tenant: p.Tenant, Role: p.Role, Action: action, Region: region, Subject: subject, Outcome: outcome})
}

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	// Six or more digits, optionally separated by single spaces, dots, dashes or parentheses,
	// optionally led by + or an opening parenthesis: phone numbers, card and order numbers.
	digitsRe = regexp.MustCompile(`[+(]?\d(?:[ .\-()]{0,2}\d){5,}`)
)

// Mask replaces e-mail addresses with "[email]", phone-like numbers (a leading + or
// separators) with "[phone]" and other runs of six or more digits with "[number]".
func Mask(text string) string {
	text = emailRe.ReplaceAllString(text, "[email]")
	return digitsRe.ReplaceAllStringFunc(text, func(m string) string {
		if strings.ContainsAny(m, "+ .-()") {
			return "[phone]"
		}
		return "[number]"
	})
}
