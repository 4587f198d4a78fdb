package commerce

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/providertest"
)

// fakeShopify implements the part of the Shopify Admin GraphQL API the adapter uses, as
// documented: POST /admin/api/{version}/graphql.json with X-Shopify-Access-Token, orders
// searched by name, email and customer_id with cursor pagination, customers by phone,
// returnCreate with userErrors, and faults queued per request (429, THROTTLED, 5xx...).
type fakeShopify struct {
	t     *testing.T
	token string

	mu        sync.Mutex
	orders    []map[string]any // newest first, in the API's shape
	customers map[string]string
	faults    []func(w http.ResponseWriter) // served one per request before normal answers
	calls     int
	pageSizes []int
	returns   []map[string]any
	refuse    string // a returnCreate userError message, when set
	hang      chan struct{}
}

var shopifyPath = regexp.MustCompile(`^/admin/api/\d{4}-\d{2}/graphql\.json$`)

func newFakeShopify(t *testing.T) (*fakeShopify, *httptest.Server) {
	f := &fakeShopify{t: t, token: "shpat_test", customers: map[string]string{}, hang: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { close(f.hang); srv.Close() })
	return f, srv
}

func (f *fakeShopify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls++
	var fault func(http.ResponseWriter)
	if len(f.faults) > 0 {
		fault, f.faults = f.faults[0], f.faults[1:]
	}
	f.mu.Unlock()
	if r.Method != http.MethodPost || !shopifyPath.MatchString(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("X-Shopify-Access-Token") != f.token {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`)
		return
	}
	if fault != nil {
		fault(w)
		return
	}
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var data any
	switch {
	case strings.HasPrefix(req.Query, "query OrderByName"):
		data = map[string]any{"orders": map[string]any{"nodes": f.search(req.Variables["query"].(string))}}
	case strings.HasPrefix(req.Query, "query CustomerOrders"):
		all := f.search(req.Variables["query"].(string))
		first := int(req.Variables["first"].(float64))
		f.pageSizes = append(f.pageSizes, first)
		start := 0
		if c, ok := req.Variables["after"].(string); ok {
			b, _ := base64.StdEncoding.DecodeString(c)
			start, _ = strconv.Atoi(string(b))
		}
		end := min(start+first, len(all))
		data = map[string]any{"orders": map[string]any{
			"pageInfo": map[string]any{"hasNextPage": end < len(all), "endCursor": base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(end)))},
			"nodes":    all[start:end]}}
	case strings.HasPrefix(req.Query, "query CustomersByPhone"):
		var nodes []any
		q := req.Variables["query"].(string)
		for phone, id := range f.customers {
			if q == `phone:"`+phone+`"` {
				nodes = append(nodes, map[string]any{"id": "gid://shopify/Customer/" + id})
			}
		}
		data = map[string]any{"customers": map[string]any{"nodes": nodes}}
	case strings.HasPrefix(req.Query, "mutation ReturnCreate"):
		data = map[string]any{"returnCreate": f.returnCreate(req.Variables["returnInput"].(map[string]any))}
	default:
		f.t.Errorf("unexpected operation %.40q", req.Query)
		http.Error(w, "unknown operation", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": data, "extensions": map[string]any{"cost": map[string]any{
		"requestedQueryCost": 52, "actualQueryCost": 12,
		"throttleStatus": map[string]any{"maximumAvailable": 2000.0, "currentlyAvailable": 1988, "restoreRate": 100.0}}}})
}

// search applies the orders query's name:, email: and customer_id: filters.
func (f *fakeShopify) search(q string) []map[string]any {
	var out []map[string]any
	for _, o := range f.orders {
		var ok bool
		switch {
		case strings.HasPrefix(q, "name:"):
			ok = q == `name:"`+o["name"].(string)+`"`
		case strings.HasPrefix(q, "email:"):
			ok = strings.EqualFold(q, `email:"`+o["email"].(string)+`"`)
		case strings.HasPrefix(q, "customer_id:"):
			ok = q == "customer_id:"+o["_customer"].(string)
		}
		if ok {
			out = append(out, o)
		}
	}
	return out
}

func (f *fakeShopify) returnCreate(in map[string]any) map[string]any {
	if f.refuse != "" {
		return map[string]any{"return": nil, "userErrors": []any{map[string]any{
			"field": []string{"returnInput", "returnLineItems", "0", "quantity"}, "message": f.refuse, "code": "INVALID"}}}
	}
	f.returns = append(f.returns, in)
	return map[string]any{"return": map[string]any{"id": "gid://shopify/Return/77", "name": "#1001-R1", "status": "OPEN"}, "userErrors": []any{}}
}

// shopifyOrderJSON is an order as the API answers it.
func shopifyOrderJSON(n int, email, phone, customerID string, placed time.Time) map[string]any {
	return map[string]any{
		"_customer": customerID,
		"id":        fmt.Sprintf("gid://shopify/Order/%d", 5000+n), "name": fmt.Sprintf("#%d", n),
		"createdAt": placed.UTC().Format(time.RFC3339), "email": email, "phone": phone, "cancelledAt": nil,
		"displayFinancialStatus": "PAID", "displayFulfillmentStatus": "FULFILLED",
		"totalPriceSet":   map[string]any{"shopMoney": map[string]any{"amount": "59.90", "currencyCode": "EUR"}},
		"shippingAddress": map[string]any{"countryCodeV2": "DE"},
		"lineItems": map[string]any{"nodes": []any{
			map[string]any{"id": "gid://shopify/LineItem/1", "sku": "TEE-M", "title": "T-shirt", "quantity": 2},
			map[string]any{"id": "gid://shopify/LineItem/2", "sku": "CAP", "title": "Cap", "quantity": 1}}},
		"fulfillments": []any{map[string]any{
			"status": "SUCCESS", "displayStatus": "IN_TRANSIT", "estimatedDeliveryAt": "2026-12-09T18:00:00Z",
			"trackingInfo": []any{map[string]any{"company": "DHL Express", "number": "JD014600006281230704",
				"url": "https://www.dhl.com/de-en/home/tracking.html?tracking-id=JD014600006281230704"}},
			"fulfillmentLineItems": map[string]any{"nodes": []any{
				map[string]any{"id": "gid://shopify/FulfillmentLineItem/11", "quantity": 2, "lineItem": map[string]any{"id": "gid://shopify/LineItem/1"}}}}}},
	}
}

var (
	anna  = Customer{Email: "Anna.Schmidt@example.de ", Phone: "+4915112345678"}
	bruno = Customer{Email: "bruno@example.it"}
)

func testShopify(t *testing.T, f *fakeShopify, srv *httptest.Server) (*Shopify, *providertest.Sleeps) {
	t.Helper()
	ns := &providertest.Sleeps{}
	s, err := NewShopify("", f.token, "", srv.URL, Options{Sleep: ns.Sleep, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	return s, ns
}

func TestShopifyOrderFoundWithTracking(t *testing.T) {
	f, srv := newFakeShopify(t)
	placed := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	f.orders = []map[string]any{shopifyOrderJSON(1001, "anna.schmidt@example.de", "", "1", placed)}
	s, _ := testShopify(t, f, srv)

	for _, number := range []string{"1001", "#1001", " #1001 "} {
		o, err := s.Order(context.Background(), anna, number)
		if err != nil {
			t.Fatalf("%q: %v", number, err)
		}
		if o.Number != "1001" || o.Status != StatusShipped || !o.PlacedAt.Equal(placed) || o.Total != "59.90" || o.Currency != "EUR" ||
			len(o.Items) != 2 || o.Items[0].Quantity != 2 || o.Country != "DE" {
			t.Fatalf("%q: %+v", number, o)
		}
		if len(o.Shipments) != 1 {
			t.Fatalf("shipments %+v", o.Shipments)
		}
		sh := o.Shipments[0]
		if sh.Carrier != "DHL Express" || sh.TrackingNumber != "JD014600006281230704" || !strings.Contains(sh.TrackingURL, "JD014600006281230704") ||
			sh.Status != ShipmentInTransit || !sh.EstimatedDelivery.Equal(time.Date(2026, 12, 9, 18, 0, 0, 0, time.UTC)) {
			t.Fatalf("shipment %+v", sh)
		}
	}
}

func TestShopifyOrderByPhoneInNationalFormat(t *testing.T) {
	f, srv := newFakeShopify(t)
	// The order's phone was typed without country code; its address says Germany.
	f.orders = []map[string]any{shopifyOrderJSON(1002, "", "0151 12345678", "1", time.Now())}
	s, _ := testShopify(t, f, srv)
	if _, err := s.Order(context.Background(), Customer{Phone: "+4915112345678"}, "1002"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Order(context.Background(), Customer{Phone: "+4915199999999"}, "1002"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another phone: %v", err)
	}
}

// Not found and another customer's order are the same answer, with nothing of the order.
func TestShopifyOrderNotFoundAndOthersRefusedAlike(t *testing.T) {
	f, srv := newFakeShopify(t)
	f.orders = []map[string]any{shopifyOrderJSON(1001, "anna.schmidt@example.de", "+4915112345678", "1", time.Now())}
	s, _ := testShopify(t, f, srv)
	ctx := context.Background()

	o1, missing := s.Order(ctx, anna, "9999")
	o2, others := s.Order(ctx, bruno, "1001")
	if !errors.Is(missing, ErrNotFound) || !errors.Is(others, ErrNotFound) {
		t.Fatalf("missing %v, another's %v", missing, others)
	}
	if missing.Error() != others.Error() || o1.Number != "" || o2.Number != "" || len(o2.Shipments) != 0 {
		t.Fatalf("the answers differ: %v / %v, %+v", missing, others, o2)
	}
	if _, err := s.Order(ctx, Customer{}, "1001"); !errors.Is(err, ErrNoContact) {
		t.Fatalf("no contact: %v", err)
	}
	// A number that is not one never reaches the search.
	calls := f.calls
	if _, err := s.Order(ctx, anna, `1001" OR email:*`); !errors.Is(err, ErrNotFound) || f.calls != calls {
		t.Fatalf("injected number: %v, %d calls", err, f.calls-calls)
	}
}

func TestShopifyOrdersPagesThroughAndFilters(t *testing.T) {
	f, srv := newFakeShopify(t)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 5; i >= 1; i-- { // newest first, as sortKey CREATED_AT reverse answers
		f.orders = append(f.orders, shopifyOrderJSON(1000+i, "anna.schmidt@example.de", "", "1", base.AddDate(0, 0, i)))
	}
	// Found by phone through the customer, with no e-mail on the order.
	f.orders = append(f.orders, shopifyOrderJSON(900, "", "+4915112345678", "42", base))
	f.customers["+4915112345678"] = "42"
	f.orders = append(f.orders, shopifyOrderJSON(800, "bruno@example.it", "", "7", base.AddDate(0, 0, 9)))
	s, _ := testShopify(t, f, srv)

	got, err := s.Orders(context.Background(), anna, 10)
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, o := range got {
		numbers = append(numbers, o.Number)
	}
	if strings.Join(numbers, ",") != "1005,1004,1003,1002,1001,900" {
		t.Fatalf("orders %v", numbers)
	}
	if len(f.pageSizes) != 4 { // three pages of 2 for the e-mail, one for the customer
		t.Fatalf("pages %v", f.pageSizes)
	}

	got, err = s.Orders(context.Background(), anna, 3)
	if err != nil || len(got) != 3 || got[0].Number != "1005" {
		t.Fatalf("limit 3: %v %+v", err, got)
	}
	if got, err := s.Orders(context.Background(), bruno, 10); err != nil || len(got) != 1 || got[0].Number != "800" {
		t.Fatalf("bruno: %v %+v", err, got)
	}
}

func TestShopify429RetriedAfterRetryAfter(t *testing.T) {
	f, srv := newFakeShopify(t)
	f.orders = []map[string]any{shopifyOrderJSON(1001, "anna.schmidt@example.de", "", "1", time.Now())}
	f.faults = []func(http.ResponseWriter){func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`)
	}}
	s, ns := testShopify(t, f, srv)
	if _, err := s.Order(context.Background(), anna, "1001"); err != nil {
		t.Fatal(err)
	}
	if f.calls != 2 || len(ns.Got()) != 1 || ns.Got()[0] != 2*time.Second {
		t.Fatalf("calls %d, waits %v", f.calls, ns.Got())
	}
}

func TestShopifyThrottledWaitsForTheBucket(t *testing.T) {
	f, srv := newFakeShopify(t)
	f.orders = []map[string]any{shopifyOrderJSON(1001, "anna.schmidt@example.de", "", "1", time.Now())}
	throttled := func(w http.ResponseWriter) {
		io.WriteString(w, `{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED","documentation":"https://shopify.dev/api/usage/rate-limits"}}],
			"extensions":{"cost":{"requestedQueryCost":752,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":452,"restoreRate":50.0}}}}`)
	}
	f.faults = []func(http.ResponseWriter){throttled}
	s, ns := testShopify(t, f, srv)
	if _, err := s.Order(context.Background(), anna, "1001"); err != nil {
		t.Fatal(err)
	}
	// 300 points missing at 50 a second.
	if len(ns.Got()) != 1 || ns.Got()[0] != 6*time.Second {
		t.Fatalf("waits %v", ns.Got())
	}

	// Throttled on every attempt: the error says so, after the bounded attempts.
	f.faults = []func(http.ResponseWriter){throttled, throttled, throttled, throttled}
	calls := f.calls
	_, err := s.Order(context.Background(), anna, "1001")
	var pe *provider.Error
	if !errors.Is(err, provider.ErrRateLimited) || !errors.As(err, &pe) || pe.Service != "commerce" || pe.Code != "THROTTLED" || f.calls-calls != 3 {
		t.Fatalf("%v after %d calls", err, f.calls-calls)
	}
}

func TestShopifyErrors(t *testing.T) {
	cases := []struct {
		name      string
		fault     func(w http.ResponseWriter)
		kind      error
		attempts  int
		badToken  bool
		retryable bool
	}{
		{name: "401", badToken: true, kind: provider.ErrAuth, attempts: 1},
		{name: "500", fault: func(w http.ResponseWriter) {
			http.Error(w, `{"errors":"Internal Server Error"}`, http.StatusInternalServerError)
		},
			kind: provider.ErrProvider, attempts: 3, retryable: true},
		{name: "malformed", fault: func(w http.ResponseWriter) { io.WriteString(w, `{"data":{"orders":{"nodes":[{"id":`) },
			kind: provider.ErrBadResponse, attempts: 1},
		{name: "wrong shape", fault: func(w http.ResponseWriter) { io.WriteString(w, `{"data":{"orders":{"nodes":"none"}}}`) },
			kind: provider.ErrBadResponse, attempts: 1},
		{name: "access denied", fault: func(w http.ResponseWriter) {
			io.WriteString(w, `{"errors":[{"message":"Access denied for orders field.","extensions":{"code":"ACCESS_DENIED"}}]}`)
		}, kind: provider.ErrAuth, attempts: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFakeShopify(t)
			f.orders = []map[string]any{shopifyOrderJSON(1001, "anna.schmidt@example.de", "", "1", time.Now())}
			if tc.fault != nil {
				f.faults = []func(http.ResponseWriter){tc.fault, tc.fault, tc.fault}
			}
			s, _ := testShopify(t, f, srv)
			if tc.badToken {
				s.token = "wrong"
			}
			_, err := s.Order(context.Background(), anna, "1001")
			var pe *provider.Error
			if !errors.Is(err, tc.kind) || !errors.As(err, &pe) || pe.Service != "commerce" || pe.Provider != "shopify" || pe.Retryable != tc.retryable {
				t.Fatalf("got %v", err)
			}
			if f.calls != tc.attempts {
				t.Fatalf("%d calls, want %d", f.calls, tc.attempts)
			}
		})
	}
}

func TestShopifyTimeout(t *testing.T) {
	f, srv := newFakeShopify(t)
	f.faults = []func(http.ResponseWriter){func(http.ResponseWriter) { <-f.hang }}
	ns := &providertest.Sleeps{}
	s, err := NewShopify("", f.token, "", srv.URL, Options{Sleep: ns.Sleep, Timeout: 50 * time.Millisecond, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Order(context.Background(), anna, "1001")
	var pe *provider.Error
	if !errors.Is(err, provider.ErrTimeout) || !errors.As(err, &pe) || !pe.Retryable {
		t.Fatalf("got %v", err)
	}
}

func TestShopifyCreateReturn(t *testing.T) {
	f, srv := newFakeShopify(t)
	f.orders = []map[string]any{shopifyOrderJSON(1001, "anna.schmidt@example.de", "", "1", time.Now())}
	s, _ := testShopify(t, f, srv)
	ctx := context.Background()
	req := ReturnRequest{OrderNumber: "#1001", Lines: []ReturnLine{{ItemID: "gid://shopify/LineItem/1", Quantity: 1, Reason: "zu klein"}}}

	r, err := s.CreateReturn(ctx, anna, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "gid://shopify/Return/77" || r.Number != "#1001-R1" || r.OrderNumber != "1001" || r.Status != "open" {
		t.Fatalf("return %+v", r)
	}
	in := f.returns[0]
	lines := in["returnLineItems"].([]any)
	line := lines[0].(map[string]any)
	if in["orderId"] != "gid://shopify/Order/6001" || len(lines) != 1 || line["fulfillmentLineItemId"] != "gid://shopify/FulfillmentLineItem/11" ||
		line["quantity"] != 1.0 || line["returnReasonNote"] != "zu klein" {
		t.Fatalf("returnInput %v", in)
	}

	// Shopify's userErrors are a refusal that says why.
	f.refuse = "Quantity is not available for return."
	if _, err := s.CreateReturn(ctx, anna, req); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "Quantity is not available") {
		t.Fatalf("user error: %v", err)
	}
	// Refused here before asking: an item never shipped, too many, another's order.
	n := len(f.returns)
	for _, bad := range []ReturnRequest{
		{OrderNumber: "1001", Lines: []ReturnLine{{ItemID: "gid://shopify/LineItem/2", Quantity: 1}}},
		{OrderNumber: "1001", Lines: []ReturnLine{{ItemID: "gid://shopify/LineItem/1", Quantity: 3}}},
		{OrderNumber: "1001", Lines: []ReturnLine{{ItemID: "gid://shopify/LineItem/9", Quantity: 1}}},
		{OrderNumber: "1001"},
	} {
		if _, err := s.CreateReturn(ctx, anna, bad); !errors.Is(err, ErrRefused) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
	if _, err := s.CreateReturn(ctx, bruno, req); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another's order: %v", err)
	}
	if len(f.returns) != n {
		t.Fatal("a refused return reached Shopify")
	}
	// A 500 on the mutation is not retried (the return may exist); THROTTLED is (it did not run).
	f.refuse = ""
	f.faults = []func(http.ResponseWriter){nil, func(w http.ResponseWriter) { http.Error(w, "oops", http.StatusBadGateway) }}
	calls := f.calls
	if _, err := s.CreateReturn(ctx, anna, req); !errors.Is(err, provider.ErrProvider) || f.calls-calls != 2 {
		t.Fatalf("502: %v after %d calls", err, f.calls-calls)
	}
	f.faults = []func(http.ResponseWriter){nil, func(w http.ResponseWriter) {
		io.WriteString(w, `{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}]}`)
	}}
	calls = f.calls
	if _, err := s.CreateReturn(ctx, anna, req); err != nil || f.calls-calls != 3 || len(f.returns) != n+1 {
		t.Fatalf("throttled: %v after %d calls", err, f.calls-calls)
	}
}
