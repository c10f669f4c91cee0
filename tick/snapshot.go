package tick

import (
	"cmp"
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

// removal is an entity removed by snapshot seq.
type removal struct {
	id  int32
	seq uint32
}

// reckoner decides which entities need new records, and which records and
// removals a client with a given base must get. Records are kept by value
// in one slice sorted by id, not in a map of pointers: a room's snapshot
// walks them all, usually with every one cold in the cache, and games list
// their entities in a stable order, so the walk is a sequential scan.
type reckoner struct {
	hz    int64
	pos   int64       // position tolerance, 1/16 units
	ang   int64       // angle tolerance, 1/65536 turn
	recs  []entityRec // ascending by id: bodies list records in this order
	fresh []entityRec // entities first seen by the current observe
	gone  []removal   // removals of the last historyLen snapshots
	seq   uint32      // newest snapshot
}

func newReckoner(hz int, tol Tolerance) *reckoner {
	pos, ang := tol.quanta()
	return &reckoner{hz: int64(hz), pos: pos, ang: ang}
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

// find returns the index of id's record, trying hint (where the walk
// expects it) before a binary search.
func (k *reckoner) find(id int64, hint int) (int, bool) {
	if hint < len(k.recs) && k.recs[hint].r[fID] == id {
		return hint, true
	}
	return slices.BinarySearchFunc(k.recs, id, func(er entityRec, id int64) int { return cmp.Compare(er.r[fID], id) })
}

// observe records snapshot seq at tick with the entities' actual states:
// new, strayed and turned entities get new records; missing ones are
// removed.
func (k *reckoner) observe(seq uint32, tick uint64, ents []Entity) {
	k.seq = seq
	kept, next := 0, 0 // records seen again; where the next entity's record is expected
	for i := range ents {
		now := quantizeRecord(ents[i], tick)
		j, ok := k.find(now[fID], next)
		if !ok {
			k.fresh = append(k.fresh, entityRec{r: now, seq: seq, seen: seq})
			continue
		}
		next = j + 1
		old := &k.recs[j]
		if old.seen != seq {
			kept++
		}
		old.seen = seq
		if k.strayed(old.r, now, tick) {
			old.r, old.seq = now, seq
		}
	}
	if kept < len(k.recs) {
		k.dropUnseen(seq)
	}
	if len(k.fresh) > 0 {
		k.addFresh()
	}
	k.gone = slices.DeleteFunc(k.gone, func(g removal) bool { return seq-g.seq >= historyLen })
}

// dropUnseen removes the records snapshot seq did not see.
func (k *reckoner) dropUnseen(seq uint32) {
	k.recs = slices.DeleteFunc(k.recs, func(er entityRec) bool {
		if er.seen == seq {
			return false
		}
		k.gone = append(k.gone, removal{id: int32(er.r[fID]), seq: seq})
		return true
	})
}

// addFresh merges the entities first seen by this observe into the
// records (the first of duplicate ids wins) and forgets their removals.
func (k *reckoner) addFresh() {
	byID := func(a, b entityRec) int { return cmp.Compare(a.r[fID], b.r[fID]) }
	slices.SortStableFunc(k.fresh, byID)
	k.fresh = slices.CompactFunc(k.fresh, func(a, b entityRec) bool { return a.r[fID] == b.r[fID] })
	k.gone = slices.DeleteFunc(k.gone, func(g removal) bool {
		_, back := slices.BinarySearchFunc(k.fresh, int64(g.id), func(er entityRec, id int64) int { return cmp.Compare(er.r[fID], id) })
		return back
	})
	k.recs = append(k.recs, k.fresh...)
	slices.SortFunc(k.recs, byID)
	k.fresh = nil // entities come and go rarely: keep no buffer for them
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
	for i := range k.recs {
		if full || k.recs[i].seq > base {
			n++
		}
	}
	if n > 0 {
		b.Ents = slices.Grow(ents[:0], n)
	}
	for i := range k.recs {
		if er := &k.recs[i]; full || er.seq > base {
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
	for _, g := range k.gone {
		if g.seq > base {
			gone = append(gone, g.id)
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
