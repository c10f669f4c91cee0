package iot

import (
	"math"
	"math/rand/v2"
	"testing"
)

// RollingZ's mean and deviation match a direct computation over the last
// N readings, also far from zero where naive sums of squares cancel.
func TestRollingZMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	d := &RollingZ{N: 50, Z: 3}
	var hist []float64
	for i := range 5000 {
		v := 1e6 + r.NormFloat64()
		if i%997 == 0 {
			v += 40 // a spike
		}
		f, got := d.Observe(int64(i), v)
		if len(hist) >= d.N {
			last := hist[len(hist)-d.N:]
			var mean, sq float64
			for _, x := range last {
				mean += x
			}
			mean /= float64(d.N)
			for _, x := range last {
				sq += (x - mean) * (x - mean)
			}
			sd := math.Sqrt(sq / float64(d.N))
			want := math.Abs(v-mean) > 3*sd
			if got != want && math.Abs(math.Abs(v-mean)/sd-3) > 1e-6 {
				t.Fatalf("reading %d: flagged %v, direct z %.4f", i, got, math.Abs(v-mean)/sd)
			}
			if got && math.Abs((f.High+f.Low)/2-mean) > 1e-6 {
				t.Fatalf("reading %d: mean %v, direct %v", i, (f.High+f.Low)/2, mean)
			}
		}
		hist = append(hist, v)
	}
}

func TestRollingZFlagsSpikeOnly(t *testing.T) {
	d := &RollingZ{N: 20, Z: 4}
	flagged := 0
	for i := range 200 {
		v := 10 + math.Sin(float64(i))
		if i == 150 {
			v = 30
		}
		if _, ok := d.Observe(int64(i), v); ok {
			flagged++
			if i != 150 {
				t.Fatalf("flagged reading %d", i)
			}
		}
	}
	if flagged != 1 {
		t.Fatalf("flagged %d", flagged)
	}
}
