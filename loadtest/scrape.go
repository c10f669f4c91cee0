package loadtest

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics is one scrape of the server's /metrics.
type Metrics struct {
	At       time.Time
	families map[string]*dto.MetricFamily
}

// maxMetricsBody bounds what a scrape reads.
const maxMetricsBody = 16 << 20

// Scrape reads http://addr/metrics.
func Scrape(ctx context.Context, addr string) (*Metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("loadtest: scrape: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadtest: scrape: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadtest: scrape: %s", resp.Status)
	}
	return ParseMetrics(io.LimitReader(resp.Body, maxMetricsBody))
}

// ParseMetrics reads the Prometheus text format.
func ParseMetrics(r io.Reader) (*Metrics, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("loadtest: metrics: %w", err)
	}
	return &Metrics{At: time.Now(), families: fams}, nil
}

// Value sums every series of a counter, gauge or untyped metric; 0 when
// it is absent.
func (m *Metrics) Value(name string) float64 {
	if m == nil {
		return 0
	}
	f, ok := m.families[name]
	if !ok {
		return 0
	}
	var sum float64
	for _, s := range f.GetMetric() {
		switch {
		case s.Counter != nil:
			sum += s.Counter.GetValue()
		case s.Gauge != nil:
			sum += s.Gauge.GetValue()
		case s.Untyped != nil:
			sum += s.Untyped.GetValue()
		}
	}
	return sum
}

// Buckets is a histogram metric merged over its series: cumulative
// counts by upper bound, plus the sum and count.
type Buckets struct {
	Bounds []float64
	Counts []uint64
	Sum    float64
	Count  uint64
}

// Histogram returns the named histogram merged over its series.
func (m *Metrics) Histogram(name string) Buckets {
	var b Buckets
	if m == nil {
		return b
	}
	f, ok := m.families[name]
	if !ok {
		return b
	}
	for _, s := range f.GetMetric() {
		h := s.GetHistogram()
		if h == nil {
			continue
		}
		b.Sum += h.GetSampleSum()
		b.Count += h.GetSampleCount()
		for i, bk := range h.GetBucket() {
			if i >= len(b.Bounds) {
				b.Bounds = append(b.Bounds, bk.GetUpperBound())
				b.Counts = append(b.Counts, 0)
			}
			b.Counts[i] += bk.GetCumulativeCount()
		}
	}
	return b
}

// Since returns the observations made between before and b (same
// buckets).
func (b Buckets) Since(before Buckets) Buckets {
	out := Buckets{Bounds: b.Bounds, Counts: make([]uint64, len(b.Counts)), Sum: b.Sum - before.Sum, Count: b.Count - before.Count}
	for i := range b.Counts {
		out.Counts[i] = b.Counts[i]
		if i < len(before.Counts) {
			out.Counts[i] -= min(before.Counts[i], b.Counts[i])
		}
	}
	return out
}

// Quantile returns the upper bound of the bucket holding quantile q
// (0–1): an upper estimate, as precise as the buckets. +Inf when it lies
// past the last bound, NaN without observations.
func (b Buckets) Quantile(q float64) float64 {
	if b.Count == 0 {
		return math.NaN()
	}
	rank := uint64(math.Ceil(q * float64(b.Count)))
	for i, c := range b.Counts {
		if c >= rank {
			return b.Bounds[i]
		}
	}
	return math.Inf(1)
}

// CountAtMost returns how many observations were at most bound, which
// must be one of the bucket bounds (0 otherwise).
func (b Buckets) CountAtMost(bound float64) uint64 {
	for i, x := range b.Bounds {
		if x == bound {
			return b.Counts[i]
		}
	}
	return 0
}

// Mean returns the mean observation, NaN without observations.
func (b Buckets) Mean() float64 {
	if b.Count == 0 {
		return math.NaN()
	}
	return b.Sum / float64(b.Count)
}
