// Package arena is hearth's demo game: players steer discs on a square
// field, bump into each other and the walls, and orbs drift and bounce
// around them. It is deterministic, so rooms can replay it, and small, so
// it shows every feature of a game room without hiding them.
package arena

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/tick"
)

// Field and motion constants, in world units and seconds.
const (
	Size      = 100.0 // the field is Size × Size
	Radius    = 1.0   // every disc
	Accel     = 60.0  // per unit of input
	Drag      = 4.0   // velocity decay per second
	MaxSpeed  = 20.0
	OrbSpeed  = 8.0
	maxInputs = 8 // inputs in one frame (the newest and resends)
)

// Tolerance is the dead reckoning the arena wants: half a unit of
// position, and no records for turning alone, since a disc's angle is the
// heading of its velocity, which clients extrapolate.
var Tolerance = tick.Tolerance{Position: 0.5, Angle: -1}

// Entity kinds.
const (
	KindPlayer uint8 = 1
	KindOrb    uint8 = 2
)

// Move is one input: a steering direction, each axis in [-1, 1].
type Move [2]float64

// Arena is the game state.
type Arena struct {
	Discs  []Disc `msgpack:"d"`
	NextID uint32 `msgpack:"n"`
	Seed   uint64 `msgpack:"s"`

	saved *bytes.Buffer // Save's buffer
}

// Disc is a player or an orb.
type Disc struct {
	ID     uint32  `msgpack:"i"`
	Kind   uint8   `msgpack:"k"`
	Player string  `msgpack:"p"` // no omitempty: msgpack allocates per struct for it
	X      float64 `msgpack:"x"`
	Y      float64 `msgpack:"y"`
	VX     float64 `msgpack:"vx"`
	VY     float64 `msgpack:"vy"`
}

var _ tick.Game = (*Arena)(nil)

// New returns an arena with orbs moving entities, laid out from seed.
func New(orbs int, seed uint64) *Arena {
	a := &Arena{Seed: seed, NextID: 1}
	r := rand.New(rand.NewPCG(seed, 7))
	for range orbs {
		angle := r.Float64() * 2 * math.Pi
		a.add(Disc{Kind: KindOrb, X: r.Float64() * Size, Y: r.Float64() * Size,
			VX: OrbSpeed * math.Cos(angle), VY: OrbSpeed * math.Sin(angle)})
	}
	return a
}

func (a *Arena) add(d Disc) {
	d.ID = a.NextID
	a.NextID++
	a.Discs = append(a.Discs, d)
}

// Join spawns a player at a place derived from its id.
func (a *Arena) Join(player string) error {
	if a.find(player) >= 0 {
		return nil
	}
	h := uint64(0)
	for i := 0; i < len(player); i++ {
		h = h*31 + uint64(player[i])
	}
	a.add(Disc{Kind: KindPlayer, Player: player, X: 5 + float64(h%90), Y: 5 + float64((h/90)%90)})
	return nil
}

// Leave removes a player's disc.
func (a *Arena) Leave(player string) {
	if i := a.find(player); i >= 0 {
		a.Discs = slices.Delete(a.Discs, i, i+1)
	}
}

func (a *Arena) find(player string) int {
	return slices.IndexFunc(a.Discs, func(d Disc) bool { return d.Kind == KindPlayer && d.Player == player })
}

// DecodeInputs reads [[dx, dy], …], oldest first.
func (a *Arena) DecodeInputs(p codec.Payload) ([]any, error) {
	var buf [maxInputs]Move
	moves, ok := decodeMovesFast(buf[:0], p)
	if !ok {
		var err error
		if moves, err = decodeMoves(p); err != nil {
			return nil, err
		}
	}
	if len(moves) == 0 || len(moves) > maxInputs {
		return nil, fmt.Errorf("arena: %d inputs in a frame, want 1 to %d", len(moves), maxInputs)
	}
	out := make([]any, len(moves))
	for i, m := range moves {
		for _, v := range m {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < -1 || v > 1 {
				return nil, fmt.Errorf("arena: input %v out of range [-1, 1]", m)
			}
		}
		out[i] = m
	}
	return out, nil
}

// decodeMoves reads a frame's moves with the codec's general decoder.
func decodeMoves(p codec.Payload) ([]Move, error) {
	var moves []Move
	err := p.Decode(&moves)
	return moves, err
}

// decodeMovesFast reads the usual binary input frame, an array of 1 to
// maxInputs [dx, dy] pairs whose numbers are float64s, float32s or
// fixints, without the msgpack decoder: clients send one every tick. The
// values are those the decoder gives. ok is false for anything else,
// which takes the general path (and gets its errors).
func decodeMovesFast(dst []Move, p codec.Payload) (moves []Move, ok bool) {
	b := p.Raw
	if p.Format != codec.Binary || len(b) == 0 || b[0] < 0x91 || b[0] > 0x90|maxInputs {
		return dst, false
	}
	n := int(b[0] & 0x0f)
	b = b[1:]
	for range n {
		if len(b) == 0 || b[0] != 0x92 { // fixarray of 2
			return dst, false
		}
		b = b[1:]
		var m Move
		for j := range m {
			if m[j], b, ok = decodeNumberFast(b); !ok {
				return dst, false
			}
		}
		dst = append(dst, m)
	}
	return dst, len(b) == 0
}

// decodeNumberFast reads a msgpack float64, float32 or fixint as a float64.
func decodeNumberFast(b []byte) (v float64, rest []byte, ok bool) {
	switch {
	case len(b) == 0:
		return 0, b, false
	case b[0] <= 0x7f: // positive fixint
		return float64(b[0]), b[1:], true
	case b[0] >= 0xe0: // negative fixint
		return float64(int8(b[0])), b[1:], true
	case b[0] == 0xcb && len(b) >= 9:
		return math.Float64frombits(binary.BigEndian.Uint64(b[1:])), b[9:], true
	case b[0] == 0xca && len(b) >= 5:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b[1:]))), b[5:], true
	}
	return 0, b, false
}

// Step applies inputs, moves every disc and resolves collisions.
func (a *Arena) Step(dt time.Duration, inputs []tick.Input) {
	s := dt.Seconds()
	for _, in := range inputs {
		if i := a.find(in.Player); i >= 0 {
			m := in.Data.(Move)
			a.Discs[i].VX += m[0] * Accel * s
			a.Discs[i].VY += m[1] * Accel * s
		}
	}
	for i := range a.Discs {
		d := &a.Discs[i]
		if d.Kind == KindPlayer {
			d.VX, d.VY = clampSpeed(d.VX*(1-Drag*s), d.VY*(1-Drag*s))
		}
		d.X, d.VX = bounce(d.X+d.VX*s, d.VX)
		d.Y, d.VY = bounce(d.Y+d.VY*s, d.VY)
	}
	a.collide()
}

func clampSpeed(vx, vy float64) (float64, float64) {
	if vx*vx+vy*vy <= MaxSpeed*MaxSpeed {
		return vx, vy
	}
	v := math.Hypot(vx, vy)
	return vx * MaxSpeed / v, vy * MaxSpeed / v
}

// bounce keeps a coordinate on the field, reflecting the velocity.
func bounce(x, v float64) (float64, float64) {
	switch {
	case x < Radius:
		return 2*Radius - x, math.Abs(v)
	case x > Size-Radius:
		return 2*(Size-Radius) - x, -math.Abs(v)
	}
	return x, v
}

// collide pushes overlapping discs apart and swaps their velocity along
// the line between them (equal masses, elastic).
func (a *Arena) collide() {
	for i := range a.Discs {
		for j := i + 1; j < len(a.Discs); j++ {
			p, q := &a.Discs[i], &a.Discs[j]
			dx, dy := q.X-p.X, q.Y-p.Y
			d2 := dx*dx + dy*dy
			if d2 >= 4*Radius*Radius || d2 == 0 {
				continue
			}
			d := math.Sqrt(d2)
			nx, ny := dx/d, dy/d
			push := (2*Radius - d) / 2
			p.X, p.Y, q.X, q.Y = p.X-nx*push, p.Y-ny*push, q.X+nx*push, q.Y+ny*push
			rel := (p.VX-q.VX)*nx + (p.VY-q.VY)*ny
			if rel > 0 {
				p.VX, p.VY, q.VX, q.VY = p.VX-rel*nx, p.VY-rel*ny, q.VX+rel*nx, q.VY+rel*ny
			}
		}
	}
}

// Entities appends every disc, angle being its heading.
func (a *Arena) Entities(buf []tick.Entity) []tick.Entity {
	for _, d := range a.Discs {
		buf = append(buf, tick.Entity{ID: d.ID, Kind: d.Kind, X: d.X, Y: d.Y, VX: d.VX, VY: d.VY, Angle: math.Atan2(d.VY, d.VX)})
	}
	return buf
}

// Save serializes the arena: msgpack.Marshal's bytes, in a buffer the
// arena reuses from save to save (the room copies what Save returns).
func (a *Arena) Save() ([]byte, error) {
	if a.saved == nil {
		a.saved = new(bytes.Buffer)
	}
	a.saved.Reset()
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(a.saved)
	if err := enc.Encode(a); err != nil {
		return nil, err
	}
	return a.saved.Bytes(), nil
}

// Restore replaces the arena's state.
func (a *Arena) Restore(b []byte) error {
	var s Arena
	if err := msgpack.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("arena: restore: %w", err)
	}
	*a = s
	return nil
}

// Players lists the players present, sorted.
func (a *Arena) Players() []string {
	var out []string
	for _, d := range a.Discs {
		if d.Kind == KindPlayer {
			out = append(out, d.Player)
		}
	}
	slices.SortFunc(out, cmp.Compare)
	return out
}
