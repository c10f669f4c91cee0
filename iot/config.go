package iot

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// GroupConfig is a group's stored, user-editable configuration: which
// detectors run on which metrics, and event-time settings. The zero value
// means the server defaults.
type GroupConfig struct {
	AllowedLatenessMs int64 `json:"allowed_lateness_ms,omitempty" msgpack:"allowed_lateness_ms,omitempty"`
	// OfflineAfterMs opens an offline alert for a device silent that long
	// (default: the server's, 1 min).
	OfflineAfterMs int64          `json:"offline_after_ms,omitempty" msgpack:"offline_after_ms,omitempty"`
	Detectors      []DetectorSpec `json:"detectors,omitempty" msgpack:"detectors,omitempty"`
}

// DetectorSpec configures one detector for one metric ("*": every metric).
// Type is one of threshold, ewma_z, robust_z, relative_deviation,
// rate_of_change, flatline, group_relative (a device far from the group's
// recent mean, in group standard deviations); the other fields apply by
// type.
type DetectorSpec struct {
	Metric    string  `json:"metric" msgpack:"metric"`
	Type      string  `json:"type" msgpack:"type"`
	Min       float64 `json:"min,omitempty" msgpack:"min,omitempty"`
	Max       float64 `json:"max,omitempty" msgpack:"max,omitempty"`
	Alpha     float64 `json:"alpha,omitempty" msgpack:"alpha,omitempty"`
	Z         float64 `json:"z,omitempty" msgpack:"z,omitempty"`
	Fraction  float64 `json:"fraction,omitempty" msgpack:"fraction,omitempty"`
	PerSecond float64 `json:"per_second,omitempty" msgpack:"per_second,omitempty"`
	Count     int     `json:"count,omitempty" msgpack:"count,omitempty"`
	Warmup    int     `json:"warmup,omitempty" msgpack:"warmup,omitempty"`
	Epsilon   float64 `json:"epsilon,omitempty" msgpack:"epsilon,omitempty"`
}

// ErrBadConfig wraps every configuration refusal.
var ErrBadConfig = errors.New("iot: bad group config")

// Validate checks every field; the error names the first bad one.
func (c GroupConfig) Validate() error {
	if c.AllowedLatenessMs < 0 || c.AllowedLatenessMs > int64(24*time.Hour/time.Millisecond) {
		return fmt.Errorf("%w: allowed_lateness_ms %d", ErrBadConfig, c.AllowedLatenessMs)
	}
	if c.OfflineAfterMs != 0 && (c.OfflineAfterMs < 1000 || c.OfflineAfterMs > int64(7*24*time.Hour/time.Millisecond)) {
		return fmt.Errorf("%w: offline_after_ms %d: want 1 s to 7 days", ErrBadConfig, c.OfflineAfterMs)
	}
	if len(c.Detectors) > 64 {
		return fmt.Errorf("%w: %d detectors, at most 64", ErrBadConfig, len(c.Detectors))
	}
	for i, s := range c.Detectors {
		if _, err := s.build(); err != nil {
			return fmt.Errorf("%w: detectors[%d]: %v", ErrBadConfig, i, err)
		}
	}
	return nil
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// build makes the detector a spec describes.
func (s DetectorSpec) build() (Detector, error) {
	if s.Metric == "" {
		return nil, errors.New("metric is required (\"*\" for every metric)")
	}
	if !finite(s.Min, s.Max, s.Alpha, s.Z, s.Fraction, s.PerSecond, s.Epsilon) {
		return nil, errors.New("numbers must be finite")
	}
	okAlpha := s.Alpha > 0 && s.Alpha <= 1
	switch s.Type {
	case "threshold":
		if s.Min >= s.Max {
			return nil, errors.New("threshold needs min < max")
		}
		return &Threshold{Min: s.Min, Max: s.Max}, nil
	case "ewma_z":
		if !okAlpha || s.Z <= 0 {
			return nil, errors.New("ewma_z needs 0 < alpha ≤ 1 and z > 0")
		}
		return &EWMAZ{Alpha: s.Alpha, Z: s.Z, Warmup: s.Warmup}, nil
	case "relative_deviation":
		if !okAlpha || s.Fraction <= 0 {
			return nil, errors.New("relative_deviation needs 0 < alpha ≤ 1 and fraction > 0")
		}
		return &RelDeviation{Alpha: s.Alpha, MaxFraction: s.Fraction, Warmup: s.Warmup}, nil
	case "rolling_z":
		if s.Count < 2 || s.Count > 3600 || s.Z <= 0 {
			return nil, errors.New("rolling_z needs 2 ≤ count ≤ 3600 (readings) and z > 0")
		}
		return &RollingZ{N: s.Count, Z: s.Z}, nil
	case "robust_z":
		if s.Z <= 0 || s.Alpha <= 0 || s.Alpha > 0.5 {
			return nil, errors.New("robust_z needs z > 0 and 0 < alpha ≤ 0.5 (the step)")
		}
		return &RobustZ{Z: s.Z, Step: s.Alpha, Warmup: s.Warmup}, nil
	case "group_relative":
		if s.Z <= 0 {
			return nil, errors.New("group_relative needs z > 0")
		}
		return groupRelativeMarker{}, nil
	case "rate_of_change":
		if s.PerSecond <= 0 {
			return nil, errors.New("rate_of_change needs per_second > 0")
		}
		return &RateOfChange{MaxPerSecond: s.PerSecond}, nil
	case "flatline":
		if s.Count < 2 || s.Epsilon < 0 {
			return nil, errors.New("flatline needs count ≥ 2 and epsilon ≥ 0")
		}
		return &Flatline{Count: s.Count, Epsilon: s.Epsilon}, nil
	}
	return nil, fmt.Errorf("unknown detector type %q", s.Type)
}

// groupRelativeMarker stands for a group_relative spec in validation; the
// group itself runs that check, against its own windows.
type groupRelativeMarker struct{}

func (groupRelativeMarker) Name() string                           { return "group_relative" }
func (groupRelativeMarker) Observe(int64, float64) (Finding, bool) { return Finding{}, false }

// groupRelativeZ returns the z of the group_relative spec for metric, if any.
func (c GroupConfig) groupRelativeZ(metric string) (float64, bool) {
	for _, s := range c.Detectors {
		if s.Type == "group_relative" && (s.Metric == metric || s.Metric == "*") {
			return s.Z, true
		}
	}
	return 0, false
}

// detectorsFor returns the per-device detectors for metric under this
// config, or nil when the config names none (the server defaults apply).
func (c GroupConfig) detectorsFor(metric string) []Detector {
	var out []Detector
	for _, s := range c.Detectors {
		if s.Type == "group_relative" {
			continue
		}
		if s.Metric == metric || s.Metric == "*" {
			if d, err := s.build(); err == nil {
				out = append(out, d)
			}
		}
	}
	return out
}
