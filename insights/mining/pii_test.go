package mining_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/insights/keyness"
	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// The personal data one customer repeats over six messages in an hour: phone numbers
// written two ways, an IBAN written two ways, passwords after a keyword, national
// identifiers of several markets, and a word only they use. Alone in a narrow window, every one of them is over-represented enough to be
// "key".
const leakText = "Bonjour, numero 0612345678 ou 06 12 34 56 78, iban fr7630006000011234567890189 " +
	"soit FR76 3000 6000 0112 3456 7890 189, mot de passe : zorglubquux, password Tr0ub4dor&3, code postal 75011 porte b12, le coffret cadeau est abime, " +
	"nir 2 95 10 99 126 111 93, ssn 123-45-6789, nric S1234567D, steuer-id 86 095 742 719, ni AB 12 34 56 C, cpf 390.533.447-05, dni X-1234567-L"

// secrets are what no role may see in a phrase, a theme or an example.
var secrets = []string{"0612345678", "06 12 34 56 78", "7630006000011234567890189", "3000 6000", "zorglubquux", "tr0ub4dor", "xyzzyplugh",
	"126 111 93", "123-45-6789", "s1234567d", "742 719", "12 34 56", "390.533.447-05", "1234567"}

var piiStart = time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)

// storePII stores tenant's fixture in the eu region through the sink's writer: in FR, the
// leaking customer's six messages, six customers writing about a damaged gift box
// ("coffret cadeau", k = 5 reached), four writing about a torch ("lampe torche", k not
// reached), one repeating a private word six times; in DE, 200 everyday messages of 40
// customers as the baseline.
func storePII(ctx context.Context, t *testing.T, db clickhouse.DB, tenant string) {
	t.Helper()
	var evs []models.Event
	n := 0
	add := func(country, lang, customer, text string) {
		n++
		evs = append(evs, models.Event{
			ID: fmt.Sprintf("%s-m%03d", tenant, n), Type: models.MessageReceived, Tenant: tenant, Region: "eu",
			OccurredAt: piiStart.Add(time.Duration(n) * 10 * time.Second), ReceivedAt: piiStart.Add(time.Duration(n)*10*time.Second + time.Second),
			Channel: "whatsapp", Direction: "inbound", ConversationID: fmt.Sprintf("%s-c%03d", tenant, n),
			CustomerID: customer, Customer: &models.Customer{Country: country}, Language: lang, Text: text,
		})
	}
	for i := range 6 {
		add("FR", "fr", "cust-leak", leakText)
		add("FR", "fr", "cust-private", "Merci pour votre aide, xyzzyplugh encore une fois")
		add("FR", "fr", fmt.Sprintf("cust-gift-%d", i), "Le coffret cadeau est arrivé abîmé, que faire ?")
	}
	for i := range 4 {
		for range 2 {
			add("FR", "fr", fmt.Sprintf("cust-torch-%d", i), "La lampe torche ne s'allume plus")
		}
	}
	base := []string{"Wo ist meine Lieferung?", "Ich möchte die Bestellung stornieren.", "Die Rechnung ist falsch.", "Danke für die schnelle Hilfe.", "Wann kommt das Paket an?"}
	for i := range 200 {
		add("DE", "de", fmt.Sprintf("cust-de-%d", i%40), base[i%len(base)])
	}
	if _, err := (&clickhouse.EventWriter{DB: db, Region: "eu"}).StoreEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
}

// secretsIn returns the secrets s contains.
func secretsIn(s string) []string {
	var out []string
	for _, x := range secrets {
		if strings.Contains(strings.ToLower(s), x) {
			out = append(out, x)
		}
	}
	return out
}

// leaks returns the secrets a phrase contains, and the phrase itself when it holds digits
// (an example text may keep a short number such as a postcode: Mask takes six digits).
func leaks(s string) []string {
	out := secretsIn(s)
	if regexp.MustCompile(`\d`).MatchString(s) {
		out = append(out, "digits in "+s)
	}
	return out
}

// Neither an executive nor an analyst ever sees the digits or the secrets of one customer's
// messages in a phrase, a theme or an example, whatever the minimum support; a phrase of
// six customers still shows, one of four does not.
func TestOpportunitiesNeverShowPersonalData(t *testing.T) {
	ctx := context.Background()
	storePII(ctx, t, db, "pii")
	svc := mining.New(db, regions)
	svc.Gate = compliance.NewGate(&recorder{})
	lax := keyness.DefaultOptions()
	lax.MinTarget, lax.MinTargetDocs = 1, 1 // minSupport: 1
	for _, role := range []string{auth.RoleExecutive, auth.RoleAnalyst} {
		p := auth.Principal{Tenant: "pii", Role: role}
		for _, opt := range []keyness.Options{keyness.DefaultOptions(), lax} {
			res, err := svc.Opportunities(ctx, p, mining.OpportunityRequest{
				Target: mining.Segment{Markets: []string{"FR"}}, From: piiStart, To: piiStart.Add(time.Hour), Keyness: opt,
			})
			if err != nil {
				t.Fatal(err)
			}
			var shown []string
			for _, r := range res.Phrases {
				shown = append(shown, r.Phrase)
			}
			gift, torch := false, false
			for _, th := range res.Themes {
				shown = append(shown, th.Label)
				shown = append(shown, th.Phrases...)
				for _, ph := range th.Phrases {
					gift = gift || ph == "coffret cadeau"
					torch = torch || strings.Contains(ph, "torche")
				}
				for _, ex := range th.Examples {
					text, err := svc.ExampleText(ctx, p, ex)
					if err != nil {
						t.Fatal(err)
					}
					if l := secretsIn(text); len(l) > 0 {
						t.Errorf("%s (min support %d): example %q shows %q", role, opt.MinTarget, text, l)
					}
					if role == auth.RoleExecutive && text != compliance.Hidden {
						t.Errorf("executive read example %q", text)
					}
				}
			}
			for _, s := range shown {
				if l := leaks(s); len(l) > 0 {
					t.Errorf("%s (min support %d): phrase %q shows %q", role, opt.MinTarget, s, l)
				}
			}
			if !gift {
				t.Errorf("%s (min support %d): the six customers' \"coffret cadeau\" is not a theme phrase: %q", role, opt.MinTarget, shown)
			}
			if torch {
				t.Errorf("%s (min support %d): \"lampe torche\" of four customers is shown: %q", role, opt.MinTarget, shown)
			}
		}
	}
}

// Regions count their customers separately; a customer writing from two regions counts
// once towards k. Three customers writing "housse etanche" from FR (eu) and CA (us) are
// three, not six: the phrase stays hidden while the six gift-box customers' phrase shows.
func TestKCountsACustomerInTwoRegionsOnce(t *testing.T) {
	ctx := context.Background()
	const tenant = "pii2"
	storePII(ctx, t, db, tenant)
	var us []models.Event
	for i := range 3 {
		for j, region := range []string{"eu", "us"} {
			country := map[string]string{"eu": "FR", "us": "CA"}[region]
			for m := range 3 {
				n := 100*i + 10*j + m
				ts := piiStart.Add(time.Duration(n) * time.Second)
				e := models.Event{ID: fmt.Sprintf("%s-x%03d", tenant, n), Type: models.MessageReceived, Tenant: tenant, Region: region,
					OccurredAt: ts, ReceivedAt: ts, Channel: "email", Direction: "inbound", ConversationID: fmt.Sprintf("%s-xc%03d", tenant, n),
					CustomerID: fmt.Sprintf("cust-travel-%d", i), Customer: &models.Customer{Country: country}, Language: "fr",
					Text: "Avez-vous une housse etanche pour ce modele ?"}
				if region == "us" {
					us = append(us, e)
					continue
				}
				if _, err := (&clickhouse.EventWriter{DB: db, Region: region}).StoreEvents(ctx, []models.Event{e}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, err := (&clickhouse.EventWriter{DB: db, Region: "us"}).StoreEvents(ctx, us); err != nil {
		t.Fatal(err)
	}
	svc := mining.New(db, regions)
	svc.Gate = compliance.NewGate(&recorder{})
	lax := keyness.DefaultOptions()
	lax.MinTarget, lax.MinTargetDocs = 1, 1
	res, err := svc.Opportunities(ctx, auth.Principal{Tenant: tenant, Role: auth.RoleAnalyst}, mining.OpportunityRequest{
		Target: mining.Segment{Markets: []string{"FR", "CA"}}, From: piiStart, To: piiStart.Add(time.Hour), Keyness: lax,
	})
	if err != nil {
		t.Fatal(err)
	}
	var phrases []string
	for _, th := range res.Themes {
		phrases = append(phrases, th.Phrases...)
	}
	if slices.ContainsFunc(phrases, func(p string) bool { return strings.Contains(p, "etanche") }) {
		t.Errorf("three customers' \"housse etanche\" is shown: %q", phrases)
	}
	if !slices.Contains(phrases, "coffret cadeau") {
		t.Errorf("six customers' \"coffret cadeau\" is not shown: %q", phrases)
	}
}
