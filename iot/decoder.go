package iot

import (
	"fmt"
	"time"
)

// Decoder decodes readings as DecodeReading does, reusing what it can
// for a caller that is done with each reading before it decodes the next
// (a group): the fast path's metrics go into one slice that the next
// Decode overwrites, and a metric name seen before is the same string
// again instead of a new one.
type Decoder struct {
	names map[string]string
	mets  []Metric
}

// maxInterned bounds the names a Decoder keeps; past it, new names are
// allocated per reading as DecodeReading does.
const maxInterned = 1024

// Decode parses payload; the Reading's Metrics are valid until the next
// call.
// A nil Decoder allocates what each reading holds (DecodeReading).
func (d *Decoder) Decode(payload []byte, now time.Time) (Reading, error) {
	if len(payload) > MaxPayload {
		return Reading{}, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(payload))
	}
	if r, ok := fastReadingWith(payload, now, d); ok {
		return r, nil
	}
	return decodeGeneral(payload, now)
}

// metrics returns an empty slice to append a reading's metrics to.
func (d *Decoder) metrics() []Metric {
	if d == nil {
		return make([]Metric, 0, 4)
	}
	return d.mets[:0]
}

// keep remembers m's array, grown perhaps, for the next reading.
func (d *Decoder) keep(m []Metric) []Metric {
	if d != nil {
		d.mets = m
	}
	return m
}

// name returns b as a string, the one it returned before for the same
// bytes when it can.
func (d *Decoder) name(b []byte) string {
	if d == nil {
		return string(b)
	}
	if s, ok := d.names[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if d.names == nil {
		d.names = map[string]string{}
	}
	if len(d.names) < maxInterned {
		d.names[s] = s
	}
	return s
}
