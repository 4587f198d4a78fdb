package stream

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	produceSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "meridian_produce_seconds",
		Help:    "Time from handing a request's events to the producer to Kafka acknowledging all of them.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	produceWriteMessages = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "meridian_produce_write_messages",
		Help:    "Messages per producer write; concurrent requests are written together.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 9),
	})
	produceWriteSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "meridian_produce_write_seconds",
		Help:    "Time one producer write took, from sending it to Kafka's answer for every partition (retries included).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	sinkBatchRows = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "meridian_sink_batch_rows",
		Help:    "Messages per batch a sink stored.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 10),
	}, []string{"sink", "topic"})
	sinkBatchSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "meridian_sink_batch_seconds",
		Help:    "Time to store and commit one batch.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"sink", "topic"})
	storeSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "meridian_store_seconds",
		Help:    "Time one store took to store a batch of a region's events (stores of a region run in parallel).",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"store", "region"})
	sinkRetries = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "meridian_sink_retries_total",
		Help: "Batches a sink had to retry because its store failed.",
	}, []string{"sink", "topic"})
	batchSplits = promauto.NewCounter(prometheus.CounterOpts{
		Name: "meridian_sink_batch_splits_total",
		Help: "Times a store refused a batch for its content and the sink halved it to find the events at fault.",
	})
	sinkFailing = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "meridian_sink_failing",
		Help: "1 while a sink's current batch keeps failing to be stored (it is retried with back-off), else 0.",
	}, []string{"sink", "topic"})
	deadLetters = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "meridian_dead_letters_total",
		Help: "Messages sent to a dead-letter topic.",
	}, []string{"sink", "topic"})
)
