package crm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/provider"
	"github.com/meridian-cs/meridian/provider/providertest"
)

type zdUser struct {
	ID     int64
	Email  string
	Phone  string
	ExtID  string
	Tags   []string
	Fields map[string]any
	Org    int64
}

type zdTicket struct {
	ID      int64
	Subject string
	Status  string
	Updated string
}

// fakeZendesk implements the Zendesk Support API endpoints the adapter uses: user search
// (query=email:..., query=phone, external_id=...), organizations, and requested tickets
// with cursor pagination (page[size], meta.has_more, links.next) or, with offset set,
// offset pagination (page, next_page).
type fakeZendesk struct {
	t        *testing.T
	users    []zdUser
	orgs     map[int64]map[string]any
	tickets  map[int64][]zdTicket
	pageSize int
	offset   bool
	calls    int
	paths    []string
	fail     func(w http.ResponseWriter, call int) bool
	srvURL   string
}

const zdAuth = "agent@shop.example/token:6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv"

func (f *fakeZendesk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls++
	f.paths = append(f.paths, r.URL.Path)
	if f.fail != nil && f.fail(w, f.calls) {
		return
	}
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(zdAuth)) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"Couldn't authenticate you"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	q := r.URL.Query()
	switch {
	case r.URL.Path == "/api/v2/users/search.json":
		// Like Zendesk's search, loose: a quoted value matches users whose field contains it.
		users := []map[string]any{}
		query, ext := q.Get("query"), q.Get("external_id")
		prop, val, _ := strings.Cut(query, ":")
		val = strings.Trim(val, `"`)
		if query != "" && (val == "" || !strings.HasPrefix(query, prop+`:"`) || !strings.HasSuffix(query, `"`)) {
			f.t.Errorf("search query %q is not PROPERTY:\"VALUE\"", query)
		}
		for _, u := range f.users {
			field := map[string]string{"email": u.Email, "phone": u.Phone}[prop]
			if (query != "" && field != "" && strings.Contains(field, val)) || (ext != "" && ext == u.ExtID) {
				m := map[string]any{"id": u.ID, "email": u.Email, "phone": u.Phone, "external_id": u.ExtID,
					"tags": u.Tags, "user_fields": u.Fields, "organization_id": nil}
				if u.Org != 0 {
					m["organization_id"] = u.Org
				}
				users = append(users, m)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"users": users, "count": len(users), "next_page": nil, "previous_page": nil})
	case strings.HasPrefix(r.URL.Path, "/api/v2/organizations/"):
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v2/organizations/"), ".json"), 10, 64)
		fields, ok := f.orgs[id]
		if !ok {
			w.WriteHeader(404)
			w.Write([]byte(`{"error":"RecordNotFound","description":"Not found"}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"organization": map[string]any{"id": id, "organization_fields": fields}})
	case strings.HasPrefix(r.URL.Path, "/api/v2/users/") && strings.HasSuffix(r.URL.Path, "/tickets/requested.json"):
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v2/users/"), "/tickets/requested.json"), 10, 64)
		all := f.tickets[id]
		start := 0
		if f.offset {
			if p, _ := strconv.Atoi(q.Get("page")); p > 1 {
				start = (p - 1) * f.pageSize
			}
		} else {
			if q.Get("page[size]") == "" {
				f.t.Errorf("tickets asked without page[size]: %s", r.URL)
			}
			if a := q.Get("page[after]"); a != "" {
				start, _ = strconv.Atoi(a)
			}
		}
		end := min(start+f.pageSize, len(all))
		page := []map[string]any{}
		for _, t := range all[start:end] {
			page = append(page, map[string]any{"id": t.ID, "subject": t.Subject, "status": t.Status, "updated_at": t.Updated, "requester_id": id})
		}
		body := map[string]any{"tickets": page}
		if f.offset {
			body["next_page"] = nil
			if end < len(all) {
				body["next_page"] = fmt.Sprintf("%s%s?page=%d", f.srvURL, r.URL.Path, end/f.pageSize+1)
			}
			body["count"] = len(all)
		} else {
			more := end < len(all)
			body["meta"] = map[string]any{"has_more": more, "after_cursor": strconv.Itoa(end), "before_cursor": strconv.Itoa(start)}
			links := map[string]any{"prev": nil, "next": nil}
			if more {
				links["next"] = fmt.Sprintf("%s%s?page%%5Bsize%%5D=%d&page%%5Bafter%%5D=%d", f.srvURL, r.URL.Path, f.pageSize, end)
			}
			body["links"] = links
		}
		json.NewEncoder(w).Encode(body)
	default:
		w.WriteHeader(404)
		w.Write([]byte(`{"error":"InvalidEndpoint","description":"Not found"}`))
	}
}

func newFakeZendesk(t *testing.T) *fakeZendesk {
	return &fakeZendesk{t: t, pageSize: 2,
		users: []zdUser{
			{ID: 101, Email: "mei@example.sg", Phone: "+6591234567", ExtID: "shop-42", Tags: []string{"newsletter", "VIP"},
				Fields: map[string]any{"loyalty": "Gold"}, Org: 7},
			{ID: 102, Email: "kenji@example.jp", Tags: []string{}, Fields: map[string]any{}, Org: 8},
		},
		orgs: map[int64]map[string]any{7: {"segment": "vip"}},
		tickets: map[int64][]zdTicket{
			101: {
				{1, "Order late", "solved", "2026-11-02T10:00:00Z"},
				{2, "Where is my order", "open", "2026-12-05T08:00:00Z"},
				{3, "Damaged", "closed", "2026-11-20T10:00:00Z"},
				{4, "Invoice copy", "pending", "2026-12-06T08:00:00Z"},
				{5, "Return label", "hold", "2026-12-04T08:00:00Z"},
			},
			102: {{9, "Question", "solved", "2026-10-01T10:00:00Z"}},
		},
	}
}

func newZendesk(t *testing.T, f *fakeZendesk, mod func(*ZendeskConfig)) (*Zendesk, *providertest.Sleeps) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.srvURL = srv.URL
	sl := &providertest.Sleeps{}
	c := ZendeskConfig{Config: Config{BaseURL: srv.URL, Sleep: sl.Sleep, HistoryLimit: 5}, Email: "agent@shop.example",
		APIToken: "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv"}
	if mod != nil {
		mod(&c)
	}
	z, err := NewZendesk(c)
	if err != nil {
		t.Fatal(err)
	}
	return z, sl
}

func TestZendeskProfileAcrossCursorPages(t *testing.T) {
	f := newFakeZendesk(t)
	z, _ := newZendesk(t, f, nil)
	p, err := z.Profile(context.Background(), Lookup{Email: "mei@example.sg"})
	if err != nil {
		t.Fatal(err)
	}
	if p.CustomerID != "101" || p.Tier != TierVIP || p.Source != "zendesk" {
		t.Errorf("profile %+v", p)
	}
	if got := caseIDs(p.OpenCases); !slices.Equal(got, []string{"4", "2", "5"}) {
		t.Errorf("open %v", got)
	}
	if got := caseIDs(p.History); !slices.Equal(got, []string{"3", "1"}) {
		t.Errorf("history %v", got)
	}
	if c := p.OpenCases[0]; c.Subject != "Invoice copy" || c.Status != "pending" || !c.UpdatedAt.Equal(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("case %+v", c)
	}
	if f.calls != 4 { // search, then 3 pages of tickets; tags need no organization
		t.Errorf("%d requests (%v), want 4", f.calls, f.paths)
	}
}

func TestZendeskOffsetPaginationAndKeys(t *testing.T) {
	f := newFakeZendesk(t)
	f.offset = true
	z, _ := newZendesk(t, f, nil)
	for _, l := range []Lookup{{Phone: "+6591234567"}, {ExternalID: "shop-42"}} {
		p, err := z.Profile(context.Background(), l)
		if err != nil || p.CustomerID != "101" || len(p.OpenCases) != 3 || len(p.History) != 2 {
			t.Errorf("%+v: %+v %v", l, p, err)
		}
	}
}

func TestZendeskTierFields(t *testing.T) {
	for field, want := range map[string][2]string{
		"tags":                        {TierVIP, TierReturning}, // kenji has no tags but a ticket
		"user_fields.loyalty":         {TierVIP, TierReturning}, // Gold maps to vip
		"organization_fields.segment": {TierVIP, TierReturning}, // organization 8 does not exist
	} {
		f := newFakeZendesk(t)
		z, _ := newZendesk(t, f, func(c *ZendeskConfig) { c.TierField, c.TierValues = field, map[string]string{"GOLD": "vip"} })
		for i, email := range []string{"mei@example.sg", "kenji@example.jp"} {
			p, err := z.Profile(context.Background(), Lookup{Email: email})
			if err != nil || p.Tier != want[i] {
				t.Errorf("%s, %s: tier %q %v, want %q", field, email, p.Tier, err, want[i])
			}
		}
	}
}

func TestZendeskNotFound(t *testing.T) {
	z, _ := newZendesk(t, newFakeZendesk(t), nil)
	// The last two match users loosely (part of their address or number): not them.
	for _, l := range []Lookup{{Email: "nobody@example.com"}, {Email: "example.sg"}, {Phone: "9123"}, {ExternalID: "shop"}} {
		if p, err := z.Profile(context.Background(), l); !errors.Is(err, ErrNotFound) {
			t.Errorf("%+v: %+v %v, want ErrNotFound", l, p, err)
		}
	}
}

func TestZendeskRetriesAfterRateLimit(t *testing.T) {
	f := newFakeZendesk(t)
	f.fail = func(w http.ResponseWriter, call int) bool {
		if call == 2 { // the first ticket page
			w.Header().Set("Retry-After", "93")
			w.WriteHeader(429)
			w.Write([]byte(`{"error":"TooManyRequests","description":"Rate limit exceeded"}`))
			return true
		}
		return false
	}
	z, sl := newZendesk(t, f, func(c *ZendeskConfig) { c.MaxRetryWait = 2 * time.Minute })
	p, err := z.Profile(context.Background(), Lookup{Email: "mei@example.sg"})
	if err != nil || len(p.OpenCases) != 3 {
		t.Fatalf("%+v %v", p, err)
	}
	if got := sl.Got(); !slices.Equal(got, []time.Duration{93 * time.Second}) {
		t.Errorf("waited %v, want 93s", got)
	}
}

func TestZendeskErrors(t *testing.T) {
	for name, c := range map[string]struct {
		answer    func(w http.ResponseWriter)
		kind      error
		code      string
		retryable bool
		requests  int
	}{
		"unauthenticated": {func(w http.ResponseWriter) {
			w.WriteHeader(401)
			w.Write([]byte(`{"error":"Couldn't authenticate you"}`))
		}, provider.ErrAuth, "Couldn't authenticate you", false, 1},
		"forbidden": {func(w http.ResponseWriter) {
			w.WriteHeader(403)
			w.Write([]byte(`{"error":{"title":"Forbidden","message":"You do not have access to this page."}}`))
		}, provider.ErrAuth, "Forbidden", false, 1},
		"wrong subdomain": {func(w http.ResponseWriter) {
			w.WriteHeader(404)
			w.Write([]byte(`{"error":"InvalidEndpoint","description":"Not found"}`))
		}, provider.ErrProvider, "InvalidEndpoint", false, 1},
		"server error": {func(w http.ResponseWriter) {
			w.WriteHeader(502)
			w.Write([]byte(`<html>Bad gateway</html>`))
		}, provider.ErrProvider, "", true, 3},
		"malformed body": {func(w http.ResponseWriter) {
			w.Write([]byte(`{"users": [{"id": "x", "email": "mei@example.sg", "name": "Tan Mei"}]}`))
		}, provider.ErrBadResponse, "", false, 1},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeZendesk(t)
			f.fail = func(w http.ResponseWriter, _ int) bool { c.answer(w); return true }
			z, sl := newZendesk(t, f, nil)
			_, err := z.Profile(context.Background(), Lookup{Email: "mei@example.sg"})
			pe := wantKind(t, err, c.kind)
			if pe.Code != c.code || pe.Retryable != c.retryable || pe.Provider != "zendesk" {
				t.Errorf("error %+v, want code %q retryable %v", pe, c.code, c.retryable)
			}
			if strings.Contains(err.Error(), "mei@") || strings.Contains(err.Error(), "Tan Mei") {
				t.Errorf("the error %q quotes the customer", err)
			}
			if f.calls != c.requests || len(sl.Got()) != c.requests-1 {
				t.Errorf("%d requests and %d waits, want %d", f.calls, len(sl.Got()), c.requests)
			}
		})
	}
}

func TestZendeskMalformedTicketPage(t *testing.T) {
	for _, body := range []string{
		`{"tickets": [{"id": 1, "status": "open", "updated_at": "yesterday"}]}`,
		`{"tickets": [], "meta": {"has_more": true}, "links": {"next": null}}`,
		`{"count": 3}`,
	} {
		f := newFakeZendesk(t)
		f.fail = func(w http.ResponseWriter, call int) bool {
			if call == 2 {
				w.Write([]byte(body))
				return true
			}
			return false
		}
		z, _ := newZendesk(t, f, nil)
		_, err := z.Profile(context.Background(), Lookup{Email: "mei@example.sg"})
		wantKind(t, err, provider.ErrBadResponse)
	}
}

func TestZendeskTimeout(t *testing.T) {
	f := newFakeZendesk(t)
	release := make(chan struct{})
	f.fail = func(w http.ResponseWriter, call int) bool { <-release; return true }
	z, _ := newZendesk(t, f, func(c *ZendeskConfig) { c.Timeout, c.MaxAttempts = 20*time.Millisecond, 1 })
	_, err := z.Profile(context.Background(), Lookup{Email: "mei@example.sg"})
	close(release)
	wantKind(t, err, provider.ErrTimeout)
}

func TestZendeskRefusesLinksToOtherHosts(t *testing.T) {
	var stolen bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen = true }))
	defer other.Close()
	f := newFakeZendesk(t)
	f.fail = func(w http.ResponseWriter, call int) bool {
		if call == 2 {
			fmt.Fprintf(w, `{"tickets": [], "meta": {"has_more": true}, "links": {"next": %q}}`, other.URL+"/api/v2/x")
			return true
		}
		return false
	}
	z, _ := newZendesk(t, f, nil)
	_, err := z.Profile(context.Background(), Lookup{Email: "mei@example.sg"})
	wantKind(t, err, provider.ErrBadResponse)
	if stolen {
		t.Error("credentials were sent to another host")
	}
}

func TestFromSettings(t *testing.T) {
	d, err := FromSettings(Settings{})
	if d != nil || err != nil {
		t.Errorf("nothing configured: %v %v", d, err)
	}
	d, err = FromSettings(Settings{ZendeskSubdomain: "acme", ZendeskEmail: "a@b.c", ZendeskAPIToken: "t", TierValues: "Gold=VIP, Silver=returning"})
	if err != nil || d.Name() != "zendesk" || d.(*Zendesk).c.base.String() != "https://acme.zendesk.com" ||
		d.(*Zendesk).c.cfg.TierValues["Gold"] != "vip" {
		t.Errorf("zendesk: %v %v", d, err)
	}
	d, err = FromSettings(Settings{SalesforceBaseURL: "https://acme.my.salesforce.com", SalesforceToken: "t", SalesforceTierField: "Tier__c"})
	if err != nil || d.Name() != "salesforce" {
		t.Errorf("salesforce: %v %v", d, err)
	}
	for _, s := range []Settings{
		{SalesforceBaseURL: "https://a.my.salesforce.com", SalesforceToken: "t", ZendeskSubdomain: "a", ZendeskEmail: "e", ZendeskAPIToken: "t"},
		{SalesforceToken: "t"},
		{ZendeskSubdomain: "acme", ZendeskEmail: "a@b.c"},
		{ZendeskSubdomain: "acme", ZendeskEmail: "a@b.c", ZendeskAPIToken: "t", TierValues: "Gold=platinum"},
		{ZendeskSubdomain: "acme", ZendeskEmail: "a@b.c", ZendeskAPIToken: "t", ZendeskTierField: "custom"},
	} {
		if d, err := FromSettings(s); err == nil {
			t.Errorf("%+v accepted: %v", s, d)
		}
	}
}
