package iot

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Percentiles over the window are within the sketch's relative error of
// the exact ones.
func TestQuantileWindowAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	w := NewQuantileWindow(time.Minute, 12)
	base := int64(1_700_000_000) * int64(time.Second)
	var in []float64
	for i := range 6000 {
		ts := base + int64(i)*int64(10*time.Millisecond) // 60 s of readings
		v := math.Exp(r.NormFloat64()) * 100
		w.Add(ts, v)
		in = append(in, v)
	}
	now := base + int64(60*time.Second) - 1
	p50, p90, p99, ok := w.Quantiles(now)
	if !ok {
		t.Fatal("no quantiles")
	}
	// The window covers the panes within a minute before now: all of them.
	slices.Sort(in)
	for _, c := range []struct {
		got float64
		q   float64
	}{{p50, 0.5}, {p90, 0.9}, {p99, 0.99}} {
		exact := in[int(c.q*float64(len(in)-1))]
		if math.Abs(c.got-exact)/exact > 0.03 {
			t.Errorf("p%.0f = %.2f, exact %.2f", c.q*100, c.got, exact)
		}
	}
}

func BenchmarkQuantileWindowAdd(b *testing.B) {
	w := NewQuantileWindow(time.Hour, 0)
	t0 := int64(1_700_000_000) * int64(time.Second)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w.Add(t0+int64(i)*int64(time.Second), float64(i%1000))
		i++
	}
}
