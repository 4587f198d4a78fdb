package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/email"
	"github.com/meridian-cs/meridian/channels/whatsapp"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/compliance/shred/shredtest"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// anaWamid is a WhatsApp message id as the Cloud API makes them: base64 of a record holding
// the sender's number (5511987654321) and a message key.
var anaWamid = "wamid." + base64.StdEncoding.EncodeToString(append(append([]byte{0x1c, 0x18, 0x0d}, "5511987654321"...),
	append([]byte{0x15, 0x02, 0x00, 0x12, 0x18, 0x14}, "3A02B0B8C14F55F34FCA\x00"...)...))

// dataDirKeyring is a keyring with the master key a server generated in dir, for deriving
// the keyed hashes it stores.
func dataDirKeyring(t *testing.T, dir string) *shred.Keyring {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "secrets", "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	master, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := shred.NewKeyring(&shredtest.Keys{}, master)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// pgHolding returns the columns ("schema.table.column") of the region and global schemas
// whose values contain needle: text, arrays and JSON as text, bytea as bytes.
func pgHolding(ctx context.Context, t *testing.T, conn *pgx.Conn, needle string) (found []string, columns int) {
	t.Helper()
	rows, err := conn.Query(ctx, `SELECT c.table_schema, c.table_name, c.column_name, c.data_type
FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE (c.table_schema LIKE 'region\_%' OR c.table_schema = 'meridian') AND t.table_type = 'BASE TABLE'
  AND c.data_type IN ('text', 'character varying', 'bytea', 'ARRAY', 'json', 'jsonb', 'USER-DEFINED')
ORDER BY 1, 2, 3`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ schema, table, column, typ string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.schema, &c.table, &c.column, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		cond := fmt.Sprintf(`strpos(%q::text, $1) > 0`, c.column)
		if c.typ == "bytea" {
			cond = fmt.Sprintf(`position(convert_to($1, 'UTF8') IN %q) > 0`, c.column)
		}
		var n int
		if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %q.%q WHERE %s`, c.schema, c.table, cond), needle).Scan(&n); err != nil {
			t.Fatalf("%s.%s.%s: %v", c.schema, c.table, c.column, err)
		}
		if n > 0 {
			found = append(found, c.schema+"."+c.table+"."+c.column)
		}
	}
	return found, len(cols)
}

// Ana writes on WhatsApp (a wamid encoding her number) and by e-mail (a Message-ID holding her
// address), gets a reply by e-mail, answers it and gets a second reply. Her platforms' ids are
// in no PostgreSQL column and in no column of ClickHouse's events, where their keyed hashes
// are; a redelivery is still the same event, and the replies still thread under her mail.
func TestPlatformMessageIDsAreStoredOnlyAsKeyedHashes(t *testing.T) {
	relay, listen, mailEnv := startMailRelay(t)
	dir := t.TempDir()
	s := startServer(t, dir, mailEnv...)
	ctx := context.Background()

	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	wa := whatsapp.TextDelivery("1029384756", "5511987654321", "Ana Souza", anaWamid, "Meu pedido 4471 nao chegou", at)
	for range 2 { // the platform's retry
		s.deliverWhatsApp(t, wa)
	}
	const firstID, secondID = "4471.ana.souza@example.com", "4472.ana.souza@example.com"
	mail := func(raw []byte) {
		t.Helper()
		if err := email.Deliver(ctx, listen, "ana.souza@example.com", []string{"support@shop.example"}, raw); err != nil {
			t.Fatalf("mail to the SMTP listener: %v", err)
		}
	}
	mail(email.Compose("Ana Souza <ana.souza@example.com>", "support@shop.example", "Pedido 4471", "Alguma novidade?\n", firstID, "", at.Add(30*time.Minute)))
	var c map[string]any
	waitFor(t, 30*time.Second, func() bool {
		c = s.gql(t, `{ customerByIdentity(channel: "email", externalId: "ana.souza@example.com") { id conversations { id } } }`, nil)
		return c["customerByIdentity"] != nil
	})
	conv := c["customerByIdentity"].(map[string]any)["conversations"].([]any)[0].(map[string]any)["id"].(string)
	reply := func(text string) string {
		t.Helper()
		sent := s.gql(t, `mutation($c: ID!, $t: String!) { sendMessage(input: {conversationId: $c, text: $t}) { state } }`, map[string]any{"c": conv, "t": text})
		if fmt.Sprint(sent) != "map[sendMessage:map[state:sent]]" {
			t.Fatalf("reply: %v", sent)
		}
		relay.mu.Lock()
		defer relay.mu.Unlock()
		return string(relay.mails[len(relay.mails)-1])
	}
	first := reply("Ola Ana, vamos verificar.")
	if !strings.Contains(first, "In-Reply-To: <"+firstID+">") {
		t.Fatalf("the reply is not threaded under her mail:\n%s", first)
	}
	ours := regexp.MustCompile(`(?m)^Message-I[Dd]: <([^>]+)>`).FindStringSubmatch(first)
	if ours == nil {
		t.Fatalf("the reply has no Message-ID:\n%s", first)
	}
	mail([]byte(strings.ReplaceAll(fmt.Sprintf(`From: Ana Souza <ana.souza@example.com>
To: support@shop.example
Subject: Re: Pedido 4471
Message-ID: <%s>
In-Reply-To: <%s>
References: <%s> <%s>
Date: %s
Content-Type: text/plain; charset=utf-8

Obrigada, fico no aguardo.
`, secondID, ours[1], firstID, ours[1], at.Add(40*time.Minute).Format(time.RFC1123Z)), "\n", "\r\n")))
	messages := `query($c: ID!) { conversation(id: $c) { messages(first: 20) { id text channel } } }`
	waitFor(t, 30*time.Second, func() bool {
		return strings.Contains(fmt.Sprint(s.gql(t, messages, map[string]any{"c": conv})), "fico no aguardo")
	})
	second := reply("O pedido chega amanha.")
	if !strings.Contains(second, "In-Reply-To: <"+secondID+">") || !strings.Contains(second, "<"+firstID+">") {
		t.Fatalf("the second reply is not threaded under her mails (In-Reply-To the last, References the first):\n%s", second)
	}
	// The retried WhatsApp delivery is one message.
	waConv := s.gql(t, `{ customerByIdentity(channel: "whatsapp", externalId: "5511987654321") { conversations { id } } }`, nil)
	waID := waConv["customerByIdentity"].(map[string]any)["conversations"].([]any)[0].(map[string]any)["id"].(string)
	var waMsgs []any
	waitFor(t, 30*time.Second, func() bool {
		waMsgs = s.gql(t, messages, map[string]any{"c": waID})["conversation"].(map[string]any)["messages"].([]any)
		return len(waMsgs) > 0
	})
	if len(waMsgs) != 1 {
		t.Fatalf("a retried delivery counted twice: %v", waMsgs)
	}

	// The ids Meridian derives, from the data directory's master key, as the server did.
	keys := dataDirKeyring(t, dir)
	waEvent := channels.EventID(keys, "default", "whatsapp", "1029384756", anaWamid)
	mailEvent := channels.EventID(keys, "default", "email", "support@shop.example", firstID)
	if got := waMsgs[0].(map[string]any)["id"]; got != waEvent {
		t.Fatalf("the WhatsApp message's id is %v, want the keyed hash %s", got, waEvent)
	}
	refs := channels.MessageRef(keys, "default", "email", firstID) + " " + channels.MessageRef(keys, "default", "email", ours[1])

	payload := strings.TrimPrefix(anaWamid, "wamid.")
	needles := []string{anaWamid, payload, payload[:24], firstID, secondID}
	_, dsn := localPostgres(t, dir)
	pg, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range needles {
		if found, cols := pgHolding(ctx, t, pg, n); len(found) > 0 {
			t.Errorf("PostgreSQL holds %q in %v (%d columns scanned)", n, found, cols)
		}
	}
	// The scan reads what is there: the event ids' keyed hashes.
	for _, id := range []string{waEvent, mailEvent} {
		if found, cols := pgHolding(ctx, t, pg, id); len(found) == 0 {
			t.Errorf("the scan of %d PostgreSQL columns did not find the event id %s: it would miss the platform's ids too", cols, id)
		}
	}
	pg.Close(ctx)

	s.stop(syscall.SIGTERM)
	ch, err := clickhouse.OpenChDB(filepath.Join(dir, "clickhouse"))
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	dbs, err := ch.Query(ctx, `SELECT name FROM system.databases WHERE startsWith(name, 'meridian_') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var events bytes.Buffer
	for _, r := range dbs.Rows {
		res, err := ch.Query(ctx, fmt.Sprintf("SELECT * FROM `%s`.events", r[0]))
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range res.Rows {
			fmt.Fprintln(&events, row...)
		}
	}
	all := events.String()
	for _, n := range needles {
		if strings.Contains(all, n) {
			t.Errorf("ClickHouse's events hold %q", n)
		}
	}
	for _, want := range []string{waEvent, mailEvent, channels.MessageRef(keys, "default", "whatsapp", anaWamid), refs} {
		if !strings.Contains(all, want) {
			t.Errorf("ClickHouse's events lack the keyed hash %s (event ids, platform_message_id, References)", want)
		}
	}
	t.Logf("scanned %d bytes of ClickHouse events", len(all))
}
