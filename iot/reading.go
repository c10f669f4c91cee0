package iot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// MaxPayload bounds one reading's payload, in bytes.
const MaxPayload = 16 << 10

// maxMetrics bounds the metrics in one reading.
const maxMetrics = 64

// Reading is one sensor message: an event time and one or more named
// metrics. A payload with "value" has the single metric "value".
type Reading struct {
	Time    int64 // unix ns
	Metrics []Metric
	Seq     uint64 // optional, for de-duplication; 0 when absent
	HasSeq  bool
}

// Metric is one named value.
type Metric struct {
	Name  string
	Value float64
}

// Reject reasons, counted and published to hearth.rejected.
var (
	ErrMalformed   = errors.New("iot: malformed reading")
	ErrNoValue     = errors.New("iot: reading has no value")
	ErrNotANumber  = errors.New("iot: value is not a finite number")
	ErrTooLarge    = errors.New("iot: payload too large")
	ErrBadTime     = errors.New("iot: bad timestamp")
	ErrBadMetric   = errors.New("iot: bad metric name")
	ErrTooManyMets = errors.New("iot: too many metrics")
)

// wireReading is the payload as sensors send it, JSON or msgpack:
// {"ts": <unix ms | RFC 3339>, "value": n} or {"ts": …, "metrics": {"temp": n, …}}, with an optional "seq".
type wireReading struct {
	TS      any            `json:"ts" msgpack:"ts"`
	Value   any            `json:"value" msgpack:"value"`
	Metrics map[string]any `json:"metrics" msgpack:"metrics"`
	Seq     *uint64        `json:"seq" msgpack:"seq"`
}

// DecodeReading parses a payload: JSON when it starts with '{' (after
// spaces), msgpack otherwise. A missing "ts" takes now. Errors wrap one of
// the reasons above.
func DecodeReading(payload []byte, now time.Time) (Reading, error) {
	var d *Decoder
	return d.Decode(payload, now)
}

// decodeGeneral decodes any payload DecodeReading takes, through
// wireReading.
func decodeGeneral(payload []byte, now time.Time) (Reading, error) {
	var w wireReading
	if err := unmarshal(payload, &w); err != nil {
		return Reading{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	r := Reading{}
	var err error
	if r.Time, err = parseTime(w.TS, now); err != nil {
		return Reading{}, err
	}
	if w.Seq != nil {
		r.Seq, r.HasSeq = *w.Seq, true
	}
	if r.Metrics, err = metrics(w); err != nil {
		return Reading{}, err
	}
	return r, nil
}

func unmarshal(payload []byte, w *wireReading) error {
	if t := bytes.TrimLeft(payload, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		if fast, ok := fastJSON(payload); ok {
			*w = fast
			return nil
		}
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.UseNumber()
		return dec.Decode(w)
	}
	dec := msgpack.NewDecoder(bytes.NewReader(payload))
	if err := dec.Skip(); err != nil { // refuse lying lengths before allocating
		return err
	}
	// Decode generically and pick the fields: the library's struct
	// decoding panics on some inputs into interface fields (found by
	// fuzzing).
	dec.Reset(bytes.NewReader(payload))
	v, err := dec.DecodeInterface()
	if err != nil {
		return err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("want a map, got %T", v)
	}
	return fromMap(m, w)
}

// fromMap fills w from a generically decoded msgpack map.
func fromMap(m map[string]any, w *wireReading) error {
	w.TS, w.Value = m["ts"], m["value"]
	if raw, ok := m["metrics"]; ok {
		mets, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("metrics: want a map, got %T", raw)
		}
		w.Metrics = mets
	}
	if raw, ok := m["seq"]; ok {
		seq, ok := wholeMillis(raw)
		if !ok || seq < 0 {
			return fmt.Errorf("seq: want an unsigned integer, got %v", raw)
		}
		u := uint64(seq)
		w.Seq = &u
	}
	return nil
}

func metrics(w wireReading) ([]Metric, error) {
	if w.Value != nil {
		v, err := number(w.Value)
		if err != nil {
			return nil, err
		}
		return []Metric{{Name: "value", Value: v}}, nil
	}
	if len(w.Metrics) == 0 {
		return nil, ErrNoValue
	}
	if len(w.Metrics) > maxMetrics {
		return nil, fmt.Errorf("%w: %d, limit %d", ErrTooManyMets, len(w.Metrics), maxMetrics)
	}
	out := make([]Metric, 0, len(w.Metrics))
	for name, raw := range w.Metrics {
		if !validMetricName(name) {
			return nil, fmt.Errorf("%w: %q", ErrBadMetric, name)
		}
		v, err := number(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, Metric{Name: name, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// number accepts JSON numbers and msgpack ints and floats, finite only.
func number(x any) (float64, error) {
	var v float64
	switch n := x.(type) {
	case json.Number:
		f, err := n.Float64()
		if err != nil {
			return 0, fmt.Errorf("%w: %q", ErrNotANumber, n)
		}
		v = f
	case float64:
		v = n
	case float32:
		v = float64(n)
	case int64:
		v = float64(n)
	case uint64:
		v = float64(n)
	case int8, int16, int32, uint8, uint16, uint32, int, uint:
		v = toFloat(n)
	default:
		return 0, fmt.Errorf("%w: %T", ErrNotANumber, x)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: %v", ErrNotANumber, v)
	}
	return v, nil
}

func toFloat(x any) float64 {
	switch n := x.(type) {
	case int8:
		return float64(n)
	case int16:
		return float64(n)
	case int32:
		return float64(n)
	case int:
		return float64(n)
	case uint8:
		return float64(n)
	case uint16:
		return float64(n)
	case uint32:
		return float64(n)
	case uint:
		return float64(n)
	}
	return 0
}

// parseTime reads unix milliseconds or RFC 3339; nil is now.
func parseTime(x any, now time.Time) (int64, error) {
	if x == nil {
		return now.UnixNano(), nil
	}
	if s, ok := x.(string); ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, fmt.Errorf("%w: %v", ErrBadTime, err)
		}
		return t.UnixNano(), nil
	}
	if ms, ok := wholeMillis(x); ok {
		if ms < 0 || ms > 1e14 {
			return 0, fmt.Errorf("%w: %v", ErrBadTime, x)
		}
		return ms * 1e6, nil
	}
	ms, err := number(x)
	if err != nil || ms < 0 || ms > 1e14 {
		return 0, fmt.Errorf("%w: %v", ErrBadTime, x)
	}
	return int64(math.Round(ms * 1e6)), nil
}

// wholeMillis reads an integer timestamp exactly (a float64 cannot hold
// unix nanoseconds).
func wholeMillis(x any) (int64, bool) {
	switch n := x.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case int64:
		return n, true
	case uint64:
		return int64(min(n, 1<<62)), true
	case int8, int16, int32, uint8, uint16, uint32, int, uint:
		return int64(toFloat(n)), true
	}
	return 0, false
}
