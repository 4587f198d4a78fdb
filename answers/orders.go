package answers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/meridian-cs/meridian/commerce"
	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/understanding/culture"
)

// Handover reasons of order questions.
const (
	// ReasonOrderNotFound: no order with the number the customer quoted that they may see
	// (another e-mail or phone than the order's, or no such order): they are told nothing
	// about it, and a person takes the conversation.
	ReasonOrderNotFound = "order_not_found"
	// ReasonShopUnavailable: the shop's platform failed or refused Meridian's request.
	ReasonShopUnavailable = "shop_unavailable"
)

// MethodOrder: the text is the order's status from the shop (Source.OrderNumber).
const MethodOrder = "order"

// Shop is the commerce platform order questions are answered from (commerce.Store).
type Shop interface {
	Name() string
	Order(ctx context.Context, c commerce.Customer, number string) (commerce.Order, error)
}

// AnswerOrder answers a question that quotes an order number ("where is my order #1234",
// "Bestellung Nr. 1234", "注文番号1234") from Config.Shop: the order's status, the parcel's
// expected delivery and tracking link, in the question's language (the culture profiles'
// order_* templates; languages without them get English). ok is false when there is no
// shop or the question quotes no order number: ask Answer instead. A customer who may not
// see the order (who, the contact details Meridian verified for them, are not the order's)
// learns nothing about it: the answer hands over with ReasonOrderNotFound and says only
// that a colleague takes over. The other handover signals (a person asked for, complaint,
// sentiment, urgency) apply as in Answer.
func (s *Service) AnswerOrder(ctx context.Context, tenant string, q Question, who commerce.Customer) (Answer, bool, error) {
	if s.cfg.Shop == nil {
		return Answer{}, false, nil
	}
	numbers := commerce.OrderNumbers(q.Text)
	if len(numbers) == 0 {
		return Answer{}, false, nil
	}
	lang, r, done, err := s.understand(ctx, q)
	if err != nil || done != nil {
		return deref(done), true, err
	}
	transfer := Answer{Language: lang, Text: culture.Template("transfer_to_human", lang)}
	o, err := s.cfg.Shop.Order(ctx, who, numbers[0])
	switch {
	case errors.Is(err, commerce.ErrNotFound) || errors.Is(err, commerce.ErrNoContact):
		r.handover(ReasonOrderNotFound, "no order %s that this customer may see in %s", numbers[0], s.cfg.Shop.Name())
		return r.answer(transfer), true, nil
	case err != nil:
		s.cfg.Logger.Warn("answers: the shop failed", "shop", s.cfg.Shop.Name(), "conversation", q.ConversationID, "err", err)
		r.handover(ReasonShopUnavailable, "%s could not be asked about order %s (%s)", s.cfg.Shop.Name(), numbers[0], ShopReason(err))
		return r.answer(transfer), true, nil
	}
	r.note("order %s found in %s: %s", o.Number, s.cfg.Shop.Name(), o.Status)
	out := Answer{Language: lang, Confidence: 1, Text: culture.Adapt(OrderText(o, lang), lang).Text,
		Source: &Source{Method: MethodOrder, OrderNumber: o.Number, Title: s.cfg.Shop.Name(), Language: lang}}
	return r.answer(out), true, nil
}

// ShopReason words a shop's failure for the agent, without its message (which may quote
// the platform's internals).
func ShopReason(err error) string {
	var pe *provider.Error
	switch {
	case errors.As(err, &pe) && pe.Kind != nil:
		return pe.Kind.Error()
	case errors.As(err, &pe) && pe.Status != 0:
		return fmt.Sprintf("HTTP %d", pe.Status)
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return "no answer"
}

// OrderText is what a customer is told of order o in language lang: its status, and for
// its latest shipment the expected delivery and the tracking link.
func OrderText(o commerce.Order, lang string) string {
	key := "order_processing"
	switch o.Status {
	case commerce.StatusShipped, commerce.StatusPartiallyShipped:
		key = "order_shipped"
	case commerce.StatusDelivered:
		key = "order_delivered"
	case commerce.StatusCancelled:
		key = "order_cancelled"
	case commerce.StatusRefunded, commerce.StatusPartiallyRefunded:
		key = "order_refunded"
	}
	var last *commerce.Shipment
	if n := len(o.Shipments); n > 0 {
		last = &o.Shipments[n-1]
		switch last.Status {
		case commerce.ShipmentInTransit:
			key = "order_in_transit"
		case commerce.ShipmentOutForDelivery:
			key = "order_out_for_delivery"
		case commerce.ShipmentDelivered:
			if o.Status != commerce.StatusPartiallyShipped {
				key = "order_delivered"
			}
		}
	}
	parts := []string{strings.ReplaceAll(culture.Template(key, lang), "{number}", o.Number)}
	if last != nil && key != "order_delivered" && key != "order_cancelled" && key != "order_refunded" {
		if !last.EstimatedDelivery.IsZero() {
			parts = append(parts, strings.ReplaceAll(culture.Template("order_eta", lang), "{date}", last.EstimatedDelivery.Format("2006-01-02")))
		}
		if last.TrackingURL != "" {
			carrier := last.Carrier
			if carrier == "" {
				carrier = last.TrackingNumber
			}
			t := strings.NewReplacer("{carrier}", carrier, "{url}", last.TrackingURL).Replace(culture.Template("order_tracking", lang))
			parts = append(parts, t)
		}
	}
	sep := " "
	if lang == "ja" || lang == "zh" {
		sep = "" // their sentences end in 。 and need no space
	}
	return strings.Join(parts, sep)
}
