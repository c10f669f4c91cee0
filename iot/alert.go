package iot

import "time"

// Alert states.
const (
	AlertOpen    = "open"
	AlertAcked   = "acknowledged"
	AlertCleared = "cleared"
)

// Alert is an anomaly on one (device, metric) seen by one detector. While
// open, further findings refresh it instead of opening new alerts
// (hysteresis); it clears after QuietFor without findings.
type Alert struct {
	ID       string    `json:"id" msgpack:"id"`
	Device   string    `json:"device" msgpack:"device"`
	Metric   string    `json:"metric" msgpack:"metric"`
	State    string    `json:"state" msgpack:"state"`
	Opened   time.Time `json:"opened" msgpack:"opened"`
	Last     time.Time `json:"last" msgpack:"last"` // newest finding
	Count    int       `json:"count" msgpack:"count"`
	Finding  Finding   `json:"finding" msgpack:"finding"` // the first finding, explaining the alert
	Worst    float64   `json:"worst_score" msgpack:"worst_score"`
	Cleared  time.Time `json:"cleared,omitzero" msgpack:"cleared,omitempty"`
	AckedBy  string    `json:"acked_by,omitempty" msgpack:"acked_by,omitempty"`
	groupKey alertID
}

// alertID is what an alert is open for: one per device, metric and
// detector. A struct key, so that finding an open alert allocates nothing.
type alertID struct{ device, metric, detector string }

func alertKey(device, metric, detector string) alertID {
	return alertID{device, metric, detector}
}
