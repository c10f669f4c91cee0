package tick

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The clock's heap pops deadlines in order, with pushes and pops mixed.
func TestClockHeapOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	base := time.Unix(1_700_000_000, 0)
	var h clockHeap
	var last time.Time
	for round := range 2000 {
		for range r.IntN(4) {
			h.push(clockItem{at: last.Add(time.Duration(r.IntN(1000)) * time.Microsecond)})
		}
		if len(h) == 0 || round%3 == 0 {
			continue
		}
		it := h.pop()
		if it.at.Before(last) {
			t.Fatalf("round %d: popped %v after %v", round, it.at.Sub(base), last.Sub(base))
		}
		last = it.at
	}
	for len(h) > 0 {
		it := h.pop()
		if it.at.Before(last) {
			t.Fatalf("drain: popped %v after %v", it.at.Sub(base), last.Sub(base))
		}
		last = it.at
	}
}
