package loadtest

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

const sampleAggregate = `{"group":"lt-1","devices":2,"metrics":{"value":{"1m0s":{"count":3}}},
"counts":{"readings":5,"late":1,"duplicates":1,"clamped":0,"rejected":{"malformed":2,"not a finite number":1}},"alerts":[]}`

func TestDecodeAggregate(t *testing.T) {
	a, err := decodeAggregate([]byte(sampleAggregate))
	if err != nil || a.Group != "lt-1" || a.Counts.rejected() != 3 || a.Counts.processed() != 10 {
		t.Fatalf("%+v %v", a, err)
	}
	if _, err := decodeAggregate([]byte("{")); err == nil {
		t.Fatal("garbage decoded")
	}
}

func TestWatchLatency(t *testing.T) {
	st := &iotStats{latency: NewHist(), fresh: NewHist()}
	w := newWatch(IoTConfig{GroupPrefix: "lt", Groups: 2}, st)
	t0 := time.Now()
	for range 10 {
		w.sent(1, t0)
	}
	w.onAggregate(&nats.Msg{Subject: "hearth.agg.lt-1", Data: []byte(sampleAggregate)})
	w.onAggregate(&nats.Msg{Subject: "hearth.agg.other-1", Data: []byte(sampleAggregate)})
	w.onLate(&nats.Msg{Subject: "hearth.late.lt-0"})
	w.onRejected(&nats.Msg{Data: []byte(`{"group":"lt-1","reason":"malformed"}`)})
	w.onRejected(&nats.Msg{Data: []byte(`{"group":"lt-9"}`)})
	if l := st.latency.Summarize(""); l.Count != 10 {
		t.Fatalf("%d readings timed, want 10", l.Count)
	}
	if w.aggregates.Load() != 1 || w.late.Load() != 1 || w.rejected.Load() != 1 || w.reporting() != 1 || w.totals().processed() != 10 {
		t.Fatalf("aggregates %d late %d rejected %d reporting %d", w.aggregates.Load(), w.late.Load(), w.rejected.Load(), w.reporting())
	}
}

func FuzzDecodeAggregate(f *testing.F) {
	f.Add([]byte(sampleAggregate))
	f.Add([]byte(`{"counts":{"rejected":{"a":-1}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeAggregate(b)
		if err == nil {
			_ = a.Counts.processed()
		}
	})
}
