package loadtest

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// maxSeconds bounds a timeline: a run longer than this folds its tail
// into the last second.
const maxSeconds = 3600

// Per-second histograms keep 2 significant digits (about 20 KiB each).
const timelineDigits = 2

// Timeline is one series of a run, second by second: how many events
// each second saw and, for a latency series, their percentiles.
type Timeline struct {
	Name string `json:"name"`
	// Unit of Count: what one event is ("inputs", "readings", …).
	Unit string `json:"unit"`
	// Latency is set when the points carry percentiles.
	Latency bool        `json:"latency"`
	Points  []TimePoint `json:"points"`
}

// TimePoint is one second of a timeline.
type TimePoint struct {
	T     int     `json:"t"` // seconds since the start of the run
	Count int64   `json:"count"`
	P50   float64 `json:"p50_ms,omitempty"`
	P99   float64 `json:"p99_ms,omitempty"`
	Max   float64 `json:"max_ms,omitempty"`
}

// timeline records events into one-second buckets from start. It is safe
// for concurrent use; a nil timeline records nothing.
type timeline struct {
	name, unit string
	latency    bool
	start      time.Time

	mu      sync.Mutex
	counts  []int64
	hists   []*hdrhistogram.Histogram
	touched int // buckets in use
}

func newTimeline(name, unit string, latency bool, start time.Time) *timeline {
	return &timeline{name: name, unit: unit, latency: latency, start: start}
}

// bucketLocked returns the index of the second now falls in, growing the
// buckets to it.
func (t *timeline) bucketLocked(now time.Time) int {
	i := min(max(int(now.Sub(t.start)/time.Second), 0), maxSeconds-1)
	for len(t.counts) <= i {
		t.counts = append(t.counts, 0)
		if t.latency {
			t.hists = append(t.hists, nil)
		}
	}
	t.touched = max(t.touched, i+1)
	return i
}

// Count adds n events at now.
func (t *timeline) Count(now time.Time, n int64) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.counts[t.bucketLocked(now)] += n
	t.mu.Unlock()
}

// Record adds one event at now that took d.
func (t *timeline) Record(now time.Time, d time.Duration) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	i := t.bucketLocked(now)
	t.counts[i]++
	if !t.latency {
		return
	}
	if t.hists[i] == nil {
		t.hists[i] = hdrhistogram.New(histMin, histMax, timelineDigits)
	}
	_ = t.hists[i].RecordValue(clampMicros(d))
}

// Summarize returns every second from the first to the last one
// touched, empty seconds included.
func (t *timeline) Summarize() Timeline {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := Timeline{Name: t.name, Unit: t.unit, Latency: t.latency, Points: make([]TimePoint, 0, t.touched)}
	for i := range t.touched {
		p := TimePoint{T: i, Count: t.counts[i]}
		if t.latency && t.hists[i] != nil {
			h := t.hists[i]
			p.P50 = float64(h.ValueAtQuantile(50)) / 1000
			p.P99 = float64(h.ValueAtQuantile(99)) / 1000
			p.Max = float64(h.Max()) / 1000
		}
		out.Points = append(out.Points, p)
	}
	return out
}
