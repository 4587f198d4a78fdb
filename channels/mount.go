package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/meridian-cs/meridian/httpapi"
	"github.com/meridian-cs/meridian/models"
)

// MaxBodyBytes bounds one webhook delivery. Platforms batch a few events per request; a
// megabyte-sized body is not a delivery.
const MaxBodyBytes = 2 << 20

// Intake takes a verified delivery onto the ingest path and returns once every message of it
// is acknowledged by Kafka (or fails, and the platform retries).
type Intake interface {
	Receive(ctx context.Context, channel string, d *Delivery) error
}

// Channel is one configured platform.
type Channel struct {
	Name     string // models.Channels spelling: whatsapp, line, ...
	Webhook  Webhook
	Outbound Outbound
	// Off says why an unconfigured channel is off (its webhook answers 404 with it).
	Off string
}

// Fetcher is the channel's MediaFetcher (its Webhook's, else its Outbound's), nil if it has none.
func (c Channel) Fetcher() MediaFetcher {
	if f, ok := c.Webhook.(MediaFetcher); ok {
		return f
	}
	if f, ok := c.Outbound.(MediaFetcher); ok {
		return f
	}
	return nil
}

var webhookRequests = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_webhook_requests_total",
	Help: "Webhook deliveries by channel and HTTP status.",
}, []string{"channel", "code"})

var webhookMessages = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_webhook_messages_total",
	Help: "Messages and receipts acknowledged from webhooks, by channel.",
}, []string{"channel"})

// Mount serves /webhooks/{channel}: GET for the platforms' handshakes, POST for deliveries.
// A delivery is verified, parsed and handed to the intake; it is answered 200 only once the
// intake acknowledged it, so a platform retries anything Meridian did not take.
type Mount struct {
	channels map[string]Channel
	intake   Intake
	log      *slog.Logger
	// Tenants serves /webhooks/{channel}/{tenant}: a tenant's own accounts, configured in
	// PostgreSQL (nil: the environment's channels only).
	Tenants TenantChannels
}

// TenantChannels are the channels tenants configured for themselves.
type TenantChannels interface {
	// Channel returns a tenant's channel, false when the tenant has not configured it.
	Channel(ctx context.Context, tenant, name string) (Channel, bool, error)
	// Intake takes a tenant's deliveries.
	Intake(tenant string) Intake
}

// NewMount serves the given channels. Channels of models.Channels that are not given (or are
// Off) answer 404.
func NewMount(chs []Channel, intake Intake, log *slog.Logger) *Mount {
	m := &Mount{channels: map[string]Channel{}, intake: intake, log: log}
	for _, c := range chs {
		m.channels[c.Name] = c
	}
	return m
}

// Channel returns a configured channel.
func (m *Mount) Channel(name string) (Channel, bool) {
	c, ok := m.channels[name]
	return c, ok && c.Off == "" && c.Webhook != nil
}

// On lists the channels that are on, sorted.
func (m *Mount) On() []string {
	var out []string
	for n := range m.channels {
		if _, ok := m.Channel(n); ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func (m *Mount) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, tenant, perTenant := strings.Cut(strings.Trim(strings.TrimPrefix(r.URL.Path, "/webhooks/"), "/"), "/")
	rec := &codeWriter{ResponseWriter: w, code: http.StatusOK}
	label := name
	if !slices.Contains(models.Channels, name) {
		label = "unknown"
	}
	defer func() { webhookRequests.WithLabelValues(label, fmt.Sprint(rec.code)).Inc() }()
	if perTenant {
		m.serveTenant(rec, r, name, tenant)
		return
	}
	ch, ok := m.Channel(name)
	m.serve(rec, r, name, ch, ok, m.intake)
}

// serveTenant serves a tenant's own account of a channel.
func (m *Mount) serveTenant(w http.ResponseWriter, r *http.Request, name, tenant string) {
	if m.Tenants == nil || tenant == "" || strings.Contains(tenant, "/") {
		httpapi.WriteError(w, http.StatusNotFound, "no such webhook: /webhooks/{channel} or /webhooks/{channel}/{tenant}")
		return
	}
	ch, ok, err := m.Tenants.Channel(r.Context(), tenant, name)
	if err != nil {
		m.log.Error("tenant channel", "channel", name, "tenant", tenant, "err", err)
		httpapi.WriteError(w, http.StatusServiceUnavailable, "channel settings unavailable; retry")
		return
	}
	if !ok {
		httpapi.WriteError(w, http.StatusNotFound, fmt.Sprintf("channel %q is not configured for tenant %q", name, tenant))
		return
	}
	m.serve(w, r, name, ch, true, m.Tenants.Intake(tenant))
}

func (m *Mount) serve(w http.ResponseWriter, r *http.Request, name string, ch Channel, ok bool, intake Intake) {
	if !ok {
		msg := fmt.Sprintf("channel %q is not a channel Meridian knows", name)
		if c, known := m.channels[name]; known && c.Off != "" {
			msg = fmt.Sprintf("channel %q is off: %s", name, c.Off)
		} else if slices.Contains(models.Channels, name) {
			msg = fmt.Sprintf("channel %q is not configured", name)
		}
		httpapi.WriteError(w, http.StatusNotFound, msg)
		return
	}
	switch r.Method {
	case http.MethodGet:
		h, ok := ch.Webhook.(Handshaker)
		if !ok {
			httpapi.WriteError(w, http.StatusMethodNotAllowed, name+" webhooks are POSTed")
			return
		}
		h.Handshake(w, r)
		return
	case http.MethodPost:
	default:
		httpapi.WriteError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	body, err := httpapi.ReadBody(r, MaxBodyBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpapi.WriteError(w, http.StatusRequestEntityTooLarge, httpapi.TooLarge(MaxBodyBytes))
			return
		}
		httpapi.WriteError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return
	}
	if err := ch.Webhook.Verify(r, body); err != nil {
		httpapi.WriteError(w, http.StatusUnauthorized, err.Error())
		return
	}
	d, err := ch.Webhook.Parse(r, body)
	if err != nil {
		httpapi.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	if d.Media == nil {
		d.Media = ch.Fetcher()
	}
	if err := intake.Receive(r.Context(), name, d); err != nil {
		var fe *models.FieldError
		if errors.As(err, &fe) {
			// The platform sent something no store can hold; retrying cannot help.
			httpapi.WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		m.log.Error("webhook delivery not acknowledged", "channel", name, "err", err)
		httpapi.WriteError(w, http.StatusServiceUnavailable, "delivery not acknowledged; retry")
		return
	}
	webhookMessages.WithLabelValues(name).Add(float64(len(d.Messages) + len(d.Statuses)))
	if d.Respond != nil {
		d.Respond(w)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
