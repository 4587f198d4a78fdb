package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/provider"
)

// DefaultShopifyAPIVersion is the Admin API version asked for when none is configured: a
// stable quarterly release (Shopify supports each for at least twelve months).
const DefaultShopifyAPIVersion = "2026-10"

// Shopify is the Shopify Admin GraphQL API adapter.
type Shopify struct {
	endpoint, token string
	opt             Options
}

// NewShopify returns the adapter for shop ("acme" or "acme.myshopify.com") with an Admin API
// access token. baseURL, when set, replaces https://{shop}.myshopify.com (a proxy, tests);
// version "" is DefaultShopifyAPIVersion.
func NewShopify(shop, token, version, baseURL string, opt Options) (*Shopify, error) {
	shop, token = strings.TrimSpace(shop), strings.TrimSpace(token)
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if token == "" {
		return nil, errors.New("commerce: shopify needs an Admin API access token (MERIDIAN_SHOPIFY_ACCESS_TOKEN)")
	}
	if base == "" {
		shop = strings.TrimSuffix(strings.TrimPrefix(shop, "https://"), "/")
		shop = strings.TrimSuffix(shop, ".myshopify.com")
		if shop == "" || strings.ContainsAny(shop, "/.:@?# ") {
			return nil, fmt.Errorf("commerce: shopify shop %q is not a shop name such as acme or acme.myshopify.com (MERIDIAN_SHOPIFY_SHOP)", shop)
		}
		base = "https://" + shop + ".myshopify.com"
	}
	if version = strings.TrimSpace(version); version == "" {
		version = DefaultShopifyAPIVersion
	}
	return &Shopify{endpoint: base + "/admin/api/" + version + "/graphql.json", token: token, opt: opt}, nil
}

// Name is "shopify".
func (s *Shopify) Name() string { return "shopify" }

const shopifyOrderFields = `
fragment OrderFields on Order {
  id name createdAt email phone cancelledAt
  displayFinancialStatus displayFulfillmentStatus
  totalPriceSet { shopMoney { amount currencyCode } }
  shippingAddress { countryCodeV2 }
  lineItems(first: 50) { nodes { id sku title quantity } }
  fulfillments(first: 20) {
    status displayStatus estimatedDeliveryAt
    trackingInfo(first: 5) { company number url }
    fulfillmentLineItems(first: 50) { nodes { id quantity lineItem { id } } }
  }
}`

const shopifyOrderByName = `query OrderByName($query: String!) {
  orders(first: 5, query: $query) { nodes { ...OrderFields } }
}` + shopifyOrderFields

const shopifyOrdersPage = `query CustomerOrders($query: String!, $first: Int!, $after: String) {
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT, reverse: true) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderFields }
  }
}` + shopifyOrderFields

const shopifyCustomersByPhone = `query CustomersByPhone($query: String!) {
  customers(first: 5, query: $query) { nodes { id } }
}`

const shopifyReturnCreate = `mutation ReturnCreate($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) {
    return { id name status }
    userErrors { field message code }
  }
}`

type shopifyOrder struct {
	ID                       string  `json:"id"`
	Name                     string  `json:"name"`
	CreatedAt                string  `json:"createdAt"`
	Email                    string  `json:"email"`
	Phone                    string  `json:"phone"`
	CancelledAt              *string `json:"cancelledAt"`
	DisplayFinancialStatus   string  `json:"displayFinancialStatus"`
	DisplayFulfillmentStatus string  `json:"displayFulfillmentStatus"`
	TotalPriceSet            struct {
		ShopMoney struct {
			Amount       string `json:"amount"`
			CurrencyCode string `json:"currencyCode"`
		} `json:"shopMoney"`
	} `json:"totalPriceSet"`
	ShippingAddress *struct {
		CountryCodeV2 string `json:"countryCodeV2"`
	} `json:"shippingAddress"`
	LineItems struct {
		Nodes []struct {
			ID       string `json:"id"`
			SKU      string `json:"sku"`
			Title    string `json:"title"`
			Quantity int    `json:"quantity"`
		} `json:"nodes"`
	} `json:"lineItems"`
	Fulfillments []struct {
		Status              string  `json:"status"`
		DisplayStatus       string  `json:"displayStatus"`
		EstimatedDeliveryAt *string `json:"estimatedDeliveryAt"`
		TrackingInfo        []struct {
			Company string `json:"company"`
			Number  string `json:"number"`
			URL     string `json:"url"`
		} `json:"trackingInfo"`
		FulfillmentLineItems struct {
			Nodes []struct {
				ID       string `json:"id"`
				Quantity int    `json:"quantity"`
				LineItem struct {
					ID string `json:"id"`
				} `json:"lineItem"`
			} `json:"nodes"`
		} `json:"fulfillmentLineItems"`
	} `json:"fulfillments"`
}

// fulfilledLine is a fulfillment line item: what Shopify's returns name.
type fulfilledLine struct {
	id       string
	quantity int
}

// order converts the GraphQL order, with the fulfillment line items of each line item.
func (so shopifyOrder) order() (Order, map[string][]fulfilledLine, error) {
	placed, err := time.Parse(time.RFC3339, so.CreatedAt)
	if err != nil || so.ID == "" || so.Name == "" {
		return Order{}, nil, fmt.Errorf("order %q without id, name or createdAt", so.Name)
	}
	o := Order{ID: so.ID, Number: strings.TrimPrefix(so.Name, "#"), PlacedAt: placed,
		Currency: so.TotalPriceSet.ShopMoney.CurrencyCode, Total: so.TotalPriceSet.ShopMoney.Amount,
		Email: so.Email, Phone: so.Phone}
	if so.ShippingAddress != nil {
		o.Country = so.ShippingAddress.CountryCodeV2
	}
	for _, li := range so.LineItems.Nodes {
		o.Items = append(o.Items, Item{ID: li.ID, SKU: li.SKU, Title: li.Title, Quantity: li.Quantity})
	}
	fulfilled := map[string][]fulfilledLine{}
	allDelivered := len(so.Fulfillments) > 0
	for _, f := range so.Fulfillments {
		st := shopifyShipmentStatus(f.Status, f.DisplayStatus)
		if st == ShipmentCancelled {
			continue
		}
		if st != ShipmentDelivered {
			allDelivered = false
		}
		var eta time.Time
		if f.EstimatedDeliveryAt != nil {
			eta, _ = time.Parse(time.RFC3339, *f.EstimatedDeliveryAt)
		}
		if len(f.TrackingInfo) == 0 {
			o.Shipments = append(o.Shipments, Shipment{Status: st, EstimatedDelivery: eta})
		}
		for _, ti := range f.TrackingInfo {
			o.Shipments = append(o.Shipments, Shipment{Carrier: ti.Company, TrackingNumber: ti.Number,
				TrackingURL: ti.URL, Status: st, EstimatedDelivery: eta})
		}
		for _, fl := range f.FulfillmentLineItems.Nodes {
			fulfilled[fl.LineItem.ID] = append(fulfilled[fl.LineItem.ID], fulfilledLine{fl.ID, fl.Quantity})
		}
	}
	o.Status = shopifyStatus(so.CancelledAt != nil, so.DisplayFinancialStatus, so.DisplayFulfillmentStatus, allDelivered)
	return o, fulfilled, nil
}

// shopifyStatus folds Shopify's financial and fulfillment statuses into one.
func shopifyStatus(cancelled bool, financial, fulfillment string, delivered bool) Status {
	switch {
	case financial == "REFUNDED":
		return StatusRefunded
	case cancelled || financial == "VOIDED":
		return StatusCancelled
	case fulfillment == "FULFILLED" && delivered:
		return StatusDelivered
	case fulfillment == "FULFILLED":
		return StatusShipped
	case fulfillment == "PARTIALLY_FULFILLED":
		return StatusPartiallyShipped
	case financial == "PARTIALLY_REFUNDED":
		return StatusPartiallyRefunded
	case fulfillment == "ON_HOLD":
		return StatusOnHold
	case financial == "PAID":
		return StatusPaid
	case financial == "PENDING" || financial == "AUTHORIZED" || financial == "PARTIALLY_PAID" || financial == "EXPIRED":
		return StatusPending
	}
	return StatusUnknown
}

// shopifyShipmentStatus reads a Fulfillment's status and displayStatus (FulfillmentDisplayStatus).
func shopifyShipmentStatus(status, display string) ShipmentStatus {
	if status == "CANCELLED" {
		return ShipmentCancelled
	}
	switch display {
	case "LABEL_PRINTED", "LABEL_PURCHASED", "SUBMITTED", "CONFIRMED":
		return ShipmentPending
	case "FULFILLED", "MARKED_AS_FULFILLED":
		return ShipmentShipped
	case "IN_TRANSIT":
		return ShipmentInTransit
	case "OUT_FOR_DELIVERY", "READY_FOR_PICKUP":
		return ShipmentOutForDelivery
	case "DELIVERED", "PICKED_UP":
		return ShipmentDelivered
	case "ATTEMPTED_DELIVERY", "FAILURE", "NOT_DELIVERED":
		return ShipmentFailed
	case "CANCELED", "LABEL_VOIDED":
		return ShipmentCancelled
	}
	if status == "FAILURE" || status == "ERROR" {
		return ShipmentFailed
	}
	return ShipmentUnknown
}

// Order looks the order up by name (Shopify's "#1001") and shows it only to its customer.
func (s *Shopify) Order(ctx context.Context, c Customer, number string) (Order, error) {
	o, _, err := s.order(ctx, c, number)
	return o, err
}

func (s *Shopify) order(ctx context.Context, c Customer, number string) (Order, map[string][]fulfilledLine, error) {
	if _, _, err := c.contact(); err != nil {
		return Order{}, nil, err
	}
	n := cleanNumber(number)
	if n == "" {
		return Order{}, nil, ErrNotFound
	}
	var data struct {
		Orders struct {
			Nodes []shopifyOrder `json:"nodes"`
		} `json:"orders"`
	}
	if err := s.query(ctx, shopifyOrderByName, map[string]any{"query": "name:" + quoteSearch("#"+n)}, &data); err != nil {
		return Order{}, nil, err
	}
	// The search matches loosely; only the order of exactly that name counts.
	for _, so := range data.Orders.Nodes {
		if !strings.EqualFold(strings.TrimPrefix(so.Name, "#"), n) {
			continue
		}
		o, fl, err := so.order()
		if err != nil {
			return Order{}, nil, badResponse(s.Name(), http.StatusOK, err.Error())
		}
		if !Visible(o, c) {
			return Order{}, nil, ErrNotFound
		}
		return o, fl, nil
	}
	return Order{}, nil, ErrNotFound
}

// Orders pages through the orders of c's e-mail address and of the Shopify customers with
// c's phone number (the orders search has no phone filter), newest first.
func (s *Shopify) Orders(ctx context.Context, c Customer, limit int) ([]Order, error) {
	email, phone, err := c.contact()
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 10
	}
	var queries []string
	if email != "" {
		queries = append(queries, "email:"+quoteSearch(email))
	}
	if phone != "" {
		ids, err := s.customersByPhone(ctx, phone)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			queries = append(queries, "customer_id:"+id)
		}
	}
	var out []Order
	seen := map[string]bool{}
	for _, q := range queries {
		got, err := s.ordersMatching(ctx, c, q, limit)
		if err != nil {
			return nil, err
		}
		for _, o := range got {
			if !seen[o.ID] {
				seen[o.ID] = true
				out = append(out, o)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Order) int { return b.PlacedAt.Compare(a.PlacedAt) })
	return out[:min(len(out), limit)], nil
}

func (s *Shopify) ordersMatching(ctx context.Context, c Customer, query string, limit int) ([]Order, error) {
	var out []Order
	var after any // null on the first page
	for pages := 0; len(out) < limit && pages < 50; pages++ {
		var data struct {
			Orders struct {
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
				Nodes []shopifyOrder `json:"nodes"`
			} `json:"orders"`
		}
		vars := map[string]any{"query": query, "first": s.opt.pageSize(), "after": after}
		if err := s.query(ctx, shopifyOrdersPage, vars, &data); err != nil {
			return nil, err
		}
		for _, so := range data.Orders.Nodes {
			o, _, err := so.order()
			if err != nil {
				return nil, badResponse(s.Name(), http.StatusOK, err.Error())
			}
			// The search is Shopify's; who may see an order is ours to decide.
			if Visible(o, c) && len(out) < limit {
				out = append(out, o)
			}
		}
		pi := data.Orders.PageInfo
		if !pi.HasNextPage {
			break
		}
		if pi.EndCursor == "" || pi.EndCursor == after {
			return nil, badResponse(s.Name(), http.StatusOK, "hasNextPage without a new endCursor")
		}
		after = pi.EndCursor
	}
	return out, nil
}

// customersByPhone returns the numeric ids of the customers with phone (E.164).
func (s *Shopify) customersByPhone(ctx context.Context, phone string) ([]string, error) {
	var data struct {
		Customers struct {
			Nodes []struct {
				ID string `json:"id"`
			} `json:"nodes"`
		} `json:"customers"`
	}
	if err := s.query(ctx, shopifyCustomersByPhone, map[string]any{"query": "phone:" + quoteSearch(phone)}, &data); err != nil {
		return nil, err
	}
	var ids []string
	for _, n := range data.Customers.Nodes {
		id := n.ID[strings.LastIndexByte(n.ID, '/')+1:]
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			return nil, badResponse(s.Name(), http.StatusOK, "customer id "+strconv.Quote(n.ID)+" is not a gid")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// CreateReturn opens a return (returnCreate) for fulfilled items of one of c's orders.
func (s *Shopify) CreateReturn(ctx context.Context, c Customer, r ReturnRequest) (Return, error) {
	if len(r.Lines) == 0 {
		return Return{}, fmt.Errorf("%w: a return needs at least one item", ErrRefused)
	}
	o, fulfilled, err := s.order(ctx, c, r.OrderNumber)
	if err != nil {
		return Return{}, err
	}
	var lines []map[string]any
	for _, l := range r.Lines {
		if l.Quantity < 1 {
			return Return{}, fmt.Errorf("%w: quantity %d of item %s", ErrRefused, l.Quantity, l.ItemID)
		}
		if !slices.ContainsFunc(o.Items, func(it Item) bool { return it.ID == l.ItemID }) {
			return Return{}, fmt.Errorf("%w: order %s has no item %s", ErrRefused, o.Number, l.ItemID)
		}
		// Returns name fulfillment line items: spread the quantity over the item's shipments.
		left := l.Quantity
		for _, fl := range fulfilled[l.ItemID] {
			q := min(left, fl.quantity)
			if q <= 0 {
				continue
			}
			lines = append(lines, map[string]any{"fulfillmentLineItemId": fl.id, "quantity": q,
				"returnReasonNote": truncate(l.Reason, 255)})
			left -= q
		}
		if left > 0 {
			return Return{}, fmt.Errorf("%w: only %d of item %s have been shipped", ErrRefused, l.Quantity-left, l.ItemID)
		}
	}
	var data struct {
		ReturnCreate *struct {
			Return *struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"return"`
			UserErrors []struct {
				Field   []string `json:"field"`
				Message string   `json:"message"`
				Code    string   `json:"code"`
			} `json:"userErrors"`
		} `json:"returnCreate"`
	}
	input := map[string]any{"orderId": o.ID, "returnLineItems": lines}
	if err := s.query(ctx, shopifyReturnCreate, map[string]any{"returnInput": input}, &data); err != nil {
		return Return{}, err
	}
	rc := data.ReturnCreate
	if rc == nil {
		return Return{}, badResponse(s.Name(), http.StatusOK, "no returnCreate in the answer")
	}
	if len(rc.UserErrors) > 0 {
		var why []string
		for _, ue := range rc.UserErrors {
			why = append(why, strings.TrimSpace(ue.Code+" "+strings.Join(ue.Field, ".")+": "+ue.Message))
		}
		return Return{}, fmt.Errorf("%w: %s", ErrRefused, strings.Join(why, "; "))
	}
	if rc.Return == nil || rc.Return.ID == "" {
		return Return{}, badResponse(s.Name(), http.StatusOK, "returnCreate answered neither a return nor userErrors")
	}
	return Return{ID: rc.Return.ID, Number: rc.Return.Name, OrderNumber: o.Number, Status: strings.ToLower(rc.Return.Status)}, nil
}

// graphQLError is one entry of a GraphQL answer's errors.
type graphQLError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// shopifyCost is the answer's extensions.cost: what the query cost and the bucket's state.
type shopifyCost struct {
	RequestedQueryCost float64 `json:"requestedQueryCost"`
	ThrottleStatus     struct {
		MaximumAvailable   float64 `json:"maximumAvailable"`
		CurrentlyAvailable float64 `json:"currentlyAvailable"`
		RestoreRate        float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

// query runs one GraphQL operation, with retries, and decodes its data into out.
func (s *Shopify) query(ctx context.Context, q string, vars map[string]any, out any) error {
	idempotent := !strings.HasPrefix(q, "mutation")
	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		return err
	}
	req := request{method: http.MethodPost, url: s.endpoint, body: body, header: http.Header{
		"Content-Type": {"application/json"}, "Accept": {"application/json"}, "X-Shopify-Access-Token": {s.token}}}
	return s.opt.retry(ctx, idempotent, func(ctx context.Context) error {
		a, err := s.opt.do(ctx, s.Name(), req)
		if err != nil {
			return err
		}
		return s.decode(a, out)
	})
}

func (s *Shopify) decode(a answer, out any) error {
	var env struct {
		Data       json.RawMessage `json:"data"`
		Errors     json.RawMessage `json:"errors"`
		Extensions struct {
			Cost *shopifyCost `json:"cost"`
		} `json:"extensions"`
	}
	jsonErr := json.Unmarshal(a.Body, &env)
	if a.Status != http.StatusOK {
		// Shopify's REST-style errors: {"errors": "..."} or a list.
		msg := ""
		if jsonErr == nil && len(env.Errors) > 0 {
			msg = snippet(env.Errors)
		} else {
			msg = snippet(a.Body)
		}
		return s.opt.statusError(s.Name(), a, "", msg)
	}
	if jsonErr != nil {
		return badResponse(s.Name(), a.Status, "not JSON: "+jsonErr.Error())
	}
	if len(env.Errors) > 0 && string(env.Errors) != "null" {
		var errs []graphQLError
		if err := json.Unmarshal(env.Errors, &errs); err != nil {
			return badResponse(s.Name(), a.Status, "errors is not a list: "+snippet(env.Errors))
		}
		if len(errs) > 0 {
			return s.graphQLErrors(a, errs, env.Extensions.Cost)
		}
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return badResponse(s.Name(), a.Status, "no data")
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return badResponse(s.Name(), a.Status, "data: "+err.Error())
	}
	return nil
}

// graphQLErrors classifies the errors of a 200 answer: THROTTLED waits for the bucket to
// hold the query's cost again.
func (s *Shopify) graphQLErrors(a answer, errs []graphQLError, cost *shopifyCost) error {
	first := errs[0]
	for _, ge := range errs {
		if ge.Extensions.Code == "THROTTLED" { // wherever it is, it decides whether to retry
			first = ge
		}
	}
	e := &provider.Error{Service: "commerce", Provider: s.Name(), Status: a.Status, Kind: provider.ErrProvider,
		Code: first.Extensions.Code, Message: truncate(first.Message, 200)}
	switch e.Code {
	case "THROTTLED":
		e.Kind, e.Retryable = provider.ErrRateLimited, true
		e.RetryAfter = time.Second
		if cost != nil && cost.ThrottleStatus.RestoreRate > 0 {
			missing := cost.RequestedQueryCost - cost.ThrottleStatus.CurrentlyAvailable
			if missing > 0 {
				e.RetryAfter = max(time.Second, time.Duration(math.Ceil(missing/cost.ThrottleStatus.RestoreRate))*time.Second)
			}
		}
	case "ACCESS_DENIED", "UNAUTHORIZED":
		e.Kind = provider.ErrAuth
	case "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE":
		e.Retryable = true
	}
	return e
}

// quoteSearch quotes a value for Shopify's search syntax.
func quoteSearch(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
