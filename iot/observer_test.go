package iot

import (
	"testing"
	"time"
)

func TestIngestLatencyBuckets(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int
	}{
		{0, 0}, {1, 0}, {latencyBase, 0}, {latencyBase + 1, 1}, {2 * latencyBase, 1},
		{time.Millisecond, 6}, {time.Millisecond + 1, 7}, {LatencyBound(LatencyBuckets - 1), LatencyBuckets - 1},
		{LatencyBound(LatencyBuckets-1) + 1, LatencyBuckets}, {time.Hour, LatencyBuckets},
	} {
		var l IngestLatency
		l.add(c.d)
		if l.Counts[c.want] != 1 {
			t.Errorf("%v: counts %v, want bucket %d", c.d, l.Counts, c.want)
		}
	}
	if LatencyBound(6) != time.Millisecond {
		t.Fatalf("1 ms is not a bound: %v", LatencyBound(6))
	}
}
