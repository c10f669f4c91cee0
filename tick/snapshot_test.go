package tick

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// A client applying the delta to its base reaches the current snapshot,
// whatever was added, moved or removed in between.
func TestDeltaReachesCurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	world := map[uint32]Entity{}
	var prev snap
	for seq := uint32(1); seq < 300; seq++ {
		for range 5 {
			id := uint32(r.IntN(60))
			if r.IntN(4) == 0 {
				delete(world, id)
			} else {
				world[id] = Entity{ID: id, X: r.Float64() * 100, Y: r.Float64() * 100, Angle: r.Float64() * 7}
			}
		}
		var ents []Entity
		for _, e := range world {
			ents = append(ents, e)
		}
		cur := makeSnap(seq, ents)
		full := delta(uint64(seq), cur, snap{}, false)
		if !slices.Equal(apply(nil, full), cur.ents) {
			t.Fatalf("seq %d: full snapshot does not reproduce the world", seq)
		}
		if seq > 1 {
			d := delta(uint64(seq), cur, prev, true)
			if got := apply(prev.ents, d); !slices.Equal(got, cur.ents) {
				t.Fatalf("seq %d: delta from %d gives %v, want %v", seq, prev.seq, got, cur.ents)
			}
			if len(d.Ents) > len(cur.ents) {
				t.Fatalf("delta larger than the world")
			}
		}
		prev = cur
	}
}

func TestQuantizeAngles(t *testing.T) {
	for _, c := range []struct {
		angle float64
		want  int32
	}{{0, 0}, {3.14159265358979, 32768}, {-1.5707963267949, 49152}, {6.28318530717958, 0}} {
		if got := quantize(Entity{Angle: c.angle})[4]; got != c.want {
			t.Errorf("angle %v → %d, want %d", c.angle, got, c.want)
		}
	}
}
