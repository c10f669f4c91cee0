package main

import (
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/transport"
)

// health is the "server" stream's value: what the server is doing now.
// Rates and tick lateness cover the time since the previous sample.
type health struct {
	start  time.Time
	hub    *transport.Hub
	rt     *session.Runtime
	ingest func() transport.IngestStats
	gather prometheus.Gatherer

	mu       sync.Mutex
	prevAt   time.Time
	prevRecv int64
	prevLate []uint64 // cumulative tick-lateness bucket counts
}

// Health is one sample.
type Health struct {
	UptimeS     float64                      `json:"uptime_s"`
	Connections int                          `json:"connections"`
	Objects     map[string]session.KindStats `json:"objects"`
	IngestRate  float64                      `json:"ingest_per_s"`
	Ingest      transport.IngestStats        `json:"ingest"`
	TickP50Ms   float64                      `json:"tick_lateness_p50_ms"`
	TickP99Ms   float64                      `json:"tick_lateness_p99_ms"`
	Ticks       uint64                       `json:"ticks"` // since the previous sample
	Goroutines  int                          `json:"goroutines"`
	HeapBytes   uint64                       `json:"heap_bytes"`
	RSSBytes    float64                      `json:"rss_bytes"`
}

func (h *health) sample() Health {
	now := time.Now()
	v := Health{UptimeS: math.Round(now.Sub(h.start).Seconds()), Connections: h.hub.Conns(),
		Objects: map[string]session.KindStats{}, Goroutines: runtime.NumGoroutine()}
	for _, k := range h.rt.Stats() {
		v.Objects[k.Kind] = k
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	v.HeapBytes = ms.HeapAlloc
	bounds, late, rss := h.scrape()
	v.RSSBytes = rss
	if h.ingest != nil {
		v.Ingest = h.ingest()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.prevAt.IsZero() {
		v.IngestRate = math.Round(float64(v.Ingest.Received-h.prevRecv) / now.Sub(h.prevAt).Seconds())
	}
	if len(h.prevLate) == len(late) {
		v.Ticks, v.TickP50Ms, v.TickP99Ms = quantiles(bounds, h.prevLate, late)
	}
	h.prevAt, h.prevRecv, h.prevLate = now, v.Ingest.Received, late
	return v
}

// scrape reads the tick-lateness histogram (bucket bounds and cumulative
// counts, the last bucket +Inf) and the resident memory.
func (h *health) scrape() (bounds []float64, counts []uint64, rss float64) {
	families, _ := h.gather.Gather()
	for _, f := range families {
		switch f.GetName() {
		case "hearth_tick_lateness_seconds":
			hist := f.GetMetric()[0].GetHistogram()
			for _, b := range hist.GetBucket() {
				bounds = append(bounds, b.GetUpperBound())
				counts = append(counts, b.GetCumulativeCount())
			}
			bounds = append(bounds, math.Inf(1))
			counts = append(counts, hist.GetSampleCount())
		case "process_resident_memory_bytes":
			rss = gaugeValue(f)
		}
	}
	return bounds, counts, rss
}

func gaugeValue(f *dto.MetricFamily) float64 {
	if m := f.GetMetric(); len(m) > 0 {
		return m[0].GetGauge().GetValue()
	}
	return 0
}

// quantiles returns the ticks between two cumulative histograms and the
// upper bounds (ms) of the buckets holding their median and 99th
// percentile.
func quantiles(bounds []float64, before, after []uint64) (n uint64, p50, p99 float64) {
	n = after[len(after)-1] - before[len(before)-1]
	if n == 0 {
		return 0, 0, 0
	}
	at := func(q float64) float64 {
		want := uint64(math.Ceil(q * float64(n)))
		for i := range after {
			if after[i]-before[i] >= want {
				return bounds[i] * 1000
			}
		}
		return math.Inf(1)
	}
	p50, p99 = at(0.5), at(0.99)
	if math.IsInf(p99, 1) { // beyond the last bucket: report the last bound
		p99 = bounds[len(bounds)-2] * 1000
	}
	if math.IsInf(p50, 1) {
		p50 = p99
	}
	return n, p50, p99
}
