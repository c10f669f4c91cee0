package iot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
)

// sameDevice reports how b differs from a: watermark, sequences, every
// pane of every window, bit for bit, and detector state.
func sameDevice(a, b *device) error {
	if a.newest != b.newest || a.lastSeen != b.lastSeen || a.seqs != b.seqs {
		return fmt.Errorf("header %d %d %+v, want %d %d %+v", b.newest, b.lastSeen, b.seqs, a.newest, a.lastSeen, a.seqs)
	}
	if len(a.metrics) != len(b.metrics) {
		return fmt.Errorf("%d metrics, want %d", len(b.metrics), len(a.metrics))
	}
	for _, am := range a.metrics {
		name := am.name
		bm := b.lookup(name)
		if bm == nil {
			return fmt.Errorf("metric %s missing", name)
		}
		for i, aw := range am.windows {
			bw := bm.windows[i]
			if aw.Len != bw.Len || aw.head != bw.head || aw.empty != bw.empty {
				return fmt.Errorf("%s window %d: %v %d %v, want %v %d %v", name, i, bw.Len, bw.head, bw.empty, aw.Len, aw.head, aw.empty)
			}
			for j, p := range aw.panes {
				if q := bw.panes[j]; !samePane(p, q) {
					return fmt.Errorf("%s window %d pane %d: %+v, want %+v", name, i, j, q, p)
				}
			}
			if aw.scale != bw.scale || !slices.Equal(aw.live(), bw.live()) {
				return fmt.Errorf("%s window %d sketch: scale %d %x, want %d %x", name, i, bw.scale, bw.live(), aw.scale, aw.live())
			}
		}
		for i, ad := range am.detectors {
			x, _ := msgpack.Marshal(ad)
			y, _ := msgpack.Marshal(bm.detectors[i])
			if string(x) != string(y) {
				return fmt.Errorf("%s detector %d: %+v, want %+v", name, i, bm.detectors[i], ad)
			}
		}
	}
	return nil
}

func samePane(p, q pane) bool {
	return p.n == q.n && math.Float64bits(p.mean) == math.Float64bits(q.mean) && math.Float64bits(p.m2) == math.Float64bits(q.m2) &&
		math.Float64bits(p.min) == math.Float64bits(q.min) && math.Float64bits(p.max) == math.Float64bits(q.max)
}

// A base and then deltas, each holding only the panes changed since the
// previous record, replay to the device's exact state after every
// checkpoint: through window slides, gaps longer than a window, a metric
// that appears later, and values that need all 64 bits.
func TestCheckpointLogReplaysDeltas(t *testing.T) {
	var o Options
	o = o.withDefaults()
	d := &device{}
	var enc ckEncoder
	state := deviceState{}
	start := time.Unix(1_700_000_000, 0)
	now := start
	for round := range 40 {
		for i := range 25 {
			now = now.Add(time.Duration(137+i*53) * time.Millisecond)
			if round == 17 {
				now = now.Add(7 * time.Minute) // past the short windows
			}
			r := Reading{Time: now.UnixNano(), HasSeq: true, Seq: uint64(round*25 + i + 1),
				Metrics: []Metric{{Name: "temp", Value: 20 + math.Sin(float64(i))/3}}}
			if round >= 10 {
				r.Metrics = append(r.Metrics, Metric{Name: "rpm", Value: float64(1200 + i%3)})
			}
			d.lastSeen = now.UnixNano()
			d.observe(r, now.UnixNano(), &o)
		}
		kind := byte(ckDelta)
		if round == 0 || round == 25 {
			kind = ckBase
		}
		enc.reset()
		if err := enc.add("p1", d, kind); err != nil {
			t.Fatal(err)
		}
		recs, err := decodeLog(enc.buf)
		if err != nil || len(recs) != 1 || recs[0].Device != "p1" || recs[0].Delta != (kind == ckDelta) {
			t.Fatalf("round %d: %v %+v", round, err, recs)
		}
		if recs[0].Delta {
			state = applyDelta(state, recs[0].State)
		} else {
			state = recs[0].State
		}
		for _, ms := range d.metrics {
			for _, w := range ms.windows {
				w.changed = 0
			}
		}
		if err := sameDevice(d, restoreDevice(state, &o)); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

func newTestRuntime(store session.Store) *session.Runtime {
	rt, _ := session.New(session.Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	_ = rt.Register(Kind("group", Config{}))
	return rt
}

// A restarted group has every device exactly as it was after several
// incremental checkpoints and a snapshot that deleted the log before it.
func TestGroupRestoreAfterIncrementalCheckpoints(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		rt := newTestRuntime(store)
		id := session.ID{Kind: "group", Name: "g"}
		ctx := context.Background()
		for round := range 8 {
			for dev := range 300 {
				if dev%(round+1) != 0 && round%2 == 1 {
					continue // some devices idle at some ticks
				}
				payload := `{"metrics": {"temp": ` + strconv.FormatFloat(20+float64(dev%13)/7+float64(round)/3, 'g', -1, 64) + `, "rpm": ` + strconv.Itoa(1200+dev) + `}}`
				_ = rt.Send(id, codec.Ingest{Device: "d" + strconv.Itoa(dev), Payload: []byte(payload), Received: time.Now().UnixNano()})
			}
			time.Sleep(1500 * time.Millisecond) // a publication tick: checkpoint
		}
		before := viewAll(t, rt, id)
		_ = rt.Shutdown(ctx)

		var keys []string
		_ = store.Scan(id, logPrefix, func(k string, _ []byte) bool { keys = append(keys, k); return true })
		if len(keys) == 0 || keys[0] == logKey(0) {
			t.Fatalf("log keys %v: want a snapshot to have deleted the first", keys)
		}

		rt = newTestRuntime(store)
		defer rt.Shutdown(ctx)
		after := viewAll(t, rt, id)
		for k, v := range before {
			if after[k] != v {
				t.Fatalf("after restart %s is\n%s\nwant\n%s", k, after[k], v)
			}
		}
	})
}

// viewAll returns every device's window statistics and the group's, each
// float printed exactly.
func viewAll(t *testing.T, rt *session.Runtime, id session.ID) map[string]string {
	t.Helper()
	out := map[string]string{}
	for dev := range 300 {
		name := "d" + strconv.Itoa(dev)
		v, err := rt.Call(context.Background(), id, DeviceQuery{Device: name})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = fmt.Sprintf("%+v", v.(DeviceView).Metrics)
	}
	v, err := rt.Call(context.Background(), id, Query{})
	if err != nil {
		t.Fatal(err)
	}
	out["group"] = fmt.Sprintf("%+v", v.(View).Metrics)
	return out
}

// A device checkpointed by a server that wrote format 1 is restored, kept
// through later checkpoints, and its format-1 record goes with the next
// snapshot.
func TestFormat1CheckpointStillRestores(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var o Options
		o = o.withDefaults()
		d := &device{}
		now := time.Now()
		for i := range 30 {
			ts := now.Add(time.Duration(i-30) * 100 * time.Millisecond).UnixNano()
			d.lastSeen = now.UnixNano()
			d.observe(Reading{Time: ts, Metrics: []Metric{{Name: "value", Value: float64(i)}}}, now.UnixNano(), &o)
		}
		s, err := d.state()
		if err != nil {
			t.Fatal(err)
		}
		v1, err := msgpack.Marshal(&s)
		if err != nil {
			t.Fatal(err)
		}
		store := session.NewMemStore()
		id := session.ID{Kind: "group", Name: "g"}
		if errs := store.Apply([]*session.Batch{{ID: id, Writes: []session.Write{{Key: "dev/p1", Value: v1}}}}); errs[0] != nil {
			t.Fatal(errs[0])
		}
		ctx := context.Background()
		rt := newTestRuntime(store)
		check := func(want int) {
			t.Helper()
			v, err := rt.Call(ctx, id, DeviceQuery{Device: "p1"})
			if err != nil {
				t.Fatal(err)
			}
			if st := v.(DeviceView).Metrics["value"]["1m0s"]; st.Count != want {
				t.Fatalf("after restart: %+v, want %d readings", st, want)
			}
		}
		check(30)
		_ = rt.Send(id, codec.Ingest{Device: "p1", Payload: []byte(`{"value": 100}`), Received: time.Now().UnixNano()})
		time.Sleep(1500 * time.Millisecond)
		_ = rt.Shutdown(ctx)

		rt = newTestRuntime(store)
		check(31)
		_ = rt.Shutdown(ctx)
		if _, err := store.Get(id, "dev/p1"); err != nil {
			t.Fatalf("the format-1 record went before a snapshot: %v", err)
		}
	})
}

func FuzzCheckpointLog(f *testing.F) {
	var o Options
	o = o.withDefaults()
	d := &device{seqs: seqWindow{high: 9, seen: 5}}
	for i := range 5 {
		ts := time.Unix(1_700_000_000, 0).Add(time.Duration(i) * 700 * time.Millisecond).UnixNano()
		d.observe(Reading{Time: ts, Metrics: []Metric{{Name: "t", Value: float64(i%17) / 3}}}, ts, &o)
	}
	var enc ckEncoder
	enc.reset()
	_ = enc.add("a", d, ckBase)
	_ = enc.add("b", d, ckDelta)
	f.Add(append([]byte(nil), enc.buf...))
	if s, err := d.state(); err == nil {
		v1, _ := msgpack.Marshal(&s)
		f.Add(v1)
	}
	f.Add([]byte{ckMagic, ckMagic2, ckVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeV1(b)
		recs, err := decodeLog(b)
		if err != nil {
			return
		}
		states := map[string]deviceState{}
		for _, r := range recs {
			if r.Delta {
				r.State = applyDelta(states[r.Device], r.State)
			}
			states[r.Device] = r.State
		}
		// What a restore makes of a record, a checkpoint writes back and a
		// restore reads the same.
		for name, s := range states {
			d := restoreDevice(s, &o)
			var enc ckEncoder
			enc.reset()
			if err := enc.add(name, d, ckBase); err != nil {
				t.Fatal(err)
			}
			back, err := decodeLog(enc.buf)
			if err != nil || len(back) != 1 || back[0].Device != name {
				t.Fatalf("re-encoded %q: %v", name, err)
			}
			if err := sameDevice(d, restoreDevice(back[0].State, &o)); err != nil {
				t.Fatal(err)
			}
		}
	})
}
