package tick

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// A client applying each snapshot to its view, and extrapolating, sees
// every entity within the reckoning tolerance of where it really is —
// whatever was added, moved, turned or removed — whether it gets deltas
// against its last acknowledged snapshot or full snapshots.
func TestDeadReckoningTracksTheWorld(t *testing.T) {
	const hz = 20
	for _, ackLag := range []uint32{1, 3, 40} { // 40: beyond the history, so full snapshots
		r := rand.New(rand.NewPCG(1, 2))
		world := map[uint32]*Entity{}
		k := newReckoner(hz, Tolerance{})
		view := map[int32][8]int64{}
		var received []uint32 // snapshot seqs the client got
		var ents0 [][8]int64  // buffers reused from body to body, as a room does
		var gone0 []int32
		for seq := uint32(1); seq < 400; seq++ {
			tick := uint64(seq)
			step(r, world, hz)
			var ents []Entity
			for _, e := range world {
				ents = append(ents, *e)
			}
			k.observe(seq, tick, ents)
			base := uint32(0)
			if len(received) >= int(ackLag) {
				base = received[len(received)-int(ackLag)]
			}
			if len(received) > 0 && ackLag > 1 {
				// a lagging client still has its newest snapshot applied; acks lag behind it
				base = min(base, received[len(received)-1])
			}
			b := k.body(tick, base, nil, nil)
			reused := k.body(tick, base, ents0, gone0)
			if !reflect.DeepEqual(reused, b) { // nil and empty lists differ in JSON
				t.Fatalf("seq %d: with buffers %+v, without %+v", seq, reused, b)
			}
			ents0, gone0 = slices.Grow(reused.Ents, 1), slices.Grow(reused.Gone, 1)
			if b.Base != 0 && b.Base != lastOf(received) {
				// The client's view is at its newest snapshot; a delta from an
				// older base re-sends records it already has, which is harmless.
				if !k.remembers(b.Base) {
					t.Fatalf("delta from a forgotten base")
				}
			}
			got := Reconstruct(view, b, hz)
			received = append(received, seq)
			if len(got) != len(world) {
				t.Fatalf("lag %d seq %d: client sees %d entities, world has %d", ackLag, seq, len(got), len(world))
			}
			for id, e := range world {
				p, ok := got[int32(id)]
				if !ok {
					t.Fatalf("lag %d seq %d: entity %d missing", ackLag, seq, id)
				}
				if dx, dy := p[0]-q16(e.X), p[1]-q16(e.Y); abs(dx) > k.pos+1 || abs(dy) > k.pos+1 {
					t.Fatalf("lag %d seq %d: entity %d at %v, really at (%d,%d)", ackLag, seq, id, p, q16(e.X), q16(e.Y))
				}
			}
		}
	}
}

func lastOf(s []uint32) uint32 {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

// step moves the test world one tick: straight lines, with now and then a
// turn, a new entity or a removal.
func step(r *rand.Rand, world map[uint32]*Entity, hz float64) {
	for range 2 {
		id := uint32(r.IntN(40) + 1)
		switch {
		case r.IntN(10) == 0:
			delete(world, id)
		case world[id] == nil:
			world[id] = &Entity{ID: id, Kind: 2, X: r.Float64() * 100, Y: r.Float64() * 100, VX: r.Float64()*10 - 5, VY: r.Float64()*10 - 5}
		default:
			world[id].VX, world[id].VY = r.Float64()*10-5, r.Float64()*10-5
		}
	}
	for _, e := range world {
		e.X += e.VX / hz
		e.Y += e.VY / hz
		e.Angle = math.Atan2(e.VY, e.VX)
	}
}

// Entities moving in straight lines cost nothing after their first record.
func TestStraightLinesNeedNoUpdates(t *testing.T) {
	k := newReckoner(20, Tolerance{})
	ents := []Entity{{ID: 1, X: 10, VX: 3}, {ID: 2, Y: 50, VY: -7, Angle: -math.Pi / 2}}
	for seq := uint32(1); seq <= 100; seq++ {
		k.observe(seq, uint64(seq), ents)
		if b := k.body(uint64(seq), seq-1, nil, nil); seq > 1 && !b.Empty() {
			t.Fatalf("seq %d: %d records for straight-line movers", seq, len(b.Ents))
		}
		for i := range ents {
			ents[i].X += ents[i].VX / 20
			ents[i].Y += ents[i].VY / 20
		}
	}
}

// The hand-written encoding decodes like the struct it stands for.
func TestSnapshotBodyEncoding(t *testing.T) {
	for _, b := range []SnapshotBody{
		{Tick: 7, Ents: [][8]int64{{1, 2, 300, -40, 65535, -5, 0, 3}}},
		{Tick: 1 << 40, Base: 9, Ents: [][8]int64{}, Gone: []int32{4, 5}},
	} {
		raw, err := marshalCompactForTest(b)
		if err != nil {
			t.Fatal(err)
		}
		var got SnapshotBody
		if err := msgpack.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if got.Tick != b.Tick || got.Base != b.Base || len(got.Ents) != len(b.Ents) || len(got.Gone) != len(b.Gone) ||
			(len(b.Ents) > 0 && got.Ents[0] != b.Ents[0]) {
			t.Fatalf("round trip %+v → %+v", b, got)
		}
	}
}

func marshalCompactForTest(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	err := enc.Encode(v)
	return buf.Bytes(), err
}

// BenchmarkObserve: a snapshot's dead-reckoning bookkeeping for 16
// entities that all stay in the world.
func BenchmarkObserve(b *testing.B) {
	k := newReckoner(30, Tolerance{Position: 0.5, Angle: -1})
	ents := make([]Entity, 16)
	for i := range ents {
		ents[i] = Entity{ID: uint32(i + 1), Kind: 1, X: float64(i * 5), Y: 50, VX: 8, VY: float64(i%3) - 1}
	}
	seq := uint32(0)
	b.ReportAllocs()
	for b.Loop() {
		seq++
		for i := range ents {
			ents[i].X += ents[i].VX / 30
			ents[i].Y += ents[i].VY / 30
		}
		k.observe(seq, uint64(seq), ents)
	}
}
