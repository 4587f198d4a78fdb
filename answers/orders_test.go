package answers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/answers"
	"github.com/meridian-cs/meridian/commerce"
	"github.com/meridian-cs/meridian/provider"
)

// shop is a commerce platform holding orders, showing each only to its own contact
// (commerce.Visible), as the Shopify and Magento adapters do; fail makes it answer 503.
type shop struct {
	orders map[string]commerce.Order
	fail   bool
}

func (s *shop) Name() string { return "magento" }

func (s *shop) Order(_ context.Context, c commerce.Customer, number string) (commerce.Order, error) {
	if s.fail {
		return commerce.Order{}, &provider.Error{Service: "commerce", Provider: "magento", Status: 503, Message: "maintenance", Kind: provider.ErrProvider}
	}
	o, ok := s.orders[number]
	if !ok || !commerce.Visible(o, c) {
		return commerce.Order{}, commerce.ErrNotFound
	}
	return o, nil
}

func TestOrderQuestionsAreAnsweredFromTheShopToTheirOwnerOnly(t *testing.T) {
	eta := time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC)
	sh := &shop{orders: map[string]commerce.Order{"100000123": {Number: "100000123", Status: commerce.StatusShipped,
		Phone: "+4915112345678", Country: "DE", Shipments: []commerce.Shipment{{Carrier: "DHL", TrackingNumber: "00340434161094042557",
			TrackingURL: "https://www.dhl.de/de/privatkunden.html?piececode=00340434161094042557", Status: commerce.ShipmentInTransit, EstimatedDelivery: eta}}}}}
	s, err := answers.New(answers.Config{Knowledge: demoBase(t), Shop: sh})
	if err != nil {
		t.Fatal(err)
	}
	owner := commerce.Customer{Phone: "+4915112345678"}
	ctx := context.Background()
	ask := func(text, lang string, who commerce.Customer) (answers.Answer, bool) {
		t.Helper()
		a, ok, err := s.AnswerOrder(ctx, "t", answers.Question{Text: text, Language: lang}, who)
		if err != nil {
			t.Fatal(err)
		}
		return a, ok
	}

	de, ok := ask("Hallo, wo ist meine Bestellung #100000123?", "de", owner)
	if !ok || de.Handover || de.Source == nil || de.Source.Method != answers.MethodOrder || de.Source.OrderNumber != "100000123" ||
		!strings.Contains(de.Text, "Ihre Bestellung #100000123 ist unterwegs.") || !strings.Contains(de.Text, "2026-12-09") ||
		!strings.Contains(de.Text, "piececode=00340434161094042557") {
		t.Errorf("German: %v %+v", ok, de)
	}
	ja, _ := ask("注文番号100000123の配送状況を教えてください", "ja", owner)
	if ja.Handover || !strings.Contains(ja.Text, "ご注文 #100000123 は配送中です。") {
		t.Errorf("Japanese: %+v", ja)
	}
	// Someone else quoting the number learns nothing about the order.
	other, _ := ask("Wo ist meine Bestellung #100000123?", "de", commerce.Customer{Phone: "+4915199999999"})
	if !other.Handover || other.HandoverReasons[0] != answers.ReasonOrderNotFound || strings.Contains(other.Text, "100000123") ||
		strings.Contains(other.Text, "dhl") || other.Source != nil {
		t.Errorf("another customer: %+v", other)
	}
	nobody, _ := ask("Where is my order #100000123?", "en", commerce.Customer{})
	if !nobody.Handover || nobody.HandoverReasons[0] != answers.ReasonOrderNotFound {
		t.Errorf("a customer with no contact: %+v", nobody)
	}
	if _, ok := ask("Wie lange dauert der Versand?", "de", owner); ok {
		t.Error("a question without an order number is not an order question")
	}
	person, _ := ask("Bestellung #100000123 — ich möchte mit einem Mitarbeiter sprechen", "de", owner)
	if !person.Handover || !strings.Contains(strings.Join(person.HandoverReasons, ","), answers.ReasonPersonRequested) {
		t.Errorf("a person asked for: %+v", person)
	}
	sh.fail = true
	down, _ := ask("Wo ist meine Bestellung #100000123?", "de", owner)
	if !down.Handover || down.HandoverReasons[0] != answers.ReasonShopUnavailable || strings.Contains(down.Text, "100000123") {
		t.Errorf("the shop down: %+v", down)
	}
}

func TestOrderTextPerStatus(t *testing.T) {
	for _, c := range []struct {
		o    commerce.Order
		lang string
		want string
	}{
		{commerce.Order{Number: "1234", Status: commerce.StatusPaid}, "en", "Your order #1234 is being prepared and has not shipped yet."},
		{commerce.Order{Number: "1234", Status: commerce.StatusShipped, Shipments: []commerce.Shipment{{Status: commerce.ShipmentOutForDelivery, Carrier: "Yamato", TrackingURL: "https://t.example/1"}}}, "ja",
			"ご注文 #1234 は本日お届け予定です。お荷物（Yamato）の配送状況はこちらからご確認いただけます：https://t.example/1"},
		{commerce.Order{Number: "1234", Status: commerce.StatusDelivered, Shipments: []commerce.Shipment{{Status: commerce.ShipmentDelivered, TrackingURL: "https://t.example/1"}}}, "fr", "Votre commande #1234 a été livrée."},
		{commerce.Order{Number: "1234", Status: commerce.StatusCancelled}, "ar", "تم إلغاء طلبك رقم #1234."},
		{commerce.Order{Number: "1234", Status: commerce.StatusRefunded}, "pt", "Your order #1234 has been refunded."},
	} {
		if got := answers.OrderText(c.o, c.lang); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.o.Status, c.lang, got, c.want)
		}
	}
}
