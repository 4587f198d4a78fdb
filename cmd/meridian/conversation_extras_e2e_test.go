package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A customer who quotes an order number on WhatsApp sees it on their conversation
// (Conversation.orders, from Magento, with the parcel's tracking link); another customer
// quoting the same number sees nothing; a shop that fails is that field's error while the
// rest of the conversation reads. The conversation carries its culture profile (German
// templates) and the inbox filters by tier.
func TestConversationOrdersCultureAndTier(t *testing.T) {
	magento := magentoShop(t)
	target, _ := url.Parse(magento.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.RawQuery, "000000999") {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"message":"maintenance"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer shop.Close()
	s, _, deliver := startWhatsAppShop(t, shop.URL)
	deliver("4915112345678", "wamid.OWNER", "Hallo, wo ist meine Bestellung #000000123?")
	deliver("4915187654321", "wamid.OTHER", "Hallo, wo ist meine Bestellung #000000123?")
	deliver("4917612345678", "wamid.DOWN", "Guten Tag, wo ist meine Bestellung #000000999?")

	// The conversation of a WhatsApp number, once it is stored for reading and analysed.
	conversation := func(waID string) string {
		var id string
		waitFor(t, 60*time.Second, func() bool {
			c, _ := s.gql(t, `query($id: String!) { customerByIdentity(channel: "whatsapp", externalId: $id) { conversations { id } } }`,
				map[string]any{"id": waID})["customerByIdentity"].(map[string]any)
			if cs, _ := c["conversations"].([]any); len(cs) == 1 {
				id = cs[0].(map[string]any)["id"].(string)
			}
			if id == "" {
				return false
			}
			conv, _ := s.gql(t, `query($id: ID!) { conversation(id: $id) { id culture { locale } } }`, map[string]any{"id": id})["conversation"].(map[string]any)
			return conv != nil && conv["culture"] != nil
		})
		return id
	}
	const q = `query($id: ID!) { conversation(id: $id) { id tier
		culture { locale formality honorificPronoun expectsGreeting templates { key text } }
		orders { number shop status total currency shipmentStatus carrier trackingUrl } } }`

	owner := s.gql(t, q, map[string]any{"id": conversation("4915112345678")})["conversation"].(map[string]any)
	orders := owner["orders"].([]any)
	if len(orders) != 1 {
		t.Fatalf("the owner's orders: %v", orders)
	}
	o := orders[0].(map[string]any)
	if o["number"] != "000000123" || o["shop"] != "magento" || o["status"] != "shipped" || o["total"] != "84.5" || o["currency"] != "EUR" ||
		!strings.Contains(fmt.Sprint(o["trackingUrl"]), "1Z999AA10123456784") {
		t.Errorf("the owner's order: %v", o)
	}
	c := owner["culture"].(map[string]any)
	templates := fmt.Sprint(c["templates"])
	if c["locale"] != "de-DE" || c["honorificPronoun"] != "Sie" || !strings.Contains(templates, "key:greeting") || !strings.Contains(templates, "Guten Tag") {
		t.Errorf("culture: %v", c)
	}

	other := s.gql(t, q, map[string]any{"id": conversation("4915187654321")})["conversation"].(map[string]any)
	if fmt.Sprint(other["orders"]) != "[]" {
		t.Errorf("someone else's order was shown: %v", other["orders"])
	}

	data, errs := s.gqlResult(t, q, map[string]any{"id": conversation("4917612345678")})
	down, _ := data["conversation"].(map[string]any)
	if down == nil || down["id"] == nil || down["orders"] != nil || down["culture"] == nil {
		t.Fatalf("a failing shop: %v", data)
	}
	if !strings.Contains(errs, "orders: the shop (magento) did not answer") || !strings.Contains(errs, "orders") {
		t.Errorf("a failing shop's error: %s", errs)
	}

	// The tier filter: conversations of vip customers only, through the engine's state.
	at := time.Now().UTC().Add(-time.Minute)
	var body []string
	for i, tier := range []string{"vip", "returning", "vip"} {
		body = append(body, fmt.Sprintf(`{"id":"t%d","type":"message.received","occurred_at":%q,"channel":"webchat","direction":"inbound","conversation_id":"tier-%d","customer":{"country":"DE","external_id":"tier-cust-%d","tier":%q},"text":"Wo bleibt meine Lieferung?","language":"de"}`,
			i, at.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i, i, tier))
	}
	if code, out := s.post(t, "/v1/events", testKey, "application/json", "["+strings.Join(body, ",")+"]"); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	ids := func(filters string) string {
		var out []string
		for _, e := range s.gql(t, `{ inbox(filters: `+filters+`) { edges { node { id tier } } } }`, nil)["inbox"].(map[string]any)["edges"].([]any) {
			n := e.(map[string]any)["node"].(map[string]any)
			if strings.HasPrefix(n["id"].(string), "tier-") {
				out = append(out, fmt.Sprint(n["id"], ":", n["tier"]))
			}
		}
		return strings.Join(out, " ")
	}
	waitFor(t, 60*time.Second, func() bool { return len(strings.Fields(ids("{}"))) == 3 })
	if got := ids(`{tier: ["vip"]}`); got != "tier-0:vip tier-2:vip" {
		t.Errorf("vip inbox: %s", got)
	}
	if got := ids(`{tier: ["returning", "gold"]}`); got != "tier-1:returning" {
		t.Errorf("returning inbox: %s", got)
	}
}
