package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/models"
)

// The conversation engine killed with SIGKILL mid-stream, twice, and restarted on the same
// data, loses no decision and makes none twice: every acknowledged inbound message has its
// decision; each cause has one routing.decided and a conversation is not assigned again
// while open, in PostgreSQL's decision log and in ClickHouse's history alike; every
// conversation is assigned or queued (or resolved, when it was); each open conversation
// stands in the engine's state as the published events leave it, so each agent's load is
// what the events gave them, within capacity; and nobody waits while an agent has room.
// About 40 s (three starts of the server), so it runs in the default suite.
func TestTheEngineKilledMidStreamDecidesEachCauseOnce(t *testing.T) {
	dir := t.TempDir()
	env := []string{"MERIDIAN_ROUTING=on"}
	s := startServer(t, dir, env...)
	const agents, capacity = 4, 6
	for i := range agents {
		s.gql(t, fmt.Sprintf(`mutation { upsertAgent(input: {id: "a%d", name: "Agent %d", region: "eu", languages: ["de"], skills: [], tiers: [],
			maxConcurrent: %d, timezone: "Europe/Berlin", shifts: []}) { id } }`, i, i, capacity), nil)
		s.gql(t, fmt.Sprintf(`mutation { setAgentPresence(agentId: "a%d", status: ONLINE) { id } }`, i), nil)
	}

	// The stream: 80 conversations, each with a first and (later) a second inbound message,
	// and every fifth one resolved after its second message, in batches of 10 posted one
	// after the other (a conversation's events keep their order).
	const conversations = 80
	at := time.Now().UTC().Add(-time.Minute)
	msg := func(id, conv string, k int) string {
		return fmt.Sprintf(`{"id":%q,"type":"message.received","occurred_at":%q,"channel":"whatsapp","direction":"inbound","conversation_id":%q,"customer":{"country":"DE","phone":"+49151%05d"},"text":"Wo bleibt meine Bestellung?","language":"de"}`,
			id, at.Add(time.Duration(k)*time.Millisecond).Format(time.RFC3339Nano), conv, k%conversations)
	}
	var events []string
	inbound := map[string]string{} // message id → conversation
	resolvedConv := map[string]bool{}
	for i := range conversations {
		conv := fmt.Sprintf("k-%d", i)
		id := fmt.Sprintf("m1-%d", i)
		events, inbound[id] = append(events, msg(id, conv, i)), conv
		if i >= 20 { // the second message of a conversation started 20 before
			j := i - 20
			conv2, id2 := fmt.Sprintf("k-%d", j), fmt.Sprintf("m2-%d", j)
			events, inbound[id2] = append(events, msg(id2, conv2, conversations+j)), conv2
			if j%5 == 0 {
				resolvedConv[conv2] = true
				events = append(events, fmt.Sprintf(`{"id":"r-%d","type":"conversation.resolved","occurred_at":%q,"conversation_id":%q,"customer":{"country":"DE","phone":"+49151%05d"}}`,
					j, time.Now().UTC().Format(time.RFC3339Nano), conv2, j))
			}
		}
	}
	var batches []string
	for len(events) > 0 {
		n := min(10, len(events))
		batches, events = append(batches, "["+strings.Join(events[:n], ",")+"]"), events[n:]
	}

	// One client posts the batches in order, retrying a batch until a server acknowledges it
	// (a retry is the same events); meanwhile the server is killed and restarted twice.
	var mu sync.Mutex
	current, acked := s, 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, b := range batches {
			for {
				mu.Lock()
				addr := current.addr
				mu.Unlock()
				req, _ := http.NewRequest("POST", "http://"+addr+"/v1/events", strings.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+testKey)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == 202 {
						mu.Lock()
						acked++
						mu.Unlock()
						break
					}
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(150 * time.Millisecond)
		}
	}()
	for kill := range 2 {
		time.Sleep(time.Duration(600-300*kill) * time.Millisecond)
		mu.Lock()
		old, n := current, acked
		mu.Unlock()
		old.stop(syscall.SIGKILL)
		if n == 0 || n == len(batches) {
			t.Fatalf("kill %d came after %d of %d batches: not mid-stream", kill+1, n, len(batches))
		}
		t.Logf("kill %d after %d of %d batches", kill+1, n, len(batches))
		next := startServer(t, dir, env...)
		mu.Lock()
		current = next
		mu.Unlock()
	}
	<-done
	s = current

	_, dsn := localPostgres(t, dir)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	// The decision log: every decision's events, by cause.
	type logged struct {
		decision string
		events   []models.Event
	}
	readLog := func() []logged {
		rows, err := conn.Query(ctx, `SELECT decision_id, events FROM region_eu.decisions ORDER BY created_at`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []logged
		for rows.Next() {
			var l logged
			var raw []byte
			if err := rows.Scan(&l.decision, &raw); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &l.events); err != nil {
				t.Fatal(err)
			}
			out = append(out, l)
		}
		return out
	}
	decided := func(log []logged) map[string]bool {
		out := map[string]bool{}
		for _, l := range log {
			out[l.decision] = true
		}
		return out
	}
	// Every acknowledged inbound message gets its decision (after the restarts, from the
	// uncommitted part of the log).
	waitFor(t, 40*time.Second, func() bool {
		d := decided(readLog())
		for id := range inbound {
			if !d[id] {
				return false
			}
		}
		return true
	})
	// The events published are in ClickHouse as often as in the decision log: once each.
	counts := func(log []logged) map[string]int {
		out := map[string]int{}
		for _, l := range log {
			for _, e := range l.events {
				out[e.Type]++
			}
		}
		return out
	}
	types := []string{models.RoutingDecided, models.ConversationAssigned, models.ConversationQueued}
	var pg map[string]int
	var ch string
	waitFor(t, 40*time.Second, func() bool {
		pg = counts(readLog())
		q := `{ metrics(measures: ["events"], dimensions: ["type"], filters: [{dimension: "type", values: ["routing.decided", "conversation.assigned", "conversation.queued"]}]) { rows { dimensions values } } }`
		ch = fmt.Sprint(s.gql(t, q, nil)["metrics"].(map[string]any)["rows"])
		want := ""
		for _, typ := range []string{models.ConversationAssigned, models.ConversationQueued, models.RoutingDecided} {
			if pg[typ] > 0 {
				want += fmt.Sprintf(" map[dimensions:[%s] values:[%d]]", typ, pg[typ])
			}
		}
		return ch == "["+strings.TrimSpace(want)+"]"
	})
	t.Logf("decision events: %v; ClickHouse %s", pg, ch)
	log := readLog()
	ids := map[string]string{} // event id → decision
	routed := map[string]int{} // cause → routing.decided events
	assigned, resolved := map[string]int{}, map[string]int{}
	for _, l := range log {
		for _, e := range l.events {
			if prev, ok := ids[e.ID]; ok {
				t.Errorf("event %s published by decisions %s and %s", e.ID, prev, l.decision)
			}
			ids[e.ID] = l.decision
			switch e.Type {
			case models.RoutingDecided:
				routed[strings.TrimPrefix(e.ID, "route:")]++
			case models.ConversationAssigned:
				assigned[e.ConversationID]++
			}
		}
	}
	for id := range inbound {
		if routed[id] > 1 {
			t.Errorf("message %s routed %d times", id, routed[id])
		}
	}
	for _, typ := range types {
		if pg[typ] == 0 && typ != models.ConversationQueued {
			t.Errorf("no %s event at all: %v", typ, pg)
		}
	}

	// The engine's state: every conversation assigned or queued, or resolved when it was;
	// a conversation assigned again only after a resolution.
	rows, err := conn.Query(ctx, `SELECT conversation_id, status, assignee FROM region_eu.work`)
	if err != nil {
		t.Fatal(err)
	}
	state := map[string][2]string{}
	for rows.Next() {
		var c, st, a string
		if err := rows.Scan(&c, &st, &a); err != nil {
			t.Fatal(err)
		}
		state[c] = [2]string{st, a}
	}
	rows.Close()
	load := map[string]int{}
	queued := 0
	for i := range conversations {
		conv := fmt.Sprintf("k-%d", i)
		st := state[conv]
		switch models.ConversationStatus(st[0]) {
		case models.StatusAssigned:
			load[st[1]]++
		case models.StatusQueued:
			queued++
		case models.StatusResolved:
			if !resolvedConv[conv] {
				t.Errorf("%s resolved, never asked to be", conv)
			}
			resolved[conv]++
		default:
			t.Errorf("%s: state %v, want assigned or queued: a decision was lost", conv, st)
		}
		if assigned[conv] > 1+resolved[conv] {
			t.Errorf("%s assigned %d times while open", conv, assigned[conv])
		}
	}
	// Each open conversation stands in the engine's state as the published events leave it
	// (PostgreSQL's projection of the stream): the same status and agent, so each agent's
	// load is the conversations the events gave them. (A resolution posted with a time before
	// the engine's late decision is projected by time, so resolved ones are left out.)
	projection := func() map[string][2]string {
		rows, err := conn.Query(ctx, `SELECT conversation_id, status, agent_id FROM region_eu.conversations`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][2]string{}
		for rows.Next() {
			var c, st, a string
			if err := rows.Scan(&c, &st, &a); err != nil {
				t.Fatal(err)
			}
			if models.ConversationStatus(st) == models.StatusQueued {
				a = "" // the agent of an earlier assignment stays on the row
			}
			out[c] = [2]string{st, a}
		}
		return out
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		projected, diff := projection(), []string{}
		for c, st := range state {
			if models.ConversationStatus(st[0]) != models.StatusResolved && projected[c] != st {
				diff = append(diff, fmt.Sprintf("%s: engine %v, events %v", c, st, projected[c]))
			}
		}
		if len(diff) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the engine's state and the published events disagree: %v", diff)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	free := 0
	for i := range agents {
		n := load[fmt.Sprintf("a%d", i)]
		if n > capacity {
			t.Errorf("a%d holds %d conversations, capacity %d", i, n, capacity)
		}
		free += capacity - n
	}
	if queued > 0 && free > 0 {
		t.Errorf("%d conversations wait while agents have %d free places", queued, free)
	}
	t.Logf("loads %v, queued %d, resolved %d, decisions %d", load, queued, len(resolved), len(log))
}
