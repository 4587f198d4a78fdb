package commerce

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/identity"
)

// Errors of the contract, apart from the platform's failures (package provider's kinds).
var (
	// ErrNotFound: no such order, or one the asking customer may not see.
	ErrNotFound = errors.New("commerce: order not found")
	// ErrNoContact: the asking customer has no verified e-mail address or phone number, so
	// no order can be shown to them.
	ErrNoContact = errors.New("commerce: customer has no verified e-mail or phone")
	// ErrRefused: the platform refused a return (an item not fulfilled, already returned,
	// a quantity too large...); the error says why.
	ErrRefused = errors.New("commerce: request refused")
	// ErrUnsupported: the shop's platform cannot do this (Magento Open Source has no returns).
	ErrUnsupported = errors.New("commerce: not supported by this shop")
)

// Status is an order's state as a customer would ask about it, one vocabulary for every
// platform.
type Status string

// Order statuses. A shipment's own progress is in Shipment.Status.
const (
	StatusPending           Status = "pending"            // placed, payment not yet complete
	StatusPaid              Status = "paid"               // paid, nothing shipped yet
	StatusOnHold            Status = "on_hold"            // held by the shop
	StatusPartiallyShipped  Status = "partially_shipped"  // some items shipped
	StatusShipped           Status = "shipped"            // everything shipped
	StatusDelivered         Status = "delivered"          // every shipment delivered
	StatusCancelled         Status = "cancelled"          // cancelled
	StatusPartiallyRefunded Status = "partially_refunded" // some of it refunded
	StatusRefunded          Status = "refunded"           // all of it refunded
	StatusUnknown           Status = "unknown"            // a state this package does not know
)

// ShipmentStatus is a shipment's progress.
type ShipmentStatus string

// Shipment statuses.
const (
	ShipmentPending        ShipmentStatus = "pending"          // label made, not yet with the carrier
	ShipmentShipped        ShipmentStatus = "shipped"          // handed over; the platform has no carrier events
	ShipmentInTransit      ShipmentStatus = "in_transit"       // with the carrier
	ShipmentOutForDelivery ShipmentStatus = "out_for_delivery" // on the last mile
	ShipmentDelivered      ShipmentStatus = "delivered"
	ShipmentFailed         ShipmentStatus = "failed" // failed delivery attempt or carrier failure
	ShipmentCancelled      ShipmentStatus = "cancelled"
	ShipmentUnknown        ShipmentStatus = "unknown" // the platform does not say
)

// Customer is who asks: the contact details Meridian has verified for them. Phone is E.164
// ("+4915112345678"); either may be empty, not both.
type Customer struct {
	Email string
	Phone string
}

// Item is one line of an order.
type Item struct {
	// ID is the platform's id of the line (Shopify LineItem gid, Magento item_id): what a
	// return names.
	ID       string
	SKU      string
	Title    string
	Quantity int
}

// Shipment is one parcel of an order as the carrier tracks it.
type Shipment struct {
	Carrier        string
	TrackingNumber string
	// TrackingURL is the platform's tracking link, or one built for a carrier this package
	// knows; empty when neither exists.
	TrackingURL string
	Status      ShipmentStatus
	// EstimatedDelivery is zero when the platform gives none.
	EstimatedDelivery time.Time
}

// Order is what a customer may be told about one of their orders.
type Order struct {
	// ID is the platform's own id (Shopify gid, Magento entity_id).
	ID string
	// Number is the number the customer knows, without "#".
	Number   string
	Status   Status
	PlacedAt time.Time
	// Currency is ISO 4217; Total is the amount as the platform wrote it, in decimal
	// ("49.90"), never a float.
	Currency string
	Total    string
	Items    []Item
	// Email and Phone are the order's contact, which decides who may see it ([Visible]).
	Email string
	Phone string
	// Country (ISO 3166-1) of the order's address, to read a phone number written without
	// its country code.
	Country   string
	Shipments []Shipment
}

// ReturnLine asks for Quantity of the order line ItemID back.
type ReturnLine struct {
	ItemID   string
	Quantity int
	// Reason is the customer's words, passed to the shop as a note.
	Reason string
}

// ReturnRequest is a return of some of an order's items.
type ReturnRequest struct {
	OrderNumber string
	Lines       []ReturnLine
}

// Return is a return (RMA) the platform opened.
type Return struct {
	ID string
	// Number is the RMA number shown to the customer, when the platform gives one.
	Number      string
	OrderNumber string
	Status      string
}

// Store is one shop's commerce platform.
type Store interface {
	// Name is the platform ("shopify", "magento").
	Name() string
	// Order is the order numbered number when c may see it; ErrNotFound otherwise.
	Order(ctx context.Context, c Customer, number string) (Order, error)
	// Orders are c's most recent orders, newest first, at most limit (≤ 0: 10).
	Orders(ctx context.Context, c Customer, limit int) ([]Order, error)
	// CreateReturn opens a return for items of one of c's orders.
	CreateReturn(ctx context.Context, c Customer, r ReturnRequest) (Return, error)
}

// Visible reports whether c may see o: c's verified e-mail address is the order's (case
// and surrounding space aside), or c's phone number is the order's once both are E.164.
// A customer without contact details sees nothing; so does everyone for an order without.
func Visible(o Order, c Customer) bool {
	if ce, ok := identity.Email(c.Email); ok {
		if oe, ok := identity.Email(o.Email); ok && ce.Value == oe.Value {
			return true
		}
	}
	if cp, ok := e164(c.Phone, ""); ok {
		if op, ok := e164(o.Phone, o.Country); ok && cp == op {
			return true
		}
	}
	return false
}

// e164 normalises a phone number; one without a country code is read as country's.
func e164(raw, country string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", false
	}
	// "00" is the international prefix in most of the demo markets.
	if strings.HasPrefix(raw, "00") {
		raw = "+" + raw[2:]
	}
	k, _, ok := identity.Phone(raw, country)
	if !ok {
		return "", false
	}
	return k.Value, true
}

// contact returns c's normalised e-mail and phone, or ErrNoContact.
func (c Customer) contact() (email, phone string, err error) {
	if k, ok := identity.Email(c.Email); ok {
		email = k.Value
	}
	phone, _ = e164(c.Phone, "")
	if email == "" && phone == "" {
		return "", "", ErrNoContact
	}
	return email, phone, nil
}

// cleanNumber is an order number without "#" and space, or "" when it is not one.
func cleanNumber(n string) string {
	n = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(n), "#"))
	if n == "" || len(n) > 40 {
		return ""
	}
	for _, r := range n {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_') {
			return ""
		}
	}
	return n
}
