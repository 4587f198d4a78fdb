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
// The analysis id is "analysis:" + the message's id, and its inputs are the event alone
// (text, stated language, country, tier), so replaying the topic after a crash publishes the
// same event again, which the claims absorb. A refiner (an LLM) may answer differently on a
// replay: that version is dead-lettered as a conflict and the first one stays.
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
	// Workers analyse a batch's messages in parallel; 0 means GOMAXPROCS.
	Workers int
	Log     *slog.Logger
}

// job is one message to analyse.
type job struct {
	src  models.Event
	text string
}

// Handle implements stream.Handler. Messages that do not decode are the store sink's to
// dead-letter; here they, and every event that is not an inbound message with text, are
// skipped. An error (a data key that cannot be read, ingest refusing or Kafka not answering)
// fails the batch, which the sink offers again.
func (h *Handler) Handle(ctx context.Context, msgs []kafka.Message) ([]stream.Rejected, error) {
	var jobs []job
	openers := map[string]*shred.Opener{}
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
		jobs = append(jobs, job{src: e, text: text})
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

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// analyse runs the analyses on Workers goroutines and returns the events in the batch's order.
func (h *Handler) analyse(ctx context.Context, jobs []job) []models.Event {
	out := make([]models.Event, len(jobs))
	workers := h.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = Event(jobs[i].src, h.Analyzer.Analyze(ctx, Input(jobs[i].src, jobs[i].text)))
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// Input is what the analysis of a message reads: its text and what the event says about the
// sender. Nothing outside the event, so that a replay analyses alike.
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
