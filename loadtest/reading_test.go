package loadtest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

func TestEncodeReading(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	r := reading{TS: now.UnixMilli(), Seq: 3, Metrics: map[string]float64{"value": 21.5}}
	for _, format := range []string{FormatJSON, FormatMsgpack} {
		for _, bad := range []string{"", badLate, badNaN, badMalformed} {
			b, err := encodeReading(format, r, bad, now)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if format == FormatJSON {
				err = json.Unmarshal(b, &got)
			} else {
				err = msgpack.Unmarshal(b, &got)
			}
			if (err != nil) != (bad == badMalformed) {
				t.Fatalf("%s %q: %v", format, bad, err)
			}
			if bad == badLate && toInt(got["ts"]) != now.Add(-lateBy).UnixMilli() {
				t.Fatalf("%s late reading dated %v", format, got["ts"])
			}
			if bad == "" && toInt(got["seq"]) != 3 {
				t.Fatalf("%s reading %v", format, got)
			}
		}
	}
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case uint64:
		return int64(n)
	case int8:
		return int64(n)
	case uint8:
		return int64(n)
	}
	return -1
}
