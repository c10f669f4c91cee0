package iot

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// feed runs n noisy readings around mean at 1 Hz, then the given tail,
// and returns the indexes (into the whole stream) that were flagged.
func feed(d Detector, r *rand.Rand, n int, mean, noise float64, tail ...float64) []int {
	var flagged []int
	t := int64(0)
	for i := range n + len(tail) {
		v := mean + noise*r.NormFloat64()
		if i >= n {
			v = tail[i-n]
		}
		t += int64(time.Second)
		if f, ok := d.Observe(t, v); ok {
			if f.Detector != d.Name() || f.Score <= 1 && d.Name() != "flatline" || f.Reason == "" {
				panic("finding does not explain itself")
			}
			flagged = append(flagged, i)
		}
	}
	return flagged
}

func TestEWMAZFlagsSpikesNotNoise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	d := &EWMAZ{Alpha: 0.05, Z: 5, Warmup: 30}
	got := feed(d, r, 2000, 50, 1, 50, 80, 50)
	if len(got) != 1 || got[0] != 2001 {
		t.Fatalf("flagged %v, want only the spike at 2001", got)
	}
}

func TestThresholdRateFlatline(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	if got := feed(&Threshold{Min: 0, Max: 100}, r, 100, 50, 5, 101, -1); len(got) != 2 {
		t.Fatalf("threshold flagged %v", got)
	}
	if got := feed(&RateOfChange{MaxPerSecond: 10}, r, 100, 50, 0.5, 50, 75); len(got) != 1 || got[0] != 101 {
		t.Fatalf("rate of change flagged %v", got)
	}
	stuck := make([]float64, 20)
	for i := range stuck {
		stuck[i] = 42
	}
	got := feed(&Flatline{Count: 10, Epsilon: 1e-9}, r, 100, 50, 1, stuck...)
	if len(got) != 11 || got[0] != 109 {
		t.Fatalf("flatline flagged %v, want from the 10th stuck reading on", got)
	}
}

func TestDetectorsSurviveNaNFreeExtremes(t *testing.T) {
	for _, d := range []Detector{&EWMAZ{Alpha: 0.1, Z: 3}, &RobustZ{Z: 3, Step: 0.05}, &RateOfChange{MaxPerSecond: 1}, &Flatline{Count: 3}, &Threshold{Max: 1}} {
		for i, v := range []float64{0, math.MaxFloat64, -math.MaxFloat64, 1e-300, 0} {
			f, _ := d.Observe(int64(i)*int64(time.Second), v)
			if math.IsNaN(f.Score) {
				t.Fatalf("%s: NaN score on %v", d.Name(), v)
			}
		}
	}
}

// BenchmarkDetectors: ns per reading for each detector (O(1)).
func BenchmarkDetectors(b *testing.B) {
	for _, d := range []Detector{&Threshold{Max: 100}, &EWMAZ{Alpha: 0.05, Z: 4, Warmup: 30}, &RateOfChange{MaxPerSecond: 10},
		&Flatline{Count: 30}, &RelDeviation{Alpha: 0.05, MaxFraction: 0.3, Warmup: 30}, &RobustZ{Z: 5, Step: 0.05, Warmup: 30},
		&RollingZ{N: 60, Z: 4}} {
		b.Run(d.Name(), func(b *testing.B) {
			b.ReportAllocs()
			i := int64(0)
			for b.Loop() {
				i++
				d.Observe(i*int64(time.Second), float64(i%50))
			}
		})
	}
}

// The robust z-score flags spikes, and a burst of outliers does not drag
// its baseline along.
func TestRobustZ(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	d := &RobustZ{Z: 6, Step: 0.05, Warmup: 100}
	burst := make([]float64, 10)
	for i := range burst {
		burst[i] = 500
	}
	got := feed(d, r, 2000, 50, 1, burst...)
	if len(got) != 10 {
		t.Fatalf("flagged %v, want the 10 outliers", got)
	}
	if math.Abs(d.Med-50) > 3 {
		t.Fatalf("median moved to %.2f after a burst of outliers", d.Med)
	}
}
