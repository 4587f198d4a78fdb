package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Magento is the Magento 2 / Adobe Commerce REST adapter (an integration's access token).
type Magento struct {
	base, token string
	opt         Options
	now         func() time.Time
}

// NewMagento returns the adapter for the shop at baseURL ("https://shop.example.com", or
// with its REST path and store code, ".../rest/default") with an integration access token.
func NewMagento(baseURL, token string, opt Options) (*Magento, error) {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	token = strings.TrimSpace(token)
	u, err := url.Parse(base)
	if base == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("commerce: magento needs the shop's base URL, such as https://shop.example.com (MERIDIAN_MAGENTO_BASE_URL)")
	}
	if token == "" {
		return nil, errors.New("commerce: magento needs an integration access token (MERIDIAN_MAGENTO_TOKEN)")
	}
	if !strings.Contains(u.Path, "/rest") {
		base += "/rest"
	}
	return &Magento{base: base + "/V1", token: token, opt: opt, now: opt.now}, nil
}

// Name is "magento".
func (m *Magento) Name() string { return "magento" }

type magentoAddress struct {
	Telephone string `json:"telephone"`
	CountryID string `json:"country_id"`
}

type magentoOrder struct {
	EntityID      int64           `json:"entity_id"`
	IncrementID   string          `json:"increment_id"`
	State         string          `json:"state"`
	CreatedAt     string          `json:"created_at"`
	Currency      string          `json:"order_currency_code"`
	GrandTotal    json.Number     `json:"grand_total"`
	TotalRefunded json.Number     `json:"total_refunded"`
	CustomerEmail string          `json:"customer_email"`
	CustomerID    *int64          `json:"customer_id"`
	StoreID       int64           `json:"store_id"`
	Billing       *magentoAddress `json:"billing_address"`
	Items         []magentoItem   `json:"items"`
	Extension     struct {
		ShippingAssignments []struct {
			Shipping struct {
				Address *magentoAddress `json:"address"`
			} `json:"shipping"`
		} `json:"shipping_assignments"`
	} `json:"extension_attributes"`
}

type magentoItem struct {
	ItemID       int64       `json:"item_id"`
	ParentItemID *int64      `json:"parent_item_id"`
	SKU          string      `json:"sku"`
	Name         string      `json:"name"`
	QtyOrdered   json.Number `json:"qty_ordered"`
	QtyShipped   json.Number `json:"qty_shipped"`
	QtyCanceled  json.Number `json:"qty_canceled"`
}

type magentoShipment struct {
	Tracks []struct {
		TrackNumber string `json:"track_number"`
		Title       string `json:"title"`
		CarrierCode string `json:"carrier_code"`
	} `json:"tracks"`
}

// qty reads a Magento quantity (a JSON number, sometimes fractional: 2.0000).
func qty(n json.Number) int {
	f, err := n.Float64()
	if err != nil {
		return 0
	}
	return int(f)
}

// order converts a Magento order; its shipments are added by the caller.
func (mo magentoOrder) order() (Order, error) {
	placed, err := time.Parse(time.DateTime, mo.CreatedAt) // Magento writes UTC without a zone
	if err != nil || mo.EntityID == 0 || mo.IncrementID == "" {
		return Order{}, fmt.Errorf("order %q without entity_id, increment_id or created_at", mo.IncrementID)
	}
	o := Order{ID: strconv.FormatInt(mo.EntityID, 10), Number: mo.IncrementID, PlacedAt: placed.UTC(),
		Currency: mo.Currency, Total: mo.GrandTotal.String(), Email: mo.CustomerEmail}
	if mo.Billing != nil {
		o.Phone, o.Country = mo.Billing.Telephone, mo.Billing.CountryID
	}
	for _, sa := range mo.Extension.ShippingAssignments {
		if a := sa.Shipping.Address; a != nil && o.Phone == "" {
			o.Phone, o.Country = a.Telephone, a.CountryID
		}
	}
	ordered, shipped := 0, 0
	for _, it := range mo.Items {
		// A configurable product's child line repeats its parent's: the parent is the item.
		if it.ParentItemID != nil {
			continue
		}
		o.Items = append(o.Items, Item{ID: strconv.FormatInt(it.ItemID, 10), SKU: it.SKU, Title: it.Name, Quantity: qty(it.QtyOrdered)})
		ordered += qty(it.QtyOrdered) - qty(it.QtyCanceled)
		shipped += qty(it.QtyShipped)
	}
	refunded, _ := mo.TotalRefunded.Float64()
	o.Status = magentoStatus(mo.State, ordered, shipped, refunded > 0)
	return o, nil
}

// magentoStatus folds an order's state and shipped quantities into one status.
func magentoStatus(state string, ordered, shipped int, refunded bool) Status {
	switch state {
	case "canceled":
		return StatusCancelled
	case "closed":
		return StatusRefunded
	case "holded":
		return StatusOnHold
	case "new", "pending_payment", "payment_review":
		return StatusPending
	case "complete":
		return StatusShipped
	case "processing":
		switch {
		case shipped > 0 && shipped >= ordered:
			return StatusShipped
		case shipped > 0:
			return StatusPartiallyShipped
		case refunded:
			return StatusPartiallyRefunded
		}
		return StatusPaid
	}
	return StatusUnknown
}

// carrierTracking builds the public tracking page of the carriers Magento ships with.
func carrierTracking(code, number string) string {
	n := url.QueryEscape(number)
	switch strings.ToLower(code) {
	case "ups":
		return "https://www.ups.com/track?tracknum=" + n
	case "usps":
		return "https://tools.usps.com/go/TrackConfirmAction?tLabels=" + n
	case "fedex":
		return "https://www.fedex.com/fedextrack/?trknbr=" + n
	case "dhl":
		return "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=" + n
	}
	return ""
}

// search is a searchCriteria query string: one filter group per filter (AND), newest first.
func search(filters [][3]string, pageSize, page int) string {
	q := url.Values{}
	for i, f := range filters {
		p := fmt.Sprintf("searchCriteria[filter_groups][%d][filters][0]", i)
		q.Set(p+"[field]", f[0])
		q.Set(p+"[value]", f[1])
		q.Set(p+"[condition_type]", f[2])
	}
	q.Set("searchCriteria[sortOrders][0][field]", "created_at")
	q.Set("searchCriteria[sortOrders][0][direction]", "DESC")
	q.Set("searchCriteria[pageSize]", strconv.Itoa(pageSize))
	q.Set("searchCriteria[currentPage]", strconv.Itoa(page))
	return q.Encode()
}

type magentoPage[T any] struct {
	Items      []T  `json:"items"`
	TotalCount *int `json:"total_count"`
}

// Order looks the order up by increment id and shows it only to its customer.
func (m *Magento) Order(ctx context.Context, c Customer, number string) (Order, error) {
	o, _, err := m.order(ctx, c, number)
	return o, err
}

func (m *Magento) order(ctx context.Context, c Customer, number string) (Order, magentoOrder, error) {
	if _, _, err := c.contact(); err != nil {
		return Order{}, magentoOrder{}, err
	}
	n := cleanNumber(number)
	if n == "" {
		return Order{}, magentoOrder{}, ErrNotFound
	}
	// Magento numbers orders 000000123; customers often drop the zeros.
	numbers := []string{n}
	if len(n) < 9 && strings.Trim(n, "0123456789") == "" {
		numbers = append(numbers, strings.Repeat("0", 9-len(n))+n)
	}
	var page magentoPage[magentoOrder]
	if err := m.get(ctx, "/orders?"+search([][3]string{{"increment_id", strings.Join(numbers, ","), "in"}}, 5, 1), &page); err != nil {
		return Order{}, magentoOrder{}, err
	}
	for _, mo := range page.Items {
		if !slices.Contains(numbers, mo.IncrementID) {
			continue
		}
		o, err := mo.order()
		if err != nil {
			return Order{}, magentoOrder{}, badResponse(m.Name(), http.StatusOK, err.Error())
		}
		if !Visible(o, c) {
			return Order{}, magentoOrder{}, ErrNotFound
		}
		if o.Shipments, err = m.shipments(ctx, o.ID); err != nil {
			return Order{}, magentoOrder{}, err
		}
		return o, mo, nil
	}
	return Order{}, magentoOrder{}, ErrNotFound
}

// shipments are an order's tracks (/V1/shipments); Magento keeps no carrier events.
func (m *Magento) shipments(ctx context.Context, orderID string) ([]Shipment, error) {
	var page magentoPage[magentoShipment]
	if err := m.get(ctx, "/shipments?"+search([][3]string{{"order_id", orderID, "eq"}}, 50, 1), &page); err != nil {
		return nil, err
	}
	var out []Shipment
	for _, s := range page.Items {
		if len(s.Tracks) == 0 {
			out = append(out, Shipment{Status: ShipmentShipped})
		}
		for _, t := range s.Tracks {
			out = append(out, Shipment{Carrier: t.Title, TrackingNumber: t.TrackNumber,
				TrackingURL: carrierTracking(t.CarrierCode, t.TrackNumber), Status: ShipmentShipped})
		}
	}
	return out, nil
}

// Orders pages through the orders of c's e-mail address (customer_email), newest first.
// Magento's order search cannot filter on a phone number: a customer known only by phone
// gets ErrUnsupported.
func (m *Magento) Orders(ctx context.Context, c Customer, limit int) ([]Order, error) {
	email, _, err := c.contact()
	if err != nil {
		return nil, err
	}
	if email == "" {
		return nil, fmt.Errorf("%w: magento finds orders by e-mail address only", ErrUnsupported)
	}
	if limit <= 0 {
		limit = 10
	}
	size := m.opt.pageSize()
	var out []Order
	for page := 1; len(out) < limit && page <= 50; page++ {
		var p magentoPage[magentoOrder]
		if err := m.get(ctx, "/orders?"+search([][3]string{{"customer_email", email, "eq"}}, size, page), &p); err != nil {
			return nil, err
		}
		if p.TotalCount == nil {
			return nil, badResponse(m.Name(), http.StatusOK, "no total_count")
		}
		for _, mo := range p.Items {
			o, err := mo.order()
			if err != nil {
				return nil, badResponse(m.Name(), http.StatusOK, err.Error())
			}
			if Visible(o, c) && len(out) < limit {
				if o.Shipments, err = m.shipments(ctx, o.ID); err != nil {
					return nil, err
				}
				out = append(out, o)
			}
		}
		// Past the last page Magento answers the last page again: total_count says when to stop.
		if len(p.Items) == 0 || page*size >= *p.TotalCount {
			break
		}
	}
	return out, nil
}

// CreateReturn opens an RMA (POST /V1/returns, Adobe Commerce) for shipped items of one of
// c's orders. The customer's reason goes in as a comment the customer can see.
func (m *Magento) CreateReturn(ctx context.Context, c Customer, r ReturnRequest) (Return, error) {
	if len(r.Lines) == 0 {
		return Return{}, fmt.Errorf("%w: a return needs at least one item", ErrRefused)
	}
	o, mo, err := m.order(ctx, c, r.OrderNumber)
	if err != nil {
		return Return{}, err
	}
	var items []map[string]any
	var reasons []string
	for _, l := range r.Lines {
		i := slices.IndexFunc(mo.Items, func(it magentoItem) bool {
			return strconv.FormatInt(it.ItemID, 10) == l.ItemID && it.ParentItemID == nil
		})
		switch {
		case l.Quantity < 1:
			return Return{}, fmt.Errorf("%w: quantity %d of item %s", ErrRefused, l.Quantity, l.ItemID)
		case i < 0:
			return Return{}, fmt.Errorf("%w: order %s has no item %s", ErrRefused, o.Number, l.ItemID)
		case qty(mo.Items[i].QtyShipped) < l.Quantity:
			return Return{}, fmt.Errorf("%w: only %d of item %s have been shipped", ErrRefused, qty(mo.Items[i].QtyShipped), l.ItemID)
		}
		items = append(items, map[string]any{"order_item_id": mo.Items[i].ItemID, "qty_requested": l.Quantity, "status": "pending"})
		if l.Reason != "" {
			reasons = append(reasons, mo.Items[i].SKU+": "+l.Reason)
		}
	}
	rma := map[string]any{"order_id": mo.EntityID, "order_increment_id": mo.IncrementID, "store_id": mo.StoreID,
		"customer_custom_email": mo.CustomerEmail, "date_requested": m.now().UTC().Format(time.DateTime),
		"status": "pending", "items": items}
	if mo.CustomerID != nil {
		rma["customer_id"] = *mo.CustomerID
	}
	if len(reasons) > 0 {
		rma["comments"] = []any{map[string]any{"comment": truncate(strings.Join(reasons, "\n"), 2000),
			"admin": false, "customer_notified": false, "visible_on_front": true}}
	}
	body, err := json.Marshal(map[string]any{"rmaDataObject": rma})
	if err != nil {
		return Return{}, err
	}
	var out struct {
		EntityID    json.Number `json:"entity_id"`
		IncrementID string      `json:"increment_id"`
		Status      string      `json:"status"`
	}
	var a answer
	err = m.opt.retry(ctx, false, func(ctx context.Context) error {
		var err error
		if a, err = m.opt.do(ctx, m.Name(), m.request(http.MethodPost, "/returns", body)); err != nil {
			return err
		}
		if a.Status == http.StatusTooManyRequests {
			return m.opt.statusError(m.Name(), a, "", magentoMessage(a.Body))
		}
		return nil
	})
	switch {
	case err != nil:
		return Return{}, err
	case a.Status == http.StatusNotFound:
		return Return{}, fmt.Errorf("%w: the shop has no returns API (Magento Open Source): %s", ErrUnsupported, magentoMessage(a.Body))
	case a.Status == http.StatusBadRequest:
		return Return{}, fmt.Errorf("%w: %s", ErrRefused, magentoMessage(a.Body))
	case a.Status != http.StatusOK:
		return Return{}, m.opt.statusError(m.Name(), a, "", magentoMessage(a.Body))
	}
	if err := json.Unmarshal(a.Body, &out); err != nil || out.EntityID == "" {
		return Return{}, badResponse(m.Name(), a.Status, "no RMA in the answer")
	}
	return Return{ID: out.EntityID.String(), Number: out.IncrementID, OrderNumber: o.Number, Status: out.Status}, nil
}

func (m *Magento) request(method, path string, body []byte) request {
	h := http.Header{"Authorization": {"Bearer " + m.token}, "Accept": {"application/json"}}
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	return request{method: method, url: m.base + path, header: h, body: body}
}

// get reads one answer, with retries, into out.
func (m *Magento) get(ctx context.Context, path string, out any) error {
	req := m.request(http.MethodGet, path, nil)
	return m.opt.retry(ctx, true, func(ctx context.Context) error {
		a, err := m.opt.do(ctx, m.Name(), req)
		if err != nil {
			return err
		}
		if a.Status != http.StatusOK {
			return m.opt.statusError(m.Name(), a, "", magentoMessage(a.Body))
		}
		if err := json.Unmarshal(a.Body, out); err != nil {
			return badResponse(m.Name(), a.Status, "not the documented JSON: "+err.Error())
		}
		return nil
	})
}

// magentoMessage is an error answer's message with its %1 / %name parameters filled in.
func magentoMessage(body []byte) string {
	var e struct {
		Message    string          `json:"message"`
		Parameters json.RawMessage `json:"parameters"`
	}
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		return snippet(body)
	}
	msg := e.Message
	var list []any
	var named map[string]any
	if json.Unmarshal(e.Parameters, &list) == nil {
		for i := len(list) - 1; i >= 0; i-- {
			msg = strings.ReplaceAll(msg, "%"+strconv.Itoa(i+1), fmt.Sprint(list[i]))
		}
	} else if json.Unmarshal(e.Parameters, &named) == nil {
		for k, v := range named {
			msg = strings.ReplaceAll(msg, "%"+k, fmt.Sprint(v))
		}
	}
	return truncate(msg, 300)
}
