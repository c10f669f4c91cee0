package tick

import (
	"math"
	"slices"
)

// Snapshots are quantized: positions to 1/16 of a world unit, angles to
// 1/65536 of a turn. A client gets the entities that changed since the
// snapshot it last acknowledged (its base), or every entity when it has
// acknowledged none the room still remembers.

// historyLen is how many snapshots a room remembers as delta bases.
const historyLen = 32

// heartbeatEvery: a client whose view is already current still gets an
// (empty) snapshot every that many snapshots, so it keeps acknowledging a
// base the room remembers. Below historyLen.
const heartbeatEvery = 16

// Empty reports whether the body changes nothing for a client that has
// its base.
func (b SnapshotBody) Empty() bool { return b.Base != 0 && len(b.Ents) == 0 && len(b.Gone) == 0 }

// worthSending reports whether snapshot seq with body should go out: an
// empty delta is skipped except as a heartbeat.
func worthSending(b SnapshotBody, seq uint32) bool { return !b.Empty() || seq%heartbeatEvery == 0 }

// qEntity is an entity quantized: [id, kind, x, y, angle].
type qEntity [5]int32

func quantize(e Entity) qEntity {
	turn := math.Mod(e.Angle/(2*math.Pi), 1)
	if turn < 0 {
		turn++
	}
	return qEntity{int32(e.ID), int32(e.Kind), int32(math.Round(e.X * 16)), int32(math.Round(e.Y * 16)),
		int32(math.Round(turn*65536)) & 0xffff}
}

// snap is one remembered snapshot: quantized entities sorted by id.
type snap struct {
	seq  uint32
	ents []qEntity
}

// history is a ring of the last historyLen snapshots.
type history struct {
	ring [historyLen]snap
}

func (h *history) add(s snap) { h.ring[s.seq%historyLen] = s }

// get returns snapshot seq if still remembered.
func (h *history) get(seq uint32) (snap, bool) {
	s := h.ring[seq%historyLen]
	return s, seq != 0 && s.seq == seq
}

// SnapshotBody is a snapshot frame's payload.
type SnapshotBody struct {
	Tick uint64    `msgpack:"t" json:"t"`
	Base uint32    `msgpack:"b" json:"b"`                     // 0: full snapshot
	Ents []qEntity `msgpack:"e" json:"e"`                     // new or changed entities
	Gone []int32   `msgpack:"r,omitempty" json:"r,omitempty"` // ids removed since the base
}

// delta returns the body that brings a client from base to cur.
func delta(tick uint64, cur snap, base snap, haveBase bool) SnapshotBody {
	if !haveBase {
		return SnapshotBody{Tick: tick, Ents: cur.ents}
	}
	body := SnapshotBody{Tick: tick, Base: base.seq}
	i, j := 0, 0
	for i < len(cur.ents) || j < len(base.ents) {
		switch {
		case j == len(base.ents) || (i < len(cur.ents) && cur.ents[i][0] < base.ents[j][0]):
			body.Ents = append(body.Ents, cur.ents[i])
			i++
		case i == len(cur.ents) || cur.ents[i][0] > base.ents[j][0]:
			body.Gone = append(body.Gone, base.ents[j][0])
			j++
		default:
			if cur.ents[i] != base.ents[j] {
				body.Ents = append(body.Ents, cur.ents[i])
			}
			i++
			j++
		}
	}
	return body
}

// makeSnap quantizes entities into a snapshot sorted by id.
func makeSnap(seq uint32, ents []Entity) snap {
	q := make([]qEntity, len(ents))
	for i, e := range ents {
		q[i] = quantize(e)
	}
	slices.SortFunc(q, func(a, b qEntity) int { return int(a[0]) - int(b[0]) })
	return snap{seq: seq, ents: q}
}

// apply is what a client does with a body: base entities, minus Gone,
// updated by Ents. Tests use it to check deltas.
func apply(base []qEntity, b SnapshotBody) []qEntity {
	m := map[int32]qEntity{}
	if b.Base != 0 {
		for _, e := range base {
			m[e[0]] = e
		}
	}
	for _, id := range b.Gone {
		delete(m, id)
	}
	for _, e := range b.Ents {
		m[e[0]] = e
	}
	out := make([]qEntity, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b qEntity) int { return int(a[0]) - int(b[0]) })
	return out
}

// SnapshotEncoder turns a stream of entity lists into snapshot bodies
// against acknowledged bases, remembering the last historyLen snapshots.
// Rooms use the same pieces; tools and benchmarks use this.
type SnapshotEncoder struct{ hist history }

// NewSnapshotEncoder returns an empty encoder.
func NewSnapshotEncoder() *SnapshotEncoder { return &SnapshotEncoder{} }

// Next records snapshot seq of ents and returns its body as a delta from
// base (0, or a forgotten base, for a full snapshot), and whether a room
// would send it.
func (e *SnapshotEncoder) Next(seq uint32, tickN uint64, ents []Entity, base uint32) (SnapshotBody, bool) {
	cur := makeSnap(seq, ents)
	e.hist.add(cur)
	b, ok := e.hist.get(base)
	body := delta(tickN, cur, b, ok)
	return body, worthSending(body, seq)
}
