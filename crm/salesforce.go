package crm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// DefaultSalesforceVersion is the REST API version asked for when none is configured.
const DefaultSalesforceVersion = "v62.0"

// SalesforceConfig configures the Salesforce adapter.
type SalesforceConfig struct {
	Config
	// Token is an OAuth 2.0 access token (sent as "Authorization: Bearer").
	Token string
	// Version is the REST API version, "vXX.X" (empty: DefaultSalesforceVersion).
	Version string
	// ExternalIDField is the Contact field Lookup.ExternalID is matched on (empty: "Id").
	ExternalIDField string
}

// Salesforce reads customers from the Salesforce REST API: SOQL queries
// (GET /services/data/vXX.X/query?q=...) on Contact (by Email, Phone or MobilePhone, or
// the external id field) and on Case (by ContactId), following nextRecordsUrl across
// pages. Salesforce reports errors as a JSON array of {message, errorCode}: 401
// INVALID_SESSION_ID is ErrAuth; 403 REQUEST_LIMIT_EXCEEDED is ErrRateLimited, retried
// only when a Retry-After says when; 429 and 503 are retried.
type Salesforce struct {
	c       caller
	version string
	tier    string
	extID   string
}

var (
	soqlField   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){0,4}$`)
	sfVersionRe = regexp.MustCompile(`^v[0-9]{2,3}\.[0-9]$`)
)

// NewSalesforce checks the configuration and returns the adapter.
func NewSalesforce(c SalesforceConfig) (*Salesforce, error) {
	base, err := provider.ParseBase(c.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("crm: salesforce: %w", err)
	}
	if strings.TrimSpace(c.Token) == "" {
		return nil, errors.New("crm: salesforce needs an access token")
	}
	s := &Salesforce{version: strings.TrimSpace(c.Version), tier: strings.TrimSpace(c.TierField), extID: strings.TrimSpace(c.ExternalIDField)}
	if s.version == "" {
		s.version = DefaultSalesforceVersion
	}
	if !sfVersionRe.MatchString(s.version) {
		return nil, fmt.Errorf("crm: salesforce: API version %q is not vXX.X", s.version)
	}
	// Field names go into SOQL as they are, so they must be names and nothing else.
	if s.tier != "" && !soqlField.MatchString(s.tier) {
		return nil, fmt.Errorf("crm: salesforce: tier field %q is not a field name", s.tier)
	}
	if s.extID == "" {
		s.extID = "Id"
	}
	if !soqlField.MatchString(s.extID) || strings.Contains(s.extID, ".") {
		return nil, fmt.Errorf("crm: salesforce: external id field %q is not a Contact field name", s.extID)
	}
	token := strings.TrimSpace(c.Token)
	s.c = caller{cfg: c.Config, provider: "salesforce", base: base,
		auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }}
	s.c.classify = s.classify
	return s, nil
}

// Name is "salesforce".
func (*Salesforce) Name() string { return "salesforce" }

// Profile implements Directory.
func (s *Salesforce) Profile(ctx context.Context, l Lookup) (Profile, error) {
	var where string
	switch {
	case strings.TrimSpace(l.Email) != "":
		where = "Email = " + soqlString(strings.TrimSpace(l.Email))
	case strings.TrimSpace(l.Phone) != "":
		p := soqlString(strings.TrimSpace(l.Phone))
		where = "Phone = " + p + " OR MobilePhone = " + p
	case strings.TrimSpace(l.ExternalID) != "":
		where = s.extID + " = " + soqlString(strings.TrimSpace(l.ExternalID))
	default:
		return Profile{}, ErrNoKey
	}
	fields := "Id, LastModifiedDate"
	if s.tier != "" {
		fields += ", " + s.tier
	}
	contacts, err := s.query(ctx, "SELECT "+fields+" FROM Contact WHERE "+where+" ORDER BY LastModifiedDate DESC LIMIT 1", 1)
	if err != nil {
		return Profile{}, err
	}
	if len(contacts) == 0 {
		return Profile{}, ErrNotFound
	}
	contact, err := parseSalesforceContact(contacts[0], s.tier)
	if err != nil {
		return Profile{}, s.c.bad(http.StatusOK, err.Error())
	}
	rows, err := s.query(ctx, "SELECT Id, CaseNumber, Subject, Status, IsClosed, LastModifiedDate FROM Case WHERE ContactId = "+
		soqlString(contact.id)+" ORDER BY LastModifiedDate DESC", s.c.cfg.maxPages()*2000)
	if err != nil {
		return Profile{}, err
	}
	cases := make([]Case, 0, len(rows))
	closed := make([]bool, 0, len(rows))
	for _, r := range rows {
		c, isClosed, err := parseSalesforceCase(r)
		if err != nil {
			return Profile{}, s.c.bad(http.StatusOK, err.Error())
		}
		cases, closed = append(cases, c), append(closed, isClosed)
	}
	open, history := split(cases, func(i int) bool { return closed[i] }, s.c.cfg.historyLimit())
	return Profile{CustomerID: contact.id, Tier: tierOf(contact.tier, s.c.cfg.TierValues, len(cases) > 0),
		OpenCases: open, History: history, Source: "salesforce"}, nil
}

// query runs a SOQL query and follows nextRecordsUrl until done, at most MaxPages pages
// and max records.
func (s *Salesforce) query(ctx context.Context, soql string, max int) ([]json.RawMessage, error) {
	ref := "/services/data/" + s.version + "/query?q=" + url.QueryEscape(soql)
	var out []json.RawMessage
	for page := 0; ref != "" && page < s.c.cfg.maxPages() && len(out) < max; page++ {
		a, err := s.c.get(ctx, ref)
		if err != nil {
			return nil, err
		}
		qr, err := parseSalesforceQuery(a.Body)
		if err != nil {
			return nil, s.c.bad(a.Status, err.Error())
		}
		out = append(out, qr.Records...)
		ref = ""
		if !qr.Done {
			if qr.NextRecordsURL == "" {
				return nil, s.c.bad(a.Status, "done is false without nextRecordsUrl")
			}
			ref = qr.NextRecordsURL
		}
	}
	if len(out) > max {
		out = out[:max]
	}
	return out, nil
}

// classify reads Salesforce's error array.
func (s *Salesforce) classify(a answer) *provider.Error {
	code, msg := parseSalesforceError(a.Body)
	switch code {
	case "MALFORMED_QUERY", "INVALID_FIELD", "INVALID_QUERY_FILTER_OPERATOR", "INVALID_TYPE":
		// These messages quote the query, which holds the customer's e-mail or phone.
		msg = "the query was refused (check the tier and external id fields)"
	}
	e := s.c.byStatus(a, code, msg)
	if a.Status == http.StatusForbidden && code == "REQUEST_LIMIT_EXCEEDED" {
		// The org's API request limit: worth retrying only when Salesforce says when.
		e.Kind = provider.ErrRateLimited
		e.RetryAfter = provider.RetryAfter(a.Header, s.c.now())
		e.Retryable = e.RetryAfter > 0
	}
	return e
}

type salesforceQuery struct {
	TotalSize      int               `json:"totalSize"`
	Done           bool              `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
}

// parseSalesforceQuery reads a query answer: {totalSize, done, nextRecordsUrl?, records}.
func parseSalesforceQuery(b []byte) (salesforceQuery, error) {
	var raw struct {
		TotalSize      *int              `json:"totalSize"`
		Done           *bool             `json:"done"`
		NextRecordsURL string            `json:"nextRecordsUrl"`
		Records        []json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return salesforceQuery{}, notJSON("query answer", b)
	}
	if raw.Done == nil || raw.TotalSize == nil || raw.Records == nil {
		return salesforceQuery{}, errors.New("query answer without totalSize, done or records")
	}
	return salesforceQuery{TotalSize: *raw.TotalSize, Done: *raw.Done, NextRecordsURL: raw.NextRecordsURL, Records: raw.Records}, nil
}

// parseSalesforceError reads the first {errorCode, message} of an error array (or a lone
// object, as some endpoints answer).
func parseSalesforceError(b []byte) (code, msg string) {
	type item struct {
		Message   string `json:"message"`
		ErrorCode string `json:"errorCode"`
	}
	var arr []item
	if json.Unmarshal(b, &arr) == nil && len(arr) > 0 {
		return arr[0].ErrorCode, clip(arr[0].Message)
	}
	var one item
	if json.Unmarshal(b, &one) == nil {
		return one.ErrorCode, clip(one.Message)
	}
	return "", ""
}

type salesforceContact struct{ id, tier string }

// parseSalesforceContact reads a Contact record's Id and the tier field, which may be a
// relationship path ("Account.Tier__c": {"Account": {"Tier__c": "VIP"}}).
func parseSalesforceContact(b []byte, tierField string) (salesforceContact, error) {
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil || rec == nil {
		return salesforceContact{}, errors.New("contact record is not an object")
	}
	id, _ := rec["Id"].(string)
	if id == "" {
		return salesforceContact{}, errors.New("contact record without Id")
	}
	c := salesforceContact{id: id}
	if tierField == "" {
		return c, nil
	}
	var v any = rec
	for _, part := range strings.Split(tierField, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return c, nil // a null relationship: no tier
		}
		v = m[part]
	}
	switch t := v.(type) {
	case string:
		c.tier = t
	case nil:
	default:
		return salesforceContact{}, fmt.Errorf("tier field %s is not text", tierField)
	}
	return c, nil
}

// parseSalesforceCase reads a Case record.
func parseSalesforceCase(b []byte) (Case, bool, error) {
	var r struct {
		ID               string  `json:"Id"`
		CaseNumber       string  `json:"CaseNumber"`
		Subject          *string `json:"Subject"`
		Status           string  `json:"Status"`
		IsClosed         bool    `json:"IsClosed"`
		LastModifiedDate string  `json:"LastModifiedDate"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return Case{}, false, errors.New("case record is not a Case object")
	}
	if r.ID == "" {
		return Case{}, false, errors.New("case record without Id")
	}
	t, err := salesforceTime(r.LastModifiedDate)
	if err != nil {
		return Case{}, false, err
	}
	c := Case{ID: r.ID, Status: r.Status, UpdatedAt: t}
	if r.CaseNumber != "" {
		c.ID = r.CaseNumber // the number agents and customers quote
	}
	if r.Subject != nil {
		c.Subject = *r.Subject
	}
	return c, r.IsClosed, nil
}

// salesforceTime reads Salesforce's dateTime ("2026-12-01T09:30:00.000+0000").
func salesforceTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("LastModifiedDate %q is not a dateTime", clip(s))
}

// soqlString quotes s as a SOQL string literal, escaping what SOQL documents as escape
// sequences, so a customer's input cannot change the query.
func soqlString(s string) string {
	var b bytes.Buffer
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				continue // other control characters have no SOQL escape; they match nothing
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// clip keeps an error message short and printable.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.ToValidUTF8(s, "?")
}
