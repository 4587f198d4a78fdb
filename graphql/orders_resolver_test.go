package graphql

import (
	"testing"
	"time"

	"github.com/meridian-cs/meridian/commerce"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/identity"
)

// Only the addresses a customer's messages came from (or a person confirmed, or a shop
// verified) prove an order is theirs; a number typed into a message does not.
func TestOrderContactsLeaveOutWhatAMessageMentions(t *testing.T) {
	c := identity.Customer{Identities: []identity.Identity{
		{Key: identity.Key{Kind: "whatsapp", Value: "4915112345678"}, Origin: "message"},
		{Key: identity.Key{Kind: identity.KindPhone, Value: "+4915112345678"}, Origin: "message"},
		{Key: identity.Key{Kind: identity.KindPhone, Value: "+4917600000000"}, Origin: "signature"},
		{Key: identity.Key{Kind: identity.KindEmail, Value: "lena@example.de"}, Origin: "confirmed"},
		{Key: identity.Key{Kind: identity.KindEmail, Value: "anyone@example.de"}, Origin: "signature"},
		{Key: identity.Key{Kind: identity.KindEmail, Value: "shop@example.de"}, Origin: "verified"},
	}}
	got := contacts(c)
	want := []commerce.Customer{{Email: "lena@example.de", Phone: "+4915112345678"}, {Email: "shop@example.de"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("contacts %+v, want %+v", got, want)
	}
	if len(contacts(identity.Customer{})) != 0 {
		t.Fatal("a customer without contacts has some")
	}
}

// A role that sees orders masked keeps their state, not what identifies them.
func TestOrderOutMasked(t *testing.T) {
	eta := time.Date(2026, 12, 9, 18, 0, 0, 0, time.UTC)
	o := commerce.Order{Number: "1001", Status: commerce.StatusShipped, Currency: "EUR", Total: "59.90",
		Shipments: []commerce.Shipment{{Carrier: "DHL", Status: commerce.ShipmentInTransit, EstimatedDelivery: eta, TrackingURL: "https://dhl.example/1"}}}
	clear := orderOut("shopify", o, compliance.OutcomeClear)
	if clear.Number != "1001" || deref(clear.TrackingURL) != "https://dhl.example/1" || deref(clear.ShipmentStatus) != "in_transit" || !clear.ExpectedDelivery.Equal(eta) {
		t.Errorf("clear %+v", clear)
	}
	masked := orderOut("shopify", o, compliance.OutcomeMasked)
	if masked.Number != compliance.Hidden || masked.TrackingURL != nil || masked.Status != "shipped" || masked.Total != "59.90" {
		t.Errorf("masked %+v", masked)
	}
}

// inboxChanged's tier filter agrees with the inbox query's: the engine's tier of the
// conversation, exactly.
func TestLiveInboxMatchesTier(t *testing.T) {
	in := liveInbox{f: engine.InboxFilter{Statuses: openStatuses, Tiers: []string{"vip"}}}
	if !in.matches("eu", engine.Work{Status: "queued", Tier: "vip"}, "", "") {
		t.Error("a vip conversation is not in the vip inbox")
	}
	if in.matches("eu", engine.Work{Status: "queued", Tier: "returning"}, "", "") || in.matches("eu", engine.Work{Status: "queued"}, "", "") {
		t.Error("another tier is in the vip inbox")
	}
}
