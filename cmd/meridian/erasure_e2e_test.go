package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/email"
	"github.com/meridian-cs/meridian/channels/whatsapp"
)

// gqlResult posts a query and returns its data and errors, failing only on transport errors.
func (s *server) gqlResult(t *testing.T, query string, vars map[string]any) (map[string]any, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	_, out := s.post(t, "/graphql", testKey, "application/json", string(b))
	data, _ := out["data"].(map[string]any)
	if out["errors"] != nil {
		return data, fmt.Sprint(out["errors"])
	}
	return data, ""
}

// filesHolding returns, per needle, the files under dir whose bytes contain it. A local
// PostgreSQL whose cluster pglocal had to keep elsewhere (its user cannot reach dir, as under
// a test's 0700 temporary directory when run as root) leaves a PGLOCAL_DATA_DIR file naming
// where: that directory is scanned too, as postgres/<its files>.
func filesHolding(t *testing.T, dir string, needles []string) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	scan := func(root, as string) error {
		return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // a file removed while walking (an outdated part, a WAL segment)
			}
			if !d.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.Join(as, rel)
			for _, n := range needles {
				if bytes.Contains(b, []byte(n)) {
					found[n] = append(found[n], rel)
				}
			}
			return nil
		})
	}
	if err := scan(dir, ""); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "postgres", "PGLOCAL_DATA_DIR")); err == nil {
		if err := scan(strings.TrimSpace(string(b)), "postgres"); err != nil {
			t.Fatal(err)
		}
	}
	for _, fs := range found {
		sort.Strings(fs)
	}
	return found
}

// Ana writes on WhatsApp and by e-mail (her address and number in the text), gets a reply by
// e-mail; Bruno writes on WhatsApp. A legal hold blocks Ana's erasure and erases nothing; once
// released, eraseCustomer by her WhatsApp id completes with every store verified. Then nobody
// finds her by any identity, her conversation shows no text, her data export is empty, a
// second erasure names the first, and — the server stopped — no file under the data directory
// (ClickHouse parts, PostgreSQL tables and WAL, Kafka segments) nor the server's log holds her
// identifiers, her platforms' message ids (the wamid encoding her number, the Message-ID) or
// her messages' text, while Bruno's message is still there and readable.
func TestAnErasedCustomerLeavesNothingReadableUnderTheDataDirectory(t *testing.T) {
	_, listen, mailEnv := startMailRelay(t)
	dir := t.TempDir()
	s := startServer(t, dir, append(mailEnv, "MERIDIAN_LOG_LEVEL=info")...)

	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	deliver := func(waID, name, wamid, text string) {
		body := whatsapp.TextDelivery("1029384756", waID, name, wamid, text, at)
		s.deliverWhatsApp(t, body)
	}
	deliver("5511987654321", "Ana Souza", anaWamid, "Meu pedido 4471 nao chegou, escreva para ana.souza@example.com")
	raw := email.Compose("Ana Souza <ana.souza@example.com>", "support@shop.example", "Pedido 4471",
		"Escrevi no WhatsApp tambem. Alguma novidade?\n\n-- \nAna Souza\n+55 11 98765-4321\n", "CAF-4471@mail.example.com", "", at.Add(30*time.Minute))
	if err := email.Deliver(context.Background(), listen, "ana.souza@example.com", []string{"support@shop.example"}, raw); err != nil {
		t.Fatalf("mail to the SMTP listener: %v", err)
	}
	deliver("5521912345678", "Bruno Lima", "wamid.KEEP1", "Minha fatura 9932 veio com o valor errado")
	q := `{ metrics(measures: ["writing_customers"]) { rows { values } } }`
	waitFor(t, 30*time.Second, func() bool {
		return fmt.Sprint(s.gql(t, q, nil)["metrics"].(map[string]any)["rows"]) == "[map[values:[2]]]"
	})
	ana := s.gql(t, `{ customerByIdentity(channel: "email", externalId: "ana.souza@example.com") { id conversations { id } } }`, nil)["customerByIdentity"].(map[string]any)
	anaID := ana["id"].(string)
	conv := ana["conversations"].([]any)[0].(map[string]any)["id"].(string)
	sent := s.gql(t, `mutation($c: ID!) { sendMessage(input: {conversationId: $c, text: "Ola Ana, o pedido chega amanha."}) { state } }`, map[string]any{"c": conv})
	if fmt.Sprint(sent) != "map[sendMessage:map[state:sent]]" {
		t.Fatalf("reply: %v", sent)
	}
	messages := `query($c: ID!) { conversation(id: $c) { customerId messages(first: 20) { text } } }`
	waitFor(t, 30*time.Second, func() bool {
		return strings.Contains(fmt.Sprint(s.gql(t, messages, map[string]any{"c": conv})), "o pedido chega amanha")
	})
	export := s.gql(t, `query($c: ID!) { exportCustomerData(customerId: $c) { customerPseudonym json } }`, map[string]any{"c": anaID})["exportCustomerData"].(map[string]any)
	for _, want := range []string{"+5511987654321", "ana.souza@example.com", "Meu pedido 4471", "Alguma novidade", "o pedido chega amanha"} {
		if !strings.Contains(export["json"].(string), want) {
			t.Errorf("Ana's export lacks %q:\n%s", want, export["json"])
		}
	}

	// Under a legal hold nothing is erased.
	hold := s.gql(t, `mutation($c: ID!) { placeLegalHold(customerId: $c, reason: "litigation 2026-77") { id active } }`, map[string]any{"c": anaID})["placeLegalHold"].(map[string]any)
	if hold["active"] != true {
		t.Fatalf("hold: %v", hold)
	}
	erase := `mutation($c: ID, $ch: String, $x: String) { eraseCustomer(customerId: $c, channel: $ch, externalId: $x, reason: "Art. 17 request 118") {
		id customerPseudonym replacementPseudonym status blockedReason previousCertificateId completedAt entries { store region action rows verified detail } } }`
	blocked := s.gql(t, erase, map[string]any{"c": anaID})["eraseCustomer"].(map[string]any)
	if blocked["status"] != "BLOCKED" || !strings.Contains(fmt.Sprint(blocked["blockedReason"]), "litigation 2026-77") || len(blocked["entries"].([]any)) != 0 {
		t.Fatalf("erasure under a hold: %v", blocked)
	}
	if c := s.gql(t, `{ customerByIdentity(channel: "whatsapp", externalId: "5511987654321") { id } }`, nil)["customerByIdentity"]; c == nil {
		t.Fatal("a blocked erasure erased Ana's identities")
	}
	s.gql(t, `mutation($c: ID!) { releaseLegalHold(customerId: $c) { active } }`, map[string]any{"c": anaID})

	// Erased by one of her identities.
	start := time.Now()
	cert := s.gql(t, erase, map[string]any{"ch": "whatsapp", "x": "+55 11 98765-4321"})["eraseCustomer"].(map[string]any)
	t.Logf("erasure took %s: %v", time.Since(start).Round(time.Millisecond), cert)
	if cert["status"] != "COMPLETED" || cert["customerPseudonym"] != anaID {
		t.Fatalf("erasure: %v", cert)
	}
	stores := map[string]bool{}
	for _, e := range cert["entries"].([]any) {
		e := e.(map[string]any)
		stores[e["store"].(string)] = true
		if e["verified"] != true || e["region"] != "latam" && e["region"] != "us" && e["region"] != "eu" && e["region"] != "sea" {
			t.Errorf("entry not verified: %v", e)
		}
		if e["region"] == "us" && e["rows"].(float64) == 0 {
			t.Errorf("the first erasure found nothing of Ana in her region: %v", e)
		}
	}
	if !stores["kafka"] || !stores["postgres"] || !stores["clickhouse"] {
		t.Fatalf("the certificate does not cover every store: %v", cert["entries"])
	}
	for _, id := range []string{`channel: "whatsapp", externalId: "5511987654321"`, `channel: "email", externalId: "ana.souza@example.com"`, `channel: "phone", externalId: "+5511987654321"`} {
		if c := s.gql(t, `{ customerByIdentity(`+id+`) { id } }`, nil)["customerByIdentity"]; c != nil {
			t.Errorf("customerByIdentity(%s) still finds %v", id, c)
		}
	}
	if c := s.gql(t, `query($c: ID!) { customer(id: $c) { id identities { value } } }`, map[string]any{"c": anaID})["customer"]; c != nil {
		t.Errorf("customer(id) still finds %v", c)
	}
	after := fmt.Sprint(s.gql(t, messages, map[string]any{"c": conv}))
	if strings.Contains(after, anaID) || !strings.Contains(after, "customerId:"+cert["replacementPseudonym"].(string)) ||
		strings.Contains(after, "4471") || strings.Contains(after, "novidade") || strings.Contains(after, "amanha") {
		t.Fatalf("Ana's conversation after erasure: %s", after)
	}
	// A second erasure, by her id (her identities are gone): nothing left, and it says which
	// certificate erased her.
	again := s.gql(t, erase, map[string]any{"c": anaID})["eraseCustomer"].(map[string]any)
	if again["status"] != "COMPLETED" || again["previousCertificateId"] != cert["id"] {
		t.Fatalf("second erasure: %v", again)
	}
	for _, e := range again["entries"].([]any) {
		if e := e.(map[string]any); e["rows"].(float64) != 0 || e["verified"] != true {
			t.Errorf("second erasure found more of Ana: %v", e)
		}
	}
	if _, errs := s.gqlResult(t, erase, map[string]any{"c": "cus_nobody"}); !strings.Contains(errs, `eraseCustomer(customerId): no customer "cus_nobody"`) {
		t.Fatalf("erasure of an unknown customer: %s", errs)
	}
	if _, errs := s.gqlResult(t, erase, map[string]any{"ch": "whatsapp", "x": "5511987654321"}); !strings.Contains(errs, "eraseCustomer(channel, externalId)") {
		t.Fatalf("erasure by an erased identity: %s", errs)
	}
	left := s.gql(t, `query($c: ID!) { exportCustomerData(customerId: $c) { json } }`, map[string]any{"c": anaID})["exportCustomerData"].(map[string]any)["json"].(string)
	if strings.Contains(left, "4471") || strings.Contains(left, "ana.souza") || !strings.Contains(left, `"identities": []`) {
		t.Fatalf("Ana's export after erasure:\n%s", left)
	}
	bruno := s.gql(t, `{ customerByIdentity(channel: "whatsapp", externalId: "5521912345678") { conversations { id } } }`, nil)["customerByIdentity"].(map[string]any)
	bconv := bruno["conversations"].([]any)[0].(map[string]any)["id"].(string)
	if m := fmt.Sprint(s.gql(t, messages, map[string]any{"c": bconv})); !strings.Contains(m, "Minha fatura 9932") {
		t.Fatalf("Bruno's conversation after Ana's erasure: %s", m)
	}
	trail := fmt.Sprint(s.gql(t, `{ auditLog(region: "us", first: 500, action: "compliance.erase_customer") { edges { node { subject outcome } } } }`, nil))
	if !strings.Contains(trail, "outcome:blocked subject:"+anaID) || !strings.Contains(trail, "outcome:completed subject:"+anaID) {
		t.Fatalf("the audit trail lacks the erasures: %s", trail)
	}

	s.stop(syscall.SIGTERM)
	anas := []string{"ana.souza@example", "5511987654321", "98765-4321", "Ana Souza", "Meu pedido 4471", "Alguma novidade", "o pedido chega amanha", "Pedido 4471"}
	// Her platforms' ids are stored only as keyed hashes: nothing of them stays either.
	const messageID = "CAF-4471@mail.example.com"
	anas = append(anas, messageID, anaWamid, strings.TrimPrefix(anaWamid, "wamid.")[:24])
	// Bruno's event id, a keyed hash, is in PostgreSQL's claims of event ids: the scan reaches
	// PostgreSQL's files.
	brunoEvent := channels.EventID(dataDirKeyring(t, dir), "default", "whatsapp", "1029384756", "wamid.KEEP1")
	found := filesHolding(t, dir, append(anas, "Minha fatura 9932", brunoEvent))
	if !slices.ContainsFunc(found[brunoEvent], func(f string) bool { return strings.HasPrefix(f, "postgres/") }) {
		t.Errorf("the scan read no PostgreSQL file (its claims of event ids hold Bruno's %s): %v", brunoEvent, found[brunoEvent])
	}
	for _, n := range anas {
		if len(found[n]) > 0 {
			t.Errorf("%q is still readable in %v", n, found[n])
		}
		if strings.Contains(s.logs.String(), n) {
			t.Errorf("%q is in the server's log", n)
		}
	}
	if len(found["Minha fatura 9932"]) == 0 {
		t.Errorf("Bruno's message is in no file: the scan would not see Ana's either")
	}
	t.Logf("Bruno's message is readable in %v", found["Minha fatura 9932"])
}
