package loadtest

import (
	"testing"
	"time"
)

func TestHistPercentiles(t *testing.T) {
	h := NewHist()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	l := h.Summarize("x")
	if l.Count != 1000 || !near(l.P50, 500) || !near(l.P90, 900) || !near(l.P99, 990) || !near(l.P999, 999) || !near(l.Max, 1000) || !near(l.Mean, 500.5) {
		t.Fatalf("summary %+v", l)
	}
	if e := NewHist().Summarize("empty"); e.Count != 0 || e.Max != 0 {
		t.Fatalf("empty summary %+v", e)
	}
}

// A measurement stalled for 10 intervals stands for the 9 that could not
// be taken meanwhile, as a steady sender would have seen them.
func TestHistCoordinatedOmission(t *testing.T) {
	h := NewHist()
	for range 90 {
		h.RecordCorrected(time.Millisecond, 10*time.Millisecond)
	}
	h.RecordCorrected(100*time.Millisecond, 10*time.Millisecond)
	l := h.Summarize("co")
	if l.Count != 100 {
		t.Fatalf("count %d, want 90 + 1 + 9 back-filled", l.Count)
	}
	if !near(l.P90, 1) || l.P99 < 80 || !near(l.Max, 100) {
		t.Fatalf("summary %+v", l)
	}
}

func TestHistClamps(t *testing.T) {
	h := NewHist()
	h.Record(-time.Second)
	h.Record(time.Hour)
	if l := h.Summarize("c"); l.Count != 2 || l.Max < 299_000 {
		t.Fatalf("summary %+v", l)
	}
}

// near reports whether got is within 0.5 % of want.
func near(got, want float64) bool { return got >= want*0.995 && got <= want*1.005 }
