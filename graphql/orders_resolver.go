package graphql

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/meridian-cs/meridian/answers"
	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/commerce"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
)

// maxQuotedOrders bounds the shop lookups of one conversation's orders (as many as
// commerce.OrderNumbers finds in one message).
const maxQuotedOrders = 5

// maxCustomerOrders bounds Customer.orders(first).
const maxCustomerOrders = 20

// Orders are the orders the customer quoted in the conversation that the shop shows to them
// (commerce.Visible through the store): a number of someone else's order gives nothing.
func (c conversationResolver) Orders(ctx context.Context, obj *metrics.Conversation) ([]generated.Order, error) {
	p, err := c.principalFor(ctx, auth.ActionReadCustomers, "")
	if err != nil {
		return nil, err
	}
	if c.shop == nil || c.customers == nil || obj.CustomerID == "" {
		return nil, nil
	}
	p, region, err := c.reader(ctx, p, obj.Region, obj.ID)
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	if err := p.Check(auth.ActionReadCustomers, region); err != nil {
		return nil, c.fail(ctx, err)
	}
	outcome := c.gate.Order(ctx, p, region, obj.CustomerID)
	if outcome == compliance.OutcomeHidden {
		return []generated.Order{}, nil
	}
	cust, err := c.customers.Customer(ctx, p.Tenant, obj.CustomerID)
	if errors.Is(err, identity.ErrNotFound) {
		return []generated.Order{}, nil
	}
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	ms, err := c.engine.Messages(ctx, p, region, obj.ID, metrics.MaxPageSize)
	if err != nil {
		return nil, c.fail(ctx, fmt.Errorf("orders of %s: %w", obj.ID, err))
	}
	var numbers []string
	add := func(n string) {
		if len(numbers) < maxQuotedOrders && !slices.Contains(numbers, n) {
			numbers = append(numbers, n)
		}
	}
	for _, m := range ms {
		if m.Direction != models.Inbound || m.Text == "" {
			continue
		}
		// The text as this key may read it (audited like any message read).
		text := c.gate.Text(ctx, p, m.Region, m.CustomerID, m.Text)
		for _, n := range commerce.OrderNumbers(text) {
			add(n)
		}
		// Numbers the tenant's own pattern found (MERIDIAN_ORDER_NUMBER_PATTERN) are the
		// customer's order identities.
		for _, id := range cust.Identities {
			if id.Key.Kind == identity.KindOrder && strings.Contains(text, id.Key.Value) {
				add(id.Key.Value)
			}
		}
	}
	out := []generated.Order{}
	whos := contacts(cust)
	for _, n := range numbers {
		for _, who := range whos {
			o, err := c.shop.Order(ctx, who, n)
			if errors.Is(err, commerce.ErrNotFound) || errors.Is(err, commerce.ErrNoContact) {
				continue // not theirs (or no such order): nothing about it is shown
			}
			if err != nil {
				return nil, c.shopFailed(ctx, "orders", err)
			}
			out = append(out, orderOut(c.shop.Name(), o, outcome))
			break
		}
	}
	return out, nil
}

// Orders are the customer's most recent orders that the shop shows to their contacts.
func (r customerResolver) Orders(ctx context.Context, cust *identity.Customer, first *int) ([]generated.Order, error) {
	p, err := r.principalFor(ctx, auth.ActionReadCustomers, cust.Region)
	if err != nil {
		return nil, err
	}
	n := 5
	if first != nil {
		n = *first
	}
	if n < 1 || n > maxCustomerOrders {
		return nil, statusErrorf(http.StatusBadRequest, "orders(first): %d is not between 1 and %d", n, maxCustomerOrders)
	}
	if r.shop == nil {
		return nil, nil
	}
	outcome := r.gate.Order(ctx, p, cust.Region, cust.ID)
	if outcome == compliance.OutcomeHidden {
		return []generated.Order{}, nil
	}
	var all []commerce.Order
	for _, who := range contacts(*cust) {
		os, err := r.shop.Orders(ctx, who, n)
		if errors.Is(err, commerce.ErrNoContact) || errors.Is(err, commerce.ErrUnsupported) {
			continue // Magento finds orders by e-mail address only
		}
		if err != nil {
			return nil, r.shopFailed(ctx, "orders", err)
		}
		for _, o := range os {
			if !slices.ContainsFunc(all, func(a commerce.Order) bool { return a.Number == o.Number }) {
				all = append(all, o)
			}
		}
	}
	slices.SortStableFunc(all, func(a, b commerce.Order) int { return b.PlacedAt.Compare(a.PlacedAt) })
	out := []generated.Order{}
	for _, o := range all[:min(n, len(all))] {
		out = append(out, orderOut(r.shop.Name(), o, outcome))
	}
	return out, nil
}

// shopFailed is the field's error for a shop that failed: its platform and the kind of
// failure, never its message (which may quote the platform's internals).
func (r *Resolver) shopFailed(ctx context.Context, field string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return r.fail(ctx, err)
	}
	r.log.WarnContext(ctx, "graphql: the shop failed", "shop", r.shop.Name(), "field", field, "err", err)
	return statusErrorf(http.StatusBadGateway, "%s: the shop (%s) did not answer: %s", field, r.shop.Name(), answers.ShopReason(err))
}

// contacts are the ways the shop may recognise the customer as an order's owner: the phone
// numbers and e-mail addresses their messages came from, that a person confirmed or a shop
// verified. Keys only found in a message's text (origin signature) do not count: anyone can
// type someone's address.
func contacts(c identity.Customer) []commerce.Customer {
	var emails, phones []string
	for _, id := range c.Identities {
		if id.Origin == "signature" {
			continue
		}
		switch id.Key.Kind {
		case identity.KindEmail:
			emails = append(emails, id.Key.Value)
		case identity.KindPhone:
			phones = append(phones, id.Key.Value)
		}
	}
	out := make([]commerce.Customer, max(len(emails), len(phones)))
	for i := range out {
		if i < len(emails) {
			out[i].Email = emails[i]
		}
		if i < len(phones) {
			out[i].Phone = phones[i]
		}
	}
	return out
}

// orderOut is o as a role with outcome (clear or masked) sees it: masked hides what
// identifies the order (its number and tracking link), keeping its state.
func orderOut(shop string, o commerce.Order, outcome string) generated.Order {
	out := generated.Order{Number: o.Number, Shop: shop, Status: string(cmp.Or(o.Status, commerce.StatusUnknown)),
		Currency: o.Currency, Total: o.Total}
	if !o.PlacedAt.IsZero() {
		at := o.PlacedAt
		out.PlacedAt = &at
	}
	if n := len(o.Shipments); n > 0 {
		s := o.Shipments[n-1]
		out.ShipmentStatus = optional(string(cmp.Or(s.Status, commerce.ShipmentUnknown)))
		out.Carrier = optional(s.Carrier)
		out.TrackingURL = optional(s.TrackingURL)
		if !s.EstimatedDelivery.IsZero() {
			at := s.EstimatedDelivery
			out.ExpectedDelivery = &at
		}
	}
	if outcome == compliance.OutcomeMasked {
		out.Number, out.TrackingURL = compliance.Hidden, nil
	}
	return out
}
