package iot

import (
	"errors"
	"strconv"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/session"
)

// Checkpoints: at the group's publication tick every device that changed
// since the last one is saved, so a restarted server resumes with windows,
// watermarks and detector state intact, losing at most one tick of
// readings. Devices are saved to the group's checkpoint log (format in
// checkpoint_codec.go): a delta record per changed device, holding its
// small state and only the window panes that changed since its previous
// record, packed many to a value, so a group commit stays a few large
// values (which badger keeps out of its transaction limit) however many
// devices changed. When the log has grown to snapshotRatio times its last
// snapshot, or to maxLogValues values, the checkpoint writes a snapshot
// instead, a base record for every device, and deletes the log before it,
// in the same commit.

const (
	logPrefix  = "ckl/"
	basePrefix = "dev/" // format 1, read only

	// logValueSize is the size at which a log value is closed.
	logValueSize = 256 << 10
	// snapshotRatio bounds the log at about that many times a snapshot.
	snapshotRatio = 4
	// minSnapshotBytes stops tiny groups from snapshotting every tick.
	minSnapshotBytes = 64 << 10
	// maxLogValues bounds the log's values, so that deleting them fits
	// one transaction.
	maxLogValues = 1024
)

// ckLog is the state of a group's checkpoint log.
type ckLog struct {
	next     uint64    // number of the next value
	keys     []string  // values since the last snapshot, and format-1 keys, to delete with the next
	bytes    int       // bytes written since the last snapshot
	snapshot int       // bytes of the last snapshot
	pending  []*device // devices in the value being encoded
	failed   bool      // a value of the snapshot being written was refused
}

func logKey(n uint64) string {
	const hex = "0123456789abcdef"
	var b [len(logPrefix) + 16]byte
	copy(b[:], logPrefix)
	for i := len(b) - 1; i >= len(logPrefix); i-- {
		b[i] = hex[n&15]
		n >>= 4
	}
	return string(b[:])
}

// restoreDevice rebuilds a device from its checkpoint, with windows and
// detectors made from the current configuration.
func restoreDevice(s deviceState, o *Options) *device {
	d := &device{newest: s.Newest, lastSeen: s.LastSeen, seqs: seqWindow{high: s.SeqHigh, seen: s.SeqSeen}, metrics: make([]*metricState, 0, len(s.Metrics))}
	for name, mc := range s.Metrics {
		ms := d.metric(name, o)
		for i, w := range ms.windows {
			if i < len(mc.Windows) {
				w.restore(mc.Windows[i])
			}
		}
		for i, det := range ms.detectors {
			if i < len(mc.Detectors) {
				_ = msgpack.Unmarshal(mc.Detectors[i], det) // a detector that changed starts afresh
			}
		}
	}
	return d
}

// checkpoint saves the devices that changed since the last checkpoint,
// and the group's own windows with them.
func (g *Group) checkpoint(c *session.Context) {
	if g.cfg.NoCheckpoint {
		g.cleanAll()
		g.ackAll(c)
		return
	}
	if len(g.dirty) > 0 {
		g.saveGroupWindows(c)
		if len(g.ck.keys) >= maxLogValues || g.ck.bytes > snapshotRatio*max(g.ck.snapshot, minSnapshotBytes) {
			g.snapshot(c)
		} else {
			g.logDevices(c)
		}
	}
	g.cleanAll()
	g.ackAll(c)
}

// markDirty lists d for the next checkpoint.
func (g *Group) markDirty(d *device) {
	if !d.dirty {
		d.dirty = true
		g.dirty = append(g.dirty, d)
	}
}

// cleanAll empties the list of changed devices.
func (g *Group) cleanAll() {
	for _, d := range g.dirty {
		d.dirty = false
	}
	clear(g.dirty)
	g.dirty = g.dirty[:0]
}

// logDevices appends a delta of every changed device to the log.
func (g *Group) logDevices(c *session.Context) {
	g.ck.failed = false
	g.ckEnc.reset()
	for _, d := range g.dirty {
		g.record(c, d.name, d, ckDelta)
	}
	g.flushLog(c)
}

// snapshot writes a base of every device and deletes the log before it.
func (g *Group) snapshot(c *session.Context) {
	old := g.ck.keys
	g.ck.keys, g.ck.bytes, g.ck.failed = nil, 0, false
	g.ckEnc.reset()
	for name, d := range g.devices {
		g.record(c, name, d, ckBase)
	}
	g.flushLog(c)
	g.ck.snapshot = g.ck.bytes
	if g.ck.failed { // keep the old log: it holds what the snapshot missed
		g.ck.keys = append(old, g.ck.keys...)
		g.ck.failed = false
		return
	}
	for _, k := range old {
		_ = c.Storage().Delete(k)
	}
}

// record adds one device's record of kind to the value being encoded,
// storing the value once it is full.
func (g *Group) record(c *session.Context, name string, d *device, kind byte) {
	if g.ckEnc.add(name, d, kind) != nil {
		return
	}
	g.ck.pending = append(g.ck.pending, d)
	if len(g.ckEnc.buf) >= logValueSize {
		g.flushLog(c)
	}
}

// flushLog stores the value being encoded, if it holds any record, and
// starts the next.
func (g *Group) flushLog(c *session.Context) {
	if !g.ckEnc.empty() {
		g.putLog(c)
	}
	g.ckEnc.reset()
}

// putLog stores the encoded value as the log's next; its devices' panes
// then count as saved.
func (g *Group) putLog(c *session.Context) {
	key := logKey(g.ck.next)
	if c.Storage().Put(key, g.ckEnc.buf) != nil {
		// Their changes stay marked and go into their next record.
		g.ck.failed = true
		clear(g.ck.pending)
		g.ck.pending = g.ck.pending[:0]
		return
	}
	g.ck.next++
	g.ck.keys = append(g.ck.keys, key)
	g.ck.bytes += len(g.ckEnc.buf)
	for _, d := range g.ck.pending {
		for _, ms := range d.metrics {
			for _, w := range ms.windows {
				w.changed = 0
			}
		}
	}
	clear(g.ck.pending)
	g.ck.pending = g.ck.pending[:0]
}

// ackAll acknowledges the durable-ingest readings applied so far, once
// what was just written is committed.
func (g *Group) ackAll(c *session.Context) {
	if len(g.acks) == 0 {
		return
	}
	acks := g.acks
	g.acks = nil
	c.AfterCommit(func() { // the readings are durable: JetStream may forget them
		for _, ack := range acks {
			ack()
		}
	})
}

// groupWindowsKey holds the group's windows per metric.
const groupWindowsKey = "group-windows"

func (g *Group) saveGroupWindows(c *session.Context) {
	all := make(map[string][]windowState, len(g.windows))
	for metric, ws := range g.windows {
		for _, w := range ws {
			all[metric] = append(all[metric], w.state())
		}
	}
	if b, err := msgpack.Marshal(all); err == nil {
		_ = c.Storage().Put(groupWindowsKey, b)
	}
}

func (g *Group) restoreGroupWindows(c *session.Context) error {
	b, err := c.Storage().Get(groupWindowsKey)
	if errors.Is(err, session.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var all map[string][]windowState
	if err := msgpack.Unmarshal(b, &all); err != nil {
		return nil // an unreadable checkpoint: start the group windows afresh
	}
	for metric, states := range all {
		for i, w := range g.groupWindows(metric) {
			if i < len(states) {
				w.restore(states[i])
			}
		}
	}
	return nil
}

// restoreDevices loads every checkpointed device: format-1 records
// first, then the log over them, record by record.
func (g *Group) restoreDevices(c *session.Context) error {
	states := map[string]deviceState{}
	err := c.Storage().List(basePrefix, func(key string, v []byte) bool {
		if s, err := decodeV1(v); err == nil {
			states[key[len(basePrefix):]] = s
		}
		g.ck.keys = append(g.ck.keys, key) // deleted by the next snapshot
		return true
	})
	if err != nil {
		return err
	}
	err = c.Storage().List(logPrefix, func(key string, v []byte) bool {
		n, perr := strconv.ParseUint(key[len(logPrefix):], 16, 64)
		if perr == nil && n >= g.ck.next {
			g.ck.next = n + 1
		}
		g.ck.keys = append(g.ck.keys, key)
		g.ck.bytes += len(v)
		recs, derr := decodeLog(v)
		if derr != nil {
			return true // an unreadable value: its devices go back to their earlier records
		}
		for _, r := range recs {
			if r.Delta {
				r.State = applyDelta(states[r.Device], r.State)
			}
			states[r.Device] = r.State
		}
		return true
	})
	if err != nil {
		return err
	}
	for name, s := range states {
		d := restoreDevice(s, &g.opts)
		d.name = name
		g.devices[name] = d
	}
	g.ck.snapshot = g.ck.bytes / snapshotRatio // snapshot once the log doubles
	return nil
}

// Hibernate checkpoints before the group is evicted or the server stops.
func (g *Group) Hibernate(c *session.Context) error {
	g.checkpoint(c)
	return nil
}

var _ session.Hibernator = (*Group)(nil)
