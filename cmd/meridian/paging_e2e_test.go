package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation/oncall"
)

// pager is a paging service's webhook: it verifies Meridian's signature and records who was
// paged for what.
type pager struct {
	mu    sync.Mutex
	paged []string // region/person:conversation
	bad   int
}

func (p *pager) handler(person string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		defer p.mu.Unlock()
		if err := oncall.VerifySignature(r.Header.Get(oncall.SignatureHeader), body, "page-secret", time.Now(), 5*time.Minute); err != nil {
			p.bad++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var pg oncall.Page
		json.Unmarshal(body, &pg)
		p.paged = append(p.paged, pg.Region+"/"+person+":"+pg.Conversation)
	}
}

func (p *pager) seen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprint(p.paged)
}

// An escalated conversation pages the on-call person of the region on shift, then, with no
// acknowledgement within the timeout, the next region's; an acknowledgement stops it.
func TestAnEscalationPagesTheOnCallRotaUntilAcknowledged(t *testing.T) {
	pg := &pager{}
	mux := http.NewServeMux()
	mux.HandleFunc("/ana", pg.handler("ana"))
	mux.HandleFunc("/cy", pg.handler("cy"))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	rota := filepath.Join(t.TempDir(), "rota.yaml")
	os.WriteFile(rota, []byte(fmt.Sprintf(`regions:
  - region: eu
    timezone: Europe/Berlin
    order: 1
    people: [{id: ana, name: Ana, targets: [{kind: webhook, url: %s/ana}]}]
  - region: us
    timezone: America/New_York
    order: 2
    people: [{id: cy, name: Cy, targets: [{kind: webhook, url: %s/cy}]}]
`, srv.URL, srv.URL)), 0o644)
	s := startServer(t, t.TempDir(), "MERIDIAN_ROUTING=on", "MERIDIAN_ONCALL_ROTA="+rota, "MERIDIAN_ONCALL_ACK_TIMEOUT=5s",
		"MERIDIAN_ONCALL_WEBHOOK_SECRET=page-secret")
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	for _, id := range []string{"p1", "p2"} {
		body := fmt.Sprintf(`[{"id":%q,"type":"message.received","occurred_at":%q,"channel":"whatsapp","direction":"inbound","conversation_id":"c-%s","customer":{"country":"DE","phone":"+4915199%s"},"text":"Hilfe","language":"de"}]`, id, at, id, id[1:])
		if code, out := s.post(t, "/v1/events", testKey, "application/json", body); code != 202 {
			t.Fatalf("post: %d %v", code, out)
		}
	}
	waitFor(t, 30*time.Second, func() bool {
		return s.gql(t, `{ inbox { edges { node { id } } } }`, nil)["inbox"].(map[string]any)["edges"] != nil &&
			len(s.gql(t, `{ inbox { edges { node { id } } } }`, nil)["inbox"].(map[string]any)["edges"].([]any)) == 2
	})
	s.gql(t, `mutation { escalateConversation(conversationId: "c-p1", reason: "the heater is smoking") { id } }`, nil)
	waitFor(t, 30*time.Second, func() bool { return pg.seen() == "[eu/ana:c-p1 us/cy:c-p1]" })
	page := s.gql(t, `{ conversation(id: "c-p1") { page { stepsPaged attempts acknowledgedAt nextAt lastError } } }`, nil)["conversation"].(map[string]any)["page"]
	if fmt.Sprint(page) != "map[acknowledgedAt:<nil> attempts:2 lastError:<nil> nextAt:<nil> stepsPaged:2]" {
		t.Errorf("c-p1's page after the whole chain: %v", page)
	}

	s.gql(t, `mutation { escalateConversation(conversationId: "c-p2", reason: "account taken over") { id } }`, nil)
	waitFor(t, 30*time.Second, func() bool { return pg.seen() == "[eu/ana:c-p1 us/cy:c-p1 eu/ana:c-p2]" })
	s.gql(t, `mutation { acknowledgePage(conversationId: "c-p2") { id } }`, nil)
	time.Sleep(6 * time.Second) // past the acknowledgement timeout: nobody else is paged
	if got := pg.seen(); got != "[eu/ana:c-p1 us/cy:c-p1 eu/ana:c-p2]" || pg.bad != 0 {
		t.Errorf("after the acknowledgement: %s (%d bad signatures)", got, pg.bad)
	}
	b, _ := json.Marshal(map[string]any{"query": `mutation { acknowledgePage(conversationId: "c-p2") { id } }`})
	if _, out := s.post(t, "/graphql", testKey, "application/json", string(b)); fmt.Sprint(out["errors"]) == "<nil>" {
		t.Errorf("a second acknowledgement: %v, want an error", out)
	}
}
