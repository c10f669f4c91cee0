package arena

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/tick"
)

// The same inputs give the same world, and a saved world restores exactly.
func TestDeterministicAndRestorable(t *testing.T) {
	run := func() *Arena {
		a := New(20, 42)
		_ = a.Join("ann")
		_ = a.Join("bob")
		for i := range 200 {
			a.Step(50*time.Millisecond, []tick.Input{
				{Player: "ann", Data: Move{1, float64(i%3) - 1}},
				{Player: "bob", Data: Move{-1, 0.5}},
			})
		}
		return a
	}
	x, y := run(), run()
	bx, _ := x.Save()
	by, _ := y.Save()
	if !bytes.Equal(bx, by) {
		t.Fatal("two runs with the same inputs diverged")
	}
	var z Arena
	if err := z.Restore(bx); err != nil {
		t.Fatal(err)
	}
	bz, _ := z.Save()
	if !bytes.Equal(bx, bz) {
		t.Fatal("restore does not reproduce the saved state")
	}
	for _, d := range x.Discs {
		if d.X < 0 || d.X > Size || d.Y < 0 || d.Y > Size || math.Hypot(d.VX, d.VY) > math.Max(MaxSpeed, OrbSpeed)*1.5 {
			t.Fatalf("disc %+v left the field or the speed limit", d)
		}
	}
}

func TestInputsMoveThePlayer(t *testing.T) {
	a := New(0, 1)
	_ = a.Join("ann")
	x0 := a.Discs[0].X
	for range 20 {
		a.Step(50*time.Millisecond, []tick.Input{{Player: "ann", Data: Move{1, 0}}})
	}
	if a.Discs[0].X <= x0+5 {
		t.Fatalf("ann moved from %.1f to %.1f pushing right for a second", x0, a.Discs[0].X)
	}
	a.Leave("ann")
	if len(a.Players()) != 0 {
		t.Fatal("leave kept the player")
	}
}

func TestDecodeInputsRejectsAbsurdValues(t *testing.T) {
	a := New(0, 1)
	for name, moves := range map[string]any{
		"NaN":          [][2]float64{{math.NaN(), 0}},
		"Inf":          [][2]float64{{0, math.Inf(1)}},
		"out of range": [][2]float64{{2, 0}},
		"empty":        [][2]float64{},
		"too many":     make([][2]float64, 9),
		"not numbers":  []string{"left"},
	} {
		raw, _ := msgpack.Marshal(moves)
		if _, err := a.DecodeInputs(codec.Payload{Raw: raw, Format: codec.Binary}); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	ok, _ := msgpack.Marshal([][2]float64{{0.5, -1}, {0, 0}})
	if in, err := a.DecodeInputs(codec.Payload{Raw: ok, Format: codec.Binary}); err != nil || len(in) != 2 {
		t.Fatalf("valid inputs: %v %v", in, err)
	}
}

func FuzzDecodeInputs(f *testing.F) {
	ok, _ := msgpack.Marshal([][2]float64{{0.5, -1}})
	f.Add(ok, false)
	f.Add([]byte(`[[1,0],[0,-1]]`), true)
	f.Add([]byte{0x92, 0x92, 0x01, 0xff, 0x92, 0xca, 0x3f, 0x00, 0x00, 0x00, 0x00}, false) // fixints, a float32
	f.Add([]byte{0x91, 0x92, 0xcc, 0x01, 0xc0}, false)                                     // a uint8, a nil: the general path
	f.Fuzz(func(t *testing.T, raw []byte, json bool) {
		format := codec.Binary
		if json {
			format = codec.JSON
		}
		a := New(2, 1)
		_ = a.Join("p")
		p := codec.Payload{Raw: raw, Format: format}
		if fast, ok := decodeMovesFast(nil, p); ok {
			// the shortcut reads what the general decoder reads, bit for bit
			slow, err := decodeMoves(p)
			if err != nil || len(slow) != len(fast) {
				t.Fatalf("fast path read %v, general decoder %v (%v)", fast, slow, err)
			}
			for i := range fast {
				for j := range fast[i] {
					if math.Float64bits(fast[i][j]) != math.Float64bits(slow[i][j]) {
						t.Fatalf("fast path read %v, general decoder %v", fast, slow)
					}
				}
			}
		}
		in, err := a.DecodeInputs(p)
		if err != nil {
			return
		}
		var batch []tick.Input
		for _, d := range in {
			m := d.(Move)
			if math.IsNaN(m[0]) || math.Abs(m[0]) > 1 || math.Abs(m[1]) > 1 {
				t.Fatalf("accepted %v", m)
			}
			batch = append(batch, tick.Input{Player: "p", Data: d})
		}
		a.Step(50*time.Millisecond, batch)
	})
}

// Save writes what msgpack.Marshal does, save after save.
func TestSaveIsMarshal(t *testing.T) {
	a := New(5, 3)
	for _, p := range []string{"ann", "bob"} {
		if err := a.Join(p); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		a.Step(50*time.Millisecond, nil)
		got, err := a.Save()
		want, werr := msgpack.Marshal(a)
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			t.Fatalf("Save %x (%v), Marshal %x (%v)", got, err, want, werr)
		}
	}
}
