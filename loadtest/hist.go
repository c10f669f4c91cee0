package loadtest

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds: 1 µs to 5 min, 3 significant digits.
const (
	histMin    = 1
	histMax    = int64(5 * time.Minute / time.Microsecond)
	histDigits = 3
)

// Hist is a latency histogram safe for concurrent use, in microseconds.
type Hist struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

// NewHist returns an empty histogram.
func NewHist() *Hist {
	return &Hist{h: hdrhistogram.New(histMin, histMax, histDigits)}
}

// Record adds one measurement.
func (h *Hist) Record(d time.Duration) {
	h.mu.Lock()
	_ = h.h.RecordValue(clampMicros(d))
	h.mu.Unlock()
}

// RecordCorrected adds one measurement of something expected every
// interval, back-filling the samples a stalled measurement would have
// missed (coordinated-omission correction).
func (h *Hist) RecordCorrected(d, interval time.Duration) {
	h.mu.Lock()
	_ = h.h.RecordCorrectedValue(clampMicros(d), max(1, interval.Microseconds()))
	h.mu.Unlock()
}

// Summarize returns the histogram's percentiles, in milliseconds.
func (h *Hist) Summarize(name string) Latency {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := Latency{Name: name, Count: h.h.TotalCount()}
	if l.Count == 0 {
		return l
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	l.Mean = h.h.Mean() / 1000
	l.P50 = ms(h.h.ValueAtQuantile(50))
	l.P90 = ms(h.h.ValueAtQuantile(90))
	l.P99 = ms(h.h.ValueAtQuantile(99))
	l.P999 = ms(h.h.ValueAtQuantile(99.9))
	l.Max = ms(h.h.Max())
	return l
}

func clampMicros(d time.Duration) int64 {
	return min(max(d.Microseconds(), histMin), histMax)
}
