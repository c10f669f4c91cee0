package loadtest

import (
	"testing"
	"time"
)

func TestTimeline(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tl := newTimeline("rt", "inputs", true, t0)
	for i := range 100 {
		tl.Record(t0.Add(200*time.Millisecond), time.Duration(i+1)*time.Millisecond)
	}
	tl.Record(t0.Add(2500*time.Millisecond), 7*time.Millisecond)
	tl.Record(t0.Add(-time.Second), time.Millisecond) // before the start: second 0
	got := tl.Summarize()
	if got.Name != "rt" || !got.Latency || len(got.Points) != 3 {
		t.Fatalf("%+v", got)
	}
	p := got.Points[0]
	if p.Count != 101 || p.P50 < 49 || p.P50 > 51 || p.P99 < 98 || p.P99 > 101 || p.Max < 99 {
		t.Errorf("second 0: %+v", p)
	}
	if got.Points[1].Count != 0 || got.Points[1].P99 != 0 || got.Points[2].T != 2 || got.Points[2].Count != 1 {
		t.Errorf("seconds 1, 2: %+v", got.Points[1:])
	}

	c := newTimeline("n", "msgs", false, t0)
	c.Count(t0.Add(time.Hour*2), 5) // folded into the last second kept
	if s := c.Summarize(); len(s.Points) != maxSeconds || s.Points[maxSeconds-1].Count != 5 || s.Latency {
		t.Errorf("bounded: %d points", len(s.Points))
	}

	var none *timeline
	none.Count(t0, 1)
	none.Record(t0, time.Second)
}
