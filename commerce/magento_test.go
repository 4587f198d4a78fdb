package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/providertest"
)

// fakeMagento implements the Magento 2 REST endpoints the adapter uses, as documented:
// Bearer integration token, GET /rest/V1/orders and /rest/V1/shipments with searchCriteria
// (filter_groups, pageSize, currentPage; total_count in the answer, and the last page again
// past the end, as Magento does), POST /rest/V1/returns (Adobe Commerce's RMA), and
// faults queued per request.
type fakeMagento struct {
	t     *testing.T
	token string

	mu        sync.Mutex
	orders    []map[string]any // newest first
	shipments map[int][]map[string]any
	faults    []func(w http.ResponseWriter)
	rmaFaults []func(w http.ResponseWriter) // served to POST /V1/returns only
	calls     map[string]int
	pages     []string
	rmas      []map[string]any
	noRMA     bool   // Magento Open Source: no /V1/returns route
	refuse    string // a 400 message for returns
	hang      chan struct{}
}

func newFakeMagento(t *testing.T) (*fakeMagento, *httptest.Server) {
	f := &fakeMagento{t: t, token: "integration-token", shipments: map[int][]map[string]any{}, calls: map[string]int{}, hang: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { close(f.hang); srv.Close() })
	return f, srv
}

func magentoError(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (f *fakeMagento) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls[r.Method+" "+r.URL.Path]++
	var fault func(http.ResponseWriter)
	if len(f.faults) > 0 {
		fault, f.faults = f.faults[0], f.faults[1:]
	}
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		magentoError(w, http.StatusUnauthorized, `{"message":"The consumer isn't authorized to access %resources.","parameters":{"resources":"Magento_Sales::actions_view"}}`)
		return
	}
	if fault == nil && r.Method == http.MethodPost && len(f.rmaFaults) > 0 {
		f.mu.Lock()
		fault, f.rmaFaults = f.rmaFaults[0], f.rmaFaults[1:]
		f.mu.Unlock()
	}
	if fault != nil {
		fault(w)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	filter := func(i int) (field, value, cond string) {
		p := fmt.Sprintf("searchCriteria[filter_groups][%d][filters][0]", i)
		return q.Get(p + "[field]"), q.Get(p + "[value]"), q.Get(p + "[condition_type]")
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/rest/V1/orders":
		field, value, cond := filter(0)
		values := []string{value}
		switch {
		case field == "increment_id" && cond == "in":
			values = strings.Split(value, ",")
		case field == "customer_email" && cond == "eq":
		default:
			magentoError(w, http.StatusBadRequest, `{"message":"unexpected filter"}`)
			return
		}
		var all []map[string]any
		for _, o := range f.orders {
			if slices.Contains(values, fmt.Sprint(o[field])) {
				all = append(all, o)
			}
		}
		size, _ := strconv.Atoi(q.Get("searchCriteria[pageSize]"))
		page, _ := strconv.Atoi(q.Get("searchCriteria[currentPage]"))
		f.pages = append(f.pages, q.Get("searchCriteria[currentPage]"))
		if size <= 0 || page <= 0 {
			magentoError(w, http.StatusBadRequest, `{"message":"bad paging"}`)
			return
		}
		last := max(1, (len(all)+size-1)/size)
		page = min(page, last) // Magento answers the last page again past the end
		items := all[min((page-1)*size, len(all)):min(page*size, len(all))]
		json.NewEncoder(w).Encode(map[string]any{"items": items, "total_count": len(all),
			"search_criteria": map[string]any{"page_size": size, "current_page": page}})
	case r.Method == http.MethodGet && r.URL.Path == "/rest/V1/shipments":
		field, value, _ := filter(0)
		id, _ := strconv.Atoi(value)
		if field != "order_id" {
			magentoError(w, http.StatusBadRequest, `{"message":"unexpected filter"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"items": f.shipments[id], "total_count": len(f.shipments[id])})
	case r.Method == http.MethodPost && r.URL.Path == "/rest/V1/returns" && !f.noRMA:
		var body struct {
			RMA map[string]any `json:"rmaDataObject"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.RMA == nil {
			magentoError(w, http.StatusBadRequest, `{"message":"\"rmaDataObject\" is required. Enter and try again."}`)
			return
		}
		if f.refuse != "" {
			magentoError(w, http.StatusBadRequest, `{"message":"%1","parameters":[`+strconv.Quote(f.refuse)+`]}`)
			return
		}
		f.rmas = append(f.rmas, body.RMA)
		json.NewEncoder(w).Encode(map[string]any{"entity_id": 31, "increment_id": "000000031", "status": "pending",
			"order_id": body.RMA["order_id"], "items": body.RMA["items"]})
	default:
		magentoError(w, http.StatusNotFound, `{"message":"Request does not match any route."}`)
	}
}

func magentoOrderJSON(id int, email, phone string, placed time.Time) map[string]any {
	return map[string]any{
		"entity_id": id, "increment_id": fmt.Sprintf("%09d", id), "state": "processing", "status": "processing",
		"created_at": placed.UTC().Format(time.DateTime), "order_currency_code": "EUR", "grand_total": 84.5,
		"customer_email": email, "customer_id": 12, "store_id": 1,
		"billing_address": map[string]any{"telephone": phone, "country_id": "DE"},
		"items": []any{
			map[string]any{"item_id": 101, "sku": "JACKET", "name": "Rain jacket", "qty_ordered": 1.0, "qty_shipped": 1.0, "product_type": "configurable"},
			map[string]any{"item_id": 102, "parent_item_id": 101, "sku": "JACKET-M", "name": "Rain jacket", "qty_ordered": 1.0, "qty_shipped": 1.0},
			map[string]any{"item_id": 103, "sku": "SOCKS", "name": "Socks", "qty_ordered": 3.0, "qty_shipped": 0.0},
		},
	}
}

func testMagento(t *testing.T, f *fakeMagento, srv *httptest.Server) (*Magento, *providertest.Sleeps) {
	t.Helper()
	ns := &providertest.Sleeps{}
	m, err := NewMagento(srv.URL, f.token, Options{Sleep: ns.Sleep, PageSize: 2,
		Now: func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return m, ns
}

func TestMagentoOrderFoundWithTracks(t *testing.T) {
	f, srv := newFakeMagento(t)
	placed := time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC)
	f.orders = []map[string]any{magentoOrderJSON(123, "anna.schmidt@example.de", "0151 12345678", placed)}
	f.shipments[123] = []map[string]any{{"entity_id": 9, "order_id": 123, "tracks": []any{
		map[string]any{"track_number": "1Z999AA10123456784", "title": "United Parcel Service", "carrier_code": "ups"}}}}
	m, _ := testMagento(t, f, srv)

	// Found by the customer's phone alone: the billing phone is national, its country DE.
	o, err := m.Order(context.Background(), Customer{Phone: "+4915112345678"}, "000000123")
	if err != nil {
		t.Fatal(err)
	}
	// The number as customers write it, without Magento's leading zeros.
	if o2, err := m.Order(context.Background(), Customer{Phone: "+4915112345678"}, "#123"); err != nil || o2.Number != "000000123" {
		t.Fatalf("#123: %v %+v", err, o2)
	}
	if o.Number != "000000123" || o.ID != "123" || !o.PlacedAt.Equal(placed) || o.Total != "84.5" || o.Currency != "EUR" ||
		o.Status != StatusPartiallyShipped || len(o.Items) != 2 || o.Items[1].Quantity != 3 {
		t.Fatalf("order %+v", o)
	}
	if len(o.Shipments) != 1 || o.Shipments[0].Carrier != "United Parcel Service" || o.Shipments[0].TrackingNumber != "1Z999AA10123456784" ||
		o.Shipments[0].TrackingURL != "https://www.ups.com/track?tracknum=1Z999AA10123456784" || o.Shipments[0].Status != ShipmentShipped {
		t.Fatalf("shipments %+v", o.Shipments)
	}
}

func TestMagentoNotFoundAndOthersRefusedAlike(t *testing.T) {
	f, srv := newFakeMagento(t)
	f.orders = []map[string]any{magentoOrderJSON(123, "anna.schmidt@example.de", "", time.Now())}
	m, _ := testMagento(t, f, srv)
	_, missing := m.Order(context.Background(), anna, "000000999")
	_, others := m.Order(context.Background(), bruno, "000000123")
	if !errors.Is(missing, ErrNotFound) || !errors.Is(others, ErrNotFound) || missing.Error() != others.Error() {
		t.Fatalf("missing %v, another's %v", missing, others)
	}
	// Another customer's lookup never fetched the order's shipments.
	if f.calls["GET /rest/V1/shipments"] != 0 {
		t.Fatalf("shipments fetched for a refused order: %v", f.calls)
	}
}

func TestMagentoOrdersPagesByTotalCount(t *testing.T) {
	f, srv := newFakeMagento(t)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 5; i >= 1; i-- {
		f.orders = append(f.orders, magentoOrderJSON(200+i, "anna.schmidt@example.de", "", base.AddDate(0, 0, i)))
	}
	f.orders = append(f.orders, magentoOrderJSON(300, "bruno@example.it", "", base))
	m, _ := testMagento(t, f, srv)

	got, err := m.Orders(context.Background(), Customer{Email: "ANNA.SCHMIDT@example.de"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, o := range got {
		numbers = append(numbers, o.Number)
	}
	// Five orders in pages of 2: three pages, and no fourth (which would repeat the third).
	if strings.Join(numbers, ",") != "000000205,000000204,000000203,000000202,000000201" || strings.Join(f.pages, ",") != "1,2,3" {
		t.Fatalf("orders %v, pages %v", numbers, f.pages)
	}
	if _, err := m.Orders(context.Background(), Customer{Phone: "+4915112345678"}, 10); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("phone only: %v", err)
	}
}

func TestMagento429RetriedAfterRetryAfter(t *testing.T) {
	f, srv := newFakeMagento(t)
	f.orders = []map[string]any{magentoOrderJSON(123, "anna.schmidt@example.de", "", time.Now())}
	f.faults = []func(http.ResponseWriter){func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "Mon, 07 Dec 2026 12:00:03 GMT")
		magentoError(w, http.StatusTooManyRequests, `{"message":"Too Many Requests"}`)
	}}
	m, ns := testMagento(t, f, srv)
	if _, err := m.Order(context.Background(), anna, "000000123"); err != nil {
		t.Fatal(err)
	}
	if f.calls["GET /rest/V1/orders"] != 2 || len(ns.Got()) != 1 || ns.Got()[0] != 3*time.Second {
		t.Fatalf("calls %v, waits %v", f.calls, ns.Got())
	}
}

func TestMagentoErrors(t *testing.T) {
	cases := []struct {
		name      string
		fault     func(w http.ResponseWriter)
		badToken  bool
		kind      error
		attempts  int
		retryable bool
		says      string
	}{
		{name: "401", badToken: true, kind: provider.ErrAuth, attempts: 1, says: "Magento_Sales::actions_view"},
		{name: "500", fault: func(w http.ResponseWriter) {
			magentoError(w, 500, `{"message":"Internal Error. Details are available in Magento log file."}`)
		},
			kind: provider.ErrProvider, attempts: 3, retryable: true, says: "Internal Error"},
		{name: "503", fault: func(w http.ResponseWriter) { magentoError(w, 503, `<html>maintenance</html>`) },
			kind: provider.ErrProvider, attempts: 3, retryable: true},
		{name: "malformed", fault: func(w http.ResponseWriter) { io.WriteString(w, `{"items":[{"entity_id":`) },
			kind: provider.ErrBadResponse, attempts: 1},
		{name: "429 too long", fault: func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			magentoError(w, 429, `{"message":"Too Many Requests"}`)
		}, kind: provider.ErrRateLimited, attempts: 1, retryable: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFakeMagento(t)
			f.orders = []map[string]any{magentoOrderJSON(123, "anna.schmidt@example.de", "", time.Now())}
			if tc.fault != nil {
				f.faults = []func(http.ResponseWriter){tc.fault, tc.fault, tc.fault}
			}
			m, ns := testMagento(t, f, srv)
			if tc.badToken {
				m.token = "wrong"
			}
			_, err := m.Order(context.Background(), anna, "000000123")
			var pe *provider.Error
			if !errors.Is(err, tc.kind) || !errors.As(err, &pe) || pe.Service != "commerce" || pe.Provider != "magento" || pe.Retryable != tc.retryable ||
				!strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v", err)
			}
			if f.calls["GET /rest/V1/orders"] != tc.attempts || len(ns.Got()) != tc.attempts-1 {
				t.Fatalf("%v calls, waits %v; want %d attempts", f.calls, ns.Got(), tc.attempts)
			}
		})
	}
}

func TestMagentoTimeout(t *testing.T) {
	f, srv := newFakeMagento(t)
	f.faults = []func(http.ResponseWriter){func(http.ResponseWriter) { <-f.hang }}
	m, err := NewMagento(srv.URL+"/rest/default", f.token, Options{Timeout: 50 * time.Millisecond, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Order(context.Background(), anna, "000000123"); !errors.Is(err, provider.ErrTimeout) {
		t.Fatalf("got %v", err)
	}
}

func TestMagentoCreateReturn(t *testing.T) {
	f, srv := newFakeMagento(t)
	f.orders = []map[string]any{magentoOrderJSON(123, "anna.schmidt@example.de", "", time.Now())}
	m, _ := testMagento(t, f, srv)
	ctx := context.Background()
	req := ReturnRequest{OrderNumber: "000000123", Lines: []ReturnLine{{ItemID: "101", Quantity: 1, Reason: "too small"}}}

	r, err := m.CreateReturn(ctx, anna, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "31" || r.Number != "000000031" || r.OrderNumber != "000000123" || r.Status != "pending" {
		t.Fatalf("return %+v", r)
	}
	rma := f.rmas[0]
	items := rma["items"].([]any)
	item := items[0].(map[string]any)
	comment := rma["comments"].([]any)[0].(map[string]any)
	if rma["order_id"] != 123.0 || rma["order_increment_id"] != "000000123" || rma["customer_id"] != 12.0 || rma["date_requested"] != "2026-12-07 12:00:00" ||
		len(items) != 1 || item["order_item_id"] != 101.0 || item["qty_requested"] != 1.0 || comment["comment"] != "JACKET: too small" {
		t.Fatalf("rmaDataObject %v", rma)
	}

	f.refuse = "The quantity of requested items is more than the quantity available to return."
	if _, err := m.CreateReturn(ctx, anna, req); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "more than the quantity") {
		t.Fatalf("refused: %v", err)
	}
	f.refuse, f.noRMA = "", true
	if _, err := m.CreateReturn(ctx, anna, req); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("open source: %v", err)
	}
	f.noRMA = false
	n := len(f.rmas)
	for _, bad := range []ReturnRequest{
		{OrderNumber: "000000123", Lines: []ReturnLine{{ItemID: "103", Quantity: 1}}}, // not shipped
		{OrderNumber: "000000123", Lines: []ReturnLine{{ItemID: "102", Quantity: 1}}}, // a child line
		{OrderNumber: "000000123", Lines: []ReturnLine{{ItemID: "101", Quantity: 0}}},
	} {
		if _, err := m.CreateReturn(ctx, anna, bad); !errors.Is(err, ErrRefused) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
	if _, err := m.CreateReturn(ctx, bruno, req); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another's order: %v", err)
	}
	// A 500 on creation is not retried (the return may exist); a 429 is (it was not run).
	f.rmaFaults = []func(http.ResponseWriter){func(w http.ResponseWriter) { magentoError(w, 500, `{"message":"Internal Error."}`) }}
	posts := f.calls["POST /rest/V1/returns"]
	if _, err := m.CreateReturn(ctx, anna, req); !errors.Is(err, provider.ErrProvider) || f.calls["POST /rest/V1/returns"] != posts+1 {
		t.Fatalf("500: %v after %d posts", err, f.calls["POST /rest/V1/returns"]-posts)
	}
	f.rmaFaults = []func(http.ResponseWriter){func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "1")
		magentoError(w, 429, `{"message":"Too Many Requests"}`)
	}}
	if _, err := m.CreateReturn(ctx, anna, req); err != nil || f.calls["POST /rest/V1/returns"] != posts+3 {
		t.Fatalf("429: %v after %d posts", err, f.calls["POST /rest/V1/returns"]-posts)
	}
	n++
	if len(f.rmas) != n {
		t.Fatal("a refused return reached Magento")
	}
}
