package crm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/provider"
)

// ZendeskConfig configures the Zendesk adapter.
type ZendeskConfig struct {
	Config
	// Subdomain gives the base URL https://SUBDOMAIN.zendesk.com when BaseURL is empty.
	Subdomain string
	// Email and APIToken authenticate as "Authorization: Basic base64(email/token:token)".
	Email, APIToken string
}

// Zendesk reads customers from the Zendesk Support API: the user by
// GET /api/v2/users/search.json (query=email:"ADDRESS", query=phone:"NUMBER" or
// external_id=ID; only a user whose own address, number or id it is counts), the
// tier from the user's tags, a user field or their organization's field
// (GET /api/v2/organizations/{id}.json), and their tickets from
// GET /api/v2/users/{id}/tickets/requested.json with cursor pagination (page[size],
// meta.has_more, links.next), or offset pagination (next_page) where the account answers
// with it. Tickets new, open, pending and hold are open cases; solved and closed ones are
// history. 429 is retried after Retry-After; 401 and 403 are ErrAuth.
type Zendesk struct {
	c    caller
	tier string
}

var zendeskSubdomain = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// NewZendesk checks the configuration and returns the adapter.
func NewZendesk(c ZendeskConfig) (*Zendesk, error) {
	raw := strings.TrimSpace(c.BaseURL)
	if raw == "" {
		sub := strings.ToLower(strings.TrimSpace(c.Subdomain))
		if !zendeskSubdomain.MatchString(sub) {
			return nil, errors.New("crm: zendesk needs a base URL or a subdomain")
		}
		raw = "https://" + sub + ".zendesk.com"
	}
	base, err := provider.ParseBase(raw)
	if err != nil {
		return nil, fmt.Errorf("crm: zendesk: %w", err)
	}
	email, token := strings.TrimSpace(c.Email), strings.TrimSpace(c.APIToken)
	if email == "" || token == "" {
		return nil, errors.New("crm: zendesk needs an agent e-mail and an API token")
	}
	z := &Zendesk{tier: strings.TrimSpace(c.TierField)}
	if z.tier == "" {
		z.tier = "tags"
	}
	if z.tier != "tags" && !strings.HasPrefix(z.tier, "user_fields.") && !strings.HasPrefix(z.tier, "organization_fields.") {
		return nil, fmt.Errorf("crm: zendesk: tier field %q is not tags, user_fields.KEY or organization_fields.KEY", z.tier)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(email+"/token:"+token))
	z.c = caller{cfg: c.Config, provider: "zendesk", base: base, auth: func(r *http.Request) { r.Header.Set("Authorization", basic) }}
	z.c.classify = func(a answer) *provider.Error {
		code, msg := parseZendeskError(a.Body)
		return z.c.byStatus(a, code, msg)
	}
	return z, nil
}

// Name is "zendesk".
func (*Zendesk) Name() string { return "zendesk" }

// Profile implements Directory.
func (z *Zendesk) Profile(ctx context.Context, l Lookup) (Profile, error) {
	// Search matches loosely (any property, any word), so only a user whose own address,
	// number or external id is the one asked for is taken: a customer never gets another's
	// profile because their input read as more search terms.
	q := url.Values{}
	var same func(u zendeskUser) bool
	switch email, phone, ext := strings.TrimSpace(l.Email), strings.TrimSpace(l.Phone), strings.TrimSpace(l.ExternalID); {
	case email != "":
		q.Set("query", `email:"`+strings.ReplaceAll(email, `"`, "")+`"`)
		same = func(u zendeskUser) bool { return strings.EqualFold(u.Email, email) }
	case phone != "":
		q.Set("query", `phone:"`+strings.ReplaceAll(phone, `"`, "")+`"`)
		same = func(u zendeskUser) bool { return digits(u.Phone) != "" && digits(u.Phone) == digits(phone) }
	case ext != "":
		q.Set("external_id", ext)
		same = func(u zendeskUser) bool { return u.ExternalID == ext }
	default:
		return Profile{}, ErrNoKey
	}
	a, err := z.c.get(ctx, "/api/v2/users/search.json?"+q.Encode())
	if err != nil {
		return Profile{}, err
	}
	users, err := parseZendeskUsers(a.Body)
	if err != nil {
		return Profile{}, z.c.bad(a.Status, err.Error())
	}
	i := slices.IndexFunc(users, same)
	if i < 0 {
		return Profile{}, ErrNotFound
	}
	u := users[i]
	raw, err := z.tierValue(ctx, u)
	if err != nil {
		return Profile{}, err
	}
	tickets, err := z.tickets(ctx, u.ID)
	if err != nil {
		return Profile{}, err
	}
	open, history := split(tickets, func(i int) bool {
		s := strings.ToLower(tickets[i].Status)
		return s == "solved" || s == "closed"
	}, z.c.cfg.historyLimit())
	return Profile{CustomerID: strconv.FormatInt(u.ID, 10), Tier: tierOf(raw, z.c.cfg.TierValues, len(tickets) > 0),
		OpenCases: open, History: history, Source: "zendesk"}, nil
}

// tierValue is the raw tier the account keeps for the user: the first tag that maps to a
// tier, a user field, or a field of the user's organization.
func (z *Zendesk) tierValue(ctx context.Context, u zendeskUser) (string, error) {
	switch {
	case z.tier == "tags":
		for _, t := range u.Tags {
			if _, ok := mapTier(t, z.c.cfg.TierValues); ok {
				return t, nil
			}
		}
		return "", nil
	case strings.HasPrefix(z.tier, "user_fields."):
		return fieldText(u.UserFields[strings.TrimPrefix(z.tier, "user_fields.")]), nil
	}
	if u.OrganizationID == nil {
		return "", nil
	}
	a, err := z.c.get(ctx, "/api/v2/organizations/"+strconv.FormatInt(*u.OrganizationID, 10)+".json")
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
		return "", nil // the organization is gone: no tier from it
	}
	if err != nil {
		return "", err
	}
	fields, err := parseZendeskOrganization(a.Body)
	if err != nil {
		return "", z.c.bad(a.Status, err.Error())
	}
	return fieldText(fields[strings.TrimPrefix(z.tier, "organization_fields.")]), nil
}

// tickets lists the tickets the user requested, across pages.
func (z *Zendesk) tickets(ctx context.Context, userID int64) ([]Case, error) {
	ref := "/api/v2/users/" + strconv.FormatInt(userID, 10) + "/tickets/requested.json?page%5Bsize%5D=100"
	var out []Case
	for page := 0; ref != "" && page < z.c.cfg.maxPages(); page++ {
		a, err := z.c.get(ctx, ref)
		if err != nil {
			return nil, err
		}
		p, err := parseZendeskTickets(a.Body)
		if err != nil {
			return nil, z.c.bad(a.Status, err.Error())
		}
		out = append(out, p.cases...)
		ref = p.next
	}
	return out, nil
}

// digits keeps a phone number's digits, so +65 9123 4567 and +6591234567 compare equal.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// fieldText is a custom field's value as text (Zendesk dropdowns are strings, checkboxes
// booleans).
func fieldText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

type zendeskUser struct {
	ID             int64          `json:"id"`
	Email          string         `json:"email"`
	Phone          string         `json:"phone"`
	ExternalID     string         `json:"external_id"`
	Tags           []string       `json:"tags"`
	UserFields     map[string]any `json:"user_fields"`
	OrganizationID *int64         `json:"organization_id"`
}

// parseZendeskUsers reads a user search answer: {"users": [...], "count", "next_page"}.
func parseZendeskUsers(b []byte) ([]zendeskUser, error) {
	var r struct {
		Users *[]zendeskUser `json:"users"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, notJSON("user search answer", b)
	}
	if r.Users == nil {
		return nil, errors.New("user search answer without users")
	}
	for _, u := range *r.Users {
		if u.ID <= 0 {
			return nil, errors.New("user without id")
		}
	}
	return *r.Users, nil
}

// parseZendeskOrganization reads {"organization": {"organization_fields": {...}}}.
func parseZendeskOrganization(b []byte) (map[string]any, error) {
	var r struct {
		Organization *struct {
			Fields map[string]any `json:"organization_fields"`
		} `json:"organization"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.Organization == nil {
		return nil, errors.New("organization answer without organization")
	}
	return r.Organization.Fields, nil
}

type zendeskPage struct {
	cases []Case
	next  string
}

// parseZendeskTickets reads a ticket list page: tickets, and either cursor pagination
// (meta.has_more, links.next) or offset pagination (next_page).
func parseZendeskTickets(b []byte) (zendeskPage, error) {
	var r struct {
		Tickets *[]struct {
			ID        int64   `json:"id"`
			Subject   *string `json:"subject"`
			Status    string  `json:"status"`
			UpdatedAt string  `json:"updated_at"`
		} `json:"tickets"`
		Meta *struct {
			HasMore bool `json:"has_more"`
		} `json:"meta"`
		Links struct {
			Next *string `json:"next"`
		} `json:"links"`
		NextPage *string `json:"next_page"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return zendeskPage{}, notJSON("ticket list", b)
	}
	if r.Tickets == nil {
		return zendeskPage{}, errors.New("ticket list without tickets")
	}
	var p zendeskPage
	for _, t := range *r.Tickets {
		if t.ID <= 0 {
			return zendeskPage{}, errors.New("ticket without id")
		}
		at, err := time.Parse(time.RFC3339, t.UpdatedAt)
		if err != nil {
			return zendeskPage{}, fmt.Errorf("ticket updated_at %q is not a time", clip(t.UpdatedAt))
		}
		c := Case{ID: strconv.FormatInt(t.ID, 10), Status: t.Status, UpdatedAt: at.UTC()}
		if t.Subject != nil {
			c.Subject = *t.Subject
		}
		p.cases = append(p.cases, c)
	}
	switch {
	case r.Meta != nil:
		if r.Meta.HasMore {
			if r.Links.Next == nil || *r.Links.Next == "" {
				return zendeskPage{}, errors.New("has_more without links.next")
			}
			p.next = *r.Links.Next
		}
	case r.NextPage != nil:
		p.next = *r.NextPage
	}
	return p, nil
}

// parseZendeskError reads Zendesk's error bodies: {"error": "RecordNotFound",
// "description": "..."} or {"error": {"title": "...", "message": "..."}}.
func parseZendeskError(b []byte) (code, msg string) {
	var r struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"description"`
	}
	if json.Unmarshal(b, &r) != nil || len(r.Error) == 0 {
		return "", ""
	}
	var s string
	if json.Unmarshal(r.Error, &s) == nil {
		return clip(s), clip(r.Description)
	}
	var o struct{ Title, Message string }
	if json.Unmarshal(r.Error, &o) == nil {
		return clip(o.Title), clip(o.Message)
	}
	return "", ""
}
