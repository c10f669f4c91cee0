package loadtest

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// Reading formats.
const (
	FormatJSON    = "json"
	FormatMsgpack = "msgpack"
)

// Kinds of bad readings a run injects, each counted.
const (
	badMalformed = "malformed" // not a reading at all: refused by the group
	badNaN       = "nan"       // a value that is not a finite number: refused
	badLate      = "late"      // a minute older than the device's watermark
)

var badKinds = [...]string{badMalformed, badNaN, badLate}

// lateBy is how far back a late reading is dated: well past the
// server's allowed lateness (5 s).
const lateBy = time.Minute

// reading is a sensor message as hearth takes it.
type reading struct {
	TS      int64              `msgpack:"ts" json:"ts"`
	Metrics map[string]float64 `msgpack:"metrics" json:"metrics"`
	Seq     uint64             `msgpack:"seq" json:"seq"`
}

// encodeReading returns the payload of a reading at now, or of the bad
// kind given (empty for a good one).
func encodeReading(format string, r reading, bad string, now time.Time) ([]byte, error) {
	switch bad {
	case badMalformed:
		if format == FormatMsgpack {
			return []byte{0xc1, 0x00}, nil // 0xc1 is never used in msgpack
		}
		return []byte(`{"ts": 12, "metrics": `), nil
	case badNaN:
		if format == FormatMsgpack {
			return msgpack.Marshal(map[string]any{"ts": r.TS, "value": math.NaN()})
		}
		return []byte(fmt.Sprintf(`{"ts": %d, "value": "NaN"}`, r.TS)), nil
	case badLate:
		r.TS = now.Add(-lateBy).UnixMilli()
	}
	if format == FormatMsgpack {
		return msgpack.Marshal(r)
	}
	return json.Marshal(r)
}
