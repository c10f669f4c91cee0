package tick

import (
	"slices"

	"github.com/hearth-server/hearth/codec"
)

// A snapshot's frames and the bodies they carry are reused by later
// snapshots, once nothing can read them any more. The session holds the
// frames until the tick's output is released (after the commit of any
// writes before it) and then hands them to the connections, whose Send
// encodes (copies) a frame before it returns: a slow client's coalescing
// keeps encoded bytes, never the frame. The room learns that the frames
// are done through a Context.AfterCommit callback queued after them,
// which runs once they have been handed over. Output dropped instead (a
// failed commit, a panic) drops the callback too: those frames are left
// to the garbage collector.

// maxSpareFrames bounds the frame sets a room keeps for reuse: one per
// snapshot whose output waits behind a commit, rarely more than two.
const maxSpareFrames = 4

// snapFrames is what one snapshot sends: a frame per client and a body
// per base, with their buffers.
type snapFrames struct {
	outs   []codec.Out
	bodies []*prepared // bodies[:n] are this snapshot's
	n      int
	done   func() // hands the set back to its room; bound once
}

// prepared is a snapshot body for the clients with one base, whether it
// is worth sending to a client that has nothing to be acknowledged, and
// its encoding, shared by the frames that carry it.
type prepared struct {
	base   uint32
	worth  bool
	body   SnapshotBody
	ents   [][8]int64 // body.Ents's buffer, kept when body.Ents is nil
	gone   []int32    // body.Gone's buffer
	shared codec.Shared
}

// takeFrames returns a spare frame set, or a new one, ready for a
// snapshot to clients clients.
func (r *Room) takeFrames(clients int) *snapFrames {
	var f *snapFrames
	if n := len(r.spare); n > 0 {
		f = r.spare[n-1]
		r.spare[n-1] = nil
		r.spare = r.spare[:n-1]
	} else {
		f = &snapFrames{}
		f.done = func() { r.putFrames(f) }
	}
	// Frames are sent by address: the slice must not move while they go out.
	f.outs = slices.Grow(f.outs[:0], clients)
	f.n = 0
	return f
}

// putFrames keeps f for a later snapshot, if the room has room for it.
func (r *Room) putFrames(f *snapFrames) {
	if len(r.spare) < maxSpareFrames {
		r.spare = append(r.spare, f)
	}
}

// bodyFor returns the body for clients with base key, made at tick by the
// room's reckoner unless the set has it already. The bases are few
// (usually one or two): a slice, searched.
func (f *snapFrames) bodyFor(k *reckoner, tick uint64, key, seq uint32) *prepared {
	for _, b := range f.bodies[:f.n] {
		if b.base == key {
			return b
		}
	}
	if f.n == len(f.bodies) {
		f.bodies = append(f.bodies, &prepared{})
	}
	b := f.bodies[f.n]
	f.n++
	b.base = key
	b.body = k.body(tick, key, b.ents, b.gone)
	if b.body.Ents != nil {
		b.ents = b.body.Ents
	}
	if b.body.Gone != nil {
		b.gone = b.body.Gone
	}
	b.worth = worthSending(b.body, seq)
	b.shared.Reset(&b.body)
	return b
}

// frame adds an empty frame to the set and returns it, valid until the
// set goes back to its room.
func (f *snapFrames) frame() *codec.Out {
	f.outs = append(f.outs, codec.Out{})
	return &f.outs[len(f.outs)-1]
}
