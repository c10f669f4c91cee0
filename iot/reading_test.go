package iot

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

var now = time.Unix(1_700_000_000, 0)

func TestDecodeReadingForms(t *testing.T) {
	mp, _ := msgpack.Marshal(map[string]any{"ts": int64(1_700_000_000_500), "metrics": map[string]any{"rpm": 1200, "temp": 21.5}, "seq": 7})
	cases := []struct {
		name    string
		payload []byte
		time    int64
		metrics []Metric
		seq     uint64
	}{
		{"json value ms", []byte(`{"ts": 1700000000250, "value": 3.5}`), 1_700_000_000_250_000_000, []Metric{{"value", 3.5}}, 0},
		{"json rfc3339 metrics", []byte(`{"ts":"2023-11-14T22:13:20.1Z","metrics":{"temp":21.5,"rpm":1200}}`), 1_700_000_000_100_000_000, []Metric{{"rpm", 1200}, {"temp", 21.5}}, 0},
		{"json no ts", []byte(`{"value": -1}`), now.UnixNano(), []Metric{{"value", -1}}, 0},
		{"msgpack", mp, 1_700_000_000_500_000_000, []Metric{{"rpm", 1200}, {"temp", 21.5}}, 7},
	}
	for _, c := range cases {
		r, err := DecodeReading(c.payload, now)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.Time != c.time || len(r.Metrics) != len(c.metrics) || r.Seq != c.seq {
			t.Fatalf("%s: %+v", c.name, r)
		}
		for i := range c.metrics {
			if r.Metrics[i] != c.metrics[i] {
				t.Fatalf("%s: metrics %v, want %v", c.name, r.Metrics, c.metrics)
			}
		}
	}
}

func TestDecodeReadingRejects(t *testing.T) {
	nan, _ := msgpack.Marshal(map[string]any{"value": math.NaN()})
	inf, _ := msgpack.Marshal(map[string]any{"metrics": map[string]any{"x": math.Inf(1)}})
	for name, c := range map[string]struct {
		payload []byte
		want    error
	}{
		"garbage":         {[]byte("\xc1\xc1"), ErrMalformed},
		"broken json":     {[]byte(`{"value": `), ErrMalformed},
		"no value":        {[]byte(`{"ts": 1}`), ErrNoValue},
		"string value":    {[]byte(`{"value": "hot"}`), ErrNotANumber},
		"NaN":             {nan, ErrNotANumber},
		"Inf":             {inf, ErrNotANumber},
		"bad time":        {[]byte(`{"ts": "yesterday", "value": 1}`), ErrBadTime},
		"negative time":   {[]byte(`{"ts": -5, "value": 1}`), ErrBadTime},
		"bad metric name": {[]byte(`{"metrics": {"a.b": 1}}`), ErrBadMetric},
		"too large":       {make([]byte, MaxPayload+1), ErrTooLarge},
		"lying length":    {[]byte("\xdf\xff\xff\xff\xff\x01"), ErrMalformed},
	} {
		if _, err := DecodeReading(c.payload, now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func FuzzDecodeReading(f *testing.F) {
	f.Add([]byte(`{"ts": 1700000000250, "value": 3.5}`))
	f.Add([]byte(`{"ts":"2023-11-14T22:13:20Z","metrics":{"temp":21.5}}`))
	mp, _ := msgpack.Marshal(map[string]any{"ts": 5, "metrics": map[string]any{"rpm": 1}, "seq": 1})
	f.Add(mp)
	f.Fuzz(func(t *testing.T, payload []byte) {
		r, err := DecodeReading(payload, now)
		if err != nil {
			return
		}
		if len(r.Metrics) == 0 {
			t.Fatal("accepted a reading without metrics")
		}
		for _, m := range r.Metrics {
			if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
				t.Fatalf("accepted %v", m)
			}
		}
	})
}
