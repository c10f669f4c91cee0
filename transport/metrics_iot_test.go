package transport

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Counts handed over by groups add up into one cumulative histogram.
func TestIngestLatencyHistogram(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	bounds := []time.Duration{time.Millisecond, 2 * time.Millisecond}
	m.ReadingsApplied(bounds, []uint64{3, 1, 1}, 10*time.Millisecond)
	m.ReadingsApplied(bounds, []uint64{2, 0, 0}, time.Millisecond)
	m.ReadingsApplied([]time.Duration{time.Second}, []uint64{7, 7}, time.Hour) // other bounds: ignored
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "hearth_iot_ingest_latency_seconds" {
			continue
		}
		h := f.GetMetric()[0].GetHistogram()
		b := h.GetBucket()
		if h.GetSampleCount() != 7 || h.GetSampleSum() != 0.011 || len(b) != 2 ||
			b[0].GetUpperBound() != 0.001 || b[0].GetCumulativeCount() != 5 || b[1].GetCumulativeCount() != 6 {
			t.Fatalf("histogram %v", h)
		}
		return
	}
	t.Fatal("no hearth_iot_ingest_latency_seconds")
}
