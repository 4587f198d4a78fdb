// Package enrich analyses every inbound message once, on the stream. Each region has a
// consumer group of its own (meridian.understanding.<region>) whose handler reads the region's
// events topic, opens the text of each message.received with the customer's data key, runs
// understanding.Analyzer on it and publishes the result as a message.analyzed event through
// ingest (Accept), so that it is sealed, placed and stored like every other event, and the
// stores' claims make it exactly once. The sink commits a batch's offsets only after ingest
// has Kafka's acknowledgement for its analyses.
//
// Why an event and not columns the store sink fills: analysis costs about a millisecond of CPU
// a message (the language detector's second pass), thirty times what storing an event costs,
// so analysing in the store sink would hold back every event behind it; as a consumer of its
// own it lags on its own when ingest outruns it (BENCHMARKS.md), and the stores stay current.
//
// The analysis id is "analysis:" + the message's id, and its inputs are the event (text,
// stated language, country, tier) and what the handler remembers in the log's order (the
// languages detected earlier in the conversation, the customer's other conversations of the
// last 24 hours). A message seen again in the same process (a batch retried after ingest
// timed out, a partition re-read after a rebalance, a client's duplicate) is not analysed
// again: the handler publishes the analysis it gave it first (it keeps the last 20,000),
// which the claims absorb. Analysing it again would count it into the memory a second time
// (its own and later messages' languages as hints, their conversations as repeat contacts)
// and ask the CRM and the refiner again, and the content would differ. What may differ on a
// replay after a restart (the memory starts empty; a refiner, an LLM, may answer otherwise)
// is dead-lettered as a conflict, and the first version stays.
package enrich

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/segmentio/kafka-go"

	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/stream"
	"github.com/meridian-cs/meridian/understanding"
)

// Group is the consumer group of a region's analysis.
func Group(region string) string { return "meridian.understanding." + region }

// Analyzer understands a text (understanding.Analyzer).
type Analyzer interface {
	Analyze(ctx context.Context, in understanding.Input) understanding.TextAnalysis
}

// Unsealer opens a customer's sealed personal fields (shred.Keyring).
type Unsealer interface {
	Opener(ctx context.Context, region, tenant, subject string) (*shred.Opener, error)
}

// Publisher takes events produced inside Meridian and returns once Kafka acknowledged them
// (ingest.Service.Accept).
type Publisher interface {
	Accept(ctx context.Context, tenant string, events []models.Event) error
}

// IDPrefix starts the id of a message's analysis.
const IDPrefix = "analysis:"

// Handler is the stream.Handler of one region's analysis.
type Handler struct {
	Region   string
	Analyzer Analyzer
	Keys     Unsealer
	Publish  Publisher
	// Slots bounds the analyses running at once across every region's handler that shares
	// it; nil means GOMAXPROCS for this handler alone.
	Slots Slots
	// Retention, when set, tells whether a customer's message compares us with a competitor
	// or raises price (the insights lexicons); its analysis then carries AttrRetention.
	Retention func(text string) bool
	// Tier, when set, tells a customer's tier (vip, returning, new) from a CRM by their
	// e-mail address or phone number, for messages whose event carries none: the analysis
	// then carries it (Customer.Tier), and the engine routes by it. "" and an error (logged
	// without the customer's details) leave the message without a tier.
	Tier func(ctx context.Context, email, phone string) (string, error)
	Log  *slog.Logger

	once sync.Once
	mem  *memory
}

// remembered is how many conversations and customers the analysis remembers (memory).
const remembered = 200_000

// rememberedAnalyses is how many of the last analyses a handler keeps to publish again
// unchanged when their messages come again: a sink's largest batch (stream.SinkConfig.MaxRows),
// which is what a retry or a rebalance offers again in one process.
const rememberedAnalyses = 20_000

// Slots is how many analyses may run at once: each takes up to a core, and the cores ingest
// needs come first (the analysis lags and catches up from the log).
type Slots chan struct{}

// NewSlots allows n analyses at once.
func NewSlots(n int) Slots { return make(Slots, max(n, 1)) }

// job is one message to analyse.
type job struct {
	src      models.Event
	key      string // tenant\x00message id, as the memory knows it
	text     string
	contacts int           // RecentContacts
	again    *models.Event // the analysis it was given before: published again as it is
	dupOf    int           // index of the batch's earlier job of the same message, or -1
}

// Handle implements stream.Handler. Messages that do not decode are the store sink's to
// dead-letter; here they, and every event that is not an inbound message with text, are
// skipped. An error (a data key that cannot be read, ingest refusing or Kafka not answering)
// fails the batch, which the sink offers again.
func (h *Handler) Handle(ctx context.Context, msgs []kafka.Message) ([]stream.Rejected, error) {
	h.once.Do(func() { h.mem = newMemory(remembered, rememberedAnalyses) })
	var jobs []job
	openers := map[string]*shred.Opener{}
	inBatch := map[string]int{} // tenant\x00message id → its first job
	for _, m := range msgs {
		e, err := stream.DecodeEvent(m.Value)
		if err != nil || e.Region != h.Region || e.Type != models.MessageReceived || e.Text == "" || e.Customer == nil {
			continue
		}
		text := e.Text
		if h.Keys != nil {
			k := e.Tenant + "\x00" + e.CustomerID
			o, ok := openers[k]
			if !ok {
				o, err = h.Keys.Opener(ctx, h.Region, e.Tenant, e.CustomerID)
				if err != nil && !errors.Is(err, shred.ErrErased) {
					return nil, fmt.Errorf("analysis %s: %w", h.Region, err)
				}
				openers[k] = o
			}
			if o == nil {
				continue // erased: nothing left to understand
			}
			if text, err = o.Open(text); err != nil {
				h.log().WarnContext(ctx, "analysis: text does not open; skipped", "region", h.Region, "event", e.ID, "err", err)
				continue
			}
		}
		// A message seen before is not analysed, nor counted, again (memory).
		id := e.Tenant + "\x00" + e.ID
		if first, ok := inBatch[id]; ok {
			jobs = append(jobs, job{src: e, dupOf: first})
			continue
		}
		inBatch[id] = len(jobs)
		if a, ok := h.mem.analysisOf(id); ok {
			jobs = append(jobs, job{src: e, again: &a, dupOf: -1})
			continue
		}
		if h.Tier != nil && e.Customer.Tier == "" {
			h.crmTier(ctx, &e, openers[e.Tenant+"\x00"+e.CustomerID])
		}
		contacts := h.mem.contactsOf(e.Tenant+"/"+e.CustomerID, e.ConversationID, e.OccurredAt)
		jobs = append(jobs, job{src: e, key: id, text: text, contacts: contacts, dupOf: -1})
	}
	if len(jobs) == 0 {
		return nil, nil
	}
	out := h.analyse(ctx, jobs)
	byTenant := map[string][]models.Event{}
	var order []string
	for _, e := range out {
		if _, ok := byTenant[e.Tenant]; !ok {
			order = append(order, e.Tenant)
		}
		byTenant[e.Tenant] = append(byTenant[e.Tenant], e)
	}
	for _, t := range order {
		if err := h.Publish.Accept(ctx, t, byTenant[t]); err != nil {
			return nil, fmt.Errorf("analysis %s: publish %d analyses: %w", h.Region, len(byTenant[t]), err)
		}
	}
	analysed.WithLabelValues(h.Region).Add(float64(len(out)))
	return nil, nil
}

// crmTier sets e's customer tier from the CRM, by the customer's contact details opened with
// o (nil: not sealed).
func (h *Handler) crmTier(ctx context.Context, e *models.Event, o *shred.Opener) {
	email, phone := e.Customer.Email, e.Customer.Phone
	if o != nil {
		var err error
		if email != "" {
			email, err = o.Open(email)
		}
		if err == nil && phone != "" {
			phone, err = o.Open(phone)
		}
		if err != nil {
			return
		}
	}
	if email == "" && phone == "" {
		return
	}
	tier, err := h.Tier(ctx, email, phone)
	if err != nil {
		h.log().WarnContext(ctx, "analysis: the CRM did not give a tier", "region", h.Region, "event", e.ID, "err", err)
		return
	}
	if tier != "" {
		c := *e.Customer
		c.Tier = tier
		e.Customer = &c
	}
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// analyse runs the analyses, as many at once as Slots allows, and returns the events in the
// batch's order. A conversation's messages are analysed one after the other, in the log's
// order, each with the languages detected before it as hints.
func (h *Handler) analyse(ctx context.Context, jobs []job) []models.Event {
	out := make([]models.Event, len(jobs))
	slots := h.Slots
	if slots == nil {
		slots = NewSlots(runtime.GOMAXPROCS(0))
	}
	var convs [][]int // indexes of jobs, by conversation, each in the log's order
	byConv := map[string]int{}
	for i, j := range jobs {
		if j.again != nil {
			out[i] = *j.again
			continue
		}
		if j.dupOf >= 0 {
			continue
		}
		k := j.src.Tenant + "/" + j.src.ConversationID
		c, ok := byConv[k]
		if !ok {
			c = len(convs)
			byConv[k] = c
			convs = append(convs, nil)
		}
		convs[c] = append(convs[c], i)
	}
	var wg sync.WaitGroup
	next := make(chan []int)
	for range min(cap(slots), len(convs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for conv := range next {
				for _, i := range conv {
					j := jobs[i]
					key := j.src.Tenant + "/" + j.src.ConversationID
					in := Input(j.src, j.text)
					in.Previous, in.RecentContacts = h.mem.previous(key), j.contacts
					slots <- struct{}{}
					a := h.Analyzer.Analyze(ctx, in)
					<-slots
					h.mem.detected(key, a.Language)
					out[i] = Event(j.src, a)
					if h.Retention != nil && j.src.Direction == models.Inbound && h.Retention(j.text) {
						out[i].Attributes[models.AttrRetention] = "true"
					}
					// Remembered before it is published: a publication that fails may
					// still have reached Kafka.
					h.mem.analysed(j.key, out[i])
				}
			}
		}()
	}
	for _, c := range convs {
		next <- c
	}
	close(next)
	wg.Wait()
	for i, j := range jobs {
		if j.dupOf >= 0 {
			out[i] = clone(out[j.dupOf])
		}
	}
	return out
}

// Input is what the analysis of a message reads from its event: its text and what the event
// says about the sender. The handler adds what it remembers of the conversation and the
// customer (memory).
func Input(e models.Event, text string) understanding.Input {
	in := understanding.Input{Text: text, Locale: e.Language}
	if e.Customer != nil {
		in.Country, in.Tier = e.Customer.Country, e.Customer.Tier
		if in.Locale == "" {
			in.Locale = e.Customer.Locale
		}
	}
	return in
}

// Event is the message.analyzed event of message e.
func Event(e models.Event, a understanding.TextAnalysis) models.Event {
	c := models.Customer{}
	if e.Customer != nil {
		c = models.Customer{Country: e.Customer.Country, Tier: e.Customer.Tier}
	}
	sentiment, confidence := a.Sentiment, a.IntentConfidence
	attrs := map[string]string{
		"message_id":          e.ID,
		"language_confidence": strconv.FormatFloat(a.LanguageConfidence, 'f', -1, 64),
		"language_source":     a.LanguageSource,
		"sentiment_label":     a.SentimentLabel,
		"urgency":             a.Urgency.String(),
		"urgency_reasons":     strings.Join(a.UrgencyReasons, ","),
		"emotions":            formatEmotions(a.Emotions),
	}
	for k, v := range map[string]string{"stated_language": a.StatedLanguage, "emotion": a.Emotion,
		"issue_type": a.IssueType, "note": a.Note, "refined_by": a.RefinedBy} {
		if v != "" {
			attrs[k] = v
		}
	}
	out := models.Event{
		ID: IDPrefix + e.ID, Type: models.MessageAnalyzed, Tenant: e.Tenant, OccurredAt: e.OccurredAt,
		Channel: e.Channel, Direction: e.Direction, ConversationID: e.ConversationID,
		Customer: &c, CustomerID: e.CustomerID, Language: a.Language, Product: e.Product,
		Sentiment: &sentiment, Intent: a.Intent, Attributes: attrs,
	}
	if a.Intent != "" {
		out.Confidence = &confidence
	}
	return out
}

func formatEmotions(e understanding.Emotions) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	return "anger:" + f(e.Anger) + " frustration:" + f(e.Frustration) + " anxiety:" + f(e.Anxiety) + " satisfaction:" + f(e.Satisfaction)
}
