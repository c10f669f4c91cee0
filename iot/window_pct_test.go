package iot

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// timed is one reading as a test remembers it.
type timed struct {
	t int64
	v float64
}

// exactInWindow returns the sorted values of the readings in the panes a
// window covers at now, as Stats chooses them.
func exactInWindow(w *Window, all []timed, now int64) []float64 {
	nowK := now / w.pane
	from, to := max(nowK, w.head)-int64(len(w.panes))+1, min(nowK, w.head)
	var in []float64
	for _, r := range all {
		if k := r.t / w.pane; k >= from && k <= to {
			in = append(in, r.v)
		}
	}
	slices.Sort(in)
	return in
}

// checkPercentiles fails unless each of s's percentiles is within
// s.QuantileError of the exact value at its rank.
func checkPercentiles(t *testing.T, s Stats, sorted []float64) {
	t.Helper()
	if s.Count != len(sorted) {
		t.Fatalf("count %d, want %d", s.Count, len(sorted))
	}
	if s.QuantileError < pctAlpha*(1-1e-9) || s.QuantileError >= 1 {
		t.Fatalf("quantile error %g", s.QuantileError)
	}
	for _, c := range []struct {
		got, q float64
	}{{s.P50, 0.5}, {s.P90, 0.9}, {s.P99, 0.99}} {
		exact := sorted[int(c.q*float64(len(sorted)-1))]
		if math.Abs(c.got-exact) > s.QuantileError*math.Abs(exact)*(1+1e-9) {
			t.Errorf("p%g = %g, exact %g, beyond ±%.3g", c.q*100, c.got, exact, s.QuantileError)
		}
	}
}

// Device percentiles are within the reported relative error of the exact
// ones over the panes in the window, for several distributions, while the
// window slides and readings arrive out of order, and the sketch never
// outgrows its limit. At 100 Hz a wide distribution (lognormal, or
// uniform across zero) needs many collapses to fit: the error grows, and
// the bound holds.
func TestWindowPercentilesAccuracy(t *testing.T) {
	dists := map[string]func(r *rand.Rand) float64{
		"temperature": func(r *rand.Rand) float64 { return 20 + 0.5*r.NormFloat64() },
		"lognormal":   func(r *rand.Rand) float64 { return math.Exp(2 * r.NormFloat64()) },
		"signed":      func(r *rand.Rand) float64 { return 100*r.Float64() - 50 },
		"zeros":       func(r *rand.Rand) float64 { return float64(r.IntN(3)) },
		"constant":    func(*rand.Rand) float64 { return 3.25 },
		"tiny":        func(r *rand.Rand) float64 { return 1e-200 * r.Float64() },
	}
	for name, gen := range dists {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 7))
			w := NewWindow(time.Minute, 12)
			w.KeepPercentiles(pctLimit)
			base := int64(1_700_000_000) * int64(time.Second)
			var all []timed
			for i := range 9000 { // 90 s at 100 Hz, some up to 3 s late
				ts := base + int64(i)*int64(10*time.Millisecond) - r.Int64N(int64(3*time.Second))
				v := gen(r)
				if w.Add(ts, v) {
					all = append(all, timed{ts, v})
				}
				if len(w.live()) > pctLimit {
					t.Fatalf("%d sketch entries, limit %d", len(w.live()), pctLimit)
				}
				if i%1500 == 1499 {
					now := base + int64(i)*int64(10*time.Millisecond)
					if name == "tiny" { // below the smallest bucket: reported as its value
						continue
					}
					checkPercentiles(t, w.Stats(now), exactInWindow(w, all, now))
				}
			}
		})
	}
}

// A pane whose bucket passes 65,535 readings continues in a second entry
// with the same key, and percentiles still count them all.
func TestWindowPercentilesCountOverflow(t *testing.T) {
	w := NewWindow(time.Hour, 12)
	w.KeepPercentiles(pctLimit)
	base := int64(1_700_000_000) * int64(time.Second)
	var vals []float64
	for i := range 80_000 {
		v := 10.0
		if i%10 == 0 {
			v = 1000
		}
		w.Add(base+int64(i)*int64(time.Millisecond), v)
		vals = append(vals, v)
	}
	if w.panes[mod(w.head, 12)].nb != 3 {
		t.Fatalf("entries %x: want 10 split in two and 1000", w.live())
	}
	slices.Sort(vals)
	checkPercentiles(t, w.Stats(base+int64(80*time.Second)), vals)
}

// Collapsing merges buckets in pairs: a value's key after s collapses is
// its key collapsed s times one at a time, and each scale's value for a
// key is within that scale's error of every value in the bucket.
func TestPercentileKeysCollapse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 9))
	for range 10_000 {
		v := math.Exp(40*r.NormFloat64()) * float64(1-2*r.IntN(2))
		k := pctKey(v)
		step := k
		for s := uint8(0); s <= pctMaxScale; s++ {
			if got := pctScaled(k, s); got != step {
				t.Fatalf("%g: key %d at scale %d is %d, step by step %d", v, k, s, got, step)
			}
			if math.Abs(v) > 1e-140 && math.Abs(v) < 1e140 {
				if est := pctValue(step, s); math.Abs(est-v) > pctError(s)*math.Abs(v)*(1+1e-9) {
					t.Fatalf("%g at scale %d reported %g, error bound %g", v, s, est, pctError(s))
				}
			}
			step = pctScaled(step, 1)
		}
	}
}

// A temperature-like sensor at 1 Hz keeps 1 % percentiles in every
// default window for an hour: its sketches fit without collapsing.
func TestDevicePercentilesAtOneHertz(t *testing.T) {
	var o Options
	o = o.withDefaults()
	d := &device{}
	r := rand.New(rand.NewPCG(5, 5))
	base := int64(1_700_000_000) * int64(time.Second)
	var all []timed
	for s := range 3600 {
		ts := base + int64(s)*int64(time.Second)
		v := 21 + 2*math.Sin(float64(s)/600) + 0.2*r.NormFloat64()
		d.observe(Reading{Time: ts, Metrics: []Metric{{Name: "temp", Value: v}}}, ts, &o)
		all = append(all, timed{ts, v})
	}
	now := base + int64(3599)*int64(time.Second)
	for _, w := range d.lookup("temp").windows {
		st := w.Stats(now)
		if st.QuantileError > pctAlpha*(1+1e-9) {
			t.Errorf("%v window: quantile error %g after %d collapses", w.Len, st.QuantileError, w.scale)
		}
		checkPercentiles(t, st, exactInWindow(w, all, now))
	}
}

// The keys' range holds magnitudes from 1e-140 to 1e140 in buckets of
// their own.
func TestPercentileKeyRange(t *testing.T) {
	for _, v := range []float64{1e-140, 1e140, -1e-140, -1e140} {
		if k := pctKey(v); k == 1 || k == -1 || k == pctMaxMag || k == -pctMaxMag {
			t.Errorf("%g takes the end bucket %d", v, k)
		}
	}
}

// A group window (2,048 entries) keeps percentiles of many devices'
// values within the error it reports, and that error stays small.
func TestGroupWindowPercentiles(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	w := NewWindow(time.Minute, 12)
	w.KeepPercentiles(groupPctLimit)
	base := int64(1_700_000_000) * int64(time.Second)
	var all []timed
	for i := range 60_000 { // 60 s at 1 kHz
		ts := base + int64(i)*int64(time.Millisecond)
		v := math.Exp(r.NormFloat64()) * 100
		w.Add(ts, v)
		all = append(all, timed{ts, v})
	}
	now := base + int64(60*time.Second) - 1
	st := w.Stats(now)
	if st.QuantileError > 0.021 {
		t.Errorf("quantile error %g", st.QuantileError)
	}
	checkPercentiles(t, st, exactInWindow(w, all, now))
}
