package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/providertest"
)

// fakeSalesforce implements the parts of the Salesforce REST API the adapter uses: the
// query resource with SOQL on Contact and Case, query locators (nextRecordsUrl) pages of
// pageSize records, Bearer authentication and the error array.
type fakeSalesforce struct {
	t        *testing.T
	token    string
	pageSize int
	contacts []map[string]any // each with Email, Phone, Id, ...
	cases    map[string][]map[string]any

	mu      sync.Mutex
	queries []string
	calls   int
	// fail, when set, answers instead of the API for the first n calls.
	fail  func(w http.ResponseWriter, call int) bool
	pages map[string][]map[string]any // locator -> remaining records
}

func (f *fakeSalesforce) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls++
	call := f.calls
	f.mu.Unlock()
	if f.fail != nil && f.fail(w, call) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		sfError(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
		return
	}
	const prefix = "/services/data/v62.0/query"
	switch {
	case r.URL.Path == prefix:
		q := r.URL.Query().Get("q")
		f.mu.Lock()
		f.queries = append(f.queries, q)
		f.mu.Unlock()
		f.answer(w, f.run(q))
	case strings.HasPrefix(r.URL.Path, prefix+"/"):
		f.mu.Lock()
		recs, ok := f.pages[strings.TrimPrefix(r.URL.Path, prefix+"/")]
		f.mu.Unlock()
		if !ok {
			sfError(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
			return
		}
		f.answer(w, recs)
	default:
		sfError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
}

var (
	soqlEq     = regexp.MustCompile(`(\w+) = '((?:[^'\\]|\\.)*)'`)
	soqlSelect = regexp.MustCompile(`^SELECT (.+) FROM (\w+) WHERE`)
)

func unescapeSOQL(s string) string {
	return regexp.MustCompile(`\\(.)`).ReplaceAllString(s, "$1")
}

// run evaluates the adapter's queries: equality conditions joined by OR.
func (f *fakeSalesforce) run(q string) []map[string]any {
	m := soqlSelect.FindStringSubmatch(q)
	if m == nil {
		f.t.Errorf("unexpected SOQL %q", q)
		return nil
	}
	conds := soqlEq.FindAllStringSubmatch(q, -1)
	match := func(rec map[string]any) bool {
		for _, c := range conds {
			if v, _ := rec[c[1]].(string); v != "" && v == unescapeSOQL(c[2]) {
				return true
			}
		}
		return false
	}
	var out []map[string]any
	switch m[2] {
	case "Contact":
		for _, c := range f.contacts {
			if match(c) {
				out = append(out, c)
			}
		}
	case "Case":
		out = f.cases[unescapeSOQL(conds[0][2])]
	}
	return out
}

// answer sends the first page and keeps the rest behind a locator.
func (f *fakeSalesforce) answer(w http.ResponseWriter, recs []map[string]any) {
	if recs == nil {
		recs = []map[string]any{} // Salesforce answers an empty array, never null
	}
	body := map[string]any{"totalSize": len(recs), "done": true, "records": recs}
	if f.pageSize > 0 && len(recs) > f.pageSize {
		f.mu.Lock()
		if f.pages == nil {
			f.pages = map[string][]map[string]any{}
		}
		loc := "01gD0000002HU6KIAW-" + strconv.Itoa(len(f.pages)+1)
		f.pages[loc] = recs[f.pageSize:]
		f.mu.Unlock()
		body["records"], body["done"], body["nextRecordsUrl"] = recs[:f.pageSize], false, "/services/data/v62.0/query/"+loc
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

func sfError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `[{"message":%q,"errorCode":%q}]`, msg, code)
}

func sfCase(id, number, subject, status string, closed bool, at string) map[string]any {
	return map[string]any{"attributes": map[string]any{"type": "Case"}, "Id": id, "CaseNumber": number,
		"Subject": subject, "Status": status, "IsClosed": closed, "LastModifiedDate": at}
}

func newFakeSalesforce(t *testing.T) *fakeSalesforce {
	return &fakeSalesforce{t: t, token: "00Dxx!token", pageSize: 2,
		contacts: []map[string]any{
			{"attributes": map[string]any{"type": "Contact"}, "Id": "003A", "Email": "anna@example.de", "Phone": "+4915112345678",
				"LastModifiedDate": "2026-12-01T09:30:00.000+0000", "Account": map[string]any{"Tier__c": "Gold"}},
			{"attributes": map[string]any{"type": "Contact"}, "Id": "003B", "Email": "o'brien@example.ie", "MobilePhone": "+353861234567",
				"LastModifiedDate": "2026-12-01T09:30:00.000+0000", "Account": nil},
		},
		cases: map[string][]map[string]any{
			"003A": {
				sfCase("500A1", "00001001", "Bottle leaks", "Closed", true, "2026-11-01T10:00:00.000+0000"),
				sfCase("500A2", "00001002", "Where is my order", "Working", false, "2026-12-05T08:00:00.000+0000"),
				sfCase("500A3", "00001003", "Refund", "Closed", true, "2026-11-20T10:00:00.000+0000"),
				sfCase("500A4", "00001004", "Warranty", "New", false, "2026-12-06T08:00:00.000+0000"),
				sfCase("500A5", "00001005", "Invoice", "Closed", true, "2026-10-01T10:00:00.000+0000"),
			},
		},
	}
}

func newSalesforce(t *testing.T, f http.Handler, mod func(*SalesforceConfig)) (*Salesforce, *providertest.Sleeps) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	sl := &providertest.Sleeps{}
	c := SalesforceConfig{Config: Config{BaseURL: srv.URL, TierField: "Account.Tier__c", TierValues: map[string]string{"gold": "vip"},
		Sleep: sl.Sleep, HistoryLimit: 2}, Token: "00Dxx!token"}
	if mod != nil {
		mod(&c)
	}
	s, err := NewSalesforce(c)
	if err != nil {
		t.Fatal(err)
	}
	return s, sl
}

func TestSalesforceProfileAcrossPages(t *testing.T) {
	f := newFakeSalesforce(t)
	s, _ := newSalesforce(t, f, nil)
	p, err := s.Profile(context.Background(), Lookup{Email: "anna@example.de"})
	if err != nil {
		t.Fatal(err)
	}
	if p.CustomerID != "003A" || p.Tier != TierVIP || p.Source != "salesforce" {
		t.Errorf("profile %+v", p)
	}
	// 5 cases on 3 pages: open ones newest first, the 2 newest closed ones as history.
	if got := caseIDs(p.OpenCases); !slices.Equal(got, []string{"00001004", "00001002"}) {
		t.Errorf("open cases %v", got)
	}
	if got := caseIDs(p.History); !slices.Equal(got, []string{"00001003", "00001001"}) {
		t.Errorf("history %v", got)
	}
	if p.OpenCases[0].Subject != "Warranty" || p.OpenCases[0].Status != "New" ||
		!p.OpenCases[0].UpdatedAt.Equal(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("case %+v", p.OpenCases[0])
	}
	if f.calls != 4 { // contact, then the cases' three pages
		t.Errorf("%d requests, want 4", f.calls)
	}
}

func TestSalesforceLookupKeysAndQuoting(t *testing.T) {
	f := newFakeSalesforce(t)
	s, _ := newSalesforce(t, f, nil)
	// A quote in the address is escaped, so it matches the contact rather than ending the literal.
	p, err := s.Profile(context.Background(), Lookup{Email: "o'brien@example.ie"})
	if err != nil {
		t.Fatal(err)
	}
	// No tier on record (null Account) and no cases: new.
	if p.CustomerID != "003B" || p.Tier != TierNew || len(p.OpenCases)+len(p.History) != 0 {
		t.Errorf("profile %+v", p)
	}
	if !strings.Contains(f.queries[0], `Email = 'o\'brien@example.ie'`) {
		t.Errorf("query %q does not escape the quote", f.queries[0])
	}
	if p, err = s.Profile(context.Background(), Lookup{Phone: "+353861234567"}); err != nil || p.CustomerID != "003B" {
		t.Errorf("by mobile phone: %+v %v", p, err)
	}
	if p, err = s.Profile(context.Background(), Lookup{ExternalID: "003A"}); err != nil || p.CustomerID != "003A" {
		t.Errorf("by id: %+v %v", p, err)
	}
	if _, err = s.Profile(context.Background(), Lookup{Email: "x' OR Email != '"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("an injected condition: %v, want ErrNotFound", err)
	}
	if _, err = s.Profile(context.Background(), Lookup{}); !errors.Is(err, ErrNoKey) {
		t.Errorf("empty lookup: %v", err)
	}
}

func TestSalesforceNotFound(t *testing.T) {
	s, _ := newSalesforce(t, newFakeSalesforce(t), nil)
	if _, err := s.Profile(context.Background(), Lookup{Email: "nobody@example.com"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err %v, want ErrNotFound", err)
	}
}

func TestSalesforceRetriesAfterRateLimit(t *testing.T) {
	f := newFakeSalesforce(t)
	f.fail = func(w http.ResponseWriter, call int) bool {
		if call == 1 {
			w.Header().Set("Retry-After", "7")
			sfError(w, http.StatusTooManyRequests, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded")
			return true
		}
		if call == 2 {
			w.Header().Set("Retry-After", "2")
			sfError(w, http.StatusServiceUnavailable, "SERVER_UNAVAILABLE", "down for maintenance")
			return true
		}
		return false
	}
	s, sl := newSalesforce(t, f, nil)
	p, err := s.Profile(context.Background(), Lookup{Email: "anna@example.de"})
	if err != nil || p.CustomerID != "003A" {
		t.Fatalf("%+v %v", p, err)
	}
	if got := sl.Got(); !slices.Equal(got, []time.Duration{7 * time.Second, 2 * time.Second}) {
		t.Errorf("waited %v, want the Retry-After values 7s and 2s", got)
	}
}

func TestSalesforceErrors(t *testing.T) {
	for name, c := range map[string]struct {
		answer    func(w http.ResponseWriter)
		kind      error
		code      string
		retryable bool
		requests  int
	}{
		"invalid session": {func(w http.ResponseWriter) {
			sfError(w, 401, "INVALID_SESSION_ID", "Session expired or invalid")
		}, provider.ErrAuth, "INVALID_SESSION_ID", false, 1},
		"daily limit": {func(w http.ResponseWriter) {
			sfError(w, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
		}, provider.ErrRateLimited, "REQUEST_LIMIT_EXCEEDED", false, 1},
		"insufficient access": {func(w http.ResponseWriter) {
			sfError(w, 403, "INSUFFICIENT_ACCESS", "no access")
		}, provider.ErrAuth, "INSUFFICIENT_ACCESS", false, 1},
		"server error": {func(w http.ResponseWriter) {
			sfError(w, 500, "UNKNOWN_EXCEPTION", "An unexpected error occurred")
		}, provider.ErrProvider, "UNKNOWN_EXCEPTION", true, 3},
		"rate limit beyond the longest wait": {func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(429)
		}, provider.ErrRateLimited, "", true, 1},
		"malformed body": {func(w http.ResponseWriter) {
			w.Write([]byte(`{"done": true, "records": [`))
		}, provider.ErrBadResponse, "", false, 1},
		"not a query answer": {func(w http.ResponseWriter) {
			w.Write([]byte(`{"hello": "world"}`))
		}, provider.ErrBadResponse, "", false, 1},
		"malformed query": {func(w http.ResponseWriter) {
			sfError(w, 400, "MALFORMED_QUERY", "Email = 'anna@example.de' unexpected token")
		}, provider.ErrProvider, "MALFORMED_QUERY", false, 1},
	} {
		t.Run(name, func(t *testing.T) {
			var n int
			s, _ := newSalesforce(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n++; c.answer(w) }), nil)
			_, err := s.Profile(context.Background(), Lookup{Email: "anna@example.de"})
			pe := wantKind(t, err, c.kind)
			if pe.Code != c.code || pe.Retryable != c.retryable || pe.Provider != "salesforce" {
				t.Errorf("error %+v, want code %q retryable %v", pe, c.code, c.retryable)
			}
			if n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
			if strings.Contains(err.Error(), "anna@example.de") {
				t.Errorf("the error %q quotes the customer's address", err)
			}
		})
	}
}

func TestSalesforceTimeout(t *testing.T) {
	release := make(chan struct{})
	s, _ := newSalesforce(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), func(c *SalesforceConfig) { c.Timeout, c.MaxAttempts = 20*time.Millisecond, 2 })
	defer close(release)
	_, err := s.Profile(context.Background(), Lookup{Email: "anna@example.de"})
	if pe := wantKind(t, err, provider.ErrTimeout); !pe.Retryable || pe.Status != 0 {
		t.Errorf("%+v", pe)
	}
}

func TestSalesforceRefusesLinksToOtherHosts(t *testing.T) {
	var stolen bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen = true }))
	defer other.Close()
	s, _ := newSalesforce(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"totalSize": 3, "done": false, "nextRecordsUrl": %q, "records": []}`, other.URL+"/steal")
	}), nil)
	_, err := s.Profile(context.Background(), Lookup{Email: "anna@example.de"})
	wantKind(t, err, provider.ErrBadResponse)
	if stolen {
		t.Error("the token was sent to another host")
	}
}

func TestNewSalesforceRefusesFieldNamesThatAreNotNames(t *testing.T) {
	for _, f := range []string{"Tier__c FROM User --", "Tier__c, (SELECT Id FROM Cases)", "a..b"} {
		if _, err := NewSalesforce(SalesforceConfig{Config: Config{BaseURL: "https://x.my.salesforce.com", TierField: f}, Token: "t"}); err == nil {
			t.Errorf("tier field %q accepted", f)
		}
	}
	if _, err := NewSalesforce(SalesforceConfig{Config: Config{BaseURL: "https://x.my.salesforce.com"}}); err == nil {
		t.Error("no token accepted")
	}
}
