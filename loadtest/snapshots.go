package loadtest

import (
	"time"

	"github.com/hearth-server/hearth/codec"
)

// snapshotTick is the part of a room snapshot the harness reads: its
// tick ("t"). The rest of the payload is left alone.
type snapshotTick struct {
	T uint64 `msgpack:"t" json:"t"`
}

// decodeSnapshotTick returns the tick a snapshot payload was taken at.
func decodeSnapshotTick(p codec.Payload) (uint64, error) {
	var s snapshotTick
	err := p.Decode(&s)
	return s.T, err
}

// snapshotClock follows one client's snapshot stream: inter-arrival
// jitter against the ticks between snapshots, and snapshot age, the
// delay of a snapshot beyond the least delay seen on this connection
// (one-way delay variation; the server's clock is never needed).
type snapshotClock struct {
	tickDur time.Duration // between ticks
	seq     uint32
	tick    uint64
	at      time.Time
	minOff  time.Duration
	haveOff bool
	base    time.Time
}

func newSnapshotClock(tickHz int, start time.Time) *snapshotClock {
	return &snapshotClock{tickDur: time.Second / time.Duration(max(1, tickHz)), base: start}
}

// observe takes snapshot seq of tick, received at now. It reports the
// jitter (|arrival gap − tick gap × tick period|) when there was a
// previous snapshot, and the snapshot's age.
func (c *snapshotClock) observe(seq uint32, tick uint64, now time.Time) (jitter time.Duration, haveJitter bool, age time.Duration) {
	if c.seq != 0 && seq > c.seq && tick >= c.tick {
		expected := time.Duration(tick-c.tick) * c.tickDur
		jitter, haveJitter = (now.Sub(c.at) - expected).Abs(), true
	}
	c.seq, c.tick, c.at = seq, tick, now
	off := now.Sub(c.base) - time.Duration(tick)*c.tickDur
	if !c.haveOff || off < c.minOff {
		c.minOff, c.haveOff = off, true
	}
	return jitter, haveJitter, off - c.minOff
}

// restart forgets the previous snapshot (after a reconnect), keeping the
// least delay seen.
func (c *snapshotClock) restart() { c.seq = 0 }
