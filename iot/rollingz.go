package iot

import (
	"fmt"
	"math"
)

// RollingZ flags values more than Z standard deviations from the mean of
// the device's previous N readings (a rolling, equally weighted window,
// where EWMAZ forgets gradually). O(1) per reading: running sums over a
// ring, re-summed every N readings so rounding cannot accumulate; the
// sums are taken about the window's first value (Shift) to keep the
// variance from cancelling away. It reports once the window is full.
type RollingZ struct {
	N int     `msgpack:"-"` // window length in readings, e.g. 60
	Z float64 `msgpack:"-"` // threshold in standard deviations, e.g. 4

	// State, checkpointed with the device.
	Ring  []float64 `msgpack:"ring"`
	Pos   int       `msgpack:"pos"`
	Shift float64   `msgpack:"shift"`
	Sum   float64   `msgpack:"sum"`
	SumSq float64   `msgpack:"sumsq"`
}

var _ Detector = (*RollingZ)(nil)

// Name implements Detector.
func (*RollingZ) Name() string { return "rolling_z" }

// Observe implements Detector.
func (d *RollingZ) Observe(_ int64, v float64) (Finding, bool) {
	if len(d.Ring) > d.N || d.Pos >= max(d.N, 1) { // restored under another N
		*d = RollingZ{N: d.N, Z: d.Z}
	}
	f, flagged := d.check(v)
	d.push(v)
	return f, flagged
}

func (d *RollingZ) check(v float64) (Finding, bool) {
	if d.N < 2 || len(d.Ring) < d.N {
		return Finding{}, false
	}
	n := float64(d.N)
	m := d.Sum / n
	sd := math.Sqrt(max(d.SumSq/n-m*m, 0))
	mean := d.Shift + m
	diff := math.Abs(v - mean)
	if sd == 0 || diff <= d.Z*sd {
		return Finding{}, false
	}
	return Finding{Detector: d.Name(), Value: v, Low: mean - d.Z*sd, High: mean + d.Z*sd, Score: diff / (d.Z * sd),
		Reason: fmt.Sprintf("%.1f standard deviations from the mean %.4g of the last %d readings", diff/sd, mean, d.N)}, true
}

func (d *RollingZ) push(v float64) {
	if len(d.Ring) == 0 {
		d.Shift = v
	}
	x := v - d.Shift
	if len(d.Ring) < d.N {
		d.Ring = append(d.Ring, x)
	} else {
		old := d.Ring[d.Pos]
		d.Sum -= old
		d.SumSq -= old * old
		d.Ring[d.Pos] = x
	}
	d.Sum += x
	d.SumSq += x * x
	d.Pos = (d.Pos + 1) % max(d.N, 1)
	if d.Pos == 0 {
		d.resum()
	}
}

// resum recomputes the sums exactly, once per window, about a new shift.
func (d *RollingZ) resum() {
	var s float64
	for _, x := range d.Ring {
		s += x
	}
	shift := s / float64(len(d.Ring)) // the window's mean, relative to the old shift
	d.Sum, d.SumSq = 0, 0
	for i, x := range d.Ring {
		x -= shift
		d.Ring[i] = x
		d.Sum += x
		d.SumSq += x * x
	}
	d.Shift += shift
}
