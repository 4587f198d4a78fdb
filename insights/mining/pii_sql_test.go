package mining_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/insights/chsql"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Inside ClickHouse, before any check in Go: the phrases counted from the leaking
// customer's messages hold no digit, no secret, and no bigram joins the words on both
// sides of removed data.
func TestClickHouseCountsNoPersonalPhrase(t *testing.T) {
	ctx := context.Background()
	const tenant = "pii3"
	storePII(ctx, t, db, tenant)
	var red []chsql.Redaction
	for _, p := range compliance.Patterns {
		red = append(red, chsql.Redaction{Pattern: p.RE2, Context: p.Context})
	}
	q, err := chsql.EventsSchema(clickhouse.Database("eu")).PhraseCountsAll(
		chsql.Filter{Tenant: tenant, Types: []string{models.MessageReceived}}, chsql.Slice{Countries: []string{"FR"}}, nil,
		chsql.PhraseOptions{MinTarget: 1, Redact: red, NumberRun: compliance.NumberRun})
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, q.Inline())
	if err != nil {
		t.Fatal(err)
	}
	var phrases []string
	for _, row := range res.Rows {
		phrases = append(phrases, clickhouse.String(row[0]))
	}
	for _, ph := range phrases {
		if strings.Contains(ph, "xyzzyplugh") {
			continue // a word, not data: k keeps it hidden (no k in this query)
		}
		if l := leaks(ph); len(l) > 0 || slices.Contains([]string{"numero ou", "iban soit", "soit mot"}, ph) || strings.Contains(ph, "@") {
			t.Errorf("ClickHouse counted %q", ph)
		}
	}
	if !slices.Contains(phrases, "coffret cadeau") || !slices.Contains(phrases, "numero") {
		t.Errorf("phrases %q lack the words around the data", phrases)
	}
}
