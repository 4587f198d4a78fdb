package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/email"
	"github.com/meridian-cs/meridian/channels/line"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/channels/whatsapp"
)

// graphAPI is WhatsApp's Cloud API as documented: POST /{version}/{phone-number-id}/messages
// with a bearer token, answering the message's wamid.
type graphAPI struct {
	mu    sync.Mutex
	sends []map[string]any
}

func (g *graphAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer wa-token" {
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"error":{"message":"Invalid OAuth access token","type":"OAuthException","code":190,"fbtrace_id":"A1"}}`)
		return
	}
	if r.Method != "POST" || r.URL.Path != "/v21.0/1029384756/messages" {
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"error":{"message":"Unknown path","type":"GraphMethodException","code":100}}`)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(400)
		return
	}
	g.mu.Lock()
	g.sends = append(g.sends, body)
	n := len(g.sends)
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.OUT%d"}]}`, body["to"], body["to"], n)
}

func (g *graphAPI) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sends)
}

func (s *server) gql(t *testing.T, query string, vars map[string]any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	code, out := s.post(t, "/graphql", testKey, "application/json", string(b))
	// The key's rate limit (a test's import or polling may spend its burst): wait as a
	// client does, Retry-After being a second.
	for tries := 0; code == http.StatusTooManyRequests && tries < 10; tries++ {
		time.Sleep(time.Second)
		code, out = s.post(t, "/graphql", testKey, "application/json", string(b))
	}
	if code != 200 || out["errors"] != nil {
		t.Fatalf("graphql answered %d: %v", code, out)
	}
	return out["data"].(map[string]any)
}

func (s *server) webhook(t *testing.T, channel string, body []byte, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/webhooks/"+channel, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// deliverWhatsApp posts body to the WhatsApp webhook signed with the test servers' app
// secret ("app-secret"); anything but 200 ends the test.
func (s *server) deliverWhatsApp(t *testing.T, body []byte) {
	t.Helper()
	if code, out := s.webhook(t, "whatsapp", body, http.Header{"X-Hub-Signature-256": {meta.Sign("app-secret", body)}}); code != 200 {
		t.Fatalf("WhatsApp delivery: %d %s", code, out)
	}
}

// A WhatsApp message enters through the signed webhook, is queryable once however often
// WhatsApp delivers it, the customer is found by their wa_id, and a reply goes out once through
// the Cloud API to the number they wrote from, its receipt moving it to delivered.
func TestAWhatsAppConversationInAndOutThroughTheRealPath(t *testing.T) {
	api := &graphAPI{}
	fake := httptest.NewServer(api)
	defer fake.Close()
	dir := t.TempDir()
	s := startServer(t, dir, "MERIDIAN_WHATSAPP_APP_SECRET=app-secret", "MERIDIAN_WHATSAPP_VERIFY_TOKEN=verify-me",
		"MERIDIAN_WHATSAPP_ACCESS_TOKEN=wa-token", "MERIDIAN_WHATSAPP_API_BASE="+fake.URL)

	resp, err := http.Get("http://" + s.addr + "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
	if err != nil {
		t.Fatal(err)
	}
	challenge, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(challenge) != "1158201444" {
		t.Fatalf("handshake: %d %q", resp.StatusCode, challenge)
	}
	if code, body := s.webhook(t, "line", []byte(`{"events":[]}`), nil); code != 404 || !strings.Contains(body, "MERIDIAN_LINE_CHANNEL_SECRET") {
		t.Fatalf("an unconfigured channel: %d %s", code, body)
	}

	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	body := whatsapp.TextDelivery("1029384756", "5511987654321", "Ana Souza", "wamid.HBgM1", "Olá! Meu pedido 4471 não chegou 📦", at)
	if code, _ := s.webhook(t, "whatsapp", body, http.Header{"X-Hub-Signature-256": {meta.Sign("wrong-secret", body)}}); code != 401 {
		t.Fatalf("a delivery signed with another secret: %d, want 401", code)
	}
	for range 3 { // WhatsApp retries a delivery it thinks failed
		s.deliverWhatsApp(t, body)
	}
	start := time.Now()
	q := `{ metrics(measures: ["messages"], dimensions: ["channel"]) { rows { dimensions values } } }`
	waitFor(t, 30*time.Second, func() bool {
		rows := s.gql(t, q, nil)["metrics"].(map[string]any)["rows"].([]any)
		return len(rows) == 1 && fmt.Sprint(rows[0]) == "map[dimensions:[whatsapp] values:[1]]"
	})

	t.Logf("webhook -> queryable: %v", time.Since(start))
	c := s.gql(t, `query($id: String!) { customerByIdentity(channel: "whatsapp", externalId: $id) {
		id country identities { kind value origin } conversations { id status channel } channels preferredChannel } }`,
		map[string]any{"id": "5511987654321"})["customerByIdentity"].(map[string]any)
	if c["country"] != "BR" || fmt.Sprint(c["channels"]) != "[whatsapp]" || c["preferredChannel"] != "whatsapp" {
		t.Fatalf("customer: %v", c)
	}
	if ids := fmt.Sprint(c["identities"]); !strings.Contains(ids, "kind:phone origin:message value:+5511987654321") || !strings.Contains(ids, "kind:whatsapp origin:message value:5511987654321") {
		t.Fatalf("identities: %s", ids)
	}
	conv := c["conversations"].([]any)[0].(map[string]any)["id"].(string)

	send := `mutation($c: ID!) { sendMessage(input: {conversationId: $c, text: "Olá Ana! Chega amanhã.", clientMessageId: "agent-reply-1"}) {
		id state channel platformMessageId text } }`
	sent := s.gql(t, send, map[string]any{"c": conv})["sendMessage"].(map[string]any)
	// The reply's wamid (it encodes the customer's number) is kept as its keyed hash.
	if sent["state"] != "sent" || sent["channel"] != "whatsapp" || sent["platformMessageId"] != channels.MessageRef(dataDirKeyring(t, dir), "default", "whatsapp", "wamid.OUT1") {
		t.Fatalf("sendMessage: %v", sent)
	}
	// Bad input: a GraphQL error naming the field, nothing sent.
	for q, field := range map[string]string{
		`mutation($c: ID!) { sendMessage(input: {conversationId: $c, text: ""}) { id } }`:                                  "sendMessage.input.text",
		`mutation { sendMessage(input: {conversationId: "no-such-conversation", text: "hi"}) { id } }`:                     "sendMessage.input.conversationId",
		`mutation { linkIdentities(input: {customerId: "nobody", identities: [{kind: "email", value: "a@b.c"}]}) { id } }`: "linkIdentities.input.customerId",
		`mutation($c: ID!) { setCustomerCountry(input: {customerId: $c, country: "Atlantis"}) { id } }`:                    "setCustomerCountry.input.country",
		`{ customerByIdentity(channel: "myspace", externalId: "x") { id } }`:                                               "customerByIdentity(channel",
	} {
		b, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"c": conv}})
		_, out := s.post(t, "/graphql", testKey, "application/json", string(b))
		if errs, _ := out["errors"].([]any); len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), field) {
			t.Errorf("%s: %v, want one error naming %s", q, out["errors"], field)
		}
	}
	again := s.gql(t, send, map[string]any{"c": conv})["sendMessage"].(map[string]any)
	if again["id"] != sent["id"] || api.count() != 1 {
		t.Fatalf("a retried sendMessage: %v, %d sends", again, api.count())
	}
	if to := api.sends[0]["to"]; to != "5511987654321" {
		t.Fatalf("reply sent to %v", to)
	}

	status := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1029384756","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1029384756"},"statuses":[{"id":"wamid.OUT1","status":"delivered","timestamp":"%d","recipient_id":"5511987654321"}]}}]}]}`, time.Now().Unix())
	s.deliverWhatsApp(t, []byte(status))
	got := s.gql(t, `query($id: ID!) { outboundMessage(id: $id) { state } }`, map[string]any{"id": sent["id"]})["outboundMessage"].(map[string]any)
	if got["state"] != "delivered" {
		t.Fatalf("after the delivered receipt: %v", got)
	}
	q2 := `{ metrics(measures: ["messages"], dimensions: ["direction"]) { rows { dimensions values } } }`
	waitFor(t, 30*time.Second, func() bool {
		return strings.Contains(fmt.Sprint(s.gql(t, q2, nil)), "map[dimensions:[outbound] values:[1]]")
	})
	t.Logf("reply -> queryable: %v", time.Since(start))
	m := s.metrics(t)
	if m[`meridian_webhook_requests_total{channel="whatsapp",code="200"}`] != 5 || m[`meridian_webhook_requests_total{channel="whatsapp",code="401"}`] != 1 {
		t.Fatalf("webhook requests: 200s %v, 401s %v; want 5 (handshake, 3 deliveries, receipt) and 1", m[`meridian_webhook_requests_total{channel="whatsapp",code="200"}`], m[`meridian_webhook_requests_total{channel="whatsapp",code="401"}`])
	}
}

func waitFor(t *testing.T, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mailRelay is an SMTP server (go-smtp) that keeps what it is asked to relay.
type mailRelay struct {
	mu    sync.Mutex
	mails [][]byte
	rcpts [][]string
}

func (r *mailRelay) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }

type relaySession struct {
	r  *mailRelay
	to []string
}

func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.r.mu.Lock()
	s.r.mails, s.r.rcpts = append(s.r.mails, b), append(s.r.rcpts, s.to)
	s.r.mu.Unlock()
	return err
}
func (s *relaySession) Reset()        { s.to = nil }
func (s *relaySession) Logout() error { return nil }

// startMailRelay starts a local SMTP relay that records what Meridian mails, closed when the
// test ends, and returns it with the address of the shop's SMTP listener and the settings that
// send WhatsApp (secret app-secret) and the shop's mail (support@shop.example) through them.
func startMailRelay(t *testing.T) (*mailRelay, string, []string) {
	t.Helper()
	relay := &mailRelay{}
	srv := smtp.NewServer(relay)
	srv.Domain = "relay.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	listen := freeAddr(t)
	return relay, listen, []string{"MERIDIAN_WHATSAPP_APP_SECRET=app-secret",
		"MERIDIAN_SMTP_LISTEN=" + listen, "MERIDIAN_SMTP_RELAY=" + ln.Addr().String(), "MERIDIAN_SMTP_TLS=none",
		"MERIDIAN_SMTP_FROM=support@shop.example", "MERIDIAN_SMTP_DOMAIN=shop.example"}
}

// One person writes on WhatsApp, then e-mails the shop's SMTP listener with the same number
// in the signature: one customer, one conversation, and the agent's reply goes by e-mail (the
// address they last wrote from), threaded under their mail, through the real SMTP relay.
func TestOnePersonOnWhatsAppThenEmailGetsTheReplyByEmail(t *testing.T) {
	relay, listen, mailEnv := startMailRelay(t)
	s := startServer(t, t.TempDir(), mailEnv...)

	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	body := whatsapp.TextDelivery("1029384756", "5511987654321", "Ana Souza", "wamid.E2E1", "Meu pedido 4471 não chegou", at)
	s.deliverWhatsApp(t, body)
	raw := email.Compose("Ana Souza <ana.souza@example.com>", "support@shop.example", "Pedido 4471",
		"Olá, escrevi no WhatsApp também. Alguma novidade?\n\n-- \nAna Souza\n+55 11 98765-4321\n", "CAF-4471@mail.example.com", "", at.Add(30*time.Minute))
	if err := email.Deliver(context.Background(), listen, "ana.souza@example.com", []string{"support@shop.example"}, raw); err != nil {
		t.Fatalf("mail to the SMTP listener: %v", err)
	}
	q := `{ metrics(measures: ["writing_customers", "cross_channel_customers"], dimensions: ["channel_count"]) { rows { dimensions values } } }`
	waitFor(t, 30*time.Second, func() bool {
		return fmt.Sprint(s.gql(t, q, nil)["metrics"].(map[string]any)["rows"]) == "[map[dimensions:[2] values:[1 1]]]"
	})
	c := s.gql(t, `{ customerByIdentity(channel: "email", externalId: "Ana.Souza@example.com") { id channels conversations { id channel } } }`, nil)["customerByIdentity"].(map[string]any)
	convs := c["conversations"].([]any)
	if fmt.Sprint(c["channels"]) != "[email whatsapp]" || len(convs) != 1 || convs[0].(map[string]any)["channel"] != "email" {
		t.Fatalf("one customer, one conversation continued by e-mail: %v", c)
	}
	sent := s.gql(t, `mutation($c: ID!) { sendMessage(input: {conversationId: $c, text: "Olá Ana, chega amanhã."}) { state channel reason } }`,
		map[string]any{"c": convs[0].(map[string]any)["id"]})["sendMessage"].(map[string]any)
	if sent["state"] != "sent" || sent["channel"] != "email" {
		t.Fatalf("reply: %v", sent)
	}
	relay.mu.Lock()
	defer relay.mu.Unlock()
	if len(relay.mails) != 1 || fmt.Sprint(relay.rcpts[0]) != "[ana.souza@example.com]" {
		t.Fatalf("relayed %d mails to %v", len(relay.mails), relay.rcpts)
	}
	m := string(relay.mails[0])
	if !strings.Contains(m, "In-Reply-To: <CAF-4471@mail.example.com>") || !strings.Contains(m, "Subject: Re: Pedido 4471") {
		t.Fatalf("the reply is not threaded under the customer's mail:\n%s", m)
	}
}

// lineAPI is the LINE Messaging API's reply and push as documented, for one channel token.
type lineAPI struct {
	mu    sync.Mutex
	token string
	sends []string // path and recipient or reply token
}

func (l *lineAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+l.token {
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"message":"Authentication failed. Confirm that the access token in the authorization header is valid."}`)
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	l.mu.Lock()
	l.sends = append(l.sends, fmt.Sprint(r.URL.Path, " ", body["to"], body["replyToken"]))
	l.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"sentMessages":[{"id":"461230966842064897","quoteToken":"IStG5h1Tz7b"}]}`)
}

// A tenant configures its own LINE account: its deliveries arrive at /webhooks/line/{tenant}
// under its own secret, its data is its own, and its replies go out with its own token; the
// settings are never shown again and another tenant's webhook for it does not exist.
func TestATenantsOwnChannelAccountFromItsSettings(t *testing.T) {
	api := &lineAPI{token: "acme-line-token"}
	fake := httptest.NewServer(api)
	defer fake.Close()
	const acmeKey = "acme-admin-key-0123"
	s := startServer(t, t.TempDir(), "MERIDIAN_API_KEYS="+testKey+","+acmeKey+":admin:*:acme")
	gql := func(key, q string) (map[string]any, []any) {
		b, _ := json.Marshal(map[string]any{"query": q})
		_, out := s.post(t, "/graphql", key, "application/json", string(b))
		errs, _ := out["errors"].([]any)
		data, _ := out["data"].(map[string]any)
		return data, errs
	}
	configure := func(settings string) (map[string]any, []any) {
		return gql(acmeKey, `mutation { configureChannel(input: {channel: "line", settings: [`+settings+`]}) { channel webhookPath settings } }`)
	}
	if _, errs := configure(`{name: "MERIDIAN_TELEGRAM_BOT_TOKEN", value: "1:x"}`); len(errs) != 1 || !strings.Contains(fmt.Sprint(errs), "MERIDIAN_TELEGRAM_BOT_TOKEN: is not a setting of line") {
		t.Fatalf("another channel's setting: %v", errs)
	}
	if _, errs := configure(`{name: "MERIDIAN_LINE_ACCESS_TOKEN", value: "t"}`); len(errs) != 1 || !strings.Contains(fmt.Sprint(errs), "MERIDIAN_LINE_CHANNEL_SECRET") {
		t.Fatalf("without its secret: %v", errs)
	}
	data, errs := configure(`{name: "MERIDIAN_LINE_CHANNEL_SECRET", value: "acme-line-secret"}, {name: "MERIDIAN_LINE_ACCESS_TOKEN", value: "acme-line-token"}, {name: "MERIDIAN_LINE_API_BASE", value: "` + fake.URL + `"}`)
	if errs != nil || fmt.Sprint(data["configureChannel"]) != "map[channel:line settings:[MERIDIAN_LINE_ACCESS_TOKEN MERIDIAN_LINE_API_BASE MERIDIAN_LINE_CHANNEL_SECRET] webhookPath:/webhooks/line/acme]" {
		t.Fatalf("configure: %v %v", data, errs)
	}
	// The default tenant's admin may configure its own accounts too; a LINE without its secret
	// is refused, naming the setting.
	if _, errs := gql(testKey, `mutation { configureChannel(input: {channel: "line", settings: []}) { channel } }`); len(errs) != 1 || !strings.Contains(fmt.Sprint(errs), "MERIDIAN_LINE_CHANNEL_SECRET") {
		t.Fatalf("default tenant, no settings: %v", errs)
	}

	body := line.TextDelivery("Uacmebot", "U4af4980629ff", "01HACME0001", "注文した商品がまだ届きません", time.Now())
	signed := http.Header{"X-Line-Signature": {line.Sign("acme-line-secret", body)}}
	if code, out := s.webhook(t, "line", body, signed); code != 404 {
		t.Fatalf("the default tenant's /webhooks/line (not configured): %d %s", code, out)
	}
	if code, out := s.webhook(t, "line/other", body, signed); code != 404 || !strings.Contains(out, `tenant \"other\"`) {
		t.Fatalf("another tenant's webhook: %d %s", code, out)
	}
	if code, _ := s.webhook(t, "line/acme", body, http.Header{"X-Line-Signature": {line.Sign("someone-else", body)}}); code != 401 {
		t.Fatalf("a delivery not signed with the tenant's secret: %d", code)
	}
	if code, out := s.webhook(t, "line/acme", body, signed); code != 200 {
		t.Fatalf("the tenant's delivery: %d %s", code, out)
	}
	q := `{ metrics(measures: ["inbound_messages"], dimensions: ["channel"]) { rows { dimensions values } } }`
	waitFor(t, 30*time.Second, func() bool {
		d, _ := gql(acmeKey, q)
		return fmt.Sprint(d["metrics"]) == "map[rows:[map[dimensions:[line] values:[1]]]]"
	})
	if d, _ := gql(testKey, q); fmt.Sprint(d["metrics"]) != "map[rows:[]]" {
		t.Fatalf("the default tenant sees another tenant's messages: %v", d)
	}
	d, errs := gql(acmeKey, `{ customerByIdentity(channel: "line", externalId: "U4af4980629ff") { country conversations { id } } }`)
	c, _ := d["customerByIdentity"].(map[string]any)
	if errs != nil || c == nil {
		t.Fatalf("customer: %v %v", d, errs)
	}
	conv := c["conversations"].([]any)[0].(map[string]any)["id"].(string)
	d, errs = gql(acmeKey, `mutation { sendMessage(input: {conversationId: "`+conv+`", text: "お問い合わせありがとうございます。確認いたします。"}) { state reason } }`)
	if errs != nil || fmt.Sprint(d["sendMessage"]) != "map[reason: state:sent]" {
		t.Fatalf("reply with the tenant's token: %v %v", d, errs)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.sends) != 1 || !strings.HasPrefix(api.sends[0], "/v2/bot/message/reply") {
		t.Fatalf("LINE received %v", api.sends)
	}
}
