package iot

// Publisher sends a message out on a subject (NATS in production). It
// must not block for long; the group calls it from its own goroutine.
type Publisher interface {
	Publish(subject string, data []byte) error
}

// Subjects hearth publishes device-group output on.
const (
	SubjectAgg      = "hearth.agg."    // + group: aggregates
	SubjectAlerts   = "hearth.alerts." // + group: alert changes
	SubjectLate     = "hearth.late."   // + group: readings past the allowed lateness
	SubjectRejected = "hearth.rejected"
)
