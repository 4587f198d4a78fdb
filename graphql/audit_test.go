package graphql_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/metrics/metricstest"
	"github.com/meridian-cs/meridian/store/postgres"
)

// auditHandler serves the API with an audit trail on a fresh database, the gate auditing to it.
func auditHandler(t *testing.T) (http.Handler, *audit.Log, *postgres.DB) {
	t.Helper()
	pg := planPG(t)
	l, err := audit.New(pg.Pool, audit.Options{Regions: metricstest.Regions})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	h := graphql.NewHandler(graphql.Config{Engine: engine, Gate: compliance.NewGate(l), Audit: l,
		Agents: &postgres.Agents{DB: pg, Regions: metricstest.Regions}})
	return h, l, pg
}

const verifyQuery = `query($r: String) { verifyAuditLog(region: $r) { valid entries firstInvalidEntry reason regions { region valid entries firstInvalidEntry } } }`

type verification struct {
	Valid             bool
	Entries           int
	FirstInvalidEntry *int
	Reason            *string
	Regions           []struct {
		Region            string
		Valid             bool
		Entries           int
		FirstInvalidEntry *int
	}
}

// Only compliance and admin keys read or verify the trail, each within its regions; the
// refusal names the field and the roles that may.
func TestAuditFieldsAreForComplianceAndAdminOnly(t *testing.T) {
	h, _, _ := auditHandler(t)
	for _, role := range auth.Roles() {
		for _, q := range []string{`{ verifyAuditLog { valid } }`, `{ auditLog(region: "eu") { edges { cursor } } }`} {
			status, body := post(t, h, principal(role), q, nil)
			allowed := role == auth.RoleCompliance || role == auth.RoleAdmin
			if allowed != !strings.Contains(body, `"errors"`) {
				t.Errorf("%s: %s → %d %s", role, q, status, body)
			}
			if !allowed && !strings.Contains(body, "roles that can: admin, compliance") {
				t.Errorf("%s: refusal does not say who may: %s", role, body)
			}
		}
	}
	_, body := post(t, h, principal(auth.RoleCompliance, "eu"), `{ auditLog(region: "us") { edges { cursor } } }`, nil)
	if !strings.Contains(body, `may not access region \"us\"`) {
		t.Errorf("eu key reading us's trail: %s", body)
	}
	for q, want := range map[string]string{
		`{ auditLog(region: "mars") { edges { cursor } } }`:           `auditLog(region): unknown region \"mars\"`,
		`{ verifyAuditLog(region: "mars") { valid } }`:                `verifyAuditLog(region): unknown region \"mars\"`,
		`{ auditLog(region: "eu", first: 0) { edges { cursor } } }`:   `auditLog(first): 0 is not between 1 and 500`,
		`{ auditLog(region: "eu", after: "x") { edges { cursor } } }`: `auditLog(after)`,
	} {
		if _, body := post(t, h, principal(auth.RoleCompliance), q, nil); !strings.Contains(body, want) {
			t.Errorf("%s: %s, want %s", q, body, want)
		}
	}
}

// Reads through the gate and administrative mutations land in the region's trail with the
// key's id; auditLog pages through them and verifyAuditLog finds the chain valid, then
// names the entry an UPDATE changed.
func TestAuditLogListsReadsAndActionsAndVerifyFindsTampering(t *testing.T) {
	ctx := context.Background()
	h, l, pg := auditHandler(t)
	admin := principal(auth.RoleAdmin)
	admin.KeyID = "adminkey"
	var up struct{ UpsertAgent struct{ ID string } }
	do(t, h, admin, `mutation { upsertAgent(input: {id: "lena", name: "Lena", region: "eu", languages: ["de"], skills: [], tiers: [],
		maxConcurrent: 3, timezone: "Europe/Berlin", shifts: []}) { id } }`, nil, &up)
	var pres struct{ SetAgentPresence struct{ ID string } }
	do(t, h, admin, `mutation { setAgentPresence(agentId: "lena", status: ONLINE) { id } }`, nil, &pres)
	p := auth.Principal{Tenant: metricstest.Tenant, Role: auth.RoleAgent, KeyID: "agentkey"}
	gate := compliance.NewGate(l)
	for i := range 3 {
		gate.Text(ctx, p, "eu", fmt.Sprintf("cus_%d", i), "hi") // as the resolvers do
	}
	if err := l.Close(ctx); err != nil { // flushes the gate's reads; the API's appends wait anyway
		t.Fatal(err)
	}
	// A new log for the rest, like a restarted server.
	l2, err := audit.New(pg.Pool, audit.Options{Regions: metricstest.Regions})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close(ctx)
	h = graphql.NewHandler(graphql.Config{Engine: engine, Audit: l2})
	comp := principal(auth.RoleCompliance)
	var page struct {
		AuditLog struct {
			Edges []struct {
				Cursor string
				Node   struct {
					Seq                                                   int
					KeyID, Role, Action, Subject, Outcome, PrevHash, Hash string
				}
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	do(t, h, comp, `{ auditLog(region: "eu", first: 2) { edges { cursor node { seq keyId role action subject outcome prevHash hash } } pageInfo { hasNextPage endCursor } } }`, nil, &page)
	e := page.AuditLog.Edges
	if len(e) != 2 || !page.AuditLog.PageInfo.HasNextPage || e[0].Node.Action != audit.ActionUpsertAgent || e[0].Node.KeyID != "adminkey" ||
		e[0].Node.Subject != "lena" || e[1].Node.Action != audit.ActionSetPresence || e[1].Node.Outcome != "ONLINE" || e[1].Node.PrevHash != e[0].Node.Hash {
		t.Fatalf("first page: %+v", page.AuditLog)
	}
	do(t, h, comp, `query($a: String) { auditLog(region: "eu", first: 10, after: $a, action: "read.text") { edges { cursor node { seq keyId role action subject outcome prevHash hash } } pageInfo { hasNextPage endCursor } } }`,
		map[string]any{"a": page.AuditLog.PageInfo.EndCursor}, &page)
	if e = page.AuditLog.Edges; len(e) != 3 || page.AuditLog.PageInfo.HasNextPage || e[0].Node.Seq != 3 || e[0].Node.KeyID != "agentkey" || e[2].Node.Subject != "cus_2" {
		t.Fatalf("reads: %+v", page.AuditLog)
	}

	var v struct{ VerifyAuditLog verification }
	do(t, h, comp, verifyQuery, map[string]any{"r": "eu"}, &v)
	// 5 entries, plus auditLog's own two reads of the trail.
	if !v.VerifyAuditLog.Valid || v.VerifyAuditLog.Entries != 7 || v.VerifyAuditLog.FirstInvalidEntry != nil {
		t.Fatalf("untampered: %+v", v.VerifyAuditLog)
	}
	if _, err := pg.Pool.Exec(ctx, `UPDATE region_eu.audit_log SET subject = 'cus_9' WHERE seq = 4`); err != nil {
		t.Fatal(err)
	}
	do(t, h, comp, verifyQuery, nil, &v)
	got := v.VerifyAuditLog
	if got.Valid || got.FirstInvalidEntry == nil || *got.FirstInvalidEntry != 4 || got.Reason == nil || len(got.Regions) != len(metricstest.Regions) {
		t.Fatalf("tampered, every region: %+v", got)
	}
	for _, r := range got.Regions {
		if (r.Region == "eu") == r.Valid {
			t.Errorf("region %+v", r)
		}
	}
	// An eu-only key verifies eu only.
	do(t, h, principal(auth.RoleCompliance, "eu"), verifyQuery, nil, &v)
	if len(v.VerifyAuditLog.Regions) != 1 || v.VerifyAuditLog.Valid {
		t.Errorf("eu key: %+v", v.VerifyAuditLog)
	}
}
