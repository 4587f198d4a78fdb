package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/models"
)

// escalations are the conversation.escalated events the engine decided about conv, in order.
func (c *clocked) escalations(conv string) []models.Event {
	c.t.Helper()
	rows, err := c.pg.Pool.Query(context.Background(), `SELECT events FROM region_eu.decisions WHERE conversation_id = $1 ORDER BY created_at, decision_id`, conv)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	var out []models.Event
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			c.t.Fatal(err)
		}
		var events []models.Event
		if err := json.Unmarshal(raw, &events); err != nil {
			c.t.Fatal(err)
		}
		for _, e := range events {
			if e.ConversationID == conv && e.Type == models.ConversationEscalated {
				out = append(out, e)
			}
		}
	}
	return out
}

// An escalation hands over what the person taking it needs at once: the summary built from
// the analysis (intent, the sentiment and its trend, urgency, waiting), the suggested next
// step, the intent and the latest sentiment; never the customer's words. The engine's
// escalation of a critical message and a supervisor's both carry them.
func TestEscalationsCarryTheSummaryIntentAndSentiment(t *testing.T) {
	ctx := context.Background()
	c := newClocked(t, statusPolicy)
	// Nobody is online: the conversation waits, and each message is routed again.
	msg := func(sentiment float64, urgency string) models.Event {
		e := c.customer("c1", "de")
		e.Text, e.Intent, e.Sentiment = "Ich warte seit zwei Wochen auf mein Geld!", "refund", &sentiment
		e.Attributes = map[string]string{"urgency": urgency}
		return e
	}
	start := c.now
	c.feed(msg(0.3, "NORMAL"))
	c.advance(10 * time.Minute)
	c.feed(msg(-0.7, "CRITICAL"))
	xs := c.escalations("c1")
	if len(xs) != 1 {
		t.Fatalf("escalations after the critical message: %d, want 1", len(xs))
	}
	x := xs[0]
	for _, want := range []string{"intent: refund", "sentiment: -0.70", "sentiment trend: falling", "urgency: critical",
		"waiting since: " + start.Format("2006-01-02 15:04 UTC"), "waited: 10m0s", "first reply: none yet", "Next step: Answer first"} {
		if !strings.Contains(x.Summary, want) {
			t.Errorf("the engine's escalation's summary %q lacks %q", x.Summary, want)
		}
	}
	if strings.Contains(x.Summary, "Geld") || x.Intent != "refund" || x.Sentiment == nil || *x.Sentiment != -0.7 ||
		x.Attributes["sentiment_trend"] != "falling" || x.Reason != "urgency:CRITICAL" {
		t.Errorf("the engine's escalation: summary %q, intent %q, sentiment %v, attributes %v, reason %q", x.Summary, x.Intent, x.Sentiment, x.Attributes, x.Reason)
	}

	c.advance(5 * time.Minute)
	if _, err := c.ws.Escalate(ctx, "eu", "acme", "c1", "third contact about it", "supervisor"); err != nil {
		t.Fatal(err)
	}
	xs = c.escalations("c1")
	if len(xs) != 2 {
		t.Fatalf("escalations after the supervisor's: %d, want 2", len(xs))
	}
	x = xs[1]
	if !strings.Contains(x.Summary, "intent: refund") || !strings.Contains(x.Summary, "priority: urgent") || !strings.Contains(x.Summary, "waited: 15m0s") ||
		x.Intent != "refund" || x.Sentiment == nil || *x.Sentiment != -0.7 || x.Reason != "third contact about it" || x.Attributes["by"] != "supervisor" {
		t.Errorf("the supervisor's escalation: %+v", x)
	}
}

// The engine's notice of when a person is back (template human_back) answers nothing: the
// first-response clock runs on until a person replies.
func TestTheBackNoticeIsNoReply(t *testing.T) {
	c := newClocked(t, statusPolicy)
	c.feed(c.customer("c1", "de"))
	c.advance(time.Minute)
	notice := c.reply("c1")
	notice.Attributes = map[string]string{"template": engine.BackNoticeTemplate}
	c.feed(notice)
	if w := c.work("c1"); w.FirstResponseAt != nil {
		t.Errorf("the notice stopped the first-response clock at %s", at(w.FirstResponseAt))
	}
	c.advance(time.Minute)
	c.feed(c.reply("c1"))
	if w := c.work("c1"); at(w.FirstResponseAt) != c.now.Format(time.RFC3339) {
		t.Errorf("the first reply: %s, want %s", at(w.FirstResponseAt), c.now.Format(time.RFC3339))
	}
}
