package enrich

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var analysed = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "meridian_messages_analyzed_total",
	Help: "Inbound messages analysed on the stream (message.analyzed events published), by region.",
}, []string{"region"})
