package iot

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// The window's statistics equal a brute-force computation over the
// readings in the panes it covers.
func TestWindowMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	w := NewWindow(10*time.Second, 10)
	type reading struct {
		t int64
		v float64
	}
	var all []reading
	now := int64(1_700_000_000) * int64(time.Second)
	for i := range 5000 {
		now += int64(r.IntN(400)) * int64(time.Millisecond)
		ts := now - int64(r.IntN(3000))*int64(time.Millisecond) // up to 3 s late
		v := 20 + 5*math.Sin(float64(i)/50) + r.NormFloat64()
		if w.Add(ts, v) {
			all = append(all, reading{ts, v})
		}
		if i%97 != 0 {
			continue
		}
		got := w.Stats(now)
		pane := int64(time.Second)
		lo := (now/pane - 9) * pane
		var n int
		var sum, mn, mx float64
		mn, mx = math.Inf(1), math.Inf(-1)
		for _, rd := range all {
			if rd.t >= lo && rd.t/pane <= now/pane {
				n++
				sum += rd.v
				mn, mx = math.Min(mn, rd.v), math.Max(mx, rd.v)
			}
		}
		mean := sum / float64(n)
		var ss float64
		for _, rd := range all {
			if rd.t >= lo && rd.t/pane <= now/pane {
				ss += (rd.v - mean) * (rd.v - mean)
			}
		}
		sd := math.Sqrt(ss / float64(n))
		if got.Count != n || !close(got.Sum, sum) || got.Min != mn || got.Max != mx || !close(got.Stddev, sd) {
			t.Fatalf("reading %d: got %+v, want n=%d sum=%v min=%v max=%v sd=%v", i, got, n, sum, mn, mx, sd)
		}
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestWindowRefusesReadingsOlderThanIt(t *testing.T) {
	w := NewWindow(time.Minute, 12)
	base := int64(time.Hour)
	w.Add(base, 1)
	if w.Add(base-int64(2*time.Minute), 5) {
		t.Fatal("a reading two minutes older than a one-minute window was taken")
	}
	if !w.Add(base-int64(30*time.Second), 5) {
		t.Fatal("a reading within the window was refused")
	}
	if s := w.Stats(base); s.Count != 2 || s.Max != 5 {
		t.Fatalf("stats %+v", s)
	}
	// Far later, everything has slid out.
	if s := w.Stats(base + int64(time.Hour)); s.Count != 0 {
		t.Fatalf("an hour later: %+v", s)
	}
}

// BenchmarkWindowAdd: ns per reading for 10 s, 5 min and 24 h windows at
// one reading a second (target ≤ 1 µs and flat across lengths), without
// and with percentiles (as device windows keep them).
func BenchmarkWindowAdd(b *testing.B) {
	for _, pct := range []bool{false, true} {
		for _, l := range []time.Duration{10 * time.Second, 5 * time.Minute, 24 * time.Hour} {
			b.Run(fmt.Sprintf("%v/percentiles=%v", l, pct), func(b *testing.B) {
				w := NewWindow(l, 0)
				if pct {
					w.KeepPercentiles(pctLimit)
				}
				r := rand.New(rand.NewPCG(1, 1))
				t0 := int64(1_700_000_000) * int64(time.Second)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					w.Add(t0+int64(i)*int64(time.Second), 20+r.NormFloat64())
					i++
				}
			})
		}
	}
}

// BenchmarkWindowMemory: heap for one metric's default windows (10 s,
// 1 min, 5 min, 1 h) on one device, measured over 10,000 devices (target
// ≤ 4 KiB).
func BenchmarkWindowMemory(b *testing.B) {
	const devices = 10_000
	for range b.N {
		before := heapInUse()
		all := make([][4]*Window, devices)
		for d := range all {
			for i, l := range []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, time.Hour} {
				all[d][i] = NewWindow(l, 0)
			}
		}
		b.ReportMetric(float64(heapInUse()-before)/devices, "bytes/device-metric")
		runtime.KeepAlive(all)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkDeviceMemory: heap per device for one metric at 1 Hz with the
// default windows and detectors, after an hour of readings (target
// ≤ 4 KiB), measured over 2,000 devices. The signal is temperature-like:
// a slow swing with noise of about 1 %, so percentile sketches hold what
// a real sensor gives them.
func BenchmarkDeviceMemory(b *testing.B) {
	const devices = 2_000
	var o Options
	o = o.withDefaults()
	t0 := int64(1_700_000_000) * int64(time.Second)
	for range b.N {
		before := heapInUse()
		all := make([]*device, devices)
		for d := range all {
			all[d] = &device{}
		}
		r := rand.New(rand.NewPCG(1, 2))
		for s := range 3600 {
			ts := t0 + int64(s)*int64(time.Second)
			for d, dev := range all {
				v := 20 + float64(d%7) + 2*math.Sin(float64(s)/600) + 0.2*r.NormFloat64()
				dev.observe(Reading{Time: ts, Metrics: []Metric{{Name: "temp", Value: v}}}, ts, &o)
			}
		}
		b.ReportMetric(float64(heapInUse()-before)/devices, "bytes/device")
		runtime.KeepAlive(all)
	}
}

// BenchmarkDeviceObserve: ns per reading of one metric into 10,000
// devices in turn (windows, percentile sketches and detectors; no
// runtime), the per-reading work a group does.
func BenchmarkDeviceObserve(b *testing.B) {
	const devices = 10_000
	var o Options
	o = o.withDefaults()
	all := make([]*device, devices)
	for d := range all {
		all[d] = &device{}
	}
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = 20 + 2*r.NormFloat64()
	}
	t0 := int64(1_700_000_000) * int64(time.Second)
	ms := []Metric{{Name: "temp"}}
	i := 0
	for b.Loop() {
		ts := t0 + int64(i/devices)*int64(time.Second)
		ms[0].Value = vals[i%len(vals)]
		all[i%devices].observe(Reading{Time: ts, Metrics: ms}, ts, &o)
		i++
	}
}
