package iot

import (
	"testing"
	"time"
)

func TestLatencyCountsBuckets(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int
	}{
		{0, 0}, {1, 0}, {latencyBase, 0}, {latencyBase + 1, 1}, {2 * latencyBase, 1},
		{time.Millisecond, 6}, {time.Millisecond + 1, 7}, {latencyBounds[latencyBuckets-1], latencyBuckets - 1},
		{latencyBounds[latencyBuckets-1] + 1, latencyBuckets}, {time.Hour, latencyBuckets},
	} {
		var l latencyCounts
		l.add(c.d)
		if l.counts[c.want] != 1 {
			t.Errorf("%v: counts %v, want bucket %d", c.d, l.counts, c.want)
		}
	}
	if latencyBounds[6] != time.Millisecond {
		t.Fatalf("1 ms is not a bound: %v", latencyBounds[6])
	}
}
