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
