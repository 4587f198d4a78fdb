package engine

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var decisions = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_routing_decisions_total",
	Help: "Routing decisions the conversation engine made and published, by region and reason (assigned, freed capacity, or why it queued).",
}, []string{"region", "reason"})

var slaBreaches = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_sla_breaches_total",
	Help: "SLA targets conversations missed (sla.breached events recorded), by region and target.",
}, []string{"region", "target"})

var slaWarnings = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_sla_warnings_total",
	Help: "SLA targets about to be missed (sla.warning events recorded, a lead before the due time), by region and target.",
}, []string{"region", "target"})

var pages = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_pages_total",
	Help: "Steps of on-call paging delivered or failed (every target of the person failed after retries), by region.",
}, []string{"region", "result"})

var aiAnswers = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_ai_answers_total",
	Help: "Replies the AI sent to customers from the knowledge base (conversation engine with an Assistant), by region.",
}, []string{"region"})
