package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// liveClient speaks graphql-transport-ws to /graphql, as a browser's graphql-ws client does.
type liveClient struct {
	t    *testing.T
	c    *websocket.Conn
	held map[string][]liveMessage // messages read ahead, by subscription id
}

type liveMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dialLive opens a WebSocket with the key in the connection_init payload (header false) or
// in the upgrade request's Authorization header (header true); "" sends none.
func dialLive(ctx context.Context, addr, key string, header bool) (*websocket.Conn, error) {
	opts := &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: http.Header{}}
	init := map[string]any{"type": "connection_init"}
	if key != "" && header {
		opts.HTTPHeader.Set("Authorization", "Bearer "+key)
	} else if key != "" {
		init["payload"] = map[string]string{"Authorization": "Bearer " + key}
	}
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/graphql", opts)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	b, _ := json.Marshal(init)
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *server) live(t *testing.T, key string) *liveClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dialLive(ctx, s.addr, key, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(websocket.StatusNormalClosure, "") })
	l := &liveClient{t: t, c: c}
	if m := l.next(10 * time.Second); m.Type != "connection_ack" {
		t.Fatalf("after connection_init: %+v", m)
	}
	return l
}

// subscribe starts a subscription with id.
func (l *liveClient) subscribe(id, query string) {
	l.t.Helper()
	b, _ := json.Marshal(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}})
	if err := l.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		l.t.Fatal(err)
	}
}

// next reads the next message that is not a ping or pong (a ping is answered).
func (l *liveClient) next(within time.Duration) liveMessage {
	l.t.Helper()
	m, err := readLive(l.c, within)
	if err != nil {
		l.t.Fatal(err)
	}
	return m
}

func readLive(c *websocket.Conn, within time.Duration) (liveMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return liveMessage{}, err
		}
		var m liveMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return m, fmt.Errorf("%s: %w", b, err)
		}
		switch m.Type {
		case "ping":
			if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`)); err != nil {
				return m, err
			}
		case "pong", "ka":
		default:
			return m, nil
		}
	}
}

// data is the next message's data for subscription id; messages of other subscriptions on
// the same socket that arrive first are kept for their own reads, since the server does not
// order one subscription's messages against another's.
func (l *liveClient) data(id string, within time.Duration) map[string]any {
	l.t.Helper()
	var m liveMessage
	if q := l.held[id]; len(q) > 0 {
		m, l.held[id] = q[0], q[1:]
	} else {
		for {
			m = l.next(within)
			if m.Type != "next" || m.ID == id {
				break
			}
			if l.held == nil {
				l.held = map[string][]liveMessage{}
			}
			l.held[m.ID] = append(l.held[m.ID], m)
		}
	}
	if m.Type != "next" || m.ID != id {
		l.t.Fatalf("want next of %s, got %s %s %s", id, m.Type, m.ID, m.Payload)
	}
	var p struct {
		Data   map[string]any `json:"data"`
		Errors []any          `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || p.Errors != nil {
		l.t.Fatalf("next of %s: %s (%v)", id, m.Payload, err)
	}
	return p.Data
}

// waitSubscribed waits until the server has n live subscriptions open: a subscribe message
// has no acknowledgement of its own.
func (s *server) waitSubscribed(t *testing.T, n float64) {
	t.Helper()
	waitFor(t, 10*time.Second, func() bool { return s.metrics(t)["meridian_live_subscriptions"] >= n })
}

// The agent Lena's key is bound to her: her inbox subscription sees a new German message
// routed to her (ENTERED, with her as the assignee), her conversationUpdated and messageAdded
// see the assignment and the message; the admin's key, bound to nobody, cannot ask for
// "mine"; and a socket without a valid key is closed with 4403.
func TestASubscriptionSeesTheAssignmentOfAnInboundMessage(t *testing.T) {
	const lenaKey = "lena-key-0123456"
	s := startServer(t, t.TempDir(), "MERIDIAN_ROUTING=on", "MERIDIAN_API_KEYS="+testKey+","+lenaKey+":agent:eu::lena")
	s.gql(t, `mutation { upsertAgent(input: {id: "lena", name: "Lena Vogel", region: "eu", languages: ["de"], skills: [], tiers: [],
		maxConcurrent: 2, timezone: "Europe/Berlin", shifts: [{weekday: 1, start: "00:00", end: "24:00"}, {weekday: 2, start: "00:00", end: "24:00"},
		{weekday: 3, start: "00:00", end: "24:00"}, {weekday: 4, start: "00:00", end: "24:00"}, {weekday: 5, start: "00:00", end: "24:00"},
		{weekday: 6, start: "00:00", end: "24:00"}, {weekday: 7, start: "00:00", end: "24:00"}]}) { id } }`, nil)
	s.gql(t, `mutation { setAgentPresence(agentId: "lena", status: ONLINE) { id } }`, nil)

	// Who the keys are.
	b, _ := json.Marshal(map[string]any{"query": `{ me { role agent { id name } } }`})
	if code, out := s.post(t, "/graphql", lenaKey, "application/json", string(b)); code != 200 || fmt.Sprint(out["data"]) != "map[me:map[agent:map[id:lena name:Lena Vogel] role:agent]]" {
		t.Errorf("me with Lena's key: %d %v", code, out)
	}
	if me := s.gql(t, `{ me { agent { id } } }`, nil)["me"]; fmt.Sprint(me) != "map[agent:<nil>]" {
		t.Errorf("me with a key bound to nobody: %v", me)
	}
	b, _ = json.Marshal(map[string]any{"query": `{ inbox(filters: {mine: true}) { edges { cursor } } }`})
	if _, out := s.post(t, "/graphql", testKey, "application/json", string(b)); !strings.Contains(fmt.Sprint(out["errors"]), "inbox(filters.mine)") {
		t.Errorf("mine with a key bound to nobody: %v", out)
	}

	// Refused sockets: no key, an unknown key.
	for _, key := range []string{"", "not-a-key-at-all"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := dialLive(ctx, s.addr, key, false)
		if err != nil {
			t.Fatal(err)
		}
		for err == nil {
			_, err = readLive(c, 10*time.Second)
		}
		if code := websocket.CloseStatus(err); code != 4403 {
			t.Errorf("socket with key %q: closed with %v (%v), want 4403", key, code, err)
		}
		cancel()
	}

	lena := s.live(t, lenaKey)
	lena.subscribe("inbox", `subscription { inboxChanged(filters: {mine: true}) { change cause conversation { id status assignee { id name } queue } } }`)
	lena.subscribe("conv", `subscription { conversationUpdated { id status assignee { id } priority sla { firstResponseDueAt } } }`)
	// The key in the upgrade's header works as well as in connection_init.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hc, err := dialLive(ctx, s.addr, lenaKey, true)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close(websocket.StatusNormalClosure, "")
	msgs := &liveClient{t: t, c: hc}
	if m := msgs.next(10 * time.Second); m.Type != "connection_ack" {
		t.Fatalf("header-authenticated socket: %+v", m)
	}
	msgs.subscribe("msgs", `subscription { messageAdded(conversationId: "c-live") { direction text language } }`)
	s.waitSubscribed(t, 3)

	at := time.Now().UTC().Format(time.RFC3339Nano)
	body := fmt.Sprintf(`[{"id":"live-1","type":"message.received","occurred_at":%q,"channel":"whatsapp","direction":"inbound","conversation_id":"c-live","customer":{"country":"DE","phone":"+4915100777"},"text":"Wo bleibt meine Bestellung?","language":"de"}]`, at)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", body); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	if got := fmt.Sprint(msgs.data("msgs", 30*time.Second)); got != "map[messageAdded:map[direction:inbound language:de text:Wo bleibt meine Bestellung?]]" {
		t.Errorf("messageAdded: %s", got)
	}
	if got := fmt.Sprint(lena.data("inbox", 30*time.Second)); got != "map[inboxChanged:map[cause:conversation.assigned change:ENTERED conversation:map[assignee:map[id:lena name:Lena Vogel] id:c-live queue:eu/de status:ASSIGNED]]]" {
		t.Errorf("inboxChanged: %s", got)
	}
	conv := lena.data("conv", 30*time.Second)["conversationUpdated"].(map[string]any)
	if conv["id"] != "c-live" || fmt.Sprint(conv["assignee"]) != "map[id:lena]" || conv["status"] != "ASSIGNED" || conv["priority"] == nil {
		t.Errorf("conversationUpdated: %v", conv)
	}

	// Her resolving it takes it out of her inbox.
	b, _ = json.Marshal(map[string]any{"query": `mutation { resolveConversation(conversationId: "c-live") { id } }`})
	if code, out := s.post(t, "/graphql", lenaKey, "application/json", string(b)); code != 200 || out["errors"] != nil {
		t.Fatalf("resolve: %d %v", code, out)
	}
	for {
		d := lena.data("inbox", 30*time.Second)["inboxChanged"].(map[string]any)
		if d["change"] == "LEFT" {
			if d["cause"] != "conversation.resolved" {
				t.Errorf("left the inbox by %v", d["cause"])
			}
			break
		}
	}
	if n := s.metrics(t)["meridian_live_subscribers_dropped_total"]; n != 0 {
		t.Errorf("%v subscribers dropped", n)
	}
}
