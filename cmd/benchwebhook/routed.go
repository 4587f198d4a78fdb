package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// routedAgents are the agents of --routed: Portuguese speakers of the region Brazil's
// customers live in, online around the clock, each with a key bound to them, so that every
// conversation is assigned at once and shows in its assignee's own inbox subscription.
const (
	routedAgents  = 12
	routedRegion  = "us"
	routedSeats   = 100
	routedKeyBase = "bench-agent-key-"
)

// agentKeys is the MERIDIAN_API_KEYS entries of the routed agents.
func agentKeys() []string {
	var out []string
	for i := range routedAgents {
		out = append(out, fmt.Sprintf("%s%02d:agent:%s::bench-%02d", routedKeyBase, i, routedRegion, i))
	}
	return out
}

// gql runs a GraphQL request with the admin key and fails on any error.
func (s *server) gql(query string) error {
	b, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/graphql", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct{ Errors []any }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		return fmt.Errorf("graphql: %v %v", err, out.Errors)
	}
	return nil
}

// routed describes the agents and opens each one's inboxChanged(mine) subscription; seen
// records when each conversation first entered an inbox as assigned.
type routed struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (s *server) route(ctx context.Context) (*routed, error) {
	var shifts []string
	for d := 1; d <= 7; d++ {
		shifts = append(shifts, fmt.Sprintf(`{weekday: %d, start: "00:00", end: "24:00"}`, d))
	}
	for i := range routedAgents {
		id := fmt.Sprintf("bench-%02d", i)
		if err := s.gql(fmt.Sprintf(`mutation { upsertAgent(input: {id: %q, name: "Agent %02d", region: %q, languages: ["pt"], skills: [], tiers: [],
			maxConcurrent: %d, timezone: "America/Sao_Paulo", shifts: [%s]}) { id } }`, id, i, routedRegion, routedSeats, strings.Join(shifts, ", "))); err != nil {
			return nil, err
		}
		if err := s.gql(fmt.Sprintf(`mutation { setAgentPresence(agentId: %q, status: ONLINE) { id } }`, id)); err != nil {
			return nil, err
		}
	}
	r := &routed{seen: map[string]time.Time{}}
	for i := range routedAgents {
		c, _, err := websocket.Dial(ctx, "ws://"+s.addr+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			return nil, err
		}
		c.SetReadLimit(1 << 20)
		for _, m := range []map[string]any{
			{"type": "connection_init", "payload": map[string]string{"Authorization": fmt.Sprintf("Bearer %s%02d", routedKeyBase, i)}},
			{"id": "inbox", "type": "subscribe", "payload": map[string]any{"query": `subscription { inboxChanged(filters: {mine: true}) { change conversation { id } } }`}},
		} {
			b, _ := json.Marshal(m)
			if err := c.Write(ctx, websocket.MessageText, b); err != nil {
				return nil, err
			}
		}
		go r.read(ctx, c)
	}
	return r, nil
}

// read records the ENTERED changes of one agent's subscription until ctx ends.
func (r *routed) read(ctx context.Context, c *websocket.Conn) {
	defer c.CloseNow()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		at := time.Now()
		var m struct {
			Type    string
			Payload struct {
				Data struct {
					InboxChanged struct {
						Change       string
						Conversation struct{ ID string }
					}
				}
			}
		}
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		switch ch := m.Payload.Data.InboxChanged; {
		case m.Type == "ping":
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
		case m.Type == "next" && ch.Change == "ENTERED":
			r.mu.Lock()
			if _, ok := r.seen[ch.Conversation.ID]; !ok {
				r.seen[ch.Conversation.ID] = at
			}
			r.mu.Unlock()
		}
	}
}

// warm sends one conversation through the whole path and waits until it is in an inbox, so
// that the timed load does not include the analysis models loading after start; it is then
// forgotten.
func (r *routed) warm(s *server, channel string, i int) error {
	body, h, _ := delivery(channel, i, i+1, time.Now().Add(-time.Second))
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/webhooks/"+channel, bytes.NewReader(body))
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("warm-up delivery: %s", resp.Status)
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if len(r.times()) > 0 {
			r.mu.Lock()
			clear(r.seen)
			r.mu.Unlock()
			return nil
		}
	}
	return fmt.Errorf("the warm-up conversation reached no inbox in 2 minutes")
}

// times are when conversations entered their assignee's inbox, in order.
func (r *routed) times() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]time.Time, 0, len(r.seen))
	for _, at := range r.seen {
		out = append(out, at)
	}
	return out
}
