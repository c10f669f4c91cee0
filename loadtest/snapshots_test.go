package loadtest

import (
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
)

func TestSnapshotClock(t *testing.T) {
	t0 := time.Unix(1000, 0)
	c := newSnapshotClock(20, t0) // 50 ms ticks
	if _, ok, age := c.observe(1, 100, t0.Add(10*time.Millisecond)); ok || age != 0 {
		t.Fatalf("first snapshot: jitter %v, age %v", ok, age)
	}
	// Two ticks later, 3 ms late.
	j, ok, age := c.observe(2, 102, t0.Add(113*time.Millisecond))
	if !ok || j != 3*time.Millisecond || age != 3*time.Millisecond {
		t.Fatalf("jitter %v %v, age %v", j, ok, age)
	}
	// Early: a new least delay.
	if _, _, age := c.observe(3, 103, t0.Add(155*time.Millisecond)); age != 0 {
		t.Fatalf("age %v", age)
	}
	c.restart()
	if _, ok, _ := c.observe(9, 110, t0.Add(time.Second)); ok {
		t.Fatal("jitter across a reconnect")
	}
}

func TestDecodeSnapshotTick(t *testing.T) {
	raw, _ := msgpack.Marshal(map[string]any{"t": 42, "b": 0, "e": [][]int{{1, 1, 2, 3, 4, 5, 6, 0}}})
	for _, p := range []codec.Payload{{Raw: raw, Format: codec.Binary}, {Raw: []byte(`{"t":42,"b":0,"e":[]}`), Format: codec.JSON}} {
		if tick, err := decodeSnapshotTick(p); err != nil || tick != 42 {
			t.Errorf("format %d: tick %d, %v", p.Format, tick, err)
		}
	}
	if _, err := decodeSnapshotTick(codec.Payload{Raw: []byte{0xc1}}); err == nil {
		t.Error("garbage decoded")
	}
}

func FuzzDecodeSnapshotTick(f *testing.F) {
	raw, _ := msgpack.Marshal(map[string]any{"t": 42, "e": [][]int{{1, 1, 2, 3, 4, 5, 6, 0}}, "r": []int{3}})
	f.Add(raw, false)
	f.Add([]byte(`{"t":7,"b":3,"e":[]}`), true)
	f.Fuzz(func(t *testing.T, b []byte, json bool) {
		p := codec.Payload{Raw: b, Format: codec.Binary}
		if json {
			p.Format = codec.JSON
		}
		_, _ = decodeSnapshotTick(p)
	})
}
