package main

import (
	"context"
	"errors"
	"testing"

	"github.com/meridian-cs/meridian/crm"
)

type directory struct {
	asked int
	fail  bool
}

func (d *directory) Name() string { return "zendesk" }

func (d *directory) Profile(_ context.Context, l crm.Lookup) (crm.Profile, error) {
	d.asked++
	switch {
	case d.fail:
		return crm.Profile{}, errors.New("zendesk: HTTP 503")
	case l.Email == "lena@example.de":
		return crm.Profile{Tier: crm.TierVIP, Source: "zendesk"}, nil
	}
	return crm.Profile{}, crm.ErrNotFound
}

// A customer's tier is asked of the CRM once an hour: a known one and an unknown one are
// remembered, a failure is not.
func TestCRMTiersAreAskedOnce(t *testing.T) {
	d := &directory{}
	c := &crmTiers{dir: d}
	ctx := context.Background()
	for range 3 {
		if tier, err := c.Tier(ctx, "lena@example.de", ""); tier != crm.TierVIP || err != nil {
			t.Fatalf("lena: %q %v", tier, err)
		}
		if tier, err := c.Tier(ctx, "", "+4915112345678"); tier != "" || err != nil {
			t.Fatalf("an unknown customer: %q %v", tier, err)
		}
	}
	if d.asked != 2 {
		t.Fatalf("the CRM was asked %d times, want 2", d.asked)
	}
	d.fail = true
	for range 2 {
		if _, err := c.Tier(ctx, "otto@example.de", ""); err == nil {
			t.Fatal("a failing CRM gave no error")
		}
	}
	if d.asked != 4 {
		t.Fatalf("a failure was remembered: %d asks, want 4", d.asked)
	}
}
