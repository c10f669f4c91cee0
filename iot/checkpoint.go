package iot

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/session"
)

// Checkpoints: every changed device's state (watermark, windows,
// detector state per metric) is saved under "dev/<device>" at the group's
// publication tick, so a restarted server resumes with windows and
// watermarks intact, losing at most one tick of readings.

type deviceState struct {
	Newest   int64                  `msgpack:"newest"`
	LastSeen int64                  `msgpack:"last_seen"`
	SeqHigh  uint64                 `msgpack:"seq_high,omitempty"`
	SeqSeen  uint64                 `msgpack:"seq_seen,omitempty"`
	Metrics  map[string]metricCheck `msgpack:"metrics"`
}

type metricCheck struct {
	Windows   []windowState        `msgpack:"windows"`
	Detectors []msgpack.RawMessage `msgpack:"detectors"`
}

type windowState struct {
	Len   time.Duration `msgpack:"len"`
	Head  int64         `msgpack:"head"`
	Empty bool          `msgpack:"empty"`
	Panes [][5]float64  `msgpack:"panes"` // n, mean, m2, min, max
}

func (w *Window) state() windowState {
	s := windowState{Len: w.Len, Head: w.head, Empty: w.empty, Panes: make([][5]float64, len(w.panes))}
	for i, p := range w.panes {
		s.Panes[i] = [5]float64{float64(p.n), p.mean, p.m2, p.min, p.max}
	}
	return s
}

func (w *Window) restore(s windowState) {
	if s.Len != w.Len || len(s.Panes) != len(w.panes) {
		return // the configuration changed: start this window afresh
	}
	w.head, w.empty = s.Head, s.Empty
	for i, p := range s.Panes {
		w.panes[i] = pane{n: uint32(p[0]), mean: p[1], m2: p[2], min: p[3], max: p[4]}
	}
}

func (d *device) state() (deviceState, error) {
	s := deviceState{Newest: d.newest, LastSeen: d.lastSeen, SeqHigh: d.seqs.high, SeqSeen: d.seqs.seen, Metrics: make(map[string]metricCheck, len(d.metrics))}
	for name, ms := range d.metrics {
		var mc metricCheck
		for _, w := range ms.windows {
			mc.Windows = append(mc.Windows, w.state())
		}
		for _, det := range ms.detectors {
			b, err := msgpack.Marshal(det)
			if err != nil {
				return s, fmt.Errorf("iot: checkpoint %s: %w", det.Name(), err)
			}
			mc.Detectors = append(mc.Detectors, b)
		}
		s.Metrics[name] = mc
	}
	return s, nil
}

// restoreDevice rebuilds a device from its checkpoint, with windows and
// detectors made from the current configuration.
func restoreDevice(s deviceState, o *Options) *device {
	d := &device{newest: s.Newest, lastSeen: s.LastSeen, seqs: seqWindow{high: s.SeqHigh, seen: s.SeqSeen}, metrics: make(map[string]*metricState, len(s.Metrics))}
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
		clear(g.dirty)
		g.ackAll(c)
		return
	}
	if len(g.dirty) > 0 {
		g.saveGroupWindows(c)
	}
	// One buffer for every device: Put copies the value.
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	for name := range g.dirty {
		s, err := g.devices[name].state()
		if err != nil {
			continue
		}
		buf.Reset()
		if err := enc.Encode(&s); err == nil {
			_ = c.Storage().Put("dev/"+name, buf.Bytes())
		}
	}
	clear(g.dirty)
	g.ackAll(c)
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

// restoreDevices loads every checkpointed device.
func (g *Group) restoreDevices(c *session.Context) error {
	return c.Storage().List("dev/", func(key string, v []byte) bool {
		var s deviceState
		if msgpack.Unmarshal(v, &s) == nil {
			g.devices[key[len("dev/"):]] = restoreDevice(s, &g.opts)
		}
		return true
	})
}

// Hibernate checkpoints before the group is evicted or the server stops.
func (g *Group) Hibernate(c *session.Context) error {
	g.checkpoint(c)
	return nil
}

var _ session.Hibernator = (*Group)(nil)
