package graphql_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// The probe's request: one customer's six messages in a narrow window, asked for with
// minSupport 1. Their phone numbers, IBAN and passwords are never phrases, themes or
// example texts, for an executive or an analyst; a phrase of six customers still is.
func TestOpportunitiesDoNotLeakOneCustomersMessages(t *testing.T) {
	const tenant = "probe"
	ctx := context.Background()
	at := time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC)
	var evs []models.Event
	add := func(country, customer, text string) {
		n := len(evs) + 1
		ts := at.Add(time.Duration(n) * 7 * time.Second)
		evs = append(evs, models.Event{ID: fmt.Sprintf("probe-%03d", n), Type: models.MessageReceived, Tenant: tenant, Region: "eu",
			OccurredAt: ts, ReceivedAt: ts, Channel: "webchat", Direction: "inbound", ConversationID: fmt.Sprintf("probe-c%03d", n),
			CustomerID: customer, Customer: &models.Customer{Country: country}, Language: "fr", Text: text})
	}
	for i := range 6 {
		add("FR", "probe-leak", "numero 0612345678, iban fr7630006000011234567890189 soit FR76 3000 6000 0112 3456 7890 189, mot de passe : zorglubquux, password Tr0ub4dor&3, la garantie prolongee svp")
		add("FR", fmt.Sprintf("probe-w-%d", i), "Je voudrais la garantie prolongee pour mon achat")
	}
	for i := range 150 {
		add("BE", fmt.Sprintf("probe-be-%d", i%30), []string{"Ou est ma commande ?", "Le colis est en retard.", "Merci beaucoup pour votre aide."}[i%3])
	}
	if _, err := (&clickhouse.EventWriter{DB: regionDB(t, "eu"), Region: "eu"}).StoreEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"0612345678", "7630006000011234567890189", "3000 6000", "zorglubquux", "tr0ub4dor"}
	leak := func(s string) bool {
		for _, x := range secrets {
			if strings.Contains(strings.ToLower(s), x) {
				return true
			}
		}
		return regexp.MustCompile(`\d{2}`).MatchString(s)
	}
	h := insHandler(&recorder{})
	vars := map[string]any{
		"t": map[string]any{"markets": []string{"FR"}}, "from": at.Format(time.RFC3339), "to": at.Add(time.Hour).Format(time.RFC3339),
	}
	const query = `query($t: SegmentInput!, $from: Time, $to: Time) {
  opportunities(target: $t, from: $from, to: $to, minSupport: 1, limit: 50) {
    label phrases examples { text }
  }
}`
	for _, role := range []string{auth.RoleExecutive, auth.RoleAnalyst} {
		var data struct{ Opportunities []themeJSON }
		do(t, h, &auth.Principal{Tenant: tenant, Role: role}, query, vars, &data)
		shared := false
		for _, th := range data.Opportunities {
			for _, s := range append([]string{th.Label}, th.Phrases...) {
				shared = shared || strings.Contains(s, "garantie prolongee")
				if leak(s) {
					t.Errorf("%s sees phrase %q", role, s)
				}
			}
			for _, ex := range th.Examples {
				if leak(ex.Text) || (role == auth.RoleExecutive && ex.Text != compliance.Hidden) {
					t.Errorf("%s sees example %q", role, ex.Text)
				}
			}
		}
		if !shared {
			t.Errorf("%s: the six customers' \"garantie prolongee\" is not shown: %+v", role, data.Opportunities)
		}
	}
}
