package transport

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ingestLatency is the device groups' reading-to-aggregate latency,
// summed from the counts groups hand over once a second, and exported as
// a histogram with the groups' bucket bounds.
type ingestLatency struct {
	desc *prometheus.Desc

	mu     sync.Mutex
	bounds []time.Duration
	counts []uint64 // one more than bounds: the last is beyond them
	sum    time.Duration
}

func newIngestLatency(reg prometheus.Registerer) *ingestLatency {
	l := &ingestLatency{desc: prometheus.NewDesc("hearth_iot_ingest_latency_seconds",
		"Time from a reading's arrival from NATS until its group's windows and detectors include it.", nil, nil)}
	reg.MustRegister(l)
	return l
}

// add sums counts into the histogram; the first call's bounds stay (a
// call with other bounds is ignored).
func (l *ingestLatency) add(bounds []time.Duration, counts []uint64, sum time.Duration) {
	if len(counts) != len(bounds)+1 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bounds == nil {
		l.bounds = append([]time.Duration(nil), bounds...)
		l.counts = make([]uint64, len(counts))
	}
	if len(bounds) != len(l.bounds) {
		return
	}
	for i, n := range counts {
		l.counts[i] += n
	}
	l.sum += sum
}

// Describe implements prometheus.Collector.
func (l *ingestLatency) Describe(ch chan<- *prometheus.Desc) { ch <- l.desc }

// Collect implements prometheus.Collector.
func (l *ingestLatency) Collect(ch chan<- prometheus.Metric) {
	l.mu.Lock()
	defer l.mu.Unlock()
	buckets := make(map[float64]uint64, len(l.bounds))
	var total uint64
	for i, b := range l.bounds {
		total += l.counts[i]
		buckets[b.Seconds()] = total
	}
	if len(l.counts) > 0 {
		total += l.counts[len(l.counts)-1]
	}
	ch <- prometheus.MustNewConstHistogram(l.desc, total, l.sum.Seconds(), buckets)
}

// ReadingsApplied adds a device group's ingest latencies; Metrics
// implements the observer interface declared by package iot with it.
func (m *Metrics) ReadingsApplied(bounds []time.Duration, counts []uint64, sum time.Duration) {
	m.ingestLatency.add(bounds, counts, sum)
}
