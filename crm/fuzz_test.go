package crm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The parsers read what a CRM (or anything answering at its URL) sends: any bytes must give
// a value or an error, never a panic, and what they keep must be consistent.

func FuzzParseSalesforce(f *testing.F) {
	f.Add([]byte(`{"totalSize":1,"done":false,"nextRecordsUrl":"/services/data/v62.0/query/01g-2","records":[{"Id":"003A","Account":{"Tier__c":"VIP"}}]}`))
	f.Add([]byte(`[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`))
	f.Add([]byte(`{"Id":"500A","CaseNumber":"0001","Subject":null,"Status":"New","IsClosed":false,"LastModifiedDate":"2026-12-01T09:30:00.000+0000"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if q, err := parseSalesforceQuery(b); err == nil && q.Records == nil {
			t.Fatal("a query answer without records accepted")
		}
		code, msg := parseSalesforceError(b)
		if len(code) > 1<<20 || len(msg) > 200 || !utf8.ValidString(msg) {
			t.Fatalf("error message %q not clipped", msg)
		}
		if c, err := parseSalesforceContact(b, "Account.Tier__c"); err == nil && c.id == "" {
			t.Fatal("a contact without Id accepted")
		}
		if c, _, err := parseSalesforceCase(b); err == nil && (c.ID == "" || c.UpdatedAt.IsZero()) {
			t.Fatalf("case %+v accepted", c)
		}
	})
}

func FuzzParseZendesk(f *testing.F) {
	f.Add([]byte(`{"users":[{"id":1,"tags":["vip"],"user_fields":{"x":"Gold"},"organization_id":7}],"count":1,"next_page":null}`))
	f.Add([]byte(`{"tickets":[{"id":2,"subject":"s","status":"open","updated_at":"2026-12-05T08:00:00Z"}],"meta":{"has_more":true},"links":{"next":"https://a.zendesk.com/x"}}`))
	f.Add([]byte(`{"error":{"title":"Forbidden","message":"no"}}`))
	f.Add([]byte(`{"organization":{"organization_fields":{"segment":true}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if us, err := parseZendeskUsers(b); err == nil {
			for _, u := range us {
				if u.ID <= 0 {
					t.Fatal("a user without id accepted")
				}
			}
		}
		if p, err := parseZendeskTickets(b); err == nil {
			for _, c := range p.cases {
				if c.ID == "" || c.UpdatedAt.IsZero() {
					t.Fatalf("ticket %+v accepted", c)
				}
			}
		}
		code, msg := parseZendeskError(b)
		if len(code) > 200 || len(msg) > 200 {
			t.Fatal("error not clipped")
		}
		if fields, err := parseZendeskOrganization(b); err == nil {
			for _, v := range fields {
				_ = fieldText(v)
			}
		}
	})
}

var soqlEscapes = map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'f': '\f'}

// A customer's text quoted by soqlString stays one literal: unescaping gives it back (less
// control characters SOQL cannot escape) and no quote ends it early.
func FuzzSOQLString(f *testing.F) {
	for _, s := range []string{"anna@example.de", "o'brien@x.ie", `\' OR Id != '`, "a\nb\x00c", "名前"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := soqlString(s)
		if len(q) < 2 || q[0] != '\'' || q[len(q)-1] != '\'' {
			t.Fatalf("%q is not a literal", q)
		}
		inner := q[1 : len(q)-1]
		var b strings.Builder
		for i := 0; i < len(inner); i++ {
			switch c := inner[i]; c {
			case '\'':
				t.Fatalf("unescaped quote in %q", q)
			case '\\':
				i++
				if i == len(inner) {
					t.Fatalf("dangling escape in %q", q)
				}
				if r, ok := soqlEscapes[inner[i]]; ok {
					b.WriteByte(r)
				} else {
					b.WriteByte(inner[i]) // \', \" and \\ stand for themselves
				}
			default:
				b.WriteByte(c)
			}
		}
		want := strings.Map(func(r rune) rune {
			if r < 0x20 && !strings.ContainsRune("\n\r\t\b\f", r) {
				return -1
			}
			return r
		}, s)
		if utf8.ValidString(s) && b.String() != want {
			t.Fatalf("soqlString(%q) = %q reads back as %q", s, q, b.String())
		}
	})
}
