package transport

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// newIngestLatency is the device groups' reading-to-aggregate latency.
// Its buckets double from 15.625 µs, so that 1 ms is a bucket bound.
func newIngestLatency(reg prometheus.Registerer) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "hearth_iot_ingest_latency_seconds",
		Help:    "Time from a reading's arrival from NATS until its group's windows and detectors include it.",
		Buckets: prometheus.ExponentialBuckets(15.625e-6, 2, 14),
	})
	reg.MustRegister(h)
	return h
}

// ReadingApplied records one reading's ingest latency; Metrics implements
// the device-group observer interface declared by package iot with it.
func (m *Metrics) ReadingApplied(took time.Duration) { m.ingestLatency.Observe(took.Seconds()) }
