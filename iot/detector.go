package iot

import (
	"fmt"
	"math"
)

// Detector looks at one metric of one device, one reading at a time, in
// O(1) time and space per reading, and reports readings it finds
// anomalous. Implementations keep their own state; one detector instance
// serves one (device, metric). Checkpoints encode a detector with msgpack:
// state fields are exported and tagged, configuration fields are tagged
// "-" (they come from the configuration on restore).
type Detector interface {
	// Name identifies the detector in alerts ("ewma_z", "threshold", …).
	Name() string
	// Observe takes a reading at event time t (unix ns) and returns a
	// finding when the reading is anomalous.
	Observe(t int64, v float64) (Finding, bool)
}

// Finding explains an anomalous reading: which detector, the value, the
// range it expected, and how far out the value is (Score ≥ 1 means
// outside; 0–1 scaled by the detector's threshold).
type Finding struct {
	Detector string  `json:"detector" msgpack:"detector"`
	Value    float64 `json:"value" msgpack:"value"`
	Low      float64 `json:"expected_low" msgpack:"expected_low"`
	High     float64 `json:"expected_high" msgpack:"expected_high"`
	Score    float64 `json:"score" msgpack:"score"`
	Reason   string  `json:"reason" msgpack:"reason"`
}

// Threshold flags values outside static bounds.
type Threshold struct {
	Min float64 `msgpack:"-"`
	Max float64 `msgpack:"-"`
}

var _ Detector = (*Threshold)(nil)

// Name implements Detector.
func (*Threshold) Name() string { return "threshold" }

// Observe implements Detector.
func (d *Threshold) Observe(_ int64, v float64) (Finding, bool) {
	if v >= d.Min && v <= d.Max {
		return Finding{}, false
	}
	span := math.Max(d.Max-d.Min, 1e-12)
	excess := math.Max(d.Min-v, v-d.Max)
	return Finding{Detector: d.Name(), Value: v, Low: d.Min, High: d.Max, Score: 1 + excess/span,
		Reason: fmt.Sprintf("%.4g outside [%.4g, %.4g]", v, d.Min, d.Max)}, true
}

// EWMAZ flags values more than Z standard deviations from an
// exponentially weighted moving mean, with the deviation itself tracked
// as an EWMA of squared differences. It learns for Warmup readings before
// it reports anything.
type EWMAZ struct {
	Alpha  float64 `msgpack:"-"` // weight of a new reading, e.g. 0.05
	Z      float64 `msgpack:"-"` // threshold in standard deviations, e.g. 4
	Warmup int     `msgpack:"-"`

	// State, checkpointed with the device.
	N    int     `msgpack:"n"`
	Mean float64 `msgpack:"mean"`
	Sq   float64 `msgpack:"sq"`
}

var _ Detector = (*EWMAZ)(nil)

// Name implements Detector.
func (*EWMAZ) Name() string { return "ewma_z" }

// Observe implements Detector.
func (d *EWMAZ) Observe(_ int64, v float64) (Finding, bool) {
	if d.N == 0 {
		d.Mean = v
	}
	d.N++
	diff := v - d.Mean
	sd := math.Sqrt(d.Sq)
	var f Finding
	flagged := false
	if d.N > d.Warmup && sd > 0 && math.Abs(diff) > d.Z*sd {
		f = Finding{Detector: d.Name(), Value: v, Low: d.Mean - d.Z*sd, High: d.Mean + d.Z*sd,
			Score: math.Abs(diff) / (d.Z * sd), Reason: fmt.Sprintf("%.1f standard deviations from the moving mean %.4g", math.Abs(diff)/sd, d.Mean)}
		flagged = true
	}
	// Anomalies update the baseline slowly, so one spike does not become
	// the new normal.
	a := d.Alpha
	if flagged {
		a /= 10
	}
	d.Mean += a * diff
	d.Sq = (1-a)*d.Sq + a*diff*diff
	return f, flagged
}

// RateOfChange flags jumps faster than MaxPerSecond between consecutive
// readings.
type RateOfChange struct {
	MaxPerSecond float64 `msgpack:"-"`

	Last  float64 `msgpack:"last"`
	LastT int64   `msgpack:"last_t"`
	Seen  bool    `msgpack:"seen"`
}

var _ Detector = (*RateOfChange)(nil)

// Name implements Detector.
func (*RateOfChange) Name() string { return "rate_of_change" }

// Observe implements Detector.
func (d *RateOfChange) Observe(t int64, v float64) (Finding, bool) {
	defer func() { d.Last, d.LastT, d.Seen = v, t, true }()
	if !d.Seen || t <= d.LastT {
		return Finding{}, false
	}
	dt := float64(t-d.LastT) / 1e9
	rate := (v - d.Last) / dt
	if math.Abs(rate) <= d.MaxPerSecond {
		return Finding{}, false
	}
	allowed := d.MaxPerSecond * dt
	return Finding{Detector: d.Name(), Value: v, Low: d.Last - allowed, High: d.Last + allowed,
		Score: math.Abs(rate) / d.MaxPerSecond, Reason: fmt.Sprintf("changed %.4g/s, limit %.4g/s", rate, d.MaxPerSecond)}, true
}

// Flatline flags a sensor stuck at one value: Count consecutive readings
// within Epsilon of each other.
type Flatline struct {
	Count   int     `msgpack:"-"`
	Epsilon float64 `msgpack:"-"`

	Ref  float64 `msgpack:"ref"`
	Same int     `msgpack:"same"`
}

var _ Detector = (*Flatline)(nil)

// Name implements Detector.
func (*Flatline) Name() string { return "flatline" }

// Observe implements Detector.
func (d *Flatline) Observe(_ int64, v float64) (Finding, bool) {
	if d.Same > 0 && math.Abs(v-d.Ref) <= d.Epsilon {
		d.Same++
	} else {
		d.Ref, d.Same = v, 1
	}
	if d.Same < d.Count {
		return Finding{}, false
	}
	return Finding{Detector: d.Name(), Value: v, Low: v, High: v, Score: float64(d.Same) / float64(d.Count),
		Reason: fmt.Sprintf("%d readings in a row at %.4g", d.Same, d.Ref)}, true
}

// RelDeviation flags values further than MaxFraction from an
// exponentially weighted moving mean (e.g. 0.3: more than 30 % off).
type RelDeviation struct {
	Alpha       float64 `msgpack:"-"`
	MaxFraction float64 `msgpack:"-"`
	Warmup      int     `msgpack:"-"`

	N    int     `msgpack:"n"`
	Mean float64 `msgpack:"mean"`
}

var _ Detector = (*RelDeviation)(nil)

// Name implements Detector.
func (*RelDeviation) Name() string { return "relative_deviation" }

// Observe implements Detector.
func (d *RelDeviation) Observe(_ int64, v float64) (Finding, bool) {
	if d.N == 0 {
		d.Mean = v
	}
	d.N++
	ref := math.Abs(d.Mean)
	dev := math.Abs(v - d.Mean)
	flagged := d.N > d.Warmup && ref > 1e-12 && dev > d.MaxFraction*ref
	var f Finding
	if flagged {
		f = Finding{Detector: d.Name(), Value: v, Low: d.Mean - d.MaxFraction*ref, High: d.Mean + d.MaxFraction*ref,
			Score: dev / (d.MaxFraction * ref), Reason: fmt.Sprintf("%.0f%% from the moving mean %.4g", 100*dev/ref, d.Mean)}
	}
	a := d.Alpha
	if flagged {
		a /= 10
	}
	d.Mean += a * (v - d.Mean)
	return f, flagged
}

// RobustZ flags values whose distance from a running median exceeds Z
// scaled median absolute deviations. Median and MAD are tracked by
// stochastic approximation (each reading nudges them by Step times the
// current MAD toward itself), O(1) and barely moved by outliers, so a
// burst of spikes does not shift the baseline the way a mean would.
type RobustZ struct {
	Z      float64 `msgpack:"-"` // e.g. 5
	Step   float64 `msgpack:"-"` // e.g. 0.05
	Warmup int     `msgpack:"-"`

	N   int     `msgpack:"n"`
	Med float64 `msgpack:"med"`
	MAD float64 `msgpack:"mad"`
}

var _ Detector = (*RobustZ)(nil)

// Name implements Detector.
func (*RobustZ) Name() string { return "robust_z" }

// Observe implements Detector.
func (d *RobustZ) Observe(_ int64, v float64) (Finding, bool) {
	if d.N == 0 {
		d.Med, d.MAD = v, math.Abs(v)*0.01+1e-9
	}
	d.N++
	scale := 1.4826 * d.MAD // MAD → standard deviation for normal data
	dev := math.Abs(v - d.Med)
	flagged := d.N > d.Warmup && dev > d.Z*scale
	var f Finding
	if flagged {
		f = Finding{Detector: d.Name(), Value: v, Low: d.Med - d.Z*scale, High: d.Med + d.Z*scale,
			Score: dev / (d.Z * scale), Reason: fmt.Sprintf("%.1f robust deviations from the running median %.4g", dev/scale, d.Med)}
	}
	step := d.Step * d.MAD
	d.Med += step * sign(v-d.Med)
	d.MAD = math.Max(d.MAD+d.Step*d.MAD*sign(dev-d.MAD), 1e-12)
	return f, flagged
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
