package tick

import (
	"math"
	"slices"
)

// Snapshots use dead reckoning. The room keeps, per entity, a record:
// where it was at some tick and how fast it was going, quantized
// (positions in 1/16 world unit, velocities in 1/16 unit per second,
// angles in 1/65536 turn). A client extrapolates every entity from its
// record. The room makes a new record only when the entity strays more
// than reckonTolerance from where its record says it is (or turns), so an
// entity moving in a straight line costs nothing until it bounces. A
// client gets the records made since the snapshot it last acknowledged
// (its base), and the ids removed since then; or every record when it has
// acknowledged nothing the room still remembers.

// historyLen is how many snapshots back a base may be.
const historyLen = 32

// heartbeatEvery: a client whose view is current still gets an (empty)
// snapshot every that many snapshots, so it keeps acknowledging a base the
// room remembers. Below historyLen.
const heartbeatEvery = 16

// Tolerance says how far an entity may stray from its dead-reckoning
// record before the room makes a new one. The zero value takes the
// defaults.
type Tolerance struct {
	// Position in world units. Default 0.25.
	Position float64
	// Angle in turns. Default 1/128. Negative: turning alone never makes
	// a record (games whose angle is the heading of the velocity, which
	// clients extrapolate anyway).
	Angle float64
}

// quanta converts the tolerance to snapshot units.
func (t Tolerance) quanta() (pos, angle int64) {
	pos, angle = 4, 512
	if t.Position > 0 {
		pos = max(1, q16(t.Position))
	}
	switch {
	case t.Angle < 0:
		angle = 1 << 16
	case t.Angle > 0:
		angle = max(1, int64(t.Angle*65536))
	}
	return pos, angle
}

// Record field positions in the [8]int32 a snapshot carries per entity.
const (
	fID = iota
	fKind
	fX
	fY
	fAngle
	fVX
	fVY
	fAge // ticks between the record and the snapshot carrying it
)

// record is an entity's dead-reckoning record: [id, kind, x, y, angle,
// vx, vy, tick] (the tick is absolute here; snapshots send its age).
type record [8]int64

// entityRec is a record and the snapshot that made it.
type entityRec struct {
	r    record
	seq  uint32
	seen uint32 // the last snapshot that saw the entity
}

// reckoner decides which entities need new records, and which records and
// removals a client with a given base must get.
type reckoner struct {
	hz    int64
	pos   int64 // position tolerance, 1/16 units
	ang   int64 // angle tolerance, 1/65536 turn
	recs  map[int32]*entityRec
	order []int32          // the ids in recs, ascending: bodies list records in this order
	gone  map[int32]uint32 // id → snapshot seq that removed it
	seq   uint32           // newest snapshot
}

func newReckoner(hz int, tol Tolerance) *reckoner {
	pos, ang := tol.quanta()
	return &reckoner{hz: int64(hz), pos: pos, ang: ang, recs: map[int32]*entityRec{}, gone: map[int32]uint32{}}
}

func quantizeRecord(e Entity, tick uint64) record {
	turn := math.Mod(e.Angle/(2*math.Pi), 1)
	if turn < 0 {
		turn++
	}
	return record{int64(e.ID), int64(e.Kind), q16(e.X), q16(e.Y), int64(math.Round(turn*65536)) & 0xffff,
		q16(e.VX), q16(e.VY), int64(tick)}
}

func q16(v float64) int64 { return int64(math.Round(v * 16)) }

// predict is where record r puts its entity at tick, as a client computes
// it: integer arithmetic, so both sides agree exactly.
func (k *reckoner) predict(r record, tick uint64) (x, y int64) {
	dt := int64(tick) - r[7]
	return r[fX] + r[fVX]*dt/k.hz, r[fY] + r[fVY]*dt/k.hz
}

// observe records snapshot seq at tick with the entities' actual states:
// new, strayed and turned entities get new records; missing ones are
// removed.
func (k *reckoner) observe(seq uint32, tick uint64, ents []Entity) {
	k.seq = seq
	changed := false
	had, kept := len(k.recs), 0 // records before, and how many of them are seen again
	for _, e := range ents {
		id := int32(e.ID)
		now := quantizeRecord(e, tick)
		old, ok := k.recs[id]
		if ok {
			if old.seen != seq {
				kept++
			}
			old.seen = seq
			if !k.strayed(old.r, now, tick) {
				continue
			}
			old.r, old.seq = now, seq
			continue
		}
		k.recs[id] = &entityRec{r: now, seq: seq, seen: seq}
		delete(k.gone, id)
		changed = true
	}
	if kept < had { // some entity is gone: find which
		for id, er := range k.recs {
			if er.seen != seq {
				delete(k.recs, id)
				k.gone[id] = seq
				changed = true
			}
		}
	}
	if changed {
		k.order = k.order[:0]
		for id := range k.recs {
			k.order = append(k.order, id)
		}
		slices.Sort(k.order)
	}
	for id, s := range k.gone {
		if seq-s >= historyLen {
			delete(k.gone, id)
		}
	}
}

func (k *reckoner) strayed(old, now record, tick uint64) bool {
	px, py := k.predict(old, tick)
	da := (now[fAngle] - old[fAngle]) & 0xffff
	if da > 0x8000 {
		da = 0x10000 - da
	}
	return abs(now[fX]-px) > k.pos || abs(now[fY]-py) > k.pos || da > k.ang || now[fKind] != old[fKind]
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// remembers reports whether base is recent enough to send a delta from.
func (k *reckoner) remembers(base uint32) bool {
	return base != 0 && base <= k.seq && k.seq-base < historyLen
}

// SnapshotBody is a snapshot frame's payload.
type SnapshotBody struct {
	Tick uint64     `msgpack:"t" json:"t"`
	Base uint32     `msgpack:"b" json:"b"` // 0: full snapshot
	Ents [][8]int64 `msgpack:"e" json:"e"` // records made since the base
	Gone []int32    `msgpack:"r,omitempty" json:"r,omitempty"`
}

// Empty reports whether the body changes nothing for a client that has
// its base.
func (b SnapshotBody) Empty() bool { return b.Base != 0 && len(b.Ents) == 0 && len(b.Gone) == 0 }

// body returns what a client with base needs at tick. Its records are
// appended to ents[:0] and its removals to gone[:0], buffers to reuse
// (nil: new ones); a list with nothing in it is nil, whatever the buffer,
// so that its JSON form stays null.
func (k *reckoner) body(tick uint64, base uint32, ents [][8]int64, gone []int32) SnapshotBody {
	b := SnapshotBody{Tick: tick}
	full := !k.remembers(base)
	if !full {
		b.Base = base
	}
	n := 0
	for _, id := range k.order {
		if full || k.recs[id].seq > base {
			n++
		}
	}
	if n > 0 {
		b.Ents = slices.Grow(ents[:0], n)
	}
	for _, id := range k.order {
		if er := k.recs[id]; full || er.seq > base {
			e := er.r
			e[fAge] = int64(tick) - er.r[7]
			b.Ents = append(b.Ents, e)
		}
	}
	if !full {
		b.Gone = k.removed(base, gone)
	}
	return b
}

// removed appends to gone[:0] the ids removed since base, in order; nil
// for none.
func (k *reckoner) removed(base uint32, gone []int32) []int32 {
	gone = gone[:0]
	for id, s := range k.gone {
		if s > base {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	slices.Sort(gone)
	return gone
}

// worthSending reports whether snapshot seq with body should go out: an
// empty delta is skipped except as a heartbeat.
func worthSending(b SnapshotBody, seq uint32) bool { return !b.Empty() || seq%heartbeatEvery == 0 }

// SnapshotEncoder runs the room's snapshot logic outside a room, for
// tools and benchmarks.
type SnapshotEncoder struct{ k *reckoner }

// NewSnapshotEncoder returns an encoder for a game at hz ticks a second.
func NewSnapshotEncoder(hz int, tol Tolerance) *SnapshotEncoder {
	return &SnapshotEncoder{k: newReckoner(hz, tol)}
}

// Next records snapshot seq and returns the body for a client with base,
// and whether a room would send it.
func (e *SnapshotEncoder) Next(seq uint32, tick uint64, ents []Entity, base uint32) (SnapshotBody, bool) {
	e.k.observe(seq, tick, ents)
	b := e.k.body(tick, base, nil, nil)
	return b, worthSending(b, seq)
}

// Reconstruct is what a client does: apply body to its view (by id) and
// return where every entity is at the body's tick. Tests and the Go
// bots use it; PROTOCOL.md states the same rule.
func Reconstruct(view map[int32][8]int64, b SnapshotBody, hz int) map[int32][2]int64 {
	if b.Base == 0 {
		clear(view)
	}
	for _, id := range b.Gone {
		delete(view, id)
	}
	for _, e := range b.Ents {
		e[fAge] = int64(b.Tick) - e[fAge] // store the record's absolute tick
		view[int32(e[fID])] = e
	}
	out := make(map[int32][2]int64, len(view))
	for id, r := range view {
		dt := int64(b.Tick) - r[fAge]
		out[id] = [2]int64{r[fX] + r[fVX]*dt/int64(hz), r[fY] + r[fVY]*dt/int64(hz)}
	}
	return out
}
