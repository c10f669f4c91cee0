package iot

import (
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The hand-written checkpoint encoders write what reflection reads back.
func TestCheckpointEncodingRoundTrips(t *testing.T) {
	var o Options
	o = o.withDefaults()
	d := &device{seqs: seqWindow{high: 9, seen: 0b101}, metrics: []*metricState{}}
	for i := range 500 {
		now := time.Unix(1_700_000_000, 0).Add(time.Duration(i) * 300 * time.Millisecond).UnixNano()
		d.observe(Reading{Time: now, Metrics: []Metric{{Name: "temp", Value: float64(i % 17)}, {Name: "rpm", Value: 1200}}}, now, &o)
	}
	s, err := d.state()
	if err != nil {
		t.Fatal(err)
	}
	b, err := msgpack.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	var back deviceState
	if err := msgpack.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalizeState(s), normalizeState(back)) {
		t.Fatalf("round trip changed the state:\n%+v\n%+v", s, back)
	}
}

// normalizeState makes raw detector bytes comparable.
func normalizeState(s deviceState) deviceState {
	for name, mc := range s.Metrics {
		for i, raw := range mc.Detectors {
			mc.Detectors[i] = append(msgpack.RawMessage{}, raw...)
		}
		s.Metrics[name] = mc
	}
	return s
}
