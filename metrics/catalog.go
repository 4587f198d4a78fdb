package metrics

import (
	"fmt"
	"sort"
	"strings"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse/chschema"
)

// A measure is computed from one or more partial aggregates. Each region returns its partials;
// partials are summed across regions and only then turned into the final value, so an average
// over two regions is sum(sums)/sum(counts), never the mean of two means.
type measure struct {
	doc      string
	partials []string                  // ClickHouse aggregate expressions over the events table
	final    func(p []float64) float64 // from summed partials to the value; nil = p[0]
	// perConversation measures aggregate one row per conversation (convFacts) instead of
	// one per event; see convFacts for how dimensions apply to them.
	perConversation bool
	// perCustomer measures aggregate one row per customer (custFacts), attributed to the
	// dimension values of the customer's first matching event.
	perCustomer bool
	// distinct measures count distinct values that every copy of an event carries alike, so
	// copies not yet collapsed change nothing (see plan.final).
	distinct bool
}

// A dimension is a string-valued expression rows are grouped by.
type dimension struct {
	doc  string
	expr string // ClickHouse expression returning a String; empty for region (not a column)
	col  string // the column, when the dimension is a plain column
	// customerExpr, when set, makes this a fact of a customer (over custFacts): only
	// perCustomer measures can be broken down by it.
	customerExpr string
}

// column is a dimension that is a plain column of the events table; a name that is not one
// stops the program at start (chschema.Col).
func column(name, doc string) dimension {
	name = chschema.Col(name)
	return dimension{doc: doc, expr: "toString(" + name + ")", col: name}
}

// filterExpr is what a filter compares: the bare column for plain columns, so the primary key
// and skip indexes still apply, else the dimension's expression.
func (d dimension) filterExpr() string {
	if d.col != "" {
		return d.col
	}
	return d.expr
}

func typeIn(types ...string) string {
	q := make([]string, len(types))
	for i, t := range types {
		q[i] = "'" + t + "'" // event types are code constants, never user input
	}
	return "type IN (" + strings.Join(q, ", ") + ")"
}

func ratio(p []float64) float64 {
	if p[1] == 0 {
		return 0
	}
	return p[0] / p[1]
}

var isMessage = typeIn(models.MessageReceived, models.MessageSent)

var isAnalysis = typeIn(models.MessageAnalyzed)

// analysis is a dimension read from message.analyzed events' attributes (understanding/enrich
// writes them); other events answer "".
func analysis(attr, doc string) dimension {
	return dimension{doc: doc, expr: "attributes['" + attr + "']"}
}

// measures is the whitelist of measures. Every expression is fixed SQL.
var measures = map[string]measure{
	"messages":          {doc: "messages received and sent", partials: []string{"countIf(" + isMessage + ")"}},
	"inbound_messages":  {doc: "messages received from customers", partials: []string{"countIf(" + typeIn(models.MessageReceived) + ")"}},
	"outbound_messages": {doc: "messages sent to customers (by agents or AI)", partials: []string{"countIf(" + typeIn(models.MessageSent) + ")"}},
	"events":            {doc: "events of any type", partials: []string{"count()"}},
	// A conversation and a customer live in exactly one region, so per-region distinct counts
	// add up to the global distinct count.
	"conversations": {doc: "distinct conversations with at least one matching event", partials: []string{"uniqExactIf(conversation_id, conversation_id != '')"}, distinct: true},
	"customers":     {doc: "distinct (pseudonymous) customers with at least one matching event", partials: []string{"uniqExactIf(customer_id, customer_id != '')"}, distinct: true},
	"escalations":   {doc: "escalations to a human", partials: []string{"countIf(" + typeIn(models.ConversationEscalated) + ")"}},
	"handoffs":      {doc: "hand-offs between regions", partials: []string{"countIf(" + typeIn(models.ConversationHandedOff) + ")"}},
	"resolutions":   {doc: "conversations marked resolved", partials: []string{"countIf(" + typeIn(models.ConversationResolved) + ")"}},
	"ai_actions":    {doc: "actions taken by the AI", partials: []string{"countIf(" + typeIn(models.AIAction) + ")"}},
	"ai_answers": {
		doc:      "customer messages the AI answered from the knowledge base (ai.action answered)",
		partials: []string{"countIf(" + typeIn(models.AIAction) + " AND action = 'answered')"},
	},
	"ai_order_answers": {
		doc:      "order questions the AI answered from the shop (ai.action answered with attribute order_number): status and tracking told to the order's owner",
		partials: []string{"countIf(" + typeIn(models.AIAction) + " AND action = 'answered' AND attributes['order_number'] != '')"},
	},
	"order_automation": {
		doc:      "share (0-1) of order enquiries (a customer message with intent order_status, or an order the AI answered about) that the AI resolved with no person: the write-up's order enquiry → tracking → resolution flow",
		partials: []string{"countIf(order_enquiry AND ai_answered AND resolved AND NOT human)", "countIf(order_enquiry)"},
		final:    ratio, perConversation: true,
	},
	"ai_handovers": {
		doc:      "customer messages the AI handed to a person (ai.action handed_to_agent): break down by reason (no_article, low_confidence, complaint, negative_sentiment, urgency, person_requested, channel_cannot_send, ...)",
		partials: []string{"countIf(" + typeIn(models.AIAction) + " AND action = 'handed_to_agent')"},
	},
	"csat_avg": {
		doc: "mean CSAT score (1-5); 0 when there is no feedback",
		partials: []string{
			"sumIf(toFloat64(assumeNotNull(score)), " + typeIn(models.FeedbackCSAT) + " AND score IS NOT NULL)",
			"countIf(" + typeIn(models.FeedbackCSAT) + " AND score IS NOT NULL)",
		},
		final: ratio,
	},
	"nps": {
		doc: "net promoter score: % promoters (9-10) minus % detractors (0-6); 0 when there are no answers",
		partials: []string{
			"countIf(" + typeIn(models.FeedbackNPS) + " AND score >= 9)",
			"countIf(" + typeIn(models.FeedbackNPS) + " AND score <= 6)",
			"countIf(" + typeIn(models.FeedbackNPS) + " AND score IS NOT NULL)",
		},
		final: func(p []float64) float64 {
			if p[2] == 0 {
				return 0
			}
			return 100 * (p[0] - p[1]) / p[2]
		},
	},
	"first_response_seconds": {
		doc:      "mean seconds from a conversation's first customer message to the first message sent after it (conversations with a reply)",
		partials: []string{"sumIf(frt_s, responded)", "countIf(responded)"},
		final:    ratio, perConversation: true,
	},
	"resolution_seconds": {
		doc:      "mean seconds from a conversation's first customer message to its resolution (resolved conversations)",
		partials: []string{"sumIf(res_s, resolved)", "countIf(resolved)"},
		final:    ratio, perConversation: true,
	},
	"ai_containment": {
		doc:      "share (0-1) of conversations with a customer message that the AI resolved: it answered (ai.action answered) and the conversation was resolved with no assignment to or escalation to a person",
		partials: []string{"countIf(has_in AND ai_answered AND resolved AND NOT human)", "countIf(has_in)"},
		final:    ratio, perConversation: true,
	},
	"cross_channel_customers": {
		doc:      "customers who wrote on two or more channels (WhatsApp and e-mail, ...) within the time range: one person behind several platforms, as the identity graph links them",
		partials: []string{"countIf(n_channels >= 2)"}, perCustomer: true,
	},
	"writing_customers": {
		doc:      "customers who wrote at least one message within the time range (per customer, so it breaks down by channel_count)",
		partials: []string{"countIf(n_channels >= 1)"}, perCustomer: true,
	},
	"contacts": {
		doc:      "conversations with at least one customer message",
		partials: []string{"countIf(has_in)"}, perConversation: true,
	},
	"analyzed_messages": {
		doc:      "inbound messages as Meridian understood them (message.analyzed, one per message.received): break down or filter by language (detected), urgency, intent, issue_type, sentiment_label, emotion, stated_language",
		partials: []string{"countIf(" + isAnalysis + ")"},
	},
	"urgent_messages": {
		doc:      "analysed inbound messages whose urgency is HIGH or CRITICAL",
		partials: []string{"countIf(" + isAnalysis + " AND attributes['urgency'] IN ('HIGH', 'CRITICAL'))"},
	},
	"negative_messages": {
		doc:      "analysed inbound messages whose sentiment is negative (-0.2 or below)",
		partials: []string{"countIf(" + isAnalysis + " AND attributes['sentiment_label'] = 'negative')"},
	},
	"sla_breaches": {
		doc:      "SLA targets conversations missed (sla.breached, recorded once each by the conversation engine): break down by reason (first_response, resolution)",
		partials: []string{"countIf(" + typeIn(models.SLABreached) + ")"},
	},
	"critical_response_seconds": {
		doc:             "mean seconds from the first customer message to the first reply, over conversations with a message analysed as CRITICAL that were answered (the write-up's target: 15 minutes)",
		partials:        []string{"sumIf(frt_s, responded AND critical)", "countIf(responded AND critical)"},
		final:           ratio,
		perConversation: true,
	},
	"page_response_seconds": {
		doc:             "mean seconds from paging the on-call person (a conversation.escalated with attribute paged) to the first reply sent after it, over paged conversations that were answered: time to a human's first response after a page",
		partials:        []string{"sumIf(page_s, page_answered)", "countIf(page_answered)"},
		final:           ratio,
		perConversation: true,
	},
	"cultural_fit_avg": {
		doc: "mean cultural fit (0..1) of replies sent through Meridian to customers whose language is known: greetings, honorifics, refusals, concision as the customer's culture profile expects (understanding/culture)",
		partials: []string{
			"sumIf(toFloat64OrZero(attributes['cultural_fit']), " + typeIn(models.MessageSent) + " AND mapContains(attributes, 'cultural_fit'))",
			"countIf(" + typeIn(models.MessageSent) + " AND mapContains(attributes, 'cultural_fit'))",
		},
		final: ratio,
	},
	"low_fit_replies": {
		doc:      "replies sent through Meridian whose cultural fit is under 0.7 (a flat refusal to a Saudi customer, no honorifics in Japanese, ...)",
		partials: []string{"countIf(" + typeIn(models.MessageSent) + " AND mapContains(attributes, 'cultural_fit') AND toFloat64OrZero(attributes['cultural_fit']) < 0.7)"},
	},
	"sentiment_avg": {
		doc: "mean sentiment (-1..1) of events that carry one (every analysed inbound message does); 0 when none do",
		partials: []string{
			"sumIf(toFloat64(assumeNotNull(sentiment)), sentiment IS NOT NULL)",
			"countIf(sentiment IS NOT NULL)",
		},
		final: ratio,
	},
}

// convFacts are the per-conversation columns the perConversation measures aggregate. They
// are computed from each conversation's events that match the query's filters and time
// range (one region, so a conversation is never split across databases). A conversation is
// attributed to the dimension values of its first matching event (for plain columns, its
// first event where the column is not empty); "type" and "direction" do not apply.
//
//   - fi_ms: the first customer message; has_in: the conversation has one.
//   - responded / frt_s: a message was sent at or after it, and how many seconds later.
//   - resolved / res_s: a conversation.resolved at or after it, and how many seconds later.
//   - ai_answered: an ai.action with action "answered"; human: assigned to or escalated to a
//     person (conversation.assigned or conversation.escalated).
//   - order_enquiry: a customer message of it has intent order_status, or the AI answered
//     about an order.
//   - critical: a message of it was analysed as CRITICAL.
//   - pg_ms: its first escalation that paged the on-call person; paged: it has one;
//     page_answered / page_s: a message was sent at or after it, and how many seconds later.
//
// A message.sent from the template "human_back" (conversation/engine.BackNoticeTemplate, the
// engine telling a customer when a person is back) is no response.
var convFacts = strings.Join([]string{
	"toUnixTimestamp64Milli(minIf(occurred_at, " + typeIn(models.MessageReceived) + ")) AS fi_ms",
	"countIf(" + typeIn(models.MessageReceived) + ") > 0 AS has_in",
	"arrayFilter(x -> x >= fi_ms, groupArrayIf(toUnixTimestamp64Milli(occurred_at), " + isReply + ")) AS outs",
	"has_in AND notEmpty(outs) AS responded",
	"if(responded, (arrayMin(outs) - fi_ms) / 1000, 0) AS frt_s",
	"arrayFilter(x -> x >= fi_ms, groupArrayIf(toUnixTimestamp64Milli(occurred_at), " + typeIn(models.ConversationResolved) + ")) AS res",
	"has_in AND notEmpty(res) AS resolved",
	"if(resolved, (arrayMin(res) - fi_ms) / 1000, 0) AS res_s",
	"countIf(" + typeIn(models.AIAction) + " AND action = 'answered') > 0 AS ai_answered",
	"countIf(" + typeIn(models.MessageReceived, models.MessageAnalyzed) + " AND intent = 'order_status' OR " + typeIn(models.AIAction) + " AND attributes['order_number'] != '') > 0 AS order_enquiry",
	"countIf(" + typeIn(models.ConversationAssigned, models.ConversationEscalated) + ") > 0 AS human",
	"countIf(" + typeIn(models.MessageAnalyzed) + " AND attributes['urgency'] = 'CRITICAL') > 0 AS critical",
	"toUnixTimestamp64Milli(minIf(occurred_at, " + typeIn(models.ConversationEscalated) + " AND attributes['paged'] = 'true')) AS pg_ms",
	"countIf(" + typeIn(models.ConversationEscalated) + " AND attributes['paged'] = 'true') > 0 AS paged",
	"arrayFilter(x -> x >= pg_ms, groupArrayIf(toUnixTimestamp64Milli(occurred_at), " + isReply + ")) AS pg_outs",
	"paged AND notEmpty(pg_outs) AS page_answered",
	"if(page_answered, (arrayMin(pg_outs) - pg_ms) / 1000, 0) AS page_s",
}, ", ")

// isReply is a message sent that answers the customer: not the engine's notice of when a
// person is back.
var isReply = typeIn(models.MessageSent) + " AND attributes['template'] != 'human_back'"

// custFacts are the per-customer columns the perCustomer measures aggregate, from the
// customer's events that match the query's filters and time range (a customer lives in one
// region). n_channels: the distinct channels they wrote on.
var custFacts = "uniqExactIf(channel, " + typeIn(models.MessageReceived) + " AND channel != '') AS n_channels"

// notPerConversation are the dimensions a perConversation measure cannot be broken down by.
var notPerConversation = map[string]bool{"type": true, "direction": true}

// regionDimension is answered from the database a row came from, never from a column.
const regionDimension = "region"

// timeDimension is bucketed by Query.Granularity.
const timeDimension = "time"

// dimensions is the whitelist of dimensions. Every expression is fixed SQL returning a String.
var dimensions = map[string]dimension{
	regionDimension:   {doc: "residency region the data lives in"},
	"channel":         column("channel", "channel (whatsapp, email, ...)"),
	"language":        column("language", "language: on message.analyzed the detected one (BCP-47: de, pt-BR, zh-Hant, und), on messages the one their sender stated (often empty); use it with analyzed_messages"),
	"urgency":         analysis("urgency", "urgency of an analysed message: NONE, NORMAL, HIGH or CRITICAL"),
	"issue_type":      analysis("issue_type", "issue type of an analysed message: enquiry, complaint or after_sales"),
	"sentiment_label": analysis("sentiment_label", "sentiment of an analysed message: negative, neutral or positive"),
	"emotion":         analysis("emotion", "strongest emotion of an analysed message: anger, frustration, anxiety, satisfaction, or empty"),
	"stated_language": analysis("stated_language", "the language the sender of an analysed message stated (Telegram language_code, a locale), beside the detected one"),
	"direction":       column("direction", "inbound or outbound"),
	"country":         column("country", "customer's ISO country code"),
	"type":            column("type", "event type"),
	"queue":           column("queue", "routing queue"),
	"product":         column("product", "product"),
	"tier":            column("tier", "customer tier"),
	"intent":          column("intent", "intent: detected on message.analyzed (order_status, delivery, return, refund, billing, cancel, product_question, technical_fault, account_access, other); as the sender gave it elsewhere"),
	"team":            column("team", "agent team"),
	"reason":          column("reason", "reason of an event: the target an sla.breached missed, why a routing.decided queued, an escalation's, why the AI handed a message to a person"),
	"from_region":     column("from_region", "region a hand-off left (conversation.handed_off)"),
	"to_region":       column("to_region", "region a hand-off went to (conversation.handed_off)"),
	"channel_count": {doc: "how many channels the customer wrote on within the time range (1, 2, ...); only with per-customer measures (cross_channel_customers, writing_customers)",
		customerExpr: "toString(n_channels)"},
	"hour":        {doc: "start of the hour (UTC, RFC 3339)", expr: "formatDateTime(toStartOfHour(occurred_at), '%Y-%m-%dT%H:00:00Z', 'UTC')"},
	"day":         {doc: "date (UTC, YYYY-MM-DD)", expr: "toString(toDate(occurred_at, 'UTC'))"},
	"week":        {doc: "Monday of the ISO week (UTC, YYYY-MM-DD)", expr: "toString(toMonday(occurred_at, 'UTC'))"},
	"month":       {doc: "first day of the month (UTC, YYYY-MM-DD)", expr: "toString(toStartOfMonth(occurred_at, 'UTC'))"},
	"hour_of_day": {doc: "hour of the day, 00-23 (UTC)", expr: "formatDateTime(occurred_at, '%H', 'UTC')"},
	"weekday":     {doc: "ISO day of the week, 1 (Monday) to 7 (Sunday), UTC", expr: "formatDateTime(occurred_at, '%u', 'UTC')"},
	timeDimension: {doc: "time bucket of Query.Granularity (hour: RFC 3339; day, week, month: YYYY-MM-DD)"},
}

// Granularities of the "time" dimension.
var granularities = map[string]string{
	"hour":  dimensions["hour"].expr,
	"day":   dimensions["day"].expr,
	"week":  dimensions["week"].expr,
	"month": dimensions["month"].expr,
}

// DefaultGranularity buckets the "time" dimension when a query names none.
const DefaultGranularity = "day"

// Filter operators.
const (
	OpEq  = "eq"  // the dimension equals the single value
	OpIn  = "in"  // the dimension is one of the values
	OpNeq = "neq" // the dimension is none of the values
)

// Field describes a measure or dimension for catalogs and error messages.
type Field struct {
	Name string
	Doc  string
}

// Measures lists the measures the engine knows, sorted by name.
func Measures() []Field {
	out := make([]Field, 0, len(measures))
	for n, m := range measures {
		out = append(out, Field{n, m.doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Dimensions lists the dimensions the engine knows, sorted by name.
func Dimensions() []Field {
	out := make([]Field, 0, len(dimensions))
	for n, d := range dimensions {
		out = append(out, Field{n, d.doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func names(fs []Field) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.Name
	}
	return strings.Join(s, ", ")
}

func unknownMeasure(name string) error {
	return invalidf("unknown measure %q (known: %s)", name, names(Measures()))
}

func unknownDimension(name string) error {
	return invalidf("unknown dimension %q (known: %s)", name, names(Dimensions()))
}

// ValidationError is a query the caller must fix; its message names the bad input and is safe
// to show to the caller.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return "metrics: " + e.Msg }

func invalidf(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}
