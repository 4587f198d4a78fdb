package enrich_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/enrich"
)

// plain analyses every text as English, neutral: the tier's path is what is tested here.
type plain struct{}

func (plain) Analyze(context.Context, understanding.Input) understanding.TextAnalysis {
	return understanding.TextAnalysis{Language: "en", LanguageConfidence: 1}
}

type kept struct{ events []models.Event }

func (k *kept) Accept(_ context.Context, _ string, events []models.Event) error {
	k.events = append(k.events, events...)
	return nil
}

// A message without a tier takes the CRM's, asked with the customer's contact details opened
// from their seal; a message with a tier keeps it without asking; a CRM that fails or does
// not know the customer leaves the analysis without a tier.
func TestTheCRMTierRidesOnTheAnalysis(t *testing.T) {
	ctx := context.Background()
	_, keys := openStore(t, ctx)
	svc := &ingest.Service{Policy: models.DefaultPolicy(), Keys: keys, Now: time.Now}
	var asked []string
	tier := func(_ context.Context, email, phone string) (string, error) {
		asked = append(asked, email+"|"+phone)
		switch email {
		case "lena@example.de":
			return "vip", nil
		case "down@example.de":
			return "", errors.New("crm: HTTP 503")
		}
		return "", nil
	}
	out := &kept{}
	h := &enrich.Handler{Region: "eu", Analyzer: plain{}, Keys: keys, Publish: out, Tier: tier}
	msg := func(id, email, tier string) models.Event {
		return models.Event{ID: id, Type: models.MessageReceived, OccurredAt: time.Now(), Channel: "email", Direction: models.Inbound,
			ConversationID: "c-" + id, Text: "Where is my parcel?", Customer: &models.Customer{Country: "DE", Email: email, Tier: tier}}
	}
	msgs, err := svc.Prepare(ctx, auth.Principal{Tenant: "acme", Role: auth.RoleAdmin},
		[]models.Event{msg("1", "lena@example.de", ""), msg("2", "otto@example.de", "new"), msg("3", "down@example.de", ""), msg("4", "nobody@example.de", "")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Handle(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range out.events {
		got[e.ConversationID] = e.Customer.Tier
	}
	if fmt.Sprint(got) != "map[c-1:vip c-2:new c-3: c-4:]" {
		t.Errorf("tiers on the analyses: %v", got)
	}
	if fmt.Sprint(asked) != "[lena@example.de| down@example.de| nobody@example.de|]" {
		t.Errorf("the CRM was asked %v", asked)
	}
}
