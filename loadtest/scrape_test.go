package loadtest

import (
	"math"
	"strings"
	"testing"
	"time"
)

const metricsBefore = `# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 10
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1e+08
# TYPE hearth_inputs_rejected_total counter
hearth_inputs_rejected_total{reason="stale"} 1
hearth_inputs_rejected_total{reason="invalid"} 2
# TYPE hearth_tick_lateness_seconds histogram
hearth_tick_lateness_seconds_bucket{le="0.001"} 10
hearth_tick_lateness_seconds_bucket{le="0.01"} 10
hearth_tick_lateness_seconds_bucket{le="+Inf"} 10
hearth_tick_lateness_seconds_sum 0.005
hearth_tick_lateness_seconds_count 10
`

const metricsAfter = `# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2e+08
# TYPE hearth_inputs_rejected_total counter
hearth_inputs_rejected_total{reason="stale"} 4
hearth_inputs_rejected_total{reason="invalid"} 2
# TYPE hearth_tick_lateness_seconds histogram
hearth_tick_lateness_seconds_bucket{le="0.001"} 105
hearth_tick_lateness_seconds_bucket{le="0.01"} 110
hearth_tick_lateness_seconds_bucket{le="+Inf"} 110
hearth_tick_lateness_seconds_sum 0.105
hearth_tick_lateness_seconds_count 110
`

func parse(t *testing.T, s string) *Metrics {
	t.Helper()
	m, err := ParseMetrics(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestServerView(t *testing.T) {
	before, after := parse(t, metricsBefore), parse(t, metricsAfter)
	after.At = before.At.Add(5 * time.Second)
	v := NewServerView(before, after)
	if v.CPUSeconds != 2.5 || v.CPUCores != 0.5 || v.RSSBefore != 1e8 || v.RSSAfter != 2e8 || v.InputsRejected != 3 {
		t.Fatalf("view %+v", v)
	}
	// 100 ticks: 95 under 1 ms, 5 under 10 ms, 0.1 s in all.
	if v.Ticks != 100 || v.TickLatenessMeanMs != 1 || v.TickLatenessP99Ms != 10 {
		t.Fatalf("tick lateness %+v", v)
	}
	if got := before.Value("nosuch"); got != 0 {
		t.Fatalf("absent metric %v", got)
	}
}

func TestBucketsEdges(t *testing.T) {
	var empty Buckets
	if !math.IsNaN(empty.Quantile(0.5)) || !math.IsNaN(empty.Mean()) || finite(empty.Mean()) != -1 {
		t.Fatal("empty histogram")
	}
	b := Buckets{Bounds: []float64{1}, Counts: []uint64{1}, Count: 2}
	if !math.IsInf(b.Quantile(0.99), 1) {
		t.Fatal("past the last bucket")
	}
}

func FuzzParseMetrics(f *testing.F) {
	f.Add(metricsBefore)
	f.Add(metricsAfter)
	f.Add("x 1\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMetrics(strings.NewReader(s))
		if err != nil {
			return
		}
		for name := range m.families {
			_ = m.Value(name)
			b := m.Histogram(name)
			_ = b.Since(b).Quantile(0.99)
		}
	})
}
