package graphql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/compliance/residency"
	"github.com/meridian-cs/meridian/compliance/retention"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/metrics/metricstest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
)

// applyRetention and residencyReport are for compliance and admin keys; applyRetention needs
// every region (the policy is the installation's); both are audited. The runner here cuts
// PostgreSQL only, so the shared ClickHouse fixtures stay whole for the other tests.
func TestRetentionFieldsAreForComplianceAndAdmin(t *testing.T) {
	pg := planPG(t)
	l, err := audit.New(pg.Pool, audit.Options{Regions: metricstest.Regions})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	h := graphql.NewHandler(graphql.Config{Engine: engine, Gate: compliance.NewGate(l), Audit: l,
		Retention: &retention.Runner{Policy: models.DefaultRetention(), Regions: metricstest.Regions, Postgres: &postgres.Retention{DB: pg}},
		Residency: &residency.Reporter{Policy: models.DefaultPolicy(), Postgres: &postgres.Residency{DB: pg}}})
	const apply, report = `mutation { applyRetention { rowsRemoved removals { store region kind table } } }`, `{ residencyReport { region stores { store location tables { name rows } } } }`
	for _, role := range auth.Roles() {
		for _, q := range []string{apply, report} {
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
	if _, body := post(t, h, principal(auth.RoleCompliance, "eu"), apply, nil); !strings.Contains(body, "applies to every region") {
		t.Errorf("an eu key applying retention: %s", body)
	}
	_, body := post(t, h, principal(auth.RoleCompliance, "eu"), report, nil)
	if !strings.Contains(body, `"region":"eu"`) || strings.Contains(body, `"region":"us"`) || !strings.Contains(body, `"name":"region_eu.consents","rows":0`) {
		t.Errorf("an eu key's residency report: %s", body)
	}
	if _, body := post(t, h, principal(auth.RoleCompliance), `{ residencyReport(region: "mars") { region } }`, nil); !strings.Contains(body, `residencyReport(region): unknown region \"mars\"`) {
		t.Errorf("unknown region: %s", body)
	}
	// Two runs by admin and compliance, and the reports, are in every region's trail.
	for _, r := range metricstest.Regions {
		entries, _, err := l.List(context.Background(), r, audit.Query{Action: audit.ActionApplyRetention, First: 10})
		if err != nil || len(entries) != 2 || entries[0].Outcome != "removed 0 rows" {
			t.Errorf("%s: audit of applyRetention: %+v %v", r, entries, err)
		}
	}
}
